import CASSLog
import Foundation

/// A topic of the pipeline, declared once: its name, default partition
/// count, cleanup and retention, what its records are keyed by and what
/// they hold. Stage definitions name topics by these values; the topic
/// list, `cass topics apply`, `cass topics describe` and
/// `Topics/topics.json` are all derived from the stage definitions.
public struct Topic: Hashable, Sendable, CustomStringConvertible {
    /// The name without the namespace, e.g. `cass.files`.
    public let base: String
    /// The name on the log: `CASS_NAMESPACE` + base (computed once).
    public let name: String
    public let defaultPartitions: Int32
    public let cleanup: TopicSpec.Cleanup
    /// -1 keeps forever.
    public let retentionMs: Int64
    public let keyedBy: String
    public let holds: String
    /// Losing it loses what cannot be recomputed (inputs, state, issued
    /// results): `cass topics apply` never makes it less replicated than a
    /// production cluster needs unless told to (`--allow-low-replication`).
    public let isCritical: Bool

    public init(base: String, partitions: Int32, cleanup: TopicSpec.Cleanup = .delete, retentionMs: Int64, keyedBy: String, holds: String, isCritical: Bool = false) {
        self.base = base
        self.name = TopicCatalog.namespace + base
        self.defaultPartitions = partitions
        self.cleanup = cleanup
        self.retentionMs = retentionMs
        self.keyedBy = keyedBy
        self.holds = holds
        self.isCritical = isCritical
    }

    public var description: String { name }

    public static func == (lhs: Topic, rhs: Topic) -> Bool { lhs.base == rhs.base }
    public func hash(into hasher: inout Hasher) { hasher.combine(base) }

    static let week: Int64 = 7 * 24 * 3_600_000
}

// The topics every stage shares whatever the pipeline: state and
// reference data. A stage's topics are declared in its own file
// (Stages/), beside the stage that writes them (or reads them, for what
// comes from outside: cass.files).
extension Topic {
    /// Co-partitioned with every stage input: the state of input partition
    /// p lives in state partition p (its partition count follows the
    /// inputs, see `TopicCatalog.partitionCount`).
    public static let state = Topic(
        base: "cass.state", partitions: 8, cleanup: .compact, retentionMs: -1, keyedBy: "<stage>/<input partition>/<entity>",
        holds: "stage state changelog with per-partition offset markers", isCritical: true)
    public static let reference = Topic(
        base: "cass.reference", partitions: 1, cleanup: .compact, retentionMs: -1, keyedBy: "file name",
        holds: "the reference CSV files as loaded by `cass reference load`", isCritical: true)
}

/// Names shared by every process of one deployment.
public enum TopicCatalog {
    /// `CASS_NAMESPACE`, when set, prefixes every topic and group name, so
    /// that several settlement runs (or tenants, or test runs) can share a
    /// cluster without seeing each other's records.
    ///
    /// The namespace and the name are joined with one dot, which the
    /// namespace may also end with: `run1` and `run1.` both give
    /// `run1.cass.files` (a trailing dot gave `run1..cass.files` before).
    public static let namespace: String = namespace(from: ProcessInfo.processInfo.environment["CASS_NAMESPACE"])

    static func namespace(from value: String?) -> String {
        var value = value ?? ""
        while value.hasSuffix(".") { value.removeLast() }
        return value.isEmpty ? "" : value + "."
    }

    // Namespaced names, for code that needs a topic's name on the log.
    public static var files: String { Topic.files.name }
    public static var records: String { Topic.records.name }
    public static var lines: String { Topic.lines.name }
    public static var billed: String { Topic.billed.name }
    public static var drafts: String { Topic.drafts.name }
    public static var invoices: String { Topic.invoices.name }
    public static var settlements: String { Topic.settlements.name }
    public static var rejections: String { Topic.rejections.name }
    public static var events: String { Topic.events.name }
    public static var state: String { Topic.state.name }
    public static var reference: String { Topic.reference.name }
    public static var deliveries: String { Topic.deliveries.name }

