import CASSDomain
import CASSEngine
import CASSLog
import Dispatch
import Foundation
import Synchronization
import CASSNotify

/// A file handed to the pipeline: its bytes, or a path ingest can read.
public struct SubmittedFile: Sendable {
    public enum Content: Sendable {
        case bytes([UInt8])
        case path(String)
    }

    public var name: String
    /// The operation the file names (routes it to its operation's partition).
    public var operation: String
    public var content: Content

    public init(name: String, operation: String, content: Content) {
        self.name = name
        self.operation = operation
        self.content = content
    }
}

/// What a settlement run produced, read back from the output topics.
public struct SettlementOutcome: Sendable {
    public var invoices: [Invoice]
    public var disbursements: [Disbursement]
    public var rejections: [Rejection]
}

/// The embedded default: the settlement stages' workers over one
/// in-process log, driven on this thread (`drain`) or on two
/// (`drainInParallel`) until the log is quiet. Same workers, same
/// messages, same topics as on Kafka.
public final class EmbeddedPipeline {
    public let log: InProcessLog
    let workers: [StageWorker]
    let producer: any LogProducer
    let filePartitions: Int32

    /// `expectedAWBs`: about how many AWBs the run will see (0: unknown),
    /// to size the ledgers once. `spool`: the folder files submitted as a
    /// path must lie in.
    /// `readAhead`: files submitted as a path that other threads read
    /// ahead of ingest (nil: ingest reads every file itself).
    /// `publishesEvents`: also run the publish stage, whose public events
    /// (cass.invoice-events, one partition: the order they were published)
    /// `publicEvents()` reads back.
    public init(reference: ReferenceData, reader: @escaping FileReader = DefaultReaders.any, keepLines: Bool,
                partitions: TopicCatalog.Partitions = TopicCatalog.Partitions(), persistState: Bool = false, expectedAWBs: Int = 0,
                spool: URL? = nil, publishesEvents: Bool = false, readAhead: ParallelFileReads? = nil) throws {
        // Every group of the run exists from the start: records all of them
        // are done with can go.
        log = InProcessLog(dropsConsumedRecords: true)
        var layout = partitions
        if publishesEvents { layout[.invoiceEvents] = 1 }
        try log.createTopics(TopicCatalog.specs(layout).map { spec in
            // cass.events is read again after the run (notifications): the
            // publish stage's commits must not drop it.
            var spec = spec
            if publishesEvents, spec.name == TopicCatalog.events { spec.retentionMs = -1 }
            return spec
        })
        // The in-process log dies with the process, so journalling state to
        // it buys nothing in a real run; tests switch it on to simulate crashes.
        // The names are those of the caller's own files (cass settle lists a
        // folder): taken as they are, quoted in the CSVs.
        var environment = StageEnvironment(reference: reference, persistState: persistState, keepLines: keepLines, reader: reader,
                                           spool: spool, refusesUnsafeNames: false, expectedAWBs: expectedAWBs)
        environment.sendsLineEvents = publishesEvents
        environment.readAhead = readAhead
        workers = try Pipeline.workers(Pipeline.settlement + (publishesEvents ? [PublishStage.definition] : []), environment: environment, log: log)
        producer = try log.makeProducer()
        filePartitions = partitions.files
        // One file per step: downstream stages start on the first file
        // while ingest reads the next, and memory stays one file deep.
        workers[0].maxBatch = 1
    }

    /// Submits files; the caller gives them in the spec's processing order.
    public func submit(_ files: [(name: String, bytes: [UInt8])]) throws {
        try submit(files.map { SubmittedFile(name: $0.name, operation: RoutingKey.operation(ofFile: $0.bytes), content: .bytes($0.bytes)) })
    }

    public func submit(_ files: [SubmittedFile]) throws {
        for file in files {
            let message: StageMessage
            switch file.content {
            case .bytes(let bytes): message = .file(name: file.name, bytes: bytes)
            case .path(let path): message = .fileAt(name: file.name, path: path)
            }
            try producer.send([Submission.record(message, operation: file.operation, partitions: filePartitions)])
        }
    }

