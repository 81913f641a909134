import CASSDomain
import CASSEngine
import CASSLog
import Foundation

/// One stage alone on an in-process log, for tests (after swift-nio's
/// EmbeddedChannel): push a message into its input, get back exactly what
/// the worker wrote, and restart the worker as after a crash so that it
/// restores from what its journal wrote. The worker is the real one, built
/// by the stage's definition like every other worker.
public final class StageHarness {
    /// A record the stage wrote.
    public struct Emitted: Sendable {
        public var topic: String
        public var partition: Int32
        public var key: [UInt8]
        public var value: [UInt8]
        public var headers: [LogHeader]

        /// The value decoded as a stage message (nil for raw outputs and dead letters' damaged values).
        public var message: StageMessage? { try? StageMessage.decode(value) }
        public var keyText: String { String(decoding: key, as: UTF8.self) }
        public func header(_ name: String) -> String? { headers.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) } }
    }

    public let definition: StageDefinition
    public let environment: StageEnvironment
    public let log: InProcessLog
    public private(set) var worker: StageWorker
    let producer: any LogProducer
    /// Where reading the stage's outputs stopped, per topic partition.
    var read: [TopicPartition: Int64] = [:]
    let watched: [String]

    /// The stage's state is always journalled here (that is what `restart` restores).
    public init(_ definition: StageDefinition, environment: StageEnvironment, partitions: TopicCatalog.Partitions = TopicCatalog.Partitions()) throws {
        var environment = environment
        environment.persistState = true
        self.definition = definition
        self.environment = environment
        log = InProcessLog()
        try log.createTopics(TopicCatalog.specs(partitions, definitions: Pipeline.definitions.contains { $0.name == definition.name } ? Pipeline.definitions : Pipeline.definitions + [definition]))
        producer = try log.makeProducer()
        worker = try StageWorker(definition, environment: environment, log: log)
        watched = definition.outputs.map(\.topic.name) + [definition.deadLetter.name]
        for topic in watched {
            for partition in 0..<(try log.partitionCount(of: topic)) {
                read[TopicPartition(topic: topic, partition: partition)] = 0
            }
        }
    }

    /// Writes `message` to the stage's input and runs the worker until it
    /// has handled and committed it; returns what it wrote, in order per
    /// partition (topics in declaration order, dead letters last).
    @discardableResult
    public func push(_ message: StageMessage, partition: Int32 = 0, key: String = "") throws -> [Emitted] {
        try push(raw: message.encoded(), partition: partition, key: key)
    }

    /// The same for bytes that may not be a message at all.
    @discardableResult
    public func push(raw value: [UInt8], partition: Int32 = 0, key: String = "") throws -> [Emitted] {
        let input = TopicPartition(topic: definition.input.name, partition: partition)
        let offset = try log.endOffset(input)
        try producer.send([OutgoingRecord(topic: input.topic, partition: partition, key: Array(key.utf8), value: value)])
        var rounds = 0
        while (try log.committedOffset(group: definition.name.group, partition: input) ?? 0) <= offset {
            rounds += 1
            guard rounds <= 1000 else { throw LogError("the \(definition.name.rawValue) worker did not handle the pushed record") }
            try worker.step()
        }
        return try drain()
    }

    /// Writes `message` and runs the worker until it has handled it, not
    /// waiting for the commit: a stage that reads some input again after a
    /// restart (`ReplayingStageLogic`) holds its commit back until then.
    @discardableResult
    public func pushUncommitted(_ message: StageMessage, partition: Int32 = 0, key: String = "") throws -> [Emitted] {
        let input = TopicPartition(topic: definition.input.name, partition: partition)
        try producer.send([OutgoingRecord(topic: input.topic, partition: partition, key: Array(key.utf8), value: message.encoded())])
        var rounds = 0
        while try worker.step() == 0 {
            rounds += 1
            guard rounds <= 1000 else { throw LogError("the \(definition.name.rawValue) worker did not handle the pushed record") }
        }
        return try drain()
    }

    /// Everything the stage wrote since the last push or drain.
    public func drain() throws -> [Emitted] {
        var result: [Emitted] = []
        for topic in watched {
            for partition in 0..<(try log.partitionCount(of: topic)) {
                let tp = TopicPartition(topic: topic, partition: partition)
                let records = try log.read(tp, from: read[tp] ?? 0, maxRecords: .max)
                if let last = records.last { read[tp] = last.offset + 1 }
                result += records.map { Emitted(topic: $0.topic, partition: $0.partition, key: $0.key, value: $0.value, headers: $0.headers) }
            }
        }
        return result
    }

    /// A crash and a replacement: the worker leaves without committing
    /// anything more, and a fresh one (built by the definition) restores
    /// its state from the state topic when it is assigned the input.
    public func restart() throws {
        worker.abandon()
        worker = try StageWorker(definition, environment: environment, log: log)
        // The replacement is assigned (and restores) on its first poll.
        try worker.step()
    }

    /// The stage's journal entries in the state topic, keys without the
    /// `<stage>/<partition>/` prefix, in write order.
    public func stateEntries(partition: Int32 = 0) throws -> [(key: String, value: [UInt8])] {
        let prefix = "\(definition.name.rawValue)/\(partition)/"
        return try log.readToEnd(TopicPartition(topic: Topic.state.name, partition: partition)).compactMap { record in
            let key = String(decoding: record.key, as: UTF8.self)
            return key.hasPrefix(prefix) ? (String(key.dropFirst(prefix.count)), record.value) : nil
        }
    }

    /// Writes a raw entry into the stage's state (tests of damaged state).
    public func writeState(key: String, value: [UInt8], partition: Int32 = 0) throws {
        try producer.send([OutgoingRecord(topic: Topic.state.name, partition: partition,
                                          key: Array("\(definition.name.rawValue)/\(partition)/\(key)".utf8), value: value)])
    }
}
