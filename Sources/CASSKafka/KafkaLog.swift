import CASSLog
import CRdKafka
import Dispatch
import Foundation

/// `CASSLog.Log` on a Kafka cluster.
///
/// Delivery: at-least-once. Producers are idempotent and `send` returns only
/// when every record is acknowledged; consumers never commit by themselves
/// (`enable.auto.commit=false`), a worker commits the next offset to read
/// after the outputs of the records before it are acknowledged.
public final class KafkaLog: Log, BatchReadingLog, @unchecked Sendable {
    public let config: KafkaConfig
    /// Admin, metadata and watermark queries; created eagerly so that a bad
    /// configuration fails at start-up, not at the first record.
    private let admin: RdKafkaClient
    /// `readToEnd` reads one partition at a time through this handle.
    private let reader = Locked<RdKafkaClient?>(nil)
    /// Topics the reader client has metadata for.
    private let readerKnownTopics = Locked<Set<String>>([])

    public init(config: KafkaConfig) throws {
        self.config = config
        admin = try bridged { try RdKafkaClient(config: config, role: .admin) }
    }

    public func createTopics(_ specs: [TopicSpec]) throws {
        _ = try applyTopics(specs)
    }

    /// Deletes the topics that exist among `names` and returns those it
    /// deleted; one already gone is not an error.
    public func deleteTopics(_ names: [String]) throws -> [String] {
        try bridged {
            guard !names.isEmpty else { return [] }
            var deleted: [String] = []
            for (name, error) in try admin.deleteTopics(names, timeoutMs: config.requestTimeoutMs).sorted(by: { $0.key < $1.key }) {
                switch error {
                case .none: deleted.append(name)
                case .some(let error) where error.code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue: continue
                case .some(let error): throw error
                }
            }
            return deleted
        }
    }

    /// Creates missing topics and verifies existing ones against their
    /// declaration: partition count always, and `cleanup.policy` and
    /// `retention.ms` when the broker describes them. A difference is an
    /// error naming every mismatch; nothing is altered.
    public func applyTopics(_ specs: [TopicSpec]) throws -> [TopicApplyResult] {
        try bridged {
            guard !specs.isEmpty else { return [] }
            let timeoutMs = config.requestTimeoutMs
            let outcome = try admin.createTopics(specs, timeoutMs: timeoutMs)
            var results: [TopicApplyResult] = []
            var existing: [TopicSpec] = []
            for spec in specs {
                switch outcome[spec.name] {
                case .some(.none):
                    results.append(TopicApplyResult(topic: spec.name, outcome: .created))
                case .some(.some(let error)) where error.code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS.rawValue:
                    existing.append(spec)
                    results.append(TopicApplyResult(topic: spec.name, outcome: .verified))
                case .some(.some(let error)):
                    throw error
                case .none:
                    throw KafkaError(code: RD_KAFKA_RESP_ERR__FAIL.rawValue, operation: "create topic", reason: "no answer for the topic",
                                     topic: spec.name, isTransient: true)
                }
            }
            try verify(existing)
            try waitUntilVisible(specs.map(\.name))
            return results
        }
    }

    private func verify(_ specs: [TopicSpec]) throws(KafkaError) {
        guard !specs.isEmpty else { return }
        var problems: [String] = []
        for spec in specs {
            let layout = try admin.layout(of: spec.name, timeoutMs: config.requestTimeoutMs)
            if layout.partitions != spec.partitions {
                problems.append("\(spec.name) has \(layout.partitions) partitions, Topics/ declares \(spec.partitions)")
            }
            if layout.replicas > 0, layout.replicas < Int32(spec.replication) {
                problems.append("\(spec.name) has \(layout.replicas) replicas, \(spec.replication) are asked for")
            }
        }
        let configs: [String: [String: String]]
        do {
            configs = try admin.describeTopicConfigs(specs.map(\.name), timeoutMs: config.requestTimeoutMs)
        } catch {
            // Some Kafka-protocol brokers do not implement DescribeConfigs;
            // the partition count, which decides where keys go, is checked.
            FileHandle.standardError.write(Data("cass kafka: cannot verify topic configs: \(error)\n".utf8))
            configs = [:]
        }
        for spec in specs {
            guard let values = configs[spec.name] else { continue }
            if let policy = values["cleanup.policy"], policy != spec.cleanup.rawValue {
                problems.append("\(spec.name) has cleanup.policy=\(policy), Topics/ declares \(spec.cleanup.rawValue)")
            }
            if let retention = values["retention.ms"], let value = Int64(retention), value != spec.retentionMs {
                problems.append("\(spec.name) has retention.ms=\(value), Topics/ declares \(spec.retentionMs)")
            }
            if let inSync = values["min.insync.replicas"], let value = Int16(inSync), value < spec.minInSyncReplicas {
                problems.append("\(spec.name) has min.insync.replicas=\(value), \(spec.minInSyncReplicas) are asked for")
            }
        }
        guard problems.isEmpty else {
            throw KafkaError(code: RD_KAFKA_RESP_ERR_INVALID_CONFIG.rawValue, operation: "verify topics",
                             reason: problems.joined(separator: "; ") + " (fix the cluster or the declaration; nothing was changed)",
                             isTransient: false)
        }
    }

