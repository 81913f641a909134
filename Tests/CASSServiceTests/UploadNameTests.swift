import Foundation
import XCTest

/// Issue 17: a file's name travels into rejections.csv, report names and
/// screens, so an upload's `?name=` follows the FileName rule (length, no
/// control characters, no path separators) and is refused with a sentence
/// saying which, before anything is kept.
final class UploadNameTests: XCTestCase {
    func testUploadNamesThatBreakTheRuleAreRefusedWithTheReason() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let admin = try harness.login("root", ServiceHarness.adminPassword)
        let created = try admin.post("/api/v1/users", json: [
            "username": "ba.input", "company": "airline-125", "role": "input", "name": "BA input", "email": "ba@example.com",
            "language": "en", "password": "correct horse battery",
        ])
        XCTAssertEqual(created.status, 201, created.description)
        let ba = try harness.login("ba.input", "correct horse battery")
        let bytes = try [UInt8](Data(contentsOf: FileRoutesTests.samplesInput.appendingPathComponent("125_GB_20261101_000001.cbf")))
        for (name, reason) in [
            ("evil%2C125%2CGB%2C20261101%2C0%2CF01%2C%0Ax.cbf", "control character"),
            ("cr%0Dname.cbf", "control character"),
            ("nul%00.cbf", "control character"),
            ("dir%2Fa.cbf", "path separator"),
            ("dir%5Ca.cbf", "path separator"),
            (String(repeating: "a", count: 252) + ".cbf", "256 bytes long"),
            ("..", "not a file name"),
        ] {
            let answer = try ba.request("POST", "/api/v1/files?name=\(name)", body: bytes, contentType: "application/octet-stream")
            // Control characters are refused by the HTTP layer already (400,
            // "a control character is encoded"), the rest by the name rule (422).
            XCTAssertTrue([400, 422].contains(answer.status), "\(name): \(answer)")
            XCTAssertTrue(answer.text.contains(reason), "\(name): \(answer)")
        }
        XCTAssertEqual(try admin.get("/api/v1/files").items.count, 0, "nothing of the refused uploads was kept")
        // 255 bytes is a name a file system takes: accepted.
        let longest = String(repeating: "b", count: 251) + ".cbf"
        XCTAssertEqual(try ba.request("POST", "/api/v1/files?name=\(longest)", body: bytes, contentType: "application/octet-stream").status, 201)
    }
}
