import CASSDomain
import CASSEngine
import CASSLog

extension StageName {
    public static let number = StageName(rawValue: "number")
}

extension Topic {
    public static let invoices = Topic(
        base: "cass.invoices", partitions: 4, retentionMs: -1, keyedBy: "invoice number",
        holds: "issued invoices: a header, then its line parts (internal; the public contract is cass.invoice-events)", isCritical: true)
    public static let settlements = Topic(
        base: "cass.settlements", partitions: 2, retentionMs: -1, keyedBy: "operation",
        holds: "per closed period: invoice count, total, disbursements per airline", isCritical: true)
}

/// Collects a closed period's drafts from every settlement partition, then
/// numbers them gaplessly in agent order and issues the invoices.
public final class NumberStage: StatefulStage {
    public static let invoices = Output<String>.keyed(.invoices, by: "invoice number")
    public static let settlements = Output<String>.keyed(.settlements, by: "operation")
    public static let events = Output<String>.keyed(.events, by: "agent (invoices), operation (period closes)")

    public static let definition = StageDefinition(
        name: .number, input: .drafts, outputs: [invoices.declaration, settlements.declaration, events.declaration],
        partitionedBy: "operation: one gapless sequence per operation",
        keeps: "last invoice number per (operation, year), numbered periods, pending drafts and their line parts",
        make: { context in
            let stage = NumberStage(persistState: context.environment.persistState)
            stage.sendsLineEvents = context.environment.sendsLineEvents
            return stage
        })

    /// The state entries: a counter, a numbered period, a pending draft, a
    /// settlement partition done with a period, a pending line part.
    public enum StateKey: StageStateKey {
        /// Last number issued per "country + year" (e.g. GB2026).
        case counter(String)
        case numbered(PeriodKey)
        case draft(PeriodKey, agent: Int64)
        case source(PeriodKey, settlePartition: Int32)
        case lines(PeriodKey, agent: Int64, part: Int)

        public var encoded: String {
            switch self {
            case .counter(let key): "ctr/\(key)"
            case .numbered(let period): "numbered/\(StateKeyText.encode(period))"
            case .draft(let period, let agent): "draft/\(StateKeyText.encode(period))/\(agent)"
            case .source(let period, let source): "src/\(StateKeyText.encode(period))/\(source)"
            case .lines(let period, let agent, let part): "lines/\(StateKeyText.encode(period))/\(agent)/\(part)"
            }
        }

        public init(decoding text: Substring) throws {
            let tag = text.prefix { $0 != "/" }
            switch tag {
            case "ctr":
                let fields = try StateKeyText.fields(text, tag: "ctr", count: 2)
                guard !fields[1].isEmpty else { throw DecodingFailure("empty counter name") }
                self = .counter(String(fields[1]))
            case "numbered":
                let fields = try StateKeyText.fields(text, tag: "numbered", count: 3)
                self = .numbered(try StateKeyText.period(fields[1], fields[2]))
            case "draft":
                let fields = try StateKeyText.fields(text, tag: "draft", count: 4)
                self = .draft(try StateKeyText.period(fields[1], fields[2]), agent: try StateKeyText.int64(fields[3], "agent"))
            case "src":
                let fields = try StateKeyText.fields(text, tag: "src", count: 4)
                self = .source(try StateKeyText.period(fields[1], fields[2]), settlePartition: try StateKeyText.int32(fields[3], "settle partition"))
            case "lines":
                let fields = try StateKeyText.fields(text, tag: "lines", count: 5)
                self = .lines(try StateKeyText.period(fields[1], fields[2]), agent: try StateKeyText.int64(fields[3], "agent"),
                              part: Int(try StateKeyText.int64(fields[4], "part")))
            default:
                throw DecodingFailure("unknown entry '\(tag)'")
            }
        }
    }

    public let journal: StateJournal<StateKey>
    var numbering = InvoiceNumbering()
    /// Drafts of periods not yet numbered, by agent (a replayed draft
    /// replaces itself), and the settlement partitions that finished.
    var pending: [PeriodKey: (sources: Set<Int32>, drafts: [Int64: Invoice])] = [:]
    /// Lines waiting for their period to be numbered: period → agent → parts,
    /// kept encoded (they leave as they came). Bounded by the periods open.
    /// Not journalled: a restarted worker reads them again from cass.drafts
    /// (`ReplayingStageLogic`), from the first part of each period waiting.
    var lineParts: [PeriodKey: [Int64: [Int: EncodedLinePart]]] = [:]
    /// The input partition and offset of the first line part kept of each
    /// period waiting to be numbered.
    var firstLineAt: [PeriodKey: (partition: Int32, offset: Int64)] = [:]
    /// Counters and numbered periods read while restoring.
    var restoringCounters: [String: Int] = [:]
    var restoringNumbered: Set<PeriodKey> = []

