import CASSDomain

/// Turns one transaction's raw fields into a `BillingRecord` the way the
/// CBF reader does: every field filled as faithfully as it can be, the
/// first malformed field (in the CBF's field order) recorded as R12.
enum TransactionParser {
    static func parse(_ raw: RawTransaction, header: FileHeader, otherChargesStart: Int) -> (record: BillingRecord, otherCharges: [OtherCharge]) {
        var record = BillingRecord()
        record.sequence = Int32(raw.sequence)
        var malformed: (field: RecordField, problem: Problem)?
        // Built only for a record that has a problem: most have none.
        func location() -> String { "cass:transaction[\(raw.sequence)]/cass:BillingTransaction/" }

        func flag(_ field: RecordField, _ expected: String, _ value: RawValue) {
            guard malformed.map({ field.rawValue < $0.field.rawValue }) ?? true else { return }
            let found: String
            switch value {
            case .absent: found = "missing"
            case .repeated: found = "repeated"
            case .text(let text): found = "'" + OneRecordValues.reportable(text, width: 40) + "'"
            case .invalid(let what): found = what
            }
            malformed = (field, Problem(code: .R12, field: field.name, location: location() + field.path, expected: expected, found: found,
                                        message: "malformed field: \(field.name) must be \(expected), found \(found)"))
        }
        func text(_ field: RecordField) -> String? {
            if case .text(let value) = raw[field] { return value }
            return nil
        }
        /// Absent means zero for amounts, weight and rate; any other shape is malformed.
        func optionalText(_ field: RecordField) -> String?? {
            switch raw[field] {
            case .absent: return .some(nil)
            case .text(let value): return .some(value)
            default: return nil
            }
        }

        // Raw texts for rejections.csv's PPP-SSSSSSSS, as written.
        record.awbPrefixText = packed(OneRecordValues.reportable(text(.prefix) ?? "", width: 3))
        record.awbSerialText = packed(OneRecordValues.reportable(text(.serial) ?? "", width: 8))

        if let value = text(.prefix).flatMap({ OneRecordValues.digits($0, count: 3) }) {
            record.airlinePrefix = Int32(value)
        } else { flag(.prefix, "3 digits", raw[.prefix]) }
        if let value = text(.serial).flatMap({ OneRecordValues.digits($0, count: 8) }) {
            record.awbSerial = Int32(value)
        } else { flag(.serial, "8 digits", raw[.serial]) }
        if let value = text(.transaction).flatMap(TransactionType.init(code:)) {
            record.transaction = value
        } else { flag(.transaction, "AWB, CCA, DCM or CCM", raw[.transaction]) }

        let agentCode = text(.agentCode).flatMap { OneRecordValues.digits($0, count: 7) }
        let agentLocation = text(.agentLocation).flatMap { OneRecordValues.digits($0, count: 4) }
        if agentCode == nil { flag(.agentCode, "the 7-digit IATA cargo agent code of the AGT party", raw[.agentCode]) }
        if agentLocation == nil { flag(.agentLocation, "the 4-digit location identifier of the AGT party", raw[.agentLocation]) }
        record.agentCode = (agentCode ?? 0) * 10_000 + (agentLocation ?? 0)
        if agentCode == nil || agentLocation == nil { record.agentCode = 0 }

        if let digits = text(.issueDate).flatMap(OneRecordValues.executionDateDigits) {
            record.issueDateDigits = digits
        } else { flag(.issueDate, "YYYY-MM-DD, optionally with a time", raw[.issueDate]) }

        // Airports are taken as written: whether they are three letters is R05, the engine's.
        // Non-ASCII shows as '?': never three letters either.
        if let value = text(.origin) { record.origin = packed(OneRecordValues.reportable(value, width: 8)) } else { flag(.origin, "one location code", raw[.origin]) }
        if let value = text(.destination) { record.destination = packed(OneRecordValues.reportable(value, width: 8)) } else { flag(.destination, "one location code", raw[.destination]) }

        switch text(.indicator) {
        case "P": record.indicator = .prepaid
        case "C": record.indicator = .collect
        default: flag(.indicator, "PrepaidCollectIndicator#P or #C", raw[.indicator])
        }

        switch raw[.currency] {
        case .absent: record.currency = packed(header.currency)
        case .text(let code): record.currency = packed(OneRecordValues.reportable(code, width: 8))
        default: flag(.currency, "one CurrencyCode IRI", raw[.currency])
        }
        // The record's currency as text, only where a unit must be compared.
        let currency = raw.otherCharges.isEmpty ? "" : record.currency.description

        if let found = optionalText(.weight), let value = found.map(OneRecordValues.weightTenths) ?? 0 {
            record.chargeableWeightTenthsKg = value
        } else { flag(.weight, "kilograms with at most one decimal, at most 999999.9", raw[.weight]) }

        let digits = header.minorDigits
        let amountForm = digits == 0 ? "an amount without decimals" : "an amount with exactly \(digits) decimals"
        func amount(_ field: RecordField, _ negativeZeroBit: UInt8) -> Int64 {
            if let found = optionalText(field), let value = found.map({ OneRecordValues.amount($0, minorDigits: digits) }) ?? 0 {
                if value == 0, let text = found, OneRecordValues.isNegativeZero(text) { record.negativeZeroAmounts |= negativeZeroBit }
                return value
            }
            flag(field, amountForm, raw[field])
            return 0
        }
        record.weightCharge = amount(.weightCharge, NegativeZero.weightCharge)
        record.valuationCharge = amount(.valuationCharge, NegativeZero.valuationCharge)
        record.otherChargesDueCarrier = amount(.otherChargesDueCarrier, NegativeZero.otherChargesDueCarrier)
        record.otherChargesDueAgent = amount(.otherChargesDueAgent, NegativeZero.otherChargesDueAgent)
        if let found = optionalText(.commissionRate), let value = found.map(OneRecordValues.percentHundredths) ?? 0 {
            record.commissionRate = value
        } else { flag(.commissionRate, "a percentage with at most two decimals, below 100", raw[.commissionRate]) }
        record.commission = amount(.commission, NegativeZero.commission)
        record.incentive = amount(.incentive, NegativeZero.incentive)
        record.netDue = amount(.netDue, NegativeZero.netDue)

        // The CBF's reason field is 3 characters: an absent or short code is padded with spaces.
        switch raw[.reason] {
        case .absent:
            record.reasonCode = packed("   ")
        case .text(let code) where code.utf8.count <= 3 && code.utf8.allSatisfy(isAlphanumericOrSpace):
            record.reasonCode = packed(code + String(repeating: " ", count: 3 - code.utf8.count))
        default:
            record.reasonCode = packed(OneRecordValues.reportable(text(.reason) ?? "", width: 3))
            flag(.reason, "1 to 3 letters or digits", raw[.reason])
        }
        if record.transaction.isMemo, record.reasonCode.isBlank, malformed == nil {
            flag(.reason, "a reason code on a \(record.transaction.code)", raw[.reason])
        }
        if case .invalid = raw[.chargeIdentifier] {
            flag(.chargeIdentifier, "ChargeIdentifier#WT, VC, OC, OA, CO, SI or CN with one cargo:subTotal", raw[.chargeIdentifier])
        }

        var charges: [OtherCharge] = []
        for other in raw.otherCharges {
            // Built only for a charge that has a problem (was built for every
            // one: six string appends per other charge).
            func otherLocation() -> String { location() + "cass:waybill/cargo:Waybill/cargo:otherCharges[\(charges.count + 1)]/cargo:OtherCharge/" }
            func flagOther(_ name: String, _ element: String, _ expected: String, _ value: RawValue) {
                guard malformed == nil else { return }
                let found: String
                switch value {
                case .absent: found = "missing"
                case .repeated: found = "repeated"
                case .text(let text): found = "'" + OneRecordValues.reportable(text, width: 40) + "'"
                case .invalid(let what): found = what
                }
                malformed = (.chargeIdentifier, Problem(code: .R12, field: name, location: otherLocation() + element, expected: expected, found: found,
                                                        message: "malformed field: \(name) of other charge \(charges.count + 1) must be \(expected), found \(found)"))
            }
            var code = ASCIICode(rawPacked: 0, length: 0)
            if case .text(let value) = other.code, value.utf8.count == 2, packed(value).isUppercaseLetters {
                code = packed(value)
            } else {
                if case .text(let value) = other.code { code = packed(OneRecordValues.reportable(value, width: 2)) }
                flagOther("other-charge code", "cargo:otherChargeCode", "an OtherChargeCode IRI ending in 2 uppercase letters", other.code)
            }
            var dueCarrier = true
            switch other.entitlement {
            case .text("C"): dueCarrier = true
            case .text("A"): dueCarrier = false
            default: flagOther("entitlement", "cargo:entitlement", "EntitlementCode#A or #C", other.entitlement)
            }
            var value: Int64 = 0
            if case .text(let amountText) = other.amount, let parsed = OneRecordValues.amount(amountText, minorDigits: digits) {
                value = parsed
            } else {
                flagOther("other-charge amount", "cargo:otherChargeAmount/cargo:CurrencyValue/cargo:numericalValue", amountForm, other.amount)
            }
            switch other.currencyUnit {
            case .absent: break
            case .text(let unit): if unit != currency { record.otherChargeCurrencyMismatch = true }
            default: flagOther("other-charge currency", "cargo:otherChargeAmount/cargo:CurrencyValue/cargo:currencyUnit", "one CurrencyCode IRI", other.currencyUnit)
            }
            var charge = OtherCharge(code: code, dueCarrier: dueCarrier, amount: value, sequence: Int32(raw.sequence))
            if value == 0, case .text(let amountText) = other.amount { charge.amountIsNegativeZero = OneRecordValues.isNegativeZero(amountText) }
            charges.append(charge)
        }
        if !charges.isEmpty {
            record.otherChargesStart = Int32(otherChargesStart)
            record.otherChargesCount = Int32(charges.count)
        }
        record.malformed = malformed?.problem
        return (record, charges)
    }

    /// An ASCII code from a string without the array `ASCIICode(String)`
    /// builds (one allocation per field, per record).
    /// (`ASCIICode(bytes:)` is generic across modules: not specialised.)
    private static func packed(_ text: String) -> ASCIICode {
        OneRecordValues.withBytes(text) { bytes in
            var value: UInt64 = 0
            var count: UInt8 = 0
            for byte in bytes.prefix(8) {
                value = value << 8 | UInt64(byte)
                count += 1
            }
            return ASCIICode(rawPacked: value, length: count)
        }
    }

    private static func isAlphanumericOrSpace(_ b: UInt8) -> Bool {
        b == 32 || (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
    }
}
