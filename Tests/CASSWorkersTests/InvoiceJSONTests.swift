import CASSDomain
import CASSSamples
@testable import CASSWorkers
import Foundation
import XCTest

/// The invoice JSON is written by InvoiceJSONWriter, straight into bytes; it
/// must be byte for byte what Foundation's JSONEncoder wrote before, for
/// every shape an invoice takes (empty sections and taxes, credited taxes,
/// correction lines, text that needs escaping, an unknown agent), and for
/// many generated invoices with every name of the sample world (English,
/// Japanese, Arabic) and text that needs escaping.
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

    func test_invoiceJSON_equals_foundations_JSONEncoder_for_every_shape() throws {
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

    /// Text the writer must escape as JSONEncoder does, or leave alone as
    /// it does: quotes, backslashes, every control character, DEL and
    /// U+2028 (not escaped), slashes (not escaped: .withoutEscapingSlashes),
    /// non-BMP scalars, decomposed accents, long (heap) and short strings.
    static let oddTexts: [String] = {
        var texts = ["", "\"", "\\", "/", "a/b\\c\"d", "\u{7F}", "x\u{2028}y\u{2029}", "😀 \u{10FFFF}", "e\u{301} é", "日本語の名前株式会社",
                     "شركة الشحن العربية", "Ünïcödé / \"quoted\" \\ back", String(repeating: "long text ", count: 20), "125", "0", "-1"]
        texts.append(String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self))
        for byte in 0..<0x20 { texts.append("a" + String(UnicodeScalar(UInt8(byte))) + "b") }
        return texts
    }()

    func test_writer_equals_foundations_JSONEncoder_on_generated_invoices() throws {
        let reference = StageFixture.reference
        var texts = Self.oddTexts
        for agent in reference.allAgents { texts += [agent.name, agent.address, agent.taxID] }
        for airline in reference.airlines.values { texts += [airline.name, airline.prefixText] }
        for operation in reference.operations.values { texts += [operation.entityName, operation.entityTaxID] }
        XCTAssertGreaterThan(texts.count, 60)
        var random = SplitMix64(seed: 15)
        func text() -> String { texts[random.below(texts.count)] }
        func amount() -> Int64 {
            switch random.below(6) {
            case 0: [Int64.min, Int64.max, 0, -1, 1, -10, 10][random.below(7)]
            case 1: -Int64(random.below(1_000_000_000))
            default: Int64(random.below(1_000_000_000)) - 300_000_000
            }
        }
        func date() -> CivilDate {
            CivilDate(year: [1, 9, 99, 999, 2026, 9999][random.below(6)], month: 1 + random.below(12), day: 1 + random.below(28)) ?? CivilDate(yyyymmdd: 20261101)!
        }
        func line() -> InvoiceLine {
            let transactions: [TransactionType] = [.awb, .cca, .dcm, .ccm]
            let indicators: [ChargesIndicator?] = [nil, .prepaid, .collect]
            return InvoiceLine(
                awb: text(), awbSerial: Int32(truncatingIfNeeded: amount()), transaction: transactions[random.below(4)], issueDate: date(),
                origin: text(), destination: text(), chargeableWeightTenthsKg: amount(), weightCharge: amount(), valuationCharge: amount(),
                otherChargesDueCarrier: amount(), commission: amount(), incentive: amount(), amount: amount(), reasonCode: text(),
                sourceFile: text(), sourceSequence: Int32(truncatingIfNeeded: amount()), chargesIndicator: indicators[random.below(3)])
        }
        func tax() -> TaxLine {
            TaxLine(code: text(), description: text(), base: TaxBase.allCases[random.below(TaxBase.allCases.count)], rateHundredthsPercent: amount(),
                    direction: random.below(2) == 0 ? .charged : .credited, baseAmount: amount(), amount: amount())
        }
        var compared = 0
        for _ in 0..<300 {
            let sections = (0..<random.below(4)).map { _ in
                InvoiceSection(airlinePrefix: Int32(truncatingIfNeeded: amount()), lines: (0..<random.below(4)).map { _ in line() },
                               taxes: (0..<random.below(3)).map { _ in tax() }, netDue: amount(), taxCharged: amount(), taxCredited: amount(), total: amount())
            }
            let invoice = Invoice(number: text(), country: text(), period: BillingPeriod(yyyymmnn: 20261101)!, currency: text(), minorDigits: random.below(4),
                                  invoiceDate: date(), remittanceDate: date(), agentCode: amount(), sections: sections,
                                  lineCount: Int(truncatingIfNeeded: amount()), netDue: amount(), taxCharged: amount(), taxCredited: amount(), total: amount())
            var airlines: [String: String] = [:]
            for _ in 0..<random.below(5) { airlines[text()] = text() }
            let document = InvoiceJSON.Document(invoice: invoice, agentName: text(), agentAddress: text(), agentTaxID: text(),
                                                entityName: text(), entityTaxID: text(), airlines: airlines)
            let direct = InvoiceJSONWriter.write(document)
            let foundation = InvoiceJSON.encodeWithFoundation(document)
            XCTAssertFalse(foundation.isEmpty)
            if direct != foundation {
                XCTAssertEqual(String(decoding: direct, as: UTF8.self), String(decoding: foundation, as: UTF8.self))
                return
            }
            compared += 1
        }
        XCTAssertEqual(compared, 300)
    }

    /// The path `cass settle` takes: names looked up in the sample world's
    /// reference data, for every agent, with every airline's section.
    func test_encode_equals_foundation_for_every_sample_agent_and_airline() {
        let reference = StageFixture.reference
        let prefixes = reference.airlines.keys.sorted()
        let sections = prefixes.map { prefix in
            InvoiceSection(airlinePrefix: prefix, lines: [line(10_000_013, .awb), line(10_000_024, .dcm, reason: "RTE")], taxes: [],
                           netDue: 1, taxCharged: 2, taxCredited: 3, total: 4)
        }
        var compared = 0
        for agent in reference.allAgents {
            var made = invoice(sections: sections, agent: agent.code)
            made.country = agent.country
            let fast = InvoiceJSON.encode(made, reference: reference)
            let foundation = InvoiceJSON.encodeWithFoundation(made, reference: reference)
            XCTAssertEqual(String(decoding: fast, as: UTF8.self), String(decoding: foundation, as: UTF8.self), "agent \(agent.code)")
            compared += 1
        }
        XCTAssertEqual(compared, reference.allAgents.count)
        XCTAssertGreaterThan(compared, 3)
        XCTAssertGreaterThan(prefixes.count, 1)
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
