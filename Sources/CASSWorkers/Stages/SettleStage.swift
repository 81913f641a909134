import CASSDomain
import CASSEngine
import CASSLog

extension StageName {
    public static let settle = StageName(rawValue: "settle")
}

extension Topic {
    public static let drafts = Topic(
        base: "cass.drafts", partitions: 4, retentionMs: week, keyedBy: "operation",
        holds: "per closed period: invoice line parts, then drafts per settlement partition")
}

/// Accumulates lines per invoice; when a period's barrier completes on a
/// partition, turns that partition's accumulators into drafts.
public final class SettleStage: BarrierStage, WithdrawalBarrierStage {
    public static let drafts = Output<String>.keyed(.drafts, by: "operation")

    public static let definition = StageDefinition(
        name: .settle, input: .billed, outputs: [drafts.declaration],
        partitionedBy: "invoice (operation + agent): one invoice accumulates in one place",
        keeps: "invoice accumulators per (operation, period, agent, airline), invoice lines when documents are wanted, high-water marks per validate partition, barrier progress (period closes, withdrawals)",
        make: { context in
            SettleStage(reference: context.environment.reference, keepLines: context.environment.keepLines, persistState: context.environment.persistState)
        })

    /// The state entries: an invoice's section sums, the lines of one
    /// input record (documents), a withdrawn file's lines, the last
    /// validate input applied per validate partition, barrier progress.
    public enum StateKey: StageStateKey {
        case sums(PeriodKey, agent: Int64)
        /// One line, as builds before `inputLines` journalled them (read
        /// back from state written then; no longer written).
        case line(PeriodKey, agent: Int64, fileOrdinal: Int64, sequence: Int32)
        /// The lines of the cass.billed record at this offset (of the
        /// input partition the state partition is numbered like), in
        /// `SettleInputLines`' layout (older builds: the record's bytes as
        /// they came; still read). One entry per record instead of one
        /// per line: at 100,000 AWBs the per-line entries were 98,000 of
        /// about 103,000 and 45 MB of cass.state.
        case inputLines(offset: Int64)
        /// A withdrawal took the lines of file `fileOrdinal` out of the
        /// period's open invoices: restore drops the lines of that file
        /// restored so far (entries are applied in write order, and every
        /// line of the file came before the withdrawal's barrier completed).
        case withdrawnLines(PeriodKey, fileOrdinal: Int64)
        /// One file's part of an invoice's sums, kept without lines (empty: withdrawn).
        case fileSums(PeriodKey, agent: Int64, fileOrdinal: Int64)
        case highWater(validatePartition: Int32)
        case barrier(BarrierKey)
        case withdrawal(WithdrawalBarrierKey)

        public var encoded: String {
            switch self {
            case .sums(let period, let agent): "acc/\(StateKeyText.encode(period))/\(agent)"
            case .line(let period, let agent, let ordinal, let sequence): "line/\(StateKeyText.encode(period))/\(agent)/\(ordinal)/\(sequence)"
            case .inputLines(let offset): "in/\(offset)"
            case .withdrawnLines(let period, let ordinal): "wdl/\(StateKeyText.encode(period))/\(ordinal)"
            case .fileSums(let period, let agent, let ordinal): "fsum/\(StateKeyText.encode(period))/\(agent)/\(ordinal)"
            case .highWater(let source): "hw/\(source)"
            case .barrier(let key): key.encoded
            case .withdrawal(let key): key.encoded
            }
        }

        public init(decoding text: Substring) throws {
            if let barrier = try BarrierKey(decoding: text) {
                self = .barrier(barrier)
            } else if let withdrawal = try WithdrawalBarrierKey(decoding: text) {
                self = .withdrawal(withdrawal)
            } else if text.hasPrefix("acc/") {
                let fields = try StateKeyText.fields(text, tag: "acc", count: 4)
                self = .sums(try StateKeyText.period(fields[1], fields[2]), agent: try StateKeyText.int64(fields[3], "agent"))
            } else if text.hasPrefix("fsum/") {
                let fields = try StateKeyText.fields(text, tag: "fsum", count: 5)
                self = .fileSums(try StateKeyText.period(fields[1], fields[2]), agent: try StateKeyText.int64(fields[3], "agent"),
                                 fileOrdinal: try StateKeyText.int64(fields[4], "file ordinal"))
            } else if text.hasPrefix("in/") {
                let fields = try StateKeyText.fields(text, tag: "in", count: 2)
                self = .inputLines(offset: try StateKeyText.int64(fields[1], "input offset"))
            } else if text.hasPrefix("wdl/") {
                let fields = try StateKeyText.fields(text, tag: "wdl", count: 4)
                self = .withdrawnLines(try StateKeyText.period(fields[1], fields[2]), fileOrdinal: try StateKeyText.int64(fields[3], "file ordinal"))
            } else if text.hasPrefix("line/") {
                let fields = try StateKeyText.fields(text, tag: "line", count: 6)
                self = .line(try StateKeyText.period(fields[1], fields[2]), agent: try StateKeyText.int64(fields[3], "agent"),
                             fileOrdinal: try StateKeyText.int64(fields[4], "file ordinal"), sequence: try StateKeyText.int32(fields[5], "sequence"))
            } else {
                let fields = try StateKeyText.fields(text, tag: "hw", count: 2)
                self = .highWater(validatePartition: try StateKeyText.int32(fields[1], "validate partition"))
            }
        }
    }

