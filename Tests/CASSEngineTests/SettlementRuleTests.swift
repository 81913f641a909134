import CASSDomain
import CASSEngine
import XCTest

final class SettlementRuleTests: XCTestCase {
    func test_rounding_half_away_from_zero_on_negative_amounts() {
        XCTAssertEqual(Money.applyRate(250, rateHundredthsPercent: 100), 3)   // 2.5 -> 3
        XCTAssertEqual(Money.applyRate(-250, rateHundredthsPercent: 100), -3) // -2.5 -> -3
        XCTAssertEqual(Money.applyRate(-249, rateHundredthsPercent: 100), -2)
        XCTAssertEqual(Money.applyRate(-251, rateHundredthsPercent: 100), -3)
        XCTAssertEqual(Money.applyRate(Int64.max / 2, rateHundredthsPercent: 1), Money.applyRate(Int64.max / 2, rateHundredthsPercent: 1), "no overflow in 128 bits")
    }

    func test_negative_section_tax_rounds_away_from_zero() {
        // A CCA that lowers commission by 0.25: VAT 20 % credited = -0.05 exactly; by 0.0? lowers 2.5 minor units of tax.
        let awb = Fixture.awb(1000001, weightCharge: 10_000)            // commission 500
        let cca = Fixture.awb(1000001, weightCharge: 9_750, transaction: .cca) // commission 488 (487.5 -> 488), delta -12
        let run = Fixture.settle([
            ("a.cbf", Fixture.file(period: 20261101, sequence: 1, records: [awb])),
            ("b.cbf", Fixture.file(period: 20261102, sequence: 2, created: 20261115, records: [cca])),
        ])
        XCTAssertEqual(run.rejections, [])
        let second = run.invoices.first { $0.period.number == 2 }
        // Base -12 at 20 % = -2.4 -> -2 credited.
        XCTAssertEqual(second?.sections.first?.taxes.first?.baseAmount, -12)
        XCTAssertEqual(second?.taxCredited, -2)
        XCTAssertEqual(second?.netDue, (9_750 - 488) - (10_000 - 500))
        XCTAssertEqual(second?.total, second.map { $0.netDue + 2 })
    }

    func test_CCA_after_CCA_bills_each_difference() {
        let awb = Fixture.awb(1000001, weightCharge: 10_000)
        let cca1 = Fixture.awb(1000001, weightCharge: 12_000, transaction: .cca)
        let cca2 = Fixture.awb(1000001, weightCharge: 9_000, transaction: .cca)
        let run = Fixture.settle([("a.cbf", Fixture.file(records: [awb, cca1, cca2]))])
        XCTAssertEqual(run.rejections, [])
        let lines = run.invoices.first?.sections.first?.lines.map(\.amount)
        XCTAssertEqual(lines, [9_500, 11_400 - 9_500, 8_550 - 11_400])
        XCTAssertEqual(run.invoices.first?.netDue, 8_550)
    }

    func test_memo_against_a_corrected_AWB_taxes_by_the_correction_date() {
        // The JP charged tax exists only from 2026-11-05; the AWB is older,
        // its CCA newer: a memo after the CCA is taxed.
        var reference = Fixture.reference()
        reference = ReferenceData(
            operations: Array(reference.operations.values), airlines: Array(reference.airlines.values), agents: reference.allAgents,
            taxRules: [TaxRule(country: "JP", code: "CT", description: "", base: .net, rateHundredthsPercent: 1000, direction: .charged,
                               validFrom: CivilDate(yyyymmdd: 20261105)!, validTo: nil)])
        let awb = Fixture.awb(1000001, agent: Fixture.jpAgent, weightCharge: 10_000, issue: 20261101, currency: "JPY")
        let cca = Fixture.awb(1000001, agent: Fixture.jpAgent, weightCharge: 11_000, transaction: .cca, issue: 20261106, currency: "JPY")
        let memo = Fixture.awb(1000001, agent: Fixture.jpAgent, weightCharge: 1_000, transaction: .dcm, issue: 20261101, currency: "JPY")
        let file = Fixture.file(country: "JP", currency: "JPY", digits: 0, period: 20261101, created: 20261110, records: [awb, cca, memo])
        let run = Fixture.settle([("jp.cbf", file)], reference: reference)
        XCTAssertEqual(run.rejections, [])
        let invoice = run.invoices.first
        // Taxed lines: the CCA (+950) and the memo (+1000); the AWB is not.
        XCTAssertEqual(invoice?.sections.first?.taxes.first?.baseAmount, 950 + 1_000)
        XCTAssertEqual(invoice?.taxCharged, 195)
    }

    func test_memo_before_any_correction_uses_the_AWB_issue_date() {
        let awb = Fixture.awb(1000001, agent: Fixture.jpAgent, weightCharge: 10_000, issue: 20261101, currency: "JPY")
        let memo = Fixture.awb(1000001, agent: Fixture.jpAgent, weightCharge: 1_000, transaction: .ccm, issue: 20261109, currency: "JPY")
        let reference = ReferenceData(
            operations: Array(Fixture.reference().operations.values), airlines: Array(Fixture.reference().airlines.values), agents: Fixture.reference().allAgents,
            taxRules: [TaxRule(country: "JP", code: "CT", description: "", base: .net, rateHundredthsPercent: 1000, direction: .charged,
                               validFrom: CivilDate(yyyymmdd: 20261105)!, validTo: nil)])
        let run = Fixture.settle([("jp.cbf", Fixture.file(country: "JP", currency: "JPY", digits: 0, created: 20261110, records: [awb, memo]))], reference: reference)
        XCTAssertEqual(run.rejections, [])
        XCTAssertEqual(run.invoices.first?.taxCharged, 0, "the memo takes the AWB's issue date, before the rule")
    }

