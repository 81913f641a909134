import CASSDomain
@testable import CASSPortal
import XCTest

/// Hostile values in every place a page shows data.
final class PortalEscapingTests: XCTestCase {
    static let script = "<script>alert(1)</script>"
    static let quotes = "\"' onmouseover=\"alert(2)"
    static let rtlOverride = "invoice\u{202E}fdp.exe"
    static let isolate = "a\u{2066}b\u{2069}c"
    static let controls = "nul\u{0}bell\u{7}c1\u{85}end"

    func hostileFile(_ name: String) -> PortalFile {
        PortalFile(id: "f1", name: name, airline: name, country: "<b>", period: "\"x", fileSequence: 1, status: name, records: 1, accepted: 1,
                   rejected: 1, fileCode: name, submittedBy: name, submittedAt: nil, withdrawable: true)
    }

    func assertClean(_ html: String, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(html.contains("<script>alert"), label, file: file, line: line)
        XCTAssertFalse(html.contains("\" onmouseover"), label, file: file, line: line)
        XCTAssertFalse(html.contains("' onmouseover"), label, file: file, line: line)
        XCTAssertFalse(html.contains("\u{202E}"), label, file: file, line: line)
        XCTAssertFalse(html.contains("\u{2066}"), label, file: file, line: line)
        XCTAssertFalse(html.contains("\u{0}"), label, file: file, line: line)
        XCTAssertFalse(html.contains("\u{85}"), label, file: file, line: line)
        XCTAssertFalse(html.contains("<b>"), label, file: file, line: line)
    }

    func test_escapeFunction() {
        var w = HTMLWriter()
        w.text(Self.script + Self.quotes + "&")
        XCTAssertEqual(String(decoding: w.bytes, as: UTF8.self),
                       "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39; onmouseover=&quot;alert(2)&amp;")
        var b = HTMLWriter()
        b.text(Self.rtlOverride + Self.isolate + Self.controls + "\t\n✓ é 中 😀 \u{200F}")
        XCTAssertEqual(String(decoding: b.bytes, as: UTF8.self),
                       "invoice\u{FFFD}fdp.exea\u{FFFD}b\u{FFFD}cnul\u{FFFD}bell\u{FFFD}c1\u{FFFD}end\t\n✓ é 中 😀 \u{200F}")
    }

