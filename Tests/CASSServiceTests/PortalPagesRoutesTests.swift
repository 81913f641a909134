import CASSAccounts
import CASSDomain
import CASSEngine
@testable import CASSService
import CASSWorkers
import Foundation
import XCTest

/// The portal's invoice, dispute, payment, risk, settings and statistics
/// pages in `cass serve`: each shows what its API route answers for that
/// user and refuses what the route refuses (another company's object is
/// the 404 page), in the user's language, without JavaScript.
final class PortalPagesRoutesTests: XCTestCase {
    /// A world with A's two invoices and B's one, issued both on the
    /// invoices topic (what the pages and documents read) and on the
    /// accounts topic (what payments and disputes read).
    static func world(today: String = "2026-11-12") throws -> AccountsWorld {
        let world = try AccountsWorld(today: today)
        try publish(world, AccountsWorld.invoiceA, AccountsWorld.invoiceB, AccountsWorld.creditA)
        return world
    }

    static func publish(_ world: AccountsWorld, _ invoices: IssuedInvoice...) throws {
        try publishAll(world, invoices)
    }

    static func publishAll(_ world: AccountsWorld, _ invoices: [IssuedInvoice]) throws {
        let context = try XCTUnwrap(world.harness.service.context)
        let records = try invoices.map { issued in
            try context.writer.record(TopicCatalog.invoices, key: issued.number, value: StageMessage.invoice(invoice(issued)).encoded())
        }
        try context.feed.wait(for: try context.writer.write(records))
        try world.desk.writeSystemRecords(invoices.map { .invoiceIssued($0) })
    }

    /// The invoice the number stage would have written for these facts:
    /// one section per airline, one AWB line per AWB, no tax.
    static func invoice(_ issued: IssuedInvoice) -> Invoice {
        var sections: [InvoiceSection] = []
        for airline in Set(issued.awbs.map(\.airline)).sorted() {
            let lines = issued.awbs.filter { $0.airline == airline }.map { awb in
                InvoiceLine(awb: "\(CASSAccounts.AirlinePrefixText.format(airline))-\(String(format: "%08d", awb.serial))", awbSerial: awb.serial,
                            transaction: .awb, issueDate: awb.issueDate, origin: awb.origin, destination: awb.destination,
                            chargeableWeightTenthsKg: 1000, weightCharge: awb.amountMinor, valuationCharge: 0, otherChargesDueCarrier: 0,
                            commission: 0, incentive: 0, amount: awb.amountMinor, reasonCode: "", sourceFile: "f.cbf", sourceSequence: 1)
            }
            let net = lines.reduce(0) { $0 + $1.amount }
            sections.append(InvoiceSection(airlinePrefix: airline, lines: lines, taxes: [], netDue: net, taxCharged: 0, taxCredited: 0, total: net))
        }
        return Invoice(number: issued.number, country: issued.country, period: issued.period, currency: issued.currency, minorDigits: 2,
                       invoiceDate: issued.invoiceDate, remittanceDate: issued.remittanceDate, agentCode: issued.agent, sections: sections,
                       lineCount: issued.awbs.count, netDue: issued.totalMinor, taxCharged: 0, taxCredited: 0, total: issued.totalMinor)
    }

    static func browser(_ world: AccountsWorld, _ user: String, language: String? = nil) throws -> BrowserClient {
        let browser = BrowserClient(port: world.harness.port)
        browser.acceptLanguage = language
        let answer = try browser.signIn(user, user == "root" ? ServiceHarness.adminPassword : AccountsWorld.password)
        XCTAssertEqual(answer.status, 303, "sign-in of \(user): \(answer)")
        return browser
    }

    func assertPage(_ answer: APIClient.Answer, status: Int = 200, lang: String = "en", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(answer.status, status, "\(answer)", file: file, line: line)
        XCTAssertTrue(answer.header("Content-Type")?.hasPrefix("text/html") == true, file: file, line: line)
        let dir = lang == "ar" ? "rtl" : "ltr"
        XCTAssertTrue(answer.text.contains("<html lang=\"\(lang)\" dir=\"\(dir)\""), "no <html lang=\"\(lang)\" dir=\"\(dir)\">", file: file, line: line)
        XCTAssertNotNil(answer.header("Content-Security-Policy"), file: file, line: line)
        XCTAssertFalse(answer.text.contains("<script>"), file: file, line: line)
    }

