import CASSDomain
import CASSEngine
import CASSLog
import CASSOneRecord
import Foundation

/// How a stage recognises a billing file's format and reads it. The CBF
/// reader is the default; the ONE Record XML reader plugs in here.
public typealias FileReader = Ingestion.Reader

public enum DefaultReaders {
    public static let cbf: FileReader = { bytes, name, periods in
        CBFReader.read(buffer: bytes, fileName: name, periodsPerMonth: periods)
    }

    /// CBF or ONE Record XML, recognised by content.
    public static let any: FileReader = { bytes, name, periods in
        BillingFileReader.read(bytes: bytes, fileName: name, periodsPerMonth: periods)
    }
}

/// Partition keys, shared by the stages and the submitter.
public enum RoutingKey {
    /// FNV-1a over (prefix, serial) as little-endian bytes, with no
    /// allocation: this runs once per record.
    @inline(__always)
    public static func awbPartition(prefix: Int32, serial: Int32, count: Int32) -> Int32 {
        var hash: UInt32 = 2_166_136_261
        for value in [UInt32(bitPattern: prefix), UInt32(bitPattern: serial)] {
            for shift in stride(from: 0, to: 32, by: 8) {
                hash ^= (value >> UInt32(shift)) & 0xFF
                hash = hash &* 16_777_619
            }
        }
        return Int32(hash % UInt32(count))
    }

    /// FNV-1a over the country's bytes and the agent code: one invoice, one partition.
    @inline(__always)
    public static func agentPartition(country: String, agent: Int64, count: Int32) -> Int32 {
        var hash: UInt32 = 2_166_136_261
        for byte in country.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        let value = UInt64(bitPattern: agent)
        for shift in stride(from: 0, to: 64, by: 8) {
            hash ^= UInt32((value >> UInt64(shift)) & 0xFF)
            hash = hash &* 16_777_619
        }
        return Int32(hash % UInt32(count))
    }

    /// The operation a file claims, for routing only (the reader decides
    /// whether the claim holds): CBF positions 15-16, or the XML envelope's
    /// `operation` element.
    public static func operation(ofFile bytes: [UInt8]) -> String {
        let first = bytes.first { $0 != 0xEF && $0 != 0xBB && $0 != 0xBF && $0 != 32 && $0 != 10 && $0 != 13 && $0 != 9 }
        if first == UInt8(ascii: "<") {
            let needle = Array("operation>".utf8)
            let limit = min(bytes.count, 1 << 16)
            var index = 0
            while index + needle.count + 2 <= limit {
                if bytes[index] == needle[0], Array(bytes[index..<(index + needle.count)]) == needle {
                    let start = index + needle.count
                    return String(decoding: bytes[start..<(start + 2)], as: UTF8.self)
                }
                index += 1
            }
            return ""
        }
        guard bytes.count >= 16 else { return "" }
        return String(decoding: bytes[14..<16], as: UTF8.self)
    }
}

// MARK: ingest

/// Reads files, applies the file-level checks and the history-free record
/// checks, and routes surviving records to their AWB's partition.
public final class IngestStage: StageLogic {
    public let stage = StageName.ingest
    let reference: ReferenceData
    let reader: FileReader
    var registries: [Int32: FileRegistry] = [:]
    var closed: [Int32: Set<PeriodKey>] = [:]

