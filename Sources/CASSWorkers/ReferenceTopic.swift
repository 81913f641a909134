import CASSDomain
import CASSEngine
import CASSLog
import Foundation

/// Reference data in the cluster: the four CSV files of the reference
/// folder, each one record of the compacted `cass.reference` topic keyed by
/// its file name. Loading validates the folder first: bad reference data
/// never reaches the topic. Workers read the latest of each file at start.
public enum ReferenceTopic {
    public static let files = ["operations.csv", "airlines.csv", "agents.csv", "tax-rules.csv"]

    public static func publish(directory: URL, log: any Log) throws -> ReferenceData {
        let reference = try ReferenceLoader.load(directory: directory)
        var records: [OutgoingRecord] = []
        for name in files {
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else {
                throw LogError("cannot read \(directory.appendingPathComponent(name).path)")
            }
            records.append(OutgoingRecord(topic: TopicCatalog.reference, partition: 0, key: Array(name.utf8), value: [UInt8](data)))
        }
        let producer = try log.makeProducer()
        defer { producer.close() }
        try producer.send(records)
        return reference
    }

    public static func load(from log: any Log) throws -> ReferenceData {
        var latest: [String: [UInt8]] = [:]
        for record in try log.readToEnd(TopicPartition(topic: TopicCatalog.reference, partition: 0)) {
            latest[String(decoding: record.key, as: UTF8.self)] = record.value
        }
        let missing = files.filter { latest[$0] == nil }
        guard missing.isEmpty else {
            throw LogError("no reference data in \(TopicCatalog.reference) (missing \(missing.joined(separator: ", "))): run `cass reference load DIR` first")
        }
        return try ReferenceLoader.parse(
            operations: (latest["operations.csv"] ?? [], "cass.reference:operations.csv"),
            airlines: (latest["airlines.csv"] ?? [], "cass.reference:airlines.csv"),
            agents: (latest["agents.csv"] ?? [], "cass.reference:agents.csv"),
            taxRules: (latest["tax-rules.csv"] ?? [], "cass.reference:tax-rules.csv"))
    }
}

/// Submitting files and close commands to a log: what `cass submit` and
/// `cass close-period` do, shared with the embedded pipeline's shape.
public enum Submission {
    /// Files up to this size travel inside the message; larger ones as a
    /// path every ingest worker can read (Kafka's default message limit is 1 MB).
    public static let inlineBytesMax = 512 * 1024

    /// A message for cass.files, on its operation's partition: files of an
    /// operation keep their order, and its period closes follow them.
    public static func record(_ message: StageMessage, operation: String, partitions: Int32) -> OutgoingRecord {
        OutgoingRecord(topic: Topic.files.name, partition: Partitioner.partition(for: operation, count: partitions),
                       key: Array(operation.utf8), value: message.encoded())
    }

    /// `record`, once its value is known to read back as itself: what the
    /// ingest stage and the service's views decode. A value they could not
    /// read would go to the dead-letter topic unbilled, or stop the views
    /// (their state would be wrong), at every start; refused here, it fails
    /// only the request that made it. The service writes cass.files this way
    /// (uploads, withdrawals, dry runs, close markers, memos), as it does its
    /// accounts and identity records.
    public static func checkedRecord(_ message: StageMessage, operation: String, partitions: Int32) throws -> OutgoingRecord {
        let made = record(message, operation: operation, partitions: partitions)
        let back: StageMessage
        do {
            back = try StageMessage.decode(made.value)
        } catch {
            throw ReadBackFailure(description: "a \(message.kind) message for cass.files would not read back (\(error)); not written")
        }
        guard back.encoded() == made.value else {
            throw ReadBackFailure(description: "a \(message.kind) message for cass.files would read back changed; not written")
        }
        return made
    }

    public struct ReadBackFailure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func submit(_ files: [FolderSettlement.InputFile], log: any Log) throws {
        let partitions = try log.partitionCount(of: TopicCatalog.files)
        let producer = try log.makeProducer()
        defer { producer.close() }
        // One send per few megabytes: the producer keeps each partition's
        // order within a send, and one acknowledgement wait beats one per file.
        var pending: [OutgoingRecord] = []
        var pendingBytes = 0
        for file in files {
            let message: StageMessage
            if file.size <= inlineBytesMax, let data = FileManager.default.contents(atPath: file.path) {
                message = .file(name: file.name, bytes: [UInt8](data))
            } else {
                message = .fileAt(name: file.name, path: URL(fileURLWithPath: file.path).standardizedFileURL.path)
            }
            let record = record(message, operation: file.summary.operation, partitions: partitions)
            pending.append(record)
            pendingBytes += record.value.count
            if pendingBytes > 8 << 20 {
                try producer.send(pending)
                pending = []
                pendingBytes = 0
            }
        }
        if !pending.isEmpty { try producer.send(pending) }
    }

