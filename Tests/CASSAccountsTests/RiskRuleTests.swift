@testable import CASSAccounts
import CASSDomain
import XCTest

/// portal.md "Risk assessment", one test per rule.
final class RiskRuleTests: XCTestCase {
    typealias F = Fixture

    private func agent(_ code: Int64 = Fixture.agent, guarantee: Int64) -> Agent {
        Agent(country: "GB", code: code, name: "Agent", taxID: "", address: "", language: "en", status: .active, guaranteeMinor: guarantee)
    }

    private func row(_ state: AccountsState, _ day: String, guarantee: Int64 = 20_000, openNetDue: Int64 = 0) -> RiskRow {
        try! state.riskRow(F.account, asOf: F.date(day), guaranteeMinor: guarantee, openNetDueMinor: openNetDue)
    }

    func test_exposure_outstandingOfIssuedInvoicesWithPositiveTotals_plusOpenNetDueWhenPositive() {
        var state = F.issued(F.invoice(), F.invoice(number: "GB2026000050", period: 20261102, totalMinor: -700))
        _ = applied(&state, F.pay("p1", amountMinor: 2_000))
        XCTAssertEqual(row(state, "2026-11-20").exposureMinor, 10_000)
        XCTAssertEqual(row(state, "2026-11-20", openNetDue: 500).exposureMinor, 10_500)
        XCTAssertEqual(row(state, "2026-11-20", openNetDue: -800).exposureMinor, 10_000)
        XCTAssertEqual(row(state, "2026-11-20").guaranteeMinor, 20_000)
    }

    func test_ratio_exposureTimes100OverGuarantee_oneDecimal_roundedHalfAwayFromZero() {
        XCTAssertEqual(RiskRules.ratioTenthsPercent(exposureMinor: 10_500, guaranteeMinor: 12_600), 833)
        XCTAssertEqual(RiskRules.ratioTenthsPercent(exposureMinor: 1, guaranteeMinor: 16), 63, "62.5 tenths round up")
        XCTAssertEqual(RiskRules.ratioTenthsPercent(exposureMinor: 3, guaranteeMinor: 16), 188, "187.5 tenths round up")
        XCTAssertEqual(RiskRules.ratioTenthsPercent(exposureMinor: 1, guaranteeMinor: 3), 333)
        XCTAssertEqual(RiskRules.ratioTenthsPercent(exposureMinor: 2, guaranteeMinor: 3), 667)
        XCTAssertEqual(RiskRules.ratioTenthsPercent(exposureMinor: .max, guaranteeMinor: .max), 1_000)
        XCTAssertNil(RiskRules.ratioTenthsPercent(exposureMinor: .max, guaranteeMinor: 1), "beyond 64 bits reads as infinite")
    }

    func test_ratio_nullWhenTheGuaranteeIs0AndExposurePositive_0WhenBothAre0() {
        XCTAssertNil(RiskRules.ratioTenthsPercent(exposureMinor: 1, guaranteeMinor: 0))
        XCTAssertEqual(RiskRules.ratioTenthsPercent(exposureMinor: 0, guaranteeMinor: 0), 0)
        XCTAssertEqual(RiskRules.grade(ratioTenthsPercent: nil, delayDays: 0, hasDefault: false), .D)
        XCTAssertEqual(RiskRules.grade(ratioTenthsPercent: 0, delayDays: 0, hasDefault: false), .A)
    }

    func test_delay_paidInvoice_fromTheRemittanceDateToThePaymentThatCompletedIt() {
        var state = F.issued()
        _ = applied(&state, F.pay("p1", amountMinor: 6_000, date: "2026-11-27"))
        _ = applied(&state, F.pay("p2", amountMinor: 6_000, date: "2026-11-29"))
        XCTAssertEqual(row(state, "2026-12-20").delayDays, 4)
    }

    func test_delay_completionTakesPaymentsInDateOrder() {
        var state = F.issued()
        // Recorded late but dated earlier: the 2026-11-26 payment completed it.
        _ = applied(&state, F.pay("p1", amountMinor: 6_000, date: "2026-12-01"))
        _ = applied(&state, F.pay("p2", amountMinor: 6_000, date: "2026-11-20", on: "2026-12-02"))
        _ = applied(&state, F.pay("p3", amountMinor: 6_000, date: "2026-11-26", on: "2026-12-02"))
        XCTAssertEqual(row(state, "2026-12-20").delayDays, 1)
    }

    func test_delay_unpaidInvoice_fromTheRemittanceDateToToday_neverBelow0() {
        let state = F.issued()
        XCTAssertEqual(row(state, "2026-11-20").delayDays, 0)
        XCTAssertEqual(row(state, "2026-11-28").delayDays, 3)
        XCTAssertEqual(row(state, "2026-12-06").delayDays, 11)
    }

    func test_delay_onlyInvoicesDatedWithinTheLast365Days() {
        var state = F.issued()
        _ = applied(&state, F.pay("p1", amountMinor: 12_000, date: "2026-12-05"))
        XCTAssertEqual(row(state, "2027-11-15").delayDays, 10, "dated 365 days before today: counts")
        XCTAssertEqual(row(state, "2027-11-16").delayDays, 0, "dated 366 days before: does not")
    }

