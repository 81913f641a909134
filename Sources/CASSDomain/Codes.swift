/// Check digits of the identifiers CASS uses. Both are mod 7 of the digits
/// before them, read as one number.
public enum CheckDigit {
    /// AWB serial: 8 digits, the last = (first 7 as a number) mod 7.
    public static func awbSerialIsValid(_ serial: Int) -> Bool {
        guard serial >= 0, serial <= 99_999_999 else { return false }
        return (serial / 10) % 7 == serial % 10
    }

    /// CASS agent code: 11 digits, the last = (first 10 as a number) mod 7.
    public static func agentCodeIsValid(_ code: Int) -> Bool {
        guard code >= 0, code <= 99_999_999_999 else { return false }
        return (code / 10) % 7 == code % 10
    }

    public static func awbSerial(from sevenDigits: Int) -> Int { sevenDigits * 10 + sevenDigits % 7 }

    public static func agentCode(from tenDigits: Int) -> Int { tenDigits * 10 + tenDigits % 7 }
}

/// A fixed-width ASCII code packed into an integer (airport, currency,
/// country, reason code): hashing and comparing it costs nothing, and the
/// bytes come back exactly as they stood in the file.
public struct ASCIICode: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let packed: UInt64
    public let length: UInt8

    public init(bytes: some Collection<UInt8>) {
        var value: UInt64 = 0
        var count: UInt8 = 0
        for byte in bytes.prefix(8) {
            value = value << 8 | UInt64(byte)
            count += 1
        }
        self.packed = value
        self.length = count
    }

    public init(_ text: String) { self.init(bytes: Array(text.utf8)) }

    public init(rawPacked: UInt64, length: UInt8) {
        self.packed = rawPacked
        self.length = length
    }

    public var bytes: [UInt8] {
        (0..<Int(length)).map { UInt8(truncatingIfNeeded: packed >> (8 * UInt64(Int(length) - 1 - $0))) }
    }

    /// The code's text: built in place when it is ASCII, as codes are (a
    /// small string, no array first); other bytes are decoded as UTF-8,
    /// invalid ones repaired.
    public var description: String {
        let count = Int(length)
        for index in 0..<count where byte(index) >= 0x80 { return String(decoding: bytes, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: count) { text in
            for index in 0..<count { text[index] = byte(index) }
            return count
        }
    }

    @inline(__always) func byte(_ index: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: packed >> (8 * UInt64(Int(length) - 1 - index)))
    }

    public var isUppercaseLetters: Bool {
        guard length > 0 else { return false }
        for index in 0..<Int(length) {
            let b = byte(index)
            if b < 65 || b > 90 { return false }
        }
        return true
    }

    public var isBlank: Bool {
        for index in 0..<Int(length) where byte(index) != 32 { return false }
        return true
    }

    public static func < (lhs: ASCIICode, rhs: ASCIICode) -> Bool { lhs.description < rhs.description }
}
