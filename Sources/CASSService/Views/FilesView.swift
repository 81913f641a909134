import CASSAccess
import CASSDomain
import CASSEngine
import CASSLog
import CASSWorkers
import Foundation

/// Billing files as the service knows them: each upload's reference (from
/// cass.files), its outcome (from cass.events) and its rejections (from
/// cass.rejections, told apart by the `cass-file` header every stage
/// carries on), close requests per operation, and every rejection for the
/// rejections report. Files submitted by other means (`cass submit`) show
/// under an id made of their place on cass.files.
public final class FilesView: View, @unchecked Sendable {
    // @unchecked: all state below is touched under `lock`.
    private let lock = NSLock()
    private var files: [String: BillingFileEntry] = [:]
    private var order: [String] = []
    /// Files of an operation by their ordinal (offset + 1 on cass.files).
    private var byOrdinal: [String: [Int64: String]] = [:]
    private var rejections: [String: [Rejection]] = [:]
    /// The record sequences rejected per file id, by any stage.
    private var rejectedSequences: [String: Set<Int>] = [:]
    /// Every rejection with the file id it belongs to ("" when unknown).
    private var allRejections: [(id: String, rejection: Rejection)] = []
    private var closing: Set<PeriodKey> = []
    /// Names of the memos written to cass.files (accepted disputes' `DSP-`
    /// memos): the accounts desk writes each once it is here.
    private var memoNames: Set<String> = []
    /// Outcomes read before their file's reference: the feed reads topics
    /// side by side, so an outcome may come first.
    private var earlyOutcomes: [String: [FileOutcome]] = [:]
    let hub: EventHub?

    public init(hub: EventHub? = nil) { self.hub = hub }

    public var topics: [String] { [TopicCatalog.files, TopicCatalog.events, TopicCatalog.rejections] }

    public func apply(_ record: LogRecord) throws {
        guard Self.reads(record) else { return }
        let message = try StageMessage.decode(record.value)
        let fileID = record.header(FileReference.fileHeader).map { String(decoding: $0, as: UTF8.self) }
        lock.lock()
        defer { lock.unlock() }
        if record.topic == TopicCatalog.files {
            applyFileRecord(message, record)
        } else if record.topic == TopicCatalog.events {
            if case .fileOutcome(let outcome) = message { applyOutcome(outcome, fileID: fileID) }
        } else if case .rejections(let list) = message {
            for rejection in list { allRejections.append((fileID ?? "", rejection)) }
            if let fileID {
                rejections[fileID, default: []].append(contentsOf: list)
                for rejection in list where rejection.sequence > 0 { rejectedSequences[fileID, default: []].insert(rejection.sequence) }
                recount(fileID)
            }
        }
    }

    /// Whether the record is of a kind this view keeps anything of, by its
    /// first byte (the message kind). cass.events holds every public fact
    /// of the pipeline (an issued invoice's with all its lines, as JSON),
    /// of which this view keeps the file outcomes only: decoding the others
    /// had cost it more than everything it keeps. Bytes that name no kind
    /// are decoded, which says what is wrong with them.
    static func reads(_ record: LogRecord) -> Bool {
        guard let first = record.value.first, let kind = MessageKind(rawValue: first) else { return true }
        switch record.topic {
        case TopicCatalog.files: return [.fileRef, .file, .fileAt, .closeMarker, .memo].contains(kind)
        case TopicCatalog.events: return kind == .fileOutcome
        case TopicCatalog.rejections: return kind == .rejections
        default: return true
        }
    }

    private func applyFileRecord(_ message: StageMessage, _ record: LogRecord) {
        let id: String
        let entry: BillingFileEntry
        switch message {
        case .fileRef(let reference):
            id = reference.id
            guard files[id] == nil else { return }
            entry = BillingFileEntry(id: id, name: reference.name, company: reference.company, submittedBy: reference.submittedBy,
                                     submittedAt: reference.submittedAt, size: reference.size, reference: reference,
                                     ordinal: record.offset + 1, filesPartition: record.partition)
        case .file(let name, let bytes):
            id = "p\(record.partition)-\(record.offset)"
            entry = BillingFileEntry(id: id, name: name, company: "", submittedBy: "", submittedAt: "", size: Int64(bytes.count),
                                     reference: nil, ordinal: record.offset + 1, filesPartition: record.partition)
        case .fileAt(let name, _):
            id = "p\(record.partition)-\(record.offset)"
            entry = BillingFileEntry(id: id, name: name, company: "", submittedBy: "", submittedAt: "", size: 0,
                                     reference: nil, ordinal: record.offset + 1, filesPartition: record.partition)
        case .closeMarker(let period, _, _):
            closing.insert(period)
            return
        case .memo(let memo):
            memoNames.insert(memo.name)
            return
        default:
            return
        }
        var placed = entry
        placed.arrival = order.count
        files[id] = placed
        order.append(id)
        for outcome in earlyOutcomes.removeValue(forKey: id) ?? [] { applyOutcome(outcome, fileID: id) }
        if let company = CompanyID(entry.company) {
            hub?.publishEvent {
                ServiceEvent(type: "file.received", id: "file.received:\(id)", country: "", companies: [company],
                             data: "{\"id\":\(JSONText.quoted(id)),\"name\":\(JSONText.quoted(entry.name))}")
            }
        }
    }

