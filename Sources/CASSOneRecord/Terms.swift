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
/// (namespace, local name), each hit confirmed by the name's length, first
/// and last eight bytes (which are the whole name up to 16 bytes) and, for
/// longer names, the bytes between. Built once and shared (immutable).
struct TermTable: @unchecked Sendable {
    private static let slots = 256
    private let keys: UnsafeMutablePointer<UInt64>
    private let heads: UnsafeMutablePointer<UInt64>
    private let tails: UnsafeMutablePointer<UInt64>
    private let lengths: UnsafeMutablePointer<Int>
    private let terms: UnsafeMutablePointer<UInt8>
    /// Each term's local name, for the bytes between head and tail.
    private let names: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>>

    /// The one table: never written after it is built.
    static let shared = TermTable()

    private init() {
        keys = .allocate(capacity: Self.slots)
        keys.initialize(repeating: 0, count: Self.slots)
        heads = .allocate(capacity: Self.slots)
        heads.initialize(repeating: 0, count: Self.slots)
        tails = .allocate(capacity: Self.slots)
        tails.initialize(repeating: 0, count: Self.slots)
        lengths = .allocate(capacity: Self.slots)
        lengths.initialize(repeating: -1, count: Self.slots)
        terms = .allocate(capacity: Self.slots)
        terms.initialize(repeating: 0xFF, count: Self.slots)
        names = .allocate(capacity: Term.allCases.count)
        for term in Term.allCases {
            let bytes = Array(term.local.utf8)
            let name = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
            name.initialize(from: bytes, count: bytes.count)
            names[Int(term.rawValue)] = name
            guard term.isKnown else { continue }
            let raw = UnsafeRawBufferPointer(start: name, count: bytes.count)
            let (head, tail) = Self.words(raw)
            let key = Self.hash(term.namespace, count: bytes.count, head: head, tail: tail)
            var slot = Int(truncatingIfNeeded: key) & (Self.slots - 1)
            while terms[slot] != 0xFF { slot = (slot + 1) & (Self.slots - 1) }
            keys[slot] = key
            heads[slot] = head
            tails[slot] = tail
            lengths[slot] = bytes.count
            terms[slot] = term.rawValue
        }
    }

    /// The first and last eight bytes (zero-filled below eight).
    @inline(__always) static func words(_ bytes: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        let count = bytes.count
        if count >= 8 {
            return (bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
        }
        var head: UInt64 = 0
        for k in 0..<count { head |= UInt64(bytes[k]) << UInt64(8 * k) }
        return (head, 0)
    }

    /// The length and the first and last eight bytes, mixed.
    @inline(__always) static func hash(_ namespace: XMLNamespace, count: Int, head: UInt64, tail: UInt64) -> UInt64 {
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
        let count = local.count
        let (head, tail) = Self.words(local)
        let key = Self.hash(namespace, count: count, head: head, tail: tail)
        var slot = Int(truncatingIfNeeded: key) & (Self.slots - 1)
        while terms[slot] != 0xFF {
            if keys[slot] == key, lengths[slot] == count, heads[slot] == head, tails[slot] == tail,
               let candidate = Term(rawValue: terms[slot]), candidate.namespace == namespace {
                if count <= 16 { return candidate }
                if let base = local.baseAddress, memcmp(base + 8, names[Int(candidate.rawValue)] + 8, count - 16) == 0 { return candidate }
            }
            slot = (slot + 1) & (Self.slots - 1)
        }
        return unknown
    }
}
