import CASSAccounts
import CASSDomain
import CASSEngine
import CASSLog
import CASSRender
@testable import CASSService
import CASSWorkers
import Foundation
import XCTest

/// `GET /api/v1/invoices/{number}/documents/{pdf|xlsx}` renders the Cargo
/// Sales Report with the payment summary as it stands today (portal.md
/// "Payments"), not as it stood at period close.
final class DocumentStandingTests: XCTestCase {
    static var samples: URL { ServiceHarness.samplesReference.deletingLastPathComponent() }

    /// Every status and method of the payments engine has a name in the
    /// renderer (its labels in every language follow the renderer's enums).
    func testEveryAccountsStatusAndMethodMapsToTheRenderer() {
        for status in InvoiceStatus.allCases {
            XCTAssertNotNil(DocumentPayments.Status(rawValue: status.rawValue), "status \(status) has no document label")
        }
        for method in PaymentMethod.allCases {
            XCTAssertNotNil(DocumentPayments.Method(rawValue: method.rawValue), "method \(method) has no document label")
        }
        for language in Translations.supported {
            let t = Translations(language: language)
            for status in DocumentPayments.Status.allCases { XCTAssertTrue(t.has("status." + status.rawValue), "\(language): status.\(status.rawValue)") }
            for method in DocumentPayments.Method.allCases { XCTAssertTrue(t.has("method." + method.rawValue), "\(language): method.\(method.rawValue)") }
        }
    }

    /// An overpayment's credit paying the agent's next invoice reaches the
    /// report as "credit applied" (by method and in the credits list).
    func testCreditAppliedFromAnOverpaymentReachesTheDocumentFigures() throws {
        typealias W = AccountsWorld
        let world = try W(today: "2026-11-10")
        try world.issue(W.invoiceC)
        let card = try world.client("c.output").post("/api/v1/invoices/GB2026000003/payments", json: [
            "amountMinor": 650_000, "method": "card", "date": "2026-11-10", "reference": "card 4421"])
        XCTAssertEqual(card.status, 201, card.description)
        let next = W.invoice("GB2026000005", agent: W.agentC, total: 180_000, awbs: [W.awb(176, 7_777_777, 180_000)], period: 20261102,
                             invoiceDate: W.date("2026-11-16"))
        try world.issue(next)
        let today = W.date("2026-11-16")
        let summary = try world.desk.read { $0.paymentSummary(of: "GB2026000005", asOf: today) }
        XCTAssertNotNil(summary)
        // Only the number, total and remittance date of the invoice matter here.
        let invoice = Invoice(number: "GB2026000005", country: "GB", period: next.period, currency: "GBP", minorDigits: 2, invoiceDate: next.invoiceDate,
                              remittanceDate: next.remittanceDate, agentCode: next.agent, sections: [], lineCount: 0, netDue: 180_000,
                              taxCharged: 0, taxCredited: 0, total: 180_000)
        let figures = ServiceContext.documentPayments(invoice, summary: summary, today: today)
        XCTAssertEqual(figures.status, .paid)
        XCTAssertEqual(figures.paidByMethod, [DocumentPayments.MethodTotal(method: .credit, amountMinor: 180_000)])
        XCTAssertEqual(figures.creditsApplied.map(\.amountMinor), [180_000])
        XCTAssertEqual(figures.creditsApplied.map(\.date), [W.date("2026-11-16")])
        XCTAssertEqual(figures.outstandingMinor, 0)
        // Before the accounts know an invoice: nothing paid, the rules' status for today.
        let unknown = ServiceContext.documentPayments(invoice, summary: nil, today: W.date("2026-11-27"))
        XCTAssertEqual(unknown.status, .overdue)
        XCTAssertEqual(unknown.outstandingMinor, 180_000)
        XCTAssertEqual(unknown.paidMinor, 0)
    }

