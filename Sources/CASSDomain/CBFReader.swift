/// Reads a CASS Billing File (billing-file.md) from its bytes.
///
/// It does the checks that need nothing but the file: F06, F01, F05, F02
/// and F03 in the spec's precedence, and per record the first malformed
/// field (R12). Business rules (F07, F08, F04, R01-R11) are the engine's.
/// It works on the bytes in place: a 100 MB file is read once, never copied
/// into `String`s.
public enum CBFReader {
    public static let recordLength = 160

    public static func read(bytes: [UInt8], fileName: String, periodsPerMonth: (String) -> Int?) -> FileReadResult {
        bytes.withUnsafeBytes { read(buffer: $0, fileName: fileName, periodsPerMonth: periodsPerMonth) }
    }

    public static func read(buffer: UnsafeRawBufferPointer, fileName: String, periodsPerMonth: (String) -> Int?) -> FileReadResult {
        var scanner = Scanner(buffer: buffer, fileName: fileName)
        return scanner.run(periodsPerMonth: periodsPerMonth)
    }

    /// What rejections.csv shows for a file-level error: positions 12-14,
    /// 15-16 and 17-24 of the first line as they stand; empty when the file
    /// is empty or holds a non-ASCII byte.
    public static func reportedIdentity(of buffer: UnsafeRawBufferPointer) -> ReportedIdentity {
        guard !buffer.isEmpty else { return ReportedIdentity() }
        for byte in buffer where byte >= 0x80 { return ReportedIdentity() }
        var end = 0
        while end < buffer.count, buffer[end] != 10 { end += 1 }
        if end > 0, buffer[end - 1] == 13 { end -= 1 }
        func slice(_ from: Int, _ to: Int) -> String {
            let lower = min(from, end), upper = min(to, end)
            guard lower < upper else { return "" }
            return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[lower..<upper]), as: UTF8.self)
        }
        return ReportedIdentity(airline: slice(11, 14), country: slice(14, 16), period: slice(16, 24))
    }

    /// The processing-order key from the header as far as it can be read.
    public static func processingOrderKey(of buffer: UnsafeRawBufferPointer, fileName: String) -> ProcessingOrderKey {
        func number(_ from: Int, _ to: Int) -> Int {
            guard buffer.count >= to else { return 0 }
            var value = 0
            for index in from..<to {
                let byte = buffer[index]
                guard byte >= 48, byte <= 57 else { return 0 }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        return ProcessingOrderKey(period: number(16, 24), airline: number(11, 14), fileSequence: number(24, 30), fileName: fileName)
    }
}

/// One field of a record: its name as the spec says it and its 1-based
/// inclusive positions, for error messages.
struct FieldSpec {
    let name: String
    let start: Int
    let length: Int

    var location: String { "pos \(start)-\(start + length - 1)" }
    var offset: Int { start - 1 }
}

enum CBFField {
    static let recordType = FieldSpec(name: "record type", start: 1, length: 3)
    static let sequence = FieldSpec(name: "sequence number", start: 4, length: 6)
    // HDR
    static let version = FieldSpec(name: "format version", start: 10, length: 2)
    static let headerPrefix = FieldSpec(name: "airline prefix", start: 12, length: 3)
    static let operation = FieldSpec(name: "CASS operation", start: 15, length: 2)
    static let period = FieldSpec(name: "billing period", start: 17, length: 8)
    static let fileSequence = FieldSpec(name: "file sequence number", start: 25, length: 6)
    static let creationDate = FieldSpec(name: "file creation date", start: 31, length: 8)
    static let headerCurrency = FieldSpec(name: "billing currency", start: 39, length: 3)
    static let minorDigits = FieldSpec(name: "minor-unit digits", start: 42, length: 1)
    static let headerFiller = FieldSpec(name: "unused positions", start: 43, length: 118)
    // AWB
    static let prefix = FieldSpec(name: "airline prefix", start: 10, length: 3)
    static let serial = FieldSpec(name: "AWB serial number", start: 13, length: 8)
    static let transaction = FieldSpec(name: "transaction", start: 21, length: 3)
    static let agent = FieldSpec(name: "CASS agent code", start: 24, length: 11)
    static let issueDate = FieldSpec(name: "AWB issue date", start: 35, length: 8)
    static let origin = FieldSpec(name: "origin airport", start: 43, length: 3)
    static let destination = FieldSpec(name: "destination airport", start: 46, length: 3)
    static let indicator = FieldSpec(name: "charges indicator", start: 49, length: 1)
    static let currency = FieldSpec(name: "currency", start: 50, length: 3)
    static let weight = FieldSpec(name: "chargeable weight", start: 53, length: 7)
    static let weightCharge = FieldSpec(name: "weight charge", start: 60, length: 12)
    static let valuationCharge = FieldSpec(name: "valuation charge", start: 72, length: 12)
    static let ocdc = FieldSpec(name: "other charges due carrier", start: 84, length: 12)
    static let ocda = FieldSpec(name: "other charges due agent", start: 96, length: 12)
    static let rate = FieldSpec(name: "commission rate", start: 108, length: 4)
    static let commission = FieldSpec(name: "commission amount", start: 112, length: 12)
    static let incentive = FieldSpec(name: "incentive amount", start: 124, length: 12)
    static let netDue = FieldSpec(name: "net amount due", start: 136, length: 12)
    static let reason = FieldSpec(name: "reason code", start: 148, length: 3)
    static let awbFiller = FieldSpec(name: "unused positions", start: 151, length: 10)
    // OCH
    static let ochCode = FieldSpec(name: "other-charge code", start: 10, length: 2)
    static let entitlement = FieldSpec(name: "entitlement", start: 12, length: 1)
    static let ochAmount = FieldSpec(name: "other-charge amount", start: 13, length: 12)
    static let ochFiller = FieldSpec(name: "unused positions", start: 25, length: 136)
    // TRL
    static let count = FieldSpec(name: "number of AWB records", start: 10, length: 6)
    static let netTotal = FieldSpec(name: "sum of net due", start: 16, length: 12)
    static let weightTotal = FieldSpec(name: "sum of weight charges", start: 28, length: 12)
    static let trailerFiller = FieldSpec(name: "unused positions", start: 40, length: 121)
}

/// Field access on one 160-byte line of the buffer.
struct Line {
    let buffer: UnsafeRawBufferPointer
    let start: Int

    @inline(__always) func byte(_ offset: Int) -> UInt8 { buffer[start + offset] }

    func text(_ field: FieldSpec) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: buffer[(start + field.offset)..<(start + field.offset + field.length)]), as: UTF8.self)
    }

    func code(_ field: FieldSpec) -> ASCIICode {
        var value: UInt64 = 0
        for index in 0..<field.length { value = value << 8 | UInt64(byte(field.offset + index)) }
        return ASCIICode(packed: value, length: UInt8(field.length))
    }

    /// Digits only, or nil.
    @inline(__always) func number(_ field: FieldSpec) -> Int64? {
        var value: Int64 = 0
        for index in 0..<field.length {
            let digit = byte(field.offset + index) &- 48
            guard digit < 10 else { return nil }
            value = value &* 10 &+ Int64(digit)
        }
        return value
    }

    /// A sign and 11 digits, or nil.
    @inline(__always) func signed(_ field: FieldSpec) -> Int64? {
        let sign = byte(field.offset)
        guard sign == 43 || sign == 45 else { return nil }
        var value: Int64 = 0
        for index in 1..<field.length {
            let digit = byte(field.offset + index) &- 48
            guard digit < 10 else { return nil }
            value = value &* 10 &+ Int64(digit)
        }
        return sign == 45 ? -value : value
    }

    func isUppercase(_ field: FieldSpec) -> Bool {
        for index in 0..<field.length {
            let b = byte(field.offset + index)
            guard b >= 65, b <= 90 else { return false }
        }
        return true
    }

    func isBlank(_ field: FieldSpec) -> Bool {
        for index in 0..<field.length where byte(field.offset + index) != 32 { return false }
        return true
    }

    func isAlphanumeric(_ field: FieldSpec) -> Bool {
        for index in 0..<field.length {
            let b = byte(field.offset + index)
            let ok = b == 32 || (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
            guard ok else { return false }
        }
        return true
    }

    func problem(_ code: RejectionCode, _ field: FieldSpec, expected: String, message: String = "") -> Problem {
        Problem(code: code, field: field.name, location: field.location, expected: expected, found: "'\(text(field))'", message: message)
    }
}

