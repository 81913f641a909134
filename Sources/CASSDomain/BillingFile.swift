/// The transaction a billing record carries (positions 21-23).
public enum TransactionType: UInt8, Sendable, Hashable, Codable {
    case awb, cca, dcm, ccm

    public init?(code: String) {
        switch code {
        case "AWB": self = .awb
        case "CCA": self = .cca
        case "DCM": self = .dcm
        case "CCM": self = .ccm
        default: return nil
        }
    }

    public var code: String {
        switch self {
        case .awb: "AWB"
        case .cca: "CCA"
        case .dcm: "DCM"
        case .ccm: "CCM"
        }
    }

    public var isMemo: Bool { self == .dcm || self == .ccm }
    /// `AWB` and `CCA` carry a full version of the AWB's charges.
    public var isVersion: Bool { self == .awb || self == .cca }
}

public enum ChargesIndicator: UInt8, Sendable, Hashable, Codable {
    case prepaid, collect

    public var code: String { self == .prepaid ? "P" : "C" }

    public init?(code: String) {
        switch code {
        case "P": self = .prepaid
        case "C": self = .collect
        default: return nil
        }
    }

    /// JSON says `"P"` or `"C"`, as the billing file and the events do;
    /// the raw numbers 0 and 1 are still read.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(UInt8.self), let value = ChargesIndicator(rawValue: number) { self = value; return }
        let text = try container.decode(String.self)
        guard let value = ChargesIndicator(code: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "charges indicator '\(text)': expected P or C")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}

/// An OCH line: one other charge of the billing record before it.
public struct OtherCharge: Sendable, Hashable {
    public var code: ASCIICode
    /// `true` = due carrier (`C`), `false` = due agent (`A`).
    public var dueCarrier: Bool
    public var amount: Int64
    public var sequence: Int32
    /// The amount was written `-0` (`-00000000000`, `-0.00`): the same
    /// money as zero, kept so that a conversion gives back the same bytes.
    public var amountIsNegativeZero = false

    public init(code: ASCIICode, dueCarrier: Bool, amount: Int64, sequence: Int32) {
        self.code = code
        self.dueCarrier = dueCarrier
        self.amount = amount
        self.sequence = sequence
    }
}

/// One billing transaction (an `AWB` record of the CBF, a
/// `cass:BillingTransaction` of the XML), as read: fields that did not parse
/// are zero and `malformed` says which (R12). The readers stop at the
/// syntax; every business rule lives in the engine.
public struct BillingRecord: Sendable, Hashable {
    public var sequence: Int32 = 0
    /// Raw text of the prefix and serial fields, for the rejections' `awb`.
    public var awbPrefixText: ASCIICode = ASCIICode(rawPacked: 0, length: 0)
    public var awbSerialText: ASCIICode = ASCIICode(rawPacked: 0, length: 0)
    public var airlinePrefix: Int32 = 0
    public var awbSerial: Int32 = 0
    public var transaction: TransactionType = .awb
    public var agentCode: Int64 = 0
    /// `YYYYMMDD` digits; may be a non-date (R04 is the engine's to find).
    public var issueDateDigits: Int32 = 0
    public var origin: ASCIICode = ASCIICode(rawPacked: 0, length: 0)
    public var destination: ASCIICode = ASCIICode(rawPacked: 0, length: 0)
    public var indicator: ChargesIndicator = .prepaid
    public var currency: ASCIICode = ASCIICode(rawPacked: 0, length: 0)
    public var chargeableWeightTenthsKg: Int64 = 0
    public var weightCharge: Int64 = 0
    public var valuationCharge: Int64 = 0
    public var otherChargesDueCarrier: Int64 = 0
    public var otherChargesDueAgent: Int64 = 0
    public var commissionRate: Int32 = 0
    public var commission: Int64 = 0
    public var incentive: Int64 = 0
    public var netDue: Int64 = 0
    public var reasonCode: ASCIICode = ASCIICode(rawPacked: 0, length: 0)
    /// Indexes into `BillingFile.otherCharges` of this record's OCH lines.
    public var otherChargesStart: Int32 = 0
    public var otherChargesCount: Int32 = 0
    /// Other-charge currencies that differ from the record's (XML only: R06).
    public var otherChargeCurrencyMismatch: Bool = false
    /// The first malformed field, in field order (R12).
    public var malformed: Problem?
    /// Amounts written as a negative zero, one bit per field
    /// (`NegativeZero`): zero to settlement, kept for exact conversions.
    public var negativeZeroAmounts: UInt8 = 0

    public init() {}

    /// `PPP-SSSSSSSS` as the fields stood in the file.
    public var awbText: String { awbPrefixText.description + "-" + awbSerialText.description }

    public var awbKey: AWBKey { AWBKey(prefix: airlinePrefix, serial: awbSerial) }
}

