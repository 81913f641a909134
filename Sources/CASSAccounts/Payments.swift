import CASSDomain

/// One payment of an invoice.
public struct Payment: Sendable, Hashable, Codable {
    public var id: String
    public var amountMinor: Int64
    public var method: PaymentMethod
    public var date: CivilDate
    public var reference: String

    public init(id: String, amountMinor: Int64, method: PaymentMethod, date: CivilDate, reference: String) {
        self.id = id
        self.amountMinor = amountMinor
        self.method = method
        self.date = date
        self.reference = reference
    }
}

/// The payment rules of portal.md "Payments", as plain functions of an
/// invoice's total, its remittance date and the payments made by a date.
public enum PaymentRules {
    /// Days after the remittance date beyond which an unpaid invoice is in
    /// default.
    public static let defaultAfterDays = 10

    /// Status as of `date`, with `paidMinor` the sum of the payments dated
    /// on or before it.
    public static func status(totalMinor: Int64, paidMinor: Int64, remittanceDate: CivilDate, asOf date: CivilDate) -> InvoiceStatus {
        if totalMinor <= 0 { return .credit }
        if paidMinor >= totalMinor { return .paid }
        if date <= remittanceDate { return paidMinor > 0 ? .partlyPaid : .open }
        if date > remittanceDate.adding(days: defaultAfterDays) { return .default }
        return .overdue
    }
}

/// An issued invoice and what has happened to it since.
public struct InvoiceAccount: Sendable, Hashable {
    public let invoice: IssuedInvoice
    /// In the order they were recorded.
    public internal(set) var payments: [Payment] = []
    /// Every dispute raised on it, in the order raised.
    public internal(set) var disputeIDs: [String] = []
    /// The remittance-date collection has run (wallet, then direct debit).
    var collected = false
    /// The overdue check of the day after the remittance date has run.
    var overdueChecked = false

    init(invoice: IssuedInvoice) { self.invoice = invoice }

    public var number: String { invoice.number }
    public var isPayable: Bool { invoice.totalMinor > 0 }

    /// The sum of the payments dated on or before `date` (all of them when
    /// nil). Recording a payment checked that they sum within 64 bits.
    public func paidMinor(asOf date: CivilDate? = nil) -> Int64 {
        var paid: Int64 = 0
        for payment in payments where date.map({ payment.date <= $0 }) ?? true { paid += payment.amountMinor }
        return paid
    }

    /// What is left to pay as of `date`: never negative (an overpayment is
    /// the agent's credit, not a negative outstanding).
    public func outstandingMinor(asOf date: CivilDate? = nil) -> Int64 {
        guard isPayable else { return 0 }
        return max(0, invoice.totalMinor - paidMinor(asOf: date))
    }

    public func status(asOf date: CivilDate) -> InvoiceStatus {
        PaymentRules.status(totalMinor: invoice.totalMinor, paidMinor: paidMinor(asOf: date), remittanceDate: invoice.remittanceDate, asOf: date)
    }

    /// The date of the payment that completed it: payments dated on or
    /// before `date` taken in date order (recording order within a date)
    /// until they reach the total. Nil while unpaid, or for a credit invoice.
    public func completedOn(asOf date: CivilDate? = nil) -> CivilDate? {
        guard isPayable else { return nil }
        let ordered = payments.enumerated()
            .filter { entry in date.map { entry.element.date <= $0 } ?? true }
            .sorted { ($0.element.date, $0.offset) < ($1.element.date, $1.offset) }
        var paid: Int64 = 0
        for (_, payment) in ordered {
            paid += payment.amountMinor
            if paid >= invoice.totalMinor { return payment.date }
        }
        return nil
    }
}

/// An agent company's balances with CASS in one operation.
public struct AgentAccount: Sendable, Hashable {
    public let key: AccountKey
    /// Top-ups not yet spent.
    public internal(set) var walletMinor: Int64 = 0
    /// Overpayments not yet applied to a later invoice.
    public internal(set) var creditMinor: Int64 = 0
    public internal(set) var directDebit = false
    public internal(set) var topUps: [WalletTopUp] = []
    /// The grade of the last risk assessment recorded, nil before the first.
    public internal(set) var lastGrade: RiskGrade?
    /// How many times the recorded grade changed: numbers the flags.
    var gradeChanges = 0

    // The conservation invariant, checked on every move of money:
    // received = covered + wallet + credit, where received is every top-up
    // and every payment that brings money in, and covered is what payments
    // of any method paid of invoice totals (never beyond a total).
    public internal(set) var receivedMinor: Int64 = 0
    public internal(set) var coveredMinor: Int64 = 0

    init(key: AccountKey) { self.key = key }

    func assertConserved() {
        let (held, o1) = walletMinor.addingReportingOverflow(creditMinor)
        let (accounted, o2) = held.addingReportingOverflow(coveredMinor)
        precondition(!o1 && !o2 && accounted == receivedMinor && walletMinor >= 0 && creditMinor >= 0,
                     "money not conserved for \(key): received \(receivedMinor), covered \(coveredMinor), wallet \(walletMinor), credit \(creditMinor)")
    }
}

public struct WalletTopUp: Sendable, Hashable, Codable {
    public var id: String
    public var amountMinor: Int64
    public var date: CivilDate
    public var reference: String

    public init(id: String, amountMinor: Int64, date: CivilDate, reference: String) {
        self.id = id
        self.amountMinor = amountMinor
        self.date = date
        self.reference = reference
    }
}
