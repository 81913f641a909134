import CASSDomain

/// The value syntax of the XML format. Each parser returns nil for anything
/// that is not exactly the documented form; the caller turns nil into F01,
/// F02 or R12 depending on where the value stood.
enum OneRecordValues {
    /// The largest magnitude a CBF amount field holds: XML amounts are held
    /// to it too, so every accepted XML file converts to a CBF.
    static let maxAmountMinor: Int64 = 99_999_999_999
    /// 7 digits of tenths of a kilogram, as in the CBF.
    static let maxWeightTenths: Int64 = 9_999_999

    /// Exactly `count` ASCII digits.
    static func digits(_ text: String, count: Int) -> Int64? {
        guard text.utf8.count == count else { return nil }
        return withBytes(text) { number($0) }
    }

    static func digits(_ bytes: UnsafeBufferPointer<UInt8>, count: Int) -> Int64? {
        guard bytes.count == count else { return nil }
        return number(bytes)
    }

    /// 1 to `maxCount` ASCII digits.
    static func digits(_ text: String, maxCount: Int) -> Int64? {
        let count = text.utf8.count
        guard count > 0, count <= maxCount else { return nil }
        return withBytes(text) { number($0) }
    }

    private static func number(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var value: Int64 = 0
        for b in bytes {
            guard b >= 48, b <= 57 else { return nil }
            value = value &* 10 &+ Int64(b - 48)
        }
        return value
    }

