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
    /// FNV-1a over the operation's letters, then (prefix, serial) as
    /// little-endian bytes, with no allocation: this runs once per record.
    /// An AWB is identified within its operation, so every version of it in
    /// one operation meets the same ledger, and the two operations that
    /// rightly bill the same AWB need not.
    @inline(__always)
    public static func awbPartition(operation: ASCIICode, prefix: Int32, serial: Int32, count: Int32) -> Int32 {
        var hash: UInt32 = 2_166_136_261
        var shift = UInt64(operation.length) * 8
        while shift > 0 {
            shift -= 8
            hash = (hash ^ UInt32(truncatingIfNeeded: operation.packed >> shift & 0xFF)) &* 16_777_619
        }
        @inline(__always) func mix(_ value: UInt32) {
            hash = (hash ^ (value & 0xFF)) &* 16_777_619
            hash = (hash ^ ((value >> 8) & 0xFF)) &* 16_777_619
            hash = (hash ^ ((value >> 16) & 0xFF)) &* 16_777_619
            hash = (hash ^ (value >> 24)) &* 16_777_619
        }
        mix(UInt32(bitPattern: prefix))
        mix(UInt32(bitPattern: serial))
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

    /// One empty array per partition, each sized for its share of `total`
    /// items hashed over them (with room for an uneven spread), so routing
    /// a batch does not regrow them.
    public static func partitionBatches<Element>(for total: Int, partitions: Int32) -> [[Element]] {
        let count = Int(max(1, partitions))
        var batches: [[Element]] = []
        batches.reserveCapacity(count)
        for _ in 0..<count {
            var batch: [Element] = []
            batch.reserveCapacity(total / count + total / (4 * count) + 8)
            batches.append(batch)
        }
        return batches
    }

    /// The operation a file claims, for routing only (the reader decides
    /// whether the claim holds): the header's or the XML envelope's.
    public static func operation(ofFile bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { BillingFileReader.summary(of: $0, fileName: "").operation }
    }
}

// MARK: ingest

/// Reads files, applies the file-level checks and the history-free record
/// checks, and routes surviving records to their AWB's partition.
public final class IngestStage: StatefulStage {
    public let stage = StageName.ingest
    /// Message size bounds (Kafka's default limit is 1 MB): about 180
    /// bytes a record, a few hundred a rejection.
    static let recordsPerMessage = 2000
    static let rejectionsPerMessage = 1000
    public let journal: StateJournal
    let reference: ReferenceData
    let reader: FileReader
    var registries: [Int32: FileRegistry] = [:]
    var closed: [Int32: Set<PeriodKey>] = [:]

    public init(reference: ReferenceData, reader: @escaping FileReader = DefaultReaders.any, persistState: Bool = false) {
        self.reference = reference
        self.reader = reader
        self.journal = StateJournal(enabled: persistState)
    }

    public func restore(partition: Int32, entries: [(key: String, value: [UInt8])]) throws {
        var registry = FileRegistry()
        var periods: Set<PeriodKey> = []
        for (key, _) in entries {
            let parts = key.split(separator: "/")
            if parts.count == 5, parts[0] == "reg", let airline = Int32(parts[1]), let period = Int(parts[3]), let sequence = Int(parts[4]) {
                registry.insert(FileRegistry.Key(airline: airline, operation: String(parts[2]), period: period, fileSequence: sequence))
            } else if parts.count == 3, parts[0] == "closed", let period = BillingPeriod(yyyymmnn: Int(parts[2]) ?? 0) {
                periods.insert(PeriodKey(country: String(parts[1]), period: period))
            }
        }
        registries[partition] = registry
        closed[partition] = periods
    }

