import CASSDomain
@testable import CASSEngine
import XCTest

/// settlement.md: "Amounts never wrap: a sum or tax that would leave the
/// 64-bit range stops the run with an error naming the invoice (exit 1),
/// never a result." Each test drives one sum of the engine past Int64.max
/// (or below Int64.min) and checks that it throws, naming the invoice.
final class AmountOverflowTests: XCTestCase {
    static let period = BillingPeriod(yyyymmnn: 20261101)!
    static let gb = PeriodKey(country: "GB", period: period)
    static let max = Int64.max

    /// A billed line of `amount` (its other columns as given), on the GB period.
    func line(agent: Int64 = Fixture.gbAgent, airline: Int32 = 125, serial7: Int = 1000001, amount: Int64,
              weight: Int64 = 0, commission: Int64 = 0, mask: UInt64 = 0) -> BilledLine {
        BilledLine(
            country: "GB", period: Self.period, agentCode: agent, airlinePrefix: airline, awbSerial: Int32(CheckDigit.awbSerial(from: serial7)),
            transaction: .awb, fileName: "big.xml", fileOrdinal: 1, sequence: Int32(serial7 % 1000), issueDate: CivilDate(iso: "2026-11-02")!,
            taxDate: CivilDate(iso: "2026-11-02")!, origin: ASCIICode("LHR"), destination: ASCIICode("JFK"), chargeableWeightTenthsKg: 10,
            weightCharge: weight, valuationCharge: 0, otherChargesDueCarrier: 0, commission: commission, incentive: 0, amount: amount,
            reasonCode: ASCIICode("   "), taxRuleMask: mask)
    }

    func rule(_ code: String, base: TaxBase, rate: Int64, direction: TaxDirection) -> TaxRule {
        TaxRule(country: "GB", code: code, description: code, base: base, rateHundredthsPercent: rate, direction: direction,
                validFrom: CivilDate(iso: "2020-01-01")!, validTo: nil)
    }

    var operation: CASSDomain.Operation { Fixture.reference().operation("GB")! }

    func assertOverflow<T>(_ body: () throws(AmountOverflow) -> T, mentions: [String], file: StaticString = #filePath, line: UInt = #line) {
        do {
            let result = try body()
            XCTFail("no overflow reported; the result was \(result)", file: file, line: line)
        } catch {
            for text in mentions {
                XCTAssertTrue(error.description.contains(text), "'\(text)' missing from: \(error.description)", file: file, line: line)
            }
        }
    }

    func close(_ accumulator: inout SettlementAccumulator, rules: [TaxRule] = []) throws(AmountOverflow) -> [Invoice] {
        try accumulator.close(Self.gb, operation: operation, rules: rules)
    }

    func test_net_due_past_int64_max_throws_at_close_naming_the_invoice() {
        var accumulator = SettlementAccumulator(keepLines: false)
        accumulator.add(line(amount: Self.max - 10), rules: [])
        accumulator.add(line(serial7: 1000002, amount: 11), rules: [])
        assertOverflow({ () throws(AmountOverflow) in try close(&accumulator) },
                       mentions: ["agent \(AgentCodeText.format(Fixture.gbAgent))", "operation GB", "period 20261101", "airline 125", "net due", "9223372036854775808"])
    }

    func test_net_due_below_int64_min_throws_from_a_batch_too() {
        var accumulator = SettlementAccumulator(keepLines: false)
        accumulator.add([line(amount: Int64.min + 5), line(serial7: 1000002, amount: -6)]) { _ in [] }
        assertOverflow({ () throws(AmountOverflow) in try close(&accumulator) }, mentions: ["net due", "operation GB"])
    }

    func test_the_order_lines_arrive_in_never_decides_an_overflow() throws {
        // A running 64-bit sum would pass the limit in the first order and
        // not in the second; lines reach a settlement partition in an order
        // the transport decides. The exact sum fits either way.
        for amounts in [[Self.max, 1, -1], [Self.max, -1, 1], [1, Self.max, -1]] {
            var accumulator = SettlementAccumulator(keepLines: false)
            for (index, amount) in amounts.enumerated() { accumulator.add(line(serial7: 1000001 + index, amount: amount), rules: []) }
            XCTAssertEqual(try close(&accumulator).first?.total, Self.max, "\(amounts)")
        }
    }

    func test_a_tax_base_past_int64_max_throws_even_when_the_net_fits() {
        // Weight charges near the limit, offset by the commission: the net is
        // small, the weight base of the tax is not.
        let rules = [rule("WT", base: .weight, rate: 100, direction: .charged)]
        var accumulator = SettlementAccumulator(keepLines: false)
        accumulator.add(line(amount: 1, weight: Self.max - 1, commission: Self.max - 2, mask: 1), rules: rules)
        accumulator.add(line(serial7: 1000002, amount: 1, weight: 5, commission: 4, mask: 1), rules: rules)
        assertOverflow({ () throws(AmountOverflow) in try close(&accumulator, rules: rules) }, mentions: ["weight base of tax WT", "airline 125"])
    }

    func test_a_section_total_past_int64_max_throws_naming_the_invoice() {
        // 100 % tax on a net near the limit: the section total doubles it.
        let rules = [rule("ALL", base: .net, rate: 10_000, direction: .charged)]
        var accumulator = SettlementAccumulator(keepLines: false)
        accumulator.add(line(amount: Self.max / 2 + 1, mask: 1), rules: rules)
        assertOverflow({ () throws(AmountOverflow) in try accumulator.close(Self.gb, operation: operation, rules: rules) },
                       mentions: ["agent \(AgentCodeText.format(Fixture.gbAgent))", "operation GB", "period 20261101", "section total"])
    }

