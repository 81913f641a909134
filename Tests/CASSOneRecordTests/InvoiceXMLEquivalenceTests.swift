import CASSDomain
@testable import CASSOneRecord
import CASSSamples
import XCTest

/// InvoiceXMLWriter writes numbers, dates and IRIs straight into bytes;
/// its text must stay what the String-building writer below (the writer as
/// it was before, kept here as the reference) gives, on invoices of every
/// shape: minor digits 0 to 3, negative and extreme amounts, reason codes
/// with spaces and non-ASCII, text that needs escaping, zero charges left
/// out, lines with and without a charges indicator.
final class InvoiceXMLEquivalenceTests: XCTestCase {
    /// The writer before bytes, as it was (String per value).
    enum ReferenceWriter {
        static func write(_ invoice: Invoice, reference: ReferenceData) -> [UInt8] {
            let digits = invoice.minorDigits
            var out = XMLOutput()
            out.open("rdf:RDF", OneRecordWriter.rootAttributes)
            out.open("cass:Invoice", [("rdf:about", "urn:opencass:invoice:" + invoice.number)])
            out.value("cass:invoiceNumber", invoice.number)
            out.value("cass:operation", invoice.country)
            if let operation = reference.operation(invoice.country) {
                out.node("cass:issuer", "cargo:Company") { out in
                    out.value("cargo:name", operation.entityName)
                    if !operation.entityTaxID.isEmpty { out.value("cass:taxIdentifier", operation.entityTaxID) }
                }
            }
            out.value("cass:billingPeriod", String(invoice.period.yyyymmnn))
            out.value("cass:invoiceDate", invoice.invoiceDate.description)
            out.value("cass:remittanceDate", invoice.remittanceDate.description)
            out.resource("cass:currency", CodeList.currency(invoice.currency))
            let agent = reference.agent(invoice.agentCode, in: invoice.country)
            out.node("cass:agent", "cargo:Company") { out in
                if let agent { out.value("cargo:name", agent.name) }
                out.value("cargo:iataCargoAgentCode", Padding.zeros(String(invoice.agentCode / 10_000), to: 7))
                out.value("cargo:iataCargoAgentLocationIdentifier", Padding.zeros(String(invoice.agentCode % 10_000), to: 4))
                if let agent, !agent.taxID.isEmpty { out.value("cass:taxIdentifier", agent.taxID) }
                if let agent, !agent.address.isEmpty { out.value("cass:address", agent.address) }
            }
            out.value("cass:lineCount", String(invoice.lineCount))
            for section in invoice.sections {
                out.node("cass:section", "cass:InvoiceSection") { out in
                    writeSection(section, reference: reference, digits: digits, to: &out)
                }
            }
            writeTotals(netDue: invoice.netDue, taxCharged: invoice.taxCharged, taxCredited: invoice.taxCredited, total: invoice.total, digits: digits, to: &out)
            out.close("cass:Invoice")
            out.close("rdf:RDF")
            return out.bytes
        }

        static func writeSection(_ section: InvoiceSection, reference: ReferenceData, digits: Int, to out: inout XMLOutput) {
            let prefix = Padding.zeros(String(section.airlinePrefix), to: 3)
            out.node("cass:carrier", "cargo:Carrier") { out in
                out.value("cargo:prefix", prefix)
                if let airline = reference.airline(section.airlinePrefix) { out.value("cargo:name", airline.name) }
            }
            for (index, line) in section.lines.enumerated() {
                out.inline { out in
                out.node("cass:line", "cass:InvoiceLine") { out in
                    out.value("cass:lineNumber", String(index + 1))
                    out.value("cass:transactionType", line.transaction.code)
                    out.inline { out in
                        out.node("cass:waybill", "cargo:Waybill", [("rdf:about", "urn:opencass:awb:\(prefix)-\(Padding.zeros(String(line.awbSerial), to: 8))")]) { out in
                            out.value("cargo:waybillPrefix", prefix)
                            out.value("cargo:waybillNumber", Padding.zeros(String(line.awbSerial), to: 8))
                        }
                    }
                    out.value("cass:issueDate", line.issueDate.description)
                    out.value("cass:origin", line.origin)
                    out.value("cass:destination", line.destination)
                    out.value("cass:chargeableWeight", Money.decimalString(line.chargeableWeightTenthsKg, digits: 1))
                    // Prepaid or collect, as the billing record says it (memos have none).
                    if let indicator = line.chargesIndicator {
                        out.resource("cargo:weightValuationIndicator", CodeList.prepaidCollect(indicator.code))
                    }
                    for (identifier, amount) in [("WT", line.weightCharge), ("VC", line.valuationCharge), ("OC", line.otherChargesDueCarrier),
                                                 ("CO", line.commission), ("SI", line.incentive), ("CN", line.amount)]
                    where amount != 0 || identifier == "CN" {
                        OneRecordWriter.writeRatings("cass:charge", identifier: identifier, text: Money.decimalString(amount, digits: digits), to: &out)
                    }
                    let reason = line.reasonCode.trimmingSpaces
                    if !reason.isEmpty { out.value("cass:reasonCode", reason) }
                    out.value("cass:sourceFile", line.sourceFile)
                    out.value("cass:sourceSequence", String(line.sourceSequence))
                }
                }
            }
            for tax in section.taxes {
                out.node("cass:tax", "cass:TaxLine") { out in
                    out.value("cass:taxCode", tax.code)
                    out.value("cass:description", tax.description)
                    out.value("cass:taxBase", tax.base.rawValue)
                    out.value("cass:ratePercentage", Money.decimalString(tax.rateHundredthsPercent, digits: 2))
                    out.value("cass:direction", tax.direction.rawValue)
                    out.value("cass:baseAmount", Money.decimalString(tax.baseAmount, digits: digits))
                    out.value("cass:amount", Money.decimalString(tax.amount, digits: digits))
                }
            }
            writeTotals(netDue: section.netDue, taxCharged: section.taxCharged, taxCredited: section.taxCredited, total: section.total, digits: digits, to: &out)
        }

