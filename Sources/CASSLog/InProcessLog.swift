import Foundation

/// The embedded default: a log that lives in this process. Same semantics
/// as Kafka where workers can see them (partitions, offsets, keys,
/// headers, consumer groups, commits: the Log contract); nothing survives
/// the process, so a crash here loses the run, not a record of a committed
/// one.
public final class InProcessLog: Log, @unchecked Sendable {
    // @unchecked: every mutable field is inside `state`, a lock.
    struct PartitionData {
        var baseOffset: Int64 = 0
        var records: [LogRecord] = []
        var endOffset: Int64 { baseOffset + Int64(records.count) }
    }

    struct TopicData {
        var spec: TopicSpec
        var partitions: [PartitionData]
    }

    struct Member {
        weak var consumer: InProcessConsumer?
        var topics: [String]
    }

    struct State {
        var topics: [String: TopicData] = [:]
        var committed: [String: [TopicPartition: Int64]] = [:]
        var members: [String: [ObjectIdentifier: Member]] = [:]
    }

    let state = Locked(State())
    let arrivals = Arrivals()
    /// A one-shot run whose consumer groups all exist from the start
    /// (`cass settle`) drops records of time-limited topics once every
    /// group reading them has committed past them, so a million records
    /// it is done with are not held. A group that joins later would miss
    /// them: that is why it is not the default (the contract says groups
    /// are independent).
    public let dropsConsumedRecords: Bool

    public init(dropsConsumedRecords: Bool = false) {
        self.dropsConsumedRecords = dropsConsumedRecords
    }

    public func createTopics(_ specs: [TopicSpec]) throws {
        state.withLock { state in
            for spec in specs where state.topics[spec.name] == nil {
                state.topics[spec.name] = TopicData(spec: spec, partitions: Array(repeating: PartitionData(), count: Int(spec.partitions)))
            }
        }
    }

    public func partitionCount(of topic: String) throws -> Int32 {
        let count = state.withLock { $0.topics[topic].map { Int32($0.partitions.count) } }
        guard let count else { throw LogError("unknown topic \(topic)") }
        return count
    }

    public func makeProducer() throws -> any LogProducer { InProcessProducer(log: self) }

    public func makeConsumer(group: String, topics: [String], listener: (any RebalanceListener)?) throws -> any LogConsumer {
        for topic in topics { _ = try partitionCount(of: topic) }
        let consumer = InProcessConsumer(log: self, group: group, topics: topics, listener: listener)
        state.withLock { state in
            state.members[group, default: [:]][ObjectIdentifier(consumer)] = Member(consumer: consumer, topics: topics)
        }
        rebalance(group: group)
        return consumer
    }

    public func readToEnd(_ partition: TopicPartition) throws -> [LogRecord] {
        try state.withLock { state in
            guard let topic = state.topics[partition.topic], Int(partition.partition) < topic.partitions.count else {
                throw LogError("unknown partition \(partition)")
            }
            return topic.partitions[Int(partition.partition)].records
        }
    }

    public func endOffset(_ partition: TopicPartition) throws -> Int64 {
        try state.withLock { state in
            guard let topic = state.topics[partition.topic], Int(partition.partition) < topic.partitions.count else {
                throw LogError("unknown partition \(partition)")
            }
            return topic.partitions[Int(partition.partition)].endOffset
        }
    }

    public func read(_ partition: TopicPartition, from offset: Int64, maxRecords: Int) throws -> [LogRecord] {
        guard maxRecords > 0 else { return [] }
        return try state.withLock { state in
            guard let topic = state.topics[partition.topic], partition.partition >= 0, Int(partition.partition) < topic.partitions.count else {
                throw LogError("unknown partition \(partition)")
            }
            let data = topic.partitions[Int(partition.partition)]
            let start = Int(max(offset, data.baseOffset) - data.baseOffset)
            guard start < data.records.count else { return [] }
            return Array(data.records[start..<(start + min(maxRecords, data.records.count - start))])
        }
    }

    public func committedOffset(group: String, partition: TopicPartition) throws -> Int64? {
        state.withLock { $0.committed[group]?[partition] }
    }

