import CASSDomain
import CASSOneRecord
import CASSWorkers
import Foundation
import XCTest

/// `cass settle --read-threads N` (docs/settle-parallel-reading.md): files
/// read ahead on several threads give the very output of the sequential
/// reading, byte for byte, on a folder mixing CBF, RDF/XML and JSON-LD with
/// files rejected whole (unreadable, duplicates whose rejection depends on
/// the processing order) and files with rejected records.
final class SettleParallelReadingTests: XCTestCase {
    /// The samples, two thirds converted to XML or JSON-LD, some kept twice
    /// (CBF and XML twin: the later in processing order is a duplicate,
    /// F04), plus a truncated XML, a JSON-LD that is not JSON and an empty XML.
    func mixedFolder() throws -> (reference: URL, input: URL, folder: URL) {
        let folder = try CommandRunner.temporaryFolder(self, "parread")
        let (reference, input) = try CommandRunner.samples(into: folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: input.path).filter { $0.hasSuffix(".cbf") }.sorted()
        var converted = 0, twins = 0
        var someXML: [UInt8] = []
        for (index, name) in names.enumerated() where index % 3 != 2 {
            let url = input.appendingPathComponent(name)
            let bytes = [UInt8](try Data(contentsOf: url))
            let format: BillingFileFormat = index % 3 == 0 ? .xml : .jsonld
            guard let twin = try? FileConverter.convert(bytes: bytes, fileName: name, to: format) else { continue }
            let stem = String(name.dropLast(4))
            try Data(twin).write(to: input.appendingPathComponent(stem + "." + format.rawValue))
            if format == .xml, someXML.count < twin.count { someXML = twin }
            if index % 7 == 0 {
                twins += 1
            } else {
                try FileManager.default.removeItem(at: url)
                converted += 1
            }
        }
        XCTAssertGreaterThan(converted, 20, "most samples convert")
        XCTAssertGreaterThan(twins, 3)
        try Data(someXML.prefix(someXML.count / 2)).write(to: input.appendingPathComponent("125_GB_20261101_999991_truncated.xml"))
        try Data("{ \"@context\": not json".utf8).write(to: input.appendingPathComponent("125_GB_20261101_999992_garbage.jsonld"))
        try Data().write(to: input.appendingPathComponent("125_GB_20261101_999993_empty.xml"))
        return (reference, input, folder)
    }

    func test_reading_on_four_threads_writes_every_output_byte_for_byte_as_reading_on_one() throws {
        let (reference, input, folder) = try mixedFolder()
        var outputs: [URL] = []
        for threads in [1, 4] {
            let output = folder.appendingPathComponent("out-\(threads)")
            let run = try CommandRunner.run(["settle", "--quiet", "--read-threads", String(threads), "--reference", reference.path,
                                             "--input", input.path, "--output", output.path])
            XCTAssertEqual(run.status, 0, run.stderr)
            try CommandRunner.assertFolderMatchesManifest(output)
            outputs.append(output)
        }
        let sequential = CommandRunner.files(under: outputs[0]), parallel = CommandRunner.files(under: outputs[1])
        XCTAssertEqual(sequential, parallel)
        XCTAssertTrue(sequential.contains { $0.hasPrefix("invoices/") && $0.hasSuffix(".pdf") }, "documents are compared too")
        for path in sequential where path != "manifest.json" {
            let one = try Data(contentsOf: outputs[0].appendingPathComponent(path)), four = try Data(contentsOf: outputs[1].appendingPathComponent(path))
            XCTAssertTrue(one == four, "\(path) differs between --read-threads 1 and 4")
        }
        let manifests = try [0, 1].map { try CommandRunner.manifest(outputs[$0]).files.mapValues { "\($0.size) \($0.sha256)" } }
        XCTAssertEqual(manifests[0], manifests[1])
        // The folder exercises what it should: reader rejections and
        // order-dependent duplicates, in every format.
        let rejections = try String(contentsOf: outputs[0].appendingPathComponent("rejections.csv"), encoding: .utf8)
        for expected in ["999991_truncated.xml", "999992_garbage.jsonld", "999993_empty.xml", ",F04,", ".jsonld,", ".xml,"] {
            XCTAssertTrue(rejections.contains(expected), "rejections.csv names \(expected)")
        }
    }

    func test_the_read_ahead_is_used_and_the_outcome_equals_the_sequential_one() throws {
        let (referenceFolder, input, _) = try mixedFolder()
        let reference = try ReferenceLoader.load(directory: referenceFolder)
        let files = try FolderSettlement.inputFiles(in: input)
        let (one, _, none) = try FolderSettlement.runReadingAhead(reference: reference, files: files, keepLines: true, readThreads: 1)
        XCTAssertNil(none, "one thread: no read-ahead at all")
        // A bound of 20 kB of files in flight, smaller than the larger
        // samples: the bytes bound, not the files bound, decides often.
        let (four, _, stats) = try FolderSettlement.runReadingAhead(reference: reference, files: files, keepLines: true, readThreads: 4,
                                                                    readAheadBytesMax: 20_000)
        let statistics = try XCTUnwrap(stats)
        XCTAssertGreaterThan(statistics.taken, files.count / 2, "most files come from the read-ahead: \(statistics)")
        XCTAssertEqual(statistics.taken + statistics.readByIngest, files.count)
        let largest = files.map(\.size).max() ?? 0
        XCTAssertLessThanOrEqual(statistics.peakBytesInFlight, max(20_000, largest))
        XCTAssertLessThanOrEqual(statistics.peakFilesInFlight, 8)
        XCTAssertEqual(one.invoices, four.invoices)
        XCTAssertEqual(one.rejections, four.rejections)
        XCTAssertEqual(one.disbursements.sorted { "\($0)" < "\($1)" }, four.disbursements.sorted { "\($0)" < "\($1)" })
    }
}
