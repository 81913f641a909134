import Foundation
import CASSDomain

/// HOT: the fixed-width output file of one invoice for agents' and
/// airlines' own systems, in the style of the CBF (160-character ASCII
/// records, signed 12-character amounts in minor units). docs/hot.md is the
/// specification; `read` is its reference reader.
public enum HOTFile {
    public static let recordLength = 160
    public static let formatVersion = "01"

    public enum HOTError: Error, CustomStringConvertible, Equatable {
        case amountTooLarge(field: String, value: Int64)
        case malformed(record: Int, String)

        public var description: String {
            switch self {
            case let .amountTooLarge(field, value): "HOT: \(field) \(value) does not fit 11 digits"
            case let .malformed(record, what): "HOT record \(record): \(what)"
            }
        }
    }

    /// One record's 160 bytes inside the file's buffer (already spaces);
    /// the fields are written straight into them. A record used to be an
    /// array of its own and every number a String (digits, padding,
    /// concatenation): most of the file's cost. Same bytes.
    private struct Record {
        let chars: UnsafeMutablePointer<UInt8>

        /// Up to `length` characters of `text` from `position` (1-based):
        /// one per Unicode scalar, printable ASCII as it is, anything else
        /// '?'. Scalars are counted on the UTF-8 bytes: a lead byte (ASCII
        /// or 0xC0 and up) starts one, continuation bytes (0x80-0xBF) add
        /// nothing.
        func put(_ text: String, at position: Int, _ length: Int) {
            var i = 0
            let target = chars + (position - 1)
            for byte in text.utf8 {
                if byte & 0xC0 == 0x80 { continue }
                guard i < length else { break }
                target[i] = byte >= 32 && byte < 127 ? byte : UInt8(ascii: "?")
                i += 1
            }
        }

        /// The last `length` decimal digits of `max(0, value)`, zero padded
        /// (what the padded `String(value).suffix(length)` gave).
        func number(_ value: Int64, at position: Int, _ length: Int) {
            var rest = UInt64(max(0, value))
            var i = position - 1 + length
            while i > position - 1 {
                i -= 1
                chars[i] = 48 + UInt8(rest % 10)
                rest /= 10
            }
        }

        /// A sign and 11 zero-padded digits; more digits are an error.
        func signed(_ value: Int64, at position: Int, field: String) throws {
            guard value.magnitude <= 99_999_999_999 else { throw HOTError.amountTooLarge(field: field, value: value) }
            chars[position - 1] = value < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")
            number(Int64(value.magnitude), at: position + 1, 11)
        }
    }

    /// The file's records, written in order into one buffer of spaces.
    private struct Records {
        let base: UnsafeMutablePointer<UInt8>
        let total: Int
        private(set) var written = 0

        init(base: UnsafeMutablePointer<UInt8>, total: Int) {
            self.base = base
            self.total = total
        }

        /// The next record: its type, sequence number and line end written.
        mutating func next(_ type: StaticString) -> Record {
            // `write` counts every record first; one more would be a bug there.
            precondition(written < total, "HOT: more records than counted")
            let r = Record(chars: base + written * (recordLength + 1))
            r.chars[recordLength] = 10
            type.withUTF8Buffer { for (i, byte) in $0.prefix(3).enumerated() { r.chars[i] = byte } }
            written += 1
            r.number(Int64(written), at: 4, 6)
            return r
        }
    }

