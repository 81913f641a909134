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
    }

    /// Numbers one closed period's drafts. Returns nil if that period was
    /// numbered already.
    public mutating func issue(_ period: PeriodKey, drafts: [Invoice]) -> Issue? {
        guard numbered.insert(period).inserted else { return nil }
        var invoices = drafts.sorted { $0.agentCode < $1.agentCode }
        for index in invoices.indices {
            let year = invoices[index].invoiceDate.year
            let counterKey = period.country + String(year)
            let next = (lastIssued[counterKey] ?? 0) + 1
            lastIssued[counterKey] = next
            invoices[index].number = period.country + Padding.zeros(String(year), to: 4) + Padding.zeros(String(next), to: 6)
        }
        let disbursements = Disbursements.compute(invoices)
        // The settlement invariant: what agents pay is what airlines get.
        let invoiced = invoices.reduce(Int64(0)) { $0 &+ $1.total }
        let disbursed = disbursements.reduce(Int64(0)) { $0 &+ $1.amount }
        precondition(invoiced == disbursed, "settlement invariant broken for \(period): invoices \(invoiced) != disbursements \(disbursed)")
        return Issue(invoices: invoices, disbursements: disbursements)
    }
}

public enum Disbursements {
    public static func compute(_ invoices: [Invoice]) -> [Disbursement] {
        struct Key: Hashable { var country: String; var period: Int; var airline: Int32 }
        var sums: [Key: (currency: String, agents: Int, amount: Int64, period: BillingPeriod)] = [:]
        for invoice in invoices {
            for section in invoice.sections {
                let key = Key(country: invoice.country, period: invoice.period.yyyymmnn, airline: section.airlinePrefix)
                var value = sums[key] ?? (invoice.currency, 0, 0, invoice.period)
                value.agents += 1
                value.amount &+= section.total
                sums[key] = value
            }
        }
        return sums.map { key, value in
            Disbursement(country: key.country, period: value.period, airlinePrefix: key.airline, currency: value.currency, agents: value.agents, amount: value.amount)
        }.sorted { ($0.airlinePrefix, $0.country, $0.period.yyyymmnn) < ($1.airlinePrefix, $1.country, $1.period.yyyymmnn) }
    }
}