    func test_tax_rule_validity_boundaries_are_inclusive() {
        let rule = TaxRule(country: "GB", code: "VAT", description: "", base: .commission, rateHundredthsPercent: 2000, direction: .credited,
                           validFrom: CivilDate(yyyymmdd: 20261102)!, validTo: CivilDate(yyyymmdd: 20261104)!)
        XCTAssertFalse(rule.applies(on: CivilDate(yyyymmdd: 20261101)!))
        XCTAssertTrue(rule.applies(on: CivilDate(yyyymmdd: 20261102)!))
        XCTAssertTrue(rule.applies(on: CivilDate(yyyymmdd: 20261104)!))
        XCTAssertFalse(rule.applies(on: CivilDate(yyyymmdd: 20261105)!))
        let records = [20261101, 20261102, 20261104, 20261105].enumerated().map { Fixture.awb(1000001 + $0.offset, issue: Int32($0.element)) }
        let reference = Fixture.reference(vatFrom: "2026-11-02", vatTo: CivilDate(yyyymmdd: 20261104))
        let run = Fixture.settle([("a.cbf", Fixture.file(records: records))], reference: reference)
        XCTAssertEqual(run.invoices.first?.sections.first?.taxes.first?.baseAmount, 1_000, "two of four lines in validity")
        XCTAssertEqual(run.invoices.first?.taxCredited, 200)
    }

    func test_invoice_numbers_continue_across_periods_and_restart_per_year() {
        let agents = [Fixture.gbAgent2, Fixture.gbAgent]
        var files: [(String, [UInt8])] = []
        let periods = [(20261203, 20261220), (20261204, 20261228), (20270101, 20270105)]
        for (index, (period, created)) in periods.enumerated() {
            let records = agents.enumerated().map { Fixture.awb(2000000 + index * 10 + $0.offset, agent: $0.element, issue: Int32(created)) }
            files.append(("f\(index).cbf", Fixture.file(period: period, sequence: index + 1, created: created, records: records)))
        }
        let run = Fixture.settle(files)
        XCTAssertEqual(run.rejections, [])
        let numbers = run.invoices.map { "\($0.period) \($0.agentCodeText) \($0.number)" }
        let low = min(Fixture.gbAgent, Fixture.gbAgent2), high = max(Fixture.gbAgent, Fixture.gbAgent2)
        XCTAssertEqual(numbers, [
            "20261203 \(AgentCodeText.format(low)) GB2026000001", "20261203 \(AgentCodeText.format(high)) GB2026000002",
            "20261204 \(AgentCodeText.format(low)) GB2026000003", "20261204 \(AgentCodeText.format(high)) GB2026000004",
            "20270101 \(AgentCodeText.format(low)) GB2027000001", "20270101 \(AgentCodeText.format(high)) GB2027000002",
        ])
    }

    func test_closing_twice_changes_nothing() {
        var run = SettlementRun(reference: Fixture.reference())
        Fixture.file(records: [Fixture.awb(1000001)]).withUnsafeBytes {
            try! run.ingest(bytes: $0, fileName: "a.cbf") { CBFReader.read(buffer: $0, fileName: $1, periodsPerMonth: $2) }
        }
        let period = PeriodKey(country: "GB", period: BillingPeriod(yyyymmnn: 20261101)!)
        try! run.close(period)
        try! run.close(period)
        XCTAssertEqual(run.invoices.count, 1)
    }

    func test_invoice_and_remittance_dates() {
        let run = Fixture.settle([("a.cbf", Fixture.file(period: 20261104, created: 20261128, records: [Fixture.awb(1000001, issue: 20261125)]))])
        XCTAssertEqual(run.invoices.first?.invoiceDate.description, "2026-11-30")
        XCTAssertEqual(run.invoices.first?.remittanceDate.description, "2026-12-10")
        XCTAssertEqual(BillingPeriod(yyyymmnn: 20260202)!.lastDay(periodsPerMonth: 2).description, "2026-02-28")
        XCTAssertEqual(BillingPeriod(yyyymmnn: 20240204)!.lastDay(periodsPerMonth: 4).description, "2024-02-29")
        XCTAssertEqual(BillingPeriod(yyyymmnn: 20261103)!.lastDay(periodsPerMonth: 4).description, "2026-11-23")
    }

    func test_sections_per_airline_and_disbursements_balance() {
        let gb = Fixture.file(prefix: 125, records: [Fixture.awb(1000001), Fixture.awb(1000002, agent: Fixture.gbAgent2)])
        let run = Fixture.settle([("a.cbf", gb)])
        let invoiced = run.invoices.reduce(0) { $0 + $1.total }
        let disbursed = run.disbursements.reduce(0) { $0 + $1.amount }
        XCTAssertEqual(invoiced, disbursed)
        XCTAssertEqual(run.disbursements.first?.agents, 2)
    }
}
