import CASSLog
import Foundation

/// Writes the records a request causes and says where they ended: the
/// service answers a request only once the log has acknowledged its
/// records, and then waits for its views to read up to them.
public final class RecordWriter: @unchecked Sendable {
    // @unchecked: `producer` is Sendable; `counts` is behind its lock.
    let log: any Log
    let producer: any LogProducer
    private let counts = Locked<[String: Int32]>([:])

    public init(log: any Log) throws {
        self.log = log
        self.producer = try log.makeProducer()
    }

    /// A record for `topic`, placed by the shared partitioner (the same key
    /// lands in the same partition on every log and in every process).
    public func record(_ topic: String, key: String, value: [UInt8], headers: [LogHeader] = []) throws -> OutgoingRecord {
        let keyBytes = Array(key.utf8)
        return OutgoingRecord(topic: topic, partition: Partitioner.partition(for: keyBytes, count: try partitions(topic)),
                              key: keyBytes, value: value, headers: headers)
    }

    public func partitions(_ topic: String) throws -> Int32 {
        if let known = counts.withLock({ $0[topic] }) { return known }
        let count = try log.partitionCount(of: topic)
        counts.withLock { $0[topic] = count }
        return count
    }

    /// Sends and waits for the acknowledgement; returns, per partition
    /// written, the end offset after it (every record of this call lies
    /// below it), which is what a view must have read to reflect them.
    @discardableResult
    public func write(_ records: [OutgoingRecord]) throws -> ReadPosition {
        try writeLocated(records).position
    }

    /// `write`, also returning each record's offset in the order given when
    /// the log tells them as it writes (the file log; nil on Kafka).
    public func writeLocated(_ records: [OutgoingRecord]) throws -> (position: ReadPosition, offsets: [Int64]?) {
        guard !records.isEmpty else { return (ReadPosition(), []) }
        let offsets = try producer.sendLocated(records)
        var ends: [TopicPartition: Int64] = [:]
        for partition in Set(records.map { TopicPartition(topic: $0.topic, partition: $0.partition) }) {
            ends[partition] = try log.endOffset(partition)
        }
        return (ReadPosition(ends), offsets)
    }
}

/// Offsets a reader must have passed (next offset to read, per partition).
public struct ReadPosition: Sendable, Hashable {
    public var ends: [TopicPartition: Int64]

    public init(_ ends: [TopicPartition: Int64] = [:]) { self.ends = ends }

    public mutating func merge(_ other: ReadPosition) {
        for (partition, offset) in other.ends { ends[partition] = max(ends[partition] ?? 0, offset) }
    }
}
