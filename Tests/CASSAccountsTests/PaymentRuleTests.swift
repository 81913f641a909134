@testable import CASSAccounts
import CASSDomain
import XCTest

/// portal.md "Payments", one test per rule. The standard invoice totals
/// 12000, is dated 2026-11-15 and due 2026-11-25.
final class PaymentRuleTests: XCTestCase {
    typealias F = Fixture

    private func status(_ state: AccountsState, _ day: String, invoice: String = "GB2026000001") -> InvoiceStatus? {
        state.invoice(invoice)?.status(asOf: F.date(day))
    }

    func test_status_openUntilTheRemittanceDate_overdueAfter_defaultMoreThan10DaysAfter() {
        let state = F.issued()
        XCTAssertEqual(status(state, "2026-11-20"), .open)
        XCTAssertEqual(status(state, "2026-11-25"), .open)
        XCTAssertEqual(status(state, "2026-11-26"), .overdue)
        XCTAssertEqual(status(state, "2026-12-05"), .overdue)
        XCTAssertEqual(status(state, "2026-12-06"), .default)
    }

    func test_status_partlyPaidWhileSomethingIsPaid_paidWhenPaidReachesTheTotal() {
        var state = F.issued()
        _ = applied(&state, F.pay("p1", amountMinor: 5_000, date: "2026-11-20"))
        XCTAssertEqual(status(state, "2026-11-19"), .open, "a payment counts from its date")
        XCTAssertEqual(status(state, "2026-11-20"), .partlyPaid)
        XCTAssertEqual(status(state, "2026-11-26"), .overdue)
        XCTAssertEqual(status(state, "2026-12-06"), .default)
        _ = applied(&state, F.pay("p2", amountMinor: 7_000, date: "2026-12-07"))
        XCTAssertEqual(status(state, "2026-12-07"), .paid)
        XCTAssertEqual(state.paymentSummary(of: "GB2026000001", asOf: F.date("2026-12-07"))?.outstandingMinor, 0)
    }

    func test_status_creditWhenTheTotalIsZeroOrLess_andItIsNeverPaid() {
        var state = F.issued(F.invoice(number: "GB2026000007", totalMinor: 0), F.invoice(number: "GB2026000008", agent: F.otherAgent, totalMinor: -300))
        XCTAssertEqual(status(state, "2026-11-20", invoice: "GB2026000007"), .credit)
        XCTAssertEqual(status(state, "2027-03-01", invoice: "GB2026000008"), .credit)
        assertRefused(&state, F.pay("p1", invoice: "GB2026000008", amountMinor: 300), .invoiceNotPayable(invoice: "GB2026000008", totalMinor: -300), httpStatus: 409)
        XCTAssertTrue(state.dueActions(today: F.date("2027-03-01")).isEmpty, "nothing to collect or to find overdue")
    }

    func test_payment_amountMustBePositive() {
        var state = F.issued()
        assertRefused(&state, F.pay("p1", amountMinor: 0), .amountNotPositive(field: "amountMinor"), httpStatus: 422)
        assertRefused(&state, F.pay("p1", amountMinor: -1), .amountNotPositive(field: "amountMinor"), httpStatus: 422)
    }

    func test_payment_dateNotAfterToday() {
        var state = F.issued()
        assertRefused(&state, F.pay("p1", amountMinor: 10, date: "2026-11-21", on: "2026-11-20"),
                      .paymentDateAfterToday(date: F.date("2026-11-21"), today: F.date("2026-11-20")), httpStatus: 422)
        _ = applied(&state, F.pay("p1", amountMinor: 10, date: "2026-11-01", on: "2026-11-20"))
    }

    func test_payment_methodCreditIsTheEnginesOwn() {
        var state = F.issued()
        assertRefused(&state, F.pay("p1", amountMinor: 10, method: .credit), .methodNotAllowed(.credit), httpStatus: 422)
        for (index, method) in [PaymentMethod.bankTransfer, .directDebit, .card].enumerated() {
            _ = applied(&state, F.pay("p\(index)", amountMinor: 10, method: method))
        }
        XCTAssertEqual(state.paymentSummary(of: "GB2026000001", asOf: F.date("2026-11-20"))?.paidByMethod.map(\.method), [.bankTransfer, .directDebit, .card])
    }

