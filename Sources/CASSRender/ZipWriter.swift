/// A ZIP archive (PKWARE APPNOTE 6.3, no ZIP64) built in memory: what an
/// XLSX file is. Entries are deflated when that makes them smaller, stored
/// otherwise. Timestamps are fixed (1980-01-01) so the same workbook gives
/// the same bytes.
public struct ZipWriter {
    public struct Entry {
        let name: String
        let crc: UInt32
        let method: UInt16
        let compressedSize: Int
        let size: Int
        let offset: Int
    }

    private var out = BinaryWriter()
    public private(set) var entries: [Entry] = []

    public init() {}

    /// An entry checksummed and compressed once, for parts every archive
    /// holds unchanged (an XLSX's content types, relationships, styles).
    public struct PreparedEntry: Sendable {
        let name: String
        let crc: UInt32
        let method: UInt16
        let payload: [UInt8]
        let size: Int

        public init(_ name: String, _ data: [UInt8], compress: Bool = true) {
            let deflated = compress ? Deflate.compress(data) : data
            let useDeflate = compress && deflated.count < data.count
            self.name = name
            crc = CRC32.checksum(data)
            method = useDeflate ? 8 : 0
            payload = useDeflate ? deflated : data
            size = data.count
        }
    }

    public mutating func add(_ name: String, _ data: [UInt8], compress: Bool = true) {
        add(PreparedEntry(name, data, compress: compress))
    }

    public mutating func add(_ prepared: PreparedEntry) {
        let nameBytes = Array(prepared.name.utf8)
        let entry = Entry(name: prepared.name, crc: prepared.crc, method: prepared.method, compressedSize: prepared.payload.count, size: prepared.size, offset: out.bytes.count)
        out.bytes.reserveCapacity(out.bytes.count + 30 + nameBytes.count + prepared.payload.count)
        out.le32(0x0403_4B50)
        out.le16(20); out.le16(0x0800)  // version needed; UTF-8 names
        out.le16(entry.method); out.le16(0); out.le16(0x21)  // 00:00, 1980-01-01
        out.le32(prepared.crc); out.le32(UInt32(prepared.payload.count)); out.le32(UInt32(prepared.size))
        out.le16(UInt16(nameBytes.count)); out.le16(0)
        out.append(nameBytes)
        out.append(prepared.payload)
        entries.append(entry)
    }

    public mutating func add(_ name: String, text: String) { add(name, Array(text.utf8)) }

    public func finish() -> [UInt8] {
        var archive = out
        let directoryStart = archive.bytes.count
        for entry in entries {
            let nameBytes = Array(entry.name.utf8)
            archive.le32(0x0201_4B50)
            archive.le16(20); archive.le16(20); archive.le16(0x0800)
            archive.le16(entry.method); archive.le16(0); archive.le16(0x21)
            archive.le32(entry.crc); archive.le32(UInt32(entry.compressedSize)); archive.le32(UInt32(entry.size))
            archive.le16(UInt16(nameBytes.count)); archive.le16(0); archive.le16(0)
            archive.le16(0); archive.le16(0); archive.le32(0)
            archive.le32(UInt32(entry.offset))
            archive.append(nameBytes)
        }
        let directorySize = archive.bytes.count - directoryStart
        archive.le32(0x0605_4B50)
        archive.le16(0); archive.le16(0)
        archive.le16(UInt16(entries.count)); archive.le16(UInt16(entries.count))
        archive.le32(UInt32(directorySize)); archive.le32(UInt32(directoryStart))
        archive.le16(0)
        return archive.bytes
    }
}
