import CASSAccounts
import CASSDomain
import CASSEngine
import CASSLog
@testable import CASSService
import CASSWorkers
import Foundation
import XCTest

/// `GET /api/v1/invoices/{number}` keeps the JSON of an invoice's sections
/// between requests (InvoiceJSONCache): the answer must stay byte for byte
/// what encoding the whole shape gives, and what changes per request
/// (payments, status) must not be served stale.
final class InvoiceJSONCacheTests: XCTestCase {
    typealias W = AccountsWorld

    func testCachedAnswerEqualsFullEncodingAndFollowsPayments() throws {
        let world = try PortalPagesRoutesTests.world(today: "2026-11-10")
        let context = try XCTUnwrap(world.harness.service.context)
        let agent = try world.client("a.output")
        let invoice = try XCTUnwrap(context.invoices.invoice("GB2026000001"))

        let first = try agent.get("/api/v1/invoices/GB2026000001")
        XCTAssertEqual(first.status, 200, first.description)
        XCTAssertGreaterThan(context.invoiceJSONCache.bytesKept, 0, "the sections were not kept")
        let second = try agent.get("/api/v1/invoices/GB2026000001")
        let expected = try JSONBodies.encode(context.invoiceInFull(invoice))
        XCTAssertEqual(first.body, expected, "first answer:\n\(first.text)\nexpected:\n\(String(decoding: expected, as: UTF8.self))")
        XCTAssertEqual(second.body, expected, "cached answer differs")
        XCTAssertTrue(second.text.contains("\"sections\":[{\"airline\":"), second.text)

        let paid = try agent.post("/api/v1/invoices/GB2026000001/payments", json: [
            "amountMinor": 4_000_000, "method": "bank-transfer", "date": "2026-11-10", "reference": "BACS 7781"])
        XCTAssertEqual(paid.status, 201, paid.description)
        let after = try agent.get("/api/v1/invoices/GB2026000001")
        XCTAssertEqual(after.body, try JSONBodies.encode(context.invoiceInFull(invoice)))
        XCTAssertTrue(after.text.contains("\"status\":\"partly-paid\""), after.text)
        XCTAssertTrue(after.text.contains("\"paidMinor\":4000000"), after.text)
    }

    func testEvictsWithinItsBudgetAndServesWhatItCannotKeep() throws {
        let shape = { (number: String) in
            InvoiceShape(number: number, country: "GB", period: "20261101", agent: "91200040002", agentName: "A \"quoted\" name, \"sections\":[]",
                         currency: "GBP", minorDigits: 2, invoiceDate: "2026-11-09", remittanceDate: "2026-11-19", lines: 1, netDueMinor: 5,
                         taxChargedMinor: 0, taxCreditedMinor: 0, totalMinor: 5, status: "open", paidMinor: 0, outstandingMinor: 5,
                         sections: [], payments: [], disputes: [])
        }
        let section = SectionShape(airline: "125", airlineName: "x", lines: [], taxes: [], netDueMinor: 5, taxChargedMinor: 0,
                                   taxCreditedMinor: 0, totalMinor: 5)
        let one = try JSONBodies.encode([section]).count
        let cache = InvoiceJSONCache(bytesMax: one * 2)
        for number in ["1", "2", "3", "4"] {
            var whole = shape(number)
            whole.sections = [section]
            XCTAssertEqual(try cache.json(shape(number)) { [section] }, try JSONBodies.encode(whole))
            XCTAssertLessThanOrEqual(cache.bytesKept, one * 2)
        }
        let tiny = InvoiceJSONCache(bytesMax: 1)
        var whole = shape("5")
        whole.sections = [section]
        XCTAssertEqual(try tiny.json(shape("5")) { [section] }, try JSONBodies.encode(whole))
        XCTAssertEqual(tiny.bytesKept, 0)
    }

    /// The close and the invoices come on different topics: a period read
    /// as closed before its invoices would answer reports with invoices
    /// missing (the serve benchmark saw it). It counts as closed only once
    /// every invoice its close names is in the view.
    func testPeriodIsClosedOnlyWithAllItsInvoices() throws {
        let view = InvoicesView()
        let first = PortalPagesRoutesTests.invoice(W.invoiceA), second = PortalPagesRoutesTests.invoice(W.invoiceB)
        let period = PeriodKey(country: first.country, period: first.period)
        var offset: Int64 = 0
        func apply(_ topic: String, _ message: StageMessage) throws {
            try view.apply(LogRecord(topic: topic, partition: 0, offset: offset, key: [], value: message.encoded()))
            offset += 1
        }
        try apply(TopicCatalog.settlements, .periodClosed(period: period, invoices: 2, total: first.total + second.total, disbursements: []))
        XCTAssertFalse(view.isClosed(period))
        XCTAssertTrue(view.closedPeriods().isEmpty)
        try apply(TopicCatalog.invoices, .invoice(first))
        XCTAssertFalse(view.isClosed(period), "one of two invoices")
        try apply(TopicCatalog.invoices, .invoice(second))
        XCTAssertTrue(view.isClosed(period))
        XCTAssertEqual(view.closedPeriods().map(\.period), [period])
    }
}
