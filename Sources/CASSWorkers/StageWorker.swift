import CASSDomain
import CASSEngine
import CASSLog
import Dispatch

/// What a stage does with one decoded message. Implementations are the
/// thin glue between the pure engine and the log: they call the engine and
/// say what to write.
public protocol StageLogic: AnyObject {
    var stage: StageName { get }
    func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws
    func assigned(_ partitions: [TopicPartition])
    func revoked(_ partitions: [TopicPartition])
}

extension StageLogic {
    public func assigned(_ partitions: [TopicPartition]) {}
    public func revoked(_ partitions: [TopicPartition]) {}
}

/// A stage with work of its own between messages (deliveries finishing in
/// the background): called when a poll brings nothing, its outputs written
/// like a batch's, with no input to commit.
public protocol IdleStageLogic: StageLogic {
    func idle(output: inout StageOutput)
}

/// A stage that can handle some messages straight from their bytes: it
/// returns false for what it leaves to `handle` (decoded as usual).
public protocol RawStageLogic: StageLogic {
    func handleRaw(_ record: LogRecord, output: inout StageOutput) throws -> Bool
}

/// Records a stage wants written; sent, acknowledged, and only then are
/// the inputs that caused them committed.
public struct StageOutput {
    public var records: [OutgoingRecord] = []
    let partitionCounts: [String: Int32]
    /// Rejections written in this batch, by code (for the metrics).
    public var rejectionsByCode: [String: Int] = [:]

    mutating func count(_ message: StageMessage) {
        if case .rejections(let list) = message {
            for rejection in list { rejectionsByCode[rejection.code.rawValue, default: 0] += 1 }
        }
    }

    public func partitions(_ topic: String) -> Int32 { partitionCounts[topic] ?? 1 }

    public mutating func emit(_ topic: String, key: String, _ message: StageMessage) {
        count(message)
        let keyBytes = Array(key.utf8)
        records.append(OutgoingRecord(topic: topic, partition: Partitioner.partition(for: keyBytes, count: partitions(topic)), key: keyBytes, value: message.encoded()))
    }

    public mutating func emit(_ topic: String, partition: Int32, key: String, _ message: StageMessage) {
        count(message)
        records.append(OutgoingRecord(topic: topic, partition: partition, key: Array(key.utf8), value: message.encoded()))
    }

    /// A message already encoded (a stage that transforms bytes in place).
    public mutating func emit(_ topic: String, partition: Int32, key: [UInt8], encoded value: [UInt8]) {
        records.append(OutgoingRecord(topic: topic, partition: partition, key: key, value: value))
    }

    /// Rejections in messages of bounded size.
    public mutating func emitRejections(_ rejections: [Rejection], file: String) {
        for start in stride(from: 0, to: rejections.count, by: IngestStage.rejectionsPerMessage) {
            emit(TopicCatalog.rejections, key: file, .rejections(Array(rejections[start..<min(rejections.count, start + IngestStage.rejectionsPerMessage)])))
        }
    }

    /// The same message to every partition of a topic (barrier markers).
    public mutating func broadcast(_ topic: String, key: String, _ message: StageMessage) {
        let value = message.encoded()
        for partition in 0..<partitions(topic) {
            records.append(OutgoingRecord(topic: topic, partition: partition, key: Array(key.utf8), value: value))
        }
    }
}

/// Where a simulated crash can strike inside a step (deterministic
/// simulation tests): after the outputs are acknowledged, or after the
/// state too, in both cases before the inputs are committed.
public enum FaultPoint: Sendable {
    case afterOutputs
    case afterState
}

public struct SimulatedCrash: Error, Sendable {}

/// Counters a worker keeps; the metrics endpoint reads them.
public struct StageCounters: Sendable {
    public var recordsIn = 0
    public var recordsOut = 0
    public var deadLettered = 0
    /// Time spent handling records and writing outputs (not waiting).
    public var busyNanoseconds: UInt64 = 0
    public var rejectionsByCode: [String: Int] = [:]
}

