@testable import CASSAccounts
import CASSDomain
import XCTest

/// portal.md "Disputes", one test per rule.
final class DisputeRuleTests: XCTestCase {
    typealias F = Fixture

    func test_raise_amountDefaultsToTheSumOfTheAWBsLinesOnTheInvoice() {
        var state = F.issued()
        let out = applied(&state, F.raise())
        let dispute = state.dispute("d1", asOf: F.date("2026-11-20"))!
        XCTAssertEqual(dispute.amountMinor, 10_000)
        XCTAssertEqual(dispute.status, .open)
        XCTAssertEqual(dispute.acceptedMinor, 0)
        XCTAssertEqual(dispute.awb, "125-12345675")
        XCTAssertEqual(dispute.agent, F.agent)
        XCTAssertEqual(dispute.airline, 125)
        XCTAssertEqual(out.events.map(\.type), [.disputeRaised])
        XCTAssertEqual(out.events.first?.id, "dispute.raised:d1")
    }

    func test_raise_amountMustBePositive() {
        var state = F.issued()
        assertRefused(&state, F.raise(amountMinor: 0), .amountNotPositive(field: "amountMinor"), httpStatus: 422)
        assertRefused(&state, F.raise(amountMinor: -5), .amountNotPositive(field: "amountMinor"), httpStatus: 422)
        // An AWB whose lines sum to a credit has nothing to dispute.
        assertRefused(&state, F.raise(awb: F.otherAirlineAWB), .amountNotPositive(field: "amountMinor"), httpStatus: 422)
    }

    func test_raise_amountAtMostTheAWBsSum() {
        var state = F.issued()
        assertRefused(&state, F.raise(amountMinor: 10_001), .disputeAmountTooHigh(maxMinor: 10_000), httpStatus: 422)
        _ = applied(&state, F.raise(amountMinor: 10_000))
    }

    func test_raise_AWBMustHaveALineOnTheInvoice() {
        var state = F.issued()
        assertRefused(&state, F.raise(awb: AWBKey(prefix: 125, serial: 99_999_990)), .awbNotOnInvoice(invoice: "GB2026000001", awb: "125-99999990"), httpStatus: 422)
    }

    func test_raise_unknownInvoiceIsNotFound() {
        var state = F.issued()
        assertRefused(&state, F.raise(invoice: "GB2026999999"), .unknownInvoice("GB2026999999"), httpStatus: 404)
    }

    func test_raise_windowIsTheInvoiceDatePlusDisputeDays() {
        // Invoice date 2026-11-15, 15 days: the last day is 2026-11-30.
        var state = F.issued()
        assertRefused(&state, F.raise(on: "2026-12-01"), .disputeWindowClosed(lastDay: F.date("2026-11-30")), httpStatus: 422)
        _ = applied(&state, F.raise(on: "2026-11-30"))
    }

    func test_raise_oneOpenDisputePerInvoiceAndAWB() {
        var state = F.issued()
        _ = applied(&state, F.raise("d1"))
        assertRefused(&state, F.raise("d2"), .disputeAlreadyOpen(existing: "d1"), httpStatus: 409)
        // Another AWB of the same invoice is another line.
        _ = applied(&state, F.raise("d3", awb: F.secondAWB))
        // Once resolved, the AWB may be disputed again.
        _ = applied(&state, F.reject("d1"))
        _ = applied(&state, F.raise("d2"))
    }

    func test_raise_anEscalatedDisputeStillCountsAsOpen() {
        // The period was closed early: the invoice (dated 11-15, window to
        // 11-30) was issued, and disputed, on 11-10. Unanswered, the dispute
        // is escalated from 11-26, while the window is still open.
        var state = F.issued()
        _ = applied(&state, F.raise("d1", on: "2026-11-10"))
        F.runScheduler(&state, today: "2026-11-26")
        XCTAssertEqual(state.dispute("d1", asOf: F.date("2026-11-26"))?.status, .escalated)
        assertRefused(&state, F.raise("d2", on: "2026-11-27"), .disputeAlreadyOpen(existing: "d1"), httpStatus: 409)
    }

    func test_raise_afterAnAcceptanceOnlyTheRemainderIsDisputable() {
        var state = F.issued()
        _ = applied(&state, F.raise("d1", amountMinor: 4_000))
        _ = applied(&state, F.accept("d1"))
        assertRefused(&state, F.raise("d2", amountMinor: 6_001), .disputeAmountTooHigh(maxMinor: 6_000), httpStatus: 422)
        _ = applied(&state, F.raise("d2"))
        XCTAssertEqual(state.dispute("d2", asOf: F.date("2026-11-22"))?.amountMinor, 6_000)
    }

