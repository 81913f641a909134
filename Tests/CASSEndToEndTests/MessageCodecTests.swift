import CASSDomain
import CASSEngine
import CASSWorkers
import Foundation
import XCTest

/// The binary schema (version 2) gives every value back, still reads the
/// JSON of version 1, and refuses damaged bytes with an error, not a crash.
final class MessageCodecTests: XCTestCase {
    let date = CivilDate(yyyymmdd: 20261130)!

    func sampleInvoice() -> Invoice {
        var lines: [InvoiceLine] = []
        for index in 0..<3 {
            let transaction: TransactionType = index == 2 ? .ccm : .awb
            let reason: String = index == 2 ? "RTE" : ""
            let file: String = index == 0 ? "a.cbf" : "b.cbf"
            let serial = Int32(12_345_670 + index)
            let sequence = Int32(index + 2)
            lines.append(InvoiceLine(
                awb: "125-1234567\(index)", awbSerial: serial, transaction: transaction, issueDate: date,
                origin: "LHR", destination: "NRT", chargeableWeightTenthsKg: 1234, weightCharge: -99_999_999_999, valuationCharge: 7,
                otherChargesDueCarrier: 1500, commission: 413, incentive: -5, amount: 99_999_999_999, reasonCode: reason,
                sourceFile: file, sourceSequence: sequence))
        }
        let taxes = [TaxLine(code: "VAT", description: "Valeur ajoutée — 20 %", base: .commission, rateHundredthsPercent: 2000,
                             direction: .credited, baseAmount: 413, amount: 83)]
        return Invoice(number: "GB2026000001", country: "GB", period: BillingPeriod(yyyymmnn: 20261104)!, currency: "GBP", minorDigits: 2,
                       invoiceDate: date, remittanceDate: date.adding(days: 10), agentCode: 91_200_040_006,
                       sections: [InvoiceSection(airlinePrefix: 125, lines: lines, taxes: taxes, netDue: 1, taxCharged: 2, taxCredited: 3, total: 4),
                                  InvoiceSection(airlinePrefix: 157, lines: [], taxes: [], netDue: 0, taxCharged: 0, taxCredited: 0, total: 0)],
                       lineCount: 3, netDue: 1, taxCharged: 2, taxCredited: 3, total: 4)
    }

    func sampleRejections() -> [Rejection] {
        [Rejection(file: "f.cbf", airline: "125", country: "GB", period: "20261101", sequence: 0, awb: "",
                   problem: Problem(code: .F03, field: "net due total", location: "pos 16-27", expected: "+00000001000", found: "'+00000001001'", message: "trailer")),
         Rejection(file: "f.cbf", airline: "125", country: "GB", period: "20261101", sequence: 7, awb: "125-12345675",
                   problem: Problem(code: .R12, message: "مثال 例"))]
    }

    func roundTrip(_ message: StageMessage) throws -> StageMessage { try StageMessage.decode(message.encoded()) }

    func test_invoices_lines_and_rejections_round_trip() throws {
        let invoice = sampleInvoice()
        guard case .invoice(let back) = try roundTrip(.invoice(invoice)) else { return XCTFail("kind") }
        XCTAssertEqual(back, invoice)
        guard case .invoiceHeader(let header, let parts) = try roundTrip(.invoiceHeader(invoice, parts: 3)) else { return XCTFail("kind") }
        XCTAssertEqual(header, invoice)
        XCTAssertEqual(parts, 3)
        let period = PeriodKey(country: "GB", period: invoice.period)
        guard case .drafts(let p, let source, let count, let drafts) = try roundTrip(.drafts(period: period, source: 3, sourceCount: 8, invoices: [invoice, invoice])) else { return XCTFail("kind") }
        XCTAssertEqual(p, period)
        XCTAssertEqual(source, 3)
        XCTAssertEqual(count, 8)
        XCTAssertEqual(drafts, [invoice, invoice])
        let part = LinePart(index: 1, count: 2, airlinePrefix: 125, lines: invoice.sections[0].lines)
        guard case .draftLines(let p2, let agent, let backPart) = try roundTrip(.draftLines(period: period, agent: 42, part: part)) else { return XCTFail("kind") }
        XCTAssertEqual(p2, period)
        XCTAssertEqual(agent, 42)
        XCTAssertEqual(backPart, part)
        guard case .invoiceLines(let number, let backPart2) = try roundTrip(.invoiceLines(number: "GB2026000001", part: part)) else { return XCTFail("kind") }
        XCTAssertEqual(number, "GB2026000001")
        XCTAssertEqual(backPart2, part)
        guard case .rejections(let rejections) = try roundTrip(.rejections(sampleRejections())) else { return XCTFail("kind") }
        XCTAssertEqual(rejections, sampleRejections())
    }