    /// Partition counts that differ from the topics' defaults (tests run
    /// the same data over other layouts; results must not change).
    public struct Partitions: Sendable {
        var counts: [String: Int32] = [:]

        public init() {}

        public subscript(topic: Topic) -> Int32 {
            get { counts[topic.base] ?? topic.defaultPartitions }
            set { counts[topic.base] = newValue }
        }

        public var files: Int32 { get { self[.files] } set { self[.files] = newValue } }
        public var records: Int32 { get { self[.records] } set { self[.records] = newValue } }
        public var lines: Int32 { get { self[.lines] } set { self[.lines] = newValue } }
        public var billed: Int32 { get { self[.billed] } set { self[.billed] = newValue } }
        public var drafts: Int32 { get { self[.drafts] } set { self[.drafts] = newValue } }
        public var invoices: Int32 { get { self[.invoices] } set { self[.invoices] = newValue } }
    }

    /// How topics are replicated on a cluster (`cass topics apply`).
    public struct Replication: Sendable, Equatable {
        public var factor: Int16
        public var minInSync: Int16

        public init(factor: Int16, minInSync: Int16) {
            self.factor = factor
            self.minInSync = minInSync
        }

        /// One copy: the embedded log and the test broker.
        public static let single = Replication(factor: 1, minInSync: 1)
        /// What a production cluster needs: three copies, a write
        /// acknowledged by two (one broker may fail without losing anything).
        public static let production = Replication(factor: 3, minInSync: 2)

        /// What `cass topics apply` uses: `factor` copies (default 3),
        /// `minInSync` in sync (default 2 from 3 copies, else 1), for every
        /// topic; the critical ones keep at least `production` unless
        /// `allowLow`. Throws a sentence when the numbers cannot work.
        public static func resolve(factor: Int16?, minInSync: Int16?, allowLow: Bool) throws -> (all: Replication, critical: Replication) {
            let factor = factor ?? production.factor
            let minInSync = minInSync ?? (factor >= 3 ? 2 : 1)
            guard factor >= 1, minInSync >= 1 else { throw StageConfigurationError("replication and min.insync.replicas must be at least 1") }
            guard minInSync <= factor else {
                throw StageConfigurationError("min.insync.replicas \(minInSync) is more than the \(factor) copies: no write could ever be acknowledged")
            }
            let asked = Replication(factor: factor, minInSync: minInSync)
            if allowLow { return (asked, asked) }
            return (asked, Replication(factor: max(factor, production.factor), minInSync: max(minInSync, production.minInSync)))
        }
    }

    /// Every topic of the pipeline: what the stage definitions read and
    /// write, then state and reference data, then one dead-letter topic per
    /// stage; in that order, each once.
    public static func topics(_ definitions: [StageDefinition] = Pipeline.definitions) -> [Topic] {
        var seen: Set<String> = []
        var topics: [Topic] = []
        func add(_ topic: Topic) {
            if seen.insert(topic.base).inserted { topics.append(topic) }
        }
        for definition in definitions {
            add(definition.input)
            for topic in definition.reads { add(topic) }
            for output in definition.outputs { add(output.topic) }
        }
        add(.state)
        add(.reference)
        for definition in definitions { add(definition.deadLetter) }
        return topics
    }

    /// A topic's partition count in a layout; the state topic has as many
    /// partitions as the largest stage input.
    public static func partitionCount(_ topic: Topic, _ partitions: Partitions, definitions: [StageDefinition] = Pipeline.definitions) -> Int32 {
        guard topic == .state else { return partitions[topic] }
        return definitions.map { partitions[$0.input] }.max() ?? partitions[topic]
    }

