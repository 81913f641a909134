import CASSDomain
import Foundation
import XCTest

/// settlement.md "The output folder", driven through `cass settle` as a
/// user (or an unlucky operator) would.
final class OutputFolderTests: XCTestCase {
    func settle(_ reference: URL, _ input: URL, _ output: URL, documents: Bool = true) throws -> CommandRunner.Finished {
        try CommandRunner.run(["settle", "--quiet", "--reference", reference.path, "--input", input.path, "--output", output.path]
                              + (documents ? [] : ["--no-documents"]))
    }

    /// A new temporary folder with the samples, and a first good run into
    /// its `out`.
    func firstRun(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> (folder: URL, reference: URL, input: URL, output: URL) {
        let folder = try CommandRunner.temporaryFolder(self, name)
        let (reference, input) = try CommandRunner.samples(into: folder)
        let output = folder.appendingPathComponent("out")
        let first = try settle(reference, input, output)
        XCTAssertEqual(first.status, 0, first.stderr, file: file, line: line)
        return (folder, reference, input, output)
    }

    func test_a_run_writes_its_manifest_last_and_a_rerun_leaves_nothing_of_the_earlier_one() throws {
        let (folder, reference, input, output) = try firstRun("rerun")
        try CommandRunner.assertFolderMatchesManifest(output)
        let manifest = try CommandRunner.manifest(output)
        for name in ["settlement-agents.csv", "settlement-airlines.csv", "rejections.csv"] { XCTAssertNotNil(manifest.files[name], name) }
        XCTAssertTrue(manifest.files.keys.contains { $0.hasPrefix("invoices/") && $0.hasSuffix(".pdf") })
        XCTAssertTrue(manifest.files.keys.contains { $0.hasPrefix("rejections/") })
        XCTAssertTrue(manifest.files.keys.contains { $0.hasPrefix("statistics/") })
        let before = CommandRunner.files(under: output)
        // Second run: one file of one airline only.
        let small = folder.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: small, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: input.appendingPathComponent("125_GB_20261101_000001.cbf"), to: small.appendingPathComponent("125_GB_20261101_000001.cbf"))
        let result = try settle(reference, small, output)
        XCTAssertEqual(result.status, 0, result.stderr)
        try CommandRunner.assertFolderMatchesManifest(output)
        let after = CommandRunner.files(under: output)
        XCTAssertLessThan(after.count, before.count / 4, "the earlier run's invoices, reports and statistics are gone")
        XCTAssertFalse(after.contains { $0.hasPrefix("invoices/JP") }, "no invoice of an operation the second run did not settle")
        let agents = try String(contentsOf: output.appendingPathComponent("settlement-agents.csv"), encoding: .utf8)
        XCTAssertFalse(agents.contains("\nJP,"), agents)
    }