    func test_payment_unknownInvoiceIsNotFound() {
        var state = F.issued()
        assertRefused(&state, F.pay("p1", invoice: "XX", amountMinor: 1), .unknownInvoice("XX"), httpStatus: 404)
    }

    func test_payment_aRetriedRecordIsAppliedOnce() {
        var state = F.issued()
        _ = applied(&state, F.pay("p1", amountMinor: 100))
        assertRefused(&state, F.pay("p1", amountMinor: 100), .duplicateRecord("p1"))
        assertRefused(&state, F.pay("p1", amountMinor: 101), .idConflict("p1"), httpStatus: 409)
        XCTAssertEqual(state.invoice("GB2026000001")?.paidMinor(), 100)
    }

    func test_payment_aWalletPaymentDrawsOnTheWallet() {
        var state = F.issued()
        assertRefused(&state, F.pay("p1", amountMinor: 100, method: .wallet), .insufficientWalletBalance(balanceMinor: 0), httpStatus: 409)
        _ = applied(&state, F.topUp("t1", amountMinor: 150))
        _ = applied(&state, F.pay("p1", amountMinor: 100, method: .wallet))
        XCTAssertEqual(state.walletMinor(F.account), 50)
    }

    func test_overpayment_isTheAgentsCreditAndPaysItsNextInvoiceAsACreditPaymentDatedItsInvoiceDate() {
        var state = F.issued()
        let out = applied(&state, F.pay("p1", amountMinor: 15_000))
        XCTAssertEqual(out.events.map(\.type), [.paymentRecorded])
        XCTAssertEqual(status(state, "2026-11-20"), .paid)
        XCTAssertEqual(state.creditMinor(F.account), 3_000)
        let next = applied(&state, .invoiceIssued(F.invoice(number: "GB2026000050", period: 20261102, totalMinor: 5_000)))
        XCTAssertEqual(next.events.map(\.type), [.paymentRecorded])
        let payments = state.invoice("GB2026000050")!.payments
        XCTAssertEqual(payments, [Payment(id: "cass:credit:GB2026000050", amountMinor: 3_000, method: .credit, date: F.date("2026-11-30"), reference: "credit")])
        XCTAssertEqual(state.creditMinor(F.account), 0)
        XCTAssertEqual(status(state, "2026-11-30", invoice: "GB2026000050"), .partlyPaid)
    }

    func test_credit_paysOnlyInvoicesIssuedAfterTheOverpayment() {
        var state = F.issued(F.invoice(), F.invoice(number: "GB2026000050", period: 20261102, totalMinor: 5_000))
        _ = applied(&state, F.pay("p1", amountMinor: 15_000, date: "2026-12-01"))
        XCTAssertEqual(state.invoice("GB2026000050")?.paidMinor(), 0, "an invoice issued before the overpayment is not its next")
        XCTAssertEqual(state.creditMinor(F.account), 3_000)
    }

    func test_credit_existingWhenAnInvoiceIsIssuedPaysItAsFarAsItGoes_theRestWaitsForTheNext() {
        var state = F.issued()
        _ = applied(&state, F.pay("p1", amountMinor: 20_000))
        _ = applied(&state, .invoiceIssued(F.invoice(number: "GB2026000050", period: 20261102, totalMinor: 5_000)))
        XCTAssertEqual(status(state, "2026-11-30", invoice: "GB2026000050"), .paid)
        XCTAssertEqual(state.creditMinor(F.account), 3_000)
        _ = applied(&state, .invoiceIssued(F.invoice(number: "GB2026000090", period: 20261201, totalMinor: 4_000)))
        XCTAssertEqual(state.invoice("GB2026000090")?.paidMinor(), 3_000)
        XCTAssertEqual(state.creditMinor(F.account), 0)
    }