    // MARK: - Invoices

    func testAgentSeesOwnInvoicesWithDownloadLinksAndNoOtherCompanys() throws {
        let world = try Self.world()
        let agent = try Self.browser(world, "a.output")
        let page = try agent.get("/invoices")
        assertPage(page)
        for number in ["GB2026000001", "GB2026000004"] {
            XCTAssertTrue(page.text.contains(">\(number)</a>"), "\(number) as text")
            for format in ["pdf", "xlsx", "hot", "xml"] {
                XCTAssertTrue(page.text.contains("href=\"/api/v1/invoices/\(number)/documents/\(format)\""), "\(number) \(format)")
            }
        }
        XCTAssertFalse(page.text.contains("GB2026000002"), "B's invoice is not A's")
        // The download works with the session cookie, as a link does.
        let xml = try agent.get("/api/v1/invoices/GB2026000001/documents/xml")
        XCTAssertEqual(xml.status, 200, "\(xml)")
        // Another company's invoice reads as a missing one.
        assertPage(try agent.get("/invoices/GB2026000002"), status: 404)
        assertPage(try agent.get("/invoices/GB2026999999"), status: 404)
        let own = try agent.get("/invoices/GB2026000001")
        assertPage(own)
        XCTAssertTrue(own.text.contains(AccountsWorld.awbA125))
        // Filters as the API reads them: a malformed status is 422, a country out of reach 404.
        assertPage(try agent.get("/invoices?status=unpaid"), status: 422)
        XCTAssertTrue(try agent.get("/invoices?status=credit").text.contains("GB2026000004"))
        XCTAssertFalse(try agent.get("/invoices?status=credit").text.contains("GB2026000001<"))

        // The operator sees every invoice; an airline none (its view is settlements).
        let root = try Self.browser(world, "root")
        let all = try root.get("/invoices")
        assertPage(all)
        XCTAssertTrue(all.text.contains("GB2026000002") && all.text.contains("GB2026000001"))
        let airline = try Self.browser(world, "ba.viewer")
        XCTAssertFalse(try airline.get("/invoices").text.contains("GB2026000001"))
        // A forwarder's group sees its members' invoices, and switches to one member in one click.
        let group = try Self.browser(world, "ga.output")
        let groupPage = try group.get("/invoices")
        XCTAssertTrue(groupPage.text.contains("GB2026000001") && !groupPage.text.contains("GB2026000002"))
        XCTAssertTrue(try group.get("/invoices?company=\(AccountsWorld.companyA)").text.contains("GB2026000001"))
        assertPage(try group.get("/invoices?company=\(AccountsWorld.companyB)"), status: 404)
    }

    func testLanguagesAndRightToLeft() throws {
        let world = try Self.world()
        // The user's own setting decides; Accept-Language only before sign-in.
        let root = try world.client("root")
        for (user, language) in [("a.output", "ar"), ("ba.admin", "ja"), ("b.admin", "zh-Hans")] {
            XCTAssertEqual(try root.patch("/api/v1/users/\(user)", json: ["language": language]).status, 200)
        }
        let anonymous = BrowserClient(port: world.harness.port)
        anonymous.acceptLanguage = "ar-EG, en;q=0.5"
        assertPage(try anonymous.get("/login"), lang: "ar")
        let arabic = try Self.browser(world, "a.output", language: "en")
        for path in ["/invoices", "/disputes", "/payments", "/risk", "/statistics", "/invoices/GB2026000001"] {
            assertPage(try arabic.get(path), lang: "ar")
        }
        let japanese = try Self.browser(world, "ba.admin", language: "en")
        for path in ["/disputes", "/statistics", "/settings", "/users"] {
            assertPage(try japanese.get(path), lang: "ja")
        }
        let chinese = try Self.browser(world, "b.admin", language: "fr")
        assertPage(try chinese.get("/invoices"), lang: "zh-Hans")
    }

    // MARK: - Disputes and payments

