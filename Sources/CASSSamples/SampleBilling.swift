import CASSDomain

/// An AWB whose first billing was accepted: later corrections, memos and
/// duplicates refer to it. Only identity is kept, so a million AWBs cost
/// little: a correction draws fresh amounts anyway.
struct BilledAWB {
    var serial: Int32
    var agent: Int64
    var issueDate: Int32
    var origin: ASCIICode
    var destination: ASCIICode
    var weight: Int64
}

/// One airline in one operation: its file numbering and the AWBs it billed
/// there that later records may refer to.
struct Lane {
    static let poolMax = 4096

    let airline: Int32
    let operationIndex: Int
    var lastFileSequence = 0
    var billed: [BilledAWB] = []

    mutating func remember(_ awb: BilledAWB, _ random: inout SampleRandom) {
        if billed.count < Self.poolMax {
            billed.append(awb)
        } else {
            billed[random.below(billed.count)] = awb
        }
    }
}

/// What every record of one file shares.
struct FileContext {
    let profile: SampleReference.OperationProfile
    let airline: Int32
    let currency: ASCIICode
    let firstDay: CivilDate
    let lastDay: CivilDate
    let creationDate: CivilDate
    let activeAgents: [Int64]
    let origins: [ASCIICode]
    let destinations: [ASCIICode]

    var country: String { profile.operation.country }
}

/// Draws well-formed, rule-abiding billing records: every amount obeys
/// billing-file.md exactly (commission rounded half away from zero, net due
/// per charges indicator, OCH lines summing to OCDC/OCDA, memos with only a
/// signed net due).
enum SampleBilling {
    static let commissionRates: [Int32] = [0, 300, 500, 500, 600, 750, 1000, 1250]
    static let carrierChargeCodes = ["MY", "SC", "CG", "RA", "AW"].map(ASCIICode.init)
    static let agentChargeCodes = ["AW", "CH"].map(ASCIICode.init)
    static let correctionReasons = ["WGT", "RTE", "CHG", "OCH"].map(ASCIICode.init)
    static let debitReasons = ["RTE", "WGT", "OCH", "FEE"].map(ASCIICode.init)
    static let creditReasons = ["DSP", "RTE", "CMS", "INC"].map(ASCIICode.init)
    static let blank = ASCIICode("   ")

    /// Amounts are drawn in pence and converted to the operation's minor
    /// units, so JPY and KWD amounts are as plausible as GBP ones.
    static func minor(_ pence: Int64, _ context: FileContext) -> Int64 {
        pence * context.profile.scalePercent / 100
    }

    /// The spec's net due for `AWB` and `CCA`.
    static func netDue(_ record: BillingRecord) -> Int64 {
        let deductions = record.commission + record.incentive
        if record.indicator == .collect { return -deductions }
        return record.weightCharge + record.valuationCharge + record.otherChargesDueCarrier - deductions
    }

    static func issueDate(_ random: inout SampleRandom, _ context: FileContext) -> Int32 {
        let first = context.firstDay.dayNumber - 6
        let day = first + random.below(context.lastDay.dayNumber - first + 1)
        return Int32(CivilDate(dayNumber: day).yyyymmdd)
    }

    static func identity(serial: Int32, agent: Int64, _ random: inout SampleRandom, _ context: FileContext) -> BilledAWB {
        let origin = random.pick(context.origins)
        var destination = random.pick(context.destinations)
        if destination == origin { destination = context.destinations[0] == origin ? context.destinations[1] : context.destinations[0] }
        return BilledAWB(serial: serial, agent: agent, issueDate: issueDate(&random, context), origin: origin, destination: destination, weight: Int64(random.inRange(10...20_000)))
    }

    /// A full version (`AWB` or `CCA`) of the AWB's charges.
    static func version(_ transaction: TransactionType, of awb: BilledAWB, weight: Int64, _ random: inout SampleRandom, _ context: FileContext, forceOtherCharges: Bool = false) -> (BillingRecord, [OtherCharge]) {
        var record = BillingRecord()
        record.airlinePrefix = context.airline
        record.awbSerial = awb.serial
        record.transaction = transaction
        record.agentCode = awb.agent
        record.issueDateDigits = awb.issueDate
        record.origin = awb.origin
        record.destination = awb.destination
        record.indicator = random.percent(80) ? .prepaid : .collect
        record.currency = context.currency
        record.chargeableWeightTenthsKg = weight
        let ratePencePerKg = Int64(random.inRange(150...650))
        record.weightCharge = max(minor(2_500, context), minor(weight * ratePencePerKg / 10, context))
        if random.percent(20) {
            record.valuationCharge = minor(Int64(random.inRange(500...40_000)), context)
        }
        var charges: [OtherCharge] = []
        if forceOtherCharges || random.percent(60) {
            let carrierLines = forceOtherCharges ? 1 + random.below(2) : random.below(3)
            for _ in 0..<carrierLines {
                charges.append(OtherCharge(code: random.pick(carrierChargeCodes), dueCarrier: true, amount: minor(Int64(random.inRange(100...30_000)), context), sequence: 0))
            }
            let agentLines = forceOtherCharges ? 1 : (random.percent(30) ? 1 : 0)
            for _ in 0..<agentLines {
                charges.append(OtherCharge(code: random.pick(agentChargeCodes), dueCarrier: false, amount: minor(Int64(random.inRange(500...5_000)), context), sequence: 0))
            }
            for charge in charges {
                if charge.dueCarrier { record.otherChargesDueCarrier += charge.amount } else { record.otherChargesDueAgent += charge.amount }
            }
        } else if random.percent(5) {
            // Totals without itemised lines are allowed: R09 only checks lines that exist.
            record.otherChargesDueCarrier = minor(Int64(random.inRange(100...10_000)), context)
        }
        record.commissionRate = random.pick(commissionRates)
        record.commission = Money.applyRate(record.weightCharge, rateHundredthsPercent: Int64(record.commissionRate))
        if random.percent(15) {
            record.incentive = Money.applyRate(record.weightCharge, rateHundredthsPercent: Int64(random.inRange(50...200)))
        }
        record.netDue = netDue(record)
        record.reasonCode = transaction == .cca && random.percent(50) ? random.pick(correctionReasons) : blank
        return (record, charges)
    }

    /// A `DCM` (charged) or `CCM` (credited): only the net due is non-zero.
    static func memo(_ transaction: TransactionType, of awb: BilledAWB, _ random: inout SampleRandom, _ context: FileContext) -> BillingRecord {
        var record = BillingRecord()
        record.airlinePrefix = context.airline
        record.awbSerial = awb.serial
        record.transaction = transaction
        record.agentCode = awb.agent
        record.issueDateDigits = awb.issueDate
        record.origin = awb.origin
        record.destination = awb.destination
        record.indicator = .prepaid
        record.currency = context.currency
        let amount = minor(Int64(random.inRange(100...50_000)), context)
        record.netDue = transaction == .dcm ? amount : -amount
        record.reasonCode = random.pick(transaction == .dcm ? debitReasons : creditReasons)
        return record
    }
}
