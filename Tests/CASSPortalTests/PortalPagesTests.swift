import CASSDomain
@testable import CASSPortal
import XCTest

final class PortalPagesTests: XCTestCase {
    func ctx(_ kind: PortalCompanyKind, _ role: PortalRole, _ language: PortalLanguage = .en) -> PortalContext {
        PortalSamples.context(kind, role: role, language: language)
    }

    func test_loginFormHasTheSpecFields() {
        var anonymous = ctx(.agent, .viewer)
        anonymous.viewer = nil
        let html = Page.text(PortalPages.login(anonymous, next: "/invoices?country=GB"))
        let form = Page.forms(html).first ?? ""
        XCTAssertTrue(form.contains("method=\"post\" action=\"/login\""))
        XCTAssertTrue(form.contains("name=\"username\" type=\"text\""))
        XCTAssertTrue(form.contains("name=\"password\" type=\"password\""))
        XCTAssertTrue(form.contains("autocomplete=\"current-password\""))
        XCTAssertTrue(form.contains("<input type=\"hidden\" name=\"next\" value=\"/invoices?country=GB\">"))
        XCTAssertFalse(html.contains("main-nav"), "no navigation before sign-in")
        let hostile = Page.text(PortalPages.login(anonymous, next: "//evil.example/"))
        XCTAssertFalse(hostile.contains("evil.example"))
    }

    func test_loginFailureKeepsTheUsernameNeverThePassword() {
        var c = ctx(.agent, .viewer)
        c.viewer = nil
        c.notice = PortalNotice(.error, .loginFailed)
        c.form = PortalFormState(form: .login, values: ["username": "amira", "password": "secret-password-123"], errors: [])
        let html = Page.text(PortalPages.login(c))
        XCTAssertTrue(html.contains("value=\"amira\""))
        XCTAssertFalse(html.contains("secret-password-123"))
        XCTAssertTrue(html.contains("role=\"alert\""))
        XCTAssertTrue(html.contains("Wrong username or password."))
    }

    func test_filesPageForAnAirlineInputUser() {
        let files = PortalSamples.files(count: 8)
        let html = Page.text(PortalPages.files(ctx(.airline, .input), files: PortalList(items: files, next: "abc")))
        let upload = Page.forms(html).first { $0.contains("data-upload") } ?? ""
        XCTAssertTrue(upload.contains("method=\"post\" action=\"/files\""))
        XCTAssertTrue(upload.contains("enctype=\"multipart/form-data\""))
        XCTAssertTrue(upload.contains("name=\"file\" type=\"file\""))
        XCTAssertTrue(upload.contains("formaction=\"/files/validate\""))
        XCTAssertTrue(upload.contains("<progress"))
        // One withdraw button per withdrawable (accepted) file, none for the others.
        let withdrawable = files.filter(\.withdrawable)
        XCTAssertEqual(Page.matches("(action=\"/files/[^\"]+/withdraw\")", in: html).count, withdrawable.count)
        for file in withdrawable { XCTAssertTrue(html.contains("action=\"/files/\(file.id)/withdraw\"")) }
        for file in files { XCTAssertTrue(html.contains(file.name)) }
        XCTAssertTrue(html.contains("href=\"/files?after=abc\""))
        XCTAssertTrue(html.contains("data-live=\"file. period.\""))
        XCTAssertTrue(html.contains("<body data-events=\"/api/v1/events\">"))
    }

    func test_filesPageForAViewerHasNoUploadNorWithdraw() {
        let html = Page.text(PortalPages.files(ctx(.airline, .viewer), files: PortalList(items: PortalSamples.files(count: 8))))
        XCTAssertFalse(html.contains("type=\"file\""))
        XCTAssertFalse(html.contains("/withdraw"))
    }

    func test_fileDetailShowsTheRejectionReport() {
        let file = PortalSamples.files(count: 1)[0]
        let html = Page.text(PortalPages.file(ctx(.airline, .admin), file: file, rejections: PortalList(items: PortalSamples.rejections(count: 3))))
        XCTAssertTrue(html.contains("id=\"rejections\""))
        XCTAssertTrue(html.contains("R07"))
        XCTAssertTrue(html.contains("Commission disagrees with weight charge and rate"))
        XCTAssertTrue(html.contains("href=\"/api/v1/files/\(file.id)/content\""))
    }

