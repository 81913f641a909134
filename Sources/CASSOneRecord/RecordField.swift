/// The fields of a billing transaction in the CBF's field order: when a
/// record has several malformed fields, the first in this order is reported
/// (R12), exactly as the CBF reader does.
enum RecordField: Int, CaseIterable {
    case prefix, serial, transaction, agentCode, agentLocation, issueDate, origin, destination, indicator, currency, weight
    case weightCharge, valuationCharge, otherChargesDueCarrier, otherChargesDueAgent, commissionRate, commission, incentive, netDue
    case reason, chargeIdentifier

    /// The field's name as billing-file.md names it.
    var name: String {
        switch self {
        case .prefix: "airline prefix"
        case .serial: "AWB serial number"
        case .transaction: "transaction"
        case .agentCode, .agentLocation: "CASS agent code"
        case .issueDate: "AWB issue date"
        case .origin: "origin airport"
        case .destination: "destination airport"
        case .indicator: "charges indicator"
        case .currency: "currency"
        case .weight: "chargeable weight"
        case .weightCharge: "weight charge"
        case .valuationCharge: "valuation charge"
        case .otherChargesDueCarrier: "other charges due carrier"
        case .otherChargesDueAgent: "other charges due agent"
        case .commissionRate: "commission rate"
        case .commission: "commission amount"
        case .incentive: "incentive amount"
        case .netDue: "net amount due"
        case .reason: "reason code"
        case .chargeIdentifier: "charge identifier"
        }
    }

    /// Where the field stands inside `cass:BillingTransaction`.
    var path: String {
        let waybill = "cass:waybill/cargo:Waybill/"
        let agent = waybill + "cargo:involvedParties/cargo:Party[AGT]/cargo:partyDetails/cargo:Company/"
        let location = "/cargo:Location/cargo:locationCodes/cargo:CodeListElement/cargo:code"
        switch self {
        case .prefix: return waybill + "cargo:waybillPrefix"
        case .serial: return waybill + "cargo:waybillNumber"
        case .transaction: return "cass:transactionType"
        case .agentCode: return agent + "cargo:iataCargoAgentCode"
        case .agentLocation: return agent + "cargo:iataCargoAgentLocationIdentifier"
        case .issueDate: return waybill + "cargo:billingDetails/cargo:BillingDetails/cargo:awbExecutionDate"
        case .origin: return waybill + "cargo:departureLocation" + location
        case .destination: return waybill + "cargo:arrivalLocation" + location
        case .indicator: return waybill + "cargo:weightValuationIndicator"
        case .currency: return "cass:currency"
        case .weight: return waybill + "cargo:waybillLineItems/cargo:WaybillLineItem/cargo:chargeableWeight/cargo:Value/cargo:numericalValue"
        case .commissionRate: return waybill + "cargo:billingDetails/cargo:BillingDetails/cargo:commissionPercentage"
        case .reason: return "cass:reasonCode"
        case .chargeIdentifier: return "cass:charge/cargo:Ratings/cargo:billingChargeIdentifier"
        default: return "cass:charge/cargo:Ratings[\(chargeIdentifier ?? "")]/cargo:subTotal"
        }
    }

    /// The ChargeIdentifier code of an amount field.
    var chargeIdentifier: String? {
        switch self {
        case .weightCharge: "WT"
        case .valuationCharge: "VC"
        case .otherChargesDueCarrier: "OC"
        case .otherChargesDueAgent: "OA"
        case .commission: "CO"
        case .incentive: "SI"
        case .netDue: "CN"
        default: nil
        }
    }

    static func amountField(chargeIdentifier code: String) -> RecordField? {
        switch code {
        case "WT": .weightCharge
        case "VC": .valuationCharge
        case "OC": .otherChargesDueCarrier
        case "OA": .otherChargesDueAgent
        case "CO": .commission
        case "SI": .incentive
        case "CN": .netDue
        default: nil
        }
    }
}

/// A field as found in the tree, before its value syntax is checked.
enum RawValue: Sendable {
    case absent
    case repeated
    case text(String)
    /// Present but not of the expected shape (children where text was
    /// expected, no `rdf:resource`, a unit other than kilograms...).
    case invalid(String)
}

/// One `cargo:OtherCharge`, as found.
struct RawOtherCharge: Sendable {
    var code: RawValue
    var entitlement: RawValue
    var amount: RawValue
    /// The code of `cargo:currencyUnit`, when present.
    var currencyUnit: RawValue
}

/// One `cass:BillingTransaction`, as found: values are parsed once the
/// whole document (and so the file currency) is known.
struct RawTransaction: Sendable {
    var sequence: Int
    var values: [RawValue] = Array(repeating: .absent, count: RawTransaction.fieldCount)
    /// Counted once: `RecordField.allCases` is an array built at each use.
    private static let fieldCount = RecordField.allCases.count
    var otherCharges: [RawOtherCharge] = []

    init(sequence: Int) { self.sequence = sequence }

    subscript(field: RecordField) -> RawValue {
        get { values[field.rawValue] }
        set { values[field.rawValue] = newValue }
    }
}
