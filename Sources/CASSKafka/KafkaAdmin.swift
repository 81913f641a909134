import CASSLog
import CRdKafka
import Foundation

/// What `createTopics` did with one declared topic.
public struct TopicApplyResult: Sendable, Hashable, CustomStringConvertible {
    public enum Outcome: String, Sendable { case created, verified }
    public var topic: String
    public var outcome: Outcome

    public var description: String { "\(topic): \(outcome.rawValue)" }
}

/// Admin API and metadata calls, on a handle of role `.admin`.
extension RdKafkaClient {
    /// Creates the topics; returns, per topic, nil when created or the
    /// broker's error (TOPIC_ALREADY_EXISTS among them).
    func createTopics(_ specs: [TopicSpec], timeoutMs: Int) throws(KafkaError) -> [String: KafkaError?] {
        var newTopics: [OpaquePointer?] = []
        defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
        var errorText = [CChar](repeating: 0, count: 512)
        for spec in specs {
            guard let topic = rd_kafka_NewTopic_new(spec.name, spec.partitions, Int32(spec.replication), &errorText, errorText.count) else {
                throw KafkaError.config("topic \(spec.name): \(text(errorText))")
            }
            newTopics.append(topic)
            rd_kafka_NewTopic_set_config(topic, "cleanup.policy", spec.cleanup.rawValue)
            rd_kafka_NewTopic_set_config(topic, "retention.ms", String(spec.retentionMs))
            rd_kafka_NewTopic_set_config(topic, "min.insync.replicas", String(spec.minInSyncReplicas))
        }
        let event = try adminCall(.createTopics, timeoutMs: timeoutMs) { options, queue in
            newTopics.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_CreateTopics(pointer, buffer.baseAddress, buffer.count, options, queue)
            }
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        guard let result = rd_kafka_event_CreateTopics_result(event),
              let topics = rd_kafka_CreateTopics_result_topics(result, &count) else { return [:] }
        return topicOutcomes(topics, count: count, operation: "create topic")
    }

