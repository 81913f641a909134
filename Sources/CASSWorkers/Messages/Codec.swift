import CASSDomain
import CASSEngine

/// The compact binary encoding of the messages between stages (documented
/// in Topics/README.md): little-endian fixed-width integers, strings and
/// byte arrays prefixed by a 32-bit length. Every message starts with a
/// one-byte kind and a one-byte version.
public struct BinaryWriter {
    /// Zero-filled storage written in place; `count` bytes are the message.
    /// Appending element by element to an array checks capacity and
    /// uniqueness per byte, which dominated encoding.
    @usableFromInline var storage: [UInt8]
    @usableFromInline var count = 0

    public init(capacity: Int = 256) { storage = [UInt8](repeating: 0, count: max(capacity, 16)) }

    /// The encoded message (a copy; `finish()` hands over the buffer itself).
    public var bytes: [UInt8] { count == storage.count ? storage : Array(storage[0..<count]) }

    /// The encoded message, without a copy: the buffer is trimmed to what
    /// was written and handed over; the writer is empty afterwards.
    public mutating func finish() -> [UInt8] {
        if storage.count > count { storage.removeLast(storage.count - count) }
        let result = storage
        storage = []
        count = 0
        return result
    }

    @inline(__always) @usableFromInline mutating func reserve(_ extra: Int) {
        if count &+ extra > storage.count { grow(extra) }
    }

    @inline(never) @usableFromInline mutating func grow(_ extra: Int) {
        storage.append(contentsOf: repeatElement(0, count: max(storage.count, extra)))
    }

    @inline(__always) @usableFromInline mutating func put<T: FixedWidthInteger>(_ value: T) {
        let size = MemoryLayout<T>.size
        reserve(size)
        let at = count
        storage.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: at, as: T.self) }
        count = at &+ size
    }

    @inline(__always) public mutating func u8(_ value: UInt8) { put(value) }

    @inline(__always) public mutating func i32(_ value: Int32) { put(value) }

    @inline(__always) public mutating func i64(_ value: Int64) { put(value) }

    @inline(__always) public mutating func u64(_ value: UInt64) { put(value) }

    /// Raw bytes, no length prefix.
    public mutating func raw(_ source: UnsafeRawBufferPointer) {
        guard source.count > 0 else { return }
        reserve(source.count)
        let at = count
        storage.withUnsafeMutableBytes { target in
            guard let base = target.baseAddress, let from = source.baseAddress else { return }
            (base + at).copyMemory(from: from, byteCount: source.count)
        }
        count = at + source.count
    }

    public mutating func raw(_ source: [UInt8]) {
        source.withUnsafeBytes { raw($0) }
    }

    public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            i32(Int32(utf8.count))
            raw(UnsafeRawBufferPointer(utf8))
        }
    }

    public mutating func data(_ value: [UInt8]) {
        i32(Int32(value.count))
        raw(value)
    }

    @inline(__always) public mutating func code(_ value: ASCIICode) {
        u8(value.length)
        u64(value.packed)
    }

    @inline(__always) public mutating func date(_ value: CivilDate) { i32(Int32(value.yyyymmdd)) }

    @inline(__always) public mutating func period(_ value: BillingPeriod) { i32(Int32(value.yyyymmnn)) }
}

public struct DecodingFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct BinaryReader {
    let bytes: [UInt8]
    public internal(set) var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { position >= bytes.count }

    @inline(__always) mutating func need(_ count: Int) throws(DecodingFailure) {
        guard count >= 0, position + count <= bytes.count else {
            throw DecodingFailure("truncated message: need \(count) bytes at \(position) of \(bytes.count)")
        }
    }

    @inline(__always) mutating func load<T: FixedWidthInteger>(_: T.Type) throws(DecodingFailure) -> T {
        let size = MemoryLayout<T>.size
        try need(size)
        let at = position
        position = at &+ size
        return T(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: T.self) })
    }

    @inline(__always) public mutating func u8() throws(DecodingFailure) -> UInt8 { try load(UInt8.self) }

    @inline(__always) public mutating func i32() throws(DecodingFailure) -> Int32 { try load(Int32.self) }

    @inline(__always) public mutating func i64() throws(DecodingFailure) -> Int64 { try load(Int64.self) }

    @inline(__always) public mutating func u64() throws(DecodingFailure) -> UInt64 { try load(UInt64.self) }

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

    @inline(__always) public mutating func code() throws(DecodingFailure) -> ASCIICode {
        let length = try u8()
        return try Self.checked(ASCIICode(rawPacked: try u64(), length: length))
    }

    @inline(__always) public mutating func date() throws(DecodingFailure) -> CivilDate { try Self.checkedDate(try i32()) }

    public mutating func period() throws(DecodingFailure) -> BillingPeriod { try Self.checkedPeriod(try i32()) }
}

