/// The log abstraction every worker speaks: topics split into partitions of
/// ordered, offset-numbered records; producers whose `send` returns only
/// once the records are durable; consumers in groups that commit the next
/// offset to read. The in-process log and Kafka are two implementations;
/// workers and the engine never know which one they run on.

public struct TopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    public var description: String { "\(topic)[\(partition)]" }
}

public struct LogHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }

    public init(name: String, text: String) {
        self.name = name
        self.value = Array(text.utf8)
    }
}

/// A record as read from the log.
public struct LogRecord: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]
    public var value: [UInt8]
    public var headers: [LogHeader]

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8], value: [UInt8], headers: [LogHeader] = []) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    public func header(_ name: String) -> [UInt8]? { headers.first { $0.name == name }?.value }
}

/// A record to write. The partition is always chosen by the caller (with
/// `Partitioner`), so that the in-process log and Kafka place every key
/// identically and results do not depend on the transport.
public struct OutgoingRecord: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var key: [UInt8]
    public var value: [UInt8]
    public var headers: [LogHeader]

    public init(topic: String, partition: Int32, key: [UInt8], value: [UInt8], headers: [LogHeader] = []) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
    }
}

/// How a topic is declared (see `Topics/`).
public struct TopicSpec: Sendable, Hashable {
    public enum Cleanup: String, Sendable { case delete, compact }

    public var name: String
    public var partitions: Int32
    public var replication: Int16
    public var cleanup: Cleanup
    /// -1 keeps forever.
    public var retentionMs: Int64
    /// Replicas that must have a record before a write is acknowledged
    /// (`min.insync.replicas`); meaningful on a replicated cluster only.
    public var minInSyncReplicas: Int16

    public init(name: String, partitions: Int32, replication: Int16 = 1, cleanup: Cleanup = .delete, retentionMs: Int64 = 7 * 24 * 3_600_000,
                minInSyncReplicas: Int16 = 1) {
        self.name = name
        self.partitions = partitions
        self.replication = replication
        self.cleanup = cleanup
        self.retentionMs = retentionMs
        self.minInSyncReplicas = minInSyncReplicas
    }
}

public struct LogError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// Transient errors are retried with backoff; others are not.
    public var isTransient: Bool

    public init(_ message: String, isTransient: Bool = false) {
        self.message = message
        self.isTransient = isTransient
    }

    public var description: String { message }
}

public protocol LogProducer: Sendable {
    /// Writes the records and returns once every one is acknowledged.
    /// Records to one partition keep their order.
    func send(_ records: [OutgoingRecord]) throws
    /// Writes like `send` and returns each record's offset, in the order
    /// given, or nil from a log that does not learn them when it writes
    /// (Kafka acknowledges a send, not where each record went): a writer
    /// that needs them then reads them back.
    func sendLocated(_ records: [OutgoingRecord]) throws -> [Int64]?
    func close()
}

extension LogProducer {
    public func sendLocated(_ records: [OutgoingRecord]) throws -> [Int64]? {
        try send(records)
        return nil
    }
}

/// Told when the group hands partitions to this member or takes them away.
/// `assigned` runs before any record of those partitions is returned by
/// `poll`, so a worker restores its state there; `revoked` runs while
/// committing the revoked partitions is still possible.
public protocol RebalanceListener: AnyObject, Sendable {
    func assigned(_ partitions: [TopicPartition], consumer: any LogConsumer)
    func revoked(_ partitions: [TopicPartition], consumer: any LogConsumer)
}

public protocol LogConsumer: AnyObject, Sendable {
    /// Up to `maxRecords` records, waiting at most `timeoutMs` for the first.
    func poll(maxRecords: Int, timeoutMs: Int) throws -> [LogRecord]
    /// Commits `offset` = the next offset to read, per partition.
    func commit(_ offsets: [TopicPartition: Int64]) throws
    var assignment: [TopicPartition] { get }
    /// Leaves the group after committing what was stored.
    func close()
}

/// A log: the factory of producers, consumers and readers of one cluster.
public protocol Log: Sendable {
    func createTopics(_ specs: [TopicSpec]) throws
    func partitionCount(of topic: String) throws -> Int32
    func makeProducer() throws -> any LogProducer
    func makeConsumer(group: String, topics: [String], listener: (any RebalanceListener)?) throws -> any LogConsumer
    /// Every record of one partition from the earliest retained offset up to
    /// the end as it is now: how state is restored from a compacted topic.
    func readToEnd(_ partition: TopicPartition) throws -> [LogRecord]
    /// Random access without a group: up to `maxRecords` records of one
    /// partition, in offset order, the first at the first retained offset
    /// at or after `offset`. Fewer when the partition ends first (its end
    /// as it is now: never waits for more); none when `offset` is at or
    /// past the end. Compacted topics may skip offsets. How ingest reads an
    /// uploaded file's chunks.
    func read(_ partition: TopicPartition, from offset: Int64, maxRecords: Int) throws -> [LogRecord]
    /// The next offset that will be written to the partition.
    func endOffset(_ partition: TopicPartition) throws -> Int64
    /// The group's committed offset of the partition, or nil.
    func committedOffset(group: String, partition: TopicPartition) throws -> Int64?
    /// Whether every reader of this log runs on this machine (the embedded
    /// file log, whose folder one process holds): then a record may name a
    /// file beside the log, as the service's stored uploads do. False for
    /// a cluster, whose readers share no disk.
    var isLocalToThisMachine: Bool { get }
}

/// Deterministic key → partition mapping shared by every implementation
/// (FNV-1a 32-bit over the key's bytes): the same key lands in the same
/// partition everywhere.
public enum Partitioner {
    public static func partition(for key: [UInt8], count: Int32) -> Int32 {
        var hash = FNV1a()
        hash.mix(bytes: key)
        return hash.partition(among: count)
    }

    public static func partition(for key: String, count: Int32) -> Int32 {
        var hash = FNV1a()
        hash.mix(bytes: key.utf8)
        return hash.partition(among: count)
    }
}

extension Log {
    public var isLocalToThisMachine: Bool { false }

    /// Several partitions read to their ends; implementations may read them
    /// together (one assignment, one stream of fetches) rather than in turn.
    public func readToEnd(partitions: [TopicPartition]) throws -> [TopicPartition: [LogRecord]] {
        var result: [TopicPartition: [LogRecord]] = [:]
        for partition in partitions { result[partition] = try readToEnd(partition) }
        return result
    }

    /// Every partition of a topic, read to its end, in partition order.
    public func readTopicToEnd(_ topic: String) throws -> [LogRecord] {
        let partitions = (0..<(try partitionCount(of: topic))).map { TopicPartition(topic: topic, partition: $0) }
        let read = try readAllToEnd(partitions)
        return partitions.flatMap { read[$0] ?? [] }
    }

    /// Dispatches to a type's own batch read when it has one.
    public func readAllToEnd(_ partitions: [TopicPartition]) throws -> [TopicPartition: [LogRecord]] {
        if let batch = self as? any BatchReadingLog { return try batch.readManyToEnd(partitions) }
        return try readToEnd(partitions: partitions)
    }
}

/// A log that reads many partitions at once faster than one by one.
public protocol BatchReadingLog: Log {
    func readManyToEnd(_ partitions: [TopicPartition]) throws -> [TopicPartition: [LogRecord]]
}
