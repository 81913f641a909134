import CASSDomain
import CASSEngine
import CASSLog
import Dispatch

/// What a stage does with one decoded message. Implementations are the
/// thin glue between the pure engine and the log: they call the engine and
/// say what to write.
public protocol StageLogic: AnyObject {
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

/// A stage that keeps part of its state by reading its input again after
/// a restart instead of journalling it: what it holds only briefly and in
/// bulk (the number stage's line parts, from the settle stage's close
/// until the period is numbered, are most of cass.state's bytes when
/// journalled). The worker commits no input offset above `replayFrom`, so
/// a worker that takes the partition over reads those records again; the
/// ones at or below the restored offset marker go to `replay`, not
/// `handle`, since the state already holds everything else they did.
public protocol ReplayingStageLogic: StageLogic {
    /// The lowest offset of the input partition whose record the stage
    /// still needs to read again after a restart; nil when none.
    func replayFrom(partition: Int32) -> Int64?
    /// A record at or below the restored offset marker, read again: keep
    /// what `replayFrom` asked for. Writes nothing. A record that does not
    /// decode was dead-lettered when first handled and is ignored again.
    func replay(_ record: LogRecord)
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
/// outputs and wait for their acknowledgement, then the state changes,
/// then commit the inputs (at-least-once; replays are recognised
/// downstream by key and version).
public final class StageWorker: RebalanceListener, @unchecked Sendable {
    // @unchecked: a worker is driven by one thread at a time; the listener
    // callbacks run inside `poll`, on that same thread.
    public let definition: StageDefinition
    public let logic: any StageLogic
    /// The logic's byte-level path, if it has one (cast once, not per record).
    let rawLogic: (any RawStageLogic)?
    let replayingLogic: (any ReplayingStageLogic)?
    let state: StateAccess?
    let consumer: any LogConsumer
    let producer: any LogProducer
    let layout: TopicLayout
    let statePartitions: Int32
    public private(set) var counters = StageCounters()
    public var maxBatch = 512
    let log: any Log
    /// Input offsets already reflected in restored state, per partition:
    /// records up to them were handled before a crash and are skipped.
    var restoredThrough: [Int32: Int64] = [:]
    var restoreFailure: (any Error)?
    /// Set when a step failed after its batch changed the stage's state, or
    /// when state could not be restored: the only safe way on is a fresh
    /// worker that restores from the state topic.
    public private(set) var isBroken = false
    /// Retries of a batch's writes on transient errors, before giving up.
    public var writeBackoff = Backoff(delayInitialMs: 100, delayMaxMs: 5_000, attemptsMax: 12)
    /// Told of every assignment change (for the worker's log).
    public var onRebalance: ((_ assigned: [TopicPartition], _ revoked: [TopicPartition]) -> Void)?
    /// Tests only: returns true to crash the worker at that point.
    public var faultInjector: ((StageName, FaultPoint) -> Bool)?
    /// Batches whose outputs are written before their state and offsets
    /// are (a checkpoint): 1 journals every batch. More trades a longer
    /// replay after a crash (at most this many batches, recognised
    /// downstream like any replay) for fewer state writes and commits,
    /// each a wait for an fsync on the durable file log; a stage's state
    /// keys that change every batch (running sums) are written once per
    /// checkpoint. A poll that brings nothing (once the oldest pending
    /// batch is `checkpointIdleMs` old), and `close`, checkpoint what is
    /// pending. At least 1.
    public var checkpointEvery = 1
    /// How old the oldest pending batch must be before a poll that brings
    /// nothing checkpoints it: a stage that keeps up with its input goes
    /// idle between most batches, and would otherwise checkpoint each.
    /// 0: at once. This also bounds how long `cass status` shows the lag
    /// of batches already handled (plus the runner's idle wait).
    public var checkpointIdleMs = 0
    var pendingSinceNs: UInt64 = 0
    /// Input offsets of batches whose outputs are acknowledged but whose
    /// state and offsets are not yet written (the journal holds their
    /// state changes), and how many such batches.
    var pendingOffsets: [TopicPartition: Int64] = [:]
    var pendingBatches = 0
    /// Between the start of a batch and its outputs' acknowledgement:
    /// `close` does not checkpoint then (the journal holds changes of
    /// records whose outputs may not be written).
    var inBatch = false

    public var name: StageName { definition.name }

