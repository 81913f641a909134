import CASSLog
import CRdKafka
import Dispatch
import Foundation

/// A member of a consumer group, polled directly: librdkafka's prefetch queue
/// is the only buffer (`queued.max.messages.kbytes` bounds it), so a slow
/// worker slows fetching instead of growing memory.
///
/// Rebalances (cooperative-sticky) run inside `poll` on the polling thread:
/// `assigned` after the partitions are added and before any of their records
/// is returned; `revoked` before they are removed, while `commit` still works.
public final class KafkaConsumer: LogConsumer, @unchecked Sendable {
    public let group: String
    public let topics: [String]
    let client: RdKafkaClient
    private let listener: (any RebalanceListener)?

    private struct State {
        var closed = false
        var lastPollUptimeNs: UInt64 = DispatchTime.now().uptimeNanoseconds
        /// Partitions revoked since the last check inside `poll`.
        var revokedDuringPoll: Set<TopicPartition> = []
        /// The group's rebalance protocol as last reported.
        var cooperative = false
    }

    private let state = Locked(State())

    public init(config: KafkaConfig, group: String, topics: [String], listener: (any RebalanceListener)?) throws {
        self.group = group
        self.topics = topics
        self.listener = listener
        client = try bridged { try RdKafkaClient(config: config, role: .consumer(group: group)) }
        client.callbacks.rebalanceHandler.withLock {
            $0 = { [weak self] rk, err, partitions in
                if let self {
                    self.rebalance(rk, err, partitions)
                } else {
                    RdKafkaClient.applyRebalanceWithoutListener(rk, err, partitions)
                }
            }
        }
        try bridged { try subscribe() }
    }

    private func subscribe() throws(KafkaError) {
        let list = PartitionList.make(topics.map { (TopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA), nil) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_subscribe(client.pointer, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, operation: "subscribe", topic: topics.joined(separator: ","))
        }
    }