    public func forget(partition: Int32) {
        registries[partition] = nil
        closed[partition] = nil
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
            journal.put(record.partition, "closed/\(period.country)/\(period.period)", [1])
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
        if journal.enabled, result.fileRejection == nil, let header = result.header {
            journal.put(record.partition, "reg/\(header.airlinePrefix)/\(header.operation)/\(header.period.yyyymmnn)/\(header.fileSequence)", [1])
        }
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
        output.emitRejections(result.recordRejections, file: result.fileName)
        guard let header = result.header else { return }
        let count = output.partitions(TopicCatalog.records)
        // Positions of the file's records per partition; batches encode
        // straight from the file's array.
        var byPartition: [[Int32]] = RoutingKey.partitionBatches(for: result.checked.count, partitions: count)
        let operation = ASCIICode(operationText: header.operation)
        result.checked.withUnsafeBufferPointer { checked in
            for index in checked.indices {
                let partition = RoutingKey.awbPartition(operation: operation, prefix: checked[index].record.airlinePrefix, serial: checked[index].record.awbSerial, count: count)
                byPartition[Int(partition)].append(Int32(index))
            }
        }
        // Bounded messages: a 100 MB file becomes many batches of records.
        for (partition, positions) in byPartition.enumerated() where !positions.isEmpty {
            for start in stride(from: 0, to: positions.count, by: Self.recordsPerMessage) {
                var batch = CheckedBatch(fileName: result.fileName, fileOrdinal: result.checked[Int(positions[start])].source.fileOrdinal,
                                         identity: result.identity, country: header.operation, period: header.period, records: result.checked)
                batch.selection = positions[start..<min(positions.count, start + Self.recordsPerMessage)]
                output.emit(TopicCatalog.records, partition: Int32(partition), key: result.fileName, .checked(batch))
            }
        }
        output.emit(TopicCatalog.events, key: result.identity.airline, .fileOutcome(FileOutcome(
            file: result.fileName, airline: result.identity.airline, country: header.operation, period: String(header.period.yyyymmnn),
            accepted: true, code: "", message: "", recordsPassed: result.checked.count, recordsRejected: result.recordRejections.count)))
    }
}

// MARK: validate

/// Applies records to the AWB ledger (R10, R11, CCA differences) and
/// routes billed lines to their invoice's partition.
public final class ValidateStage: StatefulStage {
    public let stage = StageName.validate
    /// Layout of the `awbs/` state entries: 2 added the operation to each key.
    static let ledgerStateVersion: UInt8 = 2
    public let journal: StateJournal
    var ledgers: [Int32: AWBLedger] = [:]
    var barrier = BarrierTracker()
    /// AWBs a partition's ledger is sized for up front: growing a ledger of
    /// a million entries rehashes it again and again.
    let expectedAWBsPerPartition: Int

    public init(persistState: Bool = false, expectedAWBsPerPartition: Int = 0) {
        journal = StateJournal(enabled: persistState)
        self.expectedAWBsPerPartition = expectedAWBsPerPartition
    }

    public func restore(partition: Int32, entries: [(key: String, value: [UInt8])]) throws {
        var ledger = AWBLedger()
        ledger.reserve(entries.count)
        for (key, value) in entries {
            if key.hasPrefix("awbs/") {
                var reader = BinaryReader(value)
                guard try reader.u8() == Self.ledgerStateVersion else {
                    throw DecodingFailure("validate state entry \(key) was written before AWBs were keyed by operation; settle that run again in a fresh namespace")
                }
                let count = Int(try reader.i32())
                for _ in 0..<max(0, count) {
                    let operation = try reader.code(), prefix = try reader.i32(), serial = try reader.i32()
                    ledger[LedgerKey(operation: operation, awb: AWBKey(prefix: prefix, serial: serial))] = try AWBLedger.Entry(from: &reader)
                }
            } else {
                barrier.restore(partition: partition, key: key)
            }
        }
        ledgers[partition] = ledger
    }

