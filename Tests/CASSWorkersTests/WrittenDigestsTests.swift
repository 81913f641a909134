@testable import CASSWorkers
import CASSRender
import Foundation
import XCTest

/// The manifest takes the SHA-256 of a document from when it was written,
/// but only while the file on disk is still the one written: whatever
/// happened to a file since, the manifest describes what is there.
final class WrittenDigestsTests: XCTestCase {
    func sha256(_ bytes: [UInt8]) -> String { FileDigest.sha256Hex(Data(bytes)) }

    /// Written as cass writes: a temporary file renamed into place.
    func write(_ bytes: [UInt8], to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url, options: .atomic)
    }

    /// An invoice's documents hashed two at a time give each one's own
    /// SHA-256, in the documents' order, however many there are (an odd
    /// one out hashed alone) and whatever their sizes, equal ones included.
    func test_documents_hashed_in_pairs_give_each_ones_own_digest() {
        var random = UInt64(7)
        func next(_ bound: Int) -> Int {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(random >> 33) % bound
        }
        for count in 0...7 {
            for _ in 0..<6 {
                let documents = (0..<count).map { _ in (0..<[0, 1, 64, 200, 5_000, 90_000][next(6)]).map { _ in UInt8(truncatingIfNeeded: next(256)) } }
                XCTAssertEqual(FileDigest.sha256Hex(pairing: documents), documents.map(sha256), "\(documents.map(\.count))")
            }
        }
    }

    func test_the_manifest_equals_what_reading_back_gives_and_follows_files_changed_after_they_were_written() throws {
        let folder = try StageFixture.temporaryFolder(self).appendingPathComponent("out")
        let output = try OutputFolder(folder)
        let invoices = folder.appendingPathComponent("invoices")
        var contents: [String: [UInt8]] = [:]
        for index in 0..<6 {
            let name = "invoices/GB\(index).json"
            let bytes = Array("{\"n\" : \(index)}".utf8) + [UInt8](repeating: UInt8(index), count: index * 1_000)
            try write(bytes, to: folder.appendingPathComponent(name))
            output.written.record(bytes, writtenTo: folder.appendingPathComponent(name))
            contents[name] = bytes
        }
        // Written but not recorded: read back.
        try write(Array("a,b\n".utf8), to: folder.appendingPathComponent("rejections.csv"))
        contents["rejections.csv"] = Array("a,b\n".utf8)
        XCTAssertEqual(output.written.count, 6)

        // Replaced after it was recorded (a new file, another inode), and
        // changed in place to another size: both read back.
        let replaced = Array("replaced".utf8)
        try write(replaced, to: invoices.appendingPathComponent("GB1.json"))
        contents["invoices/GB1.json"] = replaced
        let handle = try FileHandle(forWritingTo: invoices.appendingPathComponent("GB2.json"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("more".utf8))
        try handle.close()
        contents["invoices/GB2.json", default: []] += Array("more".utf8)
        // A recorded one removed: not in the manifest.
        try FileManager.default.removeItem(at: invoices.appendingPathComponent("GB3.json"))
        contents["invoices/GB3.json"] = nil

        let entries = try output.finish(command: "test")
        XCTAssertEqual(entries.map(\.path), contents.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        for entry in entries {
            let bytes = try XCTUnwrap(contents[entry.path])
            XCTAssertEqual(entry.size, bytes.count, entry.path)
            XCTAssertEqual(entry.sha256, sha256(bytes), entry.path)
        }
        // The same entries as reading every file back.
        XCTAssertEqual(entries, try OutputFolder.describe(entries.map(\.path), in: folder))
    }

    /// The manifest's lanes fill one slot per file (`LaneSlots`): the
    /// entries come back in the paths' order whatever lane took them, a
    /// file that cannot be read back stops it with its path named, and no
    /// paths give no entries.
    func test_describe_keeps_the_paths_order_names_an_unreadable_file_and_takes_no_paths() throws {
        let folder = try StageFixture.temporaryFolder(self).appendingPathComponent("out")
        let output = try OutputFolder(folder)
        var paths: [String] = []
        for k in 0..<37 {
            let path = "invoices/GB\(k).json"
            try AtomicFile.write(Array("content \(k)".utf8), toPath: AtomicFile.join(folder.path, path), durable: false)
            paths.append(path)
        }
        let reversed = Array(paths.reversed())
        let entries = try OutputFolder.describe(reversed, in: folder, known: output.written)
        XCTAssertEqual(entries.map(\.path), reversed)
        for entry in entries {
            let k = try XCTUnwrap(Int(entry.path.dropFirst("invoices/GB".count).dropLast(".json".count)))
            XCTAssertEqual(entry.sha256, sha256(Array("content \(k)".utf8)), entry.path)
        }
        XCTAssertThrowsError(try OutputFolder.describe(paths + ["invoices/missing.pdf"], in: folder)) { error in
            XCTAssertTrue("\(error)".contains("invoices/missing.pdf"), "\(error)")
        }
        XCTAssertEqual(try OutputFolder.describe([], in: folder), [])
    }

    /// InvoiceDocuments records each document under a path joined as a
    /// string; the manifest must find it under the same key (else every
    /// document is read back). Recorded bytes of the file's size but other
    /// content show which digest the manifest took.
    func test_documents_written_by_path_are_taken_from_their_record() throws {
        let folder = try StageFixture.temporaryFolder(self).appendingPathComponent("out")
        let output = try OutputFolder(folder)
        let invoices = URL(fileURLWithPath: folder.path + "/invoices/", isDirectory: true)
        let file = AtomicFile.join(invoices.path, "GB7") + ".pdf"
        try AtomicFile.write(Array("held".utf8), toPath: file, durable: false)
        output.written.record(Array("said".utf8), writtenToPath: file)
        let entries = try output.finish(command: "test")
        XCTAssertEqual(entries.map(\.path), ["invoices/GB7.pdf"])
        XCTAssertEqual(entries.first?.sha256, sha256(Array("said".utf8)))
    }

    /// Documents are recorded with the status AtomicFile took from the open
    /// file (no lookup of the path): the manifest takes that record while
    /// the file is the one written, and reads back one replaced since.
    func test_a_record_from_the_writers_status_is_taken_until_the_file_is_replaced() throws {
        let folder = try StageFixture.temporaryFolder(self).appendingPathComponent("out")
        let output = try OutputFolder(folder)
        let kept = AtomicFile.join(folder.path, "invoices/GB1.pdf"), replaced = AtomicFile.join(folder.path, "invoices/GB2.pdf")
        for file in [kept, replaced] {
            let status = try AtomicFile.write(Array("held".utf8), toPath: file, durable: false)
            XCTAssertNotNil(status)
            // Bytes of the file's size but other content: show which digest the manifest took.
            output.written.record(Array("said".utf8), writtenToPath: file, status: status)
        }
        try AtomicFile.write(Array("anew".utf8), toPath: replaced, durable: false)
        // A status of another size than the bytes: not recorded.
        let status = try AtomicFile.write(Array("long".utf8), toPath: AtomicFile.join(folder.path, "invoices/GB3.pdf"), durable: false)
        output.written.record(Array("longer".utf8), writtenToPath: AtomicFile.join(folder.path, "invoices/GB3.pdf"), status: status)
        XCTAssertEqual(output.written.count, 2)
        let entries = try output.finish(command: "test")
        XCTAssertEqual(entries.map(\.path), ["invoices/GB1.pdf", "invoices/GB2.pdf", "invoices/GB3.pdf"])
        XCTAssertEqual(entries.map(\.sha256), [sha256(Array("said".utf8)), sha256(Array("anew".utf8)), sha256(Array("long".utf8))])
    }

    /// The manifest lists regular files by their directory entries' types:
    /// files in nested folders are listed, symbolic links (to files or
    /// folders) and the manifest are not, as when each entry was lstat'ed.
    func test_the_listing_takes_regular_files_at_every_depth_and_no_links() throws {
        let folder = try StageFixture.temporaryFolder(self).appendingPathComponent("out")
        let output = try OutputFolder(folder)
        for path in ["settlement-agents.csv", "invoices/GB1.pdf", "rejections/a/b/deep.txt", "statistics/s.csv"] {
            try AtomicFile.write(Array(path.utf8), toPath: AtomicFile.join(folder.path, path), durable: false)
        }
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/invoices/link.pdf", withDestinationPath: folder.path + "/invoices/GB1.pdf")
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/rejections/linked", withDestinationPath: folder.path + "/invoices")
        try FileManager.default.createDirectory(atPath: folder.path + "/rejections/empty", withIntermediateDirectories: true)
        XCTAssertEqual(try output.regularFiles(), ["invoices/GB1.pdf", "rejections/a/b/deep.txt", "settlement-agents.csv", "statistics/s.csv"])
        let kinds = Dictionary(uniqueKeysWithValues: try OutputFolder.entries(of: folder.path + "/invoices").map { ($0.0, $0.1) })
        XCTAssertEqual(kinds.count, 2)
        XCTAssertTrue(kinds["GB1.pdf"] == .file || kinds["GB1.pdf"] == .unknown)
        XCTAssertTrue(kinds["link.pdf"] == .other || kinds["link.pdf"] == .unknown)
        XCTAssertThrowsError(try OutputFolder.entries(of: folder.path + "/missing"))
    }

    /// The manifest's order: bytewise UTF-8, as the UTF8View comparison
    /// gave it (prefixes first, bytes above 0x7F after ASCII, case-sensitive).
    func test_paths_are_sorted_as_their_utf8_views_compare() {
        var paths = ["invoices/GB1.pdf", "invoices/GB1.pdf.x", "invoices/GB10.pdf", "invoices/GB2.pdf", "Invoices", "invoices", "",
                     "rejections/é.txt", "rejections/e.txt", "rejections/z.txt", "statistics/s.csv", "a/b", "a.b", "a-b", "日本/x", "Z"]
        var state: UInt64 = 3
        for _ in 0..<300 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(state >> 60)
            paths.append(String(decoding: (0..<length).map { k in UInt8(truncatingIfNeeded: 0x2D + Int((state >> UInt64(k * 4)) & 0xF) * 5) }, as: UTF8.self))
        }
        XCTAssertEqual(OutputFolder.bytewiseSorted(paths), paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        XCTAssertEqual(OutputFolder.bytewiseSorted([]), [])
    }

    func test_a_recorded_digest_is_given_only_for_the_same_file() throws {
        let folder = try StageFixture.temporaryFolder(self)
        let file = folder.appendingPathComponent("a.xml")
        let digests = WrittenDigests()
        try write(Array("one".utf8), to: file)
        // Bytes that are not what the file holds (another size): not recorded.
        digests.record(Array("other bytes".utf8), writtenTo: file)
        XCTAssertNil(digests.digest(of: file))
        digests.record(Array("one".utf8), writtenTo: file)
        XCTAssertEqual(digests.digest(of: file)?.sha256, sha256(Array("one".utf8)))
        XCTAssertEqual(digests.digest(of: file)?.size, 3)
        // Same size, new file in its place.
        try write(Array("two".utf8), to: file)
        XCTAssertNil(digests.digest(of: file))
        XCTAssertNil(digests.digest(of: folder.appendingPathComponent("never.xml")))
        // Nothing there to record.
        digests.record(Array("x".utf8), writtenTo: folder.appendingPathComponent("missing.xml"))
        XCTAssertEqual(digests.count, 1)
    }
}
