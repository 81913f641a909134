import CASSDomain
import CASSEngine
import XCTest

/// An AWB is identified within its operation (billing-file.md): the same
/// AWB billed in two operations of one airline is two AWBs, and no rule
/// (R10, R11, CCA differences, memo tax dates) ever looks across.
final class AWBIdentityTests: XCTestCase {
    /// Airline 125 in GB (export) and JP (import) bills AWB 125-1000001x in both.
    func gbFile(_ records: [BillingRecord], sequence: Int = 1, period: Int = 20261101, created: Int = 20261107) -> (String, [UInt8]) {
        ("125_GB_\(period)_\(sequence).cbf", Fixture.file(period: period, sequence: sequence, created: created, records: records))
    }

    func jpFile(_ records: [BillingRecord], sequence: Int = 1, period: Int = 20261101) -> (String, [UInt8]) {
        ("125_JP_\(period)_\(sequence).cbf", Fixture.file(country: "JP", currency: "JPY", digits: 0, period: period, sequence: sequence, created: 20261116, records: records))
    }

    func jp(_ serial7: Int, transaction: TransactionType = .awb, weightCharge: Int64 = 5_000) -> BillingRecord {
        Fixture.awb(serial7, agent: Fixture.jpAgent, weightCharge: weightCharge, transaction: transaction, currency: "JPY")
    }

    func test_the_same_AWB_billed_in_two_operations_is_no_duplicate() {
        let run = Fixture.settle([gbFile([Fixture.awb(1000001)]), jpFile([jp(1000001)])])
        XCTAssertEqual(run.rejections, [])
        XCTAssertEqual(run.invoices.map(\.country).sorted(), ["GB", "JP"])
        XCTAssertEqual(run.invoices.map { $0.lineCount }, [1, 1])
    }

    func test_the_order_of_the_two_operations_changes_nothing() {
        let gb = gbFile([Fixture.awb(1000001), Fixture.awb(1000001, weightCharge: 12_000, transaction: .cca)])
        let jp = jpFile([jp(1000001), jp(1000001, transaction: .dcm)])
        let first = Fixture.settle([gb, jp]), second = Fixture.settle([jp, gb])
        XCTAssertEqual(first.rejections, [])
        XCTAssertEqual(SettlementSummary.agentsCSV(first.invoices), SettlementSummary.agentsCSV(second.invoices))
        XCTAssertEqual(SettlementSummary.airlinesCSV(first.disbursements), SettlementSummary.airlinesCSV(second.disbursements))
    }

    func test_R10_still_applies_within_each_operation() {
        let run = Fixture.settle([gbFile([Fixture.awb(1000001)]), jpFile([jp(1000001), jp(1000001)])])
        XCTAssertEqual(run.rejections.map(\.code), [.R10])
        XCTAssertEqual(run.rejections.first?.country, "JP")
        XCTAssertEqual(run.rejections.first?.sequence, 3)
    }

    func test_R11_a_correction_of_an_AWB_billed_only_in_another_operation() {
        let run = Fixture.settle([gbFile([Fixture.awb(1000001)]), jpFile([jp(1000001, transaction: .cca)])])
        XCTAssertEqual(run.rejections.map(\.code), [.R11])
        XCTAssertEqual(run.rejections.first?.country, "JP")
        XCTAssertTrue(run.rejections.first?.problem.message.contains("never billed in operation JP") ?? false, "\(run.rejections)")
    }

    func test_R11_agent_check_is_against_the_first_billing_in_the_same_operation() {
        // GB billed it to gbAgent, JP to jpAgent: a JP memo naming jpAgent is right.
        let run = Fixture.settle([gbFile([Fixture.awb(1000001)]), jpFile([jp(1000001), jp(1000001, transaction: .ccm)], sequence: 1),
                                  gbFile([Fixture.awb(1000001, agent: Fixture.gbAgent2, transaction: .dcm)], sequence: 2)])
        XCTAssertEqual(run.rejections.map(\.code), [.R11], "the GB memo names another agent than GB's first billing")
        XCTAssertEqual(run.rejections.first?.country, "GB")
    }

    func test_a_correction_is_a_difference_to_the_version_of_its_own_operation() {
        let run = Fixture.settle([
            gbFile([Fixture.awb(1000001, weightCharge: 10_000)]),
            jpFile([jp(1000001, weightCharge: 50_000)]),
            gbFile([Fixture.awb(1000001, weightCharge: 12_000, transaction: .cca)], sequence: 2),
        ])
        XCTAssertEqual(run.rejections, [])
        let gb = run.invoices.first { $0.country == "GB" }
        let cca = gb?.sections.first?.lines.first { $0.transaction == .cca }
        XCTAssertEqual(cca?.weightCharge, 2_000, "12,000 - GB's 10,000, not JP's 50,000")
    }

    func test_ledger_keys_of_two_operations_differ() {
        let gb = LedgerKey(operation: "GB", prefix: 125, serial: 10_000_013)
        let jp = LedgerKey(operation: "JP", prefix: 125, serial: 10_000_013)
        XCTAssertNotEqual(gb, jp)
        XCTAssertEqual(gb, LedgerKey(operation: ASCIICode("GB"), awb: AWBKey(prefix: 125, serial: 10_000_013)))
        XCTAssertEqual(Set([gb, jp, gb]).count, 2)
    }
}
