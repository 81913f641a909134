/// One field of a CBF line: 1-based position and length as billing-file.md
/// states them. Tests and the sample generator use these to build lines
/// with one deliberately broken field.
public struct CBFLayoutField: Sendable, Hashable {
    /// A `StaticString` keeps the field trivially copyable: the reader
    /// names fields per record, and a `String` here cost a retain and a
    /// release at every access.
    let staticName: StaticString
    /// 1-based, as the spec's tables count.
    public let position: Int
    public let length: Int

    public init(_ name: StaticString, position: Int, length: Int) {
        self.staticName = name
        self.position = position
        self.length = length
    }

    public var name: String { staticName.description }

    public static func == (a: CBFLayoutField, b: CBFLayoutField) -> Bool {
        a.position == b.position && a.length == b.length && a.name == b.name
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(position)
        hasher.combine(length)
    }

    /// 0-based byte range inside a line.
    public var range: Range<Int> { (position - 1)..<(position - 1 + length) }

    /// 0-based offset inside a line.
    public var offset: Int { position - 1 }

    /// `pos 112-123`, as error messages name it.
    public var location: String { "pos \(position)-\(position + length - 1)" }
}

/// The CBF layout, field by field (billing-file.md, format version 01).
public enum CBFLayout {
    public static let recordLength = 160

    public static let recordType = CBFLayoutField("record type", position: 1, length: 3)
    public static let sequence = CBFLayoutField("sequence number", position: 4, length: 6)

    public enum Header {
        public static let formatVersion = CBFLayoutField("format version", position: 10, length: 2)
        public static let airlinePrefix = CBFLayoutField("airline prefix", position: 12, length: 3)
        public static let operation = CBFLayoutField("CASS operation", position: 15, length: 2)
        public static let period = CBFLayoutField("billing period", position: 17, length: 8)
        public static let fileSequence = CBFLayoutField("file sequence number", position: 25, length: 6)
        public static let creationDate = CBFLayoutField("file creation date", position: 31, length: 8)
        public static let currency = CBFLayoutField("billing currency", position: 39, length: 3)
        public static let minorDigits = CBFLayoutField("minor-unit digits", position: 42, length: 1)
        public static let unused = CBFLayoutField("unused positions", position: 43, length: 118)
    }

    public enum Record {
        public static let airlinePrefix = CBFLayoutField("airline prefix", position: 10, length: 3)
        public static let awbSerial = CBFLayoutField("AWB serial number", position: 13, length: 8)
        public static let transaction = CBFLayoutField("transaction", position: 21, length: 3)
        public static let agentCode = CBFLayoutField("CASS agent code", position: 24, length: 11)
        public static let issueDate = CBFLayoutField("AWB issue date", position: 35, length: 8)
        public static let origin = CBFLayoutField("origin airport", position: 43, length: 3)
        public static let destination = CBFLayoutField("destination airport", position: 46, length: 3)
        public static let indicator = CBFLayoutField("charges indicator", position: 49, length: 1)
        public static let currency = CBFLayoutField("currency", position: 50, length: 3)
        public static let chargeableWeight = CBFLayoutField("chargeable weight", position: 53, length: 7)
        public static let weightCharge = CBFLayoutField("weight charge", position: 60, length: 12)
        public static let valuationCharge = CBFLayoutField("valuation charge", position: 72, length: 12)
        public static let otherChargesDueCarrier = CBFLayoutField("other charges due carrier", position: 84, length: 12)
        public static let otherChargesDueAgent = CBFLayoutField("other charges due agent", position: 96, length: 12)
        public static let commissionRate = CBFLayoutField("commission rate", position: 108, length: 4)
        public static let commission = CBFLayoutField("commission amount", position: 112, length: 12)
        public static let incentive = CBFLayoutField("incentive amount", position: 124, length: 12)
        public static let netDue = CBFLayoutField("net amount due", position: 136, length: 12)
        public static let reasonCode = CBFLayoutField("reason code", position: 148, length: 3)
        public static let unused = CBFLayoutField("unused positions", position: 151, length: 10)
    }

