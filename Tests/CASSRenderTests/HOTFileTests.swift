import CASSDomain
@testable import CASSRender
import Foundation
import XCTest

final class HOTFileTests: XCTestCase {
    func test_roundTrip_everyAmountComesBack() throws {
        for (index, market) in Fixtures.markets.enumerated() {
            let invoice = Fixtures.invoice(market: index, lines: 40)
            let bytes = try HOTFile.write(invoice, reference: Fixtures.reference)
            let back = try HOTFile.read(bytes)
            XCTAssertEqual(back.number, invoice.number)
            XCTAssertEqual(back.agentCode, invoice.agentCode)
            XCTAssertEqual(back.currency, invoice.currency)
            XCTAssertEqual(back.minorDigits, invoice.minorDigits)
            XCTAssertEqual(back.period, invoice.period)
            XCTAssertEqual(back.invoiceDate, invoice.invoiceDate)
            XCTAssertEqual(back.remittanceDate, invoice.remittanceDate)
            XCTAssertEqual([back.netDue, back.taxCharged, back.taxCredited, back.total, Int64(back.lineCount)],
                           [invoice.netDue, invoice.taxCharged, invoice.taxCredited, invoice.total, Int64(invoice.lineCount)], market.country)
            let sorted = invoice.sections.sorted { $0.airlinePrefix < $1.airlinePrefix }
            XCTAssertEqual(back.sections.count, sorted.count)
            for (a, b) in zip(sorted, back.sections) {
                XCTAssertEqual(a.airlinePrefix, b.airlinePrefix)
                XCTAssertEqual([a.netDue, a.taxCharged, a.taxCredited, a.total], [b.netDue, b.taxCharged, b.taxCredited, b.total])
                // Every field of every line: awb, dates, codes and all amounts;
                // not the charges indicator, which HOT format 01 has no place for (docs/hot.md).
                XCTAssertEqual(a.lines.map { var line = $0; line.chargesIndicator = nil; return line }, b.lines)
                XCTAssertEqual(a.taxes, b.taxes)
            }
        }
    }

    func test_everyRecordIs160AsciiCharacters() throws {
        let bytes = try HOTFile.write(Fixtures.invoice(market: 7, lines: 10), reference: Fixtures.reference)
        let records = bytes.split(separator: 10)
        XCTAssertTrue(records.allSatisfy { $0.count == 160 })
        XCTAssertTrue(bytes.allSatisfy { $0 == 10 || ($0 >= 32 && $0 < 127) })
        XCTAssertEqual(records.first.map { String(decoding: $0.prefix(3), as: UTF8.self) }, "HHD")
        XCTAssertEqual(records.last.map { String(decoding: $0.prefix(3), as: UTF8.self) }, "HTR")
    }

    func test_reader_rejectsTamperedAmountsAndLengths() throws {
        var bytes = try HOTFile.write(Fixtures.invoice(market: 0, lines: 5), reference: Fixtures.reference)
        let lastRecord = bytes.count - 161
        // The trailer's total no longer equals the section totals.
        bytes[lastRecord + 58] = bytes[lastRecord + 58] == UInt8(ascii: "9") ? UInt8(ascii: "8") : UInt8(ascii: "9")
        XCTAssertThrowsError(try HOTFile.read(bytes))
        var short = try HOTFile.write(Fixtures.invoice(market: 0, lines: 5), reference: Fixtures.reference)
        short.remove(at: 200)
        XCTAssertThrowsError(try HOTFile.read(short))
    }

    func test_amountBeyondElevenDigits_isAnErrorNotATruncation() {
        var invoice = Fixtures.invoice(market: 0, lines: 1)
        invoice.total = 100_000_000_000
        XCTAssertThrowsError(try HOTFile.write(invoice, reference: Fixtures.reference))
    }

    /// The writer fills fields in place; the text must be what the
    /// String-per-field writer it replaced gave (kept below as the
    /// reference): every market, and fields with non-ASCII text, controls,
    /// texts longer than their field and numbers wider than theirs.
    func test_write_sameBytesAsTheStringPerFieldWriter() throws {
        var invoices = Fixtures.markets.indices.map { Fixtures.invoice(market: $0, lines: 30) }
        var odd = Fixtures.invoice(market: 1, lines: 9)
        odd.number = "INV-Ä😀\u{301}-very-long-number-beyond-15"
        odd.country = "É"
        odd.sections[0].lines[0].sourceFile = "Zürich_日本語_\u{7}_" + String(repeating: "x", count: 50)
        odd.sections[0].lines[0].reasonCode = "é\u{301}X"
        odd.sections[0].lines[0].origin = "😀A"
        odd.sections[0].lines[0].chargeableWeightTenthsKg = 123_456_789
        odd.sections[0].lines[0].awbSerial = -5
        odd.sections[0].lines[1].sourceSequence = 12_345_678
        odd.sections[0].lines[1].weightCharge = -99_999_999_999
        if !odd.sections[0].taxes.isEmpty {
            odd.sections[0].taxes[0].description = String(repeating: "Ω", count: 60)
            odd.sections[0].taxes[0].rateHundredthsPercent = 1_234_567
        }
        invoices.append(odd)
        for invoice in invoices {
            XCTAssertEqual(try HOTFile.write(invoice, reference: Fixtures.reference), try Self.stringPerField(invoice, reference: Fixtures.reference), invoice.number)
        }
    }

