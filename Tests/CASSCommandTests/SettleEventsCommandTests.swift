import CASSDomain
import Foundation
import XCTest

/// `cass settle --events FILE` as a user runs it (docs/events.md).
final class SettleEventsCommandTests: XCTestCase {
    func test_events_jsonl_holds_one_CloudEvent_a_line_and_an_invoice_issued_per_CSV_row() throws {
        let folder = try CommandRunner.temporaryFolder(self, "events")
        let (reference, input) = try CommandRunner.samples(into: folder)
        let output = folder.appendingPathComponent("out")
        // Inside the output folder only as its events.jsonl, which the manifest lists.
        let events = output.appendingPathComponent("events.jsonl")
        let run = try CommandRunner.run(["settle", "--quiet", "--no-documents", "--reference", reference.path, "--input", input.path,
                                         "--output", output.path, "--events", events.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        try CommandRunner.assertFolderMatchesManifest(output)
        XCTAssertNotNil(try CommandRunner.manifest(output).files["events.jsonl"])
        let lines = try String(contentsOf: events, encoding: .utf8).split(separator: "\n")
        var types: [String: Int] = [:]
        var ids: Set<String> = []
        for line in lines {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["specversion"] as? String, "1.0")
            types[object["type"] as? String ?? "", default: 0] += 1
            XCTAssertTrue(ids.insert(object["id"] as? String ?? "").inserted, "id twice: \(object["id"] ?? "")")
        }
        let agentsRows = try String(contentsOf: output.appendingPathComponent("settlement-agents.csv"), encoding: .utf8).split(separator: "\n").count - 1
        XCTAssertEqual(types["org.opencass.invoice.issued"], agentsRows)
        XCTAssertGreaterThan(types["org.opencass.invoice.lines"] ?? 0, 0, "--events keeps the lines even with --no-documents")
        XCTAssertGreaterThan(types["org.opencass.period.closed"] ?? 0, 0)
        XCTAssertGreaterThan(types["org.opencass.file.rejected"] ?? 0, 0)
    }

    func test_an_events_file_that_cannot_be_written_is_refused_before_the_run() throws {
        let folder = try CommandRunner.temporaryFolder(self, "events-refused")
        let (reference, input) = try CommandRunner.samples(into: folder)
        let output = folder.appendingPathComponent("out")
        for (path, says) in [(output.appendingPathComponent("sub/e.jsonl").path, "inside the output folder"),
                             (folder.appendingPathComponent("missing/e.jsonl").path, "does not exist"),
                             (folder.path, "is a folder")] {
            let run = try CommandRunner.run(["settle", "--quiet", "--reference", reference.path, "--input", input.path, "--output", output.path, "--events", path])
            XCTAssertEqual(run.status, 2, run.stderr)
            XCTAssertTrue(run.stderr.contains(says), run.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "nothing ran")
        }
    }
}
