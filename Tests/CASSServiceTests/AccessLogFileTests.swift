import CASSHTTP
import CASSService
import Foundation
import XCTest

/// `cass serve --access-log FILE`: lines of many connections appended whole.
final class AccessLogFileTests: XCTestCase {
    func testLinesFromManyThreadsAreAppendedWhole() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cass-access-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("access.jsonl").path
        // A line already there stays: the file is appended to.
        try Data("{\"earlier\":true}\n".utf8).write(to: URL(fileURLWithPath: path))
        let log = try AccessLogFile(path: path, clock: { 1_796_668_801_123 })
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for number in 0..<250 {
                log.write(AccessRecord(method: "GET", rawPath: "/api/v1/invoices/T\(thread)N\(number)" + String(repeating: "x", count: 900),
                                       route: "/api/v1/invoices/{number}", status: 200, bytesSent: 10, durationNanoseconds: 1_000,
                                       remoteAddress: "127.0.0.1:1"))
            }
        }
        XCTAssertEqual(log.failedLines, 0)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 1 + 8 * 250)
        var paths = Set<String>()
        for line in lines.dropFirst() {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
            paths.insert(try XCTUnwrap(object["path"] as? String))
        }
        XCTAssertEqual(paths.count, 8 * 250, "every line whole and once")
    }

    func testAPathThatCannotBeOpenedIsRefusedNamingIt() {
        XCTAssertThrowsError(try AccessLogFile(path: "/nonexistent-folder-\(UUID().uuidString)/access.jsonl")) { error in
            XCTAssertTrue("\(error)".contains("cannot open the access log /nonexistent-folder-"), "\(error)")
        }
        XCTAssertThrowsError(try AccessLogFile(path: FileManager.default.temporaryDirectory.path)) { error in
            XCTAssertTrue("\(error)".contains("access log"), "\(error)")
        }
    }
}
