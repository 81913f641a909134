import CASSDomain
import CASSEngine
import CASSLog

// The billing-file operations of `cass serve` that need the pipeline's
// stages (portal.md, "Billing files"): the dry-run validate and the
// withdrawal. Both go in on cass.files, so they take their place in their
// operation's processing order, and are answered on cass.replies.

extension Topic {
    public static let replies = Topic(
        base: "cass.replies", partitions: 2, retentionMs: 24 * 3_600_000, keyedBy: "request id",
        holds: "answers of the stages to a dry-run validation or a withdrawal, in parts (each names how many parts make the answer)")
}

/// One file in its operation: its ordinal (cass.files offset + 1) is
/// unique in its operation's cass.files partition.
public struct FileKey: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var operation: String
    public var ordinal: Int64

    public init(operation: String, ordinal: Int64) {
        self.operation = operation
        self.ordinal = ordinal
    }

    public static func < (lhs: FileKey, rhs: FileKey) -> Bool { (lhs.operation, lhs.ordinal) < (rhs.operation, rhs.ordinal) }

    public var description: String { "\(operation) #\(ordinal)" }
}

/// A file named in an answer: its ordinal in the operation and its name.
public struct FileMention: Hashable, Sendable, Codable, Comparable {
    public var ordinal: Int64
    public var name: String

    public init(ordinal: Int64, name: String) {
        self.ordinal = ordinal
        self.name = name
    }

    public static func < (lhs: FileMention, rhs: FileMention) -> Bool { (lhs.ordinal, lhs.name) < (rhs.ordinal, rhs.name) }
}

/// `POST /files/{id}/withdraw` as cass.files carries it (routed by the
/// operation, like the file itself).
public struct WithdrawRequest: Hashable, Sendable, Codable {
    public var requestId: String
    public var operation: String
    public var ordinal: Int64
    /// The service's file id, when it has one (carried into the outcome).
    public var fileId: String?

    public init(requestId: String, operation: String, ordinal: Int64, fileId: String? = nil) {
        self.requestId = requestId
        self.operation = operation
        self.ordinal = ordinal
        self.fileId = fileId
    }
}

/// A withdrawal between ingest and validate: the check (phase one) and the
/// commit (phase two) carry the same fields.
public struct WithdrawStep: Hashable, Sendable, Codable {
    public var requestId: String
    public var operation: String
    public var ordinal: Int64
    /// The file's billing period (yyyymmnn).
    public var period: Int
    public var fileName: String
    /// The cass.files partition whose ingest waits for the votes.
    public var replyPartition: Int32

    public init(requestId: String, operation: String, ordinal: Int64, period: Int, fileName: String, replyPartition: Int32) {
        self.requestId = requestId
        self.operation = operation
        self.ordinal = ordinal
        self.period = period
        self.fileName = fileName
        self.replyPartition = replyPartition
    }

    public var file: FileKey { FileKey(operation: operation, ordinal: ordinal) }
}

/// One validate partition's answer to a check: the files accepted after
/// the one to withdraw that changed one of its AWBs there.
public struct WithdrawVote: Hashable, Sendable, Codable {
    public var requestId: String
    public var operation: String
    public var ordinal: Int64
    public var source: Int32
    public var sourceCount: Int32
    public var conflicts: [FileMention]

    public init(requestId: String, operation: String, ordinal: Int64, source: Int32, sourceCount: Int32, conflicts: [FileMention]) {
        self.requestId = requestId
        self.operation = operation
        self.ordinal = ordinal
        self.source = source
        self.sourceCount = sourceCount
        self.conflicts = conflicts
    }
}

/// A withdrawn file's lines leave the open period's invoices: a barrier
/// marker from each upstream partition, like a period close's.
public struct WithdrawLines: Hashable, Sendable, Codable {
    public var operation: String
    public var period: Int
    public var ordinal: Int64
    public var source: Int32
    public var sourceCount: Int32

    public init(operation: String, period: Int, ordinal: Int64, source: Int32, sourceCount: Int32) {
        self.operation = operation
        self.period = period
        self.ordinal = ordinal
        self.source = source
        self.sourceCount = sourceCount
    }

    public var file: FileKey { FileKey(operation: operation, ordinal: ordinal) }
}

/// `POST /files/validate`: the file to check and nothing to keep.
public struct DryRunRequest: Sendable, Hashable {
    /// The bytes themselves (up to 512 KiB), or chunks on cass.uploads.
    public enum Content: Sendable, Hashable {
        case bytes([UInt8])
        case reference(FileReference)
    }

    public var requestId: String
    public var name: String
    public var content: Content

    public init(requestId: String, name: String, content: Content) {
        self.requestId = requestId
        self.name = name
        self.content = content
    }

    public init(requestId: String, name: String, bytes: [UInt8]) {
        self.init(requestId: requestId, name: name, content: .bytes(bytes))
    }

    func encode(into w: inout BinaryWriter) {
        w.string(requestId); w.string(name)
        switch content {
        case .bytes(let bytes): w.u8(0); w.data(bytes)
        case .reference(let reference): w.u8(1); w.data(StageMessage.json(reference))
        }
    }

    init(from r: inout BinaryReader) throws {
        requestId = try r.string()
        name = try r.string()
        switch try r.u8() {
        case 0: content = .bytes(try r.data())
        case 1: content = .reference(try FileReference.checked(StageMessage.unjson(FileReference.self, r.data())))
        default: throw DecodingFailure("dry run: unknown content kind")
        }
    }
}

/// A dry run's checked records bound for one validate partition: every
/// record of an AWB in one batch, so a batch is checked on its own.
public struct DryRunBatch: Sendable {
    public var requestId: String
    /// This part's name in the answer, and how many parts make it.
    public var part: String
    public var parts: Int32
    public var batch: CheckedBatch

