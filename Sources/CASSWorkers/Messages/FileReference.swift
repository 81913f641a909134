import CASSDomain
import CASSLog
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

    public init(id: String, name: String, uploadsPartition: Int32, chunkOffsets: [Int64], size: Int64, submittedBy: String, company: String,
                submittedAt: String) {
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
        guard reference.size >= 0, reference.size <= sizeMax, reference.chunkOffsets.count <= chunksMax,
              reference.chunkOffsets.count == Int((reference.size + Int64(chunkBytes) - 1) / Int64(chunkBytes)) else {
            throw DecodingFailure("file reference \(reference.id): \(reference.chunkOffsets.count) chunks do not hold \(reference.size) bytes")
        }
        return reference
    }

    /// The file's bytes, read back from cass.uploads; throws naming the
    /// file when a chunk is missing, of another file or out of order.
    public func content(from log: any Log) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(size))
        try forEachChunk(from: log) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Each chunk's bytes in order (for streaming the content out).
    public func forEachChunk(from log: any Log, _ body: ([UInt8]) throws -> Void) throws {
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