/// An air waybill's identity: airline prefix and 8-digit serial.
public struct AWBKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var prefix: Int32
    public var serial: Int32

    public init(prefix: Int32, serial: Int32) {
        self.prefix = prefix
        self.serial = serial
    }

    public static func < (lhs: AWBKey, rhs: AWBKey) -> Bool {
        (lhs.prefix, lhs.serial) < (rhs.prefix, rhs.serial)
    }

    /// One 64-bit word for the hasher instead of two fields: the ledger
    /// hashes a key per record.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(word)
    }

    /// `TableHash` of the same word: the accounts index every AWB of every
    /// issued invoice by its key.
    public func _rawHashValue(seed: Int) -> Int {
        TableHash.raw(word, seed: seed)
    }

    /// The prefix above the serial, each as its 32 bits.
    @inline(__always) public var word: UInt64 {
        UInt64(UInt32(bitPattern: prefix)) << 32 | UInt64(UInt32(bitPattern: serial))
    }

    /// "125-12345678". Written in place as a small string: every invoice
    /// line names its AWB, and the concatenations this replaces were most
    /// of drafting an invoice's lines at a period's close.
    public var description: String {
        guard prefix >= 0, prefix <= 999, serial >= 0, serial <= 99_999_999 else { return Self.padded(prefix, serial) }
        return String(unsafeUninitializedCapacity: 12) { text in
            var p = Int(prefix), s = Int(serial)
            for index in stride(from: 2, through: 0, by: -1) {
                text[index] = UInt8(truncatingIfNeeded: 48 + p % 10)
                p /= 10
            }
            text[3] = UInt8(ascii: "-")
            for index in stride(from: 11, through: 4, by: -1) {
                text[index] = UInt8(truncatingIfNeeded: 48 + s % 10)
                s /= 10
            }
            return 12
        }
    }

    /// The general form, for values outside the AWB ranges (never valid,
    /// but a key can be made of anything).
    static func padded(_ prefix: Int32, _ serial: Int32) -> String {
        let p = String(prefix), s = String(serial)
        return String(repeating: "0", count: max(0, 3 - p.count)) + p + "-" + String(repeating: "0", count: max(0, 8 - s.count)) + s
    }
}

/// The header's facts once it parsed.
public struct FileHeader: Sendable, Hashable {
    public var formatVersion: Int
    public var airlinePrefix: Int32
    public var operation: String
    public var period: BillingPeriod
    public var fileSequence: Int
    public var creationDate: CivilDate
    public var currency: String
    public var minorDigits: Int

    public init(formatVersion: Int, airlinePrefix: Int32, operation: String, period: BillingPeriod, fileSequence: Int, creationDate: CivilDate, currency: String, minorDigits: Int) {
        self.formatVersion = formatVersion
        self.airlinePrefix = airlinePrefix
        self.operation = operation
        self.period = period
        self.fileSequence = fileSequence
        self.creationDate = creationDate
        self.currency = currency
        self.minorDigits = minorDigits
    }
}

public struct FileTrailer: Sendable, Hashable {
    public var recordCount: Int
    public var netDueTotal: Int64
    public var weightChargeTotal: Int64
    /// `NegativeZero.netDue` / `.weightCharge` when a total was written `-0`.
    public var negativeZeroTotals: UInt8 = 0

    public init(recordCount: Int, netDueTotal: Int64, weightChargeTotal: Int64) {
        self.recordCount = recordCount
        self.netDueTotal = netDueTotal
        self.weightChargeTotal = weightChargeTotal
    }
}

/// What rejections.csv reports for a file: positions 12-14, 15-16 and 17-24
/// of its first line as they stand (or the XML envelope's values).
public struct ReportedIdentity: Sendable, Hashable {
    public var airline: String
    public var country: String
    public var period: String

    public init(airline: String = "", country: String = "", period: String = "") {
        self.airline = airline
        self.country = country
        self.period = period
    }
}

/// A billing file that passed the physical and syntactic file-level checks
/// (F06, F01, F05, F02, F03). F07, F08 and F04 need reference data and
/// history: the engine checks those.
public struct BillingFile: Sendable {
    public var name: String
    public var identity: ReportedIdentity
    public var header: FileHeader
    public var trailer: FileTrailer
    public var records: [BillingRecord]
    public var otherCharges: [OtherCharge]

    public init(name: String, identity: ReportedIdentity, header: FileHeader, trailer: FileTrailer, records: [BillingRecord], otherCharges: [OtherCharge]) {
        self.name = name
        self.identity = identity
        self.header = header
        self.trailer = trailer
        self.records = records
        self.otherCharges = otherCharges
    }

    public func otherCharges(of record: BillingRecord) -> ArraySlice<OtherCharge> {
        let start = Int(record.otherChargesStart)
        return otherCharges[start..<(start + Int(record.otherChargesCount))]
    }
}

/// A reader's verdict on one file.
public enum FileReadResult: Sendable {
    case parsed(BillingFile)
    case rejected(name: String, identity: ReportedIdentity, problem: Problem)
}

/// Sort key of the spec's processing order: (billing period, airline
/// prefix, file sequence number, file name). Files whose header does not
/// parse sort by what can be read; they are rejected whatever their place.
public struct ProcessingOrderKey: Comparable, Sendable {
    public var period: Int
    public var airline: Int
    public var fileSequence: Int
    public var fileName: String

    public init(period: Int, airline: Int, fileSequence: Int, fileName: String) {
        self.period = period
        self.airline = airline
        self.fileSequence = fileSequence
        self.fileName = fileName
    }

    public static func < (lhs: ProcessingOrderKey, rhs: ProcessingOrderKey) -> Bool {
        if lhs.period != rhs.period { return lhs.period < rhs.period }
        if lhs.airline != rhs.airline { return lhs.airline < rhs.airline }
        if lhs.fileSequence != rhs.fileSequence { return lhs.fileSequence < rhs.fileSequence }
        return lhs.fileName.utf8.lexicographicallyPrecedes(rhs.fileName.utf8)
    }
}

/// Which amounts of a record (or totals of a trailer) were written as a
/// negative zero. Settlement never looks at these bits; the writers do.
public enum NegativeZero {
    public static let weightCharge: UInt8 = 1 << 0
    public static let valuationCharge: UInt8 = 1 << 1
    public static let otherChargesDueCarrier: UInt8 = 1 << 2
    public static let otherChargesDueAgent: UInt8 = 1 << 3
    public static let commission: UInt8 = 1 << 4
    public static let incentive: UInt8 = 1 << 5
    public static let netDue: UInt8 = 1 << 6
}