/// Writes a run of fixed-width fields after one capacity check: a record
/// of twenty fields costs one check instead of twenty.
public struct FixedWriter {
    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline let limit: Int
    @usableFromInline var offset = 0

    @usableFromInline init(base: UnsafeMutableRawPointer, limit: Int) {
        self.base = base
        self.limit = limit
    }

    @inline(__always) @usableFromInline mutating func put<T: FixedWidthInteger>(_ value: T) {
        assert(offset + MemoryLayout<T>.size <= limit, "fixed run longer than reserved")
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
        offset &+= MemoryLayout<T>.size
    }

    @inline(__always) public mutating func u8(_ value: UInt8) { put(value) }
    @inline(__always) public mutating func i32(_ value: Int32) { put(value) }
    @inline(__always) public mutating func i64(_ value: Int64) { put(value) }
    @inline(__always) public mutating func u64(_ value: UInt64) { put(value) }
    @inline(__always) public mutating func code(_ value: ASCIICode) { put(value.length); put(value.packed) }
    @inline(__always) public mutating func date(_ value: CivilDate) { put(Int32(value.yyyymmdd)) }
    @inline(__always) public mutating func period(_ value: BillingPeriod) { put(Int32(value.yyyymmnn)) }
}

extension BinaryWriter {
    /// Exactly `maxBytes` of fixed-width fields written by `body` (checked:
    /// the reader counts on the same width).
    @inline(__always) public mutating func fixed(_ maxBytes: Int, _ body: (inout FixedWriter) -> Void) {
        reserve(maxBytes)
        let at = count
        var written = 0
        storage.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            var writer = FixedWriter(base: base + at, limit: maxBytes)
            body(&writer)
            written = writer.offset
        }
        precondition(written == maxBytes, "fixed-width run wrote \(written) bytes, declared \(maxBytes)")
        count = at + written
    }
}

/// Reads a run of fixed-width fields after one bounds check. Values that
/// need validating (codes, dates, enumerations) come out raw; the caller
/// checks them.
public struct FixedReader {
    @usableFromInline let base: UnsafeRawPointer
    @usableFromInline var offset = 0

    @usableFromInline init(base: UnsafeRawPointer) { self.base = base }

    @inline(__always) @usableFromInline mutating func get<T: FixedWidthInteger>(_: T.Type) -> T {
        let value = T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset &+= MemoryLayout<T>.size
        return value
    }

    @inline(__always) public mutating func u8() -> UInt8 { get(UInt8.self) }
    @inline(__always) public mutating func i32() -> Int32 { get(Int32.self) }
    @inline(__always) public mutating func i64() -> Int64 { get(Int64.self) }
    @inline(__always) public mutating func u64() -> UInt64 { get(UInt64.self) }
    /// A code as written; `length` over 8 means the bytes are damaged.
    @inline(__always) public mutating func code() -> ASCIICode {
        let length = get(UInt8.self)
        return ASCIICode(rawPacked: get(UInt64.self), length: length)
    }
}

extension BinaryReader {
    /// `size` bytes of fixed-width fields read by `body`.
    @inline(__always) public mutating func fixed<T>(_ size: Int, _ body: (inout FixedReader) -> T) throws(DecodingFailure) -> T {
        try need(size)
        let at = position
        position = at + size
        let value: T? = bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return nil }
            var reader = FixedReader(base: base + at)
            let value = body(&reader)
            // A run that reads other than `size` bytes is a schema bug: refuse it.
            return reader.offset == size ? value : nil
        }
        guard let value else { throw DecodingFailure("fixed-width run of \(size) bytes misread at \(at)") }
        return value
    }

    @inline(__always) static func checked(_ code: ASCIICode) throws(DecodingFailure) -> ASCIICode {
        guard code.length <= 8 else { throw DecodingFailure("code length \(code.length) over 8") }
        return code
    }

    @inline(__always) static func checkedDate(_ raw: Int32) throws(DecodingFailure) -> CivilDate {
        guard let date = CivilDate(yyyymmdd: Int(raw)) else { throw DecodingFailure("bad date \(raw)") }
        return date
    }

    @inline(__always) static func checkedPeriod(_ raw: Int32) throws(DecodingFailure) -> BillingPeriod {
        guard let period = BillingPeriod(yyyymmnn: Int(raw)) else { throw DecodingFailure("bad period \(raw)") }
        return period
    }
}
