@testable import CASSWorkers
import CASSRender
import Foundation
import XCTest

/// A run that writes documents keeps the earlier run's document files to
/// rewrite them in place, and still ends holding only its own results.
final class OutputFolderReuseTests: XCTestCase {
    private func earlierRun(in test: XCTestCase) throws -> (folder: URL, outside: URL) {
        let root = try StageFixture.temporaryFolder(test)
        let folder = root.appendingPathComponent("out")
        let invoices = folder.appendingPathComponent("invoices")
        try FileManager.default.createDirectory(at: invoices.appendingPathComponent("sub"), withIntermediateDirectories: true)
        for name in ["GB1.pdf", "GB1.xml", "GB2.pdf"] { try Data(name.utf8).write(to: invoices.appendingPathComponent(name)) }
        try Data("half".utf8).write(to: invoices.appendingPathComponent(".cass-1-feed.tmp"))
        let outside = root.appendingPathComponent("outside.txt")
        try Data("keep me".utf8).write(to: outside)
        XCTAssertEqual(symlink(outside.path, invoices.appendingPathComponent("GB3.pdf").path), 0)
        try Data("a,b\n".utf8).write(to: folder.appendingPathComponent("settlement-agents.csv"))
        try Data("{}".utf8).write(to: folder.appendingPathComponent("manifest.json"))
        return (folder, outside)
    }

    private func names(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    func test_reusing_keepsOnlyRegularDocumentFiles_thenOnlyThoseWrittenAgain() throws {
        let (folder, outside) = try earlierRun(in: self)
        let invoices = folder.appendingPathComponent("invoices")
        let output = try OutputFolder(folder, reusingDocuments: true)
        XCTAssertEqual(names(folder), ["invoices"], "the manifest and other results go at once")
        XCTAssertEqual(names(invoices), ["GB1.pdf", "GB1.xml", "GB2.pdf"], "temporary files, folders and links go")
        XCTAssertEqual(try String(contentsOf: outside, encoding: .utf8), "keep me")
        try output.keepOnlyDocuments(["GB1.pdf", "GB1.xml", "GB4.pdf"])
        XCTAssertEqual(names(invoices), ["GB1.pdf", "GB1.xml"], "a document this run does not write goes before it writes")
        output.dropKeptDocuments()
        XCTAssertEqual(names(invoices), [], "a run that stops before its manifest leaves no earlier document")
    }

    func test_notReusing_removesTheDocumentsFolderWhole() throws {
        let (folder, outside) = try earlierRun(in: self)
        _ = try OutputFolder(folder)
        XCTAssertEqual(names(folder), [])
        XCTAssertEqual(try String(contentsOf: outside, encoding: .utf8), "keep me")
    }

    /// `invoices` as a link to a folder elsewhere: the link goes, the
    /// folder it names is not touched.
    func test_reusing_aDocumentsFolderThatIsALink_isRemoved_notEntered() throws {
        let root = try StageFixture.temporaryFolder(self)
        let elsewhere = root.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: elsewhere.appendingPathComponent("GB1.pdf"))
        let folder = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        XCTAssertEqual(symlink(elsewhere.path, folder.appendingPathComponent("invoices").path), 0)
        let output = try OutputFolder(folder, reusingDocuments: true)
        XCTAssertEqual(names(folder), [])
        output.dropKeptDocuments()
        XCTAssertEqual(names(elsewhere), ["GB1.pdf"])
    }
}