    public static func close(_ periods: [PeriodKey], log: any Log) throws {
        let partitions = try log.partitionCount(of: TopicCatalog.files)
        let producer = try log.makeProducer()
        defer { producer.close() }
        try producer.send(periods.sorted().map { period in
            record(.closeMarker(period: period, source: 0, sourceCount: 1), operation: period.country, partitions: partitions)
        })
    }
}

/// What `cass status` shows: lag per stage and partition, each stage's
/// total, periods open and closed.
public struct ClusterStatus: Sendable {
    public struct Lag: Sendable {
        public var stage: StageName
        public var partition: TopicPartition
        public var committed: Int64
        public var end: Int64
        public var lag: Int64 { max(0, end - committed) }
    }

    public var lags: [Lag]
    public var closedPeriods: [PeriodKey]
    /// Periods with an accepted file that are not closed yet.
    public var openPeriods: [PeriodKey] = []

    public var totalLag: Int64 { lags.reduce(0) { $0 + $1.lag } }

    /// Lag summed per stage, in pipeline order.
    public var lagPerStage: [(stage: StageName, lag: Int64)] {
        var order: [StageName] = []
        var sums: [StageName: Int64] = [:]
        for lag in lags {
            if sums[lag.stage] == nil { order.append(lag.stage) }
            sums[lag.stage, default: 0] += lag.lag
        }
        return order.map { ($0, sums[$0] ?? 0) }
    }

    /// Every stage of the pipeline by default.
    public static func read(from log: any Log, stages: [StageDefinition] = Pipeline.definitions) throws -> ClusterStatus {
        var lags: [Lag] = []
        for stage in stages {
            let topic = stage.input.name
            for partition in 0..<(try log.partitionCount(of: topic)) {
                let tp = TopicPartition(topic: topic, partition: partition)
                let end = try log.endOffset(tp)
                let committed = try log.committedOffset(group: stage.name.group, partition: tp) ?? 0
                lags.append(Lag(stage: stage.name, partition: tp, committed: committed, end: end))
            }
        }
        let closed = try closedPeriods(from: log)
        var open: Set<PeriodKey> = []
        for record in try log.readTopicToEnd(TopicCatalog.events) {
            if case .fileOutcome(let outcome)? = try? StageMessage.decode(record.value), outcome.accepted,
               let period = BillingPeriod(yyyymmnn: Int(outcome.period) ?? 0) {
                open.insert(PeriodKey(country: outcome.country, period: period))
            }
        }
        var status = ClusterStatus(lags: lags, closedPeriods: closed)
        status.openPeriods = open.subtracting(closed).sorted()
        return status
    }

    /// The periods whose invoices have been issued (cass.settlements).
    public static func closedPeriods(from log: any Log) throws -> [PeriodKey] {
        var closed: Set<PeriodKey> = []
        for record in try log.readTopicToEnd(TopicCatalog.settlements) {
            if case .periodClosed(let period, _, _, _)? = try? StageMessage.decode(record.value) { closed.insert(period) }
        }
        return closed.sorted()
    }

    public func render() -> String {
        var out = "stage      lag (records not yet handled)\n"
        for (stage, lag) in lagPerStage {
            out += stage.rawValue.padded(10) + " " + String(lag) + "\n"
        }
        out += "\nstage      topic[partition]       committed        end        lag\n"
        for lag in lags {
            out += lag.stage.rawValue.padded(10) + " " + lag.partition.description.padded(20) + " " + String(lag.committed).padded(10) + " " + String(lag.end).padded(10) + " " + String(lag.lag) + "\n"
        }
        out += "total lag: \(totalLag)\n"
        out += "periods open (files accepted, not closed): " + (openPeriods.isEmpty ? "none" : openPeriods.map(\.description).joined(separator: ", ")) + "\n"
        out += "periods closed: " + (closedPeriods.isEmpty ? "none" : closedPeriods.map(\.description).joined(separator: ", ")) + "\n"
        return out
    }
}
