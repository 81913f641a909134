/// Finds each billing field of a `cass:BillingTransaction` in its element
/// tree. Only the shape is checked here; value syntax is the parser's.
enum TransactionExtractor {
    /// Appends the transaction's fields to `raw` (`raw.begin`): texts are
    /// copied as bytes, no `String` is built (but for what is invalid).
    static func extract(_ tree: ElementTree, _ transaction: Int32, sequence: Int, into raw: inout RawTransactions) {
        raw.begin(sequence: sequence)
        func set(_ field: RecordField, _ found: Single) {
            let value = tree.field(found, into: &raw)
            raw[field] = value
        }
        func setCode(_ field: RecordField, _ found: Single) {
            let value = tree.codeField(found, into: &raw)
            raw[field] = value
        }
        let top = Single.one(transaction)
        set(.transaction, tree.single(transaction, .transactionType))
        setCode(.currency, tree.single(transaction, .currency))
        set(.reason, tree.single(transaction, .reasonCode))

        let waybill = tree.follow(top, .waybill, .Waybill)
        set(.prefix, tree.follow(waybill, .waybillPrefix))
        set(.serial, tree.follow(waybill, .waybillNumber))
        setCode(.indicator, tree.follow(waybill, .weightValuationIndicator))
        set(.origin, tree.follow(waybill, .departureLocation, .Location, .locationCodes, .CodeListElement, .code))
        set(.destination, tree.follow(waybill, .arrivalLocation, .Location, .locationCodes, .CodeListElement, .code))
        let details = tree.follow(waybill, .billingDetails, .BillingDetails)
        set(.issueDate, tree.follow(details, .awbExecutionDate))
        set(.commissionRate, tree.follow(details, .commissionPercentage))

        // The agent is the party whose role is AGT; other parties are ONE
        // Record data billing does not need.
        if let node = waybill.node {
            var agent = Single.missing
            var cursor = tree.firstChild(node, .involvedParties)
            while cursor >= 0 {
                let holder = cursor
                cursor = tree.nextChild(after: holder, .involvedParties)
                guard let party = tree.single(holder, .Party).node, let role = tree.single(party, .partyRole).node,
                      tree.withResourceCode(of: role, { OneRecordValues.equals($0.assumingMemoryBound(to: UInt8.self), "AGT") }) == true else { continue }
                if case .missing = agent { agent = .one(party) } else { agent = .repeated }
            }
            let company = tree.follow(agent, .partyDetails, .Company)
            set(.agentCode, tree.follow(company, .iataCargoAgentCode))
            set(.agentLocation, tree.follow(company, .iataCargoAgentLocationIdentifier))
        } else {
            let shape: RawField = waybill.isRepeated ? .repeated : .absent
            raw[.agentCode] = shape
            raw[.agentLocation] = shape
        }

        let weightValue = weight(tree, tree.follow(waybill, .waybillLineItems, .WaybillLineItem, .chargeableWeight, .Value), into: &raw)
        raw[.weight] = weightValue

        var chargeCursor = tree.firstChild(transaction, .charge)
        while chargeCursor >= 0 {
            let charge = chargeCursor
            chargeCursor = tree.nextChild(after: charge, .charge)
            let ratings = tree.single(charge, .Ratings)
            let identifier = tree.follow(ratings, .billingChargeIdentifier)
            let field: RecordField? = identifier.node.flatMap { node in
                tree.withResourceCode(of: node) { code -> RecordField? in
                    RecordField.amountField(chargeIdentifierBytes: code)
                } ?? nil
            }
            guard let field else {
                if case .absent = raw[.chargeIdentifier] {
                    let what = identifier.node.flatMap { tree.resource(of: $0) } ?? "no cargo:Ratings with one identifier"
                    raw[.chargeIdentifier] = raw.invalid(what)
                }
                continue
            }
            if case .absent = raw[field] {
                set(field, tree.follow(ratings, .subTotal))
            } else {
                raw[field] = .repeated
            }
        }

        if let node = waybill.node {
            var cursor = tree.firstChild(node, .otherCharges)
            while cursor >= 0 {
                let holder = cursor
                cursor = tree.nextChild(after: holder, .otherCharges)
                guard let charge = tree.single(holder, .OtherCharge).node else {
                    let code = raw.invalid("cargo:otherCharges without one cargo:OtherCharge")
                    raw.appendOtherCharge(RawOtherCharge(code: code, entitlement: .absent, amount: .absent, currencyUnit: .absent))
                    continue
                }
                let value = tree.follow(.one(charge), .otherChargeAmount, .CurrencyValue)
                let code = tree.codeField(tree.single(charge, .otherChargeCode), into: &raw)
                let entitlement = tree.codeField(tree.single(charge, .entitlement), into: &raw)
                let amount = tree.field(tree.follow(value, .numericalValue), into: &raw)
                let currencyUnit = value.node.map { tree.codeField(tree.single($0, .currencyUnit), into: &raw) } ?? .absent
                raw.appendOtherCharge(RawOtherCharge(code: code, entitlement: entitlement, amount: amount, currencyUnit: currencyUnit))
            }
        }
    }

    /// Chargeable weight: kilograms. A unit other than KGM is not a weight
    /// billing can use.
    private static func weight(_ tree: ElementTree, _ found: Single, into raw: inout RawTransactions) -> RawField {
        guard let value = found.node else { return tree.field(found, into: &raw) }
        // The unit's text is built only when it is not KGM.
        if case .one(let unitNode) = tree.single(value, .unit),
           let unit = tree.withResourceCode(of: unitNode, { code -> String? in
               OneRecordValues.equals(code.assumingMemoryBound(to: UInt8.self), "KGM") ? nil : String(decoding: code, as: UTF8.self)
           }) ?? nil, unit != "KGM" {
            return raw.invalid("unit \(unit), expected MeasurementUnitCode#KGM")
        }
        return tree.field(tree.single(value, .numericalValue), into: &raw)
    }
}
