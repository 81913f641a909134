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

/// Records a stage wants written; sent, acknowledged, and only then are
/// the inputs that caused them committed.
public struct StageOutput {
    public var records: [OutgoingRecord] = []
    let partitionCounts: [String: Int32]

    public func partitions(_ topic: String) -> Int32 { partitionCounts[topic] ?? 1 }

    public mutating func emit(_ topic: String, key: String, _ message: StageMessage) {
        let keyBytes = Array(key.utf8)
        records.append(OutgoingRecord(topic: topic, partition: Partitioner.partition(for: keyBytes, count: partitions(topic)), key: keyBytes, value: message.encoded()))
    }

    public mutating func emit(_ topic: String, partition: Int32, key: String, _ message: StageMessage) {
        records.append(OutgoingRecord(topic: topic, partition: partition, key: Array(key.utf8), value: message.encoded()))
    }

    /// The same message to every partition of a topic (barrier markers).
    public mutating func broadcast(_ topic: String, key: String, _ message: StageMessage) {
        let value = message.encoded()
        for partition in 0..<partitions(topic) {
            records.append(OutgoingRecord(topic: topic, partition: partition, key: Array(key.utf8), value: value))
        }
    }
}

/// Counters a worker keeps; the metrics endpoint reads them.
public struct StageCounters: Sendable {
    public var recordsIn = 0
    public var recordsOut = 0
    public var deadLettered = 0
    /// Time spent handling records and writing outputs (not waiting).
    public var busyNanoseconds: UInt64 = 0
}

/// One worker of one stage: poll, decode, let the logic decide, send the
/// outputs and wait for their acknowledgement, then commit the inputs
/// (at-least-once; replays are recognised downstream by key and version).
public final class StageWorker: RebalanceListener, @unchecked Sendable {
    // @unchecked: a worker is driven by one thread at a time; the listener
    // callbacks run inside `poll`, on that same thread.
    public let logic: any StageLogic
    let consumer: any LogConsumer
    let producer: any LogProducer
    let partitionCounts: [String: Int32]
    public private(set) var counters = StageCounters()
    public var maxBatch = 512

    public init(logic: any StageLogic, log: any Log) throws {
        self.logic = logic
        var counts: [String: Int32] = [:]
        for topic in logic.stage.outputTopics + [logic.stage.inputTopic, logic.stage.deadLetterTopic] {
            counts[topic] = try log.partitionCount(of: topic)
        }
        self.partitionCounts = counts
        self.producer = try log.makeProducer()
        // The consumer's listener is this worker; it is set after init.
        let relay = ListenerRelay()
        self.consumer = try log.makeConsumer(group: logic.stage.group, topics: [logic.stage.inputTopic], listener: relay)
        relay.target = self
    }

    public func assigned(_ partitions: [TopicPartition], consumer: any LogConsumer) { logic.assigned(partitions) }

    public func revoked(_ partitions: [TopicPartition], consumer: any LogConsumer) { logic.revoked(partitions) }

    /// One poll-process-produce-commit cycle. Returns how many input
    /// records it handled.
    @discardableResult
    public func step(timeoutMs: Int = 0) throws -> Int {
        let records = try consumer.poll(maxRecords: maxBatch, timeoutMs: timeoutMs)
        guard !records.isEmpty else { return 0 }
        let started = DispatchTime.now().uptimeNanoseconds
        defer { counters.busyNanoseconds += DispatchTime.now().uptimeNanoseconds - started }
        var output = StageOutput(partitionCounts: partitionCounts)
        var offsets: [TopicPartition: Int64] = [:]
        for record in records {
            do {
                let message = try StageMessage.decode(record.value)
                try logic.handle(message, from: record, output: &output)
            } catch {
                counters.deadLettered += 1
                output.records.append(DeadLetter.record(for: record, error: error, topic: logic.stage.deadLetterTopic))
            }
            offsets[record.topicPartition] = record.offset + 1
        }
        counters.recordsIn += records.count
        counters.recordsOut += output.records.count
        if !output.records.isEmpty { try producer.send(output.records) }
        try consumer.commit(offsets)
        return records.count
    }

    public func close() {
        consumer.close()
        producer.close()
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