    func testDisputeFormsFollowTheAPIRules() throws {
        let world = try Self.world()
        let agent = try Self.browser(world, "a.output")
        _ = try agent.get("/invoices/GB2026000001")
        // A refused form comes back filled in, with the error under its field.
        let bad = try agent.post("/disputes", [("invoice", "GB2026000001"), ("awb", "125-123"), ("amount", "10"), ("reason", "short")])
        assertPage(bad, status: 422)
        XCTAssertTrue(bad.text.contains("aria-invalid"))
        let tooMuch = try agent.post("/disputes", [("invoice", "GB2026000001"), ("awb", AccountsWorld.awbA125), ("amount", "60000.01"), ("reason", "weight")],
                                     headers: [("Referer", "http://127.0.0.1:\(world.harness.port)/invoices/GB2026000001")])
        assertPage(tooMuch, status: 422)
        XCTAssertTrue(tooMuch.text.contains("id=\"dispute\""), "back on the invoice's page, its dispute form filled in")
        XCTAssertTrue(tooMuch.text.contains("60000.01"))
        // Another company's invoice is 404, as in the API.
        let other = try Self.browser(world, "b.output")
        _ = try other.get("/disputes")
        assertPage(try other.post("/disputes", [("invoice", "GB2026000001"), ("awb", AccountsWorld.awbA125), ("reason", "x")]), status: 404)

        let raised = try agent.post("/disputes", [("invoice", "GB2026000001"), ("awb", AccountsWorld.awbA125), ("amount", "100.50"), ("reason", "weight")])
        XCTAssertEqual(raised.status, 303, "\(raised)")
        let location = try XCTUnwrap(raised.header("Location"))
        XCTAssertTrue(location.hasPrefix("/disputes/"))
        let id = String(location.dropFirst("/disputes/".count))
        let api = try world.client("a.output").get("/api/v1/disputes/\(id)")
        XCTAssertEqual(api.int("amountMinor"), 10_050)
        assertPage(try agent.get(location))
        XCTAssertTrue(try agent.get("/disputes").text.contains(AccountsWorld.awbA125))
        assertPage(try other.get(location), status: 404)
        XCTAssertTrue(try agent.get("/disputes").text.contains(location))
        XCTAssertFalse(try other.get("/disputes").text.contains(location))

        // The agent cannot answer its own dispute (403, as the API); the AWB's airline accepts part of it.
        _ = try agent.get(location)
        assertPage(try agent.post(location + "/accept", [("amount", "")]), status: 403)
        let airline = try Self.browser(world, "ba.input")
        let airlinePage = try airline.get(location)
        assertPage(airlinePage)
        XCTAssertTrue(airlinePage.text.contains("action=\"\(location)/accept\""))
        let accepted = try airline.post(location + "/accept", [("amount", "50")])
        XCTAssertEqual(accepted.status, 303, "\(accepted)")
        let after = try world.client("a.output").get("/api/v1/disputes/\(id)")
        XCTAssertEqual(after.string("status"), "accepted")
        XCTAssertEqual(after.int("acceptedMinor"), 5_000)
        // Airline 157 does not see a dispute on 125's line.
        assertPage(try Self.browser(world, "qr.input").get(location), status: 404)
    }

