@testable import CASSAccounts
import CASSDomain
import XCTest

/// Invoices, dates and record builders shared by the accounts tests. The
/// operation has 2 periods a month, a 10-day remittance offset and a 15-day
/// dispute window unless a test says otherwise.
enum Fixture {
    static let country = "GB"
    static let agent: Int64 = 12_345_670_002
    static let otherAgent: Int64 = 76_543_210_005
    static let airline: Int32 = 125
    static let otherAirline: Int32 = 176
    static let awb = AWBKey(prefix: 125, serial: 12_345_675)
    static let secondAWB = AWBKey(prefix: 125, serial: 11_111_112)
    static let otherAirlineAWB = AWBKey(prefix: 176, serial: 22_222_224)

    static func date(_ text: String) -> CivilDate { CivilDate(iso: Substring(text))! }
    static func period(_ value: Int) -> BillingPeriod { BillingPeriod(yyyymmnn: value)! }

    static var account: AccountKey { AccountKey(country: country, agent: agent) }
    static var otherAccount: AccountKey { AccountKey(country: country, agent: otherAgent) }

    /// GB2026000001: period 20261101, dated 2026-11-15, due 2026-11-25,
    /// total 12000 (AWB 125-12345675: 10000 in two lines, 125-11111112:
    /// 3000, 176-22222224: -1000).
    static func invoice(number: String = "GB2026000001", period: Int = 20261101, agent: Int64 = Fixture.agent, totalMinor: Int64 = 12_000,
                        periodsPerMonth: Int = 2, remittanceDays: Int = 10, disputeDays: Int = 15,
                        awbs: [InvoiceAWB]? = nil) -> IssuedInvoice {
        let billing = Fixture.period(period)
        let invoiceDate = billing.lastDay(periodsPerMonth: periodsPerMonth)
        return IssuedInvoice(number: number, country: country, period: billing, currency: "GBP", agent: agent, invoiceDate: invoiceDate,
                             remittanceDate: invoiceDate.adding(days: remittanceDays), totalMinor: totalMinor,
                             periodsPerMonth: periodsPerMonth, disputeDays: disputeDays, awbs: awbs ?? standardAWBs)
    }

    static let standardAWBs = [
        InvoiceAWB(airline: 125, serial: 11_111_112, amountMinor: 3_000, issueDate: date("2026-11-02"), origin: "LHR", destination: "JFK"),
        InvoiceAWB(airline: 125, serial: 12_345_675, amountMinor: 10_000, issueDate: date("2026-11-03"), origin: "LHR", destination: "NRT"),
        InvoiceAWB(airline: 176, serial: 22_222_224, amountMinor: -1_000, issueDate: date("2026-11-04"), origin: "MAN", destination: "DXB"),
    ]

    static func raise(_ id: String = "d1", invoice: String = "GB2026000001", awb: AWBKey = Fixture.awb, amountMinor: Int64? = nil,
                      reason: String = "weight overstated", on: String = "2026-11-20") -> AccountsRecord {
        .disputeRaise(RaiseDispute(id: id, invoice: invoice, awb: awb, amountMinor: amountMinor, reason: reason, by: "agent.user", on: date(on)))
    }

    static func accept(_ id: String = "d1", amountMinor: Int64? = nil, party: Party = .airline, on: String = "2026-11-22") -> AccountsRecord {
        .disputeAccept(AcceptDispute(dispute: id, amountMinor: amountMinor, by: party == .operator ? "cass.admin" : "airline.user", party: party, on: date(on)))
    }

    static func reject(_ id: String = "d1", reason: String = "charges are right", party: Party = .airline, on: String = "2026-11-22") -> AccountsRecord {
        .disputeReject(RejectDispute(dispute: id, reason: reason, by: party == .operator ? "cass.admin" : "airline.user", party: party, on: date(on)))
    }

    static func withdraw(_ id: String = "d1", party: Party = .agent, on: String = "2026-11-22") -> AccountsRecord {
        .disputeWithdraw(WithdrawDispute(dispute: id, by: "agent.user", party: party, on: date(on)))
    }

    static func pay(_ id: String, invoice: String = "GB2026000001", amountMinor: Int64, method: PaymentMethod = .bankTransfer,
                    date paid: String = "2026-11-20", on: String? = nil) -> AccountsRecord {
        .paymentRecord(RecordPayment(id: id, invoice: invoice, amountMinor: amountMinor, method: method, date: date(paid), reference: "ref \(id)",
                                     by: "agent.user", on: date(on ?? paid)))
    }

    static func topUp(_ id: String, account: AccountKey = Fixture.account, amountMinor: Int64, on: String = "2026-11-18") -> AccountsRecord {
        .walletTopUp(TopUpWallet(id: id, account: account, amountMinor: amountMinor, reference: "top-up \(id)", by: "agent.admin", on: date(on)))
    }

    static func directDebit(_ enabled: Bool, id: String? = nil, account: AccountKey = Fixture.account, on: String = "2026-11-18") -> AccountsRecord {
        .directDebitSet(SetDirectDebit(id: id ?? "dd-\(enabled)-\(on)", account: account, enabled: enabled, on: date(on)))
    }

    /// A state with the standard invoice issued.
    static func issued(_ invoices: IssuedInvoice...) -> AccountsState {
        var state = AccountsState()
        for invoice in invoices.isEmpty ? [invoice()] : invoices { XCTAssertNoThrow(try state.apply(.invoiceIssued(invoice))) }
        return state
    }

    /// Runs the scheduler for `today` and applies what it lists; returns
    /// everything applied.
    @discardableResult
    static func runScheduler(_ state: inout AccountsState, today: String) -> Applied {
        var all = Applied()
        for action in state.dueActions(today: date(today)) {
            do {
                let applied = try state.apply(.scheduled(action))
                all.events += applied.events
                all.memos += applied.memos
            } catch {
                XCTFail("scheduled \(action.key) refused: \(error)")
            }
        }
        return all
    }
}

/// Asserts that applying `record` is refused with `expected`, and that the
/// refusal changed nothing.
func assertRefused(_ state: inout AccountsState, _ record: AccountsRecord, _ expected: AccountsError, httpStatus: Int? = nil,
                   file: StaticString = #filePath, line: UInt = #line) {
    let before = state
    do {
        try state.apply(record)
        XCTFail("expected \(expected), the record was applied", file: file, line: line)
    } catch {
        XCTAssertEqual(error, expected, file: file, line: line)
        if let httpStatus { XCTAssertEqual(error.httpStatus, httpStatus, file: file, line: line) }
    }
    XCTAssertEqual(state, before, "a refused record changed the state", file: file, line: line)
}

func applied(_ state: inout AccountsState, _ record: AccountsRecord, file: StaticString = #filePath, line: UInt = #line) -> Applied {
    do {
        return try state.apply(record)
    } catch {
        XCTFail("refused: \(error) (\(error.message))", file: file, line: line)
        return Applied()
    }
}