/// One worker of one stage: poll, decode, let the logic decide, send the
/// outputs and wait for their acknowledgement, then commit the inputs
/// (at-least-once; replays are recognised downstream by key and version).
public final class StageWorker: RebalanceListener, @unchecked Sendable {
    // @unchecked: a worker is driven by one thread at a time; the listener
    // callbacks run inside `poll`, on that same thread.
    public let logic: any StageLogic
    /// The logic's byte-level path, if it has one (cast once, not per record).
    let rawLogic: (any RawStageLogic)?
    let consumer: any LogConsumer
    let producer: any LogProducer
    let partitionCounts: [String: Int32]
    public private(set) var counters = StageCounters()
    public var maxBatch = 512
    let log: any Log
    /// Input offsets already reflected in restored state, per partition:
    /// records up to them were handled before a crash and are skipped.
    var restoredThrough: [Int32: Int64] = [:]
    var restoreFailure: (any Error)?
    /// Set when a step failed after its batch changed the stage's state:
    /// the in-memory state is then ahead of what was written, and the only
    /// safe way on is a fresh worker that restores from the state topic.
    public private(set) var isBroken = false
    /// Retries of a batch's writes on transient errors, before giving up.
    public var writeBackoff = Backoff(delayInitialMs: 100, delayMaxMs: 5_000, attemptsMax: 12)
    /// Told of every assignment change (for the worker's log).
    public var onRebalance: ((_ assigned: [TopicPartition], _ revoked: [TopicPartition]) -> Void)?
    /// Tests only: returns true to crash the worker at that point.
    public var faultInjector: ((StageName, FaultPoint) -> Bool)?

    public init(logic: any StageLogic, log: any Log) throws {
        self.logic = logic
        self.rawLogic = logic as? any RawStageLogic
        self.log = log
        var counts: [String: Int32] = [:]
        for topic in logic.stage.outputTopics + [logic.stage.inputTopic, logic.stage.deadLetterTopic, TopicCatalog.state] {
            counts[topic] = try log.partitionCount(of: topic)
        }
        self.partitionCounts = counts
        self.producer = try log.makeProducer()
        // The consumer's listener is this worker; it is set after init.
        let relay = ListenerRelay()
        self.consumer = try log.makeConsumer(group: logic.stage.group, topics: [logic.stage.inputTopic], listener: relay)
        relay.target = self
    }

    public func assigned(_ partitions: [TopicPartition], consumer: any LogConsumer) {
        onRebalance?(partitions, [])
        logic.assigned(partitions)
        guard let stateful = logic as? any StatefulStage, stateful.journal.enabled else { return }
        do {
            for partition in partitions { try restore(partition.partition, into: stateful) }
        } catch {
            restoreFailure = error
        }
    }

    public func revoked(_ partitions: [TopicPartition], consumer: any LogConsumer) {
        onRebalance?([], partitions)
        logic.revoked(partitions)
        if let stateful = logic as? any StatefulStage {
            for partition in partitions {
                stateful.forget(partition: partition.partition)
                restoredThrough[partition.partition] = nil
            }
        }
    }

    /// Rebuilds one input partition's state from the state topic: every
    /// entry up to the last offset marker (entries after it belong to a
    /// batch whose marker never made it, and that batch will be replayed).
    func restore(_ partition: Int32, into stateful: any StatefulStage) throws {
        let prefix = StateKey.prefix(logic.stage, partition)
        let records = try log.readToEnd(TopicPartition(topic: TopicCatalog.state, partition: partition))
        var entries: [(key: String, value: [UInt8])] = []
        var committedEntries = 0
        var through: Int64 = -1
        for record in records {
            let key = String(decoding: record.key, as: UTF8.self)
            guard key.hasPrefix(prefix) else { continue }
            let entity = String(key.dropFirst(prefix.count))
            if entity == StateKey.marker {
                var reader = BinaryReader(record.value)
                through = try reader.i64()
                committedEntries = entries.count
            } else {
                entries.append((entity, record.value))
            }
        }
        try stateful.restore(partition: partition, entries: Array(entries.prefix(committedEntries)))
        restoredThrough[partition] = through
    }

    /// One poll-process-produce-commit cycle. Returns how many input
    /// records it handled.
    @discardableResult
    public func step(timeoutMs: Int = 0) throws -> Int {
        guard !isBroken else { throw LogError("this \(logic.stage.rawValue) worker failed mid-batch; start a new one") }
        let records = try consumer.poll(maxRecords: maxBatch, timeoutMs: timeoutMs)
        if let failure = restoreFailure {
            restoreFailure = nil
            throw failure
        }
        guard !records.isEmpty else {
            if let idler = logic as? any IdleStageLogic {
                var output = StageOutput(partitionCounts: partitionCounts)
                idler.idle(output: &output)
                if !output.records.isEmpty {
                    counters.recordsOut += output.records.count
                    try writeAndCommit(output: output.records, offsets: [:])
                }
            }
            return 0
        }
        let started = DispatchTime.now().uptimeNanoseconds
        defer { counters.busyNanoseconds += DispatchTime.now().uptimeNanoseconds - started }
        var output = StageOutput(partitionCounts: partitionCounts)
        var offsets: [TopicPartition: Int64] = [:]
        for record in records {
            if let through = restoredThrough[record.partition], record.offset <= through {
                offsets[record.topicPartition] = record.offset + 1
                continue
            }
            do {
                if let rawLogic, try rawLogic.handleRaw(record, output: &output) {
                    // handled from its bytes
                } else {
                    let message = try StageMessage.decode(record.value)
                    try logic.handle(message, from: record, output: &output)
                }
            } catch let overflow as AmountOverflow {
                // Not a poison message but money that cannot be computed:
                // the run stops here, nothing of the batch written or
                // committed (a restarted worker stops at the same place).
                isBroken = true
                throw overflow
            } catch {
                counters.deadLettered += 1
                output.records.append(DeadLetter.record(for: record, error: error, topic: logic.stage.deadLetterTopic))
            }
            offsets[record.topicPartition] = record.offset + 1
        }
        counters.recordsIn += records.count
        counters.recordsOut += output.records.count
        for (code, count) in output.rejectionsByCode { counters.rejectionsByCode[code, default: 0] += count }
        // Outputs first: once they are acknowledged, the state that
        // produced them, then the input offsets.
        // From here the batch has changed the stage's state: a write that
        // cannot be completed leaves this worker unusable (see isBroken).
        do {
            try writeAndCommit(output: output.records, offsets: offsets)
        } catch let crash as SimulatedCrash {
            throw crash
        } catch {
            isBroken = true
            throw error
        }
        return records.count
    }