    public enum OtherChargeLine {
        public static let code = CBFLayoutField("other-charge code", position: 10, length: 2)
        public static let entitlement = CBFLayoutField("entitlement", position: 12, length: 1)
        public static let amount = CBFLayoutField("other-charge amount", position: 13, length: 12)
        public static let unused = CBFLayoutField("unused positions", position: 25, length: 136)
    }

    public enum Trailer {
        public static let recordCount = CBFLayoutField("number of AWB records", position: 10, length: 6)
        public static let netDueTotal = CBFLayoutField("net due total", position: 16, length: 12)
        public static let weightChargeTotal = CBFLayoutField("weight charge total", position: 28, length: 12)
        public static let unused = CBFLayoutField("unused positions", position: 40, length: 121)
    }
}

/// Writes billing files in the CBF layout. Everything is appended into one
/// byte buffer, field by field, with no `String` per field: the sample
/// generator writes millions of lines through here.
///
/// The writer writes what it is given: sequence numbers are always the line
/// numbers, but the trailer is the file's own (so a test can write an F03
/// file); `controlTotals(of:)` gives the right one.
public enum CBFWriter {
    /// A whole file: HDR, each record followed by its OCH lines, TRL, every
    /// line ending in `\n`.
    public static func write(_ file: BillingFile) -> [UInt8] {
        let lineCount = 2 + file.records.count + file.otherCharges.count
        var out: [UInt8] = []
        out.reserveCapacity(lineCount * (CBFLayout.recordLength + 1))
        var sequence = 1
        appendHeader(file.header, sequence: sequence, to: &out)
        for record in file.records {
            sequence += 1
            appendRecord(record, sequence: sequence, to: &out)
            for charge in file.otherCharges(of: record) {
                sequence += 1
                appendOtherCharge(charge, sequence: sequence, to: &out)
            }
        }
        sequence += 1
        appendTrailer(file.trailer, sequence: sequence, to: &out)
        return out
    }

    /// The trailer a correct file carries for these records.
    public static func controlTotals(of records: [BillingRecord]) -> FileTrailer {
        var net: Int64 = 0
        var weight: Int64 = 0
        for record in records {
            net += record.netDue
            weight += record.weightCharge
        }
        return FileTrailer(recordCount: records.count, netDueTotal: net, weightChargeTotal: weight)
    }

    // MARK: single lines (160 bytes, no line end)

    public static func headerLine(_ header: FileHeader, sequence: Int = 1) -> [UInt8] {
        line { appendHeader(header, sequence: sequence, to: &$0) }
    }

    public static func recordLine(_ record: BillingRecord, sequence: Int) -> [UInt8] {
        line { appendRecord(record, sequence: sequence, to: &$0) }
    }

    public static func otherChargeLine(_ charge: OtherCharge, sequence: Int) -> [UInt8] {
        line { appendOtherCharge(charge, sequence: sequence, to: &$0) }
    }

    public static func trailerLine(_ trailer: FileTrailer, sequence: Int) -> [UInt8] {
        line { appendTrailer(trailer, sequence: sequence, to: &$0) }
    }