    public init(reference: ReferenceData, reader: @escaping FileReader = DefaultReaders.any) {
        self.reference = reference
        self.reader = reader
    }

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        switch message {
        case .file(let name, let bytes):
            bytes.withUnsafeBytes { ingest($0, name: name, record: record, output: &output) }
        case .fileAt(let name, let path):
            // Large files travel as a path to the shared spool, not as bytes;
            // mapping them avoids a copy of a file that may be 100 MB.
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
            } catch {
                throw DecodingFailure("cannot read submitted file \(name) at \(path): \(error)")
            }
            data.withUnsafeBytes { ingest($0, name: name, record: record, output: &output) }
        case .closeMarker(let period, _, _):
            closed[record.partition, default: []].insert(period)
            output.broadcast(TopicCatalog.records, key: period.description, .closeMarker(period: period, source: record.partition, sourceCount: 1))
        default:
            throw DecodingFailure("the ingest stage does not take this message")
        }
    }

    func ingest(_ bytes: UnsafeRawBufferPointer, name: String, record: LogRecord, output: inout StageOutput) {
        var registry = registries[record.partition] ?? FileRegistry()
        // The file's offset in its operation's partition is its place in
        // the processing order: stable across replays.
        let result = Ingestion.ingest(bytes: bytes, fileName: name, fileOrdinal: record.offset + 1, reference: reference,
                                      closedPeriods: closed[record.partition] ?? [], registry: &registry, reader: reader)
        registries[record.partition] = registry
        emit(result, output: &output)
    }

    func emit(_ result: IngestionResult, output: inout StageOutput) {
        if let rejection = result.fileRejection {
            output.emit(TopicCatalog.rejections, key: result.fileName, .rejections([rejection]))
            output.emit(TopicCatalog.events, key: result.identity.airline, .fileOutcome(FileOutcome(
                file: result.fileName, airline: result.identity.airline, country: result.identity.country, period: result.identity.period,
                accepted: false, code: rejection.code.rawValue, message: rejection.problem.message, recordsPassed: 0, recordsRejected: 0)))
            return
        }
        if !result.recordRejections.isEmpty {
            output.emit(TopicCatalog.rejections, key: result.fileName, .rejections(result.recordRejections))
        }
        guard let header = result.header else { return }
        let count = output.partitions(TopicCatalog.records)
        var byPartition: [[CheckedRecord]] = Array(repeating: [], count: Int(count))
        for checked in result.checked {
            byPartition[Int(RoutingKey.awbPartition(prefix: checked.record.airlinePrefix, serial: checked.record.awbSerial, count: count))].append(checked)
        }
        for (partition, records) in byPartition.enumerated() where !records.isEmpty {
            let batch = CheckedBatch(fileName: result.fileName, fileOrdinal: records[0].source.fileOrdinal, identity: result.identity,
                                     country: header.operation, period: header.period, records: records)
            output.emit(TopicCatalog.records, partition: Int32(partition), key: result.fileName, .checked(batch))
        }
        output.emit(TopicCatalog.events, key: result.identity.airline, .fileOutcome(FileOutcome(
            file: result.fileName, airline: result.identity.airline, country: header.operation, period: String(header.period.yyyymmnn),
            accepted: true, code: "", message: "", recordsPassed: result.checked.count, recordsRejected: result.recordRejections.count)))
    }
}

// MARK: validate

/// Applies records to the AWB ledger (R10, R11, CCA differences) and
/// routes billed lines to their invoice's partition.
public final class ValidateStage: StageLogic {
    public let stage = StageName.validate
    var ledgers: [Int32: AWBLedger] = [:]
    var barrier = BarrierTracker()

    public init() {}

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        switch message {
        case .checked(let batch):
            var ledger = ledgers.removeValue(forKey: record.partition) ?? AWBLedger()
            var rejections: [Rejection] = []
            let count = output.partitions(TopicCatalog.lines)
            var byPartition: [[BilledLine]] = Array(repeating: [], count: Int(count))
            for checked in batch.records {
                switch ledger.apply(checked) {
                case .billed(let line, _):
                    byPartition[Int(RoutingKey.agentPartition(country: line.country, agent: line.agentCode, count: count))].append(line)
                case .rejected(let problem):
                    rejections.append(checked.source.rejection(problem))
                case .replay:
                    break
                }
            }
            ledgers[record.partition] = ledger
            for (partition, lines) in byPartition.enumerated() where !lines.isEmpty {
                output.emit(TopicCatalog.lines, partition: Int32(partition), key: batch.fileName, .lines(LineBatch(lines: lines)))
            }
            if !rejections.isEmpty { output.emit(TopicCatalog.rejections, key: batch.fileName, .rejections(rejections)) }
        case .closeMarker(let period, let source, let sourceCount):
            if barrier.arrive(partition: record.partition, period: period, source: source, sourceCount: sourceCount) {
                output.broadcast(TopicCatalog.lines, key: period.description, .closeMarker(period: period, source: record.partition, sourceCount: output.partitions(TopicCatalog.records)))
            }
        default:
            throw DecodingFailure("the validate stage does not take this message")
        }
    }
}

// MARK: tax

/// Marks which of the operation's tax rules apply to each line (by its
/// tax date). Stateless.
public final class TaxStage: StageLogic {
    public let stage = StageName.tax
    let reference: ReferenceData
    var barrier = BarrierTracker()