extension ASCIICode {
    init(packed: UInt64, length: UInt8) {
        self = ASCIICode(rawPacked: packed, length: length)
    }
}

private struct Scanner {
    let buffer: UnsafeRawBufferPointer
    let fileName: String

    init(buffer: UnsafeRawBufferPointer, fileName: String) {
        self.buffer = buffer
        self.fileName = fileName
    }

    mutating func run(periodsPerMonth: (String) -> Int?) -> FileReadResult {
        let identity = CBFReader.reportedIdentity(of: buffer)
        func reject(_ problem: Problem) -> FileReadResult {
            .rejected(name: fileName, identity: identity, problem: problem)
        }

        // Pass 1, physical layout (F06): line ends, lengths, characters,
        // record types, sequence numbers, and where HDR, TRL and OCH stand.
        var lineStarts: [Int] = []
        lineStarts.reserveCapacity(buffer.count / (CBFReader.recordLength + 1) + 2)
        var position = 0
        let count = buffer.count
        var lineNumber = 0
        while position < count {
            lineNumber += 1
            var end = position
            while end < count, buffer[end] != 10 { end += 1 }
            var contentEnd = end
            if contentEnd > position, buffer[contentEnd - 1] == 13 { contentEnd -= 1 }
            let length = contentEnd - position
            if length != CBFReader.recordLength {
                return reject(Problem(code: .F06, field: "record length", location: "line \(lineNumber)", expected: "160 characters", found: "\(length) characters", message: "line \(lineNumber) is \(length) characters long, every record must be exactly 160"))
            }
            for index in position..<contentEnd {
                let b = buffer[index]
                if b < 32 || b > 126 {
                    let what = b >= 0x80 ? "a non-ASCII byte" : (b == 9 ? "a tab" : "a control character")
                    return reject(Problem(code: .F06, field: "character set", location: "line \(lineNumber), pos \(index - position + 1)", expected: "printable ASCII", found: "byte 0x\(String(b, radix: 16))", message: "line \(lineNumber) holds \(what) at position \(index - position + 1)"))
                }
            }
            lineStarts.append(position)
            position = end + 1
        }

        let lines = lineStarts.count
        var previousType: UInt32 = 0
        var previousWasMemo = false
        for (index, start) in lineStarts.enumerated() {
            let line = Line(buffer: buffer, start: start)
            let number = index + 1
            let type = UInt32(line.byte(0)) << 16 | UInt32(line.byte(1)) << 8 | UInt32(line.byte(2))
            switch type {
            case RecordType.hdr:
                if number != 1 {
                    return reject(line.problem(.F06, CBFField.recordType, expected: "HDR only on the first line", message: "a second header stands on line \(number)"))
                }
            case RecordType.trl:
                if number != lines {
                    return reject(line.problem(.F06, CBFField.recordType, expected: "TRL only on the last line", message: "a trailer stands on line \(number), before the end of the file"))
                }
            case RecordType.och:
                if previousType != RecordType.awb && previousType != RecordType.och || previousWasMemo {
                    let message = previousWasMemo ? "OCH line \(number) follows a memo" : "OCH line \(number) follows no AWB record"
                    return reject(line.problem(.F06, CBFField.recordType, expected: "OCH after an AWB or CCA record", message: message))
                }
            case RecordType.awb:
                let t = line.code(CBFField.transaction).packed
                previousWasMemo = t == TransactionCode.dcm || t == TransactionCode.ccm
            default:
                return reject(line.problem(.F06, CBFField.recordType, expected: "HDR, AWB, OCH or TRL", message: "line \(number) has an unknown record type"))
            }
            if type != RecordType.och { previousType = type }
            if line.number(CBFField.sequence) != Int64(number) {
                return reject(line.problem(.F06, CBFField.sequence, expected: String(format6: number), message: "line \(number) carries sequence number '\(line.text(CBFField.sequence))'; sequence numbers must run 1, 2, 3..."))
            }
        }

        // F01: the header.
        guard let first = lineStarts.first else {
            return reject(Problem(code: .F01, field: "header", expected: "an HDR record on line 1", found: "an empty file", message: "the file is empty: header missing"))
        }
        let header = Line(buffer: buffer, start: first)
        let parsedHeader: FileHeader
        switch parseHeader(header, periodsPerMonth: periodsPerMonth) {
        case .failure(let problem): return reject(problem)
        case .success(let value): parsedHeader = value
        }
        // F05: version.
        if parsedHeader.formatVersion != 1 {
            return reject(header.problem(.F05, CBFField.version, expected: "01", message: "format version \(header.text(CBFField.version)) is not supported; this reader reads version 01"))
        }
        // F02: the trailer.
        let last = Line(buffer: buffer, start: lineStarts[lines - 1])
        guard lines >= 2, last.code(CBFField.recordType).packed == UInt64(RecordType.trl) else {
            return reject(Problem(code: .F02, field: "trailer", location: "line \(lines)", expected: "a TRL record on the last line", found: lines >= 2 ? "'\(last.text(CBFField.recordType))'" : "no trailer", message: "trailer missing: the last line is not TRL"))
        }
        guard let trailerCount = last.number(CBFField.count) else {
            return reject(last.problem(.F02, CBFField.count, expected: "6 digits", message: "trailer malformed"))
        }
        guard let netTotal = last.signed(CBFField.netTotal) else {
            return reject(last.problem(.F02, CBFField.netTotal, expected: "sign and 11 digits", message: "trailer malformed"))
        }
        guard let weightTotal = last.signed(CBFField.weightTotal) else {
            return reject(last.problem(.F02, CBFField.weightTotal, expected: "sign and 11 digits", message: "trailer malformed"))
        }
        guard last.isBlank(CBFField.trailerFiller) else {
            return reject(last.problem(.F02, CBFField.trailerFiller, expected: "spaces", message: "trailer malformed: unused positions must be spaces"))
        }

        // The records, then F03 on the control totals.
        var records: [BillingRecord] = []
        records.reserveCapacity(lines)
        var otherCharges: [OtherCharge] = []
        var sumNet: Int64 = 0
        var sumWeight: Int64 = 0
        for index in 1..<(lines - 1) {
            let line = Line(buffer: buffer, start: lineStarts[index])
            if line.byte(0) == 65 { // AWB
                let record = parseRecord(line, sequence: Int32(index + 1))
                sumNet &+= record.netDue
                sumWeight &+= record.weightCharge
                records.append(record)
            } else { // OCH: F06 guaranteed an AWB record before it.
                let last = records.count - 1
                parseOtherCharge(line, sequence: Int32(index + 1), into: &records[last], charges: &otherCharges)
            }
        }
        if trailerCount != Int64(records.count) {
            return reject(last.problem(.F03, CBFField.count, expected: String(format6: records.count), message: "the trailer counts \(trailerCount) AWB records, the file has \(records.count)"))
        }
        if netTotal != sumNet {
            return reject(last.problem(.F03, CBFField.netTotal, expected: String(signed12: sumNet), message: "the trailer's net-due total \(netTotal) differs from the records' sum \(sumNet)"))
        }
        if weightTotal != sumWeight {
            return reject(last.problem(.F03, CBFField.weightTotal, expected: String(signed12: sumWeight), message: "the trailer's weight-charge total \(weightTotal) differs from the records' sum \(sumWeight)"))
        }
        let file = BillingFile(
            name: fileName, identity: identity, header: parsedHeader,
            trailer: FileTrailer(recordCount: Int(trailerCount), netDueTotal: netTotal, weightChargeTotal: weightTotal),
            records: records, otherCharges: otherCharges)
        return .parsed(file)
    }