    /// A topic just created may take a moment to appear in metadata.
    private func waitUntilVisible(_ topics: [String]) throws(KafkaError) {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(config.requestTimeoutMs) * 1_000_000
        for topic in topics {
            while true {
                do {
                    _ = try admin.partitionCount(of: topic, timeoutMs: config.requestTimeoutMs)
                    break
                } catch {
                    guard error.isTransient, DispatchTime.now().uptimeNanoseconds < deadline else { throw error }
                    usleep(50_000)
                }
            }
        }
    }

    public func partitionCount(of topic: String) throws -> Int32 {
        try bridged { try admin.partitionCount(of: topic, timeoutMs: config.requestTimeoutMs) }
    }

    public func makeProducer() throws -> any LogProducer {
        try KafkaProducer(config: config)
    }

    public func makeConsumer(group: String, topics: [String], listener: (any RebalanceListener)?) throws -> any LogConsumer {
        try KafkaConsumer(config: config, group: group, topics: topics, listener: listener)
    }

    /// The high watermark. Some Kafka-protocol brokers (Tansu) answer the
    /// offset query with the last batch's base offset + 1, while their fetch
    /// responses carry the true one; so a non-empty partition is confirmed
    /// by fetching its last batch (one round trip, no records kept).
    public func endOffset(_ partition: TopicPartition) throws -> Int64 {
        try bridged {
            let (low, high) = try admin.watermarks(partition, timeoutMs: config.requestTimeoutMs)
            guard high > low else { return high }
            return try max(high, fetchedEnd(partition, from: high - 1))
        }
    }

    public func committedOffset(group: String, partition: TopicPartition) throws -> Int64? {
        try bridged { try groupClient(group).committed(partition, timeoutMs: config.requestTimeoutMs) }
    }

    /// Handles that ask a group's committed offsets without joining it, kept
    /// for repeated questions (`cass status` asks every few hundred ms).
    private let groupClients = Locked<[String: RdKafkaClient]>([:])
    private static let groupClientsMax = 64

    private func groupClient(_ group: String) throws(KafkaError) -> RdKafkaClient {
        if let existing = groupClients.withLock({ $0[group] }) { return existing }
        let created = try RdKafkaClient(config: config, role: .reader(group: group))
        return groupClients.withLock { clients in
            if let existing = clients[group] { return existing }
            if clients.count >= KafkaLog.groupClientsMax { clients.removeAll() }
            clients[group] = created
            return created
        }
    }

