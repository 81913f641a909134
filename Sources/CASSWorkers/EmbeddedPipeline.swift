import CASSDomain
import CASSEngine
import CASSLog

/// What a settlement run produced, read back from the output topics.
public struct SettlementOutcome: Sendable {
    public var invoices: [Invoice]
    public var disbursements: [Disbursement]
    public var rejections: [Rejection]
}

/// The embedded default: every stage's worker over one in-process log,
/// driven round-robin on this thread until the log is quiet. Same workers,
/// same messages, same topics as on Kafka.
public final class EmbeddedPipeline {
    public let log: InProcessLog
    let workers: [StageWorker]
    let producer: any LogProducer
    let filePartitions: Int32

    public init(reference: ReferenceData, reader: @escaping FileReader = DefaultReaders.cbf, keepLines: Bool, partitions: TopicCatalog.Partitions = TopicCatalog.Partitions()) throws {
        log = InProcessLog()
        try log.createTopics(TopicCatalog.specs(partitions))
        workers = [
            try StageWorker(logic: IngestStage(reference: reference, reader: reader), log: log),
            try StageWorker(logic: ValidateStage(), log: log),
            try StageWorker(logic: TaxStage(reference: reference), log: log),
            try StageWorker(logic: SettleStage(reference: reference, keepLines: keepLines), log: log),
            try StageWorker(logic: NumberStage(), log: log),
        ]
        producer = try log.makeProducer()
        filePartitions = partitions.files
    }

    /// Submits files; the caller gives them in the spec's processing order.
    public func submit(_ files: [(name: String, bytes: [UInt8])]) throws {
        for file in files {
            let country = RoutingKey.operation(ofFile: file.bytes)
            try producer.send([OutgoingRecord(
                topic: TopicCatalog.files, partition: Partitioner.partition(for: country, count: filePartitions),
                key: Array(country.utf8), value: StageMessage.file(name: file.name, bytes: file.bytes).encoded())])
        }
    }

    /// Starts closing periods: a marker on the operation's file partition,
    /// behind every file submitted before it.
    public func close(_ periods: [PeriodKey]) throws {
        for period in periods.sorted() {
            try producer.send([OutgoingRecord(
                topic: TopicCatalog.files, partition: Partitioner.partition(for: period.country, count: filePartitions),
                key: Array(period.country.utf8), value: StageMessage.closeMarker(period: period, source: 0, sourceCount: 1).encoded())])
        }
    }

    /// Runs the workers until none has anything left to do.
    public func drain(progress: ((String) -> Void)? = nil) throws {
        var rounds = 0
        while true {
            var handled = 0
            for worker in workers { handled += try worker.step() }
            rounds += 1
            if let progress, rounds % 2000 == 0 {
                progress(workers.map { "\($0.logic.stage.rawValue) \($0.counters.recordsIn)" }.joined(separator: ", "))
            }
            if handled == 0 { break }
        }
    }

    public var counters: [(StageName, StageCounters)] { workers.map { ($0.logic.stage, $0.counters) } }

    /// Reads invoices, disbursements and rejections back from their topics,
    /// dropping the duplicates a replay may have written.
    public func collect() throws -> SettlementOutcome {
        try SettlementExport.collect(from: log)
    }
}

/// Reads the settlement results out of a log: the same code serves the
/// embedded run and `cass export-settlement` against a cluster.
public enum SettlementExport {
    public static func collect(from log: any Log) throws -> SettlementOutcome {
        var invoices: [String: Invoice] = [:]
        var disbursements: [String: Disbursement] = [:]
        var rejections: [String: Rejection] = [:]
        func each(_ topic: String, _ body: (StageMessage) -> Void) throws {
            for partition in 0..<(try log.partitionCount(of: topic)) {
                for record in try log.readToEnd(TopicPartition(topic: topic, partition: partition)) {
                    if let message = try? StageMessage.decode(record.value) { body(message) }
                }
            }
        }
        try each(TopicCatalog.invoices) { if case .invoice(let invoice) = $0 { invoices[invoice.number] = invoice } }
        try each(TopicCatalog.settlements) {
            if case .periodClosed(_, _, _, let list) = $0 {
                for d in list { disbursements["\(d.airlinePrefix)/\(d.country)/\(d.period)"] = d }
            }
        }
        try each(TopicCatalog.rejections) {
            if case .rejections(let list) = $0 {
                for r in list { rejections["\(r.file)\u{0}\(r.sequence)"] = r }
            }
        }
        return SettlementOutcome(
            invoices: invoices.values.sorted { $0.number < $1.number },
            disbursements: Array(disbursements.values),
            rejections: SettlementSummary.sortedRejections(Array(rejections.values)))
    }
}