    func encode(into w: inout BinaryWriter) {
        w.string(requestId); w.string(part); w.i32(parts); batch.encode(into: &w)
    }

    init(requestId: String, part: String, parts: Int32, batch: CheckedBatch) {
        self.requestId = requestId
        self.part = part
        self.parts = parts
        self.batch = batch
    }

    init(from r: inout BinaryReader) throws {
        requestId = try r.string()
        part = try r.string()
        parts = try r.i32()
        batch = try CheckedBatch(from: &r)
    }
}

/// What a withdrawal came to (from ingest, once every vote is in).
public struct WithdrawAnswer: Hashable, Sendable, Codable {
    public enum Status: String, Sendable, Codable { case withdrawn, refused }
    public enum Reason: String, Sendable, Codable {
        /// Its period is closed (or a close is on its way).
        case periodClosed
        case alreadyWithdrawn
        /// Not an accepted file of this operation (rejected, or unknown).
        case notAccepted
        /// Records accepted after it changed its AWBs: `conflicts` names their files.
        case conflict
    }

    public var status: Status
    public var reason: Reason?
    public var message: String
    public var operation: String
    public var ordinal: Int64
    public var fileName: String
    public var conflicts: [FileMention]
}

/// One part of a dry run's answer: ingest's (the file code or the
/// history-free rejections, the record count) or a validate batch's (R10, R11).
public struct DryRunPart: Hashable, Sendable, Codable {
    public var fileCode: String?
    public var records: Int
    public var rejections: [Rejection]
    /// A CCA whose difference leaves the 64-bit range: the file cannot be checked.
    public var failure: String?
}

/// One part of an answer on cass.replies.
public struct StageReply: Hashable, Sendable, Codable {
    public var requestId: String
    public var part: String
    public var parts: Int32
    public var withdrawal: WithdrawAnswer?
    public var dryRun: DryRunPart?
}

/// A withdrawal waiting for its votes in ingest (state: `wdpend`).
struct PendingWithdrawal: Hashable, Sendable, Codable {
    var request: WithdrawRequest
    var step: WithdrawStep
    var registryKey: FileRegistry.Key
    var votes: [Int32: [FileMention]] = [:]
}

// MARK: barrier for withdrawn lines (tax, settle)

/// Tracks a withdrawal's markers per input partition until every upstream
/// source has sent one: then every line of the file has arrived before it.
struct WithdrawalBarrier: Sendable {
    var seen: [Int32: [FileKey: Set<Int32>]] = [:]
    var completed: [Int32: Set<FileKey>] = [:]

    mutating func arrive(partition: Int32, file: FileKey, source: Int32, sourceCount: Int32) -> Bool {
        if completed[partition]?.contains(file) == true { return false }
        seen[partition, default: [:]][file, default: []].insert(source)
        guard (seen[partition]?[file]?.count ?? 0) >= Int(sourceCount) else { return false }
        seen[partition]?[file] = nil
        completed[partition, default: []].insert(file)
        return true
    }

    mutating func restore(partition: Int32, _ key: WithdrawalBarrierKey) {
        switch key {
        case .arrived(let file, let source):
            guard completed[partition]?.contains(file) != true else { return }
            seen[partition, default: [:]][file, default: []].insert(source)
        case .done(let file):
            completed[partition, default: []].insert(file)
            seen[partition]?[file] = nil
        }
    }

    mutating func forget(partition: Int32) {
        seen[partition] = nil
        completed[partition] = nil
    }
}

/// The state entries of a withdrawal barrier.
public enum WithdrawalBarrierKey: Hashable, Sendable {
    case arrived(FileKey, source: Int32)
    case done(FileKey)

    public var encoded: String {
        switch self {
        case .arrived(let file, let source): "wbar/\(file.operation)/\(file.ordinal)/\(source)"
        case .done(let file): "wbardone/\(file.operation)/\(file.ordinal)"
        }
    }

    /// nil when the text is not such a key; throws when it is one, damaged.
    init?(decoding text: Substring) throws {
        if text.hasPrefix("wbar/") {
            let fields = try StateKeyText.fields(text, tag: "wbar", count: 4)
            self = .arrived(try StateKeyText.file(fields[1], fields[2]), source: try StateKeyText.int32(fields[3], "source partition"))
        } else if text.hasPrefix("wbardone/") {
            let fields = try StateKeyText.fields(text, tag: "wbardone", count: 3)
            self = .done(try StateKeyText.file(fields[1], fields[2]))
        } else {
            return nil
        }
    }
}

extension StateKeyText {
    static func file(_ operation: Substring, _ ordinal: Substring) throws -> FileKey {
        guard !operation.isEmpty else { throw DecodingFailure("a file key without an operation") }
        return FileKey(operation: String(operation), ordinal: try int64(ordinal, "file ordinal"))
    }
}

/// A stage that passes withdrawal markers on (tax) or acts on them
/// (settle) once they have come from every input partition.
protocol WithdrawalBarrierStage: StatefulStage {
    var withdrawals: WithdrawalBarrier { get set }
    static func withdrawalKey(_ key: WithdrawalBarrierKey) -> StateKey
}

extension WithdrawalBarrierStage {
    func arrive(_ partition: Int32, _ marker: WithdrawLines) -> Bool {
        let complete = withdrawals.arrive(partition: partition, file: marker.file, source: marker.source, sourceCount: marker.sourceCount)
        journal.put(partition, Self.withdrawalKey(.arrived(marker.file, source: marker.source)), [1])
        if complete { journal.put(partition, Self.withdrawalKey(.done(marker.file)), [1]) }
        return complete
    }
}
