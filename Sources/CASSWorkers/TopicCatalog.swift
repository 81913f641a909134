import CASSLog
import Foundation

/// The topology as data: every topic, and which stage reads and writes
/// which topic and keeps which state. `Topics/topics.json` is generated
/// from (and tested against) this.
public enum TopicCatalog {
    /// `CASS_NAMESPACE`, when set, prefixes every topic and group name, so
    /// that several settlement runs (or tenants, or test runs) can share a
    /// cluster without seeing each other's records.
    public static let namespace: String = {
        let value = ProcessInfo.processInfo.environment["CASS_NAMESPACE"] ?? ""
        return value.isEmpty ? "" : value + "."
    }()

    public static let files = namespace + "cass.files"
    public static let records = namespace + "cass.records"
    public static let lines = namespace + "cass.lines"
    public static let billed = namespace + "cass.billed"
    public static let drafts = namespace + "cass.drafts"
    public static let invoices = namespace + "cass.invoices"
    public static let settlements = namespace + "cass.settlements"
    public static let rejections = namespace + "cass.rejections"
    public static let events = namespace + "cass.events"
    public static let state = namespace + "cass.state"
    public static let reference = namespace + "cass.reference"
    public static let deliveries = namespace + "cass.deliveries"

    public struct Partitions: Sendable {
        public var files: Int32 = 4
        public var records: Int32 = 8
        public var lines: Int32 = 8
        public var billed: Int32 = 8
        public var drafts: Int32 = 4
        public var invoices: Int32 = 4
        public var small: Int32 = 2

        public init() {}
    }

    public static func specs(_ p: Partitions = Partitions(), replication: Int16 = 1) -> [TopicSpec] {
        let week: Int64 = 7 * 24 * 3_600_000
        var specs = [
            TopicSpec(name: files, partitions: p.files, replication: replication, cleanup: .delete, retentionMs: week),
            TopicSpec(name: records, partitions: p.records, replication: replication, cleanup: .delete, retentionMs: week),
            TopicSpec(name: lines, partitions: p.lines, replication: replication, cleanup: .delete, retentionMs: week),
            TopicSpec(name: billed, partitions: p.billed, replication: replication, cleanup: .delete, retentionMs: week),
            TopicSpec(name: drafts, partitions: p.drafts, replication: replication, cleanup: .delete, retentionMs: week),
            TopicSpec(name: invoices, partitions: p.invoices, replication: replication, cleanup: .delete, retentionMs: -1),
            TopicSpec(name: settlements, partitions: p.small, replication: replication, cleanup: .delete, retentionMs: -1),
            TopicSpec(name: rejections, partitions: p.small, replication: replication, cleanup: .delete, retentionMs: -1),
            TopicSpec(name: events, partitions: p.small, replication: replication, cleanup: .delete, retentionMs: week),
            // Co-partitioned with every stage input: state of input partition
            // p lives in state partition p.
            TopicSpec(name: state, partitions: max(p.files, p.records, p.lines, p.billed, p.drafts), replication: replication, cleanup: .compact, retentionMs: -1),
            TopicSpec(name: reference, partitions: 1, replication: replication, cleanup: .compact, retentionMs: -1),
            TopicSpec(name: deliveries, partitions: p.small, replication: replication, cleanup: .delete, retentionMs: -1),
        ]
        for stage in StageName.allCases {
            specs.append(TopicSpec(name: stage.deadLetterTopic, partitions: 1, replication: replication, cleanup: .delete, retentionMs: -1))
        }
        return specs
    }
}

public enum StageName: String, Sendable, CaseIterable {
    case ingest, validate, tax, settle, number, render, notify

    public var deadLetterTopic: String { TopicCatalog.namespace + "cass.\(rawValue).dlq" }

    public var group: String { TopicCatalog.namespace + "cass-\(rawValue)" }

