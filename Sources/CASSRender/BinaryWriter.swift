/// Big- and little-endian byte output for the binary formats we write by hand
/// (TrueType tables are big-endian, ZIP headers little-endian).
struct BinaryWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
    mutating func i16(_ v: Int16) { u16(UInt16(bitPattern: v)) }
    mutating func u32(_ v: UInt32) {
        bytes.append(UInt8(v >> 24)); bytes.append(UInt8((v >> 16) & 0xFF))
        bytes.append(UInt8((v >> 8) & 0xFF)); bytes.append(UInt8(v & 0xFF))
    }
    mutating func le16(_ v: UInt16) { bytes.append(UInt8(v & 0xFF)); bytes.append(UInt8(v >> 8)) }
    mutating func le32(_ v: UInt32) {
        bytes.append(UInt8(v & 0xFF)); bytes.append(UInt8((v >> 8) & 0xFF))
        bytes.append(UInt8((v >> 16) & 0xFF)); bytes.append(UInt8(v >> 24))
    }
    mutating func append(_ other: some Sequence<UInt8>) { bytes.append(contentsOf: other) }
    mutating func ascii(_ text: String) { bytes.append(contentsOf: text.utf8) }
    mutating func pad4() { while bytes.count % 4 != 0 { bytes.append(0) } }
}

/// Bounds-checked big-endian reads: a truncated or hostile font file gives an
/// error, never a crash.
struct BinaryReader {
    let bytes: [UInt8]

    func u8(_ at: Int) throws -> UInt8 {
        guard at >= 0, at < bytes.count else { throw FontError.truncated(at) }
        return bytes[at]
    }
    func u16(_ at: Int) throws -> UInt16 {
        guard at >= 0, at + 2 <= bytes.count else { throw FontError.truncated(at) }
        return UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
    }
    func i16(_ at: Int) throws -> Int16 { Int16(bitPattern: try u16(at)) }
    func u32(_ at: Int) throws -> UInt32 {
        guard at >= 0, at + 4 <= bytes.count else { throw FontError.truncated(at) }
        return UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
    func slice(_ at: Int, _ count: Int) throws -> ArraySlice<UInt8> {
        guard at >= 0, count >= 0, at + count <= bytes.count else { throw FontError.truncated(at) }
        return bytes[at..<(at + count)]
    }
}
