import CASSAccounts
import CASSDomain
import CASSLog
@testable import CASSService
import Foundation
import XCTest

/// Payments, the wallet, direct debit, statuses as today moves, and risk,
/// over real HTTP with restarts (portal.md "Payments", "Risk assessment").
final class PaymentRoutesTests: XCTestCase {
    typealias W = AccountsWorld

    /// The service writes `invoice.issued` binary; a data folder from
    /// before holds it as JSON. Both, on one topic, are invoices the
    /// accounts know after a restart: paid, disputed, listed.
    func testInvoiceFactsAsJSONFromAnOlderDataFolderAndBinaryAreBothRead() throws {
        let world = try W(today: "2026-11-10")
        let producer = try world.log.makeProducer()
        try producer.send([OutgoingRecord(topic: ServiceTopics.accounts, partition: 0, key: Array(W.companyA.utf8),
                                          value: Array(try JSONEncoder().encode(AccountsRecord.invoiceIssued(W.invoiceA))))])
        producer.close()
        try world.issue(W.invoiceB)
        let written = try world.log.readToEnd(TopicPartition(topic: ServiceTopics.accounts, partition: 0)).filter {
            try AccountsRecordCoding.decode($0.value).type == "invoice.issued"
        }
        XCTAssertEqual(written.map { $0.value.first }, [UInt8(ascii: "{"), AccountsRecordCoding.binaryMark])
        try world.restart(today: "2026-11-10")
        let paid = try world.client("a.output").post("/api/v1/invoices/GB2026000001/payments", json: [
            "amountMinor": 10_000_000, "method": "bank-transfer", "date": "2026-11-10", "reference": "BACS 1"])
        XCTAssertEqual(paid.string("status"), "paid", paid.description)
        let raised = try world.client("b.output").post("/api/v1/disputes", json: ["invoice": "GB2026000002", "awb": W.invoiceB.awbs[0].awbText, "reason": "x"])
        XCTAssertEqual(raised.status, 201, raised.description)
        XCTAssertEqual(raised.int("amountMinor"), 800_000)
    }