    /// Returns each record's offset, in the order given.
    @discardableResult
    func append(_ records: [OutgoingRecord]) throws -> [Int64] {
        var offsets: [Int64] = []
        offsets.reserveCapacity(records.count)
        try state.withLock { state in
            for record in records {
                guard let topic = state.topics[record.topic], record.partition >= 0, Int(record.partition) < topic.partitions.count else {
                    throw LogError("cannot write to \(record.topic)[\(record.partition)]: no such partition")
                }
                let index = Int(record.partition)
                let offset = topic.partitions[index].endOffset
                offsets.append(offset)
                // Optional chaining mutates the stored partition in place.
                state.topics[record.topic]?.partitions[index].records.append(
                    LogRecord(topic: record.topic, partition: record.partition, offset: offset, key: record.key, value: record.value, headers: record.headers))
            }
        }
        arrivals.broadcast()
        return offsets
    }

    func fetch(_ partition: TopicPartition, from offset: Int64, max limit: Int) -> [LogRecord] {
        state.withLock { state in
            guard let topic = state.topics[partition.topic], Int(partition.partition) < topic.partitions.count else { return [] }
            let data = topic.partitions[Int(partition.partition)]
            let start = Int(max(offset, data.baseOffset) - data.baseOffset)
            guard start < data.records.count else { return [] }
            let end = min(data.records.count, start + limit)
            return Array(data.records[start..<end])
        }
    }

    func commit(group: String, offsets: [TopicPartition: Int64]) {
        state.withLock { state in
            for (partition, offset) in offsets { state.committed[group, default: [:]][partition] = offset }
            guard dropsConsumedRecords else { return }
            // Records every subscribed group has committed past are gone:
            // the embedded run must not hold a million records it is done with.
            for partition in offsets.keys {
                guard var topic = state.topics[partition.topic], topic.spec.cleanup == .delete, topic.spec.retentionMs >= 0 else { continue }
                var minimum = Int64.max
                for (name, members) in state.members where members.values.contains(where: { $0.topics.contains(partition.topic) }) {
                    minimum = min(minimum, state.committed[name]?[partition] ?? 0)
                }
                let index = Int(partition.partition)
                guard minimum != Int64.max, index < topic.partitions.count else { continue }
                let drop = Int(minimum - topic.partitions[index].baseOffset)
                // Drop in large steps only: removing from the front is O(n).
                if drop > 0, drop >= 1024 || drop * 2 >= topic.partitions[index].records.count {
                    state.topics[partition.topic] = nil
                    topic.partitions[index].records.removeFirst(drop)
                    topic.partitions[index].baseOffset += Int64(drop)
                    state.topics[partition.topic] = topic
                }
            }
        }
    }

    func leave(group: String, consumer: InProcessConsumer) {
        _ = state.withLock { $0.members[group]?.removeValue(forKey: ObjectIdentifier(consumer)) }
        rebalance(group: group)
    }

    /// Partitions are dealt round-robin over the group's members, in the
    /// order they joined: simple and deterministic.
    func rebalance(group: String) {
        let plan: [(InProcessConsumer, [TopicPartition])] = state.withLock { state in
            let members = (state.members[group] ?? [:]).values.compactMap { $0.consumer }.sorted { $0.joinOrder < $1.joinOrder }
            guard !members.isEmpty else { return [] }
            var partitions: [TopicPartition] = []
            for topic in Set(members.flatMap(\.topics)).sorted() {
                for index in 0..<(state.topics[topic]?.partitions.count ?? 0) {
                    partitions.append(TopicPartition(topic: topic, partition: Int32(index)))
                }
            }
            var plan = members.map { ($0, [TopicPartition]()) }
            for (index, partition) in partitions.enumerated() { plan[index % plan.count].1.append(partition) }
            return plan
        }
        for (consumer, partitions) in plan { consumer.pendingAssignment(partitions) }
    }
}

/// Wakes consumers that wait in `poll` when records arrive.
final class Arrivals: @unchecked Sendable {
    // @unchecked: `generation` is only touched while `condition` is locked.
    private let condition = NSCondition()
    private var generation = 0