    func testDownloadedReportShowsTodaysPayments() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/pdftotext") else { throw XCTSkip("poppler-utils missing: run scripts/install-deps") }
        let today = try XCTUnwrap(CivilDate(yyyymmdd: 20261110))
        let harness = try ServiceHarness(log: InProcessLog(), today: today)
        defer { harness.stop() }
        let root = try harness.login("root", ServiceHarness.adminPassword)
        guard harness.service.context?.documents.renderer != nil else { throw XCTSkip("fonts missing: run scripts/install-deps") }
        let first = PeriodKey(country: "GB", period: try XCTUnwrap(BillingPeriod(yyyymmnn: 20261101)))
        let files = try FolderSettlement.inputFiles(in: Self.samples.appendingPathComponent("input")).filter {
            $0.summary.operation == "GB" && $0.summary.period == first.period
        }
        XCTAssertFalse(files.isEmpty)
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path)))
            let answer = try root.request("POST", "/api/v1/files?name=\(file.name)", body: bytes, contentType: "application/octet-stream")
            XCTAssertEqual(answer.status, 201, "\(file.name): \(answer)")
            let id = try XCTUnwrap(answer.json["id"] as? String)
            _ = try waitFor(root, "/api/v1/files/\(id)") { $0["status"] as? String != "received" }
        }
        let closing = try root.request("POST", "/api/v1/operations/GB/periods/20261101/close")
        XCTAssertEqual(closing.status, 202, closing.description)
        _ = try waitFor(root, "/api/v1/operations/GB/periods?limit=1000") { json in
            ((json["items"] as? [[String: Any]]) ?? []).contains { $0["period"] as? String == "20261101" && $0["status"] as? String == "closed" }
        }
        let context = try XCTUnwrap(harness.service.context)
        let invoice = try XCTUnwrap(context.invoices.all().filter { $0.period == first.period && $0.total > 10_000 }.min { $0.number < $1.number })
        let deadline = Date().addingTimeInterval(60)
        while context.accounts.read({ $0.invoice(invoice.number) }) == nil {
            guard Date() < deadline else { return XCTFail("the accounts never learnt of \(invoice.number)") }
            usleep(20_000)
        }
        let t = Translations(language: context.documents.renderer?.language(of: invoice) ?? "en")
        func amount(_ minor: Int64) -> String { t.amount(minor, digits: invoice.minorDigits).replacingOccurrences(of: "\u{00A0}", with: " ") }
        func pdfText() throws -> String {
            let answer = try root.get("/api/v1/invoices/\(invoice.number)/documents/pdf")
            XCTAssertEqual(answer.status, 200)
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("standing-\(getpid())-\(UUID().uuidString).pdf")
            try Data(answer.body).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            return try HostCommand.run("/usr/bin/pdftotext", ["-layout", url.path, "-"]).output.replacingOccurrences(of: "\u{00A0}", with: " ")
        }
        func sheetXML() throws -> String {
            let answer = try root.get("/api/v1/invoices/\(invoice.number)/documents/xlsx")
            XCTAssertEqual(answer.status, 200)
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("standing-\(getpid())-\(UUID().uuidString).xlsx")
            try Data(answer.body).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unzip") else { throw XCTSkip("unzip missing") }
            return try HostCommand.run("/usr/bin/unzip", ["-p", url.path, "xl/worksheets/sheet1.xml"]).output
        }

        // Nothing paid yet: open, all of it outstanding.
        let before = try pdfText()
        XCTAssertTrue(before.contains(t["status.open"]), before.suffix(1500).description)
        XCTAssertFalse(before.contains(t["status.partly-paid"]))
        XCTAssertTrue(before.contains(t.text("as_of", ["date": t.date(today)])))

        // Paid in part by card, then the rest by bank transfer a day later.
        let card = invoice.total / 4
        let paid = try root.post("/api/v1/invoices/\(invoice.number)/payments", json: [
            "amountMinor": card, "method": "card", "date": "2026-11-10", "reference": "card 9911"])
        XCTAssertEqual(paid.status, 201, paid.description)
        let partly = try pdfText()
        XCTAssertTrue(partly.contains(t["status.partly-paid"]), partly.suffix(1500).description)
        XCTAssertTrue(partly.contains(t["method.card"]))
        XCTAssertTrue(partly.contains(amount(card)), "card amount \(amount(card))")
        XCTAssertTrue(partly.contains(amount(invoice.total - card)), "outstanding \(amount(invoice.total - card))")
        let sheet = try sheetXML()
        XCTAssertTrue(sheet.contains(t["status.partly-paid"]))
        XCTAssertTrue(sheet.contains("<v>\(Money.decimalString(invoice.total - card, digits: invoice.minorDigits))</v>"))
        XCTAssertTrue(sheet.contains(t["paid"] + " · " + t["method.card"]))

        let rest = try root.post("/api/v1/invoices/\(invoice.number)/payments", json: [
            "amountMinor": invoice.total - card, "method": "bank-transfer", "date": "2026-11-10", "reference": "BACS 1"])
        XCTAssertEqual(rest.status, 201, rest.description)
        let settled = try pdfText()
        XCTAssertTrue(settled.contains(t["paid.text"]), settled.suffix(1500).description)
        XCTAssertTrue(settled.contains(t["method.bank-transfer"]))
        XCTAssertFalse(settled.contains(t["status.partly-paid"]))
    }
}