    /// Outputs first: once they are acknowledged, the state that produced
    /// them, then the input offsets. Each write is retried on transient
    /// errors (the producer is idempotent, a resend duplicates nothing).
    func writeAndCommit(output: [OutgoingRecord], offsets: [TopicPartition: Int64]) throws {
        if !output.isEmpty { try writeBackoff.run { try producer.send(output) } }
        if faultInjector?(logic.stage, .afterOutputs) == true { throw SimulatedCrash() }
        if let stateful = logic as? any StatefulStage, stateful.journal.enabled {
            let changes = stateful.journal.take()
            var state: [OutgoingRecord] = []
            for (topicPartition, next) in offsets where topicPartition.topic == logic.stage.inputTopic {
                let prefix = StateKey.prefix(logic.stage, topicPartition.partition)
                for (key, value) in changes[topicPartition.partition] ?? [] {
                    state.append(OutgoingRecord(topic: TopicCatalog.state, partition: topicPartition.partition, key: Array((prefix + key).utf8), value: value))
                }
                var marker = BinaryWriter(capacity: 8)
                marker.i64(next - 1)
                state.append(OutgoingRecord(topic: TopicCatalog.state, partition: topicPartition.partition, key: Array((prefix + StateKey.marker).utf8), value: marker.bytes))
            }
            try writeBackoff.run { try producer.send(state) }
        }
        if faultInjector?(logic.stage, .afterState) == true { throw SimulatedCrash() }
        try writeBackoff.run { try consumer.commit(offsets) }
    }

    public func close() {
        consumer.close()
        producer.close()
    }

    /// Leaves the group without committing anything more: what a killed
    /// worker amounts to, for simulation tests.
    public func abandon() {
        consumer.close()
    }
}

final class ListenerRelay: RebalanceListener, @unchecked Sendable {
    weak var target: StageWorker?
    func assigned(_ partitions: [TopicPartition], consumer: any LogConsumer) { target?.assigned(partitions, consumer: consumer) }
    func revoked(_ partitions: [TopicPartition], consumer: any LogConsumer) { target?.revoked(partitions, consumer: consumer) }
}

/// A record no stage could handle, kept with why and where it came from.
public enum DeadLetter {
    public static func record(for record: LogRecord, error: any Error, topic: String) -> OutgoingRecord {
        OutgoingRecord(topic: topic, partition: 0, key: record.key, value: record.value, headers: [
            LogHeader(name: "cass.error", text: String(describing: error)),
            LogHeader(name: "cass.source.topic", text: record.topic),
            LogHeader(name: "cass.source.partition", text: String(record.partition)),
            LogHeader(name: "cass.source.offset", text: String(record.offset)),
        ])
    }
}

/// Tracks period-close markers per input partition until every upstream
/// source has sent one: then everything before the close has arrived.
public struct BarrierTracker: Sendable {
    var seen: [Int32: [PeriodKey: Set<Int32>]] = [:]
    var completed: [Int32: Set<PeriodKey>] = [:]

    public init() {}

    /// True exactly once per (partition, period): when the last source arrives.
    public mutating func arrive(partition: Int32, period: PeriodKey, source: Int32, sourceCount: Int32) -> Bool {
        if completed[partition]?.contains(period) == true { return false }
        seen[partition, default: [:]][period, default: []].insert(source)
        guard (seen[partition]?[period]?.count ?? 0) >= Int(sourceCount) else { return false }
        seen[partition]?[period] = nil
        completed[partition, default: []].insert(period)
        return true
    }
}
