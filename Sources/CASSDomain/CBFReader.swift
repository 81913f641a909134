/// Reads a CASS Billing File (billing-file.md) from its bytes.
///
/// It does the checks that need nothing but the file: F06, F01, F05, F02
/// and F03 in the spec's precedence, and per record the first malformed
/// field (R12). Business rules (F07, F08, F04, R01-R11) are the engine's.
/// It works on the bytes in place: a 100 MB file is read once, never copied
/// into `String`s.
public enum CBFReader {
    public static let recordLength = CBFLayout.recordLength

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
        guard !buffer.isEmpty, isASCII(buffer) else { return ReportedIdentity() }
        return firstLineIdentity(of: buffer)
    }

    /// Whether no byte has its high bit set, looked at eight bytes a word:
    /// the service checks every upload's whole file before answering, and
    /// a byte at a time cost about 4 instructions a byte.
    static func isASCII(_ buffer: UnsafeRawBufferPointer) -> Bool {
        let count = buffer.count
        var index = 0
        var seen: UInt64 = 0
        while index + 32 <= count {
            seen |= buffer.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                | buffer.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
                | buffer.loadUnaligned(fromByteOffset: index + 16, as: UInt64.self)
                | buffer.loadUnaligned(fromByteOffset: index + 24, as: UInt64.self)
            index += 32
        }
        while index + 8 <= count {
            seen |= buffer.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < count {
            seen |= UInt64(buffer[index])
            index += 1
        }
        return seen & 0x8080_8080_8080_8080 == 0
    }

    /// The identity of a buffer already known to be ASCII.
    static func firstLineIdentity(of buffer: UnsafeRawBufferPointer) -> ReportedIdentity {
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

/// The reader names fields by `CBFLayout`, the one table of positions the
/// writer and the sample generator use too.
typealias FieldSpec = CBFLayoutField

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

    /// Eight ASCII digits at `offset` of the line as their value, or nil,
    /// in a handful of word operations instead of eight byte steps: a
    /// record carries over a hundred digits.
    @inline(__always) func eightDigits(at offset: Int) -> Int64? {
        let word = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: start + offset, as: UInt64.self))
        let digits = word &- 0x3030_3030_3030_3030
        // Every byte 0...9: no high nibble, before or after adding 6 (a
        // byte below '0' borrows into its high nibble, above '9' carries).
        guard (digits | (digits &+ 0x0606_0606_0606_0606)) & 0xF0F0_F0F0_F0F0_F0F0 == 0 else { return nil }
        // The first character is the lowest byte: combine pairs, quads, then halves.
        var value = (digits &* 2561) >> 8
        value = ((value & 0x00FF_00FF_00FF_00FF) &* 6_553_601) >> 16
        value = ((value & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) >> 32
        return Int64(value)
    }

    /// The digits of `length` bytes from `offset`, or nil.
    @inline(__always) func digits(at offset: Int, length: Int) -> Int64? {
        var value: Int64 = 0
        var index = offset
        let end = offset + length
        while end - index >= 8 {
            guard let chunk = eightDigits(at: index) else { return nil }
            value = value &* 100_000_000 &+ chunk
            index += 8
        }
        while index < end {
            let digit = byte(index) &- 48
            guard digit < 10 else { return nil }
            value = value &* 10 &+ Int64(digit)
            index += 1
        }
        return value
    }

    /// Digits only, or nil.
    @inline(__always) func number(_ field: FieldSpec) -> Int64? {
        digits(at: field.offset, length: field.length)
    }

    /// Four ASCII digits packed little-endian (first digit lowest), or nil.
    @inline(__always) static func fourDigits(_ word: UInt32) -> Int64? {
        let digits = word &- 0x3030_3030
        guard (digits | (digits &+ 0x0606_0606)) & 0xF0F0_F0F0 == 0 else { return nil }
        let pairs = (digits &* 10) &+ (digits >> 8)
        return Int64(pairs & 0xFF) * 100 + Int64((pairs >> 16) & 0xFF)
    }

    /// A sign and 11 digits, or nil.
    @inline(__always) func signed(_ field: FieldSpec) -> Int64? {
        let sign = byte(field.offset)
        guard sign == 43 || sign == 45 else { return nil }
        if field.length == 12 {
            // The sign's word with the sign made '0' holds digits 1-3; digits
            // 4-11 are one 8-digit word: two word parses, no byte loop.
            let head = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: start + field.offset, as: UInt32.self))
            guard let high = Line.fourDigits((head & 0xFFFF_FF00) | 0x30), let low = eightDigits(at: field.offset + 4) else { return nil }
            let value = high &* 100_000_000 &+ low
            return sign == 45 ? -value : value
        }
        guard let value = digits(at: field.offset + 1, length: field.length - 1) else { return nil }
        return sign == 45 ? -value : value
    }

    func isUppercase(_ field: FieldSpec) -> Bool {
        for index in 0..<field.length {
            let b = byte(field.offset + index)
            guard b >= 65, b <= 90 else { return false }
        }
        return true
    }

    /// Eight bytes at a time: the unused tails of OCH and trailer lines
    /// are over a hundred spaces.
    func isBlank(_ field: FieldSpec) -> Bool {
        let spaces: UInt64 = 0x2020_2020_2020_2020
        var index = start + field.offset
        let end = index + field.length
        while index + 8 <= end {
            if buffer.loadUnaligned(fromByteOffset: index, as: UInt64.self) != spaces { return false }
            index += 8
        }
        while index < end {
            if buffer[index] != 32 { return false }
            index += 1
        }
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

    /// True when the `length` bytes from `start` are all printable ASCII
    /// (32...126), eight at a time: `length` is a multiple of 8.
    @inline(__always) func allPrintable(from start: Int, length: Int) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        var flagged: UInt64 = 0
        var offset = start
        let end = start + length
        while offset < end {
            let word = buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            // A byte below 0x20 borrows into its high bit; a byte above
            // 0x7E carries into it or has it set already.
            flagged |= ((word &- ones &* 0x20) & ~word) | (word &+ ones) | word
            offset += 8
        }
        return flagged & highBits == 0
    }

    mutating func run(periodsPerMonth: (String) -> Int?) -> FileReadResult {
        // The scan for non-ASCII bytes that the reported identity needs is
        // done only for a rejected file: pass 1 proves an accepted one ASCII.
        func reject(_ problem: Problem) -> FileReadResult {
            .rejected(name: fileName, identity: CBFReader.reportedIdentity(of: buffer), problem: problem)
        }

        // Pass 1, physical layout (F06): line ends, lengths, characters,
        // record types, sequence numbers, and where HDR, TRL and OCH stand.
        var lineStarts: [Int] = []
        lineStarts.reserveCapacity(buffer.count / (CBFReader.recordLength + 1) + 2)
        var position = 0
        let count = buffer.count
        var lineNumber = 0
        let recordLength = CBFReader.recordLength
        while position < count {
            lineNumber += 1
            // The common case: 160 printable bytes, then LF or CR LF.
            let fastEnd = position + recordLength
            if fastEnd < count, allPrintable(from: position, length: recordLength) {
                let terminator = buffer[fastEnd]
                if terminator == 10 {
                    lineStarts.append(position)
                    position = fastEnd + 1
                    continue
                }
                if terminator == 13, fastEnd + 1 < count, buffer[fastEnd + 1] == 10 {
                    lineStarts.append(position)
                    position = fastEnd + 2
                    continue
                }
            }
            var end = position
            while end < count, buffer[end] != 10 { end += 1 }
            var contentEnd = end
            if contentEnd > position, buffer[contentEnd - 1] == 13 {
                // A line end is LF or CR LF: a CR that no LF follows (the
                // file's last byte) is a third kind, refused like any other.
                guard end < count else {
                    return reject(Problem(code: .F06, field: "line end", location: "line \(lineNumber)", expected: "LF or CR LF", found: "CR at the end of the file",
                                          message: "line \(lineNumber) ends in a lone CR: line ends are LF or CR LF"))
                }
                contentEnd -= 1
            }
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
                    return reject(line.problem(.F06, CBFLayout.recordType, expected: "HDR only on the first line", message: "a second header stands on line \(number)"))
                }
            case RecordType.trl:
                if number != lines {
                    return reject(line.problem(.F06, CBFLayout.recordType, expected: "TRL only on the last line", message: "a trailer stands on line \(number), before the end of the file"))
                }
            case RecordType.och:
                if previousType != RecordType.awb && previousType != RecordType.och || previousWasMemo {
                    let message = previousWasMemo ? "OCH line \(number) follows a memo" : "OCH line \(number) follows no AWB record"
                    return reject(line.problem(.F06, CBFLayout.recordType, expected: "OCH after an AWB or CCA record", message: message))
                }
            case RecordType.awb:
                let t = line.code(CBFLayout.Record.transaction).packed
                previousWasMemo = t == TransactionCode.dcm || t == TransactionCode.ccm
            default:
                return reject(line.problem(.F06, CBFLayout.recordType, expected: "HDR, AWB, OCH or TRL", message: "line \(number) has an unknown record type"))
            }
            if type != RecordType.och { previousType = type }
            if line.number(CBFLayout.sequence) != Int64(number) {
                return reject(line.problem(.F06, CBFLayout.sequence, expected: String(format6: number), message: "line \(number) carries sequence number '\(line.text(CBFLayout.sequence))'; sequence numbers must run 1, 2, 3..."))
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
            return reject(header.problem(.F05, CBFLayout.Header.formatVersion, expected: "01", message: "format version \(header.text(CBFLayout.Header.formatVersion)) is not supported; this reader reads version 01"))
        }
        // F02: the trailer.
        let last = Line(buffer: buffer, start: lineStarts[lines - 1])
        guard lines >= 2, last.code(CBFLayout.recordType).packed == UInt64(RecordType.trl) else {
            return reject(Problem(code: .F02, field: "trailer", location: "line \(lines)", expected: "a TRL record on the last line", found: lines >= 2 ? "'\(last.text(CBFLayout.recordType))'" : "no trailer", message: "trailer missing: the last line is not TRL"))
        }
        guard let trailerCount = last.number(CBFLayout.Trailer.recordCount) else {
            return reject(last.problem(.F02, CBFLayout.Trailer.recordCount, expected: "6 digits", message: "trailer malformed"))
        }
        guard let netTotal = last.signed(CBFLayout.Trailer.netDueTotal) else {
            return reject(last.problem(.F02, CBFLayout.Trailer.netDueTotal, expected: "sign and 11 digits", message: "trailer malformed"))
        }
        guard let weightTotal = last.signed(CBFLayout.Trailer.weightChargeTotal) else {
            return reject(last.problem(.F02, CBFLayout.Trailer.weightChargeTotal, expected: "sign and 11 digits", message: "trailer malformed"))
        }
        guard last.isBlank(CBFLayout.Trailer.unused) else {
            return reject(last.problem(.F02, CBFLayout.Trailer.unused, expected: "spaces", message: "trailer malformed: unused positions must be spaces"))
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
            return reject(last.problem(.F03, CBFLayout.Trailer.recordCount, expected: String(format6: records.count), message: "the trailer counts \(trailerCount) AWB records, the file has \(records.count)"))
        }
        if netTotal != sumNet {
            return reject(last.problem(.F03, CBFLayout.Trailer.netDueTotal, expected: String(signed12: sumNet), message: "the trailer's net-due total \(netTotal) differs from the records' sum \(sumNet)"))
        }
        if weightTotal != sumWeight {
            return reject(last.problem(.F03, CBFLayout.Trailer.weightChargeTotal, expected: String(signed12: sumWeight), message: "the trailer's weight-charge total \(weightTotal) differs from the records' sum \(sumWeight)"))
        }
        var trailer = FileTrailer(recordCount: Int(trailerCount), netDueTotal: netTotal, weightChargeTotal: weightTotal)
        if netTotal == 0, last.byte(CBFLayout.Trailer.netDueTotal.offset) == 45 { trailer.negativeZeroTotals |= NegativeZero.netDue }
        if weightTotal == 0, last.byte(CBFLayout.Trailer.weightChargeTotal.offset) == 45 { trailer.negativeZeroTotals |= NegativeZero.weightCharge }
        let file = BillingFile(
            name: fileName, identity: CBFReader.firstLineIdentity(of: buffer), header: parsedHeader,
            trailer: trailer,
            records: records, otherCharges: otherCharges)
        return .parsed(file)
    }

    private func parseHeader(_ line: Line, periodsPerMonth: (String) -> Int?) -> Result<FileHeader, Problem> {
        func malformed(_ field: FieldSpec, _ expected: String, _ message: String? = nil) -> Result<FileHeader, Problem> {
            .failure(line.problem(.F01, field, expected: expected, message: message ?? "header malformed: \(field.name) (\(field.location)) must be \(expected), found '\(line.text(field))'"))
        }
        guard line.code(CBFLayout.recordType).packed == UInt64(RecordType.hdr) else {
            return malformed(CBFLayout.recordType, "HDR", "header missing: the first line is not HDR")
        }
        guard let version = line.number(CBFLayout.Header.formatVersion) else { return malformed(CBFLayout.Header.formatVersion, "2 digits") }
        guard let prefix = line.number(CBFLayout.Header.airlinePrefix) else { return malformed(CBFLayout.Header.airlinePrefix, "3 digits") }
        guard line.isUppercase(CBFLayout.Header.operation) else { return malformed(CBFLayout.Header.operation, "2 uppercase letters") }
        let operation = line.text(CBFLayout.Header.operation)
        guard let periodDigits = line.number(CBFLayout.Header.period), let period = BillingPeriod(yyyymmnn: Int(periodDigits)) else {
            return malformed(CBFLayout.Header.period, "YYYYMMNN with NN 01-04")
        }
        if let perMonth = periodsPerMonth(operation), !period.fits(periodsPerMonth: perMonth) {
            return malformed(CBFLayout.Header.period, "a period number 01-\(String(format2: perMonth))", "header malformed: operation \(operation) has \(perMonth) periods a month, the header names period \(String(format2: period.number))")
        }
        guard let fileSequence = line.number(CBFLayout.Header.fileSequence), fileSequence >= 1 else {
            return malformed(CBFLayout.Header.fileSequence, "6 digits from 000001")
        }
        guard let dateDigits = line.number(CBFLayout.Header.creationDate), let creation = CivilDate(yyyymmdd: Int(dateDigits)) else {
            return malformed(CBFLayout.Header.creationDate, "a calendar date YYYYMMDD")
        }
        guard line.isUppercase(CBFLayout.Header.currency) else { return malformed(CBFLayout.Header.currency, "3 uppercase letters") }
        guard let digits = line.number(CBFLayout.Header.minorDigits) else { return malformed(CBFLayout.Header.minorDigits, "1 digit") }
        guard line.isBlank(CBFLayout.Header.unused) else { return malformed(CBFLayout.Header.unused, "spaces") }
        return .success(FileHeader(
            formatVersion: Int(version), airlinePrefix: Int32(prefix), operation: operation, period: period,
            fileSequence: Int(fileSequence), creationDate: creation, currency: line.text(CBFLayout.Header.currency),
            minorDigits: Int(digits)))
    }

    private func parseRecord(_ line: Line, sequence: Int32) -> BillingRecord {
        var record = BillingRecord()
        record.sequence = sequence
        record.awbPrefixText = line.code(CBFLayout.Record.airlinePrefix)
        record.awbSerialText = line.code(CBFLayout.Record.awbSerial)
        record.origin = line.code(CBFLayout.Record.origin)
        record.destination = line.code(CBFLayout.Record.destination)
        record.currency = line.code(CBFLayout.Record.currency)
        record.reasonCode = line.code(CBFLayout.Record.reasonCode)
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
        func amount(_ field: FieldSpec, _ negativeZeroBit: UInt8) -> Int64 {
            if let value = line.signed(field) {
                if value == 0, line.byte(field.offset) == 45 { record.negativeZeroAmounts |= negativeZeroBit }
                return value
            }
            flag(field, "a sign + or - and 11 digits")
            return 0
        }
        record.airlinePrefix = Int32(number(CBFLayout.Record.airlinePrefix))
        record.awbSerial = Int32(number(CBFLayout.Record.awbSerial))
        switch line.code(CBFLayout.Record.transaction).packed {
        case TransactionCode.awb: record.transaction = .awb
        case TransactionCode.cca: record.transaction = .cca
        case TransactionCode.dcm: record.transaction = .dcm
        case TransactionCode.ccm: record.transaction = .ccm
        default: flag(CBFLayout.Record.transaction, "AWB, CCA, DCM or CCM")
        }
        record.agentCode = number(CBFLayout.Record.agentCode)
        record.issueDateDigits = Int32(number(CBFLayout.Record.issueDate))
        switch line.byte(CBFLayout.Record.indicator.offset) {
        case 80: record.indicator = .prepaid
        case 67: record.indicator = .collect
        default: flag(CBFLayout.Record.indicator, "P or C")
        }
        record.chargeableWeightTenthsKg = number(CBFLayout.Record.chargeableWeight)
        record.weightCharge = amount(CBFLayout.Record.weightCharge, NegativeZero.weightCharge)
        record.valuationCharge = amount(CBFLayout.Record.valuationCharge, NegativeZero.valuationCharge)
        record.otherChargesDueCarrier = amount(CBFLayout.Record.otherChargesDueCarrier, NegativeZero.otherChargesDueCarrier)
        record.otherChargesDueAgent = amount(CBFLayout.Record.otherChargesDueAgent, NegativeZero.otherChargesDueAgent)
        record.commissionRate = Int32(number(CBFLayout.Record.commissionRate))
        record.commission = amount(CBFLayout.Record.commission, NegativeZero.commission)
        record.incentive = amount(CBFLayout.Record.incentive, NegativeZero.incentive)
        record.netDue = amount(CBFLayout.Record.netDue, NegativeZero.netDue)
        if !line.isAlphanumeric(CBFLayout.Record.reasonCode) {
            flag(CBFLayout.Record.reasonCode, "letters, digits or spaces")
        } else if record.transaction.isMemo, line.isBlank(CBFLayout.Record.reasonCode), malformed == nil {
            malformed = line.problem(.R12, CBFLayout.Record.reasonCode, expected: "a reason code", message: "malformed field: a \(record.transaction.code) needs a reason code (\(CBFLayout.Record.reasonCode.location)), found blanks")
        }
        if !line.isBlank(CBFLayout.Record.unused) { flag(CBFLayout.Record.unused, "spaces") }
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
        if !line.isUppercase(CBFLayout.OtherChargeLine.code) { flag(CBFLayout.OtherChargeLine.code, "2 uppercase letters") }
        let entitlement = line.byte(CBFLayout.OtherChargeLine.entitlement.offset)
        if entitlement != 67 && entitlement != 65 { flag(CBFLayout.OtherChargeLine.entitlement, "C or A") }
        let amount = line.signed(CBFLayout.OtherChargeLine.amount)
        if amount == nil { flag(CBFLayout.OtherChargeLine.amount, "a sign + or - and 11 digits") }
        if !line.isBlank(CBFLayout.OtherChargeLine.unused) { flag(CBFLayout.OtherChargeLine.unused, "spaces") }
        var charge = OtherCharge(code: line.code(CBFLayout.OtherChargeLine.code), dueCarrier: entitlement != 65, amount: amount ?? 0, sequence: sequence)
        charge.amountIsNegativeZero = amount == 0 && line.byte(CBFLayout.OtherChargeLine.amount.offset) == 45
        charges.append(charge)
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

    /// `+00000001234`: an S field as written.
    public init(signed12 value: Int64) { self = (value < 0 ? "-" : "+") + Padding.zeros(String(value.magnitude), to: 11) }
}

public enum Padding {
    public static func zeros(_ digits: String, to width: Int) -> String {
        digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
