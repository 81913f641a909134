import CASSLog
import Foundation

/// The part of librdkafka's statistics JSON (`statistics.interval.ms`) that
/// OpenCASS reports: consumer lag and offsets per partition.
public struct KafkaStatistics: Sendable, Hashable {
    public struct Partition: Sendable, Hashable {
        /// Records between the committed offset and the high watermark;
        /// nil while librdkafka does not know it yet.
        public var consumerLag: Int64?
        public var highWatermark: Int64?
        public var committedOffset: Int64?
    }

    /// librdkafka's handle name, e.g. `cass#consumer-1`.
    public var name: String
    /// `consumer` or `producer`.
    public var type: String
    /// Messages waiting in librdkafka's queues.
    public var queuedMessages: Int64
    public var partitions: [TopicPartition: Partition]

    public static func parse(_ json: Data) -> KafkaStatistics? {
        guard let root = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else { return nil }
        var partitions: [TopicPartition: Partition] = [:]
        let topics = root["topics"] as? [String: Any] ?? [:]
        for (topicName, topicValue) in topics {
            guard let topic = topicValue as? [String: Any], let parts = topic["partitions"] as? [String: Any] else { continue }
            for (_, partValue) in parts {
                guard let part = partValue as? [String: Any], let number = int64(part["partition"]), number >= 0 else { continue }
                // Partitions this client does not fetch have fetch_state "none".
                if let fetchState = part["fetch_state"] as? String, fetchState == "none", root["type"] as? String == "consumer" {
                    continue
                }
                partitions[TopicPartition(topic: topicName, partition: Int32(clamping: number))] = Partition(
                    consumerLag: nonNegative(part["consumer_lag"]),
                    highWatermark: nonNegative(part["hi_offset"]),
                    committedOffset: nonNegative(part["committed_offset"]))
            }
        }
        return KafkaStatistics(name: root["name"] as? String ?? "", type: root["type"] as? String ?? "",
                               queuedMessages: int64(root["msg_cnt"]) ?? 0, partitions: partitions)
    }

    private static func int64(_ value: Any?) -> Int64? {
        (value as? NSNumber)?.int64Value
    }

    /// librdkafka writes -1 (or -1001) for "not known".
    private static func nonNegative(_ value: Any?) -> Int64? {
        guard let number = int64(value), number >= 0 else { return nil }
        return number
    }
}
