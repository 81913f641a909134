@testable import CASSAccounts
import CASSDomain
import XCTest

/// The worked example of docs/accounts.md, step by step: if a figure here
/// changes, the document must change with it.
final class WorkedExampleTests: XCTestCase {
    typealias F = Fixture

    static let agentA: Int64 = 12_345_670_002
    static let agentB: Int64 = 23_456_780_001
    static let agentC: Int64 = 34_567_890_000

    func invoice(_ number: String, period: Int, agent: Int64, total: Int64, awbs: [InvoiceAWB]) -> IssuedInvoice {
        F.invoice(number: number, period: period, agent: agent, totalMinor: total, awbs: awbs)
    }

    func awb(_ airline: Int32, _ serial: Int32, _ amount: Int64) -> InvoiceAWB {
        InvoiceAWB(airline: airline, serial: serial, amountMinor: amount, issueDate: F.date("2026-11-03"), origin: "LHR", destination: "JFK")
    }

    func test_workedExample() throws {
        let a = AccountKey(country: "GB", agent: Self.agentA)
        let b = AccountKey(country: "GB", agent: Self.agentB)
        let c = AccountKey(country: "GB", agent: Self.agentC)
        let agents = [
            Agent(country: "GB", code: Self.agentA, name: "A", taxID: "", address: "", language: "en", status: .active, guaranteeMinor: 110_000),
            Agent(country: "GB", code: Self.agentB, name: "B", taxID: "", address: "", language: "en", status: .active, guaranteeMinor: 200_000),
            Agent(country: "GB", code: Self.agentC, name: "C", taxID: "", address: "", language: "en", status: .active, guaranteeMinor: 50_000),
        ]
        var state = AccountsState()
        // Period 20261101 closes on 2026-11-16: three invoices dated 11-15, due 11-25.
        _ = applied(&state, .periodClosed(OperationPeriod(country: "GB", period: F.period(20261101))))
        _ = applied(&state, .invoiceIssued(invoice("GB2026000001", period: 20261101, agent: Self.agentA, total: 120_000,
                                                   awbs: [awb(125, 11_111_112, 30_000), awb(125, 12_345_675, 100_000), awb(176, 22_222_224, -10_000)])))
        _ = applied(&state, .invoiceIssued(invoice("GB2026000002", period: 20261101, agent: Self.agentB, total: 80_000, awbs: [awb(125, 33_333_335, 80_000)])))
        _ = applied(&state, .invoiceIssued(invoice("GB2026000003", period: 20261101, agent: Self.agentC, total: 40_000, awbs: [awb(176, 44_444_446, 40_000)])))

        // 11-18: A disputes 125-12345675 for 400.00; 11-20 the airline accepts 250.00.
        _ = applied(&state, .disputeRaise(RaiseDispute(id: "GB2026000001-12512345675-1", invoice: "GB2026000001", awb: F.awb, amountMinor: 40_000,
                                                       reason: "812 kg billed, 612 kg flown", by: "a.clerk", on: F.date("2026-11-18"))))
        let accepted = applied(&state, .disputeAccept(AcceptDispute(dispute: "GB2026000001-12512345675-1", amountMinor: 25_000, by: "aa.billing",
                                                                    party: .airline, on: F.date("2026-11-20"))))
        let memo = try XCTUnwrap(accepted.memos.first)
        XCTAssertEqual(memo.amountMinor, -25_000)
        XCTAssertEqual(memo.period, F.period(20261102))
        XCTAssertEqual(state.invoice("GB2026000001")?.invoice.totalMinor, 120_000)

        // 11-21: A pays 500.00 by bank transfer.
        _ = applied(&state, .paymentRecord(RecordPayment(id: "a-1", invoice: "GB2026000001", amountMinor: 50_000, method: .bankTransfer, date: F.date("2026-11-21"),
                                                         reference: "BACS 7781", by: "a.clerk", on: F.date("2026-11-21"))))
        XCTAssertEqual(state.paymentSummary(of: "GB2026000001", asOf: F.date("2026-11-21"))?.status, .partlyPaid)

        // B: a wallet of 300.00 and direct debit on.
        _ = applied(&state, .walletTopUp(TopUpWallet(id: "b-topup-1", account: b, amountMinor: 30_000, reference: "EasyPay 19", by: "b.admin", on: F.date("2026-11-19"))))
        _ = applied(&state, .directDebitSet(SetDirectDebit(id: "b-dd-1", account: b, enabled: true, on: F.date("2026-11-19"))))

        // 11-23: C pays 650.00 by card for 400.00: 250.00 is its credit.
        _ = applied(&state, .paymentRecord(RecordPayment(id: "c-1", invoice: "GB2026000003", amountMinor: 65_000, method: .card, date: F.date("2026-11-23"),
                                                         reference: "card 4421", by: "c.clerk", on: F.date("2026-11-23"))))
        XCTAssertEqual(state.creditMinor(c), 25_000)

        // 11-25, the remittance date: B's wallet pays 300.00, direct debit 500.00.
        let collections = F.runScheduler(&state, today: "2026-11-25")
        XCTAssertEqual(collections.events.compactMap { event -> String? in
            guard case .payment(let notice) = event.data else { return nil }
            return "\(notice.invoice) \(notice.method.rawValue) \(notice.amountMinor) \(notice.date) \(notice.status.rawValue)"
        }, ["GB2026000002 wallet 30000 2026-11-25 partly-paid", "GB2026000002 direct-debit 50000 2026-11-25 paid"])
        XCTAssertEqual(state.walletMinor(b), 0)

        // 11-26: A's invoice is overdue (one event).
        let overdue = F.runScheduler(&state, today: "2026-11-26")
        XCTAssertEqual(overdue.events.map(\.id), ["invoice.overdue:GB2026000001"])

        // +3 days (11-28): A has 700.00 outstanding and 200.00 net due in the
        // open period 20261102 (450.00 of lines, the memo's -250.00).
        let plus3 = try state.risk(asOf: F.date("2026-11-28"), agents: agents, openNetDue: [a: 20_000, c: 18_000])
        XCTAssertEqual(plus3.map(\.exposureMinor), [90_000, 0, 18_000])
        XCTAssertEqual(plus3.map(\.ratioPercentText), ["81.8", "0.0", "36.0"])
        XCTAssertEqual(plus3.map(\.delayDays), [3, 0, 0])
        XCTAssertEqual(plus3.map(\.grade), [.C, .A, .A])
        var flags: [String] = []
        for record in state.riskRecords(for: plus3, on: F.date("2026-11-28")) {
            flags += applied(&state, record).events.map { "\($0.subject) \($0.type.rawValue)" }
        }
        XCTAssertEqual(flags, ["agent-GB-12345670002 risk.flagged"])

        // 12-01: period 20261102 closes: A's invoice has the memo (450.00 -
        // 250.00 = 200.00); C's 180.00 is paid by its credit, dated 11-30.
        _ = applied(&state, .periodClosed(OperationPeriod(country: "GB", period: F.period(20261102))))
        _ = applied(&state, .invoiceIssued(invoice("GB2026000004", period: 20261102, agent: Self.agentA, total: 20_000,
                                                   awbs: [awb(125, 12_345_675, -25_000), awb(125, 55_555_550, 45_000)])))
        let credit = applied(&state, .invoiceIssued(invoice("GB2026000005", period: 20261102, agent: Self.agentC, total: 18_000, awbs: [awb(176, 66_666_662, 18_000)])))
        XCTAssertEqual(state.invoice("GB2026000005")?.payments,
                       [Payment(id: "cass:credit:GB2026000005", amountMinor: 18_000, method: .credit, date: F.date("2026-11-30"), reference: "credit")])
        XCTAssertEqual(credit.events.map(\.type), [.paymentRecorded])
        XCTAssertEqual(state.creditMinor(c), 7_000)

        // +11 days (12-06): A's first invoice is in default.
        let plus11 = try state.risk(asOf: F.date("2026-12-06"), agents: agents, openNetDue: [:])
        XCTAssertEqual(plus11.map(\.exposureMinor), [90_000, 0, 0])
        XCTAssertEqual(plus11.map(\.ratioPercentText), ["81.8", "0.0", "0.0"])
        XCTAssertEqual(plus11.map(\.delayDays), [11, 0, 0])
        XCTAssertEqual(plus11.map(\.grade), [.D, .A, .A])
        XCTAssertEqual(state.paymentSummary(of: "GB2026000001", asOf: F.date("2026-12-06"))?.status, .default)
        flags = []
        for record in state.riskRecords(for: plus11, on: F.date("2026-12-06")) {
            flags += applied(&state, record).events.map { "\($0.subject) \($0.type.rawValue)" }
        }
        XCTAssertEqual(flags, ["agent-GB-12345670002 risk.flagged"])
        XCTAssertEqual(state.dispute("GB2026000001-12512345675-1", asOf: F.date("2026-12-06"))?.history.map(\.action), [.raised, .accepted])
    }
}