    /// Drafts per message: keeps a period with thousands of agents under
    /// the broker's message size limit.
    static let draftsPerMessage = 200

    public let journal: StateJournal<StateKey>
    let reference: ReferenceData
    let keepLines: Bool
    var accumulators: [Int32: SettlementAccumulator] = [:]
    var barrier = BarrierTracker()
    var withdrawals = WithdrawalBarrier()
    /// Per input partition, per validate partition: the last origin offset applied.
    var highWater: [Int32: [Int32: Int64]] = [:]
    /// What a partition's restore has read so far, assembled in `restored`.
    var removedLines: [Int32: Set<LineID>] = [:]
    var restoringFileSums: [Int32: [PeriodKey: [Int64: [Int64: [Int32: SectionSums]]]]] = [:]
    var restoring: [Int32: (sums: [PeriodKey: [Int64: [Int32: SectionSums]]], lines: [PeriodKey: [Int64: [BilledLine]]])] = [:]

    public init(reference: ReferenceData, keepLines: Bool, persistState: Bool = false) {
        self.reference = reference
        self.keepLines = keepLines
        self.journal = StateJournal(enabled: persistState)
    }

    static func barrierKey(_ key: BarrierKey) -> StateKey { .barrier(key) }
    static func withdrawalKey(_ key: WithdrawalBarrierKey) -> StateKey { .withdrawal(key) }
    /// Lines taken out by a withdrawal, while restoring (their entries are empty).
    struct LineID: Hashable { var period: PeriodKey; var agent: Int64; var ordinal: Int64; var sequence: Int32 }

    public func restore(partition: Int32, key: StateKey, value: [UInt8]) throws {
        switch key {
        case .sums(let period, let agent):
            // Empty: a withdrawal left the invoice without lines.
            restoring[partition, default: ([:], [:])].sums[period, default: [:]][agent] = value.isEmpty ? nil : try InvoiceAccumulator.decodeSums(value)
        case .line(let period, let agent, let ordinal, let sequence):
            guard !value.isEmpty else {
                removedLines[partition, default: []].insert(LineID(period: period, agent: agent, ordinal: ordinal, sequence: sequence))
                return
            }
            var reader = BinaryReader(value)
            let lines = try LineBatch(from: &reader).lines
            restoring[partition, default: ([:], [:])].lines[period, default: [:]][agent, default: []].append(contentsOf: lines)
        case .inputLines:
            let lines = try SettleInputLines.decode(value)
            var state = restoring.removeValue(forKey: partition) ?? ([:], [:])
            for line in lines {
                state.lines[PeriodKey(country: line.country, period: line.period), default: [:]][line.agentCode, default: []].append(line)
            }
            restoring[partition] = state
        case .withdrawnLines(let period, let ordinal):
            guard var agents = restoring[partition]?.lines[period] else { return }
            for agent in Array(agents.keys) {
                agents[agent]?.removeAll { $0.fileOrdinal == ordinal }
            }
            restoring[partition]?.lines[period] = agents
        case .fileSums(let period, let agent, let ordinal):
            restoringFileSums[partition, default: [:]][period, default: [:]][agent, default: [:]][ordinal] = value.isEmpty ? nil : try InvoiceAccumulator.decodeSums(value)
        case .highWater(let source):
            var reader = BinaryReader(value)
            highWater[partition, default: [:]][source] = try reader.i64()
        case .barrier(let key):
            barrier.restore(partition: partition, key)
        case .withdrawal(let key):
            withdrawals.restore(partition: partition, key)
        }
    }