    /// Starts closing periods: a marker on the operation's file partition,
    /// behind every file submitted before it.
    public func close(_ periods: [PeriodKey]) throws {
        for period in periods.sorted() {
            try producer.send([Submission.record(.closeMarker(period: period, source: 0, sourceCount: 1), operation: period.country, partitions: filePartitions)])
        }
    }

    /// Runs the stages on `threads` threads (the machine has two cores),
    /// until every stage runs dry. Any thread may run any stage, one thread
    /// per stage at a time (a stage's worker is claimed with a try-lock and
    /// skipped while another thread holds it): while one thread reads a
    /// file, the other drains the later stages, and neither waits for a
    /// fixed half of the work. Results do not depend on the interleaving:
    /// each stage's outputs follow from its inputs' order per partition,
    /// and close markers keep periods whole.
    public func drainInParallel(threads: Int = 2, progress: (@Sendable (String) -> Void)? = nil) throws {
        let shared = SharedWorkers(workers)
        let failure = Locked<(any Error)?>(nil)
        let lastReport = Locked(DispatchTime.now().uptimeNanoseconds)
        let group = DispatchGroup()
        for _ in 0..<max(1, threads) {
            DispatchQueue.global().async(group: group) {
                do {
                    while failure.withLock({ $0 == nil }) {
                        var handled = 0, skipped = 0, stepped: UInt64 = 0
                        let before = shared.stepsEnded
                        for index in shared.workers.indices {
                            guard let count = try shared.stepIfFree(index) else { skipped += 1; continue }
                            stepped += 1
                            handled += count
                        }
                        if let progress {
                            let now = DispatchTime.now().uptimeNanoseconds
                            // Progress every two seconds on long runs.
                            if lastReport.withLock({ last in
                                guard now - last > 2_000_000_000 else { return false }
                                last = now
                                return true
                            }) {
                                progress(shared.summary())
                            }
                        }
                        // A full round in stage order that found every stage
                        // free and idle leaves nothing for this thread;
                        // another thread still busy finishes what it holds
                        // and then makes the same check. (Work that flows
                        // back, validate's votes on a withdrawal to ingest,
                        // comes from a step that handled something: the
                        // thread that took it goes round again.)
                        if handled == 0 {
                            if skipped == 0 { break }
                            // Only the end of another thread's step can
                            // give this one work (the stage it held, or
                            // what that step produced): sleep until then
                            // rather than polling every 50 µs (a thousand
                            // wake-ups and rounds per 10,000-AWB settle).
                            shared.waitForStepEnd(after: before &+ stepped)
                        }
                    }
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                }
            }
        }
        group.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Steps every worker in pipeline order on this thread, round after
    /// round, until none has anything left to do.
    public func drain(progress: ((String) -> Void)? = nil) throws {
        var rounds = 0
        while true {
            var handled = 0
            for worker in workers { handled += try worker.step() }
            rounds += 1
            if let progress, rounds % 2000 == 0 {
                progress(workers.map { "\($0.name.rawValue) \($0.counters.recordsIn)" }.joined(separator: ", "))
            }
            if handled == 0 { break }
        }
    }

    /// Leaves the pipeline's own workers' groups (tests that drive workers of their own).
    public func closeWorkers() {
        for worker in workers { worker.close() }
    }

    public var counters: [(StageName, StageCounters)] { workers.map { ($0.name, $0.counters) } }

    /// The public events of the run in the order they were published
    /// (each the JSON of one CloudEvent); empty unless `publishesEvents`.
    public func publicEvents() throws -> [[UInt8]] {
        var events: [[UInt8]] = []
        for partition in 0..<(try log.partitionCount(of: Topic.invoiceEvents.name)) {
            events += try log.readToEnd(TopicPartition(topic: Topic.invoiceEvents.name, partition: partition)).map(\.value)
        }
        return events
    }

    /// Reads invoices, disbursements and rejections back from their topics,
    /// dropping the duplicates a replay may have written.
    public func collect() throws -> SettlementOutcome {
        try SettlementExport.collect(from: log)
    }
}

/// Reads the settlement results out of a log: the same code serves the
/// embedded run and `cass export-settlement` against a cluster.
public enum SettlementExport {
    /// Every delivery outcome of cass.deliveries, as its JSON.
    public static func deliveries(from log: any Log) throws -> [(json: [UInt8], delivered: Bool)] {
        var result: [(json: [UInt8], delivered: Bool)] = []
        for partition in 0..<(try log.partitionCount(of: TopicCatalog.deliveries)) {
            for record in try log.readToEnd(TopicPartition(topic: TopicCatalog.deliveries, partition: partition)) {
                let delivered = (try? DeliveryOutcome.decode(json: record.value))?.status == .delivered
                result.append((record.value, delivered))
            }
        }
        return result
    }

