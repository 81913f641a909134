import CASSDomain
import CASSEngine
import CASSLog
import CASSWorkers
import Foundation
import XCTest

/// The settle stage alone: taxed lines accumulate per invoice; a completed
/// barrier turns them into drafts; sums, lines and high-water marks
/// survive a restart.
final class SettleStageTests: XCTestCase {
    func line(_ serial7: Int, agent: Int64 = StageFixture.agent("GB"), amount: Int64) -> BilledLine {
        let date = CivilDate(yyyymmdd: 20261101)!
        return BilledLine(country: "GB", period: BillingPeriod(yyyymmnn: 20261101)!, agentCode: agent, airlinePrefix: 125,
                          awbSerial: Int32(CheckDigit.awbSerial(from: serial7)), transaction: .awb, fileName: "a.cbf", fileOrdinal: 1, sequence: Int32(serial7 % 1000),
                          issueDate: date, taxDate: date, origin: ASCIICode("LHR"), destination: ASCIICode("NRT"), chargeableWeightTenthsKg: 10,
                          weightCharge: amount, valuationCharge: 0, otherChargesDueCarrier: 0, commission: 0, incentive: 0, amount: amount,
                          reasonCode: ASCIICode("   "))
    }

    func drafts(_ out: [StageHarness.Emitted]) -> [Invoice] {
        out.on(.drafts).messages.flatMap { message -> [Invoice] in
            if case .drafts(_, _, _, let invoices) = message { return invoices }
            return []
        }
    }

    func closeAll(_ stage: StageHarness, partition: Int32) throws -> [StageHarness.Emitted] {
        var out: [StageHarness.Emitted] = []
        for source: Int32 in 0..<8 { out += try stage.push(.closeMarker(period: StageFixture.period(), source: source, sourceCount: 8), partition: partition) }
        return out
    }

    func test_lines_accumulate_across_a_restart_and_a_closed_period_gives_drafts_and_their_lines() throws {
        let stage = try StageHarness(SettleStage.definition, environment: StageFixture.environment())
        XCTAssertEqual(try stage.push(.lines(LineBatch(lines: [line(1_000_001, amount: 1_000)], originPartition: 0, originOffset: 4)), partition: 2).count, 0)
        try stage.restart()
        try stage.push(.lines(LineBatch(lines: [line(1_000_002, amount: 2_500)], originPartition: 1, originOffset: 4)), partition: 2)
        try stage.restart()
        let out = try closeAll(stage, partition: 2)
        let invoices = drafts(out)
        XCTAssertEqual(invoices.count, 1)
        XCTAssertEqual(invoices.first?.netDue, 3_500)
        XCTAssertEqual(invoices.first?.lineCount, 2)
        let parts = out.on(.drafts).messages.filter { if case .draftLines = $0 { return true } else { return false } }
        XCTAssertEqual(parts.count, 1, "the lines travel ahead in a part")
        guard case .drafts(_, let source, let count, _)? = out.on(.drafts).last?.message else { return XCTFail("drafts last") }
        XCTAssertEqual(source, 2)
        XCTAssertEqual(count, 8, "settle partitions the number stage waits for")
    }

    func test_a_withdrawn_files_lines_leave_the_open_invoices_once_every_source_sent_its_marker_across_restarts() throws {
        let stage = try StageHarness(SettleStage.definition, environment: StageFixture.environment())
        var withdrawn = line(1_000_002, amount: 2_500)
        withdrawn.fileOrdinal = 7
        var alone = line(1_000_003, agent: StageFixture.agent("GB", 1), amount: 900)
        alone.fileOrdinal = 7
        try stage.push(.lines(LineBatch(lines: [line(1_000_001, amount: 1_000), withdrawn, alone], originPartition: 0, originOffset: 4)), partition: 2)
        for source: Int32 in 0..<8 {
            try stage.push(.withdrawLines(WithdrawLines(operation: "GB", period: 20261101, ordinal: 7, source: source, sourceCount: 8)), partition: 2)
            if source == 4 { try stage.restart() }
        }
        // A duplicate marker after the barrier changes nothing.
        try stage.push(.withdrawLines(WithdrawLines(operation: "GB", period: 20261101, ordinal: 7, source: 0, sourceCount: 8)), partition: 2)
        try stage.restart()
        let out = try closeAll(stage, partition: 2)
        let invoices = drafts(out)
        XCTAssertEqual(invoices.map(\.netDue), [1_000], "the other agent's invoice had only the withdrawn file's line: it is gone")
        XCTAssertEqual(invoices.first?.lineCount, 1)
        let lines = out.on(.drafts).messages.flatMap { message -> [InvoiceLine] in
            if case .draftLines(_, _, let part) = message { return part.lines }
            return []
        }
        XCTAssertEqual(lines.map(\.awbSerial), [line(1_000_001, amount: 1_000).awbSerial], "the restored lines are the kept file's, not the withdrawn one's")
    }