    func testPaymentAndWalletForms() throws {
        let world = try Self.world()
        let agent = try Self.browser(world, "a.output")
        let payments = try agent.get("/payments")
        assertPage(payments)
        XCTAssertTrue(payments.text.contains("GB2026000001"), "an invoice to pay")
        let bad = try agent.post("/payments", [("invoice", "GB2026000001"), ("amount", "1.234"), ("method", "bank-transfer"), ("date", ""), ("reference", "r")])
        assertPage(bad, status: 422)
        let paid = try agent.post("/payments", [("invoice", "GB2026000001"), ("amount", "1000.50"), ("method", "bank-transfer"),
                                                ("date", "2026-11-11"), ("reference", "BANK-1")])
        XCTAssertEqual(paid.status, 303, "\(paid)")
        XCTAssertEqual(paid.header("Location"), "/invoices/GB2026000001")
        let invoice = try world.client("a.output").get("/api/v1/invoices/GB2026000001")
        XCTAssertEqual(invoice.int("paidMinor"), 100_050)
        // Each payment of the invoice in full as docs/openapi.json's Payment,
        // id included (schemathesis found the id missing).
        let listed = (invoice.json["payments"] as? [[String: Any]]) ?? []
        XCTAssertEqual(listed.map { Set($0.keys) }, [["id", "amountMinor", "method", "date", "reference"]])
        XCTAssertEqual((listed.first?["id"] as? String)?.hasPrefix("p-"), true, "\(listed)")
        XCTAssertEqual(listed.first?["reference"] as? String, "BANK-1")
        XCTAssertTrue(try agent.get("/payments").text.contains("BANK-1"))
        // B cannot pay A's invoice: it does not exist for B.
        let other = try Self.browser(world, "b.output")
        _ = try other.get("/payments")
        assertPage(try other.post("/payments", [("invoice", "GB2026000001"), ("amount", "1"), ("method", "card")]), status: 404)
        // A viewer may look but not pay (403).
        let viewer = try Self.browser(world, "a.viewer")
        _ = try viewer.get("/payments")
        assertPage(try viewer.post("/payments", [("invoice", "GB2026000001"), ("amount", "1"), ("method", "card")]), status: 403)

        _ = try agent.get("/payments")
        let topUp = try agent.post("/wallet/topups", [("country", "GB"), ("amount", "250"), ("reference", "W-1")])
        XCTAssertEqual(topUp.status, 303, "\(topUp)")
        let wallet = try world.client("a.output").get("/api/v1/wallet")
        XCTAssertEqual((wallet.items.first?["balanceMinor"] as? NSNumber)?.int64Value, 25_000)

        let admin = try Self.browser(world, "a.admin")
        _ = try admin.get("/payments")
        XCTAssertEqual(try admin.post("/settings/direct-debit", [("directDebit", "true")]).status, 303)
        XCTAssertEqual(try world.client("a.admin").get("/api/v1/settings").json["directDebit"] as? Bool, true)
        // An airline's payments page is as empty as its API answers (no invoice, no wallet).
        let airline = try Self.browser(world, "ba.admin").get("/payments")
        assertPage(airline)
        XCTAssertFalse(airline.text.contains("GB2026000001"))
    }

    // MARK: - Risk, settings, statistics