    public static func collect(from log: any Log) throws -> SettlementOutcome {
        var invoices: [String: Invoice] = [:]
        var disbursements: [String: Disbursement] = [:]
        var rejections: [String: Rejection] = [:]
        // All three topics in one read: their fetches overlap.
        var partitions: [TopicPartition] = []
        for topic in [TopicCatalog.invoices, TopicCatalog.settlements, TopicCatalog.rejections, TopicCatalog.events] {
            partitions += (0..<(try log.partitionCount(of: topic))).map { TopicPartition(topic: topic, partition: $0) }
        }
        let read = try log.readAllToEnd(partitions)
        func each(_ topic: String, _ body: (StageMessage) -> Void) throws {
            for partition in partitions where partition.topic == topic {
                for record in read[partition] ?? [] {
                    if let message = try? StageMessage.decode(record.value) { body(message) }
                }
            }
        }
        var headers: [String: Invoice] = [:]
        var parts: [String: [Int: LinePart]] = [:]
        // An invoice number is a legal identity: a replay re-sends the same
        // invoice under it, but two invoices under one number is a defect
        // that must stop the export, not let the later one hide the earlier.
        var reused: [String] = []
        func check(_ earlier: Invoice?, _ invoice: Invoice) {
            guard let earlier, earlier.country != invoice.country || earlier.period != invoice.period || earlier.agentCode != invoice.agentCode else { return }
            reused.append("\(invoice.number) (agent \(earlier.agentCode) period \(earlier.period) and agent \(invoice.agentCode) period \(invoice.period))")
        }
        // The invoices topic holds every issued line: decoded on both cores
        // (a 100,000-AWB close's 100,000 lines took 30 ms on one while the
        // other waited), then taken in log order, so a replay's later copy
        // still replaces the earlier one as before.
        let invoiceRecords = partitions.filter { $0.topic == TopicCatalog.invoices }.flatMap { read[$0] ?? [] }
        for message in ParallelDecode.messages(invoiceRecords) {
            guard let message else { continue }
            switch message {
            case .invoice(let invoice):
                check(invoices[invoice.number], invoice)
                invoices[invoice.number] = invoice
            case .invoiceHeader(let header, _):
                check(headers[header.number], header)
                headers[header.number] = header
            case .invoiceLines(let number, let part): parts[number, default: [:]][part.index] = part
            default: break
            }
        }
        guard reused.isEmpty else {
            throw LogError("invoice numbers issued to two invoices: \(reused.prefix(5).joined(separator: ", "))\(reused.count > 5 ? " and \(reused.count - 5) more" : "")")
        }
        for (number, header) in headers {
            invoices[number] = LinePart.join(header, (parts[number] ?? [:]).values.sorted { $0.index < $1.index }) ?? header
        }
        try each(TopicCatalog.settlements) {
            if case .periodClosed(_, _, _, let list) = $0 {
                for d in list { disbursements["\(d.airlinePrefix)/\(d.country)/\(d.period)"] = d }
            }
        }
        // A withdrawn upload's own rows leave the report (portal.md): its
        // outcome names its id, which its rejections carry as a header.
        var withdrawn: Set<[UInt8]> = []
        for partition in partitions where partition.topic == TopicCatalog.events {
            // Only outcomes are decoded: the topic also holds every issued line.
            for record in read[partition] ?? [] where record.value.first == MessageKind.fileOutcome.rawValue {
                if case .fileOutcome(let outcome)? = try? StageMessage.decode(record.value), outcome.withdrawn == true, let id = outcome.id {
                    withdrawn.insert(Array(id.utf8))
                }
            }
        }
        for partition in partitions where partition.topic == TopicCatalog.rejections {
            for record in read[partition] ?? [] {
                if !withdrawn.isEmpty, let id = record.header(FileReference.fileHeader), withdrawn.contains(id) { continue }
                if case .rejections(let list)? = try? StageMessage.decode(record.value) {
                    for r in list { rejections["\(r.file)\u{0}\(r.sequence)"] = r }
                }
            }
        }
        return SettlementOutcome(
            invoices: invoices.values.sorted { $0.number < $1.number },
            disbursements: Array(disbursements.values),
            rejections: SettlementSummary.sortedRejections(Array(rejections.values)))
    }
}

/// Stage messages decoded on two threads, in the records' order; nil for
/// a record that does not decode (as `try? StageMessage.decode` gives).
enum ParallelDecode {
    /// Below this many records one thread decodes them all: starting the
    /// second costs more than it saves.
    static let parallelFrom = 256