    /// Whether issued invoices' lines go to cass.events (`StageEnvironment.sendsLineEvents`).
    var sendsLineEvents = true

    public init(persistState: Bool = false) { journal = StateJournal(enabled: persistState) }

    public func restore(partition: Int32, key: StateKey, value: [UInt8]) throws {
        switch key {
        case .counter(let name):
            var reader = BinaryReader(value)
            // Counters only grow: the highest copy is the true one (folders
            // written before counters were journaled per operation hold
            // stale copies in other operations' partitions).
            let restored = Int(try reader.i64())
            restoringCounters[name] = max(restoringCounters[name] ?? 0, restored)
        case .numbered(let period):
            restoringNumbered.insert(period)
        case .lines(let period, let agent, _):
            let part = try EncodedLinePart.restored(value)
            lineParts[period, default: [:]][agent, default: [:]][part.index] = part
        case .draft(let period, let agent):
            pending[period, default: ([], [:])].drafts[agent] = try StateValue.invoice(value)
        case .source(let period, let source):
            pending[period, default: ([], [:])].sources.insert(source)
        }
    }

    public func restored(partition: Int32) throws {
        var counters = numbering.lastIssued
        for (name, value) in restoringCounters { counters[name] = max(counters[name] ?? 0, value) }
        let numbered = numbering.numbered.union(restoringNumbered)
        for period in numbered {
            pending[period] = nil
            lineParts[period] = nil
            firstLineAt[period] = nil
        }
        numbering = InvoiceNumbering(lastIssued: counters, numbered: numbered)
        restoringCounters = [:]
        restoringNumbered = []
    }