    public func forget(partition: Int32) {
        ledgers[partition] = nil
        barrier.forget(partition: partition)
    }

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        switch message {
        case .checked(let batch):
            var ledger = ledgers.removeValue(forKey: record.partition) ?? {
                var fresh = AWBLedger()
                fresh.reserve(expectedAWBsPerPartition)
                return fresh
            }()
            var rejections: [Rejection] = []
            let count = output.partitions(TopicCatalog.lines)
            var byPartition: [[BilledLine]] = RoutingKey.partitionBatches(for: batch.records.count, partitions: count)
            // The ledger entries this message changed, journalled as one
            // state record: a record per AWB would be a million records.
            var changed = BinaryWriter(capacity: journal.enabled ? 4 + batch.records.count * 110 : 0)
            let operation = ASCIICode(operationText: batch.country)
            var changedCount: Int32 = 0
            // By index: iterating the array by value copies every record.
            for index in batch.records.indices {
                switch try ledger.apply(batch.records[index]) {
                case .billed(let line, let entry):
                    byPartition[Int(RoutingKey.agentPartition(country: line.country, agent: line.agentCode, count: count))].append(line)
                    if journal.enabled {
                        changed.code(operation)
                        changed.i32(line.airlinePrefix)
                        changed.i32(line.awbSerial)
                        entry.encode(into: &changed)
                        changedCount += 1
                    }
                case .rejected(let problem):
                    rejections.append(batch.records[index].source.rejection(problem))
                case .replay:
                    break
                }
            }
            ledgers[record.partition] = ledger
            if changedCount > 0 {
                var value = BinaryWriter(capacity: changed.count + 5)
                value.u8(Self.ledgerStateVersion)
                value.i32(changedCount)
                value.raw(changed.finish())
                journal.put(record.partition, "awbs/\(record.offset)", value.finish())
            }
            for (partition, lines) in byPartition.enumerated() where !lines.isEmpty {
                output.emit(TopicCatalog.lines, partition: Int32(partition), key: batch.fileName,
                            .lines(LineBatch(lines: lines, originPartition: record.partition, originOffset: record.offset)))
            }
            output.emitRejections(rejections, file: batch.fileName)
        case .closeMarker(let period, let source, let sourceCount):
            forwardMarker(&barrier, journal, record, period, source, sourceCount, from: TopicCatalog.records, to: TopicCatalog.lines, output: &output)
        default:
            throw DecodingFailure("the validate stage does not take this message")
        }
    }
}

// MARK: tax

/// Marks which of the operation's tax rules apply to each line (by its
/// tax date). Stateless.
public final class TaxStage: StatefulStage, RawStageLogic {
    public let stage = StageName.tax
    public let journal: StateJournal
    let reference: ReferenceData
    var barrier = BarrierTracker()

    public init(reference: ReferenceData, persistState: Bool = false) {
        self.reference = reference
        self.journal = StateJournal(enabled: persistState)
    }

    public func restore(partition: Int32, entries: [(key: String, value: [UInt8])]) throws {
        for (key, _) in entries { barrier.restore(partition: partition, key: key) }
    }

    public func forget(partition: Int32) { barrier.forget(partition: partition) }

    /// Lines bound for the same partition of cass.billed (the default
    /// layout) are not decoded: each line's mask is written into a copy of
    /// the message's bytes, which is what decoding, setting the masks and
    /// encoding again gives (tested), at a fraction of the cost.
    public func handleRaw(_ record: LogRecord, output: inout StageOutput) throws -> Bool {
        guard record.value.count >= 2, record.value[0] == StageMessage.linesKind, record.value[1] == StageMessage.version,
              output.partitions(TopicCatalog.billed) == output.partitions(TopicCatalog.lines) else { return false }
        let value = try LineBatch.settingTaxMasks(record.value) { reference.taxRules(for: $0) }
        output.emit(TopicCatalog.billed, partition: record.partition, key: record.key, encoded: value)
        return true
    }

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
                    output.emit(TopicCatalog.billed, partition: Int32(partition), key: String(decoding: record.key, as: UTF8.self),
                                .lines(LineBatch(lines: lines, originPartition: batch.originPartition, originOffset: batch.originOffset)))
                }
            }
        case .closeMarker(let period, let source, let sourceCount):
            forwardMarker(&barrier, journal, record, period, source, sourceCount, from: TopicCatalog.lines, to: TopicCatalog.billed, output: &output)
        default:
            throw DecodingFailure("the tax stage does not take this message")
        }
    }
}

