import CASSDomain

/// One CBF file under construction: lines appended through `CBFWriter`,
/// control totals kept as the reader will compute them (a malformed amount
/// counts as zero), and byte patches for deliberately broken fields.
struct SampleFileBuilder {
    static let lineLength = CBFLayout.recordLength + 1

    let name: String
    let header: FileHeader
    private(set) var bytes: [UInt8] = []
    /// Number of the last line written.
    private(set) var lineNumber = 0
    private(set) var recordCount = 0
    private(set) var otherChargeLines = 0
    private(set) var netTotal: Int64 = 0
    private(set) var weightTotal: Int64 = 0

    init(name: String, header: FileHeader, expectedLines: Int) {
        self.name = name
        self.header = header
        bytes.reserveCapacity(max(2, expectedLines) * Self.lineLength)
        lineNumber = 1
        CBFWriter.appendHeader(header, sequence: 1, to: &bytes)
    }

    /// Appends a billing record and its OCH lines; returns the record's line
    /// number. `netCounts` / `weightChargeCounts` false when that field will
    /// be patched into something malformed.
    @discardableResult
    mutating func append(_ record: BillingRecord, charges: [OtherCharge], netCounts: Bool = true, weightChargeCounts: Bool = true) -> Int {
        lineNumber += 1
        let recordLine = lineNumber
        CBFWriter.appendRecord(record, sequence: recordLine, to: &bytes)
        recordCount += 1
        if netCounts { netTotal += record.netDue }
        if weightChargeCounts { weightTotal += record.weightCharge }
        for charge in charges {
            lineNumber += 1
            CBFWriter.appendOtherCharge(charge, sequence: lineNumber, to: &bytes)
            otherChargeLines += 1
        }
        return recordLine
    }

    /// Overwrites a field of an already written line.
    mutating func patch(line: Int, _ field: CBFLayoutField, with text: String) {
        let base = (line - 1) * Self.lineLength
        var replacement = Array(text.utf8)
        precondition(replacement.count <= field.length, "patch wider than \(field.name)")
        replacement += Array(repeating: UInt8(ascii: " "), count: field.length - replacement.count)
        CBFWriter.putBytes(replacement, field, base, &bytes)
    }

    mutating func appendRawLine(_ line: [UInt8]) {
        precondition(line.count == CBFLayout.recordLength)
        lineNumber += 1
        bytes += line
        bytes.append(UInt8(ascii: "\n"))
    }

    var correctTrailer: FileTrailer {
        FileTrailer(recordCount: recordCount, netDueTotal: netTotal, weightChargeTotal: weightTotal)
    }

    mutating func finish(trailer: FileTrailer? = nil) -> [UInt8] {
        lineNumber += 1
        CBFWriter.appendTrailer(trailer ?? correctTrailer, sequence: lineNumber, to: &bytes)
        return bytes
    }
}

/// Line surgery on a finished file whose lines are all 160 bytes and `\n`.
enum SampleLines {
    static func lineCount(_ bytes: [UInt8]) -> Int { bytes.count / SampleFileBuilder.lineLength }

    static func remove(line: Int, from bytes: inout [UInt8]) {
        let start = (line - 1) * SampleFileBuilder.lineLength
        bytes.removeSubrange(start..<(start + SampleFileBuilder.lineLength))
    }

    static func insert(_ line: [UInt8], before lineNumber: Int, into bytes: inout [UInt8]) {
        let start = (lineNumber - 1) * SampleFileBuilder.lineLength
        bytes.insert(contentsOf: line + [UInt8(ascii: "\n")], at: start)
    }

    /// Rewrites positions 4-9 of every line to its line number.
    static func renumber(_ bytes: inout [UInt8]) {
        for index in 0..<lineCount(bytes) {
            CBFWriter.putDigits(Int64(index + 1), CBFLayout.sequence, index * SampleFileBuilder.lineLength, &bytes)
        }
    }

    static func patch(line: Int, _ field: CBFLayoutField, with text: String, in bytes: inout [UInt8]) {
        CBFWriter.putBytes(Array(text.utf8), field, (line - 1) * SampleFileBuilder.lineLength, &bytes)
    }

    /// Positions 12-14, 15-16 and 17-24 of the first line, as rejections.csv
    /// reports a file-level error.
    static func reportedIdentity(_ bytes: [UInt8]) -> (airline: String, country: String, period: String) {
        let end = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        func text(_ from: Int, _ to: Int) -> String {
            let lower = min(from, end), upper = min(to, end)
            return lower < upper ? String(decoding: bytes[lower..<upper], as: UTF8.self) : ""
        }
        return (text(11, 14), text(14, 16), text(16, 24))
    }
}
