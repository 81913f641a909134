import CASSDomain

/// The whole job as one deterministic, single-threaded composition of the
/// stage functions: files in processing order, then every period present
/// closed in ascending order per operation. The embedded worker pipeline
/// must give the same results; tests compare the two.
public struct SettlementRun: Sendable {
    public let reference: ReferenceData
    public var registry = FileRegistry()
    public var ledger = AWBLedger()
    public var accumulator: SettlementAccumulator
    public var numbering = InvoiceNumbering()
    public var closed: Set<PeriodKey> = []
    public var rejections: [Rejection] = []
    public var invoices: [Invoice] = []
    public var disbursements: [Disbursement] = []
    private var nextOrdinal: Int64 = 1

    public init(reference: ReferenceData, keepLines: Bool = false) {
        self.reference = reference
        self.accumulator = SettlementAccumulator(keepLines: keepLines)
    }

    /// Processes one file; files must come in the spec's processing order.
    public mutating func process(_ result: IngestionResult) throws(AmountOverflow) {
        if let rejection = result.fileRejection {
            rejections.append(rejection)
            return
        }
        rejections.append(contentsOf: result.recordRejections)
        for checked in result.checked {
            switch try ledger.apply(checked) {
            case .billed(var line, _):
                let rules = reference.taxRules(for: line.country)
                line.taxRuleMask = TaxCalculator.ruleMask(for: line.taxDate, rules: rules)
                accumulator.add(line, rules: rules)
            case .rejected(let problem):
                rejections.append(checked.source.rejection(problem))
            case .replay:
                break
            }
        }
    }

    public mutating func ingest(bytes: UnsafeRawBufferPointer, fileName: String, reader: Ingestion.Reader) throws(AmountOverflow) {
        let ordinal = nextOrdinal
        nextOrdinal += 1
        let result = Ingestion.ingest(bytes: bytes, fileName: fileName, fileOrdinal: ordinal, reference: reference, closedPeriods: closed, registry: &registry, reader: reader)
        try process(result)
    }

    /// Closes one period of one operation: final and idempotent.
    public mutating func close(_ period: PeriodKey) throws(AmountOverflow) {
        guard let operation = reference.operation(period.country) else { return }
        closed.insert(period)
        let drafts = try accumulator.close(period, operation: operation, rules: reference.taxRules(for: period.country))
        if let issue = try numbering.issue(period, drafts: drafts) {
            invoices.append(contentsOf: issue.invoices)
            disbursements.append(contentsOf: issue.disbursements)
        }
    }

    /// Closes every period with accumulated lines, ascending per operation.
    public mutating func closeAll() throws(AmountOverflow) {
        for period in accumulator.openPeriods { try close(period) }
    }
}