    func testPaymentsPartlyFullyTooMuchByCardAndRefused() throws {
        let world = try W(today: "2026-11-10")
        try world.issue(W.invoiceA, W.invoiceB, W.invoiceC, W.creditA)
        let agent = try world.client("a.output")

        let part = try agent.post("/api/v1/invoices/GB2026000001/payments", json: [
            "amountMinor": 4_000_000, "method": "bank-transfer", "date": "2026-11-10", "reference": "BACS 7781"])
        XCTAssertEqual(part.status, 201, part.description)
        XCTAssertEqual(part.string("status"), "partly-paid")
        XCTAssertEqual(part.int("paidMinor"), 4_000_000)
        XCTAssertEqual(part.int("outstandingMinor"), 6_000_000)
        XCTAssertEqual(part.string("method"), "bank-transfer")
        XCTAssertEqual(part.string("date"), "2026-11-10")
        XCTAssertEqual(part.string("reference"), "BACS 7781")
        XCTAssertNotNil(part.string("id"))
        let full = try agent.post("/api/v1/invoices/GB2026000001/payments", json: [
            "amountMinor": 6_000_000, "method": "bank-transfer", "date": "2026-11-10", "reference": "BACS 7790"])
        XCTAssertEqual(full.string("status"), "paid", full.description)
        XCTAssertEqual(full.int("outstandingMinor"), 0)

        // Too much, by card: the rest is C's credit.
        let card = try world.client("c.output").post("/api/v1/invoices/GB2026000003/payments", json: [
            "amountMinor": 650_000, "method": "card", "date": "2026-11-10", "reference": "card 4421"])
        XCTAssertEqual(card.status, 201, card.description)
        XCTAssertEqual(card.string("status"), "paid")
        let wallet = try world.client("c.output").get("/api/v1/wallet")
        XCTAssertEqual(wallet.items.count, 1)
        XCTAssertEqual((wallet.items.first?["creditMinor"] as? NSNumber)?.int64Value, 250_000)
        XCTAssertEqual((wallet.items.first?["balanceMinor"] as? NSNumber)?.int64Value, 0)
        // ... and pays C's next invoice at once, as a credit payment dated its invoice date.
        let next = W.invoice("GB2026000005", agent: W.agentC, total: 180_000, awbs: [W.awb(176, 7_777_777, 180_000)], period: 20261102,
                             invoiceDate: W.date("2026-11-16"))
        try world.issue(next)
        let standing = try XCTUnwrap(try world.desk.standing(ofInvoice: "GB2026000005", asOf: W.date("2026-11-16")))
        XCTAssertEqual(standing.status, .paid)
        XCTAssertEqual(standing.payments.map(\.method), [.credit])
        XCTAssertEqual(standing.payments.map(\.date), [W.date("2026-11-16")])
        XCTAssertEqual(try world.client("c.output").get("/api/v1/wallet").items.first?["creditMinor"] as? Int, 70_000)

        // Refusals.
        func pay(_ body: [String: Any], as name: String = "a.output", invoice: String = "GB2026000001") throws -> APIClient.Answer {
            try world.client(name).post("/api/v1/invoices/\(invoice)/payments", json: body)
        }
        let base: [String: Any] = ["amountMinor": 1_000, "method": "bank-transfer", "date": "2026-11-10", "reference": "r"]
        func with(_ key: String, _ value: Any) -> [String: Any] { var body = base; body[key] = value; return body }
        XCTAssertEqual(try pay(with("date", "2026-11-11")).status, 422, "dated after today")
        XCTAssertEqual(try pay(with("date", "10/11/2026")).status, 422)
        XCTAssertEqual(try pay(with("amountMinor", 0)).status, 422)
        XCTAssertEqual(try pay(with("amountMinor", -100)).status, 422)
        XCTAssertEqual(try pay(with("amountMinor", "100")).status, 422)
        XCTAssertEqual(try pay(with("method", "credit")).status, 422)
        XCTAssertEqual(try pay(with("method", "cash")).fieldErrors, ["method"])
        XCTAssertEqual(try pay(with("surprise", true)).status, 422)
        XCTAssertEqual(try pay(["method": "card"]).fieldErrors, ["amountMinor"])
        XCTAssertEqual(try pay(base, as: "b.output").status, 404, "another agent's invoice is as missing")
        XCTAssertEqual(try pay(base, as: "ba.input").status, 404)
        XCTAssertEqual(try pay(base, as: "a.viewer").status, 403)
        XCTAssertEqual(try pay(base, as: "cass.viewer").status, 403)
        XCTAssertEqual(try pay(base, invoice: "GB2099000001").status, 404)
        XCTAssertEqual(try pay(base, invoice: "GB2026000004").status, 409, "a credit invoice is never paid")
        XCTAssertEqual(try pay(with("method", "wallet"), as: "b.output", invoice: "GB2026000002").status, 409, "an empty wallet")
        let receipt = try pay(base, as: "root", invoice: "GB2026000002")
        XCTAssertEqual(receipt.status, 201, "the operator records bank receipts: \(receipt)")
        XCTAssertEqual(try world.count("payment.record"), 4)

        // A retried payment with its Idempotency-Key is one payment.
        let key = [("Idempotency-Key", "pay-2026-11-10-001")]
        let once = try world.client("b.output").post("/api/v1/invoices/GB2026000002/payments", json: base, headers: key)
        let twice = try world.client("b.output").post("/api/v1/invoices/GB2026000002/payments", json: base, headers: key)
        XCTAssertEqual(once.status, 201)
        XCTAssertEqual(twice.status, 201)
        XCTAssertEqual(once.string("id"), twice.string("id"))
        XCTAssertEqual(twice.int("paidMinor"), 2_000, "paid once, not twice")
        let changed = try world.client("b.output").post("/api/v1/invoices/GB2026000002/payments", json: with("amountMinor", 2_000), headers: key)
        XCTAssertEqual(changed.status, 409, "the same key for another payment: \(changed)")
        XCTAssertTrue(try world.client("root").get("/api/v1/audit").items.contains { $0["action"] as? String == "payment.recorded" })
    }