    func testRiskSettingsAndStatisticsByRole() throws {
        let world = try Self.world(today: "2026-12-05")   // A's invoice is overdue
        let root = try Self.browser(world, "root")
        let risk = try root.get("/risk")
        assertPage(risk)
        XCTAssertTrue(risk.text.contains(AccountsWorld.agentA) && risk.text.contains(AccountsWorld.agentB))
        let own = try Self.browser(world, "a.viewer").get("/risk")
        assertPage(own)
        XCTAssertTrue(own.text.contains(AccountsWorld.agentA))
        XCTAssertFalse(own.text.contains(AccountsWorld.agentB))
        assertPage(try Self.browser(world, "ba.admin").get("/risk"), status: 403)
        assertPage(try root.get("/risk?grade=E"), status: 422)

        // Settings: the company's admin only; the form is the whole object through the API's reader.
        let admin = try Self.browser(world, "ba.admin")
        assertPage(try admin.get("/settings"))
        let saved = try admin.post("/settings", [("language", "ja"), ("formats", "pdf"), ("formats", "xml"), ("distribution", "download"),
                                                 ("webhookUrl", "https://example.com/hook"), ("webhookSecret", "s3cret"),
                                                 ("webhookUrl", ""), ("webhookSecret", ""), ("emails", "ops@example.com\nbilling@example.com")])
        XCTAssertEqual(saved.status, 303, "\(saved)")
        let settings = try world.client("ba.admin").get("/api/v1/settings").json
        XCTAssertEqual(settings["formats"] as? [String], ["pdf", "xml"])
        XCTAssertEqual(settings["emails"] as? [String], ["ops@example.com", "billing@example.com"])
        XCTAssertEqual((settings["webhooks"] as? [[String: Any]])?.count, 1)
        _ = try admin.get("/settings")
        let refused = try admin.post("/settings", [("language", "ja"), ("formats", "doc"), ("distribution", "download")])
        assertPage(refused, status: 422)
        assertPage(try Self.browser(world, "ba.input").get("/settings"), status: 403)
        assertPage(try root.get("/settings?company=airline-125"))
        assertPage(try admin.get("/settings?company=airline-157"), status: 404)
        XCTAssertEqual(try admin.get("/users").status, 200)

        // Statistics: live (the event stream named on the page), scoped per company.
        let statistics = try Self.browser(world, "a.viewer").get("/statistics")
        assertPage(statistics)
        XCTAssertTrue(statistics.text.contains("data-events=\"/api/v1/events\""))
        XCTAssertTrue(statistics.text.contains("id=\"statistics-live\""))
        let agentFigures = try world.client("a.viewer").get("/api/v1/statistics?country=GB&period=20261101")
        XCTAssertEqual(agentFigures.status, 200, "\(agentFigures)")
        let item = try XCTUnwrap(agentFigures.items.first)
        XCTAssertEqual((item["invoices"] as? NSNumber)?.intValue, 2)
        XCTAssertEqual((item["outstandingMinor"] as? NSNumber)?.int64Value, 10_000_000)
        let airlineFigures = try world.client("ba.viewer").get("/api/v1/statistics").items
        XCTAssertEqual(airlineFigures.count, 1)
        XCTAssertNil(airlineFigures.first?["outstandingMinor"], "an airline does not see its agents' accounts")
        let billed = (airlineFigures.first?["netBilledByAirline"] as? [[String: Any]]) ?? []
        XCTAssertEqual(billed.map { $0["airline"] as? String }, ["125"])
        XCTAssertEqual((billed.first?["netMinor"] as? NSNumber)?.int64Value, 7_800_000)
        XCTAssertEqual(try world.client("cass.viewer").get("/api/v1/statistics").items.first?["invoices"] as? Int, 3)
        // The operator narrows to one airline: that airline's figures, as the airline sees them.
        let narrowed = try world.client("cass.viewer").get("/api/v1/statistics?company=airline-125").items
        XCTAssertEqual(((narrowed.first?["netBilledByAirline"] as? [[String: Any]]) ?? []).map { $0["airline"] as? String }, ["125"])
        XCTAssertNil(narrowed.first?["paidMinor"])
        XCTAssertEqual(try world.client("a.viewer").get("/api/v1/statistics?country=FR").items.count, 0)
        XCTAssertEqual(try world.client("a.viewer").get("/api/v1/statistics?company=agent-GB-\(AccountsWorld.agentB)").status, 404)
    }

    /// The operator narrowing the statistics to an agent with no invoice in
    /// a period where another agent's invoice has a dispute (found by
    /// schemathesis: the dispute's period had no row yet, and making it
    /// read the rows while writing them, an access conflict that ended the
    /// process). Other agents' disputes are not counted either.
    func testStatisticsOfOneAgentLeaveOtherAgentsDisputesOut() throws {
        let world = try Self.world()
        let raised = try world.client("a.output").post("/api/v1/disputes", json: [
            "invoice": "GB2026000001", "awb": AccountsWorld.awbA125, "amountMinor": 1_000, "reason": "weight"])
        XCTAssertEqual(raised.status, 201, "\(raised)")
        let none = try world.client("cass.viewer").get("/api/v1/statistics?company=agent-GB-\(AccountsWorld.agentC)")
        XCTAssertEqual(none.status, 200, "\(none)")
        XCTAssertEqual(none.items.count, 0, "\(none)")
        let other = try world.client("cass.viewer").get("/api/v1/statistics?company=agent-GB-\(AccountsWorld.agentB)")
        XCTAssertEqual(other.status, 200, "\(other)")
        XCTAssertEqual(other.items.first?["disputes"] as? [String: Int], [:], "\(other)")
        let own = try world.client("cass.viewer").get("/api/v1/statistics?company=agent-GB-\(AccountsWorld.agentA)")
        XCTAssertEqual(own.items.first?["disputes"] as? [String: Int], ["open": 1], "\(own)")
    }

    func testEveryPageNeedsASessionAndEveryFormACSRFToken() throws {
        let world = try Self.world()
        let anonymous = BrowserClient(port: world.harness.port)
        for path in ["/invoices", "/disputes", "/payments", "/risk", "/statistics", "/settings"] {
            let answer = try anonymous.get(path)
            XCTAssertEqual(answer.status, 303, path)
            XCTAssertEqual(answer.header("Location"), "/login?next=" + path.replacingOccurrences(of: "/", with: "%2F"), path)
        }
        let agent = try Self.browser(world, "a.output")
        _ = try agent.get("/payments")
        let forged = try agent.post("/payments", [("invoice", "GB2026000001"), ("amount", "1"), ("method", "card"), ("csrf", "forged")])
        XCTAssertEqual(forged.status, 403)
        XCTAssertEqual(try world.client("a.output").get("/api/v1/invoices/GB2026000001").int("paidMinor"), 0)
    }
}