    public func forget(partition: Int32) {
        // Numbering is per operation and operations map to partitions; a
        // worker that loses a partition keeps counters it will not use.
        // Its waiting lines go: the new owner reads them again.
        for (period, at) in firstLineAt where at.partition == partition {
            firstLineAt[period] = nil
            lineParts[period] = nil
        }
    }

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        switch message {
        case .draftLines(let period, let agent, let part):
            keep(EncodedLinePart(part), of: period, agent: agent, record: record)
        case .drafts(let period, let source, let sourceCount, let invoices):
            try collect(period, source: source, sourceCount: sourceCount, invoices: invoices, record: record, output: &output)
        default:
            throw DecodingFailure("the number stage does not take \(message.kind) messages")
        }
    }

    func keep(_ part: EncodedLinePart, of period: PeriodKey, agent: Int64, record: LogRecord) {
        guard !numbering.numbered.contains(period) else { return }
        lineParts[period, default: [:]][agent, default: [:]][part.index] = part
        if let first = firstLineAt[period], first.offset <= record.offset { return }
        firstLineAt[period] = (record.partition, record.offset)
    }

    func collect(_ period: PeriodKey, source: Int32, sourceCount: Int32, invoices: [Invoice], record: LogRecord, output: inout StageOutput) throws {
        var entry = pending[period] ?? ([], [:])
        guard !numbering.numbered.contains(period), !entry.sources.contains(source) else { return }
        for draft in invoices {
            entry.drafts[draft.agentCode] = draft
            journal.put(record.partition, .draft(period, agent: draft.agentCode), StateValue.encode(draft))
        }
        // sourceCount 0: more drafts of this source follow (large periods
        // travel in several messages); otherwise this source is complete.
        if sourceCount > 0 {
            entry.sources.insert(source)
            journal.put(record.partition, .source(period, settlePartition: source), [1])
        }
        guard sourceCount > 0, entry.sources.count >= Int(sourceCount) else {
            pending[period] = entry
            return
        }
        pending[period] = nil
        guard let issue = try numbering.issue(period, drafts: Array(entry.drafts.values)) else { return }
        journal.put(record.partition, .numbered(period), [1])
        // Restore drops a numbered period's lines, drafts and sources: those
        // of this checkpoint are not written at all (a period's draft lines
        // and drafts mostly arrive in the batch that numbers it, and the
        // lines are as many bytes as the period's invoices).
        journal.discard(record.partition) { key in
            switch key {
            case .lines(let of, _, _), .draft(let of, _), .source(let of, _): of == period
            case .counter, .numbered: false
            }
        }
        if journal.enabled {
            // Only this operation's counters, into this partition: a counter
            // of another operation journaled here would be a stale copy of
            // the one its own partition keeps, and could win at restore.
            for key in Set(issue.invoices.map { period.country + String($0.invoiceDate.year) }) {
                guard let value = numbering.lastIssued[key] else { continue }
                var w = BinaryWriter(capacity: 8)
                w.i64(Int64(value))
                journal.put(record.partition, .counter(key), w.finish())
            }
        }
        let periodLines = lineParts.removeValue(forKey: period) ?? [:]
        firstLineAt[period] = nil
        let invoicePartitions = output.partitions(Self.invoices)
        for invoice in issue.invoices {
            let parts = (periodLines[invoice.agentCode] ?? [:]).values.sorted { $0.index < $1.index }
            output.emit(Self.invoices, key: invoice.number, .invoiceHeader(invoice, parts: parts.count))
            let partition = Self.invoices.partition(for: invoice.number, count: invoicePartitions)
            let key = Array(invoice.number.utf8)
            for part in parts {
                output.emit(Self.invoices, partition: partition, key: key, encoded: part.invoiceLinesMessage(number: invoice.number))
            }
        }
        let closed = StageMessage.periodClosed(period: period, invoices: issue.invoices.count, total: issue.total, disbursements: issue.disbursements)
        output.emit(Self.settlements, key: period.country, closed)
        // The facts for notifications and the public events: each invoice
        // without lines, then its lines in the same parts, keyed by agent
        // (one partition, in order).
        let eventPartitions = output.partitions(Self.events)
        for invoice in issue.invoices {
            let parts = (periodLines[invoice.agentCode] ?? [:]).values.sorted { $0.index < $1.index }
            let sectionLines = invoice.sections.map { section in
                parts.reduce(0) { $0 + ($1.airlinePrefix == section.airlinePrefix ? $1.lineCount : 0) }
            }
            let agent = invoice.agentCodeText
            output.emit(Self.events, key: agent, .invoiceIssued(invoice, parts: parts.count, sectionLines: sectionLines))
            guard sendsLineEvents, !parts.isEmpty else { continue }
            let partition = Self.events.partition(for: agent, count: eventPartitions)
            let key = Array(agent.utf8)
            for part in parts {
                output.emit(Self.events, partition: partition, key: key,
                            encoded: part.issuedLinesMessage(country: invoice.country, invoiceDate: invoice.invoiceDate, number: invoice.number))
            }
        }
        output.emit(Self.events, key: period.country, closed)
    }
}


extension NumberStage: ReplayingStageLogic {
    public func replayFrom(partition: Int32) -> Int64? {
        firstLineAt.values.lazy.filter { $0.partition == partition }.map(\.offset).min()
    }

    /// Only line parts: drafts, sources, counters and numbered periods read
    /// again are in the restored state already.
    public func replay(_ record: LogRecord) {
        // Drafts (whole invoices) are not decoded only to be dropped.
        guard record.value.first == MessageKind.draftLines.rawValue else { return }
        if keepRaw(record) { return }
        guard let message = try? StageMessage.decode(record.value), case .draftLines(let period, let agent, let part) = message else { return }
        keep(EncodedLinePart(part), of: period, agent: agent, record: record)
    }
}

extension NumberStage: RawStageLogic {
    /// Draft lines (most of the stage's input bytes) are kept as they came:
    /// their part is read only as far as checking it is what encoding its
    /// decoded form would write. Anything else is decoded as usual.
    public func handleRaw(_ record: LogRecord, output: inout StageOutput) throws -> Bool {
        keepRaw(record)
    }

    /// Keeps a binary draftLines record from its bytes; false for anything else.
    func keepRaw(_ record: LogRecord) -> Bool {
        let value = record.value
        guard value.count > 2, value[0] == MessageKind.draftLines.rawValue, value[1] == StageMessage.version else { return false }
        var r = BinaryReader(value)
        r.position = 2
        guard let country = try? r.string(), let period = try? r.period(), let agent = try? r.i64(),
              let part = EncodedLinePart.canonical(in: value, at: r.position) else { return false }
        keep(part, of: PeriodKey(country: country, period: period), agent: agent, record: record)
        return true
    }
}
