import CASSDomain
import CASSEngine
import CASSLog

/// Records a stage wants written; sent, acknowledged, and only then are
/// the inputs that caused them committed. A stage writes only through the
/// outputs its definition declares: anything else is recorded as a
/// violation and stops the worker before a byte of the batch is written.
public struct StageOutput {
    public var records: [OutgoingRecord] = []
    let layout: TopicLayout
    /// Rejections written in this batch, by code (for the metrics).
    public var rejectionsByCode: [String: Int] = [:]
    /// The first write to an undeclared topic, if any.
    private(set) var violation: String?
    /// Headers of the input record being handled that travel on with
    /// everything emitted for it (the uploaded file's id): set by the worker.
    public var carried: [LogHeader] = []

    /// Input headers that travel downstream.
    static let carriedNames: Set<String> = [FileReference.fileHeader]

    init(layout: TopicLayout) { self.layout = layout }

    mutating func count(_ message: StageMessage) {
        if case .rejections(let list) = message {
            for rejection in list { rejectionsByCode[rejection.code.rawValue, default: 0] += 1 }
        }
    }

    /// The partition count of a declared output.
    public func partitions<Key>(_ output: Output<Key>) -> Int32 { partitions(of: output.topic) }

    /// The partition count of a declared output or of the stage's input
    /// (barrier markers carry how many input partitions feed an output).
    public func partitions(of topic: Topic) -> Int32 {
        if let count = layout.counts[topic.base] { return count }
        return 1
    }

    private mutating func declared(_ topic: Topic) -> Bool {
        guard layout.declared.contains(topic.base) else {
            violation = violation ?? "the \(layout.stage.rawValue) stage wrote to \(topic.name), which its definition does not declare"
            return false
        }
        return true
    }

    /// `message` to the partition the output's routing gives `route`, with
    /// `key` as the record's key.
    public mutating func emit<Key>(_ output: Output<Key>, routedBy route: Key, key: String, _ message: StageMessage) {
        guard declared(output.topic) else { return }
        emit(output, partition: output.partition(for: route, count: partitions(of: output.topic)), key: key, message)
    }

    /// `message` to a keyed output (the key routes it).
    public mutating func emit(_ output: Output<String>, key: String, _ message: StageMessage) {
        emit(output, routedBy: key, key: key, message)
    }

    /// `message` to a partition the caller chose with `output.partition(for:count:)`
    /// (stages that group a batch by partition before encoding it).
    public mutating func emit<Key>(_ output: Output<Key>, partition: Int32, key: String, _ message: StageMessage) {
        guard declared(output.topic) else { return }
        count(message)
        records.append(OutgoingRecord(topic: output.topic.name, partition: partition, key: Array(key.utf8), value: message.encoded(), headers: carried))
    }

    /// A message already encoded (a stage that transforms bytes in place).
    public mutating func emit<Key>(_ output: Output<Key>, partition: Int32, key: [UInt8], encoded value: [UInt8]) {
        guard declared(output.topic) else { return }
        records.append(OutgoingRecord(topic: output.topic.name, partition: partition, key: key, value: value, headers: carried))
    }

    /// Raw bytes that are not a stage message (delivery logs, public
    /// events), routed by `route`, with `key` as the record's key.
    public mutating func emit(_ output: Output<String>, routedBy route: String, key: String, bytes: [UInt8], headers: [LogHeader] = []) {
        guard declared(output.topic) else { return }
        records.append(OutgoingRecord(topic: output.topic.name, partition: output.partition(for: route, count: partitions(of: output.topic)),
                                      key: Array(key.utf8), value: bytes, headers: headers + carried))
    }

    /// Rejections of one file in messages of bounded size.
    public mutating func emitRejections(_ rejections: [Rejection], file: String, to output: Output<String>) {
        for start in stride(from: 0, to: rejections.count, by: StageMessage.rejectionsPerMessage) {
            emit(output, key: file, .rejections(Array(rejections[start..<min(rejections.count, start + StageMessage.rejectionsPerMessage)])))
        }
    }

    /// The same message to every partition of an output (barrier markers).
    public mutating func broadcast<Key>(_ output: Output<Key>, key: String, _ message: StageMessage) {
        guard declared(output.topic) else { return }
        let value = message.encoded()
        for partition in 0..<partitions(of: output.topic) {
            records.append(OutgoingRecord(topic: output.topic.name, partition: partition, key: Array(key.utf8), value: value, headers: carried))
        }
    }

    /// A record the stage gave up on (beyond decoding and handling, which
    /// the worker dead-letters itself), with why and, when it came from an
    /// input record, where.
    public mutating func deadLetter(key: [UInt8], value: [UInt8], reason: String, source: LogRecord?) {
        records.append(DeadLetter.record(key: key, value: value, reason: reason, source: source, topic: layout.deadLetter))
    }
}

/// A worker's view of the topics it may write and their partition counts.
struct TopicLayout: Sendable {
    let stage: StageName
    /// Partition count by topic base name: the declared outputs and the input.
    let counts: [String: Int32]
    /// Base names of the declared outputs.
    let declared: Set<String>
    let deadLetter: String

    init(definition: StageDefinition, log: any Log) throws {
        var counts: [String: Int32] = [:]
        for topic in definition.outputs.map(\.topic) + [definition.input] {
            counts[topic.base] = try log.partitionCount(of: topic.name)
        }
        self.stage = definition.name
        self.counts = counts
        self.declared = Set(definition.outputs.map(\.topic.base))
        self.deadLetter = definition.deadLetter.name
    }
}

/// A record no stage could handle, kept with why and where it came from.
public enum DeadLetter {
    public static func record(for record: LogRecord, error: any Error, topic: String) -> OutgoingRecord {
        Self.record(key: record.key, value: record.value, reason: String(describing: error), source: record, topic: topic)
    }

    static func record(key: [UInt8], value: [UInt8], reason: String, source: LogRecord?, topic: String) -> OutgoingRecord {
        var headers = [LogHeader(name: "cass.error", text: reason)]
        if let source {
            headers += [
                LogHeader(name: "cass.source.topic", text: source.topic),
                LogHeader(name: "cass.source.partition", text: String(source.partition)),
                LogHeader(name: "cass.source.offset", text: String(source.offset)),
            ]
        }
        return OutgoingRecord(topic: topic, partition: 0, key: key, value: value, headers: headers)
    }
}
