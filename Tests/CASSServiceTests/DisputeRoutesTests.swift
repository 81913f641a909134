import CASSAccounts
import CASSDomain
@testable import CASSService
import Foundation
import XCTest

/// Disputes over real HTTP (portal.md "Disputes"): accepted at a lower
/// amount, rejected, withdrawn, refused for each reason, escalated.
final class DisputeRoutesTests: XCTestCase {
    typealias W = AccountsWorld

    func testDisputeAcceptedAtALowerAmountRejectedWithdrawnAndRefused() throws {
        let world = try W(today: "2026-11-10")
        try world.issue(W.invoiceA, W.invoiceB)
        let agent = try world.client("a.output")

        // Raised for a part of the AWB's amount.
        let raised = try agent.post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA125, "amountMinor": 2_500_000,
                                                              "reason": "812 kg billed, 612 kg flown"])
        XCTAssertEqual(raised.status, 201, raised.description)
        let id = try XCTUnwrap(raised.string("id"))
        XCTAssertEqual(raised.string("status"), "open")
        XCTAssertEqual(raised.int("amountMinor"), 2_500_000)
        XCTAssertEqual(raised.int("acceptedMinor"), 0)
        XCTAssertEqual(raised.string("agent"), W.agentA)
        XCTAssertEqual(raised.string("airline"), "125")
        XCTAssertEqual(raised.string("invoice"), "GB2026000001")
        XCTAssertEqual(raised.string("awb"), W.awbA125)
        let history = try XCTUnwrap(raised.json["history"] as? [[String: Any]])
        XCTAssertEqual(history.count, 1)
        XCTAssertEqual(history.first?["action"] as? String, "raised")
        XCTAssertEqual(history.first?["by"] as? String, "a.output")
        XCTAssertEqual(history.first?["at"] as? String, "2026-11-10")
        XCTAssertEqual((history.first?["amountMinor"] as? NSNumber)?.int64Value, 2_500_000)

        // Refusals, each for the reason the spec gives.
        let duplicate = try agent.post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA125, "reason": "again"])
        XCTAssertEqual(duplicate.status, 409, "one open dispute per invoice and AWB: \(duplicate)")
        let tooMuch = try agent.post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA157, "amountMinor": 3_000_001, "reason": "x"])
        XCTAssertEqual(tooMuch.status, 422, tooMuch.description)
        XCTAssertEqual(tooMuch.fieldErrors, ["amountMinor"])
        XCTAssertEqual(tooMuch.header("Content-Type"), "application/problem+json")
        for amount in [0, -5] {
            let notPositive = try agent.post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA157, "amountMinor": amount, "reason": "x"])
            XCTAssertEqual(notPositive.status, 422, notPositive.description)
        }
        let fraction = try agent.request("POST", "/api/v1/disputes", body: Array(#"{"invoice":"GB2026000001","awb":"\#(W.awbA157)","amountMinor":1.5,"reason":"x"}"#.utf8),
                                          contentType: "application/json")
        XCTAssertEqual(fraction.status, 422, "an amount is an integer of minor units: \(fraction)")
        let notOnInvoice = try agent.post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": "176-55555555", "reason": "x"])
        XCTAssertEqual(notOnInvoice.status, 422, notOnInvoice.description)
        let badAWB = try agent.post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": "125-123", "reason": "x"])
        XCTAssertEqual(badAWB.status, 422)
        XCTAssertEqual(badAWB.fieldErrors, ["awb"])
        let noReason = try agent.post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA157, "reason": "   "])
        XCTAssertEqual(noReason.status, 422, noReason.description)
        let unknownField = try agent.post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA157, "reason": "x", "extra": 1])
        XCTAssertEqual(unknownField.status, 422)
        XCTAssertEqual(try agent.post("/api/v1/disputes", json: ["invoice": "GB2099999999", "awb": W.awbA157, "reason": "x"]).status, 404)
        // Wrong party: another agent's invoice is as missing; an airline sees no invoice; roles without the right are 403.
        XCTAssertEqual(try world.client("b.output").post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA157, "reason": "x"]).status, 404)
        XCTAssertEqual(try world.client("ba.input").post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA157, "reason": "x"]).status, 404)
        XCTAssertEqual(try world.client("a.viewer").post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA157, "reason": "x"]).status, 403)
        XCTAssertEqual(try world.client("root").post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA157, "reason": "x"]).status, 403)

        // The whole AWB by default.
        let whole = try agent.post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA157, "reason": "never flown"])
        XCTAssertEqual(whole.status, 201, whole.description)
        XCTAssertEqual(whole.int("amountMinor"), 3_000_000)
        let rejectedID = try XCTUnwrap(whole.string("id"))

        // Who sees what: both parties, nobody else.
        XCTAssertEqual(try world.client("ba.input").get("/api/v1/disputes").items.compactMap { $0["id"] as? String }, [id])
        XCTAssertEqual(try world.client("qr.input").get("/api/v1/disputes").items.compactMap { $0["id"] as? String }, [rejectedID])
        XCTAssertEqual(try world.client("b.output").get("/api/v1/disputes").items.count, 0)
        XCTAssertEqual(try world.client("ga.output").get("/api/v1/disputes").items.count, 2, "the agent's group sees its member's disputes")
        XCTAssertEqual(try world.client("qr.input").get("/api/v1/disputes/\(id)").status, 404)
        XCTAssertEqual(try world.client("b.output").get("/api/v1/disputes/\(id)").status, 404)
        XCTAssertEqual(try world.client("ba.viewer").get("/api/v1/disputes/\(id)").status, 200)

        // Answers: only the AWB's airline (input or admin) while open.
        XCTAssertEqual(try world.client("qr.input").post("/api/v1/disputes/\(id)/accept", json: [:]).status, 404)
        XCTAssertEqual(try world.client("ba.viewer").post("/api/v1/disputes/\(id)/accept", json: [:]).status, 403)
        XCTAssertEqual(try agent.post("/api/v1/disputes/\(id)/accept", json: [:]).status, 403)
        XCTAssertEqual(try world.client("root").post("/api/v1/disputes/\(id)/accept", json: [:]).status, 403, "the operator answers only escalated disputes")
        let tooHigh = try world.client("ba.input").post("/api/v1/disputes/\(id)/accept", json: ["amountMinor": 2_500_001])
        XCTAssertEqual(tooHigh.status, 422, tooHigh.description)
        let accepted = try world.client("ba.input").post("/api/v1/disputes/\(id)/accept", json: ["amountMinor": 1_500_000])
        XCTAssertEqual(accepted.status, 200, accepted.description)
        XCTAssertEqual(accepted.string("status"), "accepted")
        XCTAssertEqual(accepted.int("acceptedMinor"), 1_500_000)
        XCTAssertEqual(accepted.string("memoPeriod"), "20261102", "the earliest open period after the invoice's")
        XCTAssertEqual((accepted.json["history"] as? [[String: Any]])?.compactMap { $0["action"] as? String }, ["raised", "accepted"])
        let retried = try world.client("ba.input").post("/api/v1/disputes/\(id)/accept", json: ["amountMinor": 1_500_000])
        XCTAssertEqual(retried.status, 200, "the same answer again is the answer already given: \(retried)")
        let other = try world.client("ba.input").post("/api/v1/disputes/\(id)/accept", json: ["amountMinor": 1_000_000])
        XCTAssertEqual(other.status, 409, other.description)
        XCTAssertEqual(try world.client("ba.input").post("/api/v1/disputes/\(id)/reject", json: ["reason": "late"]).status, 409)
        let memo = try XCTUnwrap(try world.desk.view.read { $0.memo(ofDispute: id) })
        XCTAssertEqual(memo.amountMinor, -1_500_000)
        XCTAssertEqual(memo.reasonCode, "DSP")
        XCTAssertEqual(try world.desk.view.read { $0.invoice("GB2026000001")?.invoice.totalMinor }, 10_000_000, "the disputed invoice never changes")

        // A second dispute of the AWB claims at most what is left.
        let rest = try agent.post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA125, "amountMinor": 4_500_001, "reason": "x"])
        XCTAssertEqual(rest.status, 422, rest.description)

        // Rejected with a reason (required).
        XCTAssertEqual(try world.client("qr.input").post("/api/v1/disputes/\(rejectedID)/reject", json: [:]).status, 422)
        XCTAssertEqual(try world.client("qr.input").post("/api/v1/disputes/\(rejectedID)/reject", json: ["reason": ""]).status, 422)
        let rejected = try world.client("qr.input").post("/api/v1/disputes/\(rejectedID)/reject", json: ["reason": "weighed twice, 3,000 kg"])
        XCTAssertEqual(rejected.status, 200, rejected.description)
        XCTAssertEqual(rejected.string("status"), "rejected")
        XCTAssertEqual((rejected.json["history"] as? [[String: Any]])?.last?["reason"] as? String, "weighed twice, 3,000 kg")

        // Withdrawn by the agent while open.
        let third = try agent.post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA125b, "reason": "duplicate billing"])
        let thirdID = try XCTUnwrap(third.string("id"))
        XCTAssertEqual(try world.client("ba.input").post("/api/v1/disputes/\(thirdID)/withdraw", json: [:]).status, 403)
        XCTAssertEqual(try world.client("a.viewer").post("/api/v1/disputes/\(thirdID)/withdraw", json: [:]).status, 403)
        let withdrawn = try agent.request("POST", "/api/v1/disputes/\(thirdID)/withdraw")
        XCTAssertEqual(withdrawn.status, 200, withdrawn.description)
        XCTAssertEqual(withdrawn.string("status"), "withdrawn")
        XCTAssertEqual(try agent.post("/api/v1/disputes/\(thirdID)/withdraw", json: [:]).status, 200, "a retry")
        XCTAssertEqual(try world.client("ba.input").post("/api/v1/disputes/\(thirdID)/accept", json: [:]).status, 409)

        // Lists by status, paged.
        let root = try world.client("root")
        XCTAssertEqual(try root.get("/api/v1/disputes?status=accepted").items.compactMap { $0["id"] as? String }, [id])
        XCTAssertEqual(try root.get("/api/v1/disputes?status=rejected").items.compactMap { $0["id"] as? String }, [rejectedID])
        XCTAssertEqual(try root.get("/api/v1/disputes?status=withdrawn").items.compactMap { $0["id"] as? String }, [thirdID])
        XCTAssertEqual(try root.get("/api/v1/disputes?status=nonsense").status, 422)
        XCTAssertEqual(try root.get("/api/v1/disputes?country=XX").status, 404)
        var seen: [String] = []
        var next: String? = nil
        repeat {
            let page = try root.get("/api/v1/disputes?limit=1" + (next.map { "&after=\($0)" } ?? ""))
            XCTAssertEqual(page.status, 200)
            XCTAssertLessThanOrEqual(page.items.count, 1)
            seen += page.items.compactMap { $0["id"] as? String }
            next = page.json["next"] as? String
        } while next != nil
        XCTAssertEqual(Set(seen), [id, rejectedID, thirdID])
        XCTAssertEqual(seen.count, 3)

        // Every step is in the audit trail.
        let audit = try root.get("/api/v1/audit").items.compactMap { $0["action"] as? String }
        for action in ["dispute.raised", "dispute.accepted", "dispute.rejected", "dispute.withdrawn"] {
            XCTAssertTrue(audit.contains(action), "\(action) missing from \(audit)")
        }
    }

    func testDisputeWindowAndEscalationAcrossRestarts() throws {
        let world = try W(today: "2026-11-10")
        try world.issue(W.invoiceA)
        let first = try world.client("a.output").post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA157, "reason": "never flown"])
        XCTAssertEqual(first.status, 201, first.description)
        let id = try XCTUnwrap(first.string("id"))

        // The last day of the window: invoice date + 30.
        try world.restart(today: "2026-12-09")
        let inTime = try world.client("a.output").post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA125b, "reason": "x"])
        XCTAssertEqual(inTime.status, 201, inTime.description)
        XCTAssertEqual(try world.client("a.output").get("/api/v1/disputes/\(id)").string("status"), "open")

        try world.restart(today: "2026-12-10")
        let late = try world.client("a.output").post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA125, "reason": "x"])
        XCTAssertEqual(late.status, 422, late.description)
        XCTAssertEqual(late.fieldErrors, ["invoice"])
        func escalations() throws -> Int {
            try world.accountsRecords().filter { if case .scheduled(let action) = $0 { return action.kind == .escalate } else { return false } }.count
        }
        XCTAssertEqual(try escalations(), 0, "nothing escalated yet")

        // Raised 11-10, unanswered 30 days: escalated from 12-11, by the scheduler at start.
        try world.restart(today: "2026-12-11")
        let escalated = try world.client("qr.input").get("/api/v1/disputes/\(id)")
        XCTAssertEqual(escalated.string("status"), "escalated", escalated.description)
        let steps = try XCTUnwrap(escalated.json["history"] as? [[String: Any]])
        XCTAssertEqual(steps.last?["action"] as? String, "escalated")
        XCTAssertEqual(steps.last?["by"] as? String, "system")
        XCTAssertEqual(steps.last?["at"] as? String, "2026-12-11")
        XCTAssertEqual(try escalations(), 1)
        XCTAssertEqual(try world.client("qr.input").post("/api/v1/disputes/\(id)/accept", json: [:]).status, 403, "escalated: the operator answers")
        XCTAssertEqual(try world.client("cass.viewer").post("/api/v1/disputes/\(id)/accept", json: [:]).status, 403)
        let answered = try world.client("root").post("/api/v1/disputes/\(id)/accept", json: ["amountMinor": 100_000])
        XCTAssertEqual(answered.status, 200, answered.description)
        XCTAssertEqual((answered.json["history"] as? [[String: Any]])?.compactMap { $0["action"] as? String }, ["raised", "escalated", "accepted"])
        XCTAssertEqual((answered.json["history"] as? [[String: Any]])?.last?["by"] as? String, "root")

        // A restart on the same day does nothing twice.
        let before = try world.accountsRecords().count
        try world.restart(today: "2026-12-11")
        XCTAssertEqual(try world.client("root").get("/api/v1/disputes/\(id)").string("status"), "accepted")
        XCTAssertEqual(try world.accountsRecords().count, before)
    }

    func testAnIdempotencyKeyMakesARetriedRaiseOneDispute() throws {
        let world = try W(today: "2026-11-10")
        try world.issue(W.invoiceA)
        let agent = try world.client("a.output")
        let body: [String: Any] = ["invoice": "GB2026000001", "awb": W.awbA157, "reason": "never flown"]
        let first = try agent.post("/api/v1/disputes", json: body, headers: [("Idempotency-Key", "raise-7781")])
        let again = try agent.post("/api/v1/disputes", json: body, headers: [("Idempotency-Key", "raise-7781")])
        XCTAssertEqual(first.status, 201, first.description)
        XCTAssertEqual(again.status, 201, again.description)
        XCTAssertEqual(first.string("id"), again.string("id"))
        XCTAssertEqual(try world.count("dispute.raise"), 1)
        let bad = try agent.post("/api/v1/disputes", json: body, headers: [("Idempotency-Key", String(repeating: "k", count: 201))])
        XCTAssertEqual(bad.status, 422)
    }
}
