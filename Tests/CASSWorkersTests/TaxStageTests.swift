import CASSDomain
import CASSEngine
import CASSLog
import CASSWorkers
import Foundation
import XCTest

/// The tax stage alone: lines in, the same lines with the operation's
/// applicable tax rules out, on the same invoice partition.
final class TaxStageTests: XCTestCase {
    func line(_ serial7: Int, country: String = "GB", taxDate: Int = 20261101) -> BilledLine {
        let date = CivilDate(yyyymmdd: taxDate)!
        return BilledLine(country: country, period: BillingPeriod(yyyymmnn: 20261101)!, agentCode: StageFixture.agent(country), airlinePrefix: 125,
                          awbSerial: Int32(CheckDigit.awbSerial(from: serial7)), transaction: .awb, fileName: "a.cbf", fileOrdinal: 1, sequence: 2,
                          issueDate: date, taxDate: date, origin: ASCIICode("LHR"), destination: ASCIICode("NRT"), chargeableWeightTenthsKg: 10,
                          weightCharge: 10_000, valuationCharge: 0, otherChargesDueCarrier: 0, commission: 500, incentive: 0, amount: 9_500,
                          reasonCode: ASCIICode("   "))
    }

    func test_lines_come_out_with_their_rule_masks_on_the_same_partition_after_a_restart_too() throws {
        let stage = try StageHarness(TaxStage.definition, environment: StageFixture.environment())
        let batch = LineBatch(lines: [line(1_000_001), line(1_000_002, country: "JP"), line(1_000_003, taxDate: 20270105)], originPartition: 2, originOffset: 9)
        let rules = { (country: String) in StageFixture.reference.taxRules(for: country) }
        var expected = batch
        for index in expected.lines.indices {
            expected.lines[index].taxRuleMask = TaxCalculator.ruleMask(for: expected.lines[index].taxDate, rules: rules(expected.lines[index].country))
        }
        XCTAssertTrue(expected.lines.contains { $0.taxRuleMask != 0 }, "the sample rules apply to some lines")
        for round in 0..<2 {
            let out = try stage.push(.lines(batch), partition: 5, key: "a.cbf")
            XCTAssertEqual(out.count, 1)
            XCTAssertEqual(out.first?.topic, Topic.billed.name)
            XCTAssertEqual(out.first?.partition, 5, "cass.billed is partitioned like cass.lines")
            XCTAssertEqual(out.first?.value, StageMessage.lines(expected).encoded(), "round \(round): the byte path equals decode, set, encode")
            try stage.restart()
        }
    }

    func test_markers_are_forwarded_once_every_lines_source_has_sent_one() throws {
        let stage = try StageHarness(TaxStage.definition, environment: StageFixture.environment())
        let period = StageFixture.period()
        for source: Int32 in 0..<7 {
            XCTAssertEqual(try stage.push(.closeMarker(period: period, source: source, sourceCount: 8), partition: 1).count, 0)
            if source == 3 { try stage.restart() }
        }
        XCTAssertEqual(try stage.push(.closeMarker(period: period, source: 7, sourceCount: 8), partition: 1).on(.billed).count, 8)
    }
}