    private static func line(_ body: (inout [UInt8]) -> Void) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(CBFLayout.recordLength + 1)
        body(&out)
        out.removeLast()
        return out
    }

    // MARK: appending lines (160 bytes and `\n`)

    public static func appendHeader(_ header: FileHeader, sequence: Int, to out: inout [UInt8]) {
        let base = beginLine(type: headerType, sequence: sequence, to: &out)
        typealias F = CBFLayout.Header
        putDigits(Int64(header.formatVersion), F.formatVersion, base, &out)
        putDigits(Int64(header.airlinePrefix), F.airlinePrefix, base, &out)
        putText(header.operation, F.operation, base, &out)
        putDigits(Int64(header.period.yyyymmnn), F.period, base, &out)
        putDigits(Int64(header.fileSequence), F.fileSequence, base, &out)
        putDigits(Int64(header.creationDate.yyyymmdd), F.creationDate, base, &out)
        putText(header.currency, F.currency, base, &out)
        putDigits(Int64(header.minorDigits), F.minorDigits, base, &out)
    }

    public static func appendRecord(_ record: BillingRecord, sequence: Int, to out: inout [UInt8]) {
        let base = beginLine(type: recordType, sequence: sequence, to: &out)
        typealias F = CBFLayout.Record
        putDigits(Int64(record.airlinePrefix), F.airlinePrefix, base, &out)
        putDigits(Int64(record.awbSerial), F.awbSerial, base, &out)
        putCode(record.transaction.codeBytes, F.transaction, base, &out)
        putDigits(record.agentCode, F.agentCode, base, &out)
        putDigits(Int64(record.issueDateDigits), F.issueDate, base, &out)
        putCode(record.origin, F.origin, base, &out)
        putCode(record.destination, F.destination, base, &out)
        out[base + F.indicator.position - 1] = record.indicator == .prepaid ? ascii("P") : ascii("C")
        putCode(record.currency, F.currency, base, &out)
        putDigits(record.chargeableWeightTenthsKg, F.chargeableWeight, base, &out)
        putSigned(record.weightCharge, F.weightCharge, base, &out, negativeZero: record.negativeZeroAmounts & NegativeZero.weightCharge != 0)
        putSigned(record.valuationCharge, F.valuationCharge, base, &out, negativeZero: record.negativeZeroAmounts & NegativeZero.valuationCharge != 0)
        putSigned(record.otherChargesDueCarrier, F.otherChargesDueCarrier, base, &out, negativeZero: record.negativeZeroAmounts & NegativeZero.otherChargesDueCarrier != 0)
        putSigned(record.otherChargesDueAgent, F.otherChargesDueAgent, base, &out, negativeZero: record.negativeZeroAmounts & NegativeZero.otherChargesDueAgent != 0)
        putDigits(Int64(record.commissionRate), F.commissionRate, base, &out)
        putSigned(record.commission, F.commission, base, &out, negativeZero: record.negativeZeroAmounts & NegativeZero.commission != 0)
        putSigned(record.incentive, F.incentive, base, &out, negativeZero: record.negativeZeroAmounts & NegativeZero.incentive != 0)
        putSigned(record.netDue, F.netDue, base, &out, negativeZero: record.negativeZeroAmounts & NegativeZero.netDue != 0)
        putCode(record.reasonCode, F.reasonCode, base, &out)
    }

    public static func appendOtherCharge(_ charge: OtherCharge, sequence: Int, to out: inout [UInt8]) {
        let base = beginLine(type: otherChargeType, sequence: sequence, to: &out)
        typealias F = CBFLayout.OtherChargeLine
        putCode(charge.code, F.code, base, &out)
        out[base + F.entitlement.position - 1] = charge.dueCarrier ? ascii("C") : ascii("A")
        putSigned(charge.amount, F.amount, base, &out, negativeZero: charge.amountIsNegativeZero)
    }

    public static func appendTrailer(_ trailer: FileTrailer, sequence: Int, to out: inout [UInt8]) {
        let base = beginLine(type: trailerType, sequence: sequence, to: &out)
        typealias F = CBFLayout.Trailer
        putDigits(Int64(trailer.recordCount), F.recordCount, base, &out)
        putSigned(trailer.netDueTotal, F.netDueTotal, base, &out, negativeZero: trailer.negativeZeroTotals & NegativeZero.netDue != 0)
        putSigned(trailer.weightChargeTotal, F.weightChargeTotal, base, &out, negativeZero: trailer.negativeZeroTotals & NegativeZero.weightCharge != 0)
    }

    // MARK: fields

    /// Largest magnitude an `S` field holds: 11 digits.
    public static let signedFieldMax: Int64 = 99_999_999_999

    /// Writes `value` into `field` of the line starting at `base`, as an `N`
    /// field (zero-padded). A value the field cannot hold is a programming
    /// error: writing its low digits would bill a wrong amount silently.
    public static func putDigits(_ value: Int64, _ field: CBFLayoutField, _ base: Int, _ out: inout [UInt8]) {
        precondition(value >= 0 && value < pow10(field.length), "\(field.name): \(value) does not fit \(field.length) digits")
        writeDigits(value, start: base + field.position - 1, length: field.length, &out)
    }

    /// Writes an `S` field: sign and 11 digits.
    public static func putSigned(_ value: Int64, _ field: CBFLayoutField, _ base: Int, _ out: inout [UInt8], negativeZero: Bool = false) {
        precondition(value >= -signedFieldMax && value <= signedFieldMax, "\(field.name): \(value) does not fit an S field")
        let start = base + field.position - 1
        out[start] = value < 0 || (value == 0 && negativeZero) ? ascii("-") : ascii("+")
        writeDigits(value < 0 ? -value : value, start: start + 1, length: field.length - 1, &out)
    }

    /// Writes text left-aligned, space-padded, cut at the field's length.
    public static func putText(_ text: String, _ field: CBFLayoutField, _ base: Int, _ out: inout [UInt8]) {
        putBytes(Array(text.utf8), field, base, &out)
    }

    public static func putCode(_ code: ASCIICode, _ field: CBFLayoutField, _ base: Int, _ out: inout [UInt8]) {
        var index = base + field.position - 1
        let end = index + field.length
        var remaining = Int(code.length)
        while index < end, remaining > 0 {
            remaining -= 1
            out[index] = UInt8(truncatingIfNeeded: code.packed >> (8 * UInt64(remaining)))
            index += 1
        }
    }

    public static func putBytes(_ bytes: [UInt8], _ field: CBFLayoutField, _ base: Int, _ out: inout [UInt8]) {
        let start = base + field.position - 1
        for (offset, byte) in bytes.prefix(field.length).enumerated() {
            out[start + offset] = byte
        }
    }

    // MARK: internals

    private static let headerType = ASCIICode("HDR")
    private static let recordType = ASCIICode("AWB")
    private static let otherChargeType = ASCIICode("OCH")
    private static let trailerType = ASCIICode("TRL")

    /// Appends a blank line with its type and sequence number; returns the
    /// index of its first byte.
    private static func beginLine(type: ASCIICode, sequence: Int, to out: inout [UInt8]) -> Int {
        let base = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: CBFLayout.recordLength))
        out.append(UInt8(ascii: "\n"))
        putCode(type, CBFLayout.recordType, base, &out)
        putDigits(Int64(sequence), CBFLayout.sequence, base, &out)
        return base
    }

    @inline(__always) private static func writeDigits(_ value: Int64, start: Int, length: Int, _ out: inout [UInt8]) {
        var rest = value
        var index = start + length - 1
        while index >= start {
            out[index] = UInt8(truncatingIfNeeded: 48 + rest % 10)
            rest /= 10
            index -= 1
        }
    }

    private static func pow10(_ digits: Int) -> Int64 {
        var result: Int64 = 1
        for _ in 0..<min(digits, 18) { result *= 10 }
        return result
    }

    @inline(__always) private static func ascii(_ scalar: Unicode.Scalar) -> UInt8 { UInt8(ascii: scalar) }
}

extension TransactionType {
    /// Positions 21-23 as packed bytes, without building a `String`.
    public var codeBytes: ASCIICode {
        switch self {
        case .awb: Self.awbCode
        case .cca: Self.ccaCode
        case .dcm: Self.dcmCode
        case .ccm: Self.ccmCode
        }
    }

    private static let awbCode = ASCIICode("AWB")
    private static let ccaCode = ASCIICode("CCA")
    private static let dcmCode = ASCIICode("DCM")
    private static let ccmCode = ASCIICode("CCM")
}