    func broadcast() {
        condition.lock()
        generation &+= 1
        condition.broadcast()
        condition.unlock()
    }

    var current: Int {
        condition.lock()
        defer { condition.unlock() }
        return generation
    }

    /// Waits until something arrived after `seen`, or until the deadline.
    func wait(after seen: Int, until deadline: Date) {
        condition.lock()
        defer { condition.unlock() }
        while generation == seen, condition.wait(until: deadline) {}
    }
}

final class InProcessProducer: LogProducer, @unchecked Sendable {
    let log: InProcessLog
    init(log: InProcessLog) { self.log = log }
    func send(_ records: [OutgoingRecord]) throws { try log.append(records) }
    func sendLocated(_ records: [OutgoingRecord]) throws -> [Int64]? { try log.append(records) }
    func close() {}
}

private let joinCounter = Locked(0)

final class InProcessConsumer: LogConsumer, @unchecked Sendable {
    // @unchecked: mutable fields are inside `local`, a lock.
    struct Local {
        var assignment: [TopicPartition] = []
        var positions: [TopicPartition: Int64] = [:]
        var pending: [TopicPartition]?
        var closed = false
    }

    let log: InProcessLog
    let group: String
    let topics: [String]
    let listener: (any RebalanceListener)?
    let joinOrder: Int
    let local = Locked(Local())

    init(log: InProcessLog, group: String, topics: [String], listener: (any RebalanceListener)?) {
        self.log = log
        self.group = group
        self.topics = topics
        self.listener = listener
        self.joinOrder = joinCounter.withLock { $0 += 1; return $0 }
    }

    var assignment: [TopicPartition] { local.withLock { $0.assignment } }

    func pendingAssignment(_ partitions: [TopicPartition]) {
        local.withLock { $0.pending = partitions }
    }

    private func applyPendingAssignment() {
        guard let (revoked, added) = local.withLock({ local -> ([TopicPartition], [TopicPartition])? in
            guard let pending = local.pending else { return nil }
            local.pending = nil
            let old = Set(local.assignment), new = Set(pending)
            return (local.assignment.filter { !new.contains($0) }, pending.filter { !old.contains($0) })
        }) else { return }
        if !revoked.isEmpty {
            listener?.revoked(revoked, consumer: self)
            local.withLock { local in
                local.assignment.removeAll { revoked.contains($0) }
                for partition in revoked { local.positions[partition] = nil }
            }
        }
        if !added.isEmpty {
            for partition in added {
                let start = (try? log.committedOffset(group: group, partition: partition)) ?? nil
                local.withLock { $0.positions[partition] = start ?? 0 }
            }
            local.withLock { $0.assignment.append(contentsOf: added) }
            listener?.assigned(added, consumer: self)
        }
    }

    func poll(maxRecords: Int, timeoutMs: Int) throws -> [LogRecord] {
        let deadline = Date().addingTimeInterval(Double(max(0, timeoutMs)) / 1000)
        while true {
            let seen = log.arrivals.current
            let records = fetchAssigned(maxRecords: maxRecords)
            guard records.isEmpty, timeoutMs > 0, Date() < deadline else { return records }
            log.arrivals.wait(after: seen, until: deadline)
        }
    }

    private func fetchAssigned(maxRecords: Int) -> [LogRecord] {
        applyPendingAssignment()
        var result: [LogRecord] = []
        let (assignment, positions) = local.withLock { ($0.assignment, $0.positions) }
        for partition in assignment where result.count < maxRecords {
            let records = log.fetch(partition, from: positions[partition] ?? 0, max: maxRecords - result.count)
            if let last = records.last {
                local.withLock { $0.positions[partition] = last.offset + 1 }
                result.append(contentsOf: records)
            }
        }
        return result
    }

    func commit(_ offsets: [TopicPartition: Int64]) throws { log.commit(group: group, offsets: offsets) }

    func close() {
        let closing = local.withLock { local -> Bool in
            defer { local.closed = true }
            return !local.closed
        }
        if closing { log.leave(group: group, consumer: self) }
    }
}
