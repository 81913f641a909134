/// An issued invoice: the CASS Cargo Sales Report of one agent for one
/// operation and billing period. Everything a renderer needs is in here, so
/// renderers never consult the engine.
public struct Invoice: Sendable, Hashable, Codable {
    public var number: String
    public var country: String
    public var period: BillingPeriod
    public var currency: String
    public var minorDigits: Int
    public var invoiceDate: CivilDate
    public var remittanceDate: CivilDate
    public var agentCode: Int64
    public var sections: [InvoiceSection]
    public var lineCount: Int
    public var netDue: Int64
    public var taxCharged: Int64
    public var taxCredited: Int64
    /// What the agent pays (negative: what it is paid).
    public var total: Int64

    public init(number: String, country: String, period: BillingPeriod, currency: String, minorDigits: Int, invoiceDate: CivilDate, remittanceDate: CivilDate, agentCode: Int64, sections: [InvoiceSection], lineCount: Int, netDue: Int64, taxCharged: Int64, taxCredited: Int64, total: Int64) {
        self.number = number
        self.country = country
        self.period = period
        self.currency = currency
        self.minorDigits = minorDigits
        self.invoiceDate = invoiceDate
        self.remittanceDate = remittanceDate
        self.agentCode = agentCode
        self.sections = sections
        self.lineCount = lineCount
        self.netDue = netDue
        self.taxCharged = taxCharged
        self.taxCredited = taxCredited
        self.total = total
    }

    public var agentCodeText: String { AgentCodeText.format(agentCode) }
}

/// One airline's part of an invoice.
public struct InvoiceSection: Sendable, Hashable, Codable {
    public var airlinePrefix: Int32
    /// In order of AWB serial, then transaction order.
    public var lines: [InvoiceLine]
    public var taxes: [TaxLine]
    public var netDue: Int64
    public var taxCharged: Int64
    public var taxCredited: Int64
    /// Line amounts + charged taxes − credited taxes.
    public var total: Int64

    public init(airlinePrefix: Int32, lines: [InvoiceLine], taxes: [TaxLine], netDue: Int64, taxCharged: Int64, taxCredited: Int64, total: Int64) {
        self.airlinePrefix = airlinePrefix
        self.lines = lines
        self.taxes = taxes
        self.netDue = netDue
        self.taxCharged = taxCharged
        self.taxCredited = taxCredited
        self.total = total
    }
}

/// One accepted billing record on the invoice. For a `CCA` every amount is
/// the difference to the AWB's previous accepted version.
public struct InvoiceLine: Sendable, Hashable, Codable {
    public var awb: String
    public var awbSerial: Int32
    public var transaction: TransactionType
    public var issueDate: CivilDate
    public var origin: String
    public var destination: String
    public var chargeableWeightTenthsKg: Int64
    public var weightCharge: Int64
    public var valuationCharge: Int64
    public var otherChargesDueCarrier: Int64
    public var commission: Int64
    public var incentive: Int64
    /// The line amount: net due (a difference for a `CCA`).
    public var amount: Int64
    public var reasonCode: String
    /// Where it came from: file name and sequence number.
    public var sourceFile: String
    public var sourceSequence: Int32
    /// Prepaid or collect, for `AWB` and `CCA` lines (a collect AWB's net
    /// is minus its commission and incentive: the documents say why); nil
    /// on memos, and on lines stored before the field existed.
    public var chargesIndicator: ChargesIndicator?

    public init(awb: String, awbSerial: Int32, transaction: TransactionType, issueDate: CivilDate, origin: String, destination: String, chargeableWeightTenthsKg: Int64, weightCharge: Int64, valuationCharge: Int64, otherChargesDueCarrier: Int64, commission: Int64, incentive: Int64, amount: Int64, reasonCode: String, sourceFile: String, sourceSequence: Int32, chargesIndicator: ChargesIndicator? = nil) {
        self.awb = awb
        self.awbSerial = awbSerial
        self.transaction = transaction
        self.issueDate = issueDate
        self.origin = origin
        self.destination = destination
        self.chargeableWeightTenthsKg = chargeableWeightTenthsKg
        self.weightCharge = weightCharge
        self.valuationCharge = valuationCharge
        self.otherChargesDueCarrier = otherChargesDueCarrier
        self.commission = commission
        self.incentive = incentive
        self.amount = amount
        self.reasonCode = reasonCode
        self.sourceFile = sourceFile
        self.sourceSequence = sourceSequence
        self.chargesIndicator = chargesIndicator
    }
}

public struct TaxLine: Sendable, Hashable, Codable {
    public var code: String
    public var description: String
    public var base: TaxBase
    public var rateHundredthsPercent: Int64
    public var direction: TaxDirection
    public var baseAmount: Int64
    public var amount: Int64

    public init(code: String, description: String, base: TaxBase, rateHundredthsPercent: Int64, direction: TaxDirection, baseAmount: Int64, amount: Int64) {
        self.code = code
        self.description = description
        self.base = base
        self.rateHundredthsPercent = rateHundredthsPercent
        self.direction = direction
        self.baseAmount = baseAmount
        self.amount = amount
    }
}

/// What one airline receives from one operation for one period.
public struct Disbursement: Sendable, Hashable, Codable {
    public var country: String
    public var period: BillingPeriod
    public var airlinePrefix: Int32
    public var currency: String
    public var agents: Int
    public var amount: Int64

    public init(country: String, period: BillingPeriod, airlinePrefix: Int32, currency: String, agents: Int, amount: Int64) {
        self.country = country
        self.period = period
        self.airlinePrefix = airlinePrefix
        self.currency = currency
        self.agents = agents
        self.amount = amount
    }
}

extension BillingPeriod: Codable {
    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(Int.self)
        guard let period = BillingPeriod(yyyymmnn: value) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a YYYYMMNN period: \(value)"))
        }
        self = period
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(yyyymmnn)
    }
}