// MARK: settle

/// Accumulates lines per invoice; when a period's barrier completes on a
/// partition, turns that partition's accumulators into drafts.
public final class SettleStage: StatefulStage {
    public let stage = StageName.settle
    public let journal: StateJournal
    let reference: ReferenceData
    let keepLines: Bool
    var accumulators: [Int32: SettlementAccumulator] = [:]
    var barrier = BarrierTracker()
    /// Drafts per message: keeps a period with thousands of agents under
    /// the broker's message size limit.
    static let draftsPerMessage = 200
    /// Per input partition, per validate partition: the last origin offset applied.
    var highWater: [Int32: [Int32: Int64]] = [:]

    public init(reference: ReferenceData, keepLines: Bool, persistState: Bool = false) {
        self.reference = reference
        self.keepLines = keepLines
        self.journal = StateJournal(enabled: persistState)
    }

    public func restore(partition: Int32, entries: [(key: String, value: [UInt8])]) throws {
        var sums: [PeriodKey: [Int64: [Int32: SectionSums]]] = [:]
        var lines: [PeriodKey: [Int64: [BilledLine]]] = [:]
        var marks: [Int32: Int64] = [:]
        for (key, value) in entries {
            let parts = key.split(separator: "/")
            switch parts.first {
            case "acc":
                guard parts.count == 4, let period = BillingPeriod(yyyymmnn: Int(parts[2]) ?? 0), let agent = Int64(parts[3]) else { continue }
                sums[PeriodKey(country: String(parts[1]), period: period), default: [:]][agent] = try InvoiceAccumulator.decodeSums(value)
            case "line":
                var reader = BinaryReader(value)
                for line in try LineBatch(from: &reader).lines {
                    lines[PeriodKey(country: line.country, period: line.period), default: [:]][line.agentCode, default: []].append(line)
                }
            case "hw":
                guard parts.count == 2, let source = Int32(parts[1]) else { continue }
                var reader = BinaryReader(value)
                marks[source] = try reader.i64()
            default:
                barrier.restore(partition: partition, key: key)
            }
        }
        var accumulator = SettlementAccumulator(keepLines: keepLines)
        for (period, agents) in sums where !barrier.isDone(partition: partition, period: period) {
            for (agent, sections) in agents {
                var restored = InvoiceAccumulator()
                restored.sections = sections
                restored.lines = lines[period]?[agent] ?? []
                accumulator.restore(period, agent: agent, accumulator: restored)
            }
        }
        accumulators[partition] = accumulator
        highWater[partition] = marks
    }