    func test_invoicesPageShowsNumbersAsTextAndEveryDownload() {
        let invoices = PortalSamples.invoices(count: 10)
        let html = Page.text(PortalPages.invoices(ctx(.agent, .output), invoices: PortalList(items: invoices), totals: PortalSamples.totals(invoices)))
        for invoice in invoices {
            XCTAssertTrue(html.contains("<a href=\"/invoices/\(invoice.number)\" class=\"invoice-number\">\(invoice.number)</a>"))
            for format in ["pdf", "xlsx", "hot", "xml"] {
                XCTAssertTrue(html.contains("href=\"/api/v1/invoices/\(invoice.number)/documents/\(format)\""), format)
            }
        }
        XCTAssertTrue(html.contains("Totals across your scope"))
        XCTAssertTrue(html.contains("Outstanding"))
        // A single agent does not need its own code in every row.
        XCTAssertFalse(html.contains("<th scope=\"col\">Agent</th>"))
    }

    func test_invoicesPageForAViewerHasNoDownloadsNorPay() {
        let html = Page.text(PortalPages.invoices(ctx(.agent, .viewer), invoices: PortalList(items: PortalSamples.invoices(count: 4)), totals: []))
        XCTAssertFalse(html.contains("/documents/"))
        XCTAssertFalse(html.contains("#pay"))
    }

    func test_invoiceDetailOffersPayAndDisputeWithTheAWBChosen() {
        let html = Page.text(PortalPages.invoice(ctx(.agent, .output), invoice: PortalSamples.invoice(), selectedAWB: "125-20000011"))
        let forms = Page.forms(html)
        let pay = forms.first { $0.contains("id=\"form-payment\"") } ?? ""
        XCTAssertTrue(pay.contains("action=\"/payments\""))
        XCTAssertTrue(pay.contains("<input type=\"hidden\" name=\"invoice\" value=\"KW2026000042\">"))
        XCTAssertTrue(pay.contains("name=\"amount\" type=\"text\" value=\"1000.000\""), "prefilled with the outstanding amount in KWD digits")
        XCTAssertTrue(pay.contains("name=\"method\""))
        XCTAssertTrue(pay.contains("name=\"date\" type=\"date\" value=\"2026-11-20\""))
        let dispute = forms.first { $0.contains("id=\"form-dispute\"") } ?? ""
        XCTAssertTrue(dispute.contains("action=\"/disputes\""))
        XCTAssertTrue(dispute.contains("<option value=\"125-20000011\" selected>"))
        XCTAssertTrue(dispute.contains("name=\"reason\""))
        XCTAssertTrue(html.contains("href=\"/invoices/KW2026000042?awb=125-20000000#dispute\""))
    }

    func test_invoiceDetailAfterTheDisputeDeadlineHasNoDisputeForm() {
        var invoice = PortalSamples.invoice()
        invoice.disputeDeadline = PortalSamples.today.adding(days: -1)
        let html = Page.text(PortalPages.invoice(ctx(.agent, .output), invoice: invoice))
        XCTAssertFalse(html.contains("id=\"form-dispute\""))
        XCTAssertFalse(html.contains("#dispute\""))
    }

    func test_disputeAnswersByRole() {
        let open = PortalSamples.dispute(status: "open")
        let airline = Page.text(PortalPages.dispute(ctx(.airline, .input), dispute: open))
        XCTAssertTrue(airline.contains("action=\"/disputes/d42/accept\""))
        XCTAssertTrue(airline.contains("action=\"/disputes/d42/reject\""))
        XCTAssertFalse(airline.contains("/withdraw"))
        let agent = Page.text(PortalPages.dispute(ctx(.agent, .output), dispute: open))
        XCTAssertTrue(agent.contains("action=\"/disputes/d42/withdraw\""))
        XCTAssertFalse(agent.contains("/accept\""))
        let escalated = PortalSamples.dispute(status: "escalated")
        XCTAssertFalse(Page.text(PortalPages.dispute(ctx(.airline, .admin), dispute: escalated)).contains("/accept\""))
        XCTAssertTrue(Page.text(PortalPages.dispute(ctx(.cassOperator, .admin), dispute: escalated)).contains("/accept\""))
        let viewer = Page.text(PortalPages.dispute(ctx(.airline, .viewer), dispute: open))
        XCTAssertFalse(viewer.contains("method=\"post\" action=\"/disputes/"))
        XCTAssertTrue(viewer.contains("Weight charged twice"), "history is visible to both parties")
    }

    func test_paymentsPage() {
        let html = Page.text(PortalPages.payments(ctx(.agent, .admin), payments: PortalList(items: PortalSamples.payments(count: 3)),
                                                  wallet: PortalSamples.wallet(), directDebit: true, outstanding: PortalSamples.invoices(count: 2)))
        XCTAssertTrue(html.contains("action=\"/wallet/topups\""))
        XCTAssertTrue(html.contains("action=\"/settings/direct-debit\""))
        XCTAssertTrue(html.contains("name=\"directDebit\" value=\"true\" checked"))
        XCTAssertTrue(html.contains("action=\"/payments\""))
        XCTAssertTrue(html.contains("KWD\u{00A0}1,234.567"), "wallet balance in KWD digits")
        let output = Page.text(PortalPages.payments(ctx(.agent, .output), payments: PortalList(items: []), wallet: [], directDebit: false, outstanding: []))
        XCTAssertFalse(output.contains("/settings/direct-debit"), "only the admin changes settings")
    }

