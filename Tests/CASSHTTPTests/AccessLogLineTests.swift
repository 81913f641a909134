@testable import CASSHTTP
import Foundation
import XCTest

/// `AccessRecord.jsonLine`: one JSON object per line, whatever the path holds.
final class AccessLogLineTests: XCTestCase {
    func record(_ path: String, method: String = "GET", route: String? = "/api/v1/files/{id}", status: Int = 200, user: String? = "ba.input") -> AccessRecord {
        AccessRecord(method: method, rawPath: path, route: route, status: status, bytesSent: 1843, durationNanoseconds: 412_345,
                     remoteAddress: "127.0.0.1:50412", user: user)
    }

    func parsed(_ line: String) throws -> [String: Any] {
        XCTAssertTrue(line.hasSuffix("}\n"), line)
        XCTAssertEqual(line.filter { $0 == "\n" }.count, 1, "one line: \(line)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], line)
    }

    func testALineHoldsEveryFieldOfTheAnswer() throws {
        let line = record("/api/v1/files/abc").jsonLine(endedAtMs: 1_796_668_801_123)
        let object = try parsed(line)
        XCTAssertEqual(object["time"] as? String, "2026-12-07T18:40:01.123Z")
        XCTAssertEqual(object["remote"] as? String, "127.0.0.1:50412")
        XCTAssertEqual(object["user"] as? String, "ba.input")
        XCTAssertEqual(object["method"] as? String, "GET")
        XCTAssertEqual(object["path"] as? String, "/api/v1/files/abc")
        XCTAssertEqual(object["route"] as? String, "/api/v1/files/{id}")
        XCTAssertEqual(object["status"] as? Int, 200)
        XCTAssertEqual(object["bytes"] as? Int, 1843)
        XCTAssertEqual(object["ms"] as? Double, 0.412)
        XCTAssertEqual(Set(object.keys), ["time", "remote", "user", "method", "path", "route", "status", "bytes", "ms"])
    }

    func testAnAnswerWithoutARouteSaysNull() throws {
        let object = try parsed(record("-", method: "-", route: nil, status: 431, user: nil).jsonLine(endedAtMs: 0))
        XCTAssertTrue(object["route"] is NSNull, "\(object)")
        XCTAssertTrue(object["user"] is NSNull, "\(object)")
        XCTAssertEqual(object["time"] as? String, "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(object["status"] as? Int, 431)
    }

    /// Quotes, backslashes, newlines and other control characters cannot
    /// end the line or the string early: a hostile path forges nothing.
    func testAHostilePathStaysInsideItsString() throws {
        let hostile = "/x\"}\n{\"status\":200,\"path\":\"/forged\\\u{0}\u{1B}[31m\r\t\u{7F}\u{2028}é"
        let object = try parsed(record(hostile).jsonLine(endedAtMs: 5))
        XCTAssertEqual(object["path"] as? String, hostile)
        XCTAssertEqual(object["status"] as? Int, 200)
        XCTAssertEqual(object["time"] as? String, "1970-01-01T00:00:00.005Z")
    }

    /// A user name is escaped and cut as a path is (names are checked at
    /// creation, but the line does not rely on it).
    func testAUserStaysInsideItsString() throws {
        let hostile = "x\",\"status\":500,\"y\":\"\n"
        let object = try parsed(record("/a", user: hostile).jsonLine(endedAtMs: 5))
        XCTAssertEqual(object["user"] as? String, hostile)
        XCTAssertEqual(object["status"] as? Int, 200)
        let long = try parsed(record("/a", user: String(repeating: "u", count: 500)).jsonLine(endedAtMs: 5))
        XCTAssertEqual((long["user"] as? String)?.count, AccessRecord.logUserScalarsMax + 3)
    }

    func testALongPathIsCut() throws {
        let long = "/" + String(repeating: "é", count: 5000)
        let object = try parsed(record(long).jsonLine(endedAtMs: 1))
        let path = try XCTUnwrap(object["path"] as? String)
        XCTAssertEqual(path.unicodeScalars.count, AccessRecord.logPathScalarsMax + 3)
        XCTAssertTrue(path.hasSuffix("..."))
        XCTAssertTrue(long.hasPrefix(String(path.dropLast(3))))
    }
}
