import CASSDomain

/// The record-level checks that need only the record, its file's header,
/// its OCH lines and reference data: R12, R03, R06, R01, R02, R04, R05,
/// R09, R07, R08 in the spec's precedence. R10 and R11 need the AWB's
/// history and belong to `AWBLedger`.
public enum RecordChecks {
    /// What the checks need from a file's header and the reference data,
    /// looked up once per file rather than once per record.
    public struct Context: Sendable {
        public let header: FileHeader
        let currency: ASCIICode
        let agents: [Int64: Agent]

        public init(header: FileHeader, reference: ReferenceData) {
            self.header = header
            self.currency = ASCIICode(header.currency)
            self.agents = reference.agents[header.operation] ?? [:]
        }
    }

    public static func check(
        _ record: BillingRecord, otherCharges: ArraySlice<OtherCharge>, header: FileHeader, reference: ReferenceData
    ) -> Problem? {
        check(record, otherCharges: otherCharges, context: Context(header: header, reference: reference))
    }

    public static func check(_ record: BillingRecord, otherCharges: ArraySlice<OtherCharge>, context: Context) -> Problem? {
        let header = context.header
        if let malformed = record.malformed { return malformed }
        if record.airlinePrefix != header.airlinePrefix {
            return Problem(code: .R03, field: "airline prefix", location: CBFLayout.Record.airlinePrefix.location, expected: Padding.zeros(String(header.airlinePrefix), to: 3), found: "'\(record.awbPrefixText)'", message: "airline prefix \(record.awbPrefixText) differs from the header's \(Padding.zeros(String(header.airlinePrefix), to: 3))")
        }
        if record.currency != context.currency || record.otherChargeCurrencyMismatch {
            let message = record.otherChargeCurrencyMismatch ? "an other charge is in another currency than the record's" : "currency \(record.currency) differs from the header's \(header.currency)"
            return Problem(code: .R06, field: "currency", location: CBFLayout.Record.currency.location, expected: header.currency, found: "'\(record.currency)'", message: message)
        }
        if !CheckDigit.awbSerialIsValid(Int(record.awbSerial)) {
            let expected = (Int(record.awbSerial) / 10) % 7
            return Problem(code: .R01, field: "AWB serial number", location: CBFLayout.Record.awbSerial.location, expected: "check digit \(expected)", found: "'\(record.awbSerialText)'", message: "AWB serial \(record.awbSerialText): check digit should be \(expected) (first 7 digits mod 7), found \(record.awbSerial % 10)")
        }
        var agentText: String { AgentCodeText.format(record.agentCode) }
        if !CheckDigit.agentCodeIsValid(Int(record.agentCode)) {
            let expected = (record.agentCode / 10) % 7
            return Problem(code: .R02, field: "CASS agent code", location: CBFLayout.Record.agentCode.location, expected: "check digit \(expected)", found: "'\(agentText)'", message: "agent code \(agentText): check digit should be \(expected) (first 10 digits mod 7), found \(record.agentCode % 10)")
        }
        guard let agent = context.agents[record.agentCode] else {
            return Problem(code: .R02, field: "CASS agent code", location: CBFLayout.Record.agentCode.location, expected: "an agent registered in \(header.operation)", found: "'\(agentText)'", message: "agent \(agentText) is not registered in operation \(header.operation)")
        }
        if agent.status != .active {
            return Problem(code: .R02, field: "CASS agent code", location: CBFLayout.Record.agentCode.location, expected: "an active agent", found: "'\(agentText)'", message: "agent \(agentText) is \(agent.status.rawValue) in operation \(header.operation)")
        }
        guard let issueDate = CivilDate(yyyymmdd: Int(record.issueDateDigits)) else {
            return Problem(code: .R04, field: "AWB issue date", location: CBFLayout.Record.issueDate.location, expected: "a calendar date", found: "'\(Padding.zeros(String(record.issueDateDigits), to: 8))'", message: "issue date \(record.issueDateDigits) is not a calendar date")
        }
        if issueDate > header.creationDate {
            return Problem(code: .R04, field: "AWB issue date", location: CBFLayout.Record.issueDate.location, expected: "on or before \(header.creationDate)", found: "'\(issueDate)'", message: "issue date \(issueDate) is later than the file creation date \(header.creationDate)")
        }
        if !record.origin.isUppercaseLetters || record.origin.length != 3 {
            return Problem(code: .R05, field: "origin airport", location: CBFLayout.Record.origin.location, expected: "three letters", found: "'\(record.origin)'", message: "origin '\(record.origin)' is not a three-letter airport code")
        }
        if !record.destination.isUppercaseLetters || record.destination.length != 3 {
            return Problem(code: .R05, field: "destination airport", location: CBFLayout.Record.destination.location, expected: "three letters", found: "'\(record.destination)'", message: "destination '\(record.destination)' is not a three-letter airport code")
        }
        if record.origin == record.destination {
            return Problem(code: .R05, field: "destination airport", location: CBFLayout.Record.destination.location, expected: "an airport other than the origin", found: "'\(record.destination)'", message: "origin and destination are both \(record.origin)")
        }
        if !otherCharges.isEmpty {
            // Summed exactly (128 bits): a wrapped sum could match the
            // declared total. A sum beyond 64 bits matches no declared
            // total, so it is R09 like any other mismatch.
            var dueCarrierExact: Int128 = 0
            var dueAgentExact: Int128 = 0
            for charge in otherCharges {
                if charge.dueCarrier { dueCarrierExact += Int128(charge.amount) } else { dueAgentExact += Int128(charge.amount) }
            }
            let dueCarrier = Int64(clamping: dueCarrierExact), dueAgent = Int64(clamping: dueAgentExact)
            if dueCarrierExact != Int128(record.otherChargesDueCarrier) {
                return Problem(code: .R09, field: "other charges due carrier", location: CBFLayout.Record.otherChargesDueCarrier.location, expected: String(signed12: dueCarrier), found: "'\(String(signed12: record.otherChargesDueCarrier))'", message: "OCH lines due carrier sum to \(dueCarrier), the record's OCDC is \(record.otherChargesDueCarrier)")
            }
            if dueAgentExact != Int128(record.otherChargesDueAgent) {
                return Problem(code: .R09, field: "other charges due agent", location: CBFLayout.Record.otherChargesDueAgent.location, expected: String(signed12: dueAgent), found: "'\(String(signed12: record.otherChargesDueAgent))'", message: "OCH lines due agent sum to \(dueAgent), the record's OCDA is \(record.otherChargesDueAgent)")
            }
        }
        if record.transaction.isVersion {
            let commission = Money.applyRate(record.weightCharge, rateHundredthsPercent: Int64(record.commissionRate))
            if commission != record.commission {
                return Problem(code: .R07, field: "commission amount", location: CBFLayout.Record.commission.location, expected: String(signed12: commission), found: "'\(String(signed12: record.commission))'", message: "commission: expected \(String(signed12: commission)) from weight charge \(String(signed12: record.weightCharge)) at \(Money.decimalString(Int64(record.commissionRate), digits: 2)) %, found \(String(signed12: record.commission))")
            }
            let exact = expectedNetDueExact(record)
            let net = Int64(clamping: exact)
            if exact != Int128(record.netDue) {
                return Problem(code: .R08, field: "net amount due", location: CBFLayout.Record.netDue.location, expected: String(signed12: net), found: "'\(String(signed12: record.netDue))'", message: "net due: expected \(String(signed12: net)) (\(record.indicator == .prepaid ? "prepaid: weight + valuation + OCDC" : "collect:") - commission - incentive), found \(String(signed12: record.netDue))")
            }
        } else {
            // Field names and positions are formatted only for a rejection.
            let others: [(CBFLayoutField, Int64)] = [
                (CBFLayout.Record.weightCharge, record.weightCharge), (CBFLayout.Record.valuationCharge, record.valuationCharge),
                (CBFLayout.Record.otherChargesDueCarrier, record.otherChargesDueCarrier), (CBFLayout.Record.otherChargesDueAgent, record.otherChargesDueAgent),
                (CBFLayout.Record.commission, record.commission), (CBFLayout.Record.incentive, record.incentive),
            ]
            for (field, value) in others where value != 0 {
                return Problem(code: .R08, field: field.name, location: field.location, expected: "+00000000000", found: "'\(String(signed12: value))'", message: "a \(record.transaction.code) carries only a net amount; \(field.name) must be zero")
            }
            let signOK = record.transaction == .dcm ? record.netDue > 0 : record.netDue < 0
            if !signOK {
                return Problem(code: .R08, field: "net amount due", location: CBFLayout.Record.netDue.location, expected: record.transaction == .dcm ? "a positive amount" : "a negative amount", found: "'\(String(signed12: record.netDue))'", message: "a \(record.transaction.code) must be \(record.transaction == .dcm ? "positive (charged to the agent)" : "negative (credited to the agent)")")
            }
        }
        return nil
    }

    /// Net due as the spec defines it from the record's own amounts, clamped
    /// to the 64-bit range (a net that does not fit matches no record).
    public static func expectedNetDue(_ record: BillingRecord) -> Int64 {
        Int64(clamping: expectedNetDueExact(record))
    }

    /// The same, exactly: five 64-bit amounts cannot leave 128 bits.
    static func expectedNetDueExact(_ record: BillingRecord) -> Int128 {
        let deductions = Int128(record.commission) + Int128(record.incentive)
        switch record.indicator {
        case .prepaid:
            return Int128(record.weightCharge) + Int128(record.valuationCharge) + Int128(record.otherChargesDueCarrier) - deductions
        case .collect:
            return -deductions
        }
    }
}
