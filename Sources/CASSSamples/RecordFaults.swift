import CASSDomain

/// Deliberately broken billing records, one rejection code each. Every
/// fault is built so that the broken rule is the FIRST one the spec's
/// precedence (R12, R03, R06, R01, R02, R04, R05, R09, R07, R08, R10, R11)
/// finds: the rest of the record is correct, and a broken first billing is
/// never referred to again (a later correction would be R11).
extension SampleWorld {
    static let recordCodes: [RejectionCode] = [.R01, .R02, .R03, .R04, .R05, .R06, .R07, .R08, .R09, .R10, .R11, .R12]

    /// Writes one broken record (two lines' worth of slots for R10 when the
    /// lane has nothing billed yet: the original and its duplicate).
    /// Returns the number of billing records written.
    mutating func writeFault(_ wanted: RejectionCode, slots: Int, lane: inout Lane, file: inout SampleFileBuilder, context: FileContext) -> Int {
        var code = wanted
        if code == .R10, lane.billed.isEmpty, slots < 2 { code = .R01 }
        let variant = nextVariant(code)
        var written = 1
        var what = ""
        var line = 0
        var awbText = ""

        func fresh(_ world: inout SampleWorld, forceOtherCharges: Bool = false) -> (BillingRecord, [OtherCharge]) {
            let awb = SampleBilling.identity(serial: world.freshSerial(context.airline), agent: world.random.pick(context.activeAgents), &world.random, context)
            return SampleBilling.version(.awb, of: awb, weight: awb.weight, &world.random, context, forceOtherCharges: forceOtherCharges)
        }

        switch code {
        case .R01:
            var (record, charges) = fresh(&self)
            let seven = Int(record.awbSerial) / 10
            record.awbSerial = Int32(seven * 10 + (seven % 7 + 1 + random.below(6)) % 7)
            line = file.append(record, charges: charges)
            awbText = text(record)
            what = "AWB serial check digit wrong"
        case .R02:
            var (record, charges) = fresh(&self)
            let others = otherOperationAgents(than: context.country)
            switch variant % 4 {
            case 1 where !inactiveAgents(context.country, .suspended).isEmpty:
                record.agentCode = random.pick(inactiveAgents(context.country, .suspended))
                what = "agent suspended in this operation"
            case 2 where !inactiveAgents(context.country, .terminated).isEmpty:
                record.agentCode = random.pick(inactiveAgents(context.country, .terminated))
                what = "agent terminated in this operation"
            case 3 where !others.isEmpty:
                record.agentCode = random.pick(others)
                what = "agent registered in another operation only"
            default:
                let ten = Int(record.agentCode / 10)
                record.agentCode = Int64(ten * 10 + (ten % 7 + 1 + random.below(6)) % 7)
                what = "agent code check digit wrong"
            }
            line = file.append(record, charges: charges)
            awbText = text(record)
        case .R03:
            var (record, charges) = fresh(&self)
            let others = SampleReference.airlines.map(\.prefix).filter { $0 != context.airline }
            record.airlinePrefix = random.pick(others)
            record.awbSerial = freshSerial(record.airlinePrefix)
            line = file.append(record, charges: charges)
            awbText = text(record)
            what = "airline prefix \(record.airlinePrefix) differs from the header's"
        case .R04:
            var (record, charges) = fresh(&self)
            if variant % 2 == 0 {
                record.issueDateDigits = Int32(context.creationDate.year * 10000 + 231)
                what = "issue date \(record.issueDateDigits) is not a calendar date"
            } else {
                record.issueDateDigits = Int32(context.creationDate.adding(days: 1 + random.below(5)).yyyymmdd)
                what = "issue date after the file creation date"
            }
            line = file.append(record, charges: charges)
            awbText = text(record)
        case .R05:
            var (record, charges) = fresh(&self)
            record.destination = record.origin
            line = file.append(record, charges: charges)
            awbText = text(record)
            what = "origin equals destination"
        case .R06:
            var (record, charges) = fresh(&self)
            record.currency = ASCIICode(context.profile.foreignCurrency)
            line = file.append(record, charges: charges)
            awbText = text(record)
            what = "currency \(context.profile.foreignCurrency) differs from the header's"
        case .R07:
            var (record, charges) = fresh(&self)
            let delta = Int64(1 + random.below(99))
            record.commission += record.commission > delta && random.percent(50) ? -delta : delta
            record.netDue = SampleBilling.netDue(record)
            line = file.append(record, charges: charges)
            awbText = text(record)
            what = "commission amount off by \(delta) minor units (net due consistent with it)"
        case .R08:
            (line, awbText, what) = writeNetFault(variant, lane: &lane, file: &file, context: context)
        case .R09:
            let (record, freshCharges) = fresh(&self, forceOtherCharges: true)
            var charges = freshCharges
            let index = variant % 2 == 0 ? charges.firstIndex { $0.dueCarrier } : charges.firstIndex { !$0.dueCarrier }
            let delta = Int64(1 + random.below(50))
            if let index {
                charges[index].amount += delta
            }
            line = file.append(record, charges: charges)
            awbText = text(record)
            what = variant % 2 == 0 ? "OCH lines due carrier sum \(delta) above OCDC" : "OCH lines due agent sum \(delta) above OCDA"
        case .R10:
            let original: BilledAWB
            if lane.billed.isEmpty {
                original = SampleBilling.identity(serial: freshSerial(context.airline), agent: random.pick(context.activeAgents), &random, context)
                let (record, charges) = SampleBilling.version(.awb, of: original, weight: original.weight, &random, context)
                file.append(record, charges: charges)
                countTransaction(.awb)
                lane.remember(original, &random)
                written = 2
                what = "second AWB transaction for an AWB billed earlier in this file"
            } else {
                original = random.pick(lane.billed)
                what = "AWB transaction for an AWB already billed"
            }
            let (record, charges) = SampleBilling.version(.awb, of: original, weight: original.weight, &random, context)
            line = file.append(record, charges: charges)
            awbText = text(record)
        case .R11:
            let others = context.activeAgents
            if variant % 3 == 2, let billed = lane.billed.isEmpty ? nil : random.pick(lane.billed), others.count > 1 {
                var changed = billed
                changed.agent = others.first { $0 != billed.agent } ?? billed.agent
                let (record, charges) = SampleBilling.version(.cca, of: changed, weight: billed.weight, &random, context)
                line = file.append(record, charges: charges)
                awbText = text(record)
                what = "CCA naming another agent than the AWB's first billing"
            } else if variant % 6 == 3, let (elsewhere, operation) = peekBilledElsewhere(lane: lane) {
                // Billed in another operation of this airline, never here:
                // each operation is its own settlement.
                var local = elsewhere
                local.agent = random.pick(context.activeAgents)
                if local.issueDate > Int32(context.creationDate.yyyymmdd) { local.issueDate = SampleBilling.issueDate(&random, context) }
                let (record, charges) = SampleBilling.version(.cca, of: local, weight: local.weight, &random, context)
                line = file.append(record, charges: charges)
                awbText = text(record)
                what = "CCA for an AWB billed in operation \(operation) only, never in this one"
            } else {
                let never = SampleBilling.identity(serial: freshSerial(context.airline), agent: random.pick(context.activeAgents), &random, context)
                if variant % 3 == 1 {
                    let record = SampleBilling.memo(.dcm, of: never, &random, context)
                    line = file.append(record, charges: [])
                    awbText = text(record)
                    what = "DCM for an AWB never billed"
                } else {
                    let (record, charges) = SampleBilling.version(.cca, of: never, weight: never.weight, &random, context)
                    line = file.append(record, charges: charges)
                    awbText = text(record)
                    what = "CCA for an AWB never billed"
                }
            }
        case .R12:
            (line, awbText, what) = writeMalformed(variant, lane: &lane, file: &file, context: context)
        default:
            preconditionFailure("not a record code: \(code)")
        }
        record(code, file: file, line: line, awb: awbText, what: what)
        return written
    }