    public init(reference: ReferenceData) { self.reference = reference }

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        switch message {
        case .lines(var batch):
            var country = ""
            var rules: [TaxRule] = []
            for index in batch.lines.indices {
                let line = batch.lines[index]
                if line.country != country {
                    country = line.country
                    rules = reference.taxRules(for: country)
                }
                batch.lines[index].taxRuleMask = TaxCalculator.ruleMask(for: line.taxDate, rules: rules)
            }
            // cass.billed is partitioned like cass.lines, by invoice.
            let count = output.partitions(TopicCatalog.billed)
            if count == output.partitions(TopicCatalog.lines) {
                output.emit(TopicCatalog.billed, partition: record.partition, key: String(decoding: record.key, as: UTF8.self), .lines(batch))
            } else {
                var byPartition: [[BilledLine]] = Array(repeating: [], count: Int(count))
                for line in batch.lines {
                    byPartition[Int(RoutingKey.agentPartition(country: line.country, agent: line.agentCode, count: count))].append(line)
                }
                for (partition, lines) in byPartition.enumerated() where !lines.isEmpty {
                    output.emit(TopicCatalog.billed, partition: Int32(partition), key: String(decoding: record.key, as: UTF8.self), .lines(LineBatch(lines: lines)))
                }
            }
        case .closeMarker(let period, let source, let sourceCount):
            if barrier.arrive(partition: record.partition, period: period, source: source, sourceCount: sourceCount) {
                output.broadcast(TopicCatalog.billed, key: period.description, .closeMarker(period: period, source: record.partition, sourceCount: output.partitions(TopicCatalog.lines)))
            }
        default:
            throw DecodingFailure("the tax stage does not take this message")
        }
    }
}

// MARK: settle

/// Accumulates lines per invoice; when a period's barrier completes on a
/// partition, turns that partition's accumulators into drafts.
public final class SettleStage: StageLogic {
    public let stage = StageName.settle
    let reference: ReferenceData
    let keepLines: Bool
    var accumulators: [Int32: SettlementAccumulator] = [:]
    var barrier = BarrierTracker()

    public init(reference: ReferenceData, keepLines: Bool) {
        self.reference = reference
        self.keepLines = keepLines
    }

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        switch message {
        case .lines(let batch):
            var accumulator = accumulators.removeValue(forKey: record.partition) ?? SettlementAccumulator(keepLines: keepLines)
            var country = ""
            var rules: [TaxRule] = []
            for line in batch.lines {
                if line.country != country {
                    country = line.country
                    rules = reference.taxRules(for: country)
                }
                accumulator.add(line, rules: rules)
            }
            accumulators[record.partition] = accumulator
        case .closeMarker(let period, let source, let sourceCount):
            guard barrier.arrive(partition: record.partition, period: period, source: source, sourceCount: sourceCount) else { return }
            var drafts: [Invoice] = []
            if let operation = reference.operation(period.country), var accumulator = accumulators.removeValue(forKey: record.partition) {
                drafts = accumulator.close(period, operation: operation, rules: reference.taxRules(for: period.country))
                accumulators[record.partition] = accumulator
            }
            output.emit(TopicCatalog.drafts, key: period.country, .drafts(period: period, source: record.partition, sourceCount: output.partitions(TopicCatalog.billed), invoices: drafts))
        default:
            throw DecodingFailure("the settle stage does not take this message")
        }
    }
}

// MARK: number

/// Collects a closed period's drafts from every settlement partition, then
/// numbers them gaplessly in agent order and issues the invoices.
public final class NumberStage: StageLogic {
    public let stage = StageName.number
    var numbering = InvoiceNumbering()
    var pending: [PeriodKey: (sources: Set<Int32>, drafts: [Invoice])] = [:]

    public init() {}

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        guard case .drafts(let period, let source, let sourceCount, let invoices) = message else {
            throw DecodingFailure("the number stage does not take this message")
        }
        var entry = pending[period] ?? ([], [])
        guard entry.sources.insert(source).inserted else { return }
        entry.drafts.append(contentsOf: invoices)
        guard entry.sources.count >= Int(sourceCount) else {
            pending[period] = entry
            return
        }
        pending[period] = nil
        guard let issue = numbering.issue(period, drafts: entry.drafts) else { return }
        for invoice in issue.invoices {
            output.emit(TopicCatalog.invoices, key: invoice.number, .invoice(invoice))
        }
        let total = issue.invoices.reduce(Int64(0)) { $0 &+ $1.total }
        let closed = StageMessage.periodClosed(period: period, invoices: issue.invoices.count, total: total, disbursements: issue.disbursements)
        output.emit(TopicCatalog.settlements, key: period.country, closed)
        output.emit(TopicCatalog.events, key: period.country, closed)
    }
}