    /// Direct debit for one agent (B), a wallet for another (C), nothing for
    /// A; today moved to the remittance date, then 3 and 11 days past it,
    /// with a restart each time; nothing happens twice.
    func testWalletAndDirectDebitOnTheRemittanceDateThenOverdueAndDefault() throws {
        let world = try W(today: "2026-11-10")
        try world.issue(W.invoiceA, W.invoiceB, W.invoiceC)

        let settings = try world.client("b.admin").get("/api/v1/settings")
        XCTAssertEqual(settings.json["directDebit"] as? Bool, false)
        var changed = settings.json
        changed["directDebit"] = true
        XCTAssertEqual(try world.client("b.admin").put("/api/v1/settings", json: changed).json["directDebit"] as? Bool, true)
        XCTAssertEqual(try world.client("b.output").get("/api/v1/wallet").items.first?["directDebit"] as? Bool, true)

        let topUp = try world.client("c.output").post("/api/v1/wallet/topups", json: ["country": "GB", "amountMinor": 500_000, "reference": "EasyPay 19"])
        XCTAssertEqual(topUp.status, 201, topUp.description)
        XCTAssertEqual(topUp.int("balanceMinor"), 500_000)
        XCTAssertEqual(try world.client("c.output").post("/api/v1/wallet/topups", json: ["country": "JP", "amountMinor": 1, "reference": ""]).status, 422)
        XCTAssertEqual(try world.client("c.output").post("/api/v1/wallet/topups", json: ["country": "GB", "amountMinor": 0, "reference": ""]).status, 422)
        XCTAssertEqual(try world.client("b.output").post("/api/v1/wallet/topups",
                                                          json: ["country": "GB", "amountMinor": 1, "reference": "", "company": W.companyC]).status, 404)

        // The remittance date: B by direct debit, C from its wallet, A open.
        try world.restart(today: "2026-11-19")
        var b = try XCTUnwrap(try world.desk.standing(ofInvoice: "GB2026000002", asOf: W.date("2026-11-19")))
        XCTAssertEqual(b.status, .paid)
        XCTAssertEqual(b.payments.map { "\($0.method.rawValue) \($0.amountMinor) \($0.date)" }, ["direct-debit 800000 2026-11-19"])
        let c = try XCTUnwrap(try world.desk.standing(ofInvoice: "GB2026000003", asOf: W.date("2026-11-19")))
        XCTAssertEqual(c.payments.map { "\($0.method.rawValue) \($0.amountMinor) \($0.date)" }, ["wallet 400000 2026-11-19"])
        XCTAssertEqual(try world.client("c.output").get("/api/v1/wallet").items.first?["balanceMinor"] as? Int, 100_000)
        XCTAssertEqual(try world.desk.standing(ofInvoice: "GB2026000001", asOf: W.date("2026-11-19"))?.status, .open)
        let collected = try world.accountsRecords().count
        try world.restart(today: "2026-11-19")
        XCTAssertEqual(try world.accountsRecords().count, collected, "a restart on the same day does nothing twice")
        b = try XCTUnwrap(try world.desk.standing(ofInvoice: "GB2026000002", asOf: W.date("2026-11-19")))
        XCTAssertEqual(b.payments.count, 1)

        // +3 days: A is overdue; its risk: 100,000.00 of 120,000.00 = 83.3 % (C).
        try world.restart(today: "2026-11-22")
        XCTAssertEqual(try world.desk.standing(ofInvoice: "GB2026000001", asOf: W.date("2026-11-22"))?.status, .overdue)
        var risk = try world.client("a.output").get("/api/v1/risk")
        XCTAssertEqual(risk.items.count, 1)
        XCTAssertEqual((risk.items.first?["exposureMinor"] as? NSNumber)?.int64Value, 10_000_000)
        XCTAssertEqual((risk.items.first?["guaranteeMinor"] as? NSNumber)?.int64Value, 12_000_000)
        XCTAssertEqual(risk.items.first?["ratioPercent"] as? Double, 83.3)
        XCTAssertEqual(risk.items.first?["delayDays"] as? Int, 3)
        XCTAssertEqual(risk.items.first?["grade"] as? String, "C")
        XCTAssertTrue(risk.text.contains("\"ratioPercent\":83.3"), risk.text)
        let overdueChecks = try world.accountsRecords().filter { if case .scheduled(let a) = $0 { return a.kind == .overdue } else { return false } }
        XCTAssertEqual(Set(overdueChecks.map { if case .scheduled(let a) = $0 { return a.subject } else { return "" } }),
                       ["GB2026000001", "GB2026000002", "GB2026000003"], "one overdue check per invoice with a positive total")

        // +11 days: default (D).
        try world.restart(today: "2026-11-30")
        XCTAssertEqual(try world.desk.standing(ofInvoice: "GB2026000001", asOf: W.date("2026-11-30"))?.status, .default)
        risk = try world.client("root").get("/api/v1/risk?country=GB&grade=D")
        XCTAssertEqual(risk.items.compactMap { $0["agent"] as? String }, [W.agentA])
        XCTAssertEqual(risk.items.first?["delayDays"] as? Int, 11)
        // A's grades as recorded: A before its invoice, C (83.3 %) once it
        // was issued, D at default; risk.flagged once for C and once for D.
        let records = try world.accountsRecords()
        let gradesA = records.compactMap { record -> String? in
            guard case .riskAssessed(let assessment) = record, assessment.row.account.description == W.companyA else { return nil }
            return assessment.row.grade.rawValue
        }
        XCTAssertEqual(gradesA, ["A", "C", "D"])
        var replayed = AccountsState()
        var flags: [String] = []
        for record in records {
            guard let applied = try? replayed.apply(record) else { continue }
            flags += applied.events.filter { $0.type == .riskFlagged && $0.subject == W.companyA }.map(\.id)
        }
        XCTAssertEqual(flags, ["risk.flagged:\(W.companyA):2", "risk.flagged:\(W.companyA):3"])
        let before = try world.accountsRecords().count
        try world.restart(today: "2026-11-30")
        XCTAssertEqual(try world.accountsRecords().count, before)
    }