/// How long a page takes through the whole service (routes, views,
/// authorization, rendering, HTTP on 127.0.0.1) for an agent with 1,000
/// invoices: printed for the README, checked only loosely (shared cores).
final class PortalPageSpeedTests: XCTestCase {
    func testPagesOfAnAgentWithAThousandInvoices() throws {
        let world = try AccountsWorld(today: "2026-11-12")
        let invoices = (1...1_000).map { index in
            AccountsWorld.invoice(String(format: "GB2026%06d", index), agent: AccountsWorld.agentA, total: Int64(index) * 10_000,
                                  awbs: [AccountsWorld.awb(125, Int32(1_000_000 + index), Int64(index) * 10_000)])
        }
        for chunk in stride(from: 0, to: invoices.count, by: 100) {
            try PortalPagesRoutesTests.publishAll(world, Array(invoices[chunk..<min(chunk + 100, invoices.count)]))
        }
        let agent = try PortalPagesRoutesTests.browser(world, "a.output")
        for path in ["/invoices", "/invoices?limit=1000", "/payments", "/statistics", "/invoices/GB2026000500"] {
            var times: [Double] = []
            for _ in 0..<30 {
                let start = DispatchTime.now().uptimeNanoseconds
                let answer = try agent.get(path)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                XCTAssertEqual(answer.status, 200, path)
            }
            times.sort()
            let p50 = times[times.count / 2], p99 = times[times.count - 1]
            print(String(format: "portal speed: %@ p50 %.1f ms, max of 30 %.1f ms", path, p50, p99))
            XCTAssertLessThan(p50, 1_000, path)
        }
    }
}

/// `/files`, `/files/{id}` and `/periods` in the browser: uploads through
/// the form go through the API's submission (the same refusals), the list
/// shows each file and its status, another airline's file is the 404 page.
final class PortalFilesRoutesTests: XCTestCase {
    static let sample = "125_GB_20261101_000001.cbf"