    private func parseHeader(_ line: Line, periodsPerMonth: (String) -> Int?) -> Result<FileHeader, Problem> {
        func malformed(_ field: FieldSpec, _ expected: String, _ message: String? = nil) -> Result<FileHeader, Problem> {
            .failure(line.problem(.F01, field, expected: expected, message: message ?? "header malformed: \(field.name) (\(field.location)) must be \(expected), found '\(line.text(field))'"))
        }
        guard line.code(CBFField.recordType).packed == UInt64(RecordType.hdr) else {
            return malformed(CBFField.recordType, "HDR", "header missing: the first line is not HDR")
        }
        guard let version = line.number(CBFField.version) else { return malformed(CBFField.version, "2 digits") }
        guard let prefix = line.number(CBFField.headerPrefix) else { return malformed(CBFField.headerPrefix, "3 digits") }
        guard line.isUppercase(CBFField.operation) else { return malformed(CBFField.operation, "2 uppercase letters") }
        let operation = line.text(CBFField.operation)
        guard let periodDigits = line.number(CBFField.period), let period = BillingPeriod(yyyymmnn: Int(periodDigits)) else {
            return malformed(CBFField.period, "YYYYMMNN with NN 01-04")
        }
        if let perMonth = periodsPerMonth(operation), !period.fits(periodsPerMonth: perMonth) {
            return malformed(CBFField.period, "a period number 01-\(String(format2: perMonth))", "header malformed: operation \(operation) has \(perMonth) periods a month, the header names period \(String(format2: period.number))")
        }
        guard let fileSequence = line.number(CBFField.fileSequence), fileSequence >= 1 else {
            return malformed(CBFField.fileSequence, "6 digits from 000001")
        }
        guard let dateDigits = line.number(CBFField.creationDate), let creation = CivilDate(yyyymmdd: Int(dateDigits)) else {
            return malformed(CBFField.creationDate, "a calendar date YYYYMMDD")
        }
        guard line.isUppercase(CBFField.headerCurrency) else { return malformed(CBFField.headerCurrency, "3 uppercase letters") }
        guard let digits = line.number(CBFField.minorDigits) else { return malformed(CBFField.minorDigits, "1 digit") }
        guard line.isBlank(CBFField.headerFiller) else { return malformed(CBFField.headerFiller, "spaces") }
        return .success(FileHeader(
            formatVersion: Int(version), airlinePrefix: Int32(prefix), operation: operation, period: period,
            fileSequence: Int(fileSequence), creationDate: creation, currency: line.text(CBFField.headerCurrency),
            minorDigits: Int(digits)))
    }

