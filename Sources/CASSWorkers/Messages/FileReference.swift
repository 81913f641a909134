import CASSDomain
import CASSLog
import CASSRender
import Foundation

extension Topic {
    public static let uploads = Topic(
        base: "cass.uploads", partitions: 4, retentionMs: -1, keyedBy: "file id",
        holds: "bytes of files uploaded to cass serve, in chunks of at most 512 KiB (header cass-chunk: the chunk's index); kept for GET /files/{id}/content",
        isCritical: true)
}

/// A file uploaded to the service, as cass.files carries it: the bytes
/// themselves wait on cass.uploads (a message stays far below Kafka's 1 MB
/// limit however large the file), so every ingest worker, in any process,
/// reads them from the log rather than from a disk it may not share.
public struct FileReference: Sendable, Codable, Hashable {
    /// The service's id of the upload (32 lowercase hex digits).
    public var id: String
    public var name: String
    public var uploadsPartition: Int32
    /// Offsets of the chunks on cass.uploads, in the file's order.
    public var chunkOffsets: [Int64]
    public var size: Int64
    /// Who sent it: a username, and their company.
    public var submittedBy: String
    public var company: String
    /// When the service took it (ISO 8601, UTC).
    public var submittedAt: String
    /// On the embedded log only: the name of the file in the data folder's
    /// `uploads/` that holds the bytes (no chunks on cass.uploads then), and
    /// the bytes' CRC-32 (as ZIP's), checked when they are read. The log's machine is
    /// the only one that reads them, so the upload is written once, not
    /// once to the spool and again to the log (docs/service.md "The data folder").
    public var storedAs: String?
    public var storedCRC32: UInt32?

    public init(id: String, name: String, uploadsPartition: Int32, chunkOffsets: [Int64], size: Int64, submittedBy: String, company: String,
                submittedAt: String, storedAs: String? = nil, storedCRC32: UInt32? = nil) {
        self.storedAs = storedAs
        self.storedCRC32 = storedCRC32
        self.id = id
        self.name = name
        self.uploadsPartition = uploadsPartition
        self.chunkOffsets = chunkOffsets
        self.size = size
        self.submittedBy = submittedBy
        self.company = company
        self.submittedAt = submittedAt
    }

    /// Bytes of a chunk; a file is at most `sizeMax` (portal.md's 256 MiB).
    public static let chunkBytes = 512 * 1024
    public static let sizeMax: Int64 = 256 << 20
    static var chunksMax: Int { Int(sizeMax) / chunkBytes }

    /// The record header naming the file a record came from: set on an
    /// upload's cass.files record and copied by every stage onto what it
    /// emits while handling that record (`StageOutput.carried`), so the
    /// service can tell whose rejections and outcomes are whose.
    public static let fileHeader = "cass-file"
    public static let chunkHeader = "cass-chunk"

