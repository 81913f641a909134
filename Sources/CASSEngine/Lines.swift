import CASSDomain

/// Where a record came from: enough to report it and to recognise a replay.
public struct RecordSource: Sendable, Hashable {
    public var fileName: String
    /// Position of the file in its operation's processing order.
    public var fileOrdinal: Int64
    public var sequence: Int32
    public var identity: ReportedIdentity
    /// The prefix and serial fields as they stood (text is made only for a rejection).
    public var awbPrefixText: ASCIICode
    public var awbSerialText: ASCIICode

    public init(fileName: String, fileOrdinal: Int64, sequence: Int32, identity: ReportedIdentity, awbPrefixText: ASCIICode, awbSerialText: ASCIICode) {
        self.fileName = fileName
        self.fileOrdinal = fileOrdinal
        self.sequence = sequence
        self.identity = identity
        self.awbPrefixText = awbPrefixText
        self.awbSerialText = awbSerialText
    }

    /// `PPP-SSSSSSSS` as the fields stood in the file.
    public var awbText: String { awbPrefixText.description + "-" + awbSerialText.description }

    public func rejection(_ problem: Problem) -> Rejection {
        Rejection(file: fileName, airline: identity.airline, country: identity.country, period: identity.period, sequence: Int(sequence), awb: awbText, problem: problem)
    }
}

/// A record that passed every check that needs no history; R10 and R11 are
/// still to come.
public struct CheckedRecord: Sendable, Hashable {
    public var source: RecordSource
    public var country: String
    public var period: BillingPeriod
    public var record: BillingRecord
    public var issueDate: CivilDate

    public init(source: RecordSource, country: String, period: BillingPeriod, record: BillingRecord, issueDate: CivilDate) {
        self.source = source
        self.country = country
        self.period = period
        self.record = record
        self.issueDate = issueDate
    }
}

/// An accepted record as an invoice line: for a `CCA` every amount is the
/// difference to the AWB's previous accepted version; a memo carries only
/// its net. `taxRuleMask` is filled in by the tax stage.
public struct BilledLine: Sendable, Hashable {
    public var country: String
    public var period: BillingPeriod
    public var agentCode: Int64
    public var airlinePrefix: Int32
    public var awbSerial: Int32
    public var transaction: TransactionType
    public var fileName: String
    public var fileOrdinal: Int64
    public var sequence: Int32
    public var issueDate: CivilDate
    /// The date tax rules are chosen by: the line's own issue date, or for a
    /// memo the latest accepted version's.
    public var taxDate: CivilDate
    public var origin: ASCIICode
    public var destination: ASCIICode
    public var chargeableWeightTenthsKg: Int64
    public var weightCharge: Int64
    public var valuationCharge: Int64
    public var otherChargesDueCarrier: Int64
    public var commission: Int64
    public var incentive: Int64
    public var amount: Int64
    public var reasonCode: ASCIICode
    /// Bit i set: the operation's tax rule i applies to this line.
    public var taxRuleMask: UInt64 = 0
    /// The record's charges indicator on `AWB` and `CCA` lines; nil on memos.
    public var chargesIndicator: ChargesIndicator?

    public init(country: String, period: BillingPeriod, agentCode: Int64, airlinePrefix: Int32, awbSerial: Int32, transaction: TransactionType, fileName: String, fileOrdinal: Int64, sequence: Int32, issueDate: CivilDate, taxDate: CivilDate, origin: ASCIICode, destination: ASCIICode, chargeableWeightTenthsKg: Int64, weightCharge: Int64, valuationCharge: Int64, otherChargesDueCarrier: Int64, commission: Int64, incentive: Int64, amount: Int64, reasonCode: ASCIICode, taxRuleMask: UInt64 = 0, chargesIndicator: ChargesIndicator? = nil) {
        self.country = country
        self.period = period
        self.agentCode = agentCode
        self.airlinePrefix = airlinePrefix
        self.awbSerial = awbSerial
        self.transaction = transaction
        self.fileName = fileName
        self.fileOrdinal = fileOrdinal
        self.sequence = sequence
        self.issueDate = issueDate
        self.taxDate = taxDate
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
        self.taxRuleMask = taxRuleMask
        self.chargesIndicator = chargesIndicator
    }

    /// The line's base for a tax rule.
    public func base(_ base: TaxBase) -> Int64 { LineAmounts(self).base(base) }

    public var invoiceLine: InvoiceLine {
        InvoiceLine(
            awb: AWBKey(prefix: airlinePrefix, serial: awbSerial).description, awbSerial: awbSerial, transaction: transaction,
            issueDate: issueDate, origin: origin.description, destination: destination.description,
            chargeableWeightTenthsKg: chargeableWeightTenthsKg, weightCharge: weightCharge, valuationCharge: valuationCharge,
            otherChargesDueCarrier: otherChargesDueCarrier, commission: commission, incentive: incentive, amount: amount,
            reasonCode: reasonCode.isBlank ? "" : reasonCode.description, sourceFile: fileName, sourceSequence: sequence,
            chargesIndicator: chargesIndicator)
    }
}
