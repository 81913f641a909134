import CASSDomain
@testable import CASSWorkers
import Foundation
import XCTest

/// The invoice JSON is written by PrettyJSON, straight into bytes; it must
/// be byte for byte what Foundation's JSONEncoder wrote before, for every
/// shape an invoice takes (empty sections and taxes, credited taxes,
/// correction lines, text that needs escaping, an unknown agent).
final class InvoiceJSONTests: XCTestCase {
    func invoice(sections: [InvoiceSection], agent: Int64) -> Invoice {
        Invoice(number: "GB2026000001", country: "GB", period: BillingPeriod(yyyymmnn: 20261101)!, currency: "GBP", minorDigits: 2,
                invoiceDate: CivilDate(yyyymmdd: 20261107)!, remittanceDate: CivilDate(yyyymmdd: 20261117)!, agentCode: agent,
                sections: sections, lineCount: sections.reduce(0) { $0 + $1.lines.count }, netDue: -2_000, taxCharged: 15, taxCredited: 7, total: -1_992)
    }

    func line(_ serial: Int32, _ transaction: TransactionType, reason: String = "", file: String = "a.cbf") -> InvoiceLine {
        InvoiceLine(awb: "125-\(serial)", awbSerial: serial, transaction: transaction, issueDate: CivilDate(yyyymmdd: 20261101)!, origin: "LHR",
                    destination: "NRT", chargeableWeightTenthsKg: 10, weightCharge: 1_000, valuationCharge: -3, otherChargesDueCarrier: 0,
                    commission: Int64.min, incentive: Int64.max, amount: 1_000, reasonCode: reason, sourceFile: file, sourceSequence: 2)
    }

    func test_prettyJSON_equals_foundations_JSONEncoder_for_every_shape() throws {
        let tax = TaxLine(code: "VAT", description: "Value \"added\" tax\\ 20 % / on commission\n\t\u{1}", base: .commission,
                          rateHundredthsPercent: 2_000, direction: .credited, baseAmount: 500, amount: 100)
        let shapes: [[InvoiceSection]] = [
            [],
            [InvoiceSection(airlinePrefix: 125, lines: [], taxes: [], netDue: 0, taxCharged: 0, taxCredited: 0, total: 0)],
            [InvoiceSection(airlinePrefix: 125, lines: [line(10_000_013, .awb), line(10_000_013, .cca, reason: "R1", file: "ü/é \"x\".cbf")],
                            taxes: [tax], netDue: 2_000, taxCharged: 0, taxCredited: 100, total: 1_900),
             InvoiceSection(airlinePrefix: 176, lines: [line(10_000_024, .awb)], taxes: [], netDue: 1, taxCharged: 2, taxCredited: 3, total: 4)],
        ]
        var compared = 0
        for sections in shapes {
            for agent in [StageFixture.agent("GB"), 99_999_999_999] {
                let invoice = invoice(sections: sections, agent: agent)
                let fast = InvoiceJSON.encode(invoice, reference: StageFixture.reference)
                let foundation = InvoiceJSON.encodeWithFoundation(invoice, reference: StageFixture.reference)
                XCTAssertFalse(fast.isEmpty)
                XCTAssertEqual(String(decoding: fast, as: UTF8.self), String(decoding: foundation, as: UTF8.self))
                compared += 1
            }
        }
        XCTAssertEqual(compared, 6)
    }

    /// Keys sort by their UTF-8 bytes, as `.sortedKeys` does: prefixes
    /// first, non-ASCII after ASCII, long (heap) strings as small ones.
    func test_keyOrder_isUTF8ByteOrder() {
        let keys = ["b", "a", "ab", "", "aB", "é", "z", "e\u{301}", String(repeating: "k", count: 40), String(repeating: "k", count: 39) + "a", "中", "125", "1250"]
        let sorted = keys.sorted { PrettyJSON.bytesPrecede($0, $1) }
        XCTAssertEqual(sorted, keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        XCTAssertEqual(sorted.first, "")
        XCTAssertFalse(PrettyJSON.bytesPrecede("a", "a"))
    }
}