    public func forget(partition: Int32) {
        accumulators[partition] = nil
        highWater[partition] = nil
        barrier.forget(partition: partition)
    }

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        switch message {
        case .lines(let batch):
            if batch.originPartition >= 0 {
                if let mark = highWater[record.partition]?[batch.originPartition], batch.originOffset <= mark { return }
                highWater[record.partition, default: [:]][batch.originPartition] = batch.originOffset
                if journal.enabled {
                    var w = BinaryWriter(capacity: 8)
                    w.i64(batch.originOffset)
                    journal.put(record.partition, "hw/\(batch.originPartition)", w.bytes)
                }
            }
            var accumulator = accumulators.removeValue(forKey: record.partition) ?? SettlementAccumulator(keepLines: keepLines)
            accumulator.add(batch.lines) { reference.taxRules(for: $0) }
            if journal.enabled {
                // Each invoice the batch touched, once, however many of its lines came.
                var touched: Set<String> = []
                for line in batch.lines {
                    let key = "acc/\(line.country)/\(line.period)/\(line.agentCode)"
                    if touched.insert(key).inserted,
                       let sums = accumulator.accumulator(PeriodKey(country: line.country, period: line.period), agent: line.agentCode) {
                        journal.put(record.partition, key, sums.encodedSums())
                    }
                    if keepLines {
                        var w = BinaryWriter(capacity: 160)
                        LineBatch(lines: [line]).encode(into: &w)
                        journal.put(record.partition, "line/\(line.country)/\(line.period)/\(line.agentCode)/\(line.fileOrdinal)/\(line.sequence)", w.bytes)
                    }
                }
            }
            accumulators[record.partition] = accumulator
        case .closeMarker(let period, let source, let sourceCount):
            guard arrive(&barrier, journal, record.partition, period, source, sourceCount) else { return }
            var drafts: [Invoice] = []
            if let operation = reference.operation(period.country), var accumulator = accumulators.removeValue(forKey: record.partition) {
                drafts = try accumulator.close(period, operation: operation, rules: reference.taxRules(for: period.country))
                accumulators[record.partition] = accumulator
            }
            // Lines go ahead in parts; the drafts themselves, small, close
            // this partition's share of the period.
            var headers: [Invoice] = []
            for draft in drafts {
                let (header, parts) = LinePart.split(draft)
                headers.append(header)
                for part in parts {
                    output.emit(TopicCatalog.drafts, key: period.country, .draftLines(period: period, agent: draft.agentCode, part: part))
                }
            }
            let chunks = stride(from: 0, to: max(headers.count, 1), by: Self.draftsPerMessage).map { Array(headers[$0..<min(headers.count, $0 + Self.draftsPerMessage)]) }
            for (index, chunk) in chunks.enumerated() {
                let last = index == chunks.count - 1
                output.emit(TopicCatalog.drafts, key: period.country,
                            .drafts(period: period, source: record.partition, sourceCount: last ? output.partitions(TopicCatalog.billed) : 0, invoices: chunk))
            }
        default:
            throw DecodingFailure("the settle stage does not take this message")
        }
    }
}

// MARK: number

/// Collects a closed period's drafts from every settlement partition, then
/// numbers them gaplessly in agent order and issues the invoices.
public final class NumberStage: StatefulStage {
    public let stage = StageName.number
    public let journal: StateJournal
    var numbering = InvoiceNumbering()
    /// Drafts of periods not yet numbered, by agent (a replayed draft
    /// replaces itself), and the settlement partitions that finished.
    var pending: [PeriodKey: (sources: Set<Int32>, drafts: [Int64: Invoice])] = [:]
    /// Lines waiting for their period to be numbered: period → agent → parts.
    var lineParts: [PeriodKey: [Int64: [Int: LinePart]]] = [:]

    public init(persistState: Bool = false) { journal = StateJournal(enabled: persistState) }