    func testRiskFiguresScopeAndFilters() throws {
        let key = AccountKey(country: "GB", agent: 91_200_170_003)
        let world = try W(today: "2026-11-10") { options in
            // B has 450,000 of accepted lines in the open period.
            options.openNetDue = { [key: 450_000] }
        }
        try world.issue(W.invoiceA, W.invoiceB)
        let root = try world.client("root")
        let all = try root.get("/api/v1/risk?limit=1000")
        XCTAssertEqual(all.status, 200)
        XCTAssertEqual(all.items.count, 22, "every agent company of the reference data")
        let rowB = try XCTUnwrap(all.items.first { $0["agent"] as? String == W.agentB })
        // B: 800,000 outstanding + 450,000 open = 1,250,000 of 5,000,000 = 25.0 %.
        XCTAssertEqual((rowB["exposureMinor"] as? NSNumber)?.int64Value, 1_250_000)
        XCTAssertEqual(rowB["ratioPercent"] as? Double, 25.0)
        XCTAssertEqual(rowB["grade"] as? String, "A")
        XCTAssertEqual(rowB["country"] as? String, "GB")
        XCTAssertEqual(try root.get("/api/v1/risk?country=JP").items.count, 7)
        XCTAssertEqual(try root.get("/api/v1/risk?country=XX").status, 404)
        XCTAssertEqual(try root.get("/api/v1/risk?country=gb").status, 422)
        XCTAssertEqual(try root.get("/api/v1/risk?grade=E").status, 422)
        XCTAssertEqual(try root.get("/api/v1/risk?grade=C").items.compactMap { $0["agent"] as? String }, [W.agentA])
        XCTAssertEqual(try world.client("cass.viewer").get("/api/v1/risk?limit=1000").items.count, 22)
        XCTAssertEqual(try world.client("ba.admin").get("/api/v1/risk").status, 403)
        XCTAssertEqual(try world.client("b.output").get("/api/v1/risk").items.compactMap { $0["agent"] as? String }, [W.agentB])
        XCTAssertEqual(try world.client("ga.output").get("/api/v1/risk").items.compactMap { $0["agent"] as? String }, [W.agentA])
        let firstPage = try root.get("/api/v1/risk?limit=10")
        XCTAssertEqual(firstPage.items.count, 10)
        let cursor = try XCTUnwrap(firstPage.json["next"] as? String)
        let secondPage = try root.get("/api/v1/risk?limit=1000&after=\(cursor)")
        XCTAssertEqual(secondPage.items.count, 12)
        XCTAssertTrue(secondPage.json.keys.contains("next"))
        XCTAssertTrue(secondPage.json["next"] is NSNull)
    }
}