    func test_a_total_that_fits_is_not_refused_for_a_partial_sum() throws {
        // net + charged alone would pass Int64.max; net + charged - credited does not.
        let rules = [rule("UP", base: .net, rate: 1000, direction: .charged), rule("DOWN", base: .net, rate: 2000, direction: .credited)]
        var accumulator = SettlementAccumulator(keepLines: false)
        accumulator.add(line(amount: Self.max - 100, mask: 0b11), rules: rules)
        let drafts = try accumulator.close(Self.gb, operation: operation, rules: rules)
        let net = Self.max - 100
        let up = Money.applyRate(net, rateHundredthsPercent: 1000), down = Money.applyRate(net, rateHundredthsPercent: 2000)
        XCTAssertEqual(drafts.first?.total, net - down + up)
    }

    func test_an_invoice_total_past_int64_max_throws_though_each_section_fits() {
        var accumulator = SettlementAccumulator(keepLines: false)
        accumulator.add(line(airline: 125, amount: Self.max - 1), rules: [])
        accumulator.add(line(airline: 131, amount: 2), rules: [])
        assertOverflow({ () throws(AmountOverflow) in try accumulator.close(Self.gb, operation: operation, rules: []) },
                       mentions: ["agent \(AgentCodeText.format(Fixture.gbAgent))", "invoice total"])
    }

    func test_a_disbursement_past_int64_max_throws_and_numbers_nothing() throws {
        var accumulator = SettlementAccumulator(keepLines: false)
        accumulator.add(line(agent: Fixture.gbAgent, amount: Self.max - 1), rules: [])
        accumulator.add(line(agent: Fixture.gbAgent2, amount: 2), rules: [])
        let drafts = try accumulator.close(Self.gb, operation: operation, rules: [])
        XCTAssertEqual(drafts.count, 2, "each invoice fits")
        var numbering = InvoiceNumbering()
        assertOverflow({ () throws(AmountOverflow) in try numbering.issue(Self.gb, drafts: drafts) },
                       mentions: ["disbursement to airline 125", "operation GB", "period 20261101", "2 invoices"])
        XCTAssertTrue(numbering.lastIssued.isEmpty, "no number used up")
        XCTAssertFalse(numbering.numbered.contains(Self.gb))
    }

    func test_the_sum_of_a_periods_invoices_past_int64_max_throws() throws {
        // Two airlines, two agents: every disbursement fits, their sum does not.
        var accumulator = SettlementAccumulator(keepLines: false)
        accumulator.add(line(agent: Fixture.gbAgent, airline: 125, amount: Self.max - 1), rules: [])
        accumulator.add(line(agent: Fixture.gbAgent2, airline: 131, amount: 2), rules: [])
        let drafts = try accumulator.close(Self.gb, operation: operation, rules: [])
        var numbering = InvoiceNumbering()
        assertOverflow({ () throws(AmountOverflow) in try numbering.issue(Self.gb, drafts: drafts) }, mentions: ["operation GB", "period 20261101"])
    }

    func test_a_correction_whose_difference_leaves_the_range_throws_naming_the_awb() throws {
        var ledger = AWBLedger()
        var original = Fixture.awb(1000001, weightCharge: 10_000)
        original.weightCharge = Int64.min + 1
        original.commission = 0
        original.netDue = Int64.min + 1
        let header = CheckedRecord(source: source(sequence: 2), country: "GB", period: Self.period, record: original, issueDate: CivilDate(iso: "2026-11-02")!)
        guard case .billed = try ledger.apply(header) else { return XCTFail("the first billing is accepted") }
        var correction = original
        correction.transaction = .cca
        correction.weightCharge = Self.max
        correction.netDue = Self.max
        let cca = CheckedRecord(source: source(sequence: 3), country: "GB", period: Self.period, record: correction, issueDate: CivilDate(iso: "2026-11-03")!)
        assertOverflow({ () throws(AmountOverflow) in try ledger.apply(cca) },
                       mentions: ["weight charge of the CCA for AWB", "operation GB", "sequence 3"])
    }

    func test_amounts_near_the_limit_that_fit_settle_to_the_cent() throws {
        var accumulator = SettlementAccumulator(keepLines: false)
        accumulator.add(line(agent: Fixture.gbAgent, amount: Self.max - 1), rules: [])
        accumulator.add(line(agent: Fixture.gbAgent2, amount: Int64.min + 1), rules: [])
        let drafts = try accumulator.close(Self.gb, operation: operation, rules: [])
        var numbering = InvoiceNumbering()
        let issued = try numbering.issue(Self.gb, drafts: drafts)
        let issue = try XCTUnwrap(issued)
        XCTAssertEqual(issue.invoices.map(\.total), [Self.max - 1, Int64.min + 1])
        XCTAssertEqual(issue.disbursements.map(\.amount), [-1])
        XCTAssertEqual(issue.total, -1)
    }

    func source(sequence: Int32) -> RecordSource {
        RecordSource(fileName: "big.xml", fileOrdinal: 1, sequence: sequence, identity: ReportedIdentity(), awbPrefixText: ASCIICode("125"),
                     awbSerialText: ASCIICode(String(CheckDigit.awbSerial(from: 1000001))))
    }
}