    public var inputTopic: String {
        switch self {
        case .ingest: TopicCatalog.files
        case .validate: TopicCatalog.records
        case .tax: TopicCatalog.lines
        case .settle: TopicCatalog.billed
        case .number: TopicCatalog.drafts
        case .render: TopicCatalog.invoices
        case .notify: TopicCatalog.events
        }
    }

    public var outputTopics: [String] {
        switch self {
        case .ingest: [TopicCatalog.records, TopicCatalog.rejections, TopicCatalog.events]
        case .validate: [TopicCatalog.lines, TopicCatalog.rejections]
        case .tax: [TopicCatalog.billed]
        case .settle: [TopicCatalog.drafts]
        case .number: [TopicCatalog.invoices, TopicCatalog.settlements, TopicCatalog.events]
        case .render: []
        case .notify: [TopicCatalog.deliveries]
        }
    }

    public var keeps: String {
        switch self {
        case .ingest: "file registry (F04) and closed periods (F08), per cass.files partition"
        case .validate: "AWB ledger: first agent and latest accepted version per (operation, AWB) (R10, R11, CCA differences)"
        case .tax: "nothing (reference data only)"
        case .settle: "invoice accumulators per (operation, period, agent, airline) and barrier progress"
        case .number: "last invoice number per (operation, year), numbered periods, pending drafts"
        case .render: "nothing (documents are written atomically, rewriting is harmless)"
        case .notify: "nothing: every delivery attempt goes to cass.deliveries, exhausted deliveries to its dead-letter topic"
        }
    }

    public var partitionedBy: String {
        switch self {
        case .ingest: "operation (country): files of one operation keep the processing order"
        case .validate: "operation + AWB (prefix + serial): every version of an AWB in its operation meets the same ledger"
        case .tax, .settle: "operation + agent: one invoice accumulates in one place"
        case .number: "operation: one gapless sequence per operation"
        case .render: "invoice number"
        case .notify: "recipient"
        }
    }

    /// `cass topics describe`.
    public static func describe() -> String {
        var out = "stage      reads              writes                                        partitioned by / keeps\n"
        for stage in allCases {
            let writes = (stage.outputTopics + [stage.deadLetterTopic]).joined(separator: ", ")
            out += stage.rawValue.padded(10) + " " + stage.inputTopic.padded(18) + " " + writes.padded(45) + " " + stage.partitionedBy + "\n"
            out += String(repeating: " ", count: 75) + " state: " + stage.keeps + "\n"
        }
        return out
    }
}

extension String {
    /// Left-aligned in a column of `width` characters (console tables).
    public func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

extension TopicCatalog {
    /// The machine-readable topology (Topics/topics.json is this, for the
    /// default partitioning and no namespace).
    public static func json(_ p: Partitions = Partitions()) -> String {
        func quote(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var out = "{\n  \"schemaVersion\": \(StageMessage.version),\n  \"topics\": [\n"
        let specs = specs(p)
        for (index, spec) in specs.enumerated() {
            out += "    {\"name\": \(quote(spec.name)), \"partitions\": \(spec.partitions), \"replication\": \(spec.replication), \"cleanup\": \(quote(spec.cleanup.rawValue)), \"retentionMs\": \(spec.retentionMs)}"
            out += index == specs.count - 1 ? "\n" : ",\n"
        }
        out += "  ],\n  \"stages\": [\n"
        for (index, stage) in StageName.allCases.enumerated() {
            out += "    {\"name\": \(quote(stage.rawValue)), \"group\": \(quote(stage.group)), \"reads\": \(quote(stage.inputTopic)), "
            out += "\"writes\": [" + stage.outputTopics.map(quote).joined(separator: ", ") + "], \"deadLetter\": \(quote(stage.deadLetterTopic)), "
            out += "\"partitionedBy\": \(quote(stage.partitionedBy)), \"state\": \(quote(stage.keeps))}"
            out += index == StageName.allCases.count - 1 ? "\n" : ",\n"
        }
        return out + "  ]\n}\n"
    }
}
