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
}