    func test_raise_reasonIsRequired() {
        var state = F.issued()
        assertRefused(&state, F.raise(reason: "  \n "), .reasonRequired, httpStatus: 422)
        assertRefused(&state, F.raise(reason: "bad\u{0}byte"), .controlCharacters(field: "reason"), httpStatus: 422)
        assertRefused(&state, F.raise(reason: String(repeating: "x", count: 1_001)), .textTooLong(field: "reason", maxCharacters: 1_000), httpStatus: 422)
        _ = applied(&state, F.raise(reason: String(repeating: "é", count: 1_000)))
    }

    func test_accept_defaultsToAllOfTheDisputedAmountAndBillsADSPMemo() {
        var state = F.issued()
        _ = applied(&state, F.raise(amountMinor: 7_500))
        let out = applied(&state, F.accept())
        XCTAssertEqual(out.events.map(\.type), [.disputeAccepted])
        XCTAssertEqual(out.memos.count, 1)
        let memo = out.memos[0]
        XCTAssertEqual(memo.amountMinor, -7_500)
        XCTAssertEqual(memo.reasonCode, "DSP")
        XCTAssertEqual(memo.disputeID, "d1")
        XCTAssertEqual(memo.agent, F.agent)
        XCTAssertEqual(memo.airline, 125)
        XCTAssertEqual(memo.awbSerial, 12_345_675)
        XCTAssertEqual(memo.awb, "125-12345675")
        XCTAssertEqual(memo.country, "GB")
        XCTAssertEqual(memo.currency, "GBP")
        XCTAssertEqual(memo.period, F.period(20261102))
        XCTAssertEqual(memo.issueDate, F.date("2026-11-03"))
        XCTAssertEqual(memo.origin, "LHR")
        XCTAssertEqual(memo.destination, "NRT")
        let dispute = state.dispute("d1", asOf: F.date("2026-11-22"))!
        XCTAssertEqual(dispute.status, .accepted)
        XCTAssertEqual(dispute.acceptedMinor, 7_500)
        XCTAssertEqual(dispute.memoPeriod, "20261102")
        XCTAssertEqual(state.memo(ofDispute: "d1"), memo)
    }

    func test_accept_aLowerAmount() {
        var state = F.issued()
        _ = applied(&state, F.raise())
        let out = applied(&state, F.accept(amountMinor: 6_000))
        XCTAssertEqual(out.memos.first?.amountMinor, -6_000)
        XCTAssertEqual(state.dispute("d1", asOf: F.date("2026-11-22"))?.acceptedMinor, 6_000)
    }

    func test_accept_atMostTheDisputedAmountAndPositive() {
        var state = F.issued()
        _ = applied(&state, F.raise(amountMinor: 5_000))
        assertRefused(&state, F.accept(amountMinor: 5_001), .acceptedAmountTooHigh(disputedMinor: 5_000), httpStatus: 422)
        assertRefused(&state, F.accept(amountMinor: 0), .amountNotPositive(field: "amountMinor"), httpStatus: 422)
    }

    func test_accept_memoGoesToTheEarliestOpenPeriodAfterTheInvoicesPeriod() {
        var state = F.issued()
        _ = applied(&state, F.raise())
        // 20261102 and 20261201 closed: the memo goes to 20261202.
        _ = applied(&state, .periodClosed(OperationPeriod(country: "GB", period: F.period(20261102))))
        _ = applied(&state, .periodClosed(OperationPeriod(country: "GB", period: F.period(20261201))))
        // Another operation's closed periods do not matter.
        _ = applied(&state, .periodClosed(OperationPeriod(country: "JP", period: F.period(20261202))))
        let out = applied(&state, F.accept())
        XCTAssertEqual(out.memos.first?.period, F.period(20261202))
    }

    func test_accept_memoPeriodFollowsTheOperationsSequenceWithFourPeriodsAMonth() {
        var state = F.issued(F.invoice(period: 20261204, periodsPerMonth: 4))
        _ = applied(&state, F.raise(on: "2027-01-02"))
        _ = applied(&state, .periodClosed(OperationPeriod(country: "GB", period: F.period(20270101))))
        let out = applied(&state, F.accept(on: "2027-01-03"))
        XCTAssertEqual(out.memos.first?.period, F.period(20270102))
    }

    func test_accept_theDisputedInvoiceNeverChanges() {
        var state = F.issued()
        let before = state.invoice("GB2026000001")!.invoice
        _ = applied(&state, F.raise())
        _ = applied(&state, F.accept())
        XCTAssertEqual(state.invoice("GB2026000001")!.invoice, before)
        XCTAssertEqual(state.paymentSummary(of: "GB2026000001", asOf: F.date("2026-11-22"))?.outstandingMinor, 12_000)
    }