    /// The HOT writer as it was before fields were written in place.
    static func stringPerField(_ invoice: Invoice, reference: ReferenceData) throws -> [UInt8] {
        struct Record {
            var chars = [UInt8](repeating: 32, count: 160)
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
            mutating func signed(_ value: Int64, at position: Int) throws {
                guard value.magnitude <= 99_999_999_999 else { throw HOTFile.HOTError.amountTooLarge(field: "", value: value) }
                let digits = String(value.magnitude)
                put((value < 0 ? "-" : "+") + String(repeating: "0", count: 11 - digits.count) + digits, at: position, 12)
            }
        }
        var records: [Record] = []
        func add(_ type: String, _ fill: (inout Record) throws -> Void) throws {
            var r = Record()
            r.put(type, at: 1, 3)
            r.number(Int64(records.count + 1), at: 4, 6)
            try fill(&r)
            records.append(r)
        }
        try add("HHD") { r in
            r.put("01", at: 10, 2); r.put(invoice.country, at: 12, 2); r.number(Int64(invoice.period.yyyymmnn), at: 14, 8)
            r.put(invoice.number, at: 22, 15); r.number(Int64(invoice.invoiceDate.yyyymmdd), at: 37, 8)
            r.number(Int64(invoice.remittanceDate.yyyymmdd), at: 45, 8); r.put(invoice.currency, at: 53, 3)
            r.number(Int64(invoice.minorDigits), at: 56, 1); r.put(invoice.agentCodeText, at: 57, 11)
            r.put(reference.agent(invoice.agentCode, in: invoice.country)?.taxID ?? "", at: 68, 20)
        }
        var lineCount = 0
        for section in invoice.sections.sorted(by: { $0.airlinePrefix < $1.airlinePrefix }) {
            try add("HSE") { r in
                r.number(Int64(section.airlinePrefix), at: 10, 3); r.number(Int64(section.lines.count), at: 13, 6)
                r.number(Int64(section.taxes.count), at: 19, 3); r.put(reference.airline(section.airlinePrefix)?.taxID ?? "", at: 22, 20)
            }
            for line in section.lines {
                lineCount += 1
                try add("HLN") { r in
                    r.number(Int64(section.airlinePrefix), at: 10, 3); r.number(Int64(line.awbSerial), at: 13, 8)
                    r.put(line.transaction.code, at: 21, 3); r.number(Int64(line.issueDate.yyyymmdd), at: 24, 8)
                    r.put(line.origin, at: 32, 3); r.put(line.destination, at: 35, 3); r.number(line.chargeableWeightTenthsKg, at: 38, 7)
                    try r.signed(line.weightCharge, at: 45); try r.signed(line.valuationCharge, at: 57)
                    try r.signed(line.otherChargesDueCarrier, at: 69); try r.signed(line.commission, at: 81)
                    try r.signed(line.incentive, at: 93); try r.signed(line.amount, at: 105)
                    r.put(line.reasonCode, at: 117, 3); r.number(Int64(line.sourceSequence), at: 120, 6); r.put(line.sourceFile, at: 126, 35)
                }
            }
            for tax in section.taxes {
                try add("HTX") { r in
                    r.number(Int64(section.airlinePrefix), at: 10, 3); r.put(tax.code, at: 13, 5)
                    r.put(tax.direction == .charged ? "D" : "C", at: 18, 1); r.put(tax.base.rawValue, at: 19, 10)
                    r.number(tax.rateHundredthsPercent, at: 29, 5); try r.signed(tax.baseAmount, at: 34)
                    try r.signed(tax.amount, at: 46); r.put(tax.description, at: 58, 40)
                }
            }
            try add("HST") { r in
                r.number(Int64(section.airlinePrefix), at: 10, 3); try r.signed(section.netDue, at: 13)
                try r.signed(section.taxCharged, at: 25); try r.signed(section.taxCredited, at: 37); try r.signed(section.total, at: 49)
            }
        }
        try add("HTR") { r in
            r.number(Int64(records.count + 1), at: 10, 6); r.number(Int64(lineCount), at: 16, 6)
            try r.signed(invoice.netDue, at: 22); try r.signed(invoice.taxCharged, at: 34)
            try r.signed(invoice.taxCredited, at: 46); try r.signed(invoice.total, at: 58)
        }
        var out: [UInt8] = []
        for r in records { out.append(contentsOf: r.chars); out.append(10) }
        return out
    }
}