    static func messages(_ records: [LogRecord]) -> [StageMessage?] {
        guard records.count >= parallelFrom else { return records.map { try? StageMessage.decode($0.value) } }
        let slots = LaneSlots<StageMessage>(count: records.count)
        let lanes = 2
        // Halves rather than alternate records: each lane reads its own
        // stretch of memory, and no two lanes write neighbouring slots.
        let half = (records.count + 1) / 2
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            let range = lane == 0 ? 0..<half : half..<records.count
            for index in range { slots.set(index, try? StageMessage.decode(records[index].value)) }
        }
        return slots.all()
    }
}

/// The pipeline's workers shared by the drain threads: each worker behind
/// its own lock, so one thread at a time runs it.
final class SharedWorkers: @unchecked Sendable {
    // @unchecked: a worker is only touched while its claim is held.
    let workers: [StageWorker]
    private let claims: [NSLock]

    init(_ workers: [StageWorker]) {
        self.workers = workers
        claims = workers.map { _ in NSLock() }
    }

    /// Steps worker `index` if no other thread holds it; nil when one does.
    func stepIfFree(_ index: Int) throws -> Int? {
        guard claims[index].try() else { return nil }
        defer {
            claims[index].unlock()
            stepEnded()
        }
        return try workers[index].step()
    }

    /// Steps ended so far, by any thread (wrapping).
    private let ended = Atomic<UInt64>(0)
    /// Threads in `waitForStepEnd`: a step's end takes the condition's
    /// lock only when one may be asleep.
    private let sleepers = Atomic<Int>(0)
    private let wake = NSCondition()

    var stepsEnded: UInt64 { ended.load(ordering: .sequentiallyConsistent) }

    func stepEnded() {
        ended.add(1, ordering: .sequentiallyConsistent)
        // Sequentially consistent: either a sleeper registered before this
        // load (it is woken under the lock), or its check of `ended`
        // comes after the add above (it does not sleep).
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            wake.lock()
            wake.broadcast()
            wake.unlock()
        }
    }

    /// Sleeps while the count of ended steps is still `seen` (nothing
    /// ended since the caller's round), at most `limit` seconds: a
    /// safety net, not the wake-up.
    func waitForStepEnd(after seen: UInt64, limit: TimeInterval = 0.002) {
        sleepers.add(1, ordering: .sequentiallyConsistent)
        defer { sleepers.subtract(1, ordering: .sequentiallyConsistent) }
        let deadline = Date(timeIntervalSinceNow: limit)
        wake.lock()
        while ended.load(ordering: .sequentiallyConsistent) == seen {
            if !wake.wait(until: deadline) { break }
        }
        wake.unlock()
    }

    func summary() -> String {
        workers.indices.map { index in
            claims[index].lock()
            defer { claims[index].unlock() }
            return "\(workers[index].name.rawValue) \(workers[index].counters.recordsIn)"
        }.joined(separator: ", ")
    }
}
