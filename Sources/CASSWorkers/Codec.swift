import CASSDomain
import CASSEngine

/// The compact binary encoding of the messages between stages (documented
/// in Topics/README.md): little-endian fixed-width integers, strings and
/// byte arrays prefixed by a 32-bit length. Every message starts with a
/// one-byte kind and a one-byte version.
public struct BinaryWriter {
    public internal(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    @inline(__always) public mutating func u8(_ value: UInt8) { bytes.append(value) }

    @inline(__always) public mutating func i32(_ value: Int32) {
        let v = UInt32(bitPattern: value)
        bytes.append(UInt8(truncatingIfNeeded: v))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 24))
    }

    @inline(__always) public mutating func i64(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inline(__always) public mutating func u64(_ value: UInt64) { i64(Int64(bitPattern: value)) }

    public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            i32(Int32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func data(_ value: [UInt8]) {
        i32(Int32(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func code(_ value: ASCIICode) {
        u8(value.length)
        u64(value.packed)
    }

    public mutating func date(_ value: CivilDate) { i32(Int32(value.yyyymmdd)) }

    public mutating func period(_ value: BillingPeriod) { i32(Int32(value.yyyymmnn)) }
}

public struct DecodingFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct BinaryReader {
    let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { position >= bytes.count }

    @inline(__always) mutating func need(_ count: Int) throws(DecodingFailure) {
        guard count >= 0, position + count <= bytes.count else {
            throw DecodingFailure("truncated message: need \(count) bytes at \(position) of \(bytes.count)")
        }
    }

    @inline(__always) public mutating func u8() throws(DecodingFailure) -> UInt8 {
        try need(1)
        defer { position += 1 }
        return bytes[position]
    }

    @inline(__always) public mutating func i32() throws(DecodingFailure) -> Int32 {
        try need(4)
        let p = position
        position += 4
        let v = UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24
        return Int32(bitPattern: v)
    }

    @inline(__always) public mutating func i64() throws(DecodingFailure) -> Int64 {
        try need(8)
        var v: UInt64 = 0
        for index in 0..<8 { v |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
        position += 8
        return Int64(bitPattern: v)
    }

    public mutating func u64() throws(DecodingFailure) -> UInt64 { UInt64(bitPattern: try i64()) }

    public mutating func string() throws(DecodingFailure) -> String {
        let count = Int(try i32())
        try need(count)
        defer { position += count }
        return String(decoding: bytes[position..<(position + count)], as: UTF8.self)
    }

    public mutating func data() throws(DecodingFailure) -> [UInt8] {
        let count = Int(try i32())
        try need(count)
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    public mutating func code() throws(DecodingFailure) -> ASCIICode {
        let length = try u8()
        guard length <= 8 else { throw DecodingFailure("code length \(length) over 8") }
        return ASCIICode(rawPacked: try u64(), length: length)
    }

    public mutating func date() throws(DecodingFailure) -> CivilDate {
        let raw = try i32()
        guard let date = CivilDate(yyyymmdd: Int(raw)) else { throw DecodingFailure("bad date \(raw)") }
        return date
    }

    public mutating func period() throws(DecodingFailure) -> BillingPeriod {
        let raw = try i32()
        guard let period = BillingPeriod(yyyymmnn: Int(raw)) else { throw DecodingFailure("bad period \(raw)") }
        return period
    }
}