    /// The string's UTF-8 bytes in place: a loop over a buffer instead of
    /// `String.UTF8View`'s iterator, which checks the string's form at every
    /// byte (values are short: small strings are copied to the stack).
    @inline(__always) static func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        text.withUTF8InPlace(body)
    }

    /// Whether `text` is exactly `String(value)`, without building that
    /// string (a transaction's sequence number, checked for each one).
    static func isDecimal(_ text: String, of value: Int) -> Bool {
        guard value > 0 else { return text == String(value) }
        return withBytes(text) { isDecimal($0, of: value) }
    }

    static func isDecimal(_ bytes: UnsafeBufferPointer<UInt8>, of value: Int) -> Bool {
        guard value > 0 else { return String(decoding: bytes, as: UTF8.self) == String(value) }
        var rest = value
        var k = bytes.count
        while rest > 0 {
            k -= 1
            guard k >= 0, bytes[k] == UInt8(48 + rest % 10) else { return false }
            rest /= 10
        }
        return k == 0
    }

    /// The code of a code-list IRI: what follows the last `#`.
    static func code(ofIRI iri: String) -> String {
        guard let hash = iri.lastIndex(of: "#") else { return iri }
        return String(iri[iri.index(after: hash)...])
    }

    /// `YYYY-MM-DD` that is a calendar date.
    static func calendarDate(_ text: String) -> CivilDate? {
        CivilDate(iso: Substring(text))
    }

    /// `YYYY-MM-DD`, optionally followed by an `xsd:dateTime` time part,
    /// as `YYYYMMDD` digits. A well-formed non-date (`2026-11-31`) comes
    /// back as its digits: R04 is the engine's to say.
    static func executionDateDigits(_ text: String) -> Int32? {
        withBytes(text) { executionDateDigits($0) }
    }

    static func executionDateDigits(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        var digits: Int32 = 0
        for position in 0..<10 where position != 4 && position != 7 {
            let b = bytes[position]
            guard b >= 48, b <= 57 else { return nil }
            digits = digits * 10 + Int32(b - 48)
        }
        guard bytes.count == 10 || isTimePart(UnsafeBufferPointer(rebasing: bytes[10...])) else { return nil }
        return digits
    }

    /// `Thh:mm[:ss[.fraction]][Z|±hh:mm]`
    private static func isTimePart(_ pattern: UnsafeBufferPointer<UInt8>) -> Bool {
        guard pattern.first == UInt8(ascii: "T") else { return false }
        var i = 1
        func twoDigits() -> Bool {
            guard i + 1 < pattern.count, isDigit(pattern[i]), isDigit(pattern[i + 1]) else { return false }
            i += 2
            return true
        }
        guard twoDigits(), i < pattern.count, pattern[i] == UInt8(ascii: ":") else { return false }
        i += 1
        guard twoDigits() else { return false }
        if i < pattern.count, pattern[i] == UInt8(ascii: ":") {
            i += 1
            guard twoDigits() else { return false }
            if i < pattern.count, pattern[i] == UInt8(ascii: ".") {
                i += 1
                let start = i
                while i < pattern.count, isDigit(pattern[i]) { i += 1 }
                guard i > start else { return false }
            }
        }
        if i == pattern.count { return true }
        if pattern[i] == UInt8(ascii: "Z") { return i + 1 == pattern.count }
        guard pattern[i] == UInt8(ascii: "+") || pattern[i] == UInt8(ascii: "-") else { return false }
        i += 1
        guard twoDigits(), i < pattern.count, pattern[i] == UInt8(ascii: ":") else { return false }
        i += 1
        return twoDigits() && i == pattern.count
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    /// Unsigned decimal with at most `decimals` decimals, scaled to that many.
    static func scaledDecimal(_ text: String, decimals: Int, max: Int64) -> Int64? {
        withBytes(text) { scaledDecimal($0, decimals: decimals, max: max) }
    }

    static func scaledDecimal(_ bytes: UnsafeBufferPointer<UInt8>, decimals: Int, max: Int64) -> Int64? {
        var wholeCount = 0
        var fractionCount = 0
        var seenDot = false
        var value: Int64 = 0
        for b in bytes {
            if b == UInt8(ascii: "."), !seenDot { seenDot = true; continue }
            guard isDigit(b) else { return nil }
            if seenDot { fractionCount += 1 } else { wholeCount += 1 }
            guard wholeCount <= 12, fractionCount <= decimals else { return nil }
            value = value * 10 + Int64(b - 48)
        }
        guard wholeCount > 0, !seenDot || fractionCount > 0 else { return nil }
        for _ in fractionCount..<decimals { value *= 10 }
        return value <= max ? value : nil
    }

    /// Kilograms with at most one decimal, in tenths.
    static func weightTenths(_ text: String) -> Int64? {
        scaledDecimal(text, decimals: 1, max: maxWeightTenths)
    }

    static func weightTenths(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        scaledDecimal(bytes, decimals: 1, max: maxWeightTenths)
    }

    static func percentHundredths(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        scaledDecimal(bytes, decimals: 2, max: 9999).map { Int32($0) }
    }

    /// Percent with at most two decimals, in hundredths of a percent.
    static func percentHundredths(_ text: String) -> Int32? {
        scaledDecimal(text, decimals: 2, max: 9999).map { Int32($0) }
    }

    /// Major units with exactly the currency's minor digits: `-`?
    /// digits, then `.` and exactly `minorDigits` digits when there are any
    /// (the form `Money.parseDecimal` reads, without its allocations).
    static func amount(_ text: String, minorDigits: Int) -> Int64? {
        // A valid amount is at most 14 characters; longer ones could
        // overflow while being parsed.
        withBytes(text) { amount($0, minorDigits: minorDigits) }
    }

    static func amount(_ bytes: UnsafeBufferPointer<UInt8>, minorDigits: Int) -> Int64? {
        guard bytes.count <= 18 else { return nil }
        var negative = false
        var wholeCount = 0
        var fractionCount = -1
        var value: Int64 = 0
        var k = 0
        if bytes.count > 0, bytes[0] == UInt8(ascii: "-") { negative = true; k = 1 }
        while k < bytes.count {
            let b = bytes[k]
            k += 1
            if b == UInt8(ascii: "."), fractionCount < 0 { fractionCount = 0; continue }
            guard isDigit(b) else { return nil }
            if fractionCount >= 0 { fractionCount += 1 } else { wholeCount += 1 }
            value = value * 10 + Int64(b - 48)
        }
        guard wholeCount > 0, wholeCount <= 15, minorDigits == 0 ? fractionCount < 0 : fractionCount == minorDigits else { return nil }
        guard value <= maxAmountMinor else { return nil }
        return negative ? -value : value
    }

    /// How a raw value is shown in a rejection: printable ASCII, no commas
    /// (rejections.csv is unquoted), at most `width` characters.
    static func reportable(_ text: String, width: Int) -> String {
        // Nearly always already so: hand the string back as it is.
        let plain = withBytes(text) { bytes -> Bool in
            guard bytes.count <= width else { return false }
            for b in bytes where b < 0x20 || b >= 0x7F || b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") { return false }
            return true
        }
        if plain { return text }
        var out: [UInt8] = []
        for b in text.utf8.prefix(width) {
            out.append(b >= 0x20 && b < 0x7F && b != UInt8(ascii: ",") && b != UInt8(ascii: "\"") ? b : UInt8(ascii: "?"))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `-0`, `-0.00`...: a negative sign on a zero amount, kept so that
    /// conversions give back the same bytes.
    static func isNegativeZero(_ text: String) -> Bool {
        withBytes(text) { isNegativeZero($0) }
    }

    static func isNegativeZero(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.first == UInt8(ascii: "-") else { return false }
        for b in bytes.dropFirst() where b != UInt8(ascii: "0") && b != UInt8(ascii: ".") { return false }
        return true
    }

    /// `packed(reportable(text, width))` from the bytes, no string built:
    /// the first `width` bytes (at most eight are kept), each not
    /// printable ASCII, comma or quote shown as `?`.
    static func packedReportable(_ bytes: UnsafeBufferPointer<UInt8>, width: Int) -> ASCIICode {
        var value: UInt64 = 0
        var count: UInt8 = 0
        for b in bytes.prefix(min(width, 8)) {
            let shown = b >= 0x20 && b < 0x7F && b != UInt8(ascii: ",") && b != UInt8(ascii: "\"") ? b : UInt8(ascii: "?")
            value = value << 8 | UInt64(shown)
            count += 1
        }
        return ASCIICode(rawPacked: value, length: count)
    }

    /// Whether the bytes are `text`, as `String` equality says: byte for
    /// byte when both are ASCII (nearly always), else by building the
    /// string (canonical equivalence: `\u{212A}GM` is "KGM" to Swift).
    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        let literal = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        if bytes.allSatisfy({ $0 < 0x80 }) { return bytes.elementsEqual(literal) }
        return String(decoding: bytes, as: UTF8.self) == String(decoding: literal, as: UTF8.self)
    }

    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ text: String) -> Bool {
        withBytes(text) { other in
            if bytes.allSatisfy({ $0 < 0x80 }) && other.allSatisfy({ $0 < 0x80 }) { return bytes.elementsEqual(other) }
            return String(decoding: bytes, as: UTF8.self) == text
        }
    }
}