    func test_riskPage() {
        let items = PortalSamples.risk(count: 8)
        let html = Page.text(PortalPages.risk(ctx(.cassOperator, .admin), items: PortalList(items: items)))
        XCTAssertTrue(html.contains("Grade D"))
        XCTAssertTrue(html.contains("50.0%"))
        XCTAssertTrue(html.contains("Unlimited (no guarantee)"))
    }

    func test_navigationPerRole() {
        func nav(_ kind: PortalCompanyKind, _ role: PortalRole) -> [String] {
            let html = Page.text(PortalPages.account(ctx(kind, role), user: PortalSamples.users(count: 1)[0]))
            return Page.matches("<li><a href=\"(/[a-z]+)\"", in: Page.matches("(<nav class=\"main-nav\".*?</nav>)", in: html).first ?? "")
        }
        XCTAssertEqual(nav(.airline, .input), ["/files", "/disputes", "/statistics"])
        XCTAssertEqual(nav(.airline, .admin), ["/files", "/disputes", "/statistics", "/users", "/settings"])
        XCTAssertEqual(nav(.agent, .output), ["/invoices", "/payments", "/disputes", "/risk", "/statistics"])
        XCTAssertEqual(nav(.cassOperator, .admin).prefix(3), ["/statistics", "/periods", "/files"])
        XCTAssertEqual(PortalAbilities(kind: .airline, role: .viewer).home, .files)
        XCTAssertEqual(PortalAbilities(kind: .agent, role: .viewer).home, .invoices)
        XCTAssertEqual(PortalAbilities(kind: .cassOperator, role: .admin).home, .statistics)
    }

    func test_scopeSwitcherIsOneLinkPerChoice() {
        var c = ctx(.agentGroup, .admin)
        c.scope.country = "JP"
        let html = Page.text(PortalPages.invoices(c, invoices: PortalList(items: []), totals: []))
        XCTAssertTrue(html.contains("<a href=\"/invoices?company=agent-GB-12345678901&amp;country=JP\">Acme London</a>"))
        XCTAssertTrue(html.contains("<a href=\"/invoices?country=JP\" aria-current=\"true\">All companies</a>"))
        XCTAssertTrue(html.contains("<a href=\"/invoices?country=KW\">KW · Kuwait</a>"))
        XCTAssertTrue(html.contains("<a href=\"/invoices?country=JP\" aria-current=\"true\">JP · Japan</a>"))
        // A single-company, single-operation user sees no switcher.
        var single = ctx(.agent, .output)
        single.scope = PortalScope(operations: [PortalSamples.operations[0]])
        XCTAssertFalse(Page.text(PortalPages.invoices(single, invoices: PortalList(items: []), totals: [])).contains("class=\"scope\""))
        // Many companies: a select and a button.
        var many = ctx(.cassOperator, .admin)
        many.scope.companies = (0..<30).map { PortalScopeCompany(id: "airline-" + String(100 + $0), name: "Airline \($0)") }
        let manyHTML = Page.text(PortalPages.statistics(many, statistics: PortalSamples.statistics()))
        XCTAssertTrue(manyHTML.contains("<select id=\"scope-company\" name=\"company\">"))
    }

