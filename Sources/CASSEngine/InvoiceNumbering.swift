import CASSDomain

/// Gapless invoice numbers `{country}{YYYY}{NNNNNN}` per operation and
/// calendar year of the invoice date, in ascending agent code order,
/// continuing the year's sequence across periods.
public struct InvoiceNumbering: Sendable, Hashable {
    /// Last number issued per "country + year".
    public private(set) var lastIssued: [String: Int] = [:]
    /// Periods already numbered: closing twice changes nothing.
    public private(set) var numbered: Set<PeriodKey> = []

    public init() {}

    public init(lastIssued: [String: Int], numbered: Set<PeriodKey>) {
        self.lastIssued = lastIssued
        self.numbered = numbered
    }

    public struct Issue: Sendable {
        public var invoices: [Invoice]
        public var disbursements: [Disbursement]
        /// The sum of the invoices' totals, which equals the sum of the
        /// disbursements (checked when issued).
        public var total: Int64
    }

    /// The most invoices an operation can number in a calendar year: the
    /// number's six digits.
    public static let invoicesPerYearMax = 999_999

    /// Numbers one closed period's drafts. Returns nil if that period was
    /// numbered already. Throws, numbering nothing, when a period's sums
    /// leave the 64-bit range.
    public mutating func issue(_ period: PeriodKey, drafts: [Invoice]) throws(AmountOverflow) -> Issue? {
        guard !numbered.contains(period) else { return nil }
        var invoices = drafts.sorted { $0.agentCode < $1.agentCode }
        for index in invoices.indices {
            precondition(invoices[index].country == period.country && invoices[index].period == period.period, "a draft of another period in \(period)")
            precondition(index == 0 || invoices[index - 1].agentCode < invoices[index].agentCode, "two drafts for agent \(invoices[index].agentCode) in \(period)")
        }
        // Sums first: a period whose money does not fit is not numbered at
        // all (no number is used up by a run that stops).
        let disbursements = try Disbursements.compute(invoices)
        let invoicedExact = invoices.reduce(Int128(0)) { $0 + Int128($1.total) }
        let disbursedExact = disbursements.reduce(Int128(0)) { $0 + Int128($1.amount) }
        // The settlement invariant: what agents pay is what airlines get.
        precondition(invoicedExact == disbursedExact, "settlement invariant broken for \(period): invoices \(invoicedExact) != disbursements \(disbursedExact)")
        guard let invoiced = Int64(exactly: invoicedExact) else {
            throw AmountOverflow("the sum of the invoice totals of operation \(period.country), period \(period.period), is \(invoicedExact), outside the 64-bit range of amounts")
        }
        numbered.insert(period)
        for index in invoices.indices {
            let year = invoices[index].invoiceDate.year
            let counterKey = period.country + String(year)
            let next = (lastIssued[counterKey] ?? 0) + 1
            precondition(next <= Self.invoicesPerYearMax, "operation \(period.country) would issue more than \(Self.invoicesPerYearMax) invoices in \(year)")
            lastIssued[counterKey] = next
            invoices[index].number = period.country + Padding.zeros(String(year), to: 4) + Padding.zeros(String(next), to: 6)
        }
        return Issue(invoices: invoices, disbursements: disbursements, total: invoiced)
    }
}

public enum Disbursements {
    /// Per airline, the sum of its sections' totals over the agents; an
    /// amount that would leave the 64-bit range throws, naming the airline
    /// and the invoice that took it there.
    public static func compute(_ invoices: [Invoice]) throws(AmountOverflow) -> [Disbursement] {
        struct Key: Hashable { var country: String; var period: Int; var airline: Int32 }
        // Exact sums: the drafts' order must not decide whether one passes the limit.
        var sums: [Key: (currency: String, agents: Int, amount: Int128, period: BillingPeriod)] = [:]
        for invoice in invoices {
            for section in invoice.sections {
                let key = Key(country: invoice.country, period: invoice.period.yyyymmnn, airline: section.airlinePrefix)
                var value = sums[key] ?? (invoice.currency, 0, 0, invoice.period)
                value.agents += 1
                value.amount += Int128(section.total)
                sums[key] = value
            }
        }
        var result: [Disbursement] = []
        for (key, value) in sums {
            guard let amount = Int64(exactly: value.amount) else {
                throw AmountOverflow("the disbursement to airline \(Padding.zeros(String(key.airline), to: 3)) in operation \(key.country), period \(value.period), "
                                     + "is \(value.amount), outside the 64-bit range of amounts (the sum of its sections in \(value.agents) invoices)")
            }
            result.append(Disbursement(country: key.country, period: value.period, airlinePrefix: key.airline, currency: value.currency, agents: value.agents, amount: amount))
        }
        return result.sorted { ($0.airlinePrefix, $0.country, $0.period.yyyymmnn) < ($1.airlinePrefix, $1.country, $1.period.yyyymmnn) }
    }
}
