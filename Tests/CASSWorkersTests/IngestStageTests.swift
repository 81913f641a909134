import CASSDomain
import CASSEngine
import CASSLog
import CASSWorkers
import Foundation
import XCTest

/// The ingest stage alone: one file in, its records, rejections and
/// outcome out; its registry (F04) and closed periods (F08) survive a
/// restart; paths and names are confined.
final class IngestStageTests: XCTestCase {
    func harness(spool: URL? = nil) throws -> StageHarness {
        try StageHarness(IngestStage.definition, environment: StageFixture.environment(spool: spool))
    }

    func test_a_file_becomes_checked_records_on_their_AWBs_partitions_and_an_outcome() throws {
        let stage = try harness()
        let records = (1...20).map { StageFixture.record(1_000_000 + $0) } + [StageFixture.record(1_000_100, agent: 12)]
        let out = try stage.push(.file(name: "a.cbf", bytes: StageFixture.file(records: records)), key: "GB")
        var checked = 0
        for emitted in out.on(.records) {
            guard case .checked(let batch)? = emitted.message else { return XCTFail("records carry checked batches") }
            for record in batch.records {
                let route = AWBRoute(operation: ASCIICode("GB"), prefix: record.record.airlinePrefix, serial: record.record.awbSerial)
                XCTAssertEqual(emitted.partition, IngestStage.records.partition(for: route, count: 8), "each record on its AWB's partition")
            }
            checked += batch.records.count
        }
        XCTAssertEqual(checked, 20)
        XCTAssertEqual(out.on(.rejections).rejections.map(\.code), [.R02], "the record with a bad agent")
        guard case .fileOutcome(let outcome)? = out.on(.events).first?.message else { return XCTFail("an outcome event") }
        XCTAssertTrue(outcome.accepted)
        XCTAssertEqual(outcome.recordsPassed, 20)
        XCTAssertEqual(outcome.recordsRejected, 1)
        XCTAssertEqual(out.deadLetters.count, 0)
    }

    func test_the_registry_survives_a_restart_so_a_duplicate_file_is_still_F04() throws {
        let stage = try harness()
        let bytes = StageFixture.file(records: [StageFixture.record(1_000_001)])
        XCTAssertEqual(try stage.push(.file(name: "a.cbf", bytes: bytes)).on(.rejections).count, 0)
        XCTAssertTrue(try stage.stateEntries().contains { $0.key == "reg/125/GB/20261101/1" })
        try stage.restart()
        let again = try stage.push(.file(name: "b.cbf", bytes: bytes))
        XCTAssertEqual(again.on(.rejections).rejections.map(\.code), [.F04])
        XCTAssertEqual(again.on(.records).count, 0)
    }

    func test_a_close_marker_goes_to_every_records_partition_and_closes_the_period_even_after_a_restart() throws {
        let stage = try harness()
        let out = try stage.push(.closeMarker(period: StageFixture.period(), source: 0, sourceCount: 1))
        XCTAssertEqual(out.on(.records).map(\.partition).sorted(), Array(0..<8))
        for emitted in out.on(.records) {
            guard case .closeMarker(let period, let source, let count)? = emitted.message else { return XCTFail("markers") }
            XCTAssertEqual(period, StageFixture.period())
            XCTAssertEqual(source, 0)
            XCTAssertEqual(count, 1)
        }
        try stage.restart()
        let late = try stage.push(.file(name: "late.cbf", bytes: StageFixture.file(records: [StageFixture.record(1_000_001)])))
        XCTAssertEqual(late.on(.rejections).rejections.map(\.code), [.F08])
    }