    /// A second run of the same input into the same folder rewrites the
    /// earlier documents in place (same inodes: no thousands of files
    /// removed and made again, docs/documents.md), but replaces one that
    /// has another name too, whose other name keeps its bytes.
    func test_a_rerun_rewrites_the_earlier_documents_in_place_but_never_a_hard_linked_one() throws {
        let (folder, reference, input, output) = try firstRun("inplace")
        let documents = CommandRunner.files(under: output).filter { $0.hasPrefix("invoices/") }
        XCTAssertGreaterThan(documents.count, 10)
        func inode(_ path: String) -> UInt64? {
            var info = stat()
            return lstat(path, &info) == 0 ? UInt64(info.st_ino) : nil
        }
        var inodes: [String: UInt64] = [:]
        for path in documents { inodes[path] = inode(output.appendingPathComponent(path).path) }
        let linked = try XCTUnwrap(documents.first { $0.hasSuffix(".pdf") })
        let archive = folder.appendingPathComponent("archive.pdf").path
        XCTAssertEqual(link(output.appendingPathComponent(linked).path, archive), 0)
        let archived = try Data(contentsOf: URL(fileURLWithPath: archive))
        let second = try settle(reference, input, output)
        XCTAssertEqual(second.status, 0, second.stderr)
        try CommandRunner.assertFolderMatchesManifest(output)
        XCTAssertEqual(CommandRunner.files(under: output).filter { $0.hasPrefix("invoices/") }, documents)
        for path in documents where path != linked {
            XCTAssertEqual(inode(output.appendingPathComponent(path).path), inodes[path], "\(path) was not rewritten in place")
        }
        XCTAssertNotEqual(inode(output.appendingPathComponent(linked).path), inodes[linked], "a hard-linked document is replaced")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: archive)), archived)
    }

    func test_a_second_run_into_the_same_folder_at_once_is_refused() throws {
        let folder = try CommandRunner.temporaryFolder(self, "concurrent")
        let (reference, input) = try CommandRunner.samples(into: folder)
        var refused = false
        for attempt in 1...5 where !refused {
            let output = folder.appendingPathComponent("out\(attempt)")
            let first = try CommandRunner.start(["settle", "--quiet", "--reference", reference.path, "--input", input.path, "--output", output.path],
                                                stdout: folder.appendingPathComponent("first.out"), stderr: folder.appendingPathComponent("first.err"))
            // A run writes into a new folder only once it holds the lock:
            // the first entry in it says the first run has it. (Starting
            // both at once would race for the lock, and either may win.)
            let deadline = Date().addingTimeInterval(60)
            while first.isRunning && Date() < deadline
                    && ((try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []).isEmpty { usleep(1_000) }
            let second = try settle(reference, input, output)
            first.waitUntilExit()
            XCTAssertEqual(first.terminationStatus, 0, (try? String(contentsOf: folder.appendingPathComponent("first.err"), encoding: .utf8)) ?? "")
            try CommandRunner.assertFolderMatchesManifest(output)
            if second.status == 0 {
                // The first had finished before the second began: try again.
                continue
            }
            XCTAssertEqual(second.status, 1)
            XCTAssertTrue(second.stderr.contains("another cass run is writing to the output folder"), second.stderr)
            refused = true
        }
        XCTAssertTrue(refused, "a run into a folder another run is writing was not refused")
    }

    func test_a_killed_run_leaves_no_result_and_the_next_run_a_clean_one() throws {
        // An earlier good result, then a run killed while it writes documents.
        let (folder, reference, input, output) = try firstRun("killed")
        let run = try CommandRunner.start(["settle", "--quiet", "--reference", reference.path, "--input", input.path, "--output", output.path],
                                          stdout: folder.appendingPathComponent("k.out"), stderr: folder.appendingPathComponent("k.err"))
        let deadline = Date().addingTimeInterval(120)
        let manifest = output.appendingPathComponent("manifest.json").path
        while run.isRunning && Date() < deadline && FileManager.default.fileExists(atPath: manifest) { usleep(1_000) }
        while run.isRunning && Date() < deadline {
            let documents = (try? FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("invoices").path)) ?? []
            if documents.count > 20 { break }
            usleep(2_000)
        }
        kill(run.processIdentifier, SIGKILL)
        run.waitUntilExit()
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.appendingPathComponent("manifest.json").path),
                       "a killed run's folder has no manifest: it is not a result")
        // A stale temporary file such as a kill can leave mid-write.
        try Data("half".utf8).write(to: output.appendingPathComponent(".cass-999999-deadbeef.tmp"))
        try Data("half".utf8).write(to: output.appendingPathComponent("invoices/.cass-999999-feed.tmp"))
        let result = try settle(reference, input, output)
        XCTAssertEqual(result.status, 0, result.stderr)
        try CommandRunner.assertFolderMatchesManifest(output)
        XCTAssertFalse(CommandRunner.files(under: output).contains { $0.hasSuffix(".tmp") }, "no temporary file survives a later run")
    }

    func test_long_and_hostile_file_names_never_break_the_run() throws {
        let folder = try CommandRunner.temporaryFolder(self, "names")
        let (reference, input) = try CommandRunner.samples(into: folder)
        let names = [
            String(repeating: "a", count: 216) + ".cbf",
            String(repeating: "b", count: 251) + ".cbf",
            String(repeating: "日", count: 83) + ".cbf",
            "evil,125,GB,20261101,0,F01,\nx.cbf",
            "quote\"and,comma.cbf",
            ".hidden.cbf",
        ]
        for name in names { try Data("not a billing file\n".utf8).write(to: input.appendingPathComponent(name)) }
        let output = folder.appendingPathComponent("out")
        let result = try settle(reference, input, output, documents: false)
        XCTAssertEqual(result.status, 0, result.stderr)
        try CommandRunner.assertFolderMatchesManifest(output)
        // Each name is one row of rejections.csv, read back as RFC 4180 says.
        let csv = try Data(contentsOf: output.appendingPathComponent("rejections.csv"))
        let rows = try CSV.parse(Array(csv), allowingLineBreaks: true)
        XCTAssertEqual(rows.first?.fields, ["file", "airline", "country", "period", "sequence", "code", "awb"])
        for row in rows.dropFirst() { XCTAssertEqual(row.fields.count, 7, "\(row.fields)") }
        for name in names {
            let matching = rows.filter { $0.fields.first == name }
            XCTAssertEqual(matching.count, 1, name.debugDescription)
            XCTAssertEqual(matching.first?.fields[5], "F06", name.debugDescription)
        }
        XCTAssertFalse(rows.contains { $0.fields.first == "evil" || $0.fields.first == "x.cbf" }, "no forged row")
        // One readable report per rejected file, under a name the file system takes.
        let reports = CommandRunner.files(under: output).filter { $0.hasPrefix("rejections/") }
        XCTAssertEqual(Set(reports).count, reports.count)
        XCTAssertGreaterThanOrEqual(reports.count, names.count)
        for report in reports { XCTAssertLessThanOrEqual(report.utf8.count - "rejections/".utf8.count, 255, report) }
    }

    func test_entries_that_are_not_readable_files_are_reported_and_skipped() throws {
        let folder = try CommandRunner.temporaryFolder(self, "entries")
        let (reference, input) = try CommandRunner.samples(into: folder)
        try FileManager.default.createDirectory(at: input.appendingPathComponent("x.cbf"), withIntermediateDirectories: true)
        XCTAssertEqual(mkfifo(input.appendingPathComponent("pipe.cbf").path, 0o644), 0)
        try FileManager.default.createSymbolicLink(atPath: input.appendingPathComponent("broken.xml").path, withDestinationPath: "/nonexistent/file.xml")
        try FileManager.default.createSymbolicLink(atPath: input.appendingPathComponent("link.cbf").path,
                                                   withDestinationPath: input.appendingPathComponent("125_GB_20261101_000001.cbf").path)
        let unreadable = input.appendingPathComponent("locked.cbf")
        try Data("HDR".utf8).write(to: unreadable)
        chmod(unreadable.path, 0)
        let output = folder.appendingPathComponent("out")
        let result = try settle(reference, input, output, documents: false)
        XCTAssertEqual(result.status, 0, result.stderr)
        let manifest = try CommandRunner.manifest(output)
        XCTAssertEqual(manifest.skipped["x.cbf"], "a folder, not a file")
        XCTAssertEqual(manifest.skipped["pipe.cbf"], "a named pipe (FIFO), not a file")
        XCTAssertEqual(manifest.skipped["broken.xml"], "a symbolic link to nothing (broken link)")
        XCTAssertNil(manifest.skipped["link.cbf"], "a link to a file is that file")
        if getuid() != 0 {
            XCTAssertEqual(manifest.skipped["locked.cbf"], "cannot be read: permission denied")
        }
        for name in ["x.cbf", "pipe.cbf", "broken.xml"] {
            XCTAssertTrue(result.stderr.contains("warning: skipped input \(name)"), result.stderr)
        }
        XCTAssertFalse(result.stderr.contains("NSCocoaErrorDomain"), result.stderr)
    }

    /// A Latin-1 name from an old share is not UTF-8: it has no faithful
    /// name for rejections.csv, so it is reported as such (its bytes as
    /// `\xNN`) and skipped, beside the other files, which settle.
    func test_a_name_that_is_not_utf8_is_reported_as_such_and_skipped() throws {
        let folder = try CommandRunner.temporaryFolder(self, "latin1")
        let (reference, input) = try CommandRunner.samples(into: folder)
        let bytes = Array(input.path.utf8) + Array("/caf".utf8) + [0xE9] + Array(".cbf".utf8) + [0]
        let descriptor = bytes.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { Foundation.open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) } }
        XCTAssertGreaterThanOrEqual(descriptor, 0)
        let content = try Data(contentsOf: input.appendingPathComponent("125_GB_20261101_000001.cbf"))
        _ = content.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        let output = folder.appendingPathComponent("out")
        let result = try settle(reference, input, output, documents: false)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("warning: skipped input caf\\xE9.cbf: its name is not UTF-8"), result.stderr)
        XCTAssertFalse(result.stderr.contains("no such file"), result.stderr)
        let manifest = try CommandRunner.manifest(output)
        XCTAssertEqual(manifest.skipped.count, 1, "\(manifest.skipped)")
        XCTAssertTrue(manifest.skipped["caf\\xE9.cbf"]?.contains("not UTF-8") ?? false, "\(manifest.skipped)")
        XCTAssertTrue(manifest.files.keys.contains("invoices/GB2026000001.json") || manifest.files.keys.contains { $0.hasPrefix("rejections/") })
        try CommandRunner.assertFolderMatchesManifest(output)
    }

    func test_a_folder_holding_other_files_is_refused_and_kept() throws {
        let folder = try CommandRunner.temporaryFolder(self, "foreign")
        let (reference, input) = try CommandRunner.samples(into: folder)
        let output = folder.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: output.appendingPathComponent("thesis.tex"))
        let result = try settle(reference, input, output, documents: false)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("'thesis.tex', which cass did not write"), result.stderr)
        XCTAssertEqual(try String(contentsOf: output.appendingPathComponent("thesis.tex"), encoding: .utf8), "mine")
    }

    func test_an_unusable_output_folder_is_a_sentence_not_a_foundation_dump() throws {
        let folder = try CommandRunner.temporaryFolder(self, "unusable")
        let (reference, input) = try CommandRunner.samples(into: folder)
        let file = folder.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        for output in [file, file.appendingPathComponent("below"), URL(fileURLWithPath: "/proc/cass-output-\(getpid())")] {
            let result = try settle(reference, input, output, documents: false)
            XCTAssertEqual(result.status, 1, output.path)
            XCTAssertTrue(result.stderr.contains(output.path), result.stderr)
            for dump in ["NSCocoaErrorDomain", "Error Domain", "Code=", "UserInfo"] {
                XCTAssertFalse(result.stderr.contains(dump), result.stderr)
            }
        }
    }

    func test_bad_reference_data_leaves_an_earlier_result_untouched() throws {
        let folder = try CommandRunner.temporaryFolder(self, "badref")
        let (reference, input) = try CommandRunner.samples(into: folder)
        let output = folder.appendingPathComponent("out")
        XCTAssertEqual(try settle(reference, input, output, documents: false).status, 0)
        let rules = reference.appendingPathComponent("tax-rules.csv")
        let text = try String(contentsOf: rules, encoding: .utf8).replacingOccurrences(of: ",1000,charged,", with: ",9223372036854775807,charged,")
        try text.write(to: rules, atomically: true, encoding: .utf8)
        let result = try settle(reference, input, output, documents: false)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("tax-rules.csv, line 5, column 5 (rate)"), result.stderr)
        try CommandRunner.assertFolderMatchesManifest(output)
    }
}
