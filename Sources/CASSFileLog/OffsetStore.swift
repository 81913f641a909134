import CASSLog
import Foundation

/// Committed offsets of consumer groups, kept the way Kafka keeps them: as
/// records of a compacted log (`DIR/offsets`), one per (group, topic,
/// partition), the latest winning. Read whole at open into a map; a commit
/// appends and, with `.synced` commit durability, returns once fsync'd.
///
/// Record key: u16 group length, group, u16 topic length, topic, i32
/// partition (little-endian); value: i64 offset.
final class OffsetStore: @unchecked Sendable {
    // @unchecked: `committed` is guarded by `lock`, which also keeps the
    // map's order of updates the same as the log's.
    static let topicLabel = "(committed offsets)"
    let log: PartitionLog
    private let lock = NSLock()
    private var committed: [String: [TopicPartition: Int64]] = [:]

    init(log: PartitionLog) throws {
        self.log = log
        var cursor: ReadCursor?
        var from: Int64 = 0
        while true {
            let (records, next) = try log.read(from: from, maxRecords: 10_000, maxBytes: 4 << 20, cursor: cursor)
            guard let last = records.last else { break }
            for record in records {
                let (group, partition) = try OffsetStore.decodeKey(record.key, offset: record.offset)
                guard record.value.count == 8 else {
                    throw LogError("file log: committed offset record \(record.offset) has a value of \(record.value.count) bytes, not 8")
                }
                committed[group, default: [:]][partition] = record.value.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
            }
            from = last.offset + 1
            cursor = next
        }
    }

    static func encodeKey(group: String, partition: TopicPartition) -> [UInt8] {
        var key: [UInt8] = []
        let groupBytes = Array(group.utf8), topicBytes = Array(partition.topic.utf8)
        Frame.appendInteger(UInt16(groupBytes.count), to: &key)
        key += groupBytes
        Frame.appendInteger(UInt16(topicBytes.count), to: &key)
        key += topicBytes
        Frame.appendInteger(partition.partition, to: &key)
        return key
    }

    static func decodeKey(_ key: [UInt8], offset: Int64) throws -> (String, TopicPartition) {
        let bad = LogError("file log: committed offset record \(offset) has a malformed key")
        return try key.withUnsafeBytes { raw in
            var at = 0
            func text() throws -> String {
                guard at + 2 <= raw.count else { throw bad }
                let count = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
                guard at + 2 + count <= raw.count else { throw bad }
                defer { at += 2 + count }
                return String(decoding: UnsafeRawBufferPointer(rebasing: raw[(at + 2)..<(at + 2 + count)]), as: UTF8.self)
            }
            let group = try text(), topic = try text()
            guard at + 4 == raw.count else { throw bad }
            return (group, TopicPartition(topic: topic, partition: Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self))))
        }
    }

    func commit(group: String, offsets: [TopicPartition: Int64]) throws {
        guard !offsets.isEmpty else { return }
        guard !group.isEmpty, group.utf8.count <= 1024 else { throw LogError("file log: group name must be 1 to 1024 bytes") }
        var batch = EncodedBatch()
        let now = wallClockMs()
        let sorted = offsets.sorted(by: { $0.key < $1.key })
        for (index, (partition, offset)) in sorted.enumerated() {
            var value: [UInt8] = []
            Frame.appendInteger(offset, to: &value)
            let record = OutgoingRecord(topic: "", partition: 0, key: OffsetStore.encodeKey(group: group, partition: partition), value: value)
            batch.frames.append(Frame.append(record, timestampMs: now, endOfBatch: index == sorted.count - 1, to: &batch.bytes))
        }
        let end = try lock.withLock {
            let end = try log.append(&batch)
            for (partition, offset) in offsets { committed[group, default: [:]][partition] = offset }
            return end
        }
        if case .synced = log.config.durability { try log.waitSynced(through: end) }
    }

    /// Every committed offset.
    var all: [(group: String, partition: TopicPartition, offset: Int64)] {
        lock.withLock { committed.flatMap { group, offsets in offsets.map { (group, $0.key, $0.value) } } }
    }

    func offset(group: String, partition: TopicPartition) -> Int64? {
        lock.withLock { committed[group]?[partition] }
    }
}