    func test_reject_reasonIsRequired() {
        var state = F.issued()
        _ = applied(&state, F.raise())
        assertRefused(&state, F.reject(reason: " "), .reasonRequired, httpStatus: 422)
        let out = applied(&state, F.reject(reason: " rates as agreed "))
        XCTAssertEqual(out.events.map(\.type), [.disputeRejected])
        XCTAssertTrue(out.memos.isEmpty)
        XCTAssertEqual(state.dispute("d1", asOf: F.date("2026-11-22"))?.history.last?.reason, "rates as agreed")
    }

    func test_withdraw_byTheAgentWhileOpen() {
        var state = F.issued()
        _ = applied(&state, F.raise())
        assertRefused(&state, F.withdraw(party: .airline), .partyMayNotAct(party: .airline, action: "withdraw a dispute"), httpStatus: 403)
        let out = applied(&state, F.withdraw())
        XCTAssertEqual(out.events.map(\.type), [.disputeWithdrawn])
        assertRefused(&state, F.withdraw(on: "2026-11-23"), .disputeNotOpen(id: "d1", status: .withdrawn), httpStatus: 409)
        assertRefused(&state, F.accept(on: "2026-11-23"), .disputeNotOpen(id: "d1", status: .withdrawn), httpStatus: 409)
    }

    func test_withdraw_anEscalatedDispute() {
        var state = F.issued()
        _ = applied(&state, F.raise(on: "2026-11-16"))
        let out = applied(&state, F.withdraw(on: "2026-12-05"))
        XCTAssertEqual(out.events.map(\.type), [.disputeEscalated, .disputeWithdrawn])
        XCTAssertEqual(state.dispute("d1", asOf: F.date("2026-12-05"))?.history.map(\.action), [.raised, .escalated, .withdrawn])
    }

    func test_answer_onlyWhileOpen() {
        var state = F.issued()
        _ = applied(&state, F.raise())
        _ = applied(&state, F.accept())
        assertRefused(&state, F.reject(on: "2026-11-23"), .disputeNotOpen(id: "d1", status: .accepted), httpStatus: 409)
        assertRefused(&state, F.accept(amountMinor: 5, on: "2026-11-23"), .disputeNotOpen(id: "d1", status: .accepted), httpStatus: 409)
        assertRefused(&state, F.accept("nope"), .unknownDispute("nope"), httpStatus: 404)
    }

    func test_escalation_anOpenDisputeUnansweredWithinDisputeDaysOfBeingRaised() {
        // Raised 2026-11-20 with 15 days: answerable up to 2026-12-05,
        // escalated from 2026-12-06.
        var state = F.issued()
        _ = applied(&state, F.raise())
        XCTAssertEqual(state.dispute("d1", asOf: F.date("2026-11-20"))?.escalatesOn, F.date("2026-12-06"))
        XCTAssertEqual(F.runScheduler(&state, today: "2026-12-05").events.map(\.type), [.invoiceOverdue])
        XCTAssertEqual(state.dispute("d1", asOf: F.date("2026-12-05"))?.status, .open)
        let out = F.runScheduler(&state, today: "2026-12-09")
        XCTAssertEqual(out.events.map(\.type), [.disputeEscalated])
        XCTAssertEqual(out.events.first?.on, F.date("2026-12-06"))
        let dispute = state.dispute("d1", asOf: F.date("2026-12-09"))!
        XCTAssertEqual(dispute.status, .escalated)
        XCTAssertEqual(dispute.history.last, DisputeStep(at: F.date("2026-12-06"), by: "system", action: .escalated, amountMinor: nil, reason: nil))
    }

    func test_escalated_onlyTheOperatorAnswers() {
        var state = F.issued()
        _ = applied(&state, F.raise())
        F.runScheduler(&state, today: "2026-12-06")
        assertRefused(&state, F.accept(on: "2026-12-07"), .disputeEscalated(id: "d1"), httpStatus: 409)
        assertRefused(&state, F.reject(on: "2026-12-07"), .disputeEscalated(id: "d1"), httpStatus: 409)
        let out = applied(&state, F.accept(amountMinor: 2_000, party: .operator, on: "2026-12-07"))
        XCTAssertEqual(out.memos.first?.amountMinor, -2_000)
    }

    func test_open_theOperatorAnswersOnlyOnceEscalated() {
        var state = F.issued()
        _ = applied(&state, F.raise())
        assertRefused(&state, F.accept(party: .operator), .disputeNotEscalated(id: "d1"), httpStatus: 409)
        assertRefused(&state, F.reject(party: .operator), .disputeNotEscalated(id: "d1"), httpStatus: 409)
        assertRefused(&state, F.accept(party: .agent), .partyMayNotAct(party: .agent, action: "accept a dispute"), httpStatus: 403)
    }