    /// Per topic of an admin result: nil when it succeeded, else the error.
    private func topicOutcomes(_ topics: UnsafeMutablePointer<OpaquePointer?>, count: Int, operation: String) -> [String: KafkaError?] {
        var outcome: [String: KafkaError?] = [:]
        for index in 0..<count {
            guard let topic = topics[index] else { continue }
            let name = String(cString: rd_kafka_topic_result_name(topic))
            let err = rd_kafka_topic_result_error(topic)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                outcome[name] = .some(nil)
            } else {
                let detail = rd_kafka_topic_result_error_string(topic).map { String(cString: $0) }
                outcome[name] = KafkaError(err, operation: operation, topic: name, detail: detail)
            }
        }
        return outcome
    }

    /// Deletes the topics; returns, per topic, nil when deleted or the
    /// broker's error (UNKNOWN_TOPIC_OR_PART for one already gone).
    func deleteTopics(_ names: [String], timeoutMs: Int) throws(KafkaError) -> [String: KafkaError?] {
        var requests: [OpaquePointer?] = names.map { rd_kafka_DeleteTopic_new($0) }
        defer { requests.forEach { rd_kafka_DeleteTopic_destroy($0) } }
        let event = try adminCall(.deleteTopics, timeoutMs: timeoutMs) { options, queue in
            requests.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_DeleteTopics(pointer, buffer.baseAddress, buffer.count, options, queue)
            }
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        guard let result = rd_kafka_event_DeleteTopics_result(event),
              let topics = rd_kafka_DeleteTopics_result_topics(result, &count) else { return [:] }
        return topicOutcomes(topics, count: count, operation: "delete topic")
    }

    /// Topic configuration as the broker reports it; topics it cannot
    /// describe are left out.
    func describeTopicConfigs(_ topics: [String], timeoutMs: Int) throws(KafkaError) -> [String: [String: String]] {
        var resources: [OpaquePointer?] = topics.map { rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, $0) }
        defer { resources.forEach { rd_kafka_ConfigResource_destroy($0) } }
        let event = try adminCall(.describeConfigs, timeoutMs: timeoutMs) { options, queue in
            resources.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_DescribeConfigs(pointer, buffer.baseAddress, buffer.count, options, queue)
            }
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        guard let result = rd_kafka_event_DescribeConfigs_result(event),
              let described = rd_kafka_DescribeConfigs_result_resources(result, &count) else { return [:] }
        var configs: [String: [String: String]] = [:]
        for index in 0..<count {
            guard let resource = described[index], rd_kafka_ConfigResource_error(resource) == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            let name = String(cString: rd_kafka_ConfigResource_name(resource))
            var entryCount = 0
            guard let entries = rd_kafka_ConfigResource_configs(resource, &entryCount) else { continue }
            var values: [String: String] = [:]
            for entryIndex in 0..<entryCount {
                guard let entry = entries[entryIndex], let value = rd_kafka_ConfigEntry_value(entry) else { continue }
                values[String(cString: rd_kafka_ConfigEntry_name(entry))] = String(cString: value)
            }
            configs[name] = values
        }
        return configs
    }

    enum AdminOperation {
        case createTopics, deleteTopics, describeConfigs

        var raw: rd_kafka_admin_op_t {
            switch self {
            case .createTopics: return RD_KAFKA_ADMIN_OP_CREATETOPICS
            case .deleteTopics: return RD_KAFKA_ADMIN_OP_DELETETOPICS
            case .describeConfigs: return RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS
            }
        }
    }

    /// Runs one Admin API request and waits for its result event (the
    /// caller destroys it).
    private func adminCall(_ operation: AdminOperation, timeoutMs: Int,
                           _ start: (OpaquePointer?, OpaquePointer?) -> Void) throws(KafkaError) -> OpaquePointer {
        let name = "\(operation)"
        guard let options = rd_kafka_AdminOptions_new(pointer, operation.raw) else {
            throw KafkaError.config("admin options for \(name)")
        }
        defer { rd_kafka_AdminOptions_destroy(options) }
        var errorText = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, Int32(timeoutMs), &errorText, errorText.count)
        if operation == .createTopics || operation == .deleteTopics {
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, Int32(timeoutMs), &errorText, errorText.count)
        }
        guard let queue = rd_kafka_queue_new(pointer) else { throw KafkaError.config("admin queue for \(name)") }
        defer { rd_kafka_queue_destroy(queue) }
        start(options, queue)
        // librdkafka always answers by the request timeout; the margin covers
        // its own scheduling.
        guard let event = rd_kafka_queue_poll(queue, Int32(timeoutMs + 5_000)) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, operation: name)
        }
        let err = rd_kafka_event_error(event)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let detail = rd_kafka_event_error_string(event).map { String(cString: $0) }
            rd_kafka_event_destroy(event)
            throw KafkaError(err, operation: name, detail: detail)
        }
        return event
    }

    /// Partition count from the cluster's metadata (never creates the topic).
    func partitionCount(of topic: String, timeoutMs: Int) throws(KafkaError) -> Int32 {
        try layout(of: topic, timeoutMs: timeoutMs).partitions
    }

    /// Partition count and the replica count of its first partition, from
    /// the cluster's metadata (never creates the topic).
    func layout(of topic: String, timeoutMs: Int) throws(KafkaError) -> (partitions: Int32, replicas: Int32) {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(pointer, 1, nil, &metadata, Int32(timeoutMs))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(err, operation: "metadata", topic: topic)
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let count = Int(metadata.pointee.topic_cnt)
        for index in 0..<count {
            guard let entry = metadata.pointee.topics?[index], let name = entry.topic, String(cString: name) == topic else { continue }
            guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(entry.err, operation: "metadata", topic: topic)
            }
            let replicas = entry.partition_cnt > 0 ? entry.partitions?[0].replica_cnt ?? 0 : 0
            return (entry.partition_cnt, replicas)
        }
        throw KafkaError(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, operation: "metadata", topic: topic,
                         detail: "no such topic; run `cass topics apply`")
    }

    /// The group's committed offset, asked by a handle that never joins.
    func committed(_ partition: TopicPartition, timeoutMs: Int) throws(KafkaError) -> Int64? {
        let list = PartitionList.make([(partition, nil)])
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_committed(pointer, list, Int32(timeoutMs))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, operation: "committed offset", topic: partition.topic, partition: partition.partition)
        }
        guard let entry = PartitionList.read(list).first else { return nil }
        guard entry.error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(entry.error, operation: "committed offset", topic: partition.topic, partition: partition.partition)
        }
        return entry.offset >= 0 ? entry.offset : nil
    }
}