    func test_without_lines_a_withdrawn_files_sums_are_taken_out_exactly_as_if_never_added() throws {
        let environment = StageEnvironment(reference: StageFixture.reference, persistState: true, keepLines: false)
        func lines(_ ordinal: Int64, _ serials: ClosedRange<Int>, agent: Int64, amount: Int64) -> [BilledLine] {
            serials.map { serial in
                var billed = line(serial, agent: agent, amount: amount)
                billed.fileOrdinal = ordinal
                billed.taxRuleMask = TaxCalculator.ruleMask(for: billed.taxDate, rules: StageFixture.reference.taxRules(for: "GB"))
                return billed
            }
        }
        let first = StageFixture.agent("GB"), second = StageFixture.agent("GB", 1)
        let kept = lines(3, 1_000_001...1_000_004, agent: first, amount: 1_234)
        let gone = lines(7, 1_000_010...1_000_012, agent: first, amount: 5_000) + lines(7, 1_000_020...1_000_021, agent: second, amount: 700)
        let stage = try StageHarness(SettleStage.definition, environment: environment)
        try stage.push(.lines(LineBatch(lines: kept, originPartition: 0, originOffset: 1)), partition: 2)
        try stage.push(.lines(LineBatch(lines: gone, originPartition: 1, originOffset: 1)), partition: 2)
        try stage.restart()
        for source: Int32 in 0..<8 {
            try stage.push(.withdrawLines(WithdrawLines(operation: "GB", period: 20261101, ordinal: 7, source: source, sourceCount: 8)), partition: 2)
            if source == 2 { try stage.restart() }
        }
        try stage.restart()
        let clean = try StageHarness(SettleStage.definition, environment: environment)
        try clean.push(.lines(LineBatch(lines: kept, originPartition: 0, originOffset: 1)), partition: 2)
        let expected = drafts(try closeAll(clean, partition: 2))
        XCTAssertEqual(expected.count, 1)
        XCTAssertEqual(drafts(try closeAll(stage, partition: 2)), expected, "the same invoice, taxes and all; the other agent's is gone")
    }

    func test_a_batch_replayed_by_an_upstream_crash_is_applied_once() throws {
        let stage = try StageHarness(SettleStage.definition, environment: StageFixture.environment())
        let batch = StageMessage.lines(LineBatch(lines: [line(1_000_001, amount: 1_000)], originPartition: 3, originOffset: 10))
        try stage.push(batch)
        try stage.restart()
        try stage.push(batch)
        XCTAssertEqual(drafts(try closeAll(stage, partition: 0)).first?.netDue, 1_000)
    }

    func test_state_keys_read_back_what_they_write() throws {
        let period = StageFixture.period()
        let keys: [SettleStage.StateKey] = [
            .sums(period, agent: 91_200_040_006), .line(period, agent: 5, fileOrdinal: 9, sequence: 3), .highWater(validatePartition: 7), .barrier(.done(period)),
            .inputLines(offset: 1_234_567), .withdrawnLines(period, fileOrdinal: 42),
        ]
        for key in keys { XCTAssertEqual(try SettleStage.StateKey(decoding: Substring(key.encoded)), key) }
        for bad in ["acc/GB/20261101", "line/GB/20261101/1/2", "hw/", "xyz/1", "in/", "in/1/2", "wdl/GB/20261101"] {
            XCTAssertThrowsError(try SettleStage.StateKey(decoding: Substring(bad)), bad)
        }
    }
}
