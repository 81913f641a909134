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

    private struct Record {
        var chars = [UInt8](repeating: 32, count: HOTFile.recordLength)

        mutating func put(_ text: String, at position: Int, _ length: Int) {
            var i = 0
            for scalar in text.unicodeScalars {
                guard i < length else { break }
                chars[position - 1 + i] = scalar.value >= 32 && scalar.value < 127 ? UInt8(scalar.value) : UInt8(ascii: "?")
                i += 1
            }
        }

        mutating func number(_ value: Int64, at position: Int, _ length: Int) {
            let digits = String(max(0, value))
            put(String(repeating: "0", count: max(0, length - digits.count)) + digits.suffix(length), at: position, length)
        }

        mutating func signed(_ value: Int64, at position: Int, field: String) throws {
            guard value.magnitude <= 99_999_999_999 else { throw HOTError.amountTooLarge(field: field, value: value) }
            let digits = String(value.magnitude)
            put((value < 0 ? "-" : "+") + String(repeating: "0", count: 11 - digits.count) + digits, at: position, 12)
        }
    }

    public static func write(_ invoice: Invoice, reference: ReferenceData) throws -> [UInt8] {
        var records: [Record] = []
        func add(_ type: String, _ fill: (inout Record) throws -> Void) throws {
            var r = Record()
            r.put(type, at: 1, 3)
            r.number(Int64(records.count + 1), at: 4, 6)
            try fill(&r)
            records.append(r)
        }
        try add("HHD") { r in
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
        for section in invoice.sections.sorted(by: { $0.airlinePrefix < $1.airlinePrefix }) {
            try add("HSE") { r in
                r.number(Int64(section.airlinePrefix), at: 10, 3)
                r.number(Int64(section.lines.count), at: 13, 6)
                r.number(Int64(section.taxes.count), at: 19, 3)
                r.put(reference.airline(section.airlinePrefix)?.taxID ?? "", at: 22, 20)
            }
            for line in section.lines {
                lineCount += 1
                try add("HLN") { r in
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
                try add("HTX") { r in
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
            try add("HST") { r in
                r.number(Int64(section.airlinePrefix), at: 10, 3)
                try r.signed(section.netDue, at: 13, field: "section net due")
                try r.signed(section.taxCharged, at: 25, field: "section tax charged")
                try r.signed(section.taxCredited, at: 37, field: "section tax credited")
                try r.signed(section.total, at: 49, field: "section total")
            }
        }
        try add("HTR") { r in
            r.number(Int64(records.count + 1), at: 10, 6)
            r.number(Int64(lineCount), at: 16, 6)
            try r.signed(invoice.netDue, at: 22, field: "net due")
            try r.signed(invoice.taxCharged, at: 34, field: "tax charged")
            try r.signed(invoice.taxCredited, at: 46, field: "tax credited")
            try r.signed(invoice.total, at: 58, field: "total")
        }
        var out: [UInt8] = []
        out.reserveCapacity(records.count * 161)
        for r in records { out.append(contentsOf: r.chars); out.append(10) }
        return out
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
