#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every element name the billing format reads, in its namespace, as one
/// byte: readers look a name up once (`TermTable`) and compare bytes, never
/// strings, afterwards.
enum Term: UInt8, CaseIterable {
    // rdf:
    case RDF
    // cass:
    case BillingFile, formatVersion, operation, billingPeriod, fileSequenceNumber, creationDate, currency, carrier
    case transactionCount, netDueTotal, weightChargeTotal, transaction, BillingTransaction, sequence, transactionType
    case waybill, charge, reasonCode
    // cargo:
    case Carrier, prefix, Waybill, waybillType, waybillPrefix, waybillNumber, weightValuationIndicator
    case departureLocation, arrivalLocation, Location, locationCodes, CodeListElement, code
    case involvedParties, Party, partyRole, partyDetails, Company, iataCargoAgentCode, iataCargoAgentLocationIdentifier
    case waybillLineItems, WaybillLineItem, chargeableWeight, Value, numericalValue, unit
    case otherCharges, OtherCharge, otherChargeCode, entitlement, otherChargeAmount, CurrencyValue, currencyUnit
    case billingDetails, BillingDetails, awbExecutionDate, commissionPercentage, Ratings, billingChargeIdentifier, subTotal
    /// A name of the rdf, cargo or cass namespace the format does not use.
    case unknownRDF, unknownCargo, unknownCass

    var namespace: XMLNamespace {
        switch self {
        case .RDF, .unknownRDF: .rdf
        case .BillingFile, .formatVersion, .operation, .billingPeriod, .fileSequenceNumber, .creationDate, .currency, .carrier,
             .transactionCount, .netDueTotal, .weightChargeTotal, .transaction, .BillingTransaction, .sequence, .transactionType,
             .waybill, .charge, .reasonCode, .unknownCass:
            .cass
        default: .cargo
        }
    }

    /// The local name (`String(describing:)` of the case is exactly it).
    var local: String { String(describing: self) }

    var isKnown: Bool { self != .unknownRDF && self != .unknownCargo && self != .unknownCass }

    /// For messages and element paths: `cass:transaction`.
    var qualified: String { namespace.conventionalPrefix + local }

    static func unknown(in namespace: XMLNamespace) -> Term? {
        switch namespace {
        case .rdf: .unknownRDF
        case .cargo: .unknownCargo
        case .cass: .unknownCass
        default: nil
        }
    }

    /// The envelope's properties (`cass:BillingFile` children other than transactions).
    var isEnvelopeProperty: Bool {
        switch self {
        case .formatVersion, .operation, .billingPeriod, .fileSequenceNumber, .creationDate, .currency, .carrier,
             .transactionCount, .netDueTotal, .weightChargeTotal: true
        default: false
        }
    }
}

/// Name lookup without allocation: an open-addressed table of hashes of
/// (namespace, local name), each hit confirmed byte for byte.
struct TermTable {
    private static let slots = 256
    private var keys: [UInt64]
    private var terms: [UInt8]
    private var names: [[UInt8]]

    init() {
        keys = Array(repeating: 0, count: Self.slots)
        terms = Array(repeating: 0xFF, count: Self.slots)
        names = Term.allCases.map { Array($0.local.utf8) }
        for term in Term.allCases where term.isKnown {
            let key = names[Int(term.rawValue)].withUnsafeBytes { Self.hash(term.namespace, $0) }
            var slot = Int(truncatingIfNeeded: key) & (Self.slots - 1)
            while terms[slot] != 0xFF { slot = (slot + 1) & (Self.slots - 1) }
            keys[slot] = key
            terms[slot] = term.rawValue
        }
    }

    /// The length and up to the first and last eight bytes, mixed: names
    /// of the format differ there, and each hit is confirmed byte for byte.
    @inline(__always) static func hash(_ namespace: XMLNamespace, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        var head: UInt64 = 0
        var tail: UInt64 = 0
        if count >= 8 {
            head = bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
            tail = bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else {
            for k in 0..<count { head |= UInt64(bytes[k]) << UInt64(8 * k) }
        }
        var h = (head &* 0x9E37_79B9_7F4A_7C15) ^ (tail &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(count) ^ (UInt64(namespace.rawValue) << 56)
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 32
        return h | 1
    }

    /// The term of a name in the rdf, cargo or cass namespace (an
    /// `unknown...` one if the format has no such name); nil for others.
    func term(_ namespace: XMLNamespace, _ local: UnsafeRawBufferPointer) -> Term? {
        guard let unknown = Term.unknown(in: namespace) else { return nil }
        let key = Self.hash(namespace, local)
        var slot = Int(truncatingIfNeeded: key) & (Self.slots - 1)
        while terms[slot] != 0xFF {
            if keys[slot] == key {
                if let candidate = Term(rawValue: terms[slot]), candidate.namespace == namespace,
                   names[Int(candidate.rawValue)].withUnsafeBytes({ name in
                       guard name.count == local.count, let a = name.baseAddress, let b = local.baseAddress else { return false }
                       return memcmp(a, b, name.count) == 0
                   }) {
                    return candidate
                }
            }
            slot = (slot + 1) & (Self.slots - 1)
        }
        return unknown
    }
}