    /// A worker of `definition` on `log`: the stage's logic is built by its
    /// definition's factory, the worker joins the stage's consumer group.
    public init(_ definition: StageDefinition, environment: StageEnvironment, log: any Log) throws {
        self.definition = definition
        self.log = log
        self.layout = try TopicLayout(definition: definition, log: log)
        self.statePartitions = try log.partitionCount(of: Topic.state.name)
        let inputPartitions = layout.counts[definition.input.base] ?? 1
        guard statePartitions >= inputPartitions else {
            throw StageConfigurationError("\(TopicCatalog.state) has \(statePartitions) partitions, fewer than \(definition.input.name)'s \(inputPartitions): state of input partition p lives in state partition p")
        }
        self.logic = try definition.makeLogic(StageContext(environment: environment, log: log, inputPartitions: inputPartitions))
        self.rawLogic = logic as? any RawStageLogic
        self.replayingLogic = logic as? any ReplayingStageLogic
        self.state = StateAccess.of(logic)
        self.producer = try log.makeProducer()
        // The consumer's listener is this worker; it is set after init.
        let relay = ListenerRelay()
        self.consumer = try log.makeConsumer(group: definition.name.group, topics: [definition.input.name], listener: relay)
        relay.target = self
    }

    public func assigned(_ partitions: [TopicPartition], consumer: any LogConsumer) {
        onRebalance?(partitions, [])
        logic.assigned(partitions)
        guard let state, state.enabled else { return }
        do {
            for partition in partitions { try restore(partition.partition, state) }
        } catch {
            restoreFailure = error
        }
    }

    public func revoked(_ partitions: [TopicPartition], consumer: any LogConsumer) {
        onRebalance?([], partitions)
        logic.revoked(partitions)
        for partition in partitions {
            // What was not checkpointed is the new owner's to replay: the
            // journal's changes and offsets of the partition go unwritten
            // (its outputs are written; the replay is recognised downstream).
            state?.drop(partition.partition)
            pendingOffsets[partition] = nil
            state?.forget(partition.partition)
            restoredThrough[partition.partition] = nil
        }
    }

    static let offsetMarker = "@offset"

    /// Rebuilds one input partition's state from the state topic: every
    /// entry up to the last offset marker (entries after it belong to a
    /// batch whose marker never made it, and that batch will be replayed).
    /// An entry that does not decode stops the worker (never skipped).
    func restore(_ partition: Int32, _ state: StateAccess) throws {
        let prefix = Array("\(definition.name.rawValue)/\(partition)/".utf8)
        let marker = prefix + Array(Self.offsetMarker.utf8)
        let records = try log.readToEnd(TopicPartition(topic: Topic.state.name, partition: partition))
        var entries: [LogRecord] = []
        var committedEntries = 0
        var through: Int64 = -1
        for record in records where record.key.starts(with: prefix) {
            if record.key == marker {
                var reader = BinaryReader(record.value)
                do {
                    through = try reader.i64()
                } catch {
                    throw StateRestoreFailure(stage: definition.name, key: Self.offsetMarker, partition: partition, offset: record.offset, reason: "\(error)")
                }
                committedEntries = entries.count
            } else {
                entries.append(record)
            }
        }
        for record in entries.prefix(committedEntries) {
            let key = String(decoding: record.key.dropFirst(prefix.count), as: UTF8.self)
            do {
                try state.apply(partition, Substring(key), record.value)
            } catch {
                throw StateRestoreFailure(stage: definition.name, key: key, partition: partition, offset: record.offset, reason: "\(error)")
            }
        }
        do {
            try state.finish(partition)
        } catch {
            throw StateRestoreFailure(stage: definition.name, key: "(the partition's entries together)", partition: partition, offset: records.last?.offset ?? -1, reason: "\(error)")
        }
        restoredThrough[partition] = through
    }

