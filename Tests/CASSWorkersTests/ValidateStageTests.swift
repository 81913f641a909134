import CASSDomain
import CASSEngine
import CASSLog
import CASSWorkers
import Foundation
import XCTest

/// The validate stage alone: checked records in, billed lines and R10/R11
/// rejections out; the ledger (per operation) and barrier progress
/// survive a restart.
final class ValidateStageTests: XCTestCase {
    /// One ingest stage for the test: files get increasing places in the
    /// processing order, as on a real files partition.
    var ingest: StageHarness?

    /// What ingest makes of a file: its checked-record messages, by partition.
    func checked(_ bytes: [UInt8], name: String = "a.cbf") throws -> [(partition: Int32, message: StageMessage)] {
        let ingest = try self.ingest ?? StageHarness(IngestStage.definition, environment: StageFixture.environment())
        self.ingest = ingest
        return try ingest.push(.file(name: name, bytes: bytes)).on(.records).map { ($0.partition, $0.message!) }
    }

    func harness() throws -> StageHarness {
        try StageHarness(ValidateStage.definition, environment: StageFixture.environment())
    }

    func push(_ stage: StageHarness, _ messages: [(partition: Int32, message: StageMessage)]) throws -> [StageHarness.Emitted] {
        var out: [StageHarness.Emitted] = []
        for (partition, message) in messages { out += try stage.push(message, partition: partition) }
        return out
    }

    func lines(_ out: [StageHarness.Emitted]) -> [BilledLine] {
        out.on(.lines).messages.flatMap { message -> [BilledLine] in
            if case .lines(let batch) = message { return batch.lines }
            return []
        }
    }

    func test_records_become_lines_on_their_invoices_partitions() throws {
        let stage = try harness()
        let out = try push(stage, try checked(StageFixture.file(records: (1...10).map { StageFixture.record(1_000_000 + $0) })))
        let billed = lines(out)
        XCTAssertEqual(billed.count, 10)
        for emitted in out.on(.lines) {
            guard case .lines(let batch)? = emitted.message else { continue }
            for line in batch.lines {
                XCTAssertEqual(emitted.partition, ValidateStage.lines.partition(for: InvoiceRoute(country: line.country, agent: line.agentCode), count: 8))
            }
        }
        XCTAssertEqual(out.on(.rejections).count, 0)
    }

    func test_the_ledger_survives_a_restart_so_a_duplicate_is_still_R10_and_a_correction_a_difference() throws {
        let stage = try harness()
        let first = try checked(StageFixture.file(records: [StageFixture.record(1_000_001, weightCharge: 10_000)]))
        _ = try push(stage, first)
        XCTAssertTrue(try stage.stateEntries(partition: first[0].partition).contains { $0.key.hasPrefix("awbs/") })
        try stage.restart()
        let duplicate = try push(stage, try checked(StageFixture.file(sequence: 2, records: [StageFixture.record(1_000_001)]), name: "b.cbf"))
        XCTAssertEqual(duplicate.on(.rejections).rejections.map(\.code), [.R10])
        try stage.restart()
        let correction = try push(stage, try checked(StageFixture.file(sequence: 3, records: [StageFixture.record(1_000_001, transaction: .cca, weightCharge: 12_000)]), name: "c.cbf"))
        XCTAssertEqual(lines(correction).map(\.weightCharge), [2_000], "the difference to the restored version")
    }

    func test_the_same_AWB_in_another_operation_is_another_AWB() throws {
        let stage = try harness()
        _ = try push(stage, try checked(StageFixture.file(records: [StageFixture.record(1_000_001)])))
        try stage.restart()
        let japan = try push(stage, try checked(StageFixture.file(country: "JP", records: [StageFixture.record(1_000_001, country: "JP")]), name: "jp.cbf"))
        XCTAssertEqual(japan.on(.rejections).count, 0)
        XCTAssertEqual(lines(japan).map(\.country), ["JP"])
        let correction = try push(stage, try checked(StageFixture.file(country: "JP", sequence: 2, records: [StageFixture.record(1_000_002, country: "JP", transaction: .cca)]), name: "jp2.cbf"))
        XCTAssertEqual(correction.on(.rejections).rejections.map(\.code), [.R11])
    }

    func test_a_replayed_message_bills_nothing_twice() throws {
        let stage = try harness()
        let messages = try checked(StageFixture.file(records: [StageFixture.record(1_000_001)]))
        XCTAssertEqual(lines(try push(stage, messages)).count, 1)
        let replay = try push(stage, messages)
        XCTAssertEqual(lines(replay).count, 0, "the ledger knows the record")
        XCTAssertEqual(replay.on(.rejections).count, 0, "and a replay is no duplicate")
    }

    func test_the_barrier_waits_for_every_source_across_a_restart_then_forwards_to_every_lines_partition() throws {
        let stage = try harness()
        let period = StageFixture.period()
        XCTAssertEqual(try stage.push(.closeMarker(period: period, source: 0, sourceCount: 2), partition: 3).count, 0)
        try stage.restart()
        XCTAssertEqual(try stage.push(.closeMarker(period: period, source: 0, sourceCount: 2), partition: 3).count, 0, "the same source again")
        let out = try stage.push(.closeMarker(period: period, source: 1, sourceCount: 2), partition: 3)
        XCTAssertEqual(out.on(.lines).map(\.partition).sorted(), Array(0..<8))
        guard case .closeMarker(_, let source, let count)? = out.first?.message else { return XCTFail("a marker") }
        XCTAssertEqual(source, 3, "the forwarding partition")
        XCTAssertEqual(count, 8, "validate partitions feeding each lines partition")
        try stage.restart()
        XCTAssertEqual(try stage.push(.closeMarker(period: period, source: 1, sourceCount: 2), partition: 3).count, 0, "forwarded once")
    }

    func test_ledger_entries_of_the_old_layout_stop_the_worker() throws {
        let stage = try harness()
        try stage.writeState(key: "awbs/7", value: [0, 0, 0, 0])
        try stage.writeState(key: StageWorkerMarker.offset, value: [7, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertThrowsError(try stage.restart()) { XCTAssertTrue("\($0)".contains("awbs/7"), "\($0)") }
    }

    func test_state_keys_read_back_what_they_write() throws {
        let keys: [ValidateStage.StateKey] = [
            .ledger(inputOffset: 123_456), .barrier(.arrived(StageFixture.period(), source: 3)), .barrier(.done(StageFixture.period("KW", 20261202))),
        ]
        for key in keys { XCTAssertEqual(try ValidateStage.StateKey(decoding: Substring(key.encoded)), key) }
        for bad in ["awbs/", "awbs/x", "bar/GB/20261101", "bardone/GB/2026", "lines/1"] {
            XCTAssertThrowsError(try ValidateStage.StateKey(decoding: Substring(bad)), bad)
        }
    }
}