    private func parseRecord(_ line: Line, sequence: Int32) -> BillingRecord {
        var record = BillingRecord()
        record.sequence = sequence
        record.awbPrefixText = line.code(CBFField.prefix)
        record.awbSerialText = line.code(CBFField.serial)
        record.origin = line.code(CBFField.origin)
        record.destination = line.code(CBFField.destination)
        record.currency = line.code(CBFField.currency)
        record.reasonCode = line.code(CBFField.reason)
        var malformed: Problem?
        func flag(_ field: FieldSpec, _ expected: String) {
            if malformed == nil {
                malformed = line.problem(.R12, field, expected: expected, message: "malformed field: \(field.name) (\(field.location)) must be \(expected), found '\(line.text(field))'")
            }
        }
        func number(_ field: FieldSpec) -> Int64 {
            if let value = line.number(field) { return value }
            flag(field, "\(field.length) digits")
            return 0
        }
        func amount(_ field: FieldSpec) -> Int64 {
            if let value = line.signed(field) { return value }
            flag(field, "a sign + or - and 11 digits")
            return 0
        }
        record.airlinePrefix = Int32(number(CBFField.prefix))
        record.awbSerial = Int32(number(CBFField.serial))
        switch line.code(CBFField.transaction).packed {
        case TransactionCode.awb: record.transaction = .awb
        case TransactionCode.cca: record.transaction = .cca
        case TransactionCode.dcm: record.transaction = .dcm
        case TransactionCode.ccm: record.transaction = .ccm
        default: flag(CBFField.transaction, "AWB, CCA, DCM or CCM")
        }
        record.agentCode = number(CBFField.agent)
        record.issueDateDigits = Int32(number(CBFField.issueDate))
        switch line.byte(CBFField.indicator.offset) {
        case 80: record.indicator = .prepaid
        case 67: record.indicator = .collect
        default: flag(CBFField.indicator, "P or C")
        }
        record.chargeableWeightTenthsKg = number(CBFField.weight)
        record.weightCharge = amount(CBFField.weightCharge)
        record.valuationCharge = amount(CBFField.valuationCharge)
        record.otherChargesDueCarrier = amount(CBFField.ocdc)
        record.otherChargesDueAgent = amount(CBFField.ocda)
        record.commissionRate = Int32(number(CBFField.rate))
        record.commission = amount(CBFField.commission)
        record.incentive = amount(CBFField.incentive)
        record.netDue = amount(CBFField.netDue)
        if !line.isAlphanumeric(CBFField.reason) {
            flag(CBFField.reason, "letters, digits or spaces")
        } else if record.transaction.isMemo, line.isBlank(CBFField.reason), malformed == nil {
            malformed = line.problem(.R12, CBFField.reason, expected: "a reason code", message: "malformed field: a \(record.transaction.code) needs a reason code (\(CBFField.reason.location)), found blanks")
        }
        if !line.isBlank(CBFField.awbFiller) { flag(CBFField.awbFiller, "spaces") }
        record.malformed = malformed
        record.otherChargesStart = 0
        return record
    }