    /// R08: the net due disagrees with the amounts, or a memo breaks its
    /// sign or carries another amount.
    private mutating func writeNetFault(_ variant: Int, lane: inout Lane, file: inout SampleFileBuilder, context: FileContext) -> (Int, String, String) {
        if !lane.billed.isEmpty, variant % 4 != 0 {
            let billed = random.pick(lane.billed)
            switch variant % 4 {
            case 1:
                var record = SampleBilling.memo(.dcm, of: billed, &random, context)
                record.netDue = -record.netDue
                return (file.append(record, charges: []), text(record), "DCM with a negative net due")
            case 2:
                var record = SampleBilling.memo(.ccm, of: billed, &random, context)
                record.valuationCharge = SampleBilling.minor(Int64(random.inRange(100...5_000)), context)
                return (file.append(record, charges: []), text(record), "CCM carrying a valuation charge")
            default:
                var (record, charges) = SampleBilling.version(.cca, of: billed, weight: billed.weight, &random, context)
                record.netDue += Int64(1 + random.below(500))
                return (file.append(record, charges: charges), text(record), "CCA net due disagrees with its amounts")
            }
        }
        let awb = SampleBilling.identity(serial: freshSerial(context.airline), agent: random.pick(context.activeAgents), &random, context)
        var (record, charges) = SampleBilling.version(.awb, of: awb, weight: awb.weight, &random, context)
        record.netDue -= Int64(1 + random.below(500))
        return (file.append(record, charges: charges), text(record), "net due disagrees with its amounts")
    }

