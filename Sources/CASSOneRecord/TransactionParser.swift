import CASSDomain

/// Turns one transaction's raw fields into a `BillingRecord` the way the
/// CBF reader does: every field filled as faithfully as it can be, the
/// first malformed field (in the CBF's field order) recorded as R12.
enum TransactionParser {
    /// The transaction `index` of `transactions`; `bytes` are its `bytes`
    /// (taken once for the whole file). Its other charges are appended to
    /// `otherCharges`.
    static func parse(_ transactions: RawTransactions, _ index: Int, bytes: UnsafeBufferPointer<UInt8>, document: UnsafeRawBufferPointer, header: FileHeader,
                      otherCharges charges: inout [OtherCharge]) -> BillingRecord {
        let entry = transactions.entries[index]
        let fieldsStart = index * RawTransactions.fieldCount
        let otherChargesStart = charges.count
        var record = BillingRecord()
        record.sequence = Int32(entry.sequence)
        var malformed: (field: RecordField, problem: Problem)?
        // Built only for a record that has a problem: most have none.
        func location() -> String { "cass:transaction[\(entry.sequence)]/cass:BillingTransaction/" }
        func raw(_ field: RecordField) -> RawField { transactions.fields[fieldsStart + field.rawValue] }
        /// A field's bytes (they live as long as `bytes`).
        func slice(_ start: Int32, _ end: Int32) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: bytes[Int(start)..<Int(end)])
        }
        /// A text field's bytes, wherever they are; nil for any other shape.
        func textBytes(_ field: RawField) -> UnsafeBufferPointer<UInt8>? {
            switch field {
            case .text(let start, let end): return slice(start, end)
            case .document(let start, let end): return UnsafeRawBufferPointer(rebasing: document[Int(start)..<Int(end)]).assumingMemoryBound(to: UInt8.self)
            default: return nil
            }
        }

        func flag(_ field: RecordField, _ expected: String, _ rawValue: RawField) {
            guard malformed.map({ field.rawValue < $0.field.rawValue }) ?? true else { return }
            let found: String
            switch transactions.value(rawValue, document: document) {
            case .absent: found = "missing"
            case .repeated: found = "repeated"
            case .text(let text): found = "'" + OneRecordValues.reportable(text, width: 40) + "'"
            case .invalid(let what): found = what
            }
            malformed = (field, Problem(code: .R12, field: field.name, location: location() + field.path, expected: expected, found: found,
                                        message: "malformed field: \(field.name) must be \(expected), found \(found)"))
        }
        func text(_ field: RecordField) -> UnsafeBufferPointer<UInt8>? {
            textBytes(raw(field))
        }
        /// Absent means zero for amounts, weight and rate; any other shape is malformed.
        func optionalText(_ field: RecordField) -> UnsafeBufferPointer<UInt8>?? {
            switch raw(field) {
            case .absent: return .some(nil)
            case .text, .document: return .some(textBytes(raw(field)))
            default: return nil
            }
        }
        let none = UnsafeBufferPointer<UInt8>(start: nil, count: 0)

        // Raw texts for rejections.csv's PPP-SSSSSSSS, as written.
        record.awbPrefixText = OneRecordValues.packedReportable(text(.prefix) ?? none, width: 3)
        record.awbSerialText = OneRecordValues.packedReportable(text(.serial) ?? none, width: 8)

        if let value = text(.prefix).flatMap({ OneRecordValues.digits($0, count: 3) }) {
            record.airlinePrefix = Int32(value)
        } else { flag(.prefix, "3 digits", raw(.prefix)) }
        if let value = text(.serial).flatMap({ OneRecordValues.digits($0, count: 8) }) {
            record.awbSerial = Int32(value)
        } else { flag(.serial, "8 digits", raw(.serial)) }
        if let value = text(.transaction).flatMap(transactionType) {
            record.transaction = value
        } else { flag(.transaction, "AWB, CCA, DCM or CCM", raw(.transaction)) }

        let agentCode = text(.agentCode).flatMap { OneRecordValues.digits($0, count: 7) }
        let agentLocation = text(.agentLocation).flatMap { OneRecordValues.digits($0, count: 4) }
        if agentCode == nil { flag(.agentCode, "the 7-digit IATA cargo agent code of the AGT party", raw(.agentCode)) }
        if agentLocation == nil { flag(.agentLocation, "the 4-digit location identifier of the AGT party", raw(.agentLocation)) }
        record.agentCode = (agentCode ?? 0) * 10_000 + (agentLocation ?? 0)
        if agentCode == nil || agentLocation == nil { record.agentCode = 0 }

        if let digits = text(.issueDate).flatMap(OneRecordValues.executionDateDigits) {
            record.issueDateDigits = digits
        } else { flag(.issueDate, "YYYY-MM-DD, optionally with a time", raw(.issueDate)) }

        // Airports are taken as written: whether they are three letters is R05, the engine's.
        // Non-ASCII shows as '?': never three letters either.
        if let value = text(.origin) { record.origin = OneRecordValues.packedReportable(value, width: 8) } else { flag(.origin, "one location code", raw(.origin)) }
        if let value = text(.destination) { record.destination = OneRecordValues.packedReportable(value, width: 8) } else { flag(.destination, "one location code", raw(.destination)) }

        if let value = text(.indicator), OneRecordValues.equals(value, "P") {
            record.indicator = .prepaid
        } else if let value = text(.indicator), OneRecordValues.equals(value, "C") {
            record.indicator = .collect
        } else {
            flag(.indicator, "PrepaidCollectIndicator#P or #C", raw(.indicator))
        }

        if case .absent = raw(.currency) {
            record.currency = packed(header.currency)
        } else if let code = textBytes(raw(.currency)) {
            record.currency = OneRecordValues.packedReportable(code, width: 8)
        } else {
            flag(.currency, "one CurrencyCode IRI", raw(.currency))
        }
        // The record's currency as text, only where a unit must be compared.
        let currency = entry.otherChargesCount == 0 ? "" : record.currency.description

        if let found = optionalText(.weight), let value = found.map(OneRecordValues.weightTenths) ?? 0 {
            record.chargeableWeightTenthsKg = value
        } else { flag(.weight, "kilograms with at most one decimal, at most 999999.9", raw(.weight)) }

        let digits = header.minorDigits
        // Built only for a malformed amount (was built for every record:
        // an interpolation, a fifth of the parser's instructions).
        func amountForm() -> String { digits == 0 ? "an amount without decimals" : "an amount with exactly \(digits) decimals" }
        func amount(_ field: RecordField, _ negativeZeroBit: UInt8) -> Int64 {
            if let found = optionalText(field), let value = found.map({ OneRecordValues.amount($0, minorDigits: digits) }) ?? 0 {
                if value == 0, let text = found, OneRecordValues.isNegativeZero(text) { record.negativeZeroAmounts |= negativeZeroBit }
                return value
            }
            flag(field, amountForm(), raw(field))
            return 0
        }
        record.weightCharge = amount(.weightCharge, NegativeZero.weightCharge)
        record.valuationCharge = amount(.valuationCharge, NegativeZero.valuationCharge)
        record.otherChargesDueCarrier = amount(.otherChargesDueCarrier, NegativeZero.otherChargesDueCarrier)
        record.otherChargesDueAgent = amount(.otherChargesDueAgent, NegativeZero.otherChargesDueAgent)
        if let found = optionalText(.commissionRate), let value = found.map(OneRecordValues.percentHundredths) ?? 0 {
            record.commissionRate = value
        } else { flag(.commissionRate, "a percentage with at most two decimals, below 100", raw(.commissionRate)) }
        record.commission = amount(.commission, NegativeZero.commission)
        record.incentive = amount(.incentive, NegativeZero.incentive)
        record.netDue = amount(.netDue, NegativeZero.netDue)

        // The CBF's reason field is 3 characters: an absent or short code is padded with spaces.
        if case .absent = raw(.reason) {
            record.reasonCode = packed("   ")
        } else if let code = textBytes(raw(.reason)), code.count <= 3, code.allSatisfy(isAlphanumericOrSpace) {
            // Padded with spaces to 3, packed as `packed` packs.
            var value: UInt64 = 0
            for b in code { value = value << 8 | UInt64(b) }
            for _ in code.count..<3 { value = value << 8 | 0x20 }
            record.reasonCode = ASCIICode(rawPacked: value, length: 3)
        } else {
            record.reasonCode = OneRecordValues.packedReportable(text(.reason) ?? none, width: 3)
            flag(.reason, "1 to 3 letters or digits", raw(.reason))
        }
        if record.transaction.isMemo, record.reasonCode.isBlank, malformed == nil {
            flag(.reason, "a reason code on a \(record.transaction.code)", raw(.reason))
        }
        if case .invalid = raw(.chargeIdentifier) {
            flag(.chargeIdentifier, "ChargeIdentifier#WT, VC, OC, OA, CO, SI or CN with one cargo:subTotal", raw(.chargeIdentifier))
        }

        var chargeCount = 0
        for otherIndex in entry.otherChargesStart..<(entry.otherChargesStart + entry.otherChargesCount) {
            let other = transactions.otherCharges[otherIndex]
            // Built only for a charge that has a problem (was built for every
            // one: six string appends per other charge).
            func otherLocation() -> String { location() + "cass:waybill/cargo:Waybill/cargo:otherCharges[\(chargeCount + 1)]/cargo:OtherCharge/" }
            func flagOther(_ name: String, _ element: String, _ expected: String, _ rawValue: RawField) {
                guard malformed == nil else { return }
                let found: String
                switch transactions.value(rawValue, document: document) {
                case .absent: found = "missing"
                case .repeated: found = "repeated"
                case .text(let text): found = "'" + OneRecordValues.reportable(text, width: 40) + "'"
                case .invalid(let what): found = what
                }
                malformed = (.chargeIdentifier, Problem(code: .R12, field: name, location: otherLocation() + element, expected: expected, found: found,
                                                        message: "malformed field: \(name) of other charge \(chargeCount + 1) must be \(expected), found \(found)"))
            }
            var code = ASCIICode(rawPacked: 0, length: 0)
            if let value = textBytes(other.code), value.count == 2, packed(value).isUppercaseLetters {
                code = packed(value)
            } else {
                if let value = textBytes(other.code) { code = OneRecordValues.packedReportable(value, width: 2) }
                flagOther("other-charge code", "cargo:otherChargeCode", "an OtherChargeCode IRI ending in 2 uppercase letters", other.code)
            }
            var dueCarrier = true
            let entitlement = textBytes(other.entitlement)
            if let entitlement, OneRecordValues.equals(entitlement, "C") {
                dueCarrier = true
            } else if let entitlement, OneRecordValues.equals(entitlement, "A") {
                dueCarrier = false
            } else {
                flagOther("entitlement", "cargo:entitlement", "EntitlementCode#A or #C", other.entitlement)
            }
            var value: Int64 = 0
            if let amountText = textBytes(other.amount), let parsed = OneRecordValues.amount(amountText, minorDigits: digits) {
                value = parsed
            } else {
                flagOther("other-charge amount", "cargo:otherChargeAmount/cargo:CurrencyValue/cargo:numericalValue", amountForm(), other.amount)
            }
            switch other.currencyUnit {
            case .absent: break
            case .text, .document: if let unit = textBytes(other.currencyUnit), !OneRecordValues.equals(unit, currency) { record.otherChargeCurrencyMismatch = true }
            default: flagOther("other-charge currency", "cargo:otherChargeAmount/cargo:CurrencyValue/cargo:currencyUnit", "one CurrencyCode IRI", other.currencyUnit)
            }
            var charge = OtherCharge(code: code, dueCarrier: dueCarrier, amount: value, sequence: Int32(entry.sequence))
            if value == 0, let amountText = textBytes(other.amount) { charge.amountIsNegativeZero = OneRecordValues.isNegativeZero(amountText) }
            charges.append(charge)
            chargeCount += 1
        }
        if chargeCount > 0 {
            record.otherChargesStart = Int32(otherChargesStart)
            record.otherChargesCount = Int32(chargeCount)
        }
        record.malformed = malformed?.problem
        return record
    }

    /// `TransactionType(code:)` without building the string when the
    /// bytes are ASCII (the four codes are).
    private static func transactionType(_ bytes: UnsafeBufferPointer<UInt8>) -> TransactionType? {
        if OneRecordValues.equals(bytes, "AWB") { return .awb }
        if OneRecordValues.equals(bytes, "CCA") { return .cca }
        if OneRecordValues.equals(bytes, "DCM") { return .dcm }
        if OneRecordValues.equals(bytes, "CCM") { return .ccm }
        return nil
    }

    /// An ASCII code from a string without the array `ASCIICode(String)`
    /// builds (one allocation per field, per record).
    /// (`ASCIICode(bytes:)` is generic across modules: not specialised.)
    private static func packed(_ text: String) -> ASCIICode {
        OneRecordValues.withBytes(text) { packed($0) }
    }

    private static func packed(_ bytes: UnsafeBufferPointer<UInt8>) -> ASCIICode {
        var value: UInt64 = 0
        var count: UInt8 = 0
        for byte in bytes.prefix(8) {
            value = value << 8 | UInt64(byte)
            count += 1
        }
        return ASCIICode(rawPacked: value, length: count)
    }

    private static func isAlphanumericOrSpace(_ b: UInt8) -> Bool {
        b == 32 || (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
    }
}