    func test_escalation_holdsFromItsDayEvenBeforeTheSchedulerRecordsIt() {
        var state = F.issued()
        _ = applied(&state, F.raise())
        XCTAssertEqual(state.dispute("d1", asOf: F.date("2026-12-06"))?.status, .escalated)
        assertRefused(&state, F.accept(on: "2026-12-06"), .disputeEscalated(id: "d1"), httpStatus: 409)
        let out = applied(&state, F.reject(party: .operator, on: "2026-12-06"))
        XCTAssertEqual(out.events.map(\.type), [.disputeEscalated, .disputeRejected])
        // The scheduler has nothing left to escalate.
        XCTAssertTrue(state.dueActions(today: F.date("2026-12-10")).filter { $0.kind == .escalate }.isEmpty)
    }

    func test_escalation_ofADisputeAnsweredMeanwhileDoesNothing() {
        var state = F.issued()
        _ = applied(&state, F.raise())
        let due = ScheduledAction(kind: .escalate, subject: "d1", date: F.date("2026-12-06"))
        _ = applied(&state, F.accept(on: "2026-12-05"))
        XCTAssertEqual(applied(&state, .scheduled(due)).events, [])
        XCTAssertEqual(state.dispute("d1", asOf: F.date("2026-12-07"))?.status, .accepted)
    }

    func test_history_recordsEveryStep() {
        var state = F.issued()
        _ = applied(&state, F.raise(amountMinor: 9_000, reason: "rate"))
        _ = applied(&state, F.accept(amountMinor: 4_000, on: "2026-11-25"))
        XCTAssertEqual(state.dispute("d1", asOf: F.date("2026-11-25"))?.history, [
            DisputeStep(at: F.date("2026-11-20"), by: "agent.user", action: .raised, amountMinor: 9_000, reason: "rate"),
            DisputeStep(at: F.date("2026-11-25"), by: "airline.user", action: .accepted, amountMinor: 4_000, reason: nil),
        ])
    }

    func test_replay_aRecordAppliedTwiceIsRecognised() {
        var state = F.issued()
        _ = applied(&state, F.raise())
        assertRefused(&state, F.raise(), .duplicateRecord("d1"))
        assertRefused(&state, F.raise(amountMinor: 5), .idConflict("d1"), httpStatus: 409)
        _ = applied(&state, F.accept())
        assertRefused(&state, F.accept(), .duplicateRecord("d1"))
        assertRefused(&state, .invoiceIssued(F.invoice()), .duplicateRecord("GB2026000001"))
        assertRefused(&state, .invoiceIssued(F.invoice(totalMinor: 1)), .idConflict("GB2026000001"), httpStatus: 409)
    }

    func test_ids_areChecked() {
        var state = F.issued()
        assertRefused(&state, F.raise("has space"), .invalidID("has space"), httpStatus: 422)
        assertRefused(&state, F.raise("a:b"), .invalidID("a:b"), httpStatus: 422)
        assertRefused(&state, F.raise(String(repeating: "a", count: 65)), .invalidID(String(repeating: "a", count: 65)), httpStatus: 422)
    }

    func test_actor_isAUsername() {
        var state = F.issued()
        let raise = RaiseDispute(id: "d1", invoice: "GB2026000001", awb: F.awb, amountMinor: nil, reason: "r", by: "", on: F.date("2026-11-20"))
        assertRefused(&state, .disputeRaise(raise), .invalidActor(""), httpStatus: 422)
    }

    func test_suggestedID_isStableAndCountsTheLinesDisputes() {
        var state = F.issued()
        XCTAssertEqual(state.suggestedDisputeID(invoice: "GB2026000001", awb: F.awb), "GB2026000001-12512345675-1")
        _ = applied(&state, F.raise(state.suggestedDisputeID(invoice: "GB2026000001", awb: F.awb)))
        XCTAssertEqual(state.suggestedDisputeID(invoice: "GB2026000001", awb: F.awb), "GB2026000001-12512345675-2")
    }

    func test_disputesPerLine_areLimited() {
        var state = F.issued()
        for index in 0..<AccountsLimits.disputesPerLineMax {
            _ = applied(&state, F.raise("d\(index)", amountMinor: 1))
            _ = applied(&state, F.withdraw("d\(index)"))
        }
        assertRefused(&state, F.raise("last", amountMinor: 1), .limitReached(what: "disputes on one invoice and AWB", max: 100), httpStatus: 409)
    }

    func test_check_refusesLikeApplyAndChangesNothing() {
        let state = F.issued()
        XCTAssertThrowsError(try state.check(F.raise(amountMinor: 10_001)))
        XCTAssertNoThrow(try state.check(F.raise()))
        XCTAssertNil(state.dispute("d1", asOf: F.date("2026-11-20")))
    }
}