    public static func write(_ invoice: Invoice, reference: ReferenceData) throws -> [UInt8] {
        let sections = invoice.sections.sorted(by: { $0.airlinePrefix < $1.airlinePrefix })
        // Header, per section a header, its lines, taxes and total, trailer.
        var total = 2
        for section in sections { total += 2 + section.lines.count + section.taxes.count }
        var out = [UInt8](repeating: 32, count: total * (recordLength + 1))
        try out.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var records = Records(base: base, total: total)
            try write(invoice, sections: sections, reference: reference, into: &records)
            precondition(records.written == total, "HOT: fewer records than counted")
        }
        return out
    }

    private static func write(_ invoice: Invoice, sections: [InvoiceSection], reference: ReferenceData, into records: inout Records) throws {
        do {
            let r = records.next("HHD")
            r.put(formatVersion, at: 10, 2)
            r.put(invoice.country, at: 12, 2)
            r.number(Int64(invoice.period.yyyymmnn), at: 14, 8)
            r.put(invoice.number, at: 22, 15)
            r.number(Int64(invoice.invoiceDate.yyyymmdd), at: 37, 8)
            r.number(Int64(invoice.remittanceDate.yyyymmdd), at: 45, 8)
            r.put(invoice.currency, at: 53, 3)
            r.number(Int64(invoice.minorDigits), at: 56, 1)
            r.put(invoice.agentCodeText, at: 57, 11)
            r.put(reference.agent(invoice.agentCode, in: invoice.country)?.taxID ?? "", at: 68, 20)
        }
        var lineCount = 0
        for section in sections {
            do {
                let r = records.next("HSE")
                r.number(Int64(section.airlinePrefix), at: 10, 3)
                r.number(Int64(section.lines.count), at: 13, 6)
                r.number(Int64(section.taxes.count), at: 19, 3)
                r.put(reference.airline(section.airlinePrefix)?.taxID ?? "", at: 22, 20)
            }
            for line in section.lines {
                lineCount += 1
                do {
                    let r = records.next("HLN")
                    r.number(Int64(section.airlinePrefix), at: 10, 3)
                    r.number(Int64(line.awbSerial), at: 13, 8)
                    r.put(line.transaction.code, at: 21, 3)
                    r.number(Int64(line.issueDate.yyyymmdd), at: 24, 8)
                    r.put(line.origin, at: 32, 3)
                    r.put(line.destination, at: 35, 3)
                    r.number(line.chargeableWeightTenthsKg, at: 38, 7)
                    try r.signed(line.weightCharge, at: 45, field: "weight charge")
                    try r.signed(line.valuationCharge, at: 57, field: "valuation charge")
                    try r.signed(line.otherChargesDueCarrier, at: 69, field: "other charges due carrier")
                    try r.signed(line.commission, at: 81, field: "commission")
                    try r.signed(line.incentive, at: 93, field: "incentive")
                    try r.signed(line.amount, at: 105, field: "line amount")
                    r.put(line.reasonCode, at: 117, 3)
                    r.number(Int64(line.sourceSequence), at: 120, 6)
                    r.put(line.sourceFile, at: 126, 35)
                }
            }
            for tax in section.taxes {
                do {
                    let r = records.next("HTX")
                    r.number(Int64(section.airlinePrefix), at: 10, 3)
                    r.put(tax.code, at: 13, 5)
                    r.put(tax.direction == .charged ? "D" : "C", at: 18, 1)
                    r.put(tax.base.rawValue, at: 19, 10)
                    r.number(tax.rateHundredthsPercent, at: 29, 5)
                    try r.signed(tax.baseAmount, at: 34, field: "tax base")
                    try r.signed(tax.amount, at: 46, field: "tax amount")
                    r.put(tax.description, at: 58, 40)
                }
            }
            do {
                let r = records.next("HST")
                r.number(Int64(section.airlinePrefix), at: 10, 3)
                try r.signed(section.netDue, at: 13, field: "section net due")
                try r.signed(section.taxCharged, at: 25, field: "section tax charged")
                try r.signed(section.taxCredited, at: 37, field: "section tax credited")
                try r.signed(section.total, at: 49, field: "section total")
            }
        }
        do {
            let r = records.next("HTR")
            r.number(Int64(records.written), at: 10, 6)
            r.number(Int64(lineCount), at: 16, 6)
            try r.signed(invoice.netDue, at: 22, field: "net due")
            try r.signed(invoice.taxCharged, at: 34, field: "tax charged")
            try r.signed(invoice.taxCredited, at: 46, field: "tax credited")
            try r.signed(invoice.total, at: 58, field: "total")
        }
    }

    /// Reads a HOT file back into an invoice: every amount, date and code;
    /// tax descriptions and file names as far as their fields reach. Checks
    /// record lengths, sequence numbers and the trailer's counts and totals.
    public static func read(_ bytes: [UInt8]) throws -> Invoice {
        var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map { $0.last == 13 ? $0.dropLast() : $0 }
        if lines.last?.isEmpty == true { lines.removeLast() }
        var invoice: Invoice?
        var sections: [InvoiceSection] = []
        var lineCount = 0
        var trailerSeen = false
        for (index, raw) in lines.enumerated() {
            let n = index + 1
            let line = Array(raw)
            guard line.count == recordLength else { throw HOTError.malformed(record: n, "length \(line.count), expected \(recordLength)") }
            guard !trailerSeen else { throw HOTError.malformed(record: n, "record after the trailer") }
            func text(_ p: Int, _ l: Int) -> String {
                String(decoding: line[(p - 1)..<(p - 1 + l)], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            }
            func number(_ p: Int, _ l: Int, _ field: String) throws -> Int64 {
                var v: Int64 = 0
                for b in line[(p - 1)..<(p - 1 + l)] {
                    guard b >= 48 && b <= 57 else { throw HOTError.malformed(record: n, "\(field) at \(p)-\(p + l - 1) is not digits") }
                    v = v * 10 + Int64(b - 48)
                }
                return v
            }
            func signed(_ p: Int, _ field: String) throws -> Int64 {
                let sign = line[p - 1]
                guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { throw HOTError.malformed(record: n, "\(field) at \(p) has no sign") }
                let v = try number(p + 1, 11, field)
                return sign == UInt8(ascii: "-") ? -v : v
            }
            func date(_ p: Int, _ field: String) throws -> CivilDate {
                guard let d = CivilDate(yyyymmdd: Int(try number(p, 8, field))) else { throw HOTError.malformed(record: n, "\(field) is not a date") }
                return d
            }
            guard try number(4, 6, "sequence number") == Int64(n) else { throw HOTError.malformed(record: n, "sequence number out of order") }
            let type = text(1, 3)
            if n == 1 && type != "HHD" { throw HOTError.malformed(record: n, "first record is \(type), expected HHD") }
            switch type {
            case "HHD":
                guard n == 1 else { throw HOTError.malformed(record: n, "second header") }
                guard text(10, 2) == formatVersion else { throw HOTError.malformed(record: n, "format version \(text(10, 2))") }
                guard let period = BillingPeriod(yyyymmnn: Int(try number(14, 8, "period"))) else { throw HOTError.malformed(record: n, "period") }
                invoice = Invoice(number: text(22, 15), country: text(12, 2), period: period, currency: text(53, 3),
                                  minorDigits: Int(try number(56, 1, "minor digits")), invoiceDate: try date(37, "invoice date"),
                                  remittanceDate: try date(45, "remittance date"), agentCode: try number(57, 11, "agent code"),
                                  sections: [], lineCount: 0, netDue: 0, taxCharged: 0, taxCredited: 0, total: 0)
            case "HSE":
                sections.append(InvoiceSection(airlinePrefix: Int32(try number(10, 3, "airline")), lines: [], taxes: [], netDue: 0, taxCharged: 0, taxCredited: 0, total: 0))
            case "HLN":
                guard !sections.isEmpty else { throw HOTError.malformed(record: n, "line before any section") }
                let prefix = try number(10, 3, "airline"), serial = try number(13, 8, "AWB serial")
                guard let transaction = TransactionType(code: text(21, 3)) else { throw HOTError.malformed(record: n, "transaction \(text(21, 3))") }
                let prefixText = String(repeating: "0", count: 3 - String(prefix).count) + String(prefix)
                let serialText = String(repeating: "0", count: 8 - String(serial).count) + String(serial)
                sections[sections.count - 1].lines.append(InvoiceLine(
                    awb: prefixText + "-" + serialText, awbSerial: Int32(serial), transaction: transaction,
                    issueDate: try date(24, "issue date"), origin: text(32, 3), destination: text(35, 3),
                    chargeableWeightTenthsKg: try number(38, 7, "chargeable weight"), weightCharge: try signed(45, "weight charge"),
                    valuationCharge: try signed(57, "valuation charge"), otherChargesDueCarrier: try signed(69, "other charges due carrier"),
                    commission: try signed(81, "commission"), incentive: try signed(93, "incentive"), amount: try signed(105, "line amount"),
                    reasonCode: text(117, 3), sourceFile: text(126, 35), sourceSequence: Int32(try number(120, 6, "source sequence"))))
                lineCount += 1
            case "HTX":
                guard !sections.isEmpty else { throw HOTError.malformed(record: n, "tax before any section") }
                guard let base = TaxBase(rawValue: text(19, 10)) else { throw HOTError.malformed(record: n, "tax base \(text(19, 10))") }
                let direction: TaxDirection = text(18, 1) == "D" ? .charged : .credited
                sections[sections.count - 1].taxes.append(TaxLine(code: text(13, 5), description: text(58, 40), base: base,
                    rateHundredthsPercent: try number(29, 5, "rate"), direction: direction,
                    baseAmount: try signed(34, "tax base"), amount: try signed(46, "tax amount")))
            case "HST":
                guard !sections.isEmpty else { throw HOTError.malformed(record: n, "section total before any section") }
                sections[sections.count - 1].netDue = try signed(13, "section net due")
                sections[sections.count - 1].taxCharged = try signed(25, "section tax charged")
                sections[sections.count - 1].taxCredited = try signed(37, "section tax credited")
                sections[sections.count - 1].total = try signed(49, "section total")
            case "HTR":
                guard var result = invoice else { throw HOTError.malformed(record: n, "trailer without header") }
                guard try number(10, 6, "record count") == Int64(n) else { throw HOTError.malformed(record: n, "record count disagrees") }
                guard try number(16, 6, "line count") == Int64(lineCount) else { throw HOTError.malformed(record: n, "line count disagrees") }
                result.sections = sections
                result.lineCount = lineCount
                result.netDue = try signed(22, "net due")
                result.taxCharged = try signed(34, "tax charged")
                result.taxCredited = try signed(46, "tax credited")
                result.total = try signed(58, "total")
                guard result.total == sections.reduce(0, { $0 + $1.total }) else { throw HOTError.malformed(record: n, "total disagrees with the section totals") }
                invoice = result
                trailerSeen = true
            default:
                throw HOTError.malformed(record: n, "unknown record type \(type)")
            }
        }
        guard trailerSeen, let result = invoice else { throw HOTError.malformed(record: lines.count, "no trailer") }
        return result
    }
}