    /// The topics as the log creates them; critical ones (`Topic.isCritical`)
    /// replicated as `critical` says (by default like the others).
    public static func specs(_ partitions: Partitions = Partitions(), replication: Replication = .single, critical: Replication? = nil,
                             definitions: [StageDefinition] = Pipeline.definitions) -> [TopicSpec] {
        topics(definitions).map { topic in
            let copies = topic.isCritical ? critical ?? replication : replication
            return TopicSpec(name: topic.name, partitions: partitionCount(topic, partitions, definitions: definitions), replication: copies.factor,
                             cleanup: topic.cleanup, retentionMs: topic.retentionMs, minInSyncReplicas: copies.minInSync)
        }
    }

    /// `cass topics describe --json`; `Topics/topics.json` is this for the
    /// default layout and no namespace (a test keeps them equal).
    public static func json(_ partitions: Partitions = Partitions(), definitions: [StageDefinition] = Pipeline.definitions) -> String {
        func quote(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var out = "{\n  \"schemaVersion\": \(StageMessage.version),\n  \"topics\": [\n"
        let list = topics(definitions)
        for (index, topic) in list.enumerated() {
            out += "    {\"name\": \(quote(topic.name)), \"partitions\": \(partitionCount(topic, partitions, definitions: definitions)), "
            out += "\"cleanup\": \(quote(topic.cleanup.rawValue)), \"retentionMs\": \(topic.retentionMs), \"critical\": \(topic.isCritical), "
            out += "\"key\": \(quote(topic.keyedBy)), \"holds\": \(quote(topic.holds))}"
            out += index == list.count - 1 ? "\n" : ",\n"
        }
        out += "  ],\n  \"stages\": [\n"
        for (index, stage) in definitions.enumerated() {
            out += "    {\"name\": \(quote(stage.name.rawValue)), \"group\": \(quote(stage.name.group)), \"reads\": \(quote(stage.input.name)), "
            if !stage.reads.isEmpty { out += "\"readsByOffset\": [" + stage.reads.map { quote($0.name) }.joined(separator: ", ") + "], " }
            out += "\"writes\": [" + stage.outputs.map { "{\"topic\": \(quote($0.topic.name)), \"routedBy\": \(quote($0.routedBy))}" }.joined(separator: ", ") + "], "
            out += "\"deadLetter\": \(quote(stage.deadLetter.name)), \"partitionedBy\": \(quote(stage.partitionedBy)), \"state\": \(quote(stage.keeps))}"
            out += index == definitions.count - 1 ? "\n" : ",\n"
        }
        return out + "  ]\n}\n"
    }

    /// `cass topics describe`: every stage, then every topic.
    public static func describe(_ partitions: Partitions = Partitions(), definitions: [StageDefinition] = Pipeline.definitions) -> String {
        var out = "stage      reads              writes (routed by)\n"
        for stage in definitions {
            out += stage.name.rawValue.padded(10) + " " + stage.input.name.padded(18) + " "
            let writes = stage.outputs.map { "\($0.topic.name) (\($0.routedBy))" } + ["\(stage.deadLetter.name) (dead letters)"]
            out += writes.joined(separator: "\n" + String(repeating: " ", count: 30)) + "\n"
            if !stage.reads.isEmpty {
                out += String(repeating: " ", count: 11) + "also reads by offset: " + stage.reads.map(\.name).joined(separator: ", ") + "\n"
            }
            out += String(repeating: " ", count: 11) + "input partitioned by: " + stage.partitionedBy + "\n"
            out += String(repeating: " ", count: 11) + "state: " + stage.keeps + "\n\n"
        }
        out += "topic                    partitions  cleanup  retention  key\n"
        for topic in topics(definitions) {
            let retention = topic.retentionMs < 0 ? "forever" : "\(topic.retentionMs / 3_600_000) h"
            out += topic.name.padded(24) + " " + String(partitionCount(topic, partitions, definitions: definitions)).padded(11) + " "
            out += topic.cleanup.rawValue.padded(8) + " " + retention.padded(10) + " " + topic.keyedBy + "\n"
        }
        return out
    }
}

extension String {
    /// Left-aligned in a column of `width` characters (console tables).
    public func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