    /// The end of the partition as the broker's fetch response reports it:
    /// the offset of librdkafka's end-of-partition event after reading from
    /// `offset` (records are skipped, not kept).
    private func fetchedEnd(_ partition: TopicPartition, from offset: Int64) throws(KafkaError) -> Int64 {
        let client = try readerClient()
        return try reader.withLock { _ throws(KafkaError) -> Int64 in
            learnTopics(client, [partition.topic])
            let list = PartitionList.make([(partition, offset)])
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_assign(client.pointer, list)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(err, operation: "end offset", topic: partition.topic, partition: partition.partition, offset: offset)
            }
            defer { rd_kafka_assign(client.pointer, nil) }
            var seen = offset
            let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(config.requestTimeoutMs) * 1_000_000
            while DispatchTime.now().uptimeNanoseconds < deadline {
                guard let message = rd_kafka_consumer_poll(client.pointer, 100) else { continue }
                defer { rd_kafka_message_destroy(message) }
                let raw = message.pointee
                guard raw.partition == partition.partition,
                      raw.rkt.map({ String(cString: rd_kafka_topic_name($0)) }) == partition.topic else { continue }
                if raw.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return max(raw.offset, seen) }
                if raw.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    seen = max(seen, raw.offset + 1)
                } else {
                    let error = MessageConversion.error(message, operation: "end offset")
                    if !error.isTransient { throw error }
                }
            }
            throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, operation: "end offset", topic: partition.topic,
                             partition: partition.partition, offset: seen)
        }
    }

    public func readManyToEnd(_ partitions: [TopicPartition]) throws -> [TopicPartition: [LogRecord]] {
        try bridged {
            var ranges: [TopicPartition: (low: Int64, high: Int64)] = [:]
            for partition in partitions {
                ranges[partition] = try admin.watermarks(partition, timeoutMs: config.requestTimeoutMs)
            }
            return try readRanges(ranges)
        }
    }

    public func readToEnd(_ partition: TopicPartition) throws -> [LogRecord] {
        try bridged {
            let (low, high) = try admin.watermarks(partition, timeoutMs: config.requestTimeoutMs)
            guard high > low else { return [] }
            return try readRange(partition, from: low, to: high)
        }
    }

    /// Up to `maxRecords` from `offset`, by assignment (no group). The end
    /// is the fetched one (`endOffset`), not the offset query's answer,
    /// which some brokers understate.
    public func read(_ partition: TopicPartition, from offset: Int64, maxRecords: Int) throws -> [LogRecord] {
        guard maxRecords > 0 else { return [] }
        let end = try endOffset(partition)
        return try bridged {
            let (low, _) = try admin.watermarks(partition, timeoutMs: config.requestTimeoutMs)
            let start = max(offset, low)
            guard start < end else { return [] }
            return try readRange(partition, from: start, to: min(end, start &+ Int64(maxRecords)), limit: maxRecords)
        }
    }

    /// Reads one partition from `low` by assignment, without a group, up to
    /// at least `high`. Compacted and transactional topics have gaps, so the
    /// end is found by offset or by librdkafka's end-of-partition event. The
    /// rest of the batch holding `high - 1` is read too: some brokers (Tansu)
    /// report the high watermark as the last batch's base offset + 1.
    private func readRange(_ partition: TopicPartition, from low: Int64, to high: Int64, limit: Int = .max) throws(KafkaError) -> [LogRecord] {
        let client = try readerClient()
        return try reader.withLock { _ throws(KafkaError) -> [LogRecord] in
            learnTopics(client, [partition.topic])
            let list = PartitionList.make([(partition, low)])
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_assign(client.pointer, list)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(err, operation: "read to end", topic: partition.topic, partition: partition.partition, offset: low)
            }
            defer { rd_kafka_assign(client.pointer, nil) }
            var records: [LogRecord] = []
            var next = low
            var reachedEnd = false
            let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(config.readToEndTimeoutMs) * 1_000_000
            while true {
                guard DispatchTime.now().uptimeNanoseconds < deadline else {
                    throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, operation: "read to end", topic: partition.topic,
                                     partition: partition.partition, offset: next,
                                     detail: "stopped before offset \(high) after \(config.readToEndTimeoutMs) ms")
                }
                // Once the end is reached, only what is already fetched is
                // taken (timeout 0): the rest of the last batch, never a wait.
                guard let message = rd_kafka_consumer_poll(client.pointer, reachedEnd ? 0 : 100) else {
                    if reachedEnd { break }
                    continue
                }
                defer { rd_kafka_message_destroy(message) }
                let raw = message.pointee
                guard raw.partition == partition.partition,
                      raw.rkt.map({ String(cString: rd_kafka_topic_name($0)) }) == partition.topic else { continue }
                if raw.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    if raw.offset >= high { break }
                    continue
                }
                guard raw.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    let error = MessageConversion.error(message, operation: "read to end")
                    if error.isTransient { continue }
                    throw error
                }
                guard raw.offset >= low else { continue }
                records.append(MessageConversion.record(message))
                if records.count >= limit { break }
                next = max(next, raw.offset + 1)
                if next >= high { reachedEnd = true }
            }
            return records
        }
    }

    /// Reads several partitions to their ends with one assignment: their
    /// fetches overlap instead of waiting for each other (export, status).
    private func readRanges(_ ranges: [TopicPartition: (low: Int64, high: Int64)]) throws(KafkaError) -> [TopicPartition: [LogRecord]] {
        let client = try readerClient()
        return try reader.withLock { _ throws(KafkaError) -> [TopicPartition: [LogRecord]] in
            var result: [TopicPartition: [LogRecord]] = [:]
            var open: Set<TopicPartition> = []
            var assignment: [(TopicPartition, Int64?)] = []
            for (partition, range) in ranges {
                result[partition] = []
                if range.high > range.low {
                    open.insert(partition)
                    assignment.append((partition, range.low))
                }
            }
            guard !open.isEmpty else { return result }
            learnTopics(client, assignment.map { $0.0.topic })
            let list = PartitionList.make(assignment)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_assign(client.pointer, list)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(err, operation: "read to end", topic: assignment[0].0.topic, partition: assignment[0].0.partition, offset: assignment[0].1)
            }
            defer { rd_kafka_assign(client.pointer, nil) }
            var topicNames: [String: String] = [:]
            var reached: Set<TopicPartition> = []
            let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(config.readToEndTimeoutMs) * 1_000_000
            while !open.isEmpty {
                guard DispatchTime.now().uptimeNanoseconds < deadline else {
                    let waiting = open.sorted().first ?? assignment[0].0
                    throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, operation: "read to end", topic: waiting.topic, partition: waiting.partition,
                                     offset: nil, detail: "\(open.count) partitions not at their end after \(config.readToEndTimeoutMs) ms")
                }
                // Once every open partition has reached its end, only what is
                // already fetched is taken (timeout 0), never a wait.
                let allReached = reached.isSuperset(of: open)
                guard let message = rd_kafka_consumer_poll(client.pointer, allReached ? 0 : 100) else {
                    if allReached { break }
                    continue
                }
                defer { rd_kafka_message_destroy(message) }
                let raw = message.pointee
                guard let rkt = raw.rkt else { continue }
                let pointerName = String(cString: rd_kafka_topic_name(rkt))
                let name = topicNames[pointerName] ?? pointerName
                topicNames[pointerName] = name
                let partition = TopicPartition(topic: name, partition: raw.partition)
                guard let range = ranges[partition] else { continue }
                if raw.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    if raw.offset >= range.high { open.remove(partition) }
                    continue
                }
                guard raw.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    let error = MessageConversion.error(message, operation: "read to end")
                    if error.isTransient { continue }
                    throw error
                }
                result[partition, default: []].append(MessageConversion.record(message))
                if raw.offset + 1 >= range.high { reached.insert(partition) }
            }
            return result
        }
    }

    /// librdkafka starts fetching an assigned partition only once it knows
    /// the topic's leader, and a client that never saw the topic waits for
    /// its next metadata refresh: most of a second on the test broker, paid
    /// by every export and status check. Asking first costs one round trip.
    private func learnTopics(_ client: RdKafkaClient, _ topics: some Sequence<String>) {
        for topic in Set(topics) where !readerKnownTopics.withLock({ $0.contains(topic) }) {
            guard let handle = rd_kafka_topic_new(client.pointer, topic, nil) else { continue }
            defer { rd_kafka_topic_destroy(handle) }
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(client.pointer, 0, handle, &metadata, Int32(config.requestTimeoutMs))
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            // On failure the assignment still works, only later.
            if err == RD_KAFKA_RESP_ERR_NO_ERROR { _ = readerKnownTopics.withLock { $0.insert(topic) } }
        }
    }

    private func readerClient() throws(KafkaError) -> RdKafkaClient {
        let existing = reader.current
        if let existing { return existing }
        let created = try RdKafkaClient(config: config, role: .reader(group: "cass-reader-\(UUID().uuidString)"))
        return reader.withLock { slot in
            if let slot { return slot }
            slot = created
            return created
        }
    }
}