    public func restore(partition: Int32, entries: [(key: String, value: [UInt8])]) throws {
        var counters = numbering.lastIssued
        var numbered = numbering.numbered
        for (key, value) in entries {
            let parts = key.split(separator: "/")
            switch parts.first {
            case "ctr":
                guard parts.count == 2 else { continue }
                var reader = BinaryReader(value)
                counters[String(parts[1])] = Int(try reader.i64())
            case "numbered":
                guard parts.count == 3, let period = BillingPeriod(yyyymmnn: Int(parts[2]) ?? 0) else { continue }
                numbered.insert(PeriodKey(country: String(parts[1]), period: period))
            case "lines":
                guard parts.count == 5, let period = BillingPeriod(yyyymmnn: Int(parts[2]) ?? 0), let agent = Int64(parts[3]) else { continue }
                let part = try StateValue.linePart(value)
                lineParts[PeriodKey(country: String(parts[1]), period: period), default: [:]][agent, default: [:]][part.index] = part
            case "draft":
                guard parts.count == 4, let period = BillingPeriod(yyyymmnn: Int(parts[2]) ?? 0), let agent = Int64(parts[3]) else { continue }
                let key = PeriodKey(country: String(parts[1]), period: period)
                pending[key, default: ([], [:])].drafts[agent] = try StateValue.invoice(value)
            case "src":
                guard parts.count == 4, let period = BillingPeriod(yyyymmnn: Int(parts[2]) ?? 0), let source = Int32(parts[3]) else { continue }
                pending[PeriodKey(country: String(parts[1]), period: period), default: ([], [:])].sources.insert(source)
            default:
                continue
            }
        }
        for period in numbered {
            pending[period] = nil
            lineParts[period] = nil
        }
        numbering = InvoiceNumbering(lastIssued: counters, numbered: numbered)
    }

    public func forget(partition: Int32) {
        // Numbering is per operation and operations map to partitions; a
        // worker that loses a partition keeps counters it will not use.
    }

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        if case .draftLines(let period, let agent, let part) = message {
            guard !numbering.numbered.contains(period) else { return }
            lineParts[period, default: [:]][agent, default: [:]][part.index] = part
            journal.put(record.partition, "lines/\(period.country)/\(period.period)/\(agent)/\(part.index)", StateValue.encode(part))
            return
        }
        guard case .drafts(let period, let source, let sourceCount, let invoices) = message else {
            throw DecodingFailure("the number stage does not take this message")
        }
        var entry = pending[period] ?? ([], [:])
        guard !numbering.numbered.contains(period), !entry.sources.contains(source) else { return }
        for draft in invoices {
            entry.drafts[draft.agentCode] = draft
            journal.put(record.partition, "draft/\(period.country)/\(period.period)/\(draft.agentCode)", StateValue.encode(draft))
        }
        // sourceCount 0: more drafts of this source follow (large periods
        // travel in several messages); otherwise this source is complete.
        if sourceCount > 0 {
            entry.sources.insert(source)
            journal.put(record.partition, "src/\(period.country)/\(period.period)/\(source)", [1])
        }
        guard sourceCount > 0, entry.sources.count >= Int(sourceCount) else {
            pending[period] = entry
            return
        }
        pending[period] = nil
        guard let issue = try numbering.issue(period, drafts: Array(entry.drafts.values)) else { return }
        if journal.enabled {
            journal.put(record.partition, "numbered/\(period.country)/\(period.period)", [1])
            for (key, value) in numbering.lastIssued {
                var w = BinaryWriter(capacity: 8)
                w.i64(Int64(value))
                journal.put(record.partition, "ctr/\(key)", w.bytes)
            }
        }
        let periodLines = lineParts.removeValue(forKey: period) ?? [:]
        for invoice in issue.invoices {
            let parts = (periodLines[invoice.agentCode] ?? [:]).values.sorted { $0.index < $1.index }
            output.emit(TopicCatalog.invoices, key: invoice.number, .invoiceHeader(invoice, parts: parts.count))
            for part in parts {
                output.emit(TopicCatalog.invoices, key: invoice.number, .invoiceLines(number: invoice.number, part: part))
            }
        }
        let closed = StageMessage.periodClosed(period: period, invoices: issue.invoices.count, total: issue.total, disbursements: issue.disbursements)
        output.emit(TopicCatalog.settlements, key: period.country, closed)
        // Invoice-issued events for notifications: the invoice without lines.
        for invoice in issue.invoices {
            output.emit(TopicCatalog.events, key: invoice.agentCodeText, .invoice(LinePart.split(invoice).0))
        }
        output.emit(TopicCatalog.events, key: period.country, closed)
    }
}