    func test_credit_neverPaysACreditInvoice_andStaysInItsOperation() {
        var state = F.issued()
        _ = applied(&state, F.pay("p1", amountMinor: 13_000))
        _ = applied(&state, .invoiceIssued(F.invoice(number: "GB2026000050", period: 20261102, totalMinor: -400)))
        XCTAssertEqual(state.invoice("GB2026000050")?.payments, [])
        var other = F.invoice(number: "IE2026000001", period: 20261102, totalMinor: 400)
        other.country = "IE"
        _ = applied(&state, .invoiceIssued(other))
        XCTAssertEqual(state.invoice("IE2026000001")?.payments, [])
        XCTAssertEqual(state.creditMinor(F.account), 1_000)
    }

    func test_wallet_paysOnTheRemittanceDateAsFarAsItsBalanceGoes() {
        var state = F.issued()
        _ = applied(&state, F.topUp("t1", amountMinor: 4_000))
        XCTAssertTrue(F.runScheduler(&state, today: "2026-11-24").events.isEmpty)
        let out = F.runScheduler(&state, today: "2026-11-28")
        XCTAssertEqual(out.events.map(\.type), [.paymentRecorded, .invoiceOverdue])
        XCTAssertEqual(state.invoice("GB2026000001")?.payments,
                       [Payment(id: "cass:wallet:GB2026000001", amountMinor: 4_000, method: .wallet, date: F.date("2026-11-25"), reference: "wallet")])
        XCTAssertEqual(state.walletMinor(F.account), 0)
        XCTAssertEqual(status(state, "2026-11-28"), .overdue)
    }

    func test_directDebit_collectsEveryOutstandingAmountInFullOnItsRemittanceDate_afterTheWallet() {
        var state = F.issued()
        _ = applied(&state, F.topUp("t1", amountMinor: 4_000))
        _ = applied(&state, F.directDebit(true))
        _ = applied(&state, F.pay("p1", amountMinor: 1_000))
        let out = F.runScheduler(&state, today: "2026-11-25")
        XCTAssertEqual(out.events.map(\.type), [.paymentRecorded, .paymentRecorded])
        XCTAssertEqual(state.invoice("GB2026000001")?.payments.map(\.method), [.bankTransfer, .wallet, .directDebit])
        XCTAssertEqual(state.invoice("GB2026000001")?.payments.map(\.amountMinor), [1_000, 4_000, 7_000])
        XCTAssertEqual(state.invoice("GB2026000001")?.payments.last?.date, F.date("2026-11-25"))
        XCTAssertEqual(status(state, "2026-11-25"), .paid)
        XCTAssertEqual(F.runScheduler(&state, today: "2026-11-26").events, [], "paid: no overdue event")
    }

    func test_directDebit_turnedOffCollectsNothing() {
        var state = F.issued()
        _ = applied(&state, F.directDebit(true))
        _ = applied(&state, F.directDebit(false))
        // A copy of the first change written again later changes nothing.
        assertRefused(&state, F.directDebit(true), .duplicateRecord("dd-true-2026-11-18"))
        XCTAssertFalse(state.directDebit(F.account))
        F.runScheduler(&state, today: "2026-11-25")
        XCTAssertEqual(state.invoice("GB2026000001")?.payments, [])
    }

    func test_collection_happensOnceTodayHasReachedTheDate_datedThatDate() {
        var state = F.issued()
        _ = applied(&state, F.directDebit(true))
        XCTAssertEqual(state.dueActions(today: F.date("2026-11-24")), [])
        // The service noticed late (down for a week): dated all the same.
        F.runScheduler(&state, today: "2026-12-02")
        XCTAssertEqual(state.invoice("GB2026000001")?.payments.first?.date, F.date("2026-11-25"))
        XCTAssertEqual(status(state, "2026-12-02"), .paid)
    }

    func test_scheduler_runTwiceOnTheSameDay_doesNothingTwice() {
        var state = F.issued()
        _ = applied(&state, F.topUp("t1", amountMinor: 4_000))
        _ = applied(&state, F.raise(on: "2026-11-16"))
        let due = state.dueActions(today: F.date("2026-12-10"))
        XCTAssertEqual(due.map(\.kind), [.collect, .overdue, .escalate])
        for action in due { _ = applied(&state, .scheduled(action)) }
        let after = state
        XCTAssertEqual(state.dueActions(today: F.date("2026-12-10")), [])
        // A restart that writes the same actions again: each is recognised.
        for action in due { assertRefused(&state, .scheduled(action), .duplicateRecord(action.key)) }
        XCTAssertEqual(state, after)
        XCTAssertEqual(state.walletMinor(F.account), 0)
        XCTAssertEqual(state.invoice("GB2026000001")?.paidMinor(), 4_000)
    }

