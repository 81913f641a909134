import CASSDomain
import CASSEngine
import CASSWorkers
import Foundation
import XCTest

/// Schema version 3: invoice and billed lines carry the AWB's charges
/// indicator (prepaid or collect) through every stage; version 2 lines
/// are still read, with the indicator unknown.
final class ChargesIndicatorCodecTests: XCTestCase {
    let date = CivilDate(yyyymmdd: 20261102)!

    func billed(_ indicator: ChargesIndicator?, transaction: TransactionType = .awb) -> BilledLine {
        BilledLine(country: "GB", period: BillingPeriod(yyyymmnn: 20261101)!, agentCode: 12_345_670_016, airlinePrefix: 125,
                   awbSerial: Int32(CheckDigit.awbSerial(from: 1_234_567)), transaction: transaction, fileName: "a.cbf", fileOrdinal: 1,
                   sequence: 2, issueDate: date, taxDate: date, origin: ASCIICode("LHR"), destination: ASCIICode("NRT"),
                   chargeableWeightTenthsKg: 10, weightCharge: 10_000, valuationCharge: 0, otherChargesDueCarrier: 0, commission: 500,
                   incentive: 0, amount: indicator == .collect ? -500 : 9_500, reasonCode: ASCIICode("   "), chargesIndicator: indicator)
    }

    func invoice(_ indicators: [ChargesIndicator?]) -> Invoice {
        let lines = indicators.map { billed($0).invoiceLine }
        let section = InvoiceSection(airlinePrefix: 125, lines: lines, taxes: [], netDue: 0, taxCharged: 0, taxCredited: 0, total: 0)
        return Invoice(number: "GB2026000001", country: "GB", period: BillingPeriod(yyyymmnn: 20261101)!, currency: "GBP", minorDigits: 2,
                       invoiceDate: date, remittanceDate: date, agentCode: 12_345_670_016, sections: [section], lineCount: lines.count,
                       netDue: 0, taxCharged: 0, taxCredited: 0, total: 0)
    }

    func test_billedLines_keepTheirIndicator_throughALinesMessage() throws {
        let batch = LineBatch(lines: [billed(.prepaid), billed(.collect), billed(nil, transaction: .dcm)])
        guard case .lines(let decoded) = try StageMessage.decode(StageMessage.lines(batch).encoded()) else { return XCTFail("not lines") }
        XCTAssertEqual(decoded.lines.map(\.chargesIndicator), [.prepaid, .collect, nil])
        XCTAssertEqual(decoded.lines.map(\.transaction), [.awb, .awb, .dcm])
        // The tax stage's byte-level pass accepts the indicator bits.
        XCTAssertNoThrow(try LineBatch.settingTaxMasks(StageMessage.lines(batch).encoded(), rules: { _ in [] }))
    }

    func test_invoiceLines_keepTheirIndicator_throughAnInvoiceMessage() throws {
        let message = StageMessage.invoice(invoice([.collect, .prepaid, nil]))
        XCTAssertEqual(message.encoded()[1], 3, "schema version")
        guard case .invoice(let decoded) = try StageMessage.decode(message.encoded()) else { return XCTFail("not an invoice") }
        XCTAssertEqual(decoded.sections.first?.lines.map(\.chargesIndicator), [.collect, .prepaid, nil])
    }

    func test_version2Lines_areRead_withTheIndicatorUnknown() throws {
        // A version 2 writer wrote the bare transaction byte: what a version 3
        // writer writes for a line without an indicator, under version 2.
        var bytes = StageMessage.invoice(invoice([nil])).encoded()
        bytes[1] = 2
        guard case .invoice(let decoded) = try StageMessage.decode(bytes) else { return XCTFail("not an invoice") }
        XCTAssertEqual(decoded.sections.first?.lines.first?.transaction, .awb)
        XCTAssertNil(decoded.sections.first?.lines.first?.chargesIndicator)
    }

    func test_aCollectBitWithoutTheKnownBit_isRefused() throws {
        let clean = StageMessage.lines(LineBatch(lines: [billed(nil)])).encoded()
        // The transaction byte is the only byte equal to 0 (awb) after the
        // period in the line's fixed part: find it by encoding a DCM too.
        let dcm = StageMessage.lines(LineBatch(lines: [billed(nil, transaction: .dcm)])).encoded()
        let at = try XCTUnwrap(zip(clean, dcm).enumerated().first { $0.element.0 != $0.element.1 }?.offset)
        var damaged = clean
        damaged[at] = 0x80
        XCTAssertThrowsError(try StageMessage.decode(damaged))
        damaged[at] = 0xC0
        guard case .lines(let decoded) = try StageMessage.decode(damaged) else { return XCTFail("not lines") }
        XCTAssertEqual(decoded.lines.first?.chargesIndicator, .collect)
    }

    func test_json_saysPOrC_andReadsTheOldNumbers() throws {
        let line = billed(.collect).invoiceLine
        let json = String(decoding: try JSONEncoder().encode(line), as: UTF8.self)
        XCTAssertTrue(json.contains("\"chargesIndicator\":\"C\""), json)
        XCTAssertEqual(try JSONDecoder().decode(ChargesIndicator.self, from: Data("1".utf8)), .collect)
        XCTAssertEqual(try JSONDecoder().decode(ChargesIndicator.self, from: Data("\"P\"".utf8)), .prepaid)
        XCTAssertThrowsError(try JSONDecoder().decode(ChargesIndicator.self, from: Data("\"X\"".utf8)))
    }
}
