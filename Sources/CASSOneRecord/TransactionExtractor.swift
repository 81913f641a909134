/// Finds each billing field of a `cass:BillingTransaction` in its element
/// tree. Only the shape is checked here; value syntax is the parser's.
enum TransactionExtractor {
    private static func cargo(_ local: String) -> XMLName { XMLName(.cargo, local) }
    private static func cass(_ local: String) -> XMLName { XMLName(.cass, local) }

    static func extract(_ transaction: XMLNode, sequence: Int) -> RawTransaction {
        var raw = RawTransaction(sequence: sequence)
        raw[.transaction] = text(transaction.single(cass("transactionType")))
        raw[.currency] = resource(transaction.single(cass("currency")))
        raw[.reason] = text(transaction.single(cass("reasonCode")))

        let waybill = transaction.path(cass("waybill"), cargo("Waybill"))
        func inWaybill(_ names: XMLName...) -> Single {
            switch waybill {
            case .one(let node):
                var current = Single.one(node)
                for name in names {
                    guard let next = current.node else { return current }
                    current = next.single(name)
                }
                return current
            case .missing: return .missing
            case .repeated: return .repeated
            }
        }
        raw[.prefix] = text(inWaybill(cargo("waybillPrefix")))
        raw[.serial] = text(inWaybill(cargo("waybillNumber")))
        raw[.indicator] = resource(inWaybill(cargo("weightValuationIndicator")))
        let location = [cargo("Location"), cargo("locationCodes"), cargo("CodeListElement"), cargo("code")]
        raw[.origin] = text(follow(inWaybill(cargo("departureLocation")), location))
        raw[.destination] = text(follow(inWaybill(cargo("arrivalLocation")), location))
        let details = follow(inWaybill(cargo("billingDetails")), [cargo("BillingDetails")])
        raw[.issueDate] = text(follow(details, [cargo("awbExecutionDate")]))
        raw[.commissionRate] = text(follow(details, [cargo("commissionPercentage")]))

        // The agent is the party whose role is AGT; other parties are ONE
        // Record data billing does not need.
        if let node = waybill.node {
            let agents = node.children(cargo("involvedParties")).compactMap { $0.single(cargo("Party")).node }.filter {
                $0.single(cargo("partyRole")).node?.resource.map(OneRecordValues.code(ofIRI:)) == "AGT"
            }
            let company = follow(Single(agents), [cargo("partyDetails"), cargo("Company")])
            raw[.agentCode] = text(follow(company, [cargo("iataCargoAgentCode")]))
            raw[.agentLocation] = text(follow(company, [cargo("iataCargoAgentLocationIdentifier")]))
        } else {
            let shape: RawValue = waybill.isRepeated ? .repeated : .absent
            raw[.agentCode] = shape
            raw[.agentLocation] = shape
        }

        raw[.weight] = weight(follow(inWaybill(cargo("waybillLineItems")), [cargo("WaybillLineItem"), cargo("chargeableWeight"), cargo("Value")]))

        for charge in transaction.children(cass("charge")) {
            guard let ratings = charge.single(cargo("Ratings")).node,
                  case .text(let identifier) = resource(ratings.single(cargo("billingChargeIdentifier"))),
                  let field = RecordField.amountField(chargeIdentifier: identifier) else {
                if case .absent = raw[.chargeIdentifier] {
                    let found = charge.single(cargo("Ratings")).node?.single(cargo("billingChargeIdentifier")).node?.resource ?? "no cargo:Ratings with one identifier"
                    raw[.chargeIdentifier] = .invalid(found)
                }
                continue
            }
            if case .absent = raw[field] {
                raw[field] = text(ratings.single(cargo("subTotal")))
            } else {
                raw[field] = .repeated
            }
        }

        if let node = waybill.node {
            for holder in node.children(cargo("otherCharges")) {
                guard let charge = holder.single(cargo("OtherCharge")).node else {
                    raw.otherCharges.append(RawOtherCharge(code: .invalid("cargo:otherCharges without one cargo:OtherCharge"), entitlement: .absent, amount: .absent, currencyUnit: .absent))
                    continue
                }
                let value = follow(charge.single(cargo("otherChargeAmount")), [cargo("CurrencyValue")])
                raw.otherCharges.append(RawOtherCharge(
                    code: resource(charge.single(cargo("otherChargeCode"))),
                    entitlement: resource(charge.single(cargo("entitlement"))),
                    amount: text(follow(value, [cargo("numericalValue")])),
                    currencyUnit: value.node.map { resource($0.single(cargo("currencyUnit"))) } ?? .absent
                ))
            }
        }
        return raw
    }

    private static func follow(_ start: Single, _ names: [XMLName]) -> Single {
        var current = start
        for name in names {
            guard let node = current.node else { return current }
            current = node.single(name)
        }
        return current
    }

    private static func text(_ found: Single) -> RawValue {
        switch found {
        case .missing: return .absent
        case .repeated: return .repeated
        case .one(let node):
            return node.children.isEmpty ? .text(node.value) : .invalid("<\(node.children[0].name)> where a value was expected")
        }
    }

    /// A code-list value: the code after the last `#` of `rdf:resource`.
    private static func resource(_ found: Single) -> RawValue {
        switch found {
        case .missing: return .absent
        case .repeated: return .repeated
        case .one(let node):
            guard let iri = node.resource else { return .invalid("no rdf:resource (code-list values are IRIs)") }
            return .text(OneRecordValues.code(ofIRI: iri))
        }
    }

    /// Chargeable weight: kilograms. A unit other than KGM is not a weight
    /// billing can use.
    private static func weight(_ found: Single) -> RawValue {
        guard let value = found.node else { return text(found) }
        if case .text(let unit) = resource(value.single(cargo("unit"))), unit != "KGM" {
            return .invalid("unit \(unit), expected MeasurementUnitCode#KGM")
        }
        return text(value.single(cargo("numericalValue")))
    }
}

extension Single {
    var isRepeated: Bool {
        if case .repeated = self { return true }
        return false
    }
}
