import CASSDomain

/// Where an invoice's payment stands on the day its Cargo Sales Report is
/// rendered: the figures of the report's Payment Summary and the credits of
/// its Additional Adjustments & Charges. The renderer does not know the
/// payments engine (CASSAccounts); whoever renders passes this in. At
/// period close nothing is paid yet (`unpaid`); `cass serve` renders a
/// download with the account as it stands that day.
public struct DocumentPayments: Sendable, Hashable {
    /// The statuses of the payment rules (docs/accounts.md), spelt as the
    /// API spells them; the translation keys are `status.<rawValue>`.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case open
        case partlyPaid = "partly-paid"
        case paid, overdue
        case `default`
        case credit
    }

    /// How money reached the invoice; the translation keys are
    /// `method.<rawValue>`. `credit` is an earlier overpayment applied.
    public enum Method: String, Sendable, Hashable, CaseIterable {
        case bankTransfer = "bank-transfer"
        case directDebit = "direct-debit"
        case card, wallet, credit
    }

    public struct MethodTotal: Sendable, Hashable {
        public var method: Method
        public var amountMinor: Int64
        public init(method: Method, amountMinor: Int64) {
            self.method = method
            self.amountMinor = amountMinor
        }
    }

    /// One application of an earlier overpayment to this invoice.
    public struct CreditApplied: Sendable, Hashable {
        public var date: CivilDate
        public var amountMinor: Int64
        public var reference: String
        public init(date: CivilDate, amountMinor: Int64, reference: String) {
            self.date = date
            self.amountMinor = amountMinor
            self.reference = reference
        }
    }

    /// The day the figures are as of.
    public var asOf: CivilDate
    public var status: Status
    public var paidMinor: Int64
    public var outstandingMinor: Int64
    /// Paid per method, methods with nothing paid left out.
    public var paidByMethod: [MethodTotal]
    public var creditsApplied: [CreditApplied]

    public init(asOf: CivilDate, status: Status, paidMinor: Int64, outstandingMinor: Int64, paidByMethod: [MethodTotal], creditsApplied: [CreditApplied]) {
        self.asOf = asOf
        self.status = status
        self.paidMinor = paidMinor
        self.outstandingMinor = outstandingMinor
        self.paidByMethod = paidByMethod
        self.creditsApplied = creditsApplied
    }

    /// Nothing paid, as of the invoice date: what a report rendered at
    /// period close shows (`open`, or `credit` when the total is not
    /// positive: nothing to pay).
    public static func unpaid(_ invoice: Invoice) -> DocumentPayments {
        let payable = invoice.total > 0
        return DocumentPayments(asOf: invoice.invoiceDate, status: payable ? .open : .credit, paidMinor: 0,
                                outstandingMinor: payable ? invoice.total : 0, paidByMethod: [], creditsApplied: [])
    }
}

/// A memo of a dispute billed on an invoice: a line with reason code `DSP`
/// (docs/accounts.md "The memo"). The dispute's id is known when the memo
/// was billed by `cass serve` (its source is `DSP-<dispute id>`); a memo
/// with that reason from an airline's own file is a dispute settled off
/// line and shows without an id.
struct DisputeMemoLine {
    static let reasonCode = "DSP"
    static let sourcePrefix = "DSP-"

    let airlinePrefix: Int32
    let line: InvoiceLine

    var disputeID: String? {
        line.sourceFile.hasPrefix(Self.sourcePrefix) ? String(line.sourceFile.dropFirst(Self.sourcePrefix.count)) : nil
    }

    /// Every DSP memo line of the invoice, by airline prefix then line order.
    /// The lines are tested in place (`InPlace.indices`) and only a memo
    /// line is copied: filtering copied every line, and each copy retained
    /// and released its file name (PDF and workbook ask, for every invoice).
    static func all(in invoice: Invoice) -> [DisputeMemoLine] {
        var result: [DisputeMemoLine] = []
        for section in invoice.sections.sorted(by: { $0.airlinePrefix < $1.airlinePrefix }) {
            for index in InPlace.indices(of: section.lines, where: { ($0.pointee.transaction == .ccm || $0.pointee.transaction == .dcm) && $0.pointee.reasonCode == reasonCode }) {
                result.append(DisputeMemoLine(airlinePrefix: section.airlinePrefix, line: section.lines[index]))
            }
        }
        return result
    }
}