    public func restored(partition: Int32) throws {
        let state = restoring.removeValue(forKey: partition) ?? ([:], [:])
        let removed = removedLines.removeValue(forKey: partition) ?? []
        let fileSums = restoringFileSums.removeValue(forKey: partition) ?? [:]
        var accumulator = SettlementAccumulator(keepLines: keepLines, keepFileSums: journal.enabled)
        for (period, agents) in state.sums where !barrier.isDone(partition: partition, period: period) {
            for (agent, sections) in agents {
                var restored = InvoiceAccumulator()
                restored.sections = sections
                restored.lines = LineChunks(state.lines[period]?[agent] ?? [])
                if accumulator.keepFileSums { restored.fileSections = fileSums[period]?[agent] ?? [:] }
                if !removed.isEmpty {
                    restored.lines.removeAll { removed.contains(LineID(period: period, agent: agent, ordinal: $0.fileOrdinal, sequence: $0.sequence)) }
                }
                accumulator.restore(period, agent: agent, accumulator: restored)
            }
        }
        accumulators[partition] = accumulator
    }

    public func forget(partition: Int32) {
        accumulators[partition] = nil
        highWater[partition] = nil
        restoring[partition] = nil
        removedLines[partition] = nil
        restoringFileSums[partition] = nil
        barrier.forget(partition: partition)
        withdrawals.forget(partition: partition)
    }

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        switch message {
        case .lines(let batch):
            accumulate(batch, record: record)
        case .closeMarker(let period, let source, let sourceCount):
            guard arrive(record.partition, period, source: source, sourceCount: sourceCount) else { return }
            try close(period, record: record, output: &output)
        case .withdrawLines(let marker):
            guard arrive(record.partition, marker) else { return }
            try withdraw(marker, record: record)
        default:
            throw DecodingFailure("the settle stage does not take \(message.kind) messages")
        }
    }

    func accumulate(_ batch: LineBatch, record: LogRecord) {
        if batch.originPartition >= 0 {
            if let mark = highWater[record.partition]?[batch.originPartition], batch.originOffset <= mark { return }
            highWater[record.partition, default: [:]][batch.originPartition] = batch.originOffset
            if journal.enabled {
                var w = BinaryWriter(capacity: 8)
                w.i64(batch.originOffset)
                journal.put(record.partition, .highWater(validatePartition: batch.originPartition), w.finish())
            }
        }
        var accumulator = accumulators.removeValue(forKey: record.partition) ?? SettlementAccumulator(keepLines: keepLines, keepFileSums: journal.enabled)
        accumulator.add(batch.lines) { reference.taxRules(for: $0) }
        if journal.enabled {
            // Each invoice the batch touched, once, however many of its lines
            // came. Told apart by integers (the operation packed): a key
            // with the operation's string hashed it for every line.
            struct Touched: Hashable {
                var operation: UInt64, period: Int32, agent: Int64, fileOrdinal: Int64
                // Two inserts per line: `TableHash`, not a `Hasher`.
                func _rawHashValue(seed: Int) -> Int {
                    TableHash.raw(TableHash.fold(operation, UInt64(UInt32(bitPattern: period)), UInt64(bitPattern: agent), UInt64(bitPattern: fileOrdinal)), seed: seed)
                }
            }
            var touched: Set<Touched> = []
            touched.reserveCapacity(min(batch.lines.count, 1024))
            for line in batch.lines {
                let period = PeriodKey(country: line.country, period: line.period)
                let operation = ASCIICode(operationText: line.country).packed, yyyymmnn = Int32(line.period.yyyymmnn)
                if touched.insert(Touched(operation: operation, period: yyyymmnn, agent: line.agentCode, fileOrdinal: -1)).inserted,
                   let sums = accumulator.accumulator(period, agent: line.agentCode) {
                    journal.put(record.partition, .sums(period, agent: line.agentCode), sums.encodedSums())
                }
                if accumulator.keepFileSums,
                   touched.insert(Touched(operation: operation, period: yyyymmnn, agent: line.agentCode, fileOrdinal: line.fileOrdinal)).inserted,
                   let sums = accumulator.accumulator(period, agent: line.agentCode)?.fileSections[line.fileOrdinal] {
                    var part = InvoiceAccumulator()
                    part.sections = sums
                    journal.put(record.partition, .fileSums(period, agent: line.agentCode, fileOrdinal: line.fileOrdinal), part.encodedSums())
                }
            }
            // The lines themselves, compact (SettleInputLines: the record's
            // own bytes were 2.4 times as many to copy, checksum and sync).
            // Written with the sums and high-water mark of the same
            // checkpoint, so a restored partition has both or neither.
            if keepLines, !batch.lines.isEmpty {
                journal.put(record.partition, .inputLines(offset: record.offset), SettleInputLines.encode(batch.lines))
            }
        }
        accumulators[record.partition] = accumulator
    }

    /// Every line of the withdrawn file has arrived (the barrier): they
    /// leave the open period's invoices, in memory and in state.
    func withdraw(_ marker: WithdrawLines, record: LogRecord) throws {
        guard let billingPeriod = BillingPeriod(yyyymmnn: marker.period) else { throw DecodingFailure("withdrawal of a file in period \(marker.period)") }
        let period = PeriodKey(country: marker.operation, period: billingPeriod)
        guard !barrier.isDone(partition: record.partition, period: period) else { return }
        guard keepLines || journal.enabled else {
            throw DecodingFailure("withdrawing file \(marker.file) needs the invoice lines or per-file sums, which a run without state does not keep")
        }
        var accumulator = accumulators.removeValue(forKey: record.partition) ?? SettlementAccumulator(keepLines: keepLines, keepFileSums: journal.enabled)
        let (removed, emptied) = accumulator.remove(fileOrdinal: marker.ordinal, from: period, rules: reference.taxRules(for: period.country))
        if journal.enabled {
            if keepLines, !removed.isEmpty {
                journal.put(record.partition, .withdrawnLines(period, fileOrdinal: marker.ordinal), [1])
            }
            for agent in removed.keys {
                if accumulator.keepFileSums { journal.put(record.partition, .fileSums(period, agent: agent, fileOrdinal: marker.ordinal), []) }
                journal.put(record.partition, .sums(period, agent: agent),
                            emptied.contains(agent) ? [] : accumulator.accumulator(period, agent: agent)?.encodedSums() ?? [])
            }
        }
        accumulators[record.partition] = accumulator
    }

    func close(_ period: PeriodKey, record: LogRecord, output: inout StageOutput) throws {
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
                output.emit(Self.drafts, key: period.country, .draftLines(period: period, agent: draft.agentCode, part: part))
            }
        }
        let chunks = stride(from: 0, to: max(headers.count, 1), by: Self.draftsPerMessage).map { Array(headers[$0..<min(headers.count, $0 + Self.draftsPerMessage)]) }
        for (index, chunk) in chunks.enumerated() {
            let last = index == chunks.count - 1
            output.emit(Self.drafts, key: period.country,
                        .drafts(period: period, source: record.partition, sourceCount: last ? output.partitions(of: .billed) : 0, invoices: chunk))
        }
    }
}

