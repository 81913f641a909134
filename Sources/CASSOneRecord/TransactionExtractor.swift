/// Finds each billing field of a `cass:BillingTransaction` in its element
/// tree. Only the shape is checked here; value syntax is the parser's.
enum TransactionExtractor {
    static func extract(_ tree: ElementTree, _ transaction: Int32, sequence: Int) -> RawTransaction {
        var raw = RawTransaction(sequence: sequence)
        let top = Single.one(transaction)
        raw[.transaction] = tree.value(tree.single(transaction, .transactionType))
        raw[.currency] = tree.code(tree.single(transaction, .currency))
        raw[.reason] = tree.value(tree.single(transaction, .reasonCode))

        let waybill = tree.follow(top, .waybill, .Waybill)
        raw[.prefix] = tree.value(tree.follow(waybill, .waybillPrefix))
        raw[.serial] = tree.value(tree.follow(waybill, .waybillNumber))
        raw[.indicator] = tree.code(tree.follow(waybill, .weightValuationIndicator))
        raw[.origin] = tree.value(tree.follow(waybill, .departureLocation, .Location, .locationCodes, .CodeListElement, .code))
        raw[.destination] = tree.value(tree.follow(waybill, .arrivalLocation, .Location, .locationCodes, .CodeListElement, .code))
        let details = tree.follow(waybill, .billingDetails, .BillingDetails)
        raw[.issueDate] = tree.value(tree.follow(details, .awbExecutionDate))
        raw[.commissionRate] = tree.value(tree.follow(details, .commissionPercentage))

        // The agent is the party whose role is AGT; other parties are ONE
        // Record data billing does not need.
        if let node = waybill.node {
            var agent = Single.missing
            var cursor = tree.firstChild(node, .involvedParties)
            while cursor >= 0 {
                let holder = cursor
                cursor = tree.nextChild(after: holder, .involvedParties)
                guard let party = tree.single(holder, .Party).node, let role = tree.single(party, .partyRole).node,
                      tree.resourceCode(of: role) == "AGT" else { continue }
                if case .missing = agent { agent = .one(party) } else { agent = .repeated }
            }
            let company = tree.follow(agent, .partyDetails, .Company)
            raw[.agentCode] = tree.value(tree.follow(company, .iataCargoAgentCode))
            raw[.agentLocation] = tree.value(tree.follow(company, .iataCargoAgentLocationIdentifier))
        } else {
            let shape: RawValue = waybill.isRepeated ? .repeated : .absent
            raw[.agentCode] = shape
            raw[.agentLocation] = shape
        }

        raw[.weight] = weight(tree, tree.follow(waybill, .waybillLineItems, .WaybillLineItem, .chargeableWeight, .Value))

        var chargeCursor = tree.firstChild(transaction, .charge)
        while chargeCursor >= 0 {
            let charge = chargeCursor
            chargeCursor = tree.nextChild(after: charge, .charge)
            let ratings = tree.single(charge, .Ratings)
            let identifier = tree.follow(ratings, .billingChargeIdentifier)
            guard case .text(let code) = tree.code(identifier), let field = RecordField.amountField(chargeIdentifier: code) else {
                if case .absent = raw[.chargeIdentifier] {
                    raw[.chargeIdentifier] = .invalid(identifier.node.flatMap { tree.resource(of: $0) } ?? "no cargo:Ratings with one identifier")
                }
                continue
            }
            if case .absent = raw[field] {
                raw[field] = tree.value(tree.follow(ratings, .subTotal))
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
                    raw.otherCharges.append(RawOtherCharge(code: .invalid("cargo:otherCharges without one cargo:OtherCharge"), entitlement: .absent, amount: .absent, currencyUnit: .absent))
                    continue
                }
                let value = tree.follow(.one(charge), .otherChargeAmount, .CurrencyValue)
                raw.otherCharges.append(RawOtherCharge(
                    code: tree.code(tree.single(charge, .otherChargeCode)),
                    entitlement: tree.code(tree.single(charge, .entitlement)),
                    amount: tree.value(tree.follow(value, .numericalValue)),
                    currencyUnit: value.node.map { tree.code(tree.single($0, .currencyUnit)) } ?? .absent
                ))
            }
        }
        return raw
    }

    /// Chargeable weight: kilograms. A unit other than KGM is not a weight
    /// billing can use.
    private static func weight(_ tree: ElementTree, _ found: Single) -> RawValue {
        guard let value = found.node else { return tree.value(found) }
        if case .text(let unit) = tree.code(tree.single(value, .unit)), unit != "KGM" {
            return .invalid("unit \(unit), expected MeasurementUnitCode#KGM")
        }
        return tree.value(tree.single(value, .numericalValue))
    }
}