    func test_hostileValuesOnEveryPage() {
        let hostile = [Self.script, Self.quotes, Self.rtlOverride, Self.isolate, Self.controls]
        for value in hostile {
            var ctx = PortalSamples.context(.cassOperator, role: .admin)
            ctx.viewer?.name = value
            ctx.viewer?.companyName = value
            ctx.scope.companies = [PortalScopeCompany(id: "airline-125", name: value), PortalScopeCompany(id: "<x>", name: value)]
            ctx.scope.operations.append(PortalOperation(country: value, currency: value, name: value))
            ctx.notice = PortalNotice(.error, .conflict, detail: value)
            ctx.form = PortalFormState(form: .dispute, values: ["reason": value, "awb": value], errors: [PortalFieldError(field: value, message: value)])
            let invoice = PortalInvoiceSummary(number: value, country: value, period: value, agent: value, currency: value, totalMinor: 1,
                                               status: value, paidMinor: 0, outstandingMinor: 1)
            let dispute = PortalDispute(id: value, invoice: value, awb: value, agent: value, airline: value, currency: value, amountMinor: 1,
                                        acceptedMinor: nil, status: value, reason: value,
                                        history: [PortalDisputeStep(at: PortalSamples.now, by: value, action: value, amountMinor: 1, reason: value)])
            let full = PortalInvoice(summary: invoice, agentName: value, invoiceDate: PortalSamples.today, remittanceDate: PortalSamples.today,
                                     sections: [PortalInvoiceSection(airline: value, airlineName: value, lines: [PortalInvoiceLine(awb: value, amountMinor: 1, transaction: value, origin: value, destination: value)])],
                                     payments: [PortalPayment(invoice: value, currency: value, amountMinor: 1, method: value, date: PortalSamples.today, reference: value)],
                                     disputes: [dispute])
            let user = PortalUser(username: value, company: value, role: .viewer, name: value, email: value, language: value, operations: [value], disabled: false)
            let rejection = PortalRejection(file: value, airline: value, country: value, period: value, sequence: 1, code: value, awb: value, field: value, message: value)
            let stats = PortalStatistics(operations: [PortalOperationStatistics(
                country: value, period: value, currency: value, filesByStatus: [PortalCount(value, 1)], recordsAccepted: 1, recordsRejected: 1,
                rejectionsByCode: [PortalCount(value, 3)], airlines: [PortalAirlineFigures(airline: value, airlineName: value, billedMinor: 5, paidMinor: 1)],
                invoicesIssued: 1, paidMinor: 1, outstandingMinor: 1, disputesByState: [PortalCount(value, 1)])],
                hourly: [PortalHourlyCount(hour: PortalSamples.now, files: 1, records: 1)], asOf: PortalSamples.now)
            let pages: [(String, [UInt8])] = [
                ("files", PortalPages.files(ctx, files: PortalList(items: [hostileFile(value)], next: value), filters: PortalFilters(country: value, period: value, status: value))),
                ("file", PortalPages.file(ctx, file: hostileFile(value), rejections: PortalList(items: [rejection], next: value))),
                ("validation", PortalPages.validation(ctx, result: PortalValidation(name: value, fileCode: value, records: 1, accepted: 0, rejections: [rejection]))),
                ("invoices", PortalPages.invoices(ctx, invoices: PortalList(items: [invoice]), totals: [PortalCurrencyTotals(currency: value, count: 1, totalMinor: 1, paidMinor: 0, outstandingMinor: 1)])),
                ("invoice", PortalPages.invoice(ctx, invoice: full, selectedAWB: value)),
                ("disputes", PortalPages.disputes(ctx, disputes: PortalList(items: [dispute]))),
                ("dispute", PortalPages.dispute(ctx, dispute: dispute)),
                ("payments", PortalPages.payments(ctx, payments: PortalList(items: full.payments), wallet: [PortalWalletBalance(country: value, currency: value, balanceMinor: 1)], directDebit: true, outstanding: [invoice])),
                ("risk", PortalPages.risk(ctx, items: PortalList(items: [PortalRiskItem(country: value, agent: value, agentName: value, currency: value, exposureMinor: 1, guaranteeMinor: 1, ratioTenthsPercent: 1, delayDays: 1, grade: value)]), filters: PortalFilters(grade: value))),
                ("statistics", PortalPages.statistics(ctx, statistics: stats)),
                ("users", PortalPages.users(ctx, users: PortalList(items: [user]))),
                ("user", PortalPages.user(ctx, user: user)),
                ("settings", PortalPages.settings(ctx, settings: PortalSettings(company: value, language: value, formats: [value], distribution: [value], webhooks: [PortalWebhook(url: value, secret: value)], emails: [value], directDebit: true))),
                ("account", PortalPages.account(ctx, user: user)),
                ("periods", PortalPages.periods(ctx, operations: [PortalOperationPeriods(operation: PortalOperation(country: value, currency: value, name: value), periods: [PortalPeriod(period: value, status: value, files: 1, records: 1, invoices: 1)])])),
                ("login", PortalPages.login(ctx, next: value)),
            ]
            for (name, bytes) in pages { assertClean(Page.text(bytes), "\(name) with \(value.debugDescription)") }
        }
    }

    func test_invalidIdentifiersAreNeverLinked() {
        let ctx = PortalSamples.context(.agent, role: .output)
        let bad = PortalInvoiceSummary(number: "../../admin", country: "GB", period: "20261102", agent: "1", currency: "GBP", totalMinor: 1, status: "open", paidMinor: 0, outstandingMinor: 1)
        let html = Page.text(PortalPages.invoices(ctx, invoices: PortalList(items: [bad]), totals: []))
        XCTAssertFalse(html.contains("href=\"/invoices/../"))
        XCTAssertFalse(html.contains("/documents/"))
        XCTAssertTrue(html.contains("../../admin"), "still shown, as text")
        XCTAssertNil(PortalHref.file("a/b"))
        XCTAssertNil(PortalHref.user("Admin"))
        XCTAssertNil(PortalHref.dispute(""))
        XCTAssertNil(PortalHref.periodClose(country: "gb", period: "2026"))
        XCTAssertEqual(PortalHref.files.query([("q", "a b&c=d/é")]).value, "/files?q=a%20b%26c%3Dd%2F%C3%A9")
    }

    func test_veryLongValuesAreClipped() {
        let long = String(repeating: "W", count: 1_000_000)
        var ctx = PortalSamples.context(.airline, role: .input)
        ctx.viewer?.name = long
        let html = Page.text(PortalPages.files(ctx, files: PortalList(items: [hostileFile(long)])))
        XCTAssertLessThan(html.utf8.count, 40_000)
        XCTAssertTrue(html.contains(String(repeating: "W", count: 100) + "…") || html.contains("W…"))
    }

    func test_clipKeepsWholeCharacters() {
        XCTAssertEqual(PageBuilder.clip("日本語テキスト", 9), "日本語…")
        XCTAssertEqual(PageBuilder.clip("short", 10), "short")
    }
}