// MARK: accumulators in state

extension InvoiceAccumulator {
    /// The sums only; lines are journalled one by one.
    /// Version 2: the sums are exact (128 bits, low then high half).
    func encodedSums() -> [UInt8] {
        var w = BinaryWriter(capacity: 64)
        w.u8(2)
        w.i32(Int32(sections.count))
        func exact(_ value: Int128) {
            w.u64(UInt64(truncatingIfNeeded: value))
            w.i64(Int64(truncatingIfNeeded: value >> 64))
        }
        for (airline, sums) in sections.sorted(by: { $0.key < $1.key }) {
            w.i32(airline); w.i64(Int64(sums.lines)); exact(sums.net); w.u64(sums.ruleSeen)
            w.i32(Int32(sums.ruleBases.count))
            for base in sums.ruleBases { exact(base) }
        }
        return w.finish()
    }

    static func decodeSums(_ bytes: [UInt8]) throws -> [Int32: SectionSums] {
        var r = BinaryReader(bytes)
        let version = try r.u8()
        guard version == 1 || version == 2 else { throw DecodingFailure("accumulator of an unknown version \(version)") }
        func exact() throws -> Int128 {
            guard version == 2 else { return Int128(try r.i64()) }
            let low = try r.u64()
            return Int128(try r.i64()) << 64 | Int128(low)
        }
        let sectionCount = Int(try r.i32())
        guard sectionCount >= 0 else { throw DecodingFailure("negative section count") }
        var sections: [Int32: SectionSums] = [:]
        for _ in 0..<sectionCount {
            let airline = try r.i32()
            let lines = Int(try r.i64()), net = try exact(), seen = try r.u64()
            let count = Int(try r.i32())
            guard count >= 0, count <= 64 else { throw DecodingFailure("\(count) tax rules in a section") }
            var sums = SectionSums(ruleCount: count)
            sums.lines = lines
            sums.net = net
            sums.ruleSeen = seen
            for index in 0..<count { sums.ruleBases[index] = try exact() }
            sections[airline] = sums
        }
        guard r.isAtEnd else { throw DecodingFailure("bytes after the last section") }
        return sections
    }
}