    func test_usersAndSettingsPagesForAdmins() {
        let users = Page.text(PortalPages.users(ctx(.airline, .admin), users: PortalList(items: PortalSamples.users(count: 3))))
        let create = Page.forms(users).first { $0.contains("id=\"form-userCreate\"") } ?? ""
        for field in ["username", "name", "email", "role", "language", "operations", "password"] {
            XCTAssertTrue(create.contains("name=\"\(field)\""), field)
        }
        XCTAssertFalse(create.contains("value=\"output\""), "an airline has no output role")
        XCTAssertFalse(create.contains("name=\"company\""), "a company admin creates users of its own company")
        let cassUsers = Page.text(PortalPages.users(ctx(.cassOperator, .admin), users: PortalList(items: [])))
        XCTAssertTrue(cassUsers.contains("name=\"company\""))
        let settings = Page.text(PortalPages.settings(ctx(.agent, .admin), settings: PortalSamples.settings(agent: true)))
        XCTAssertTrue(settings.contains("action=\"/settings\""))
        XCTAssertTrue(settings.contains("name=\"formats\" value=\"pdf\" checked"))
        XCTAssertTrue(settings.contains("name=\"formats\" value=\"xlsx\">"))
        XCTAssertTrue(settings.contains("name=\"webhookUrl\""))
        XCTAssertTrue(settings.contains("name=\"directDebit\""))
        let other = Page.text(PortalPages.settings(ctx(.cassOperator, .admin), settings: PortalSamples.settings(agent: false)))
        XCTAssertTrue(other.contains("action=\"/settings?company=airline-125\""))
        XCTAssertFalse(other.contains("name=\"directDebit\""), "airlines have no direct debit")
        XCTAssertFalse(settings.contains("class=\"warning\""), "no plain http webhook, no warning")
        var plain = PortalSamples.settings(agent: true)
        plain.webhooks = [PortalWebhook(url: "https://a.example/x", secret: "s"), PortalWebhook(url: "http://b.example/x", secret: "s")]
        let warned = Page.text(PortalPages.settings(ctx(.agent, .admin), settings: plain))
        XCTAssertEqual(warned.components(separatedBy: "class=\"warning\"").count - 1, 1, "one warning, for the http webhook")
        XCTAssertTrue(warned.contains("Webhook 2 uses plain http"), "the second row is named")
    }

    func test_userEditPage() {
        let user = PortalSamples.users(count: 5)[4]
        let html = Page.text(PortalPages.user(ctx(.airline, .admin), user: user))
        XCTAssertTrue(html.contains("action=\"/users/user4\""))
        XCTAssertTrue(html.contains("action=\"/users/user4/delete\""))
        XCTAssertTrue(html.contains("name=\"disabled\" value=\"true\" checked"))
    }

    func test_periodsPageClosesOpenPeriodsOnly() {
        let html = Page.text(PortalPages.periods(ctx(.cassOperator, .admin), operations: PortalSamples.periods()))
        XCTAssertTrue(html.contains("action=\"/periods/GB/20261102/close\""))
        XCTAssertFalse(html.contains("action=\"/periods/GB/20261101/close\""))
    }

    func test_errorPagesLeakNothing() {
        var c = ctx(.agent, .output)
        c.notice = PortalNotice(.error, .failed, detail: "stack trace at /srv/secret")
        for status in [403, 404, 500, 418, 999] {
            var plain = ctx(.agent, .output)
            plain.notice = nil
            let html = Page.text(PortalPages.error(plain, status: status))
            XCTAssertFalse(html.contains("/srv"), "\(status)")
            XCTAssertTrue(html.contains("<h1>"))
        }
        let notFound = Page.text(PortalPages.error(ctx(.agent, .output), status: 404))
        XCTAssertTrue(notFound.contains("Page not found"))
        XCTAssertTrue(notFound.contains("There is nothing here, or you do not have access to it."))
        XCTAssertEqual(Page.visibleText(Page.text(PortalPages.error(ctx(.agent, .output), status: 403))).contains("Not allowed"), true)
    }

    func test_arabicPagesAreRightToLeft() {
        let html = Page.text(PortalPages.invoices(ctx(.agent, .output, .ar), invoices: PortalList(items: PortalSamples.invoices(count: 3)), totals: []))
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\">"))
        XCTAssertTrue(html.contains("الفواتير"))
        XCTAssertTrue(html.contains("\u{200F}1,234.567\u{00A0}KWD") || html.contains("KWD"))
        let ja = Page.text(PortalPages.files(ctx(.airline, .input, .ja), files: PortalList(items: [])))
        XCTAssertTrue(ja.hasPrefix("<!DOCTYPE html>\n<html lang=\"ja\" dir=\"ltr\">"))
        XCTAssertTrue(ja.contains("請求ファイルのアップロード"))
    }

    func test_fieldErrorsAreShownAndLinked() {
        var c = ctx(.agent, .output)
        c.notice = PortalNotice(.error, .invalidInput)
        c.form = PortalFormState(form: .payment, values: ["amount": "12x", "reference": "R-1"],
                                 errors: [PortalFieldError(field: "amount", message: "must be a positive amount"), PortalFieldError(field: "", message: "period closed")])
        let html = Page.text(PortalPages.payments(c, payments: PortalList(items: []), wallet: [], directDebit: nil, outstanding: []))
        XCTAssertTrue(html.contains("value=\"12x\""))
        XCTAssertTrue(html.contains("aria-describedby=\"payment-amount-hint payment-amount-error\" aria-invalid=\"true\""))
        XCTAssertTrue(html.contains("<p class=\"error\" id=\"payment-amount-error\">must be a positive amount</p>"))
        XCTAssertTrue(html.contains("<li><bdi>period closed</bdi></li>"))
    }
}