    func test_file_paths_are_read_only_inside_the_spool_folder() throws {
        let spool = try StageFixture.temporaryFolder(self)
        let outside = try StageFixture.temporaryFolder(self, "outside")
        let bytes = StageFixture.file(records: [StageFixture.record(1_000_001)])
        try Data(bytes).write(to: spool.appendingPathComponent("in.cbf"))
        try Data(bytes).write(to: outside.appendingPathComponent("secret.cbf"))
        try FileManager.default.createSymbolicLink(at: spool.appendingPathComponent("link.cbf"), withDestinationURL: outside.appendingPathComponent("secret.cbf"))
        try FileManager.default.createDirectory(at: spool.appendingPathComponent("dir.cbf"), withIntermediateDirectories: true)
        let stage = try harness(spool: spool)
        let inside = try stage.push(.fileAt(name: "in.cbf", path: spool.appendingPathComponent("in.cbf").path))
        XCTAssertEqual(inside.on(.records).count, 1, "a file in the spool is read")
        let attempts = [
            outside.appendingPathComponent("secret.cbf").path,
            spool.appendingPathComponent("../" + outside.lastPathComponent + "/secret.cbf").path,
            spool.appendingPathComponent("link.cbf").path,
            spool.appendingPathComponent("dir.cbf").path,
            spool.path,
            "/etc/passwd",
        ]
        for path in attempts {
            let out = try stage.push(.fileAt(name: "escape.cbf", path: path))
            XCTAssertEqual(out.on(.records).count, 0, path)
            XCTAssertEqual(out.deadLetters.count, 1, path)
            XCTAssertTrue(out.deadLetters.first?.header("cass.error")?.contains("refused") == true, out.deadLetters.first?.header("cass.error") ?? "")
        }
        let noSpool = try harness()
        let refused = try noSpool.push(.fileAt(name: "in.cbf", path: spool.appendingPathComponent("in.cbf").path))
        XCTAssertTrue(refused.deadLetters.first?.header("cass.error")?.contains("no spool folder") == true)
    }

    func test_names_with_path_separators_or_control_characters_or_too_long_are_refused() throws {
        let stage = try harness()
        let bytes = StageFixture.file(records: [StageFixture.record(1_000_001)])
        for name in ["../../etc/x.cbf", "a/b.cbf", "a\\b.cbf", "evil\n125,GB.cbf", "tab\t.cbf", "", ".", "..", String(repeating: "x", count: 256) + ".cbf"] {
            let out = try stage.push(.file(name: name, bytes: bytes))
            XCTAssertEqual(out.on(.records).count, 0, name)
            XCTAssertEqual(out.deadLetters.count, 1, name)
            XCTAssertTrue(out.deadLetters.first?.header("cass.error")?.contains("file name refused") == true, name)
        }
        XCTAssertEqual(try stage.push(.file(name: "ok Ä-1.cbf", bytes: bytes)).on(.records).count, 1, "spaces and letters are fine")
    }

    func test_a_damaged_state_entry_stops_the_worker_naming_key_partition_and_offset() throws {
        let stage = try harness()
        try stage.push(.file(name: "a.cbf", bytes: StageFixture.file(records: [StageFixture.record(1_000_001)])))
        try stage.writeState(key: "reg/125/GB/notaperiod/1", value: [1])
        try stage.writeState(key: StageWorkerMarker.offset, value: [0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertThrowsError(try stage.restart()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("reg/125/GB/notaperiod/1"), text)
            XCTAssertTrue(text.contains("cass.state[0]"), text)
            XCTAssertTrue(text.contains("offset"), text)
            XCTAssertTrue(error is StateRestoreFailure)
        }
        XCTAssertTrue(stage.worker.isBroken, "the worker stops rather than run without its state")
        XCTAssertThrowsError(try stage.worker.step())
    }

    func test_an_unknown_state_entry_is_not_skipped_either() throws {
        let stage = try harness()
        try stage.writeState(key: "mystery/1", value: [1])
        try stage.writeState(key: StageWorkerMarker.offset, value: [0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertThrowsError(try stage.restart()) { XCTAssertTrue("\($0)".contains("mystery/1"), "\($0)") }
    }

    func test_state_keys_read_back_what_they_write() throws {
        let keys: [IngestStage.StateKey] = [
            .registered(FileRegistry.Key(airline: 125, operation: "GB", period: 20261104, fileSequence: 17)),
            .closed(StageFixture.period("JP", 20270102)),
        ]
        for key in keys { XCTAssertEqual(try IngestStage.StateKey(decoding: Substring(key.encoded)), key) }
        for bad in ["reg/125/GB/20261104", "reg/x/GB/20261104/1", "closed/GB", "closed/GB/20261199", "reg/125//20261101/1"] {
            XCTAssertThrowsError(try IngestStage.StateKey(decoding: Substring(bad)), bad)
        }
    }
}

/// The worker's offset-marker key, as tests write it.
enum StageWorkerMarker {
    static let offset = "@offset"
}