    /// R12: a field that does not parse. Control totals count a malformed
    /// amount as zero, so the file's trailer stays right.
    private mutating func writeMalformed(_ variant: Int, lane: inout Lane, file: inout SampleFileBuilder, context: FileContext) -> (Int, String, String) {
        if variant % 6 == 5, !lane.billed.isEmpty {
            var record = SampleBilling.memo(random.percent(50) ? .dcm : .ccm, of: random.pick(lane.billed), &random, context)
            record.reasonCode = SampleBilling.blank
            return (file.append(record, charges: []), text(record), "\(record.transaction.code) without a reason code")
        }
        let awb = SampleBilling.identity(serial: freshSerial(context.airline), agent: random.pick(context.activeAgents), &random, context)
        var (record, charges) = SampleBilling.version(.awb, of: awb, weight: awb.weight, &random, context)
        typealias F = CBFLayout.Record
        switch variant % 6 {
        case 1:
            let line = file.append(record, charges: charges, weightChargeCounts: false)
            file.patch(line: line, F.weightCharge, with: "+0000O" + String(String(record.weightCharge).suffix(6)).leftPadded(6))
            return (line, text(record), "weight charge holds a letter O")
        case 2:
            let line = file.append(record, charges: charges)
            file.patch(line: line, F.chargeableWeight, with: "00 " + String(record.chargeableWeightTenthsKg % 10_000).leftPadded(4))
            return (line, text(record), "chargeable weight holds a space")
        case 3:
            let line = file.append(record, charges: charges)
            file.patch(line: line, F.indicator, with: "X")
            return (line, text(record), "charges indicator X")
        case 4:
            charges = []
            record.otherChargesDueCarrier = 0
            record.otherChargesDueAgent = 0
            record.netDue = SampleBilling.netDue(record)
            let line = file.append(record, charges: charges)
            file.patch(line: line, F.transaction, with: "ABW")
            return (line, text(record), "unknown transaction ABW")
        default:
            let line = file.append(record, charges: charges, netCounts: false)
            file.patch(line: line, F.netDue, with: "*" + String(String(record.netDue.magnitude).suffix(11)).leftPadded(11))
            return (line, text(record), "net due with sign '*'")
        }
    }

    func text(_ record: BillingRecord) -> String {
        String(record.airlinePrefix).leftPadded(3) + "-" + String(record.awbSerial).leftPadded(8)
    }

    private func otherOperationAgents(than country: String) -> [Int64] {
        SampleReference.agents.filter { $0.country != country && $0.status == .active }.map(\.code)
    }

    private func inactiveAgents(_ country: String, _ status: AgentStatus) -> [Int64] {
        SampleReference.agents.filter { $0.country == country && $0.status == status }.map(\.code)
    }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