    private func applyOutcome(_ outcome: FileOutcome, fileID: String?) {
        guard let id = outcome.id ?? fileID else { return }
        guard var entry = files[id] else {
            earlyOutcomes[id, default: []].append(outcome)
            return
        }
        var companies: [CompanyID] = [.cass]
        if let company = CompanyID(entry.company) { companies.append(company) }
        if outcome.withdrawn == true {
            guard entry.status != .withdrawn else { return }
            entry.status = .withdrawn
            files[id] = entry
            hub?.publish(companies: companies) { PublicEvents.file(outcome) }
            return
        }
        guard entry.status == .received else { return }
        entry.airline = outcome.airline
        entry.country = outcome.country
        entry.period = outcome.period
        entry.fileSequence = outcome.fileSequence
        entry.status = outcome.accepted ? .accepted : .rejected
        entry.fileCode = outcome.accepted ? nil : outcome.code
        entry.message = outcome.message
        entry.accepted = outcome.recordsPassed
        entry.rejected = outcome.recordsRejected
        entry.outcomeRecords = outcome.recordsPassed + outcome.recordsRejected
        entry.outcomeRejected = outcome.recordsRejected
        files[id] = entry
        recount(id)
        if !outcome.country.isEmpty { byOrdinal[outcome.country, default: [:]][entry.ordinal] = id }
        if case .airline = entry.owner ?? .cass, let owner = entry.owner, !companies.contains(owner) { companies.append(owner) }
        hub?.publish(companies: companies) { PublicEvents.file(outcome) }
    }

    /// An accepted file's counts with every record rejection it got: the
    /// outcome counts what ingest refused, validate refuses more later
    /// (R10, R11, an inactive agent...), each record once whatever its
    /// codes. Replayed rejections are the same sequences, counted once.
    private func recount(_ id: String) {
        guard var entry = files[id], entry.status == .accepted || entry.status == .withdrawn else { return }
        let records = entry.outcomeRecords
        let rejected = max(entry.outcomeRejected, rejectedSequences[id]?.count ?? 0)
        entry.rejected = min(rejected, records)
        entry.accepted = records - entry.rejected
        files[id] = entry
    }

    /// Whether a memo of this name is on cass.files (ingest bills it once).
    public func hasMemo(_ name: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return memoNames.contains(name)
    }

    /// Marks a file withdrawn (the withdrawal's outcome).
    public func markWithdrawn(_ id: String) {
        lock.lock()
        defer { lock.unlock() }
        files[id]?.status = .withdrawn
    }

    public func file(_ id: String) -> BillingFileEntry? {
        lock.lock()
        defer { lock.unlock() }
        return files[id]
    }

    /// The file at an ordinal of an operation (withdrawal answers name files).
    public func file(country: String, ordinal: Int64) -> BillingFileEntry? {
        lock.lock()
        defer { lock.unlock() }
        return byOrdinal[country]?[ordinal].flatMap { files[$0] }
    }

    /// Every file, in the order they arrived.
    public func all() -> [BillingFileEntry] {
        lock.lock()
        defer { lock.unlock() }
        return order.compactMap { files[$0] }
    }

    public func rejections(of id: String) -> [Rejection] {
        lock.lock()
        defer { lock.unlock() }
        return rejections[id] ?? []
    }

    /// Rejections of every file except withdrawn ones.
    public func reportedRejections() -> [Rejection] { reportedRejectionsWithFiles().map(\.rejection) }

    /// Rejections of every file except withdrawn ones (the rejections
    /// report), each with the file it came from when the service knows it.
    public func reportedRejectionsWithFiles() -> [(rejection: Rejection, file: BillingFileEntry?)] {
        lock.lock()
        defer { lock.unlock() }
        return allRejections.compactMap { entry in
            let file = entry.id.isEmpty ? nil : files[entry.id]
            if file?.status == .withdrawn { return nil }
            return (entry.rejection, file)
        }
    }

    /// Periods whose close was asked for (closed ones included).
    public func closeRequested(_ period: PeriodKey) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return closing.contains(period)
    }

    public func closeRequests() -> Set<PeriodKey> {
        lock.lock()
        defer { lock.unlock() }
        return closing
    }
}

/// A billing file's status (portal.md: received, then accepted or
/// rejected; withdrawn).
public enum FileStatus: String, Sendable, Codable, CaseIterable {
    case received, accepted, rejected, withdrawn
}

/// One billing file as the API shows it.
public struct BillingFileEntry: Sendable {
    public var id: String
    public var name: String
    /// The uploader's company (empty for files that came by other means).
    public var company: String
    public var submittedBy: String
    public var submittedAt: String
    public var size: Int64
    public var reference: FileReference?
    public var ordinal: Int64
    public var filesPartition: Int32
    /// Its place among every file the service knows (the lists' order).
    public var arrival = 0
    public var airline = ""
    public var country = ""
    public var period = ""
    public var fileSequence: Int?
    public var status = FileStatus.received
    public var fileCode: String?
    public var message = ""
    /// Records accepted and rejected by every stage so far.
    public var accepted = 0
    public var rejected = 0
    /// What the file's outcome said (ingest's checks): the file's records,
    /// and those ingest rejected.
    public var outcomeRecords = 0
    public var outcomeRejected = 0

    init(id: String, name: String, company: String, submittedBy: String, submittedAt: String, size: Int64, reference: FileReference?,
         ordinal: Int64, filesPartition: Int32) {
        self.id = id
        self.name = name
        self.company = company
        self.submittedBy = submittedBy
        self.submittedAt = submittedAt
        self.size = size
        self.reference = reference
        self.ordinal = ordinal
        self.filesPartition = filesPartition
    }

    /// The airline whose file it is: its header's, or the uploader's
    /// company before the outcome is known.
    public var owner: CompanyID? {
        if airline.utf8.count == 3, airline.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { return .airline(prefix: airline) }
        return CompanyID(company)
    }
}

/// JSON string literals for payloads built by hand.
enum JSONText {
    static func quoted(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