    func test_version_1_json_messages_still_decode() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func v1(_ kind: UInt8, _ prefix: [UInt8], _ json: Data) -> [UInt8] {
            var bytes: [UInt8] = [kind, 1] + prefix
            withUnsafeBytes(of: Int32(json.count).littleEndian) { bytes.append(contentsOf: $0) }
            return bytes + [UInt8](json)
        }
        let invoice = sampleInvoice()
        guard case .invoice(let back) = try StageMessage.decode(v1(7, [], try encoder.encode(invoice))) else { return XCTFail("kind") }
        XCTAssertEqual(back, invoice)
        guard case .rejections(let rejections) = try StageMessage.decode(v1(5, [], try encoder.encode(sampleRejections()))) else { return XCTFail("kind") }
        XCTAssertEqual(rejections, sampleRejections())
    }

    func test_damaged_messages_are_refused() {
        let full = StageMessage.invoice(sampleInvoice()).encoded()
        // Every truncation is an error, never a crash or a partial value.
        for length in 0..<full.count {
            XCTAssertThrowsError(try StageMessage.decode(Array(full[0..<length])), "length \(length)")
        }
        var unknownVersion = full
        unknownVersion[1] = 9
        XCTAssertThrowsError(try StageMessage.decode(unknownVersion))
        // A count claiming more lines than there are bytes is refused before allocating.
        var hugeCount = StageMessage.invoiceLines(number: "X", part: LinePart(index: 0, count: 1, airlinePrefix: 125, lines: [])).encoded()
        let countAt = hugeCount.count - 4
        hugeCount.replaceSubrange(countAt..<hugeCount.count, with: [0xFF, 0xFF, 0xFF, 0x7F])
        XCTAssertThrowsError(try StageMessage.decode(hugeCount))
    }

    func billedLine(_ country: String, file: String, serial: Int32, taxDate: Int) -> BilledLine {
        let date = CivilDate(yyyymmdd: taxDate)!
        return BilledLine(country: country, period: BillingPeriod(yyyymmnn: 20261101)!, agentCode: 91_200_040_006, airlinePrefix: 125,
                          awbSerial: serial, transaction: .awb, fileName: file, fileOrdinal: 7, sequence: serial % 100, issueDate: date,
                          taxDate: date, origin: ASCIICode("LHR"), destination: ASCIICode("NRT"), chargeableWeightTenthsKg: 10,
                          weightCharge: 100, valuationCharge: 5, otherChargesDueCarrier: 3, commission: 7, incentive: 1, amount: 100,
                          reasonCode: ASCIICode("   "))
    }

    /// The tax stage edits masks in the bytes instead of decoding: the
    /// result must be exactly what decoding, setting and encoding gives.
    func test_tax_masks_set_in_the_bytes_equal_decoding_and_encoding() throws {
        func rule(_ country: String, _ from: Int, _ to: Int?) -> TaxRule {
            TaxRule(country: country, code: "VAT", description: "", base: .commission, rateHundredthsPercent: 2000, direction: .credited,
                    validFrom: CivilDate(yyyymmdd: from)!, validTo: to.flatMap { CivilDate(yyyymmdd: $0) })
        }
        let rules: [String: [TaxRule]] = [
            "GB": [rule("GB", 20200101, 20260630), rule("GB", 20260701, nil), rule("GB", 20261015, 20261020)],
            "JP": [rule("JP", 20100101, nil)],
        ]
        let lines = [
            billedLine("GB", file: "a.cbf", serial: 1_000_001, taxDate: 20260630), billedLine("GB", file: "a.cbf", serial: 1_000_012, taxDate: 20260701),
            billedLine("JP", file: "b.cbf", serial: 1_000_023, taxDate: 20261016), billedLine("KW", file: "b.cbf", serial: 1_000_034, taxDate: 20261016),
            billedLine("GB", file: "c.cbf", serial: 1_000_045, taxDate: 20261016), billedLine("GB", file: "c.cbf", serial: 1_000_056, taxDate: 20191231),
        ]
        let original = StageMessage.lines(LineBatch(lines: lines, originPartition: 3, originOffset: 42)).encoded()
        let edited = try LineBatch.settingTaxMasks(original) { rules[$0] ?? [] }
        guard case .lines(var batch) = try StageMessage.decode(original) else { return XCTFail("kind") }
        for index in batch.lines.indices {
            batch.lines[index].taxRuleMask = TaxCalculator.ruleMask(for: batch.lines[index].taxDate, rules: rules[batch.lines[index].country] ?? [])
        }
        XCTAssertEqual(edited, StageMessage.lines(batch).encoded())
        XCTAssertEqual(batch.lines.map(\.taxRuleMask), [0b001, 0b010, 0b1, 0, 0b110, 0])
        for length in 2..<original.count {
            XCTAssertThrowsError(try LineBatch.settingTaxMasks(Array(original[0..<length])) { rules[$0] ?? [] }, "length \(length)")
        }
    }
}