    private func rebalance(_ rk: OpaquePointer, _ err: rd_kafka_resp_err_t,
                           _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        let partitions = PartitionList.read(list).map(\.partition).sorted()
        // The protocol is asked each time (it is the group's, not ours) but
        // librdkafka answers NULL once the group is being torn down (a
        // revoke from inside rd_kafka_consumer_close): the last answer stands.
        let cooperative: Bool
        if let name = RdKafkaClient.rebalanceProtocol(rk) {
            cooperative = name == "COOPERATIVE"
            state.withLock { $0.cooperative = cooperative }
        } else {
            cooperative = state.withLock { $0.cooperative }
        }
        if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, list) {
                    report("incremental assign of \(partitions)", error)
                    return
                }
            } else {
                rd_kafka_assign(rk, list)
            }
            listener?.assigned(partitions, consumer: self)
        } else {
            // Revoked, or lost (then commits fail and the listener sees why).
            listener?.revoked(partitions, consumer: self)
            state.withLock { $0.revokedDuringPoll.formUnion(partitions) }
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, list) {
                    report("incremental unassign of \(partitions)", error)
                }
            } else {
                rd_kafka_assign(rk, nil)
            }
        }
    }

    private func report(_ what: String, _ error: OpaquePointer) {
        let text = String(cString: rd_kafka_error_string(error))
        rd_kafka_error_destroy(error)
        FileHandle.standardError.write(Data("cass kafka: group \(group): \(what) failed: \(text)\n".utf8))
    }

    public func poll(maxRecords: Int, timeoutMs: Int) throws -> [LogRecord] {
        try bridged { try pollOrThrow(maxRecords: maxRecords, timeoutMs: timeoutMs) }
    }

    func pollOrThrow(maxRecords: Int, timeoutMs: Int) throws(KafkaError) -> [LogRecord] {
        precondition(maxRecords > 0, "poll needs room for at least one record")
        let closed = state.withLock { state -> Bool in
            state.lastPollUptimeNs = DispatchTime.now().uptimeNanoseconds
            state.revokedDuringPoll = []
            return state.closed
        }
        guard !closed else {
            throw KafkaError(code: RD_KAFKA_RESP_ERR__STATE.rawValue, operation: "poll", reason: "the consumer of group \(group) is closed",
                             isTransient: false)
        }
        var records: [LogRecord] = []
        var waitMs = Int32(clamping: timeoutMs)
        while records.count < maxRecords {
            let message = rd_kafka_consumer_poll(client.pointer, waitMs)
            dropRecordsOfRevokedPartitions(&records)
            guard let message else { break }
            waitMs = 0
            if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                records.append(MessageConversion.record(message))
                rd_kafka_message_destroy(message)
                continue
            }
            let error = MessageConversion.error(message, operation: "poll (group \(group))")
            rd_kafka_message_destroy(message)
            if error.code == RD_KAFKA_RESP_ERR__PARTITION_EOF.rawValue { continue }
            if let fatal = client.fatalErrorIfAny(operation: "poll (group \(group))") { throw fatal }
            // Consumer errors are events, not stuck states: hand back what was
            // read; a later poll goes on from there.
            if records.isEmpty { throw error }
            FileHandle.standardError.write(Data("cass kafka: \(error)\n".utf8))
            break
        }
        state.withLock { $0.lastPollUptimeNs = DispatchTime.now().uptimeNanoseconds }
        return records
    }

    /// Records already fetched in this `poll` from partitions revoked since
    /// are dropped: the next owner reads them again from the committed offset,
    /// with the state that goes with them.
    private func dropRecordsOfRevokedPartitions(_ records: inout [LogRecord]) {
        let revoked = state.withLock { state -> Set<TopicPartition> in
            defer { state.revokedDuringPoll = [] }
            return state.revokedDuringPoll
        }
        if !revoked.isEmpty {
            records.removeAll { revoked.contains($0.topicPartition) }
        }
    }

    public func commit(_ offsets: [TopicPartition: Int64]) throws {
        try bridged { try commitOrThrow(offsets) }
    }

    /// Synchronous: returns once the group coordinator has stored every offset.
    func commitOrThrow(_ offsets: [TopicPartition: Int64]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let sorted = offsets.sorted { $0.key < $1.key }
        let list = PartitionList.make(sorted.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_commit(client.pointer, list, 0)
        for entry in PartitionList.read(list) where entry.error != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(entry.error, operation: "commit (group \(group))", topic: entry.partition.topic,
                             partition: entry.partition.partition, offset: entry.offset)
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let first = sorted.first
            throw KafkaError(err, operation: "commit (group \(group))", topic: first?.key.topic, partition: first?.key.partition,
                             offset: first?.value)
        }
    }

    /// After a batch failed between `poll` and `commit`: moves every assigned
    /// partition back to the group's committed offset (the beginning when
    /// none), so the records polled but not committed are returned again.
    /// Without it they would be skipped until the next restart or rebalance.
    public func rewindToCommitted() throws {
        try bridged { try rewindOrThrow() }
    }

    func rewindOrThrow() throws(KafkaError) {
        let assigned = assignment
        guard !assigned.isEmpty else { return }
        let list = PartitionList.make(assigned.map { ($0, nil) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let timeoutMs = Int32(client.config.requestTimeoutMs)
        let err = rd_kafka_committed(client.pointer, list, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, operation: "rewind (group \(group))", topic: assigned.first?.topic)
        }
        if let elements = list.pointee.elems {
            for index in 0..<Int(list.pointee.cnt) where elements[index].offset < 0 {
                elements[index].offset = Int64(RD_KAFKA_OFFSET_BEGINNING)
            }
        }
        if let error = rd_kafka_seek_partitions(client.pointer, list, timeoutMs) {
            let text = String(cString: rd_kafka_error_string(error))
            let code = rd_kafka_error_code(error)
            rd_kafka_error_destroy(error)
            throw KafkaError(code, operation: "rewind (group \(group))", topic: assigned.first?.topic, detail: text)
        }
        for entry in PartitionList.read(list) where entry.error != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(entry.error, operation: "rewind (group \(group))", topic: entry.partition.topic,
                             partition: entry.partition.partition, offset: entry.offset)
        }
    }

    public var assignment: [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(client.pointer, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return PartitionList.read(list).map(\.partition).sorted()
    }

    /// Leaves the group: the listener's `revoked` runs for every owned
    /// partition first, so the worker commits what it has finished.
    public func close() {
        let wasClosed = state.withLock { state -> Bool in
            defer { state.closed = true }
            return state.closed
        }
        guard !wasClosed else { return }
        let err = rd_kafka_consumer_close(client.pointer)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            FileHandle.standardError.write(Data("cass kafka: \(KafkaError(err, operation: "close (group \(group))"))\n".utf8))
        }
    }

    /// For /healthz: how long ago `poll` last ran.
    public var millisecondsSinceLastPoll: Int {
        let last = state.withLock { $0.lastPollUptimeNs }
        let now = DispatchTime.now().uptimeNanoseconds
        return now > last ? Int((now - last) / 1_000_000) : 0
    }

    /// The latest librdkafka statistics (consumer lag per partition), when
    /// `KafkaConfig.statisticsHandler` is set.
    public var statistics: KafkaStatistics? { client.callbacks.latestStatistics.current }
}