    static func checked(_ reference: FileReference) throws -> FileReference {
        guard reference.id.utf8.count == 32, reference.id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw DecodingFailure("file reference: the id is not 32 lowercase hex digits")
        }
        if let stored = reference.storedAs {
            // A name in the uploads folder, never a path: lowercase hex and one dash.
            guard stored.utf8.count <= 64, stored.hasPrefix(reference.id + "-"),
                  stored.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) || $0 == 45 }),
                  reference.storedCRC32 != nil, reference.chunkOffsets.isEmpty,
                  reference.size >= 0, reference.size <= sizeMax else {
                throw DecodingFailure("file reference \(reference.id): the stored file's name, checksum or size is not as a stored upload's are")
            }
            return reference
        }
        guard reference.size >= 0, reference.size <= sizeMax, reference.chunkOffsets.count <= chunksMax,
              reference.chunkOffsets.count == Int((reference.size + Int64(chunkBytes) - 1) / Int64(chunkBytes)) else {
            throw DecodingFailure("file reference \(reference.id): \(reference.chunkOffsets.count) chunks do not hold \(reference.size) bytes")
        }
        return reference
    }

    /// The file's bytes, read back from cass.uploads (or the uploads
    /// folder); throws naming the file when a chunk is missing, of another
    /// file or out of order, or the stored file is not what was stored.
    public func content(from log: any Log, uploads: URL?) throws -> [UInt8] {
        if storedAs != nil { return try withStoredContent(uploads: uploads) { [UInt8]($0) } }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(size))
        try forEachChunk(from: log, uploads: uploads) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// The bytes for `body`: a stored upload mapped, not copied (checked
    /// against its size and CRC-32 first); chunks joined otherwise.
    public func withContent<R>(from log: any Log, uploads: URL?, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if storedAs != nil { return try withStoredContent(uploads: uploads, body) }
        return try content(from: log, uploads: uploads).withUnsafeBytes(body)
    }

    func withStoredContent<R>(uploads: URL?, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let path = storedPath(uploads: uploads) else {
            throw DecodingFailure("file \(name) (\(id)): stored in an uploads folder this worker does not have")
        }
        // The mapping ends with the closure, before the pages are released.
        let result = try { () throws -> R in
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
            } catch {
                throw DecodingFailure("file \(name) (\(id)): cannot read its stored bytes \(path): \(error.localizedDescription)")
            }
            guard Int64(data.count) == size else {
                throw DecodingFailure("file \(name) (\(id)): \(path) holds \(data.count) bytes, the reference says \(size)")
            }
            return try data.withUnsafeBytes { bytes in
                guard Self.checksum(bytes) == storedCRC32 else {
                    throw DecodingFailure("file \(name) (\(id)): \(path) does not hold the bytes stored (CRC-32 differs)")
                }
                return try body(bytes)
            }
        }()
        Self.releaseCachedPages(path)
        return result
    }

    /// A stored upload is read once by ingest (and again only for a
    /// download of its content): its pages leave the page cache once read,
    /// for the same reason the file log's do (`FileLogOptions.releaseReadPagesEveryMs`).
    /// The file was fsync'd before its upload was answered, so its pages
    /// are clean and the advice takes them; a later read reads the disk.
    static func releaseCachedPages(_ path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
        close(fd)
    }

    /// The stored bytes' checksum (hardware CRC-32: a 256 MiB file in a
    /// few tens of milliseconds).
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        bytes.withMemoryRebound(to: UInt8.self) { CRC32.checksum($0) }
    }

    /// Where a stored upload's bytes are, in `uploads`.
    public func storedPath(uploads: URL?) -> String? {
        guard let storedAs, let uploads else { return nil }
        return uploads.appendingPathComponent(storedAs).path
    }

    /// Each chunk's bytes in order (for streaming the content out); a
    /// stored upload in pieces of at most `chunkBytes`.
    public func forEachChunk(from log: any Log, uploads: URL?, _ body: ([UInt8]) throws -> Void) throws {
        if storedAs != nil {
            try withStoredContent(uploads: uploads) { bytes in
                var start = 0
                while start < bytes.count {
                    let end = min(bytes.count, start + Self.chunkBytes)
                    try body([UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<end])))
                    start = end
                }
            }
            return
        }
        let partition = TopicPartition(topic: Topic.uploads.name, partition: uploadsPartition)
        var total: Int64 = 0
        for (index, offset) in chunkOffsets.enumerated() {
            guard let record = try log.read(partition, from: offset, maxRecords: 1).first, record.offset == offset,
                  record.key == Array(id.utf8), record.header(Self.chunkHeader).map({ String(decoding: $0, as: UTF8.self) }) == String(index) else {
                throw DecodingFailure("file \(name) (\(id)): chunk \(index) is not at \(partition) offset \(offset)")
            }
            total += Int64(record.value.count)
            try body(record.value)
        }
        guard total == size else { throw DecodingFailure("file \(name) (\(id)): chunks hold \(total) bytes, the reference says \(size)") }
    }
}