        /// Totals are `cargo:Ratings` nodes under `cass:total`, told apart by
        /// `cass:totalType`: netDue, taxCharged, taxCredited, total.
        static func writeTotals(netDue: Int64, taxCharged: Int64, taxCredited: Int64, total: Int64, digits: Int, to out: inout XMLOutput) {
            for (kind, amount) in [("netDue", netDue), ("taxCharged", taxCharged), ("taxCredited", taxCredited), ("total", total)] {
                out.inline { out in
                    out.node("cass:total", "cargo:Ratings") { out in
                        out.value("cass:totalType", kind)
                        out.value("cargo:subTotal", Money.decimalString(amount, digits: digits))
                    }
                }
            }
        }
    }

    func test_writer_equals_the_String_building_writer_on_generated_invoices() {
        var random = SplitMix64(seed: 7)
        let texts = ["", "   ", " WGT ", "RTE", "R  T", "Ōsaka & Sons <Freight>", " \u{301}x \u{301}", "\"q\" 'a' \t\n\r", "日本", "شركة",
                     "125_GB_20261101_000001.cbf", "a\u{1}b", " é ", "😀"]
        func text() -> String { texts[random.below(texts.count)] }
        func amount() -> Int64 {
            switch random.below(5) {
            case 0: [Int64.min, Int64.max, 0, -1, 1, -10, 10, 100, -100][random.below(9)]
            case 1: 0
            default: Int64(random.below(2_000_000_000)) - 1_000_000_000
            }
        }
        func date() -> CivilDate { CivilDate(year: [1, 99, 2026, 9999][random.below(4)], month: 1 + random.below(12), day: 1 + random.below(28)) ?? Fixture.date(20_261_112) }
        let reference = InvoiceFixture.reference
        var compared = 0
        for _ in 0..<200 {
            let digits = random.below(4)
            let sections = (0..<random.below(3)).map { _ in
                InvoiceSection(
                    airlinePrefix: [125, 1, 999, 7][random.below(4)],
                    lines: (0..<random.below(5)).map { _ in
                        InvoiceLine(awb: text(), awbSerial: [Fixture.firstSerial, 0, 1, 99_999_999, 123][random.below(5)],
                                    transaction: [.awb, .cca, .dcm, .ccm][random.below(4)], issueDate: date(), origin: text(), destination: text(),
                                    chargeableWeightTenthsKg: amount(), weightCharge: amount(), valuationCharge: amount(), otherChargesDueCarrier: amount(),
                                    commission: amount(), incentive: amount(), amount: amount(), reasonCode: text(), sourceFile: text(),
                                    sourceSequence: Int32(truncatingIfNeeded: amount()), chargesIndicator: [nil, .prepaid, .collect][random.below(3)])
                    },
                    taxes: (0..<random.below(3)).map { _ in
                        TaxLine(code: text(), description: text(), base: .commission, rateHundredthsPercent: amount(), direction: random.below(2) == 0 ? .charged : .credited,
                                baseAmount: amount(), amount: amount())
                    },
                    netDue: amount(), taxCharged: amount(), taxCredited: amount(), total: amount())
            }
            let invoice = Invoice(number: text(), country: "GB", period: Fixture.period(20_261_102), currency: "GBP", minorDigits: digits,
                                  invoiceDate: date(), remittanceDate: date(), agentCode: Fixture.agent, sections: sections,
                                  lineCount: sections.reduce(0) { $0 + $1.lines.count }, netDue: amount(), taxCharged: amount(), taxCredited: amount(), total: amount())
            let written = InvoiceXMLWriter.write(invoice, reference: reference)
            let expected = ReferenceWriter.write(invoice, reference: reference)
            if written != expected {
                XCTAssertEqual(String(decoding: written, as: UTF8.self), String(decoding: expected, as: UTF8.self))
                return
            }
            compared += 1
        }
        XCTAssertEqual(compared, 200)
    }

    func test_the_fixture_invoice_equals_the_String_building_writer() {
        XCTAssertEqual(String(decoding: InvoiceXMLWriter.write(InvoiceFixture.invoice, reference: InvoiceFixture.reference), as: UTF8.self),
                       String(decoding: ReferenceWriter.write(InvoiceFixture.invoice, reference: InvoiceFixture.reference), as: UTF8.self))
    }

    func test_trimming_spaces_on_bytes_equals_trimming_characters() {
        for text in ["", " ", "   ", "RTE", " RTE", "RTE ", "  R T E  ", " \u{301}", "\u{301} ", " é ", "é", " 日本 ", "\r\n ", " \r\n", "a\u{0}b "] {
            XCTAssertEqual(InvoiceXMLWriter.trimmingSpaces(text), text.trimmingSpaces, text.debugDescription)
        }
    }
}