    /// One poll-process-produce-commit cycle. Returns how many input
    /// records it handled.
    @discardableResult
    public func step(timeoutMs: Int = 0) throws -> Int {
        guard !isBroken else { throw LogError("this \(definition.name.rawValue) worker failed mid-batch; start a new one") }
        let records = try consumer.poll(maxRecords: maxBatch, timeoutMs: timeoutMs)
        if let failure = restoreFailure {
            restoreFailure = nil
            isBroken = true
            throw failure
        }
        guard !records.isEmpty else {
            // Nothing more to read for now: what is pending is written
            // (a quiet stage keeps nothing to replay).
            if pendingBatches > 0,
               DispatchTime.now().uptimeNanoseconds &- pendingSinceNs >= UInt64(max(0, checkpointIdleMs)) * 1_000_000 {
                do {
                    try checkpoint()
                } catch let crash as SimulatedCrash {
                    throw crash
                } catch {
                    isBroken = true
                    throw error
                }
            }
            if let idler = logic as? any IdleStageLogic {
                var output = StageOutput(layout: layout)
                idler.idle(output: &output)
                if let violation = output.violation {
                    isBroken = true
                    throw LogError(violation)
                }
                if !output.records.isEmpty {
                    counters.recordsOut += output.records.count
                    try writeAndCommit(output: output.records, offsets: [:])
                }
            }
            return 0
        }
        let started = DispatchTime.now().uptimeNanoseconds
        defer { counters.busyNanoseconds += DispatchTime.now().uptimeNanoseconds - started }
        var output = StageOutput(layout: layout)
        var offsets: [TopicPartition: Int64] = [:]
        inBatch = true
        var handledAny = false
        for record in records {
            if let through = restoredThrough[record.partition], record.offset <= through {
                replayingLogic?.replay(record)
                offsets[record.topicPartition] = record.offset + 1
                continue
            }
            handledAny = true
            output.carried = record.headers.isEmpty ? [] : record.headers.filter { StageOutput.carriedNames.contains($0.name) }
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
                output.records.append(DeadLetter.record(for: record, error: error, topic: layout.deadLetter))
            }
            offsets[record.topicPartition] = record.offset + 1
        }
        // A write the definition does not declare is a defect of the stage:
        // nothing of the batch is written and the worker stops.
        if let violation = output.violation {
            isBroken = true
            throw LogError(violation)
        }
        counters.recordsIn += records.count
        if !handledAny {
            // Every record was at or below the restored marker: nothing to
            // write, and nothing to lose by not committing (a worker that
            // reads them again skips them again). A stage that reads part
            // of its input again after a restart does so without a write
            // per batch (and a crash there is one before the batch).
            inBatch = false
            return records.count
        }
        counters.recordsOut += output.records.count
        for (code, count) in output.rejectionsByCode { counters.rejectionsByCode[code, default: 0] += count }
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
    /// them, then the input offsets (every `checkpointEvery` batches). Each
    /// write is retried on transient errors (the producer is idempotent, a
    /// resend duplicates nothing).
    func writeAndCommit(output: [OutgoingRecord], offsets: [TopicPartition: Int64]) throws {
        if !output.isEmpty { try writeBackoff.run { try producer.send(output) } }
        if faultInjector?(definition.name, .afterOutputs) == true { throw SimulatedCrash() }
        inBatch = false
        // Offsets only grow within a partition: the latest batch's stand.
        for (topicPartition, next) in offsets { pendingOffsets[topicPartition] = next }
        if pendingBatches == 0 { pendingSinceNs = DispatchTime.now().uptimeNanoseconds }
        pendingBatches += 1
        // An idle stage's own outputs (no input) checkpoint at once, as
        // every batch did before checkpoints spanned batches.
        if pendingBatches >= max(1, checkpointEvery) || offsets.isEmpty { try checkpoint() }
    }

    /// The state changes of the pending batches and an offset marker per
    /// input partition, then the commit of their offsets: restore stops at
    /// the marker, and input after it is read again.
    func checkpoint() throws {
        let offsets = pendingOffsets
        pendingOffsets = [:]
        pendingBatches = 0
        if let state, state.enabled {
            let changes = state.take()
            var records: [OutgoingRecord] = []
            for (topicPartition, next) in offsets where topicPartition.topic == definition.input.name {
                let prefix = "\(definition.name.rawValue)/\(topicPartition.partition)/"
                for (key, value) in changes[topicPartition.partition] ?? [] {
                    records.append(OutgoingRecord(topic: Topic.state.name, partition: topicPartition.partition, key: Array((prefix + key).utf8), value: value))
                }
                var marker = BinaryWriter(capacity: 8)
                marker.i64(next - 1)
                records.append(OutgoingRecord(topic: Topic.state.name, partition: topicPartition.partition,
                                              key: Array((prefix + Self.offsetMarker).utf8), value: marker.finish()))
            }
            try writeBackoff.run { try producer.send(records) }
        }
        if faultInjector?(definition.name, .afterState) == true { throw SimulatedCrash() }
        var commits = offsets
        if let replayingLogic, state?.enabled == true {
            // The marker above says how far the state reaches; the commit
            // stays at the first record the stage must read again.
            for (topicPartition, next) in offsets where topicPartition.topic == definition.input.name {
                if let floor = replayingLogic.replayFrom(partition: topicPartition.partition), floor < next {
                    commits[topicPartition] = floor
                }
            }
        }
        try writeBackoff.run { try consumer.commit(commits) }
    }

    /// Checkpoints what is pending (unless the worker failed or stopped
    /// mid-batch), then leaves.
    public func close() {
        if pendingBatches > 0, !isBroken, !inBatch { try? checkpoint() }
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