    func test_delay_creditInvoicesDoNotCount() {
        let state = F.issued(F.invoice(totalMinor: -5))
        XCTAssertEqual(row(state, "2027-01-30").delayDays, 0)
        XCTAssertEqual(row(state, "2027-01-30").grade, .A)
    }

    func test_grade_thresholds() {
        let cases: [(ratio: Int64?, delay: Int, hasDefault: Bool, grade: RiskGrade)] = [
            (0, 0, false, .A), (500, 0, false, .A), (501, 0, false, .B), (0, 1, false, .B), (800, 3, false, .B),
            (801, 0, false, .C), (0, 4, false, .C), (1_000, 0, false, .C), (1_001, 0, false, .D), (nil, 0, false, .D),
            (0, 0, true, .D), (0, 400, false, .C),
        ]
        for item in cases {
            XCTAssertEqual(RiskRules.grade(ratioTenthsPercent: item.ratio, delayDays: item.delay, hasDefault: item.hasDefault), item.grade, "\(item)")
        }
    }

    func test_grade_DWhenAnInvoiceIsInDefault() {
        let state = F.issued()
        XCTAssertEqual(row(state, "2026-12-05", guarantee: 1_000_000).grade, .C, "overdue 10 days: delay over 3")
        XCTAssertEqual(row(state, "2026-12-06", guarantee: 1_000_000).grade, .D, "more than 10 days late: default")
    }

    func test_risk_coversEveryAgentOfTheReferenceAndEveryAgentWithInvoices() throws {
        let state = F.issued(F.invoice(agent: 33_333_330_006))
        let rows = try state.risk(asOf: F.date("2026-11-20"), agents: [agent(guarantee: 1_000), agent(F.otherAgent, guarantee: 0)],
                                  openNetDue: [F.otherAccount: 50])
        XCTAssertEqual(rows.map(\.agent), [F.agent, 33_333_330_006, F.otherAgent])
        XCTAssertEqual(rows.map(\.grade), [.A, .D, .D])
        XCTAssertEqual(rows[1].guaranteeMinor, 0)
        XCTAssertNil(rows[2].ratioTenthsPercent)
    }

    func test_riskFlagged_whenAnAgentsGradeBecomesCOrD_oncePerChange() {
        var state = F.issued()
        func assess(_ day: String) -> [AccountsEventType] {
            let rows = [row(state, day)]
            var types: [AccountsEventType] = []
            for record in state.riskRecords(for: rows, on: F.date(day)) { types += applied(&state, record).events.map(\.type) }
            return types
        }
        XCTAssertEqual(assess("2026-11-20"), [], "first assessment: B (a ratio of 60 %), not flagged")
        XCTAssertEqual(state.account(F.account)?.lastGrade, .B)
        XCTAssertEqual(assess("2026-11-21"), [], "unchanged")
        XCTAssertEqual(assess("2026-11-29"), [.riskFlagged], "B to C: 4 days late")
        XCTAssertEqual(assess("2026-11-30"), [], "still C: not flagged again")
        XCTAssertEqual(assess("2026-12-06"), [.riskFlagged], "C to D: default")
        XCTAssertEqual(assess("2026-12-07"), [])
        _ = applied(&state, F.pay("p1", amountMinor: 12_000, date: "2026-12-07"))
        XCTAssertEqual(assess("2026-12-07"), [.riskFlagged], "D to C: paid 12 days late, still over 3")
    }

    func test_riskFlagged_eventIdsAreStableAndDistinct() {
        var state = AccountsState()
        let c = RiskRow(country: "GB", agent: F.agent, exposureMinor: 9, guaranteeMinor: 10, ratioTenthsPercent: 900, delayDays: 0, grade: .C)
        var a = c
        a.grade = .A
        let first = applied(&state, .riskAssessed(RiskAssessment(row: c, on: F.date("2026-11-20"), sequence: 1))).events
        _ = applied(&state, .riskAssessed(RiskAssessment(row: a, on: F.date("2026-11-20"), sequence: 2)))
        let second = applied(&state, .riskAssessed(RiskAssessment(row: c, on: F.date("2026-11-20"), sequence: 3))).events
        XCTAssertEqual(first.map(\.id), ["risk.flagged:agent-GB-12345670002:1"])
        XCTAssertEqual(second.map(\.id), ["risk.flagged:agent-GB-12345670002:3"])
        // A copy of an old assessment later in the log puts nothing back.
        assertRefused(&state, .riskAssessed(RiskAssessment(row: a, on: F.date("2026-11-20"), sequence: 2)), .duplicateRecord("risk.assessed:agent-GB-12345670002:2"))
        assertRefused(&state, .riskAssessed(RiskAssessment(row: c, on: F.date("2026-11-21"), sequence: 4)), .duplicateRecord("risk.assessed:agent-GB-12345670002:4"))
        XCTAssertEqual(state.account(F.account)?.lastGrade, .C)
    }
}