    func testUploadListWithdrawButtonAndOtherAirlines() throws {
        let world = try AccountsWorld(today: "2026-11-05")
        let bytes = try [UInt8](Data(contentsOf: PortalBrowserTests.repository.appendingPathComponent("samples/input/\(Self.sample)")))
        let airline = try PortalPagesRoutesTests.browser(world, "ba.input")
        let page = try airline.get("/files")
        XCTAssertEqual(page.status, 200, "\(page)")
        XCTAssertTrue(page.text.contains("type=\"file\"") && page.text.contains("name=\"file\""), "the upload form")
        XCTAssertTrue(page.text.contains("enctype=\"multipart/form-data\""))

        // Refused as the API refuses: another airline's file (403, nothing kept), a viewer (403), a bad name (422).
        let other = try PortalPagesRoutesTests.browser(world, "qr.input")
        _ = try other.get("/files")
        XCTAssertEqual(try other.upload("/files", filename: Self.sample, content: bytes).status, 403)
        let viewer = try PortalPagesRoutesTests.browser(world, "ba.viewer")
        _ = try viewer.get("/files")
        XCTAssertFalse(viewer.lastPage.contains("type=\"file\""), "no upload form for a viewer")
        XCTAssertEqual(try viewer.upload("/files", filename: Self.sample, content: bytes).status, 403)
        _ = try airline.get("/files")
        let badName = try airline.upload("/files", filename: "../../etc/passwd", content: bytes)
        XCTAssertEqual(badName.status, 422, "\(badName)")
        XCTAssertTrue(badName.text.contains("aria-invalid"))
        XCTAssertEqual(try world.client("root").get("/api/v1/files").items.count, 0, "nothing of the refused uploads was kept")

        _ = try airline.get("/files")
        let uploaded = try airline.upload("/files", filename: Self.sample, content: bytes)
        XCTAssertEqual(uploaded.status, 303, "\(uploaded)")
        XCTAssertEqual(uploaded.header("Location"), "/files")
        let api = try world.client("ba.input")
        let id = try XCTUnwrap(api.get("/api/v1/files").items.first?["id"] as? String)
        _ = try waitFor(api, "/api/v1/files/\(id)") { $0["status"] as? String == "accepted" }
        let list = try airline.get("/files")
        XCTAssertTrue(list.text.contains(Self.sample))
        XCTAssertTrue(list.text.contains("action=\"/files/\(id)/withdraw\""), "a withdraw button for the accepted file of an open period: \(list.text.components(separatedBy: "<tbody>").last?.prefix(1500) ?? "")")
        let one = try airline.get("/files/\(id)")
        XCTAssertEqual(one.status, 200)
        XCTAssertTrue(one.text.contains(Self.sample))
        XCTAssertEqual(try other.get("/files/\(id)").status, 404)
        XCTAssertFalse(try other.get("/files").text.contains(Self.sample))
        XCTAssertEqual(try PortalPagesRoutesTests.browser(world, "a.output").get("/files/\(id)").status, 404)

        // The statistics count it, for the airline and the operator, not for another airline.
        let figures = try api.get("/api/v1/statistics?country=GB&period=20261101").items.first
        XCTAssertEqual((figures?["files"] as? [String: Any])?["accepted"] as? Int, 1)
        XCTAssertEqual((figures?["records"] as? [String: Any])?["accepted"] as? Int, 3)
        XCTAssertEqual(try world.client("qr.input").get("/api/v1/statistics?country=GB&period=20261101").items.count, 0)
        let dashboard = try PortalPagesRoutesTests.browser(world, "root").get("/statistics")
        XCTAssertEqual(dashboard.status, 200)
        let periods = try PortalPagesRoutesTests.browser(world, "root").get("/periods")
        XCTAssertTrue(periods.text.contains("action=\"/periods/GB/20261101/close\""), "a Close button for the open period with a file")

        // Check a file (the upload form's second button): the dry run's answer as a page, nothing kept.
        _ = try airline.get("/files")
        let checked = try airline.upload("/files/validate", filename: "125_GB_20261102_000002.cbf",
                                         content: try [UInt8](Data(contentsOf: PortalBrowserTests.repository.appendingPathComponent("samples/input/125_GB_20261102_000002.cbf"))))
        XCTAssertEqual(checked.status, 200, "\(checked)")
        XCTAssertTrue(checked.text.contains("125_GB_20261102_000002.cbf"))
        XCTAssertEqual(try api.get("/api/v1/files").items.count, 1, "a check keeps nothing")
        _ = try other.get("/files")
        XCTAssertEqual(try other.upload("/files/validate", filename: Self.sample, content: bytes).status, 403, "another airline's file")

        // Withdraw: another airline's file is 404, the owner's goes, a second time is 409 with the reason.
        XCTAssertEqual(try other.post("/files/\(id)/withdraw", []).status, 404)
        _ = try viewer.get("/files")
        XCTAssertEqual(try viewer.post("/files/\(id)/withdraw", []).status, 403)
        _ = try airline.get("/files")
        let withdrawn = try airline.post("/files/\(id)/withdraw", [])
        XCTAssertEqual(withdrawn.status, 303, "\(withdrawn)")
        XCTAssertEqual(try api.get("/api/v1/files/\(id)").json["status"] as? String, "withdrawn")
        _ = try airline.get("/files")
        XCTAssertFalse(airline.lastPage.contains("action=\"/files/\(id)/withdraw\""), "no withdraw button for a withdrawn file")
        let again = try airline.post("/files/\(id)/withdraw", [])
        XCTAssertEqual(again.status, 409)
        XCTAssertTrue(again.text.contains("already withdrawn"))

        // The operator's periods page closes a period through the API's rule.
        let root = try PortalPagesRoutesTests.browser(world, "root")
        XCTAssertEqual(try root.get("/periods").status, 200)
        XCTAssertEqual(try root.post("/periods/GB/20261101/close", []).status, 303)
        XCTAssertEqual(try root.post("/periods/GB/20261105/close", []).status, 422)
        _ = try airline.get("/files")
        XCTAssertEqual(try airline.post("/periods/GB/20261102/close", []).status, 403)
        let airlinePeriods = try airline.get("/periods")
        XCTAssertEqual(airlinePeriods.status, 200, "an airline reads the periods, as in the API")
        XCTAssertFalse(airlinePeriods.text.contains("/close\""), "but closes none")
    }
}