    func test_scheduledAction_mustBeDueOnItsDate() {
        var state = F.issued()
        assertRefused(&state, .scheduled(ScheduledAction(kind: .collect, subject: "GB2026000001", date: F.date("2026-11-24"))),
                      .invalidScheduledAction("the collection of GB2026000001 is due 2026-11-25, not 2026-11-24"), httpStatus: 422)
        assertRefused(&state, .scheduled(ScheduledAction(kind: .overdue, subject: "nope", date: F.date("2026-11-24"))), .unknownInvoice("nope"))
    }

    func test_overdue_oneEventPerInvoiceWhenItBecomesOverdue() {
        var state = F.issued()
        _ = applied(&state, F.pay("p1", amountMinor: 2_000))
        let out = F.runScheduler(&state, today: "2026-11-26")
        XCTAssertEqual(out.events.map(\.type), [.invoiceOverdue])
        XCTAssertEqual(out.events.first?.id, "invoice.overdue:GB2026000001")
        XCTAssertEqual(out.events.first?.on, F.date("2026-11-26"))
        guard case .overdue(let notice)? = out.events.first?.data else { return XCTFail("not an overdue notice") }
        XCTAssertEqual(notice.outstandingMinor, 10_000)
        XCTAssertEqual(F.runScheduler(&state, today: "2026-12-30").events, [], "once, not again at default")
    }

    func test_topUp_amountMustBePositiveAndNeverOverflows() {
        var state = AccountsState()
        assertRefused(&state, F.topUp("t1", amountMinor: 0), .amountNotPositive(field: "amountMinor"), httpStatus: 422)
        _ = applied(&state, F.topUp("t1", amountMinor: .max))
        assertRefused(&state, F.topUp("t2", amountMinor: 1), .amountOverflow, httpStatus: 422)
        XCTAssertEqual(state.walletMinor(F.account), .max)
    }

    func test_payment_sumsNeverOverflow() {
        var state = F.issued()
        _ = applied(&state, F.pay("p1", amountMinor: .max - 10))
        assertRefused(&state, F.pay("p2", amountMinor: 11), .amountOverflow, httpStatus: 422)
        XCTAssertEqual(state.creditMinor(F.account), .max - 10 - 12_000)
    }

    func test_text_referenceIsLimited() {
        var state = F.issued()
        let long = RecordPayment(id: "p1", invoice: "GB2026000001", amountMinor: 1, method: .card, date: F.date("2026-11-20"),
                                 reference: String(repeating: "r", count: 201), by: "a", on: F.date("2026-11-20"))
        assertRefused(&state, .paymentRecord(long), .textTooLong(field: "reference", maxCharacters: 200), httpStatus: 422)
    }

    func test_paymentSummary_paidByMethodAndOutstanding() {
        var state = F.issued()
        _ = applied(&state, F.topUp("t1", amountMinor: 1_000))
        _ = applied(&state, F.pay("p1", amountMinor: 2_000, method: .card))
        _ = applied(&state, F.pay("p2", amountMinor: 500, method: .wallet, date: "2026-11-21"))
        let summary = state.paymentSummary(of: "GB2026000001", asOf: F.date("2026-11-21"))!
        XCTAssertEqual(summary.paidMinor, 2_500)
        XCTAssertEqual(summary.outstandingMinor, 9_500)
        XCTAssertEqual(summary.status, .partlyPaid)
        XCTAssertEqual(summary.paidByMethod.map(\.amountMinor), [2_000, 500])
        XCTAssertEqual(summary.remittanceDate, F.date("2026-11-25"))
        XCTAssertEqual(state.paymentSummary(of: "GB2026000001", asOf: F.date("2026-11-20"))?.paidMinor, 2_000)
    }
}