    private func parseOtherCharge(_ line: Line, sequence: Int32, into record: inout BillingRecord, charges: inout [OtherCharge]) {
        if record.otherChargesCount == 0 { record.otherChargesStart = Int32(charges.count) }
        record.otherChargesCount += 1
        func flag(_ field: FieldSpec, _ expected: String) {
            if record.malformed == nil {
                record.malformed = line.problem(.R12, field, expected: expected, message: "malformed field on OCH line \(sequence): \(field.name) (\(field.location)) must be \(expected), found '\(line.text(field))'")
            }
        }
        if !line.isUppercase(CBFField.ochCode) { flag(CBFField.ochCode, "2 uppercase letters") }
        let entitlement = line.byte(CBFField.entitlement.offset)
        if entitlement != 67 && entitlement != 65 { flag(CBFField.entitlement, "C or A") }
        let amount = line.signed(CBFField.ochAmount)
        if amount == nil { flag(CBFField.ochAmount, "a sign + or - and 11 digits") }
        if !line.isBlank(CBFField.ochFiller) { flag(CBFField.ochFiller, "spaces") }
        charges.append(OtherCharge(code: line.code(CBFField.ochCode), dueCarrier: entitlement != 65, amount: amount ?? 0, sequence: sequence))
    }
}

enum RecordType {
    static let hdr: UInt32 = 0x48_44_52
    static let awb: UInt32 = 0x41_57_42
    static let och: UInt32 = 0x4F_43_48
    static let trl: UInt32 = 0x54_52_4C
}

enum TransactionCode {
    static let awb: UInt64 = 0x41_57_42
    static let cca: UInt64 = 0x43_43_41
    static let dcm: UInt64 = 0x44_43_4D
    static let ccm: UInt64 = 0x43_43_4D
}

extension String {
    init(format2 value: Int) { self = value < 10 ? "0\(value)" : "\(value)" }

    init(format6 value: Int) { self = Padding.zeros(String(value), to: 6) }

    init(signed12 value: Int64) { self = (value < 0 ? "-" : "+") + Padding.zeros(String(value.magnitude), to: 11) }
}

public enum Padding {
    public static func zeros(_ digits: String, to width: Int) -> String {
        digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
