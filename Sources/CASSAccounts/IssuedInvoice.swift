import CASSDomain

/// What the accounts engine keeps of an issued invoice: its money and dates,
/// the terms of its operation when it was issued, and per AWB the sum of its
/// lines (what may be disputed) with what a dispute memo needs to bill it.
///
/// The operation's terms travel with the invoice so that replaying the
/// records rebuilds the same state whatever the reference data says later:
/// an invoice's dispute window is the one in force when it was issued.
public struct IssuedInvoice: Sendable, Hashable, Codable {
    public var number: String
    public var country: String
    @PeriodText public var period: BillingPeriod
    public var currency: String
    @AgentCodeText public var agent: Int64
    public var invoiceDate: CivilDate
    public var remittanceDate: CivilDate
    public var totalMinor: Int64
    public var periodsPerMonth: Int
    public var disputeDays: Int
    /// In invoice order (airline, then AWB serial).
    public var awbs: [InvoiceAWB]

    public init(number: String, country: String, period: BillingPeriod, currency: String, agent: Int64, invoiceDate: CivilDate,
                remittanceDate: CivilDate, totalMinor: Int64, periodsPerMonth: Int, disputeDays: Int, awbs: [InvoiceAWB]) {
        self.number = number
        self.country = country
        self.period = period
        self.currency = currency
        self.agent = agent
        self.invoiceDate = invoiceDate
        self.remittanceDate = remittanceDate
        self.totalMinor = totalMinor
        self.periodsPerMonth = periodsPerMonth
        self.disputeDays = disputeDays
        self.awbs = awbs
    }

    /// Summarises an invoice as the pipeline issued it, with its operation's
    /// terms. Throws when an AWB's lines do not sum within 64 bits.
    public init(_ invoice: Invoice, operation: Operation) throws(AccountsError) {
        var awbs: [InvoiceAWB] = []
        var index: [AWBKey: Int] = [:]
        // Sized once: an invoice of a 1M-AWB close holds thousands of AWBs,
        // and the index grew by doubling, rehashing each time.
        let lines = invoice.sections.reduce(0) { $0 + $1.lines.count }
        awbs.reserveCapacity(lines)
        index.reserveCapacity(lines)
        for section in invoice.sections {
            for line in section.lines {
                let key = AWBKey(prefix: section.airlinePrefix, serial: line.awbSerial)
                // Lines are in transaction order within an AWB, so the last
                // one seen carries the AWB's latest issue date and route.
                let latest = InvoiceAWB(airline: section.airlinePrefix, serial: line.awbSerial, amountMinor: line.amount,
                                        issueDate: line.issueDate, origin: line.origin, destination: line.destination)
                if let at = index[key] {
                    let sum = try CheckedMoney.add(awbs[at].amountMinor, line.amount)
                    awbs[at] = latest
                    awbs[at].amountMinor = sum
                } else {
                    index[key] = awbs.count
                    awbs.append(latest)
                }
            }
        }
        self.init(number: invoice.number, country: invoice.country, period: invoice.period, currency: invoice.currency,
                  agent: invoice.agentCode, invoiceDate: invoice.invoiceDate, remittanceDate: invoice.remittanceDate,
                  totalMinor: invoice.total, periodsPerMonth: operation.periodsPerMonth, disputeDays: operation.disputeDays, awbs: awbs)
    }

    public var account: AccountKey { AccountKey(country: country, agent: agent) }

    /// The last day an agent may raise a dispute on it.
    public var lastDisputeDay: CivilDate { invoiceDate.adding(days: disputeDays) }

    public func awb(_ key: AWBKey) -> InvoiceAWB? {
        awbs.first { $0.airline == key.prefix && $0.serial == key.serial }
    }

    func validate() throws(AccountsError) {
        guard !number.isEmpty, number.utf8.count <= AccountsLimits.idMaxCharacters else { throw .invalidInvoice("number '\(number)'") }
        guard periodsPerMonth == 2 || periodsPerMonth == 4, period.fits(periodsPerMonth: periodsPerMonth) else {
            throw .invalidInvoice("period \(period) with \(periodsPerMonth) periods a month")
        }
        guard disputeDays >= 0, disputeDays <= 3_660 else { throw .invalidInvoice("dispute window of \(disputeDays) days") }
        guard remittanceDate >= invoiceDate else { throw .invalidInvoice("remittance date \(remittanceDate) before invoice date \(invoiceDate)") }
        // The pipeline lists AWBs in invoice order (airline, then serial):
        // strictly ascending holds no AWB twice, checked without hashing
        // each (~700 instructions an AWB); any other order is checked by set.
        var ascending = true
        for index in awbs.indices.dropFirst() where (awbs[index - 1].airline, awbs[index - 1].serial) >= (awbs[index].airline, awbs[index].serial) {
            ascending = false
            break
        }
        guard !ascending else { return }
        var seen = Set<AWBKey>()
        for awb in awbs where !seen.insert(AWBKey(prefix: awb.airline, serial: awb.serial)).inserted {
            throw .invalidInvoice("AWB \(awb.awbText) listed twice")
        }
    }
}

/// The lines of one AWB on an invoice, summed.
public struct InvoiceAWB: Sendable, Hashable, Codable {
    @AirlinePrefixText public var airline: Int32
    public var serial: Int32
    /// The sum of the AWB's line amounts on the invoice.
    public var amountMinor: Int64
    /// Of the AWB's latest line: what a memo referring to it repeats.
    public var issueDate: CivilDate
    public var origin: String
    public var destination: String

    public init(airline: Int32, serial: Int32, amountMinor: Int64, issueDate: CivilDate, origin: String, destination: String) {
        self.airline = airline
        self.serial = serial
        self.amountMinor = amountMinor
        self.issueDate = issueDate
        self.origin = origin
        self.destination = destination
    }

    public var key: AWBKey { AWBKey(prefix: airline, serial: serial) }
    public var awbText: String { key.description }
}
