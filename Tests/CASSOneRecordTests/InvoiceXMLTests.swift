import CASSDomain
import CASSOneRecord
import Foundation
import XCTest

enum InvoiceFixture {
    static let reference = ReferenceData(
        operations: [Operation(country: "GB", currency: "GBP", minorDigits: 2, periodsPerMonth: 4, remittanceDays: 10, disputeDays: 30, language: "en",
                               entityName: "IATA CASS United Kingdom", entityTaxID: "GB123456789")],
        airlines: [Airline(prefix: 125, name: "British Airways", taxID: "GB999", operations: ["GB"])],
        agents: [Agent(country: "GB", code: Fixture.agent, name: "Ōsaka & Sons <Freight>", taxID: "GB42", address: "1 Dock Road, Manchester",
                       language: "en", status: .active, guaranteeMinor: 1_000_000)])

    static var invoice: Invoice {
        let line = InvoiceLine(awb: "125-68792614", awbSerial: Fixture.firstSerial, transaction: .awb, issueDate: Fixture.date(20_261_112), origin: "MAN", destination: "CDG",
                               chargeableWeightTenthsKg: 810_842, weightCharge: 16_528, valuationCharge: 0, otherChargesDueCarrier: 1_781, commission: 826,
                               incentive: 0, amount: 17_483, reasonCode: "   ", sourceFile: "125_GB_2026110220.xml", sourceSequence: 1,
                               chargesIndicator: .collect)
        let correction = InvoiceLine(awb: "125-68792614", awbSerial: Fixture.firstSerial, transaction: .cca, issueDate: Fixture.date(20_261_112), origin: "MAN", destination: "CDG",
                                     chargeableWeightTenthsKg: -5, weightCharge: -100, valuationCharge: 0, otherChargesDueCarrier: 0, commission: -5,
                                     incentive: 0, amount: -95, reasonCode: "WGT", sourceFile: "125_GB_2026110221.cbf", sourceSequence: 2)
        let tax = TaxLine(code: "VAT", description: "VAT on commission", base: .commission, rateHundredthsPercent: 2_000, direction: .credited, baseAmount: 821, amount: 164)
        let section = InvoiceSection(airlinePrefix: 125, lines: [line, correction], taxes: [tax], netDue: 17_388, taxCharged: 0, taxCredited: 164, total: 17_224)
        return Invoice(number: "GB2026000001", country: "GB", period: Fixture.period(20_261_102), currency: "GBP", minorDigits: 2,
                       invoiceDate: Fixture.date(20_261_115), remittanceDate: Fixture.date(20_261_125), agentCode: Fixture.agent, sections: [section],
                       lineCount: 2, netDue: 17_388, taxCharged: 0, taxCredited: 164, total: 17_224)
    }
}

/// Issued invoices as ONE Record XML (docs/onerecord-xml.md).
final class InvoiceXMLTests: XCTestCase {
    let text = String(decoding: InvoiceXMLWriter.write(InvoiceFixture.invoice, reference: InvoiceFixture.reference), as: UTF8.self)

    func test_invoice_carriesItsIdentityPartiesAndTotals() {
        XCTAssertTrue(text.contains("<cass:Invoice rdf:about=\"urn:opencass:invoice:GB2026000001\">"))
        XCTAssertTrue(text.contains("<cass:invoiceDate>2026-11-15</cass:invoiceDate>"))
        XCTAssertTrue(text.contains("<cargo:name>IATA CASS United Kingdom</cargo:name>"))
        XCTAssertTrue(text.contains("<cargo:iataCargoAgentCode>6101867</cargo:iataCargoAgentCode>"))
        XCTAssertTrue(text.contains("<cass:totalType>total</cass:totalType><cargo:subTotal>172.24</cargo:subTotal>"))
        XCTAssertTrue(text.contains("<cass:totalType>taxCredited</cass:totalType><cargo:subTotal>1.64</cargo:subTotal>"))
    }

    func test_invoiceLines_pointAtTheirWaybillByPrefixAndNumber() {
        XCTAssertTrue(text.contains("<cass:waybill><cargo:Waybill rdf:about=\"urn:opencass:awb:125-68792614\"><cargo:waybillPrefix>125</cargo:waybillPrefix><cargo:waybillNumber>68792614</cargo:waybillNumber></cargo:Waybill></cass:waybill>"))
        XCTAssertTrue(text.contains("ChargeIdentifier#CN\"/><cargo:subTotal>-0.95</cargo:subTotal>"))
        XCTAssertTrue(text.contains("<cass:chargeableWeight>-0.5</cass:chargeableWeight>"))
        XCTAssertTrue(text.contains("<cass:reasonCode>WGT</cass:reasonCode>"))
        // The charges indicator of a line that has one (the CCA here has none).
        XCTAssertEqual(text.components(separatedBy: "<cargo:weightValuationIndicator rdf:resource=\"https://onerecord.iata.org/ns/code-lists/PrepaidCollectIndicator#C\"/>").count, 2)
        XCTAssertFalse(text.contains("PrepaidCollectIndicator#P"))
        XCTAssertTrue(text.contains("<cass:ratePercentage>20.00</cass:ratePercentage>"))
    }

    func test_namesAreEscaped_andTheDocumentReadsBack() throws {
        XCTAssertTrue(text.contains("<cargo:name>Ōsaka &amp; Sons &lt;Freight&gt;</cargo:name>"))
        var tokenizer = XMLTokenizer(bytes: Array(text.utf8))
        var elements = 0
        while true {
            let event = try tokenizer.next()
            if case .endOfDocument = event { break }
            if case .start = event { elements += 1 }
        }
        XCTAssertGreaterThan(elements, 50)
    }
}