/// The whole path in the browser's forms: an airline uploads its files on
/// /files, the operator closes the period on /periods, the pipeline in the
/// service issues the invoices, and the agent finds each of its invoices
/// on /invoices with its documents.
final class PortalEndToEndTests: XCTestCase {
    func testUploadCloseAndTheAgentsInvoices() throws {
        let harness = try ServiceHarness(today: CivilDate(iso: "2026-11-08"))
        defer { harness.stop() }
        let root = try harness.login("root", ServiceHarness.adminPassword)
        XCTAssertEqual(try root.post("/api/v1/users", json: [
            "username": "ba.input", "company": "airline-125", "role": "input", "name": "BA", "email": "ba@example.com",
            "language": "ja", "password": AccountsWorld.password,
        ]).status, 201)
        let airline = BrowserClient(port: harness.port)
        XCTAssertEqual(try airline.signIn("ba.input", AccountsWorld.password).status, 303)
        let names = ["125_GB_20261101_000001.cbf"]
        for name in names {
            _ = try airline.get("/files")
            let bytes = try [UInt8](Data(contentsOf: PortalBrowserTests.repository.appendingPathComponent("samples/input/\(name)")))
            XCTAssertEqual(try airline.upload("/files", filename: name, content: bytes).status, 303)
        }
        let api = try harness.login("ba.input", AccountsWorld.password)
        let deadline = Date().addingTimeInterval(60)
        while try api.get("/api/v1/files").items.contains(where: { $0["status"] as? String == "received" }) {
            guard Date() < deadline else { return XCTFail("the files were never processed") }
            usleep(20_000)
        }
        let filesPage = try airline.get("/files")
        XCTAssertTrue(filesPage.text.contains("<html lang=\"ja\" dir=\"ltr\""))
        for name in names { XCTAssertTrue(filesPage.text.contains(name)) }

        let cass = BrowserClient(port: harness.port)
        XCTAssertEqual(try cass.signIn("root", ServiceHarness.adminPassword).status, 303)
        _ = try cass.get("/periods")
        XCTAssertEqual(try cass.post("/periods/GB/20261101/close", []).status, 303)
        while try root.get("/api/v1/invoices").items.isEmpty {
            guard Date() < deadline else { return XCTFail("no invoice was issued") }
            usleep(20_000)
        }
        let invoice = try XCTUnwrap(root.get("/api/v1/invoices").items.first)
        let number = try XCTUnwrap(invoice["number"] as? String)
        let agentCode = try XCTUnwrap(invoice["agent"] as? String)
        XCTAssertEqual(try root.post("/api/v1/users", json: [
            "username": "agent.en", "company": "agent-GB-\(agentCode)", "role": "output", "name": "Agent", "email": "agent@example.com",
            "language": "en", "password": AccountsWorld.password,
        ]).status, 201)
        let agent = BrowserClient(port: harness.port)
        XCTAssertEqual(try agent.signIn("agent.en", AccountsWorld.password).status, 303)
        let page = try agent.get("/invoices")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains(">\(number)</a>"), "the invoice number as text")
        for format in ["pdf", "xlsx", "hot", "xml"] {
            XCTAssertTrue(page.text.contains("href=\"/api/v1/invoices/\(number)/documents/\(format)\""))
        }
        let pdf = try agent.get("/api/v1/invoices/\(number)/documents/pdf")
        XCTAssertEqual(pdf.status, 200)
        XCTAssertEqual(Array(pdf.body.prefix(5)), Array("%PDF-".utf8))
        XCTAssertEqual(try agent.get("/invoices/\(number)").status, 200)
        XCTAssertEqual(try cass.get("/statistics").status, 200)
        let figures = try root.get("/api/v1/statistics?country=GB&period=20261101").items.first
        XCTAssertEqual((figures?["files"] as? [String: Any])?["accepted"] as? Int, 1)
        XCTAssertGreaterThan(figures?["invoices"] as? Int ?? 0, 0)
    }
}