/// A stage between two partitioned topics passes a period's close marker
/// on, to every output partition, once it has come from every input
/// partition that feeds this one.
func forwardMarker(_ barrier: inout BarrierTracker, _ journal: StateJournal, _ record: LogRecord, _ period: PeriodKey, _ source: Int32,
                   _ sourceCount: Int32, from input: String, to topic: String, output: inout StageOutput) {
    guard arrive(&barrier, journal, record.partition, period, source, sourceCount) else { return }
    output.broadcast(topic, key: period.description, .closeMarker(period: period, source: record.partition, sourceCount: output.partitions(input)))
}

/// Records a close marker's arrival (and the barrier's completion) in the
/// stage's journal as well as in the tracker.
func arrive(_ barrier: inout BarrierTracker, _ journal: StateJournal, _ partition: Int32, _ period: PeriodKey, _ source: Int32, _ sourceCount: Int32) -> Bool {
    let complete = barrier.arrive(partition: partition, period: period, source: source, sourceCount: sourceCount)
    if journal.enabled {
        journal.put(partition, BarrierTracker.arrivalKey(period, source: source), [1])
        if complete { journal.put(partition, BarrierTracker.doneKey(period), [1]) }
    }
    return complete
}

// MARK: render

/// Writes every issued invoice's documents (PDF, XLSX, HOT, XML, JSON)
/// into a folder. Rewriting a document is harmless (atomic rename of the
/// same bytes), so a replay needs no state.
public final class RenderStage: StatefulStage {
    public let stage = StageName.render
    public let journal: StateJournal
    let documents: InvoiceDocuments
    let folder: URL
    /// Invoices whose lines are still arriving, by number.
    var pending: [String: (header: Invoice, parts: Int, received: [Int: LinePart])] = [:]

    public init(reference: ReferenceData, folder: URL, persistState: Bool = true) throws {
        self.documents = try InvoiceDocuments(reference: reference)
        self.folder = folder
        self.journal = StateJournal(enabled: persistState)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    public func restore(partition: Int32, entries: [(key: String, value: [UInt8])]) throws {
        var done: Set<String> = []
        for (key, value) in entries {
            let parts = key.split(separator: "/")
            guard parts.count >= 2 else { continue }
            let number = String(parts[1])
            switch parts[0] {
            case "hdr":
                var reader = BinaryReader(value)
                let count = Int(try reader.i64())
                pending[number] = (try StateValue.invoice(try reader.data()), count, pending[number]?.received ?? [:])
            case "part":
                let part = try StateValue.linePart(value)
                pending[number]?.received[part.index] = part
            case "done":
                done.insert(number)
            default:
                continue
            }
        }
        for number in done { pending[number] = nil }
    }

    public func forget(partition: Int32) {}

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        switch message {
        case .invoice(let invoice):
            try documents.write(invoice, to: folder)
        case .invoiceHeader(let header, let parts):
            pending[header.number] = (header, parts, [:])
            if journal.enabled {
                var w = BinaryWriter()
                w.i64(Int64(parts))
                w.data(StateValue.encode(header))
                journal.put(record.partition, "hdr/\(header.number)", w.bytes)
            }
            try renderIfComplete(header.number, partition: record.partition)
        case .invoiceLines(let number, let part):
            guard pending[number] != nil else { return } // already rendered: a replay
            pending[number]?.received[part.index] = part
            journal.put(record.partition, "part/\(number)/\(part.index)", StateValue.encode(part))
            try renderIfComplete(number, partition: record.partition)
        default:
            throw DecodingFailure("the render stage takes issued invoices only")
        }
    }

    func renderIfComplete(_ number: String, partition: Int32) throws {
        guard let entry = pending[number], entry.received.count >= entry.parts,
              let invoice = LinePart.join(entry.header, entry.received.values.sorted { $0.index < $1.index }) else { return }
        try documents.write(invoice, to: folder)
        pending[number] = nil
        journal.put(partition, "done/\(number)", [1])
    }
}
