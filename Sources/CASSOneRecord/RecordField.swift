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

    /// The same lookup on a code's bytes as the readers hold them: two ASCII
    /// bytes (every valid code) are matched without building a String.
    @inline(__always)
    static func amountField(chargeIdentifierBytes code: UnsafeRawBufferPointer) -> RecordField? {
        let bytes = code.assumingMemoryBound(to: UInt8.self)
        if bytes.count == 2, bytes[0] < 0x80, bytes[1] < 0x80 {
            switch (bytes[0], bytes[1]) {
            case (0x57, 0x54): return .weightCharge // WT
            case (0x56, 0x43): return .valuationCharge // VC
            case (0x4F, 0x43): return .otherChargesDueCarrier // OC
            case (0x4F, 0x41): return .otherChargesDueAgent // OA
            case (0x43, 0x4F): return .commission // CO
            case (0x53, 0x49): return .incentive // SI
            case (0x43, 0x4E): return .netDue // CN
            default: return nil
            }
        }
        return amountField(chargeIdentifier: String(decoding: code, as: UTF8.self))
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

/// A transaction field as found, without a `String` or anything else on
/// the heap: its text is a range of `RawTransactions.bytes`, what stands
/// where a value should be an index into `RawTransactions.invalids`. A
/// file's transactions share those two buffers (was: a `String` per value
/// and an array per transaction, a fifth of the XML reader's instructions).
enum RawField {
    case absent
    case repeated
    case text(start: Int32, end: Int32)
    /// A text that is a range of the document being read (RDF/XML: the
    /// mapped file): not even copied. Read while that document is.
    case document(start: Int32, end: Int32)
    case invalid(Int32)
}

/// One `cargo:OtherCharge`, as found.
struct RawOtherCharge {
    var code: RawField
    var entitlement: RawField
    var amount: RawField
    /// The code of `cargo:currencyUnit`, when present.
    var currencyUnit: RawField
}

/// Every `cass:BillingTransaction` of a file, as found: values are parsed
/// once the whole document (and so the file currency) is known. Flat:
/// `fieldCount` fields per transaction in `fields`, other charges in
/// `otherCharges`, texts in `bytes`; a few allocations per file.
struct RawTransactions {
    struct Entry {
        var sequence: Int
        var otherChargesStart: Int
        var otherChargesCount: Int
    }

    /// Counted once: `RecordField.allCases` is an array built at each use.
    static let fieldCount = RecordField.allCases.count
    private static let absentFields = [RawField](repeating: .absent, count: fieldCount)

    var entries: [Entry] = []
    var fields: [RawField] = []
    var otherCharges: [RawOtherCharge] = []
    var bytes: [UInt8] = []
    var invalids: [String] = []

    var count: Int { entries.count }

    /// Starts the next transaction, every field absent.
    mutating func begin(sequence: Int) {
        entries.append(Entry(sequence: sequence, otherChargesStart: otherCharges.count, otherChargesCount: 0))
        fields.append(contentsOf: Self.absentFields)
    }

    /// Drops the transaction last begun (one the document's shape refuses).
    mutating func dropLast() {
        guard let last = entries.popLast() else { return }
        fields.removeLast(Self.fieldCount)
        otherCharges.removeLast(otherCharges.count - last.otherChargesStart)
    }

    /// A field of the transaction last begun.
    subscript(field: RecordField) -> RawField {
        get { fields[fields.count - Self.fieldCount + field.rawValue] }
        set { fields[fields.count - Self.fieldCount + field.rawValue] = newValue }
    }

    mutating func appendOtherCharge(_ charge: RawOtherCharge) {
        otherCharges.append(charge)
        entries[entries.count - 1].otherChargesCount += 1
    }

    mutating func text(_ piece: UnsafeRawBufferPointer) -> RawField {
        let start = Int32(truncatingIfNeeded: bytes.count)
        bytes.append(contentsOf: piece.assumingMemoryBound(to: UInt8.self))
        return .text(start: start, end: Int32(truncatingIfNeeded: bytes.count))
    }

    mutating func invalid(_ what: String) -> RawField {
        invalids.append(what)
        return .invalid(Int32(invalids.count - 1))
    }

    /// The field as a `RawValue` (strings built), for messages;
    /// `document` is the one being read, or was read.
    func value(_ field: RawField, document: UnsafeRawBufferPointer) -> RawValue {
        switch field {
        case .absent: return .absent
        case .repeated: return .repeated
        case .text(let start, let end): return .text(String(decoding: bytes[Int(start)..<Int(end)], as: UTF8.self))
        case .document(let start, let end): return .text(String(decoding: document[Int(start)..<Int(end)], as: UTF8.self))
        case .invalid(let index): return .invalid(invalids[Int(index)])
        }
    }
}
