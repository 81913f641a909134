import CASSDomain

/// Management statistics of one operation and period for the airlines:
/// what was billed, what was rejected (by code), per agent and per origin.
/// Accumulated from the issued invoices and the rejections; adding the same
/// inputs in any order gives the same value.
public struct BillingStatistics: Sendable, Hashable {
    public struct Tally: Sendable, Hashable {
        public var count: Int = 0
        public var amount: Int64 = 0
    }

    public struct AirlineFigures: Sendable, Hashable {
        /// Sum of this airline's section totals: its disbursement.
        public var billed = Tally()
        public var taxCharged: Int64 = 0
        public var taxCredited: Int64 = 0
        public var invoices = 0
        public var rejectedFiles = 0
        public var rejectedRecords = 0
        public var rejectionsByCode: [RejectionCode: Int] = [:]
        /// Agent code text to lines and section total.
        public var perAgent: [String: Tally] = [:]
        /// Origin airport to lines and line amounts.
        public var perOrigin: [String: Tally] = [:]
    }

    public let country: String
    public let period: String
    public var currency: String
    public var minorDigits: Int
    /// Keyed by the three-digit airline prefix as text (`125`, `057`).
    public var airlines: [String: AirlineFigures] = [:]

    public init(country: String, period: String, currency: String, minorDigits: Int) {
        self.country = country
        self.period = period
        self.currency = currency
        self.minorDigits = minorDigits
    }

    static func prefixText(_ prefix: Int32) -> String {
        let p = String(prefix)
        return String(repeating: "0", count: max(0, 3 - p.count)) + p
    }

    public mutating func add(_ invoice: Invoice) {
        for section in invoice.sections {
            var figures = airlines[Self.prefixText(section.airlinePrefix), default: AirlineFigures()]
            figures.billed.count += section.lines.count
            figures.billed.amount += section.total
            figures.taxCharged += section.taxCharged
            figures.taxCredited += section.taxCredited
            figures.invoices += 1
            figures.perAgent[invoice.agentCodeText, default: Tally()].count += section.lines.count
            figures.perAgent[invoice.agentCodeText, default: Tally()].amount += section.total
            // In place (`InPlace`): a copied line retained its file name.
            InPlace.forEach(section.lines) { line in
                figures.perOrigin[line.pointee.origin, default: Tally()].count += 1
                figures.perOrigin[line.pointee.origin, default: Tally()].amount += line.pointee.amount
            }
            airlines[Self.prefixText(section.airlinePrefix)] = figures
        }
    }

    public mutating func add(_ rejection: Rejection) {
        let key = rejection.airline.isEmpty ? "???" : rejection.airline
        var figures = airlines[key, default: AirlineFigures()]
        if rejection.code.isFileLevel { figures.rejectedFiles += 1 } else { figures.rejectedRecords += 1 }
        figures.rejectionsByCode[rejection.code, default: 0] += 1
        airlines[key] = figures
    }

    /// The statistics of one operation and period from everything issued and rejected in it.
    public static func accumulate(country: String, period: String, currency: String, minorDigits: Int,
                                  invoices: [Invoice], rejections: [Rejection]) -> BillingStatistics {
        var stats = BillingStatistics(country: country, period: period, currency: currency, minorDigits: minorDigits)
        for invoice in invoices where invoice.country == country && invoice.period.description == period { stats.add(invoice) }
        for rejection in rejections where rejection.country == country && rejection.period == period { stats.add(rejection) }
        return stats
    }

    public var totalBilled: Int64 { airlines.values.reduce(0) { $0 + $1.billed.amount } }
}
