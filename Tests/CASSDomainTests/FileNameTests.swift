import CASSDomain
import XCTest

/// The name rule `cass submit` and uploads share.
final class FileNameTests: XCTestCase {
    func test_plain_names_in_any_script_pass() {
        for name in ["125_GB_2026110101.cbf", "x.xml", "日本航空 2026-11.cbf", "قسيمة.cbf", "a,b.cbf", "quote\"d.cbf", String(repeating: "é", count: 127)] {
            XCTAssertNil(FileName.problem(name), name)
        }
    }

    func test_names_that_could_forge_rows_or_escape_a_folder_are_refused() {
        let cases: [(String, String)] = [
            ("", "empty"),
            (String(repeating: "a", count: 256), "256 bytes"),
            (String(repeating: "é", count: 128), "256 bytes"),
            ("evil,125,GB,20261101,0,F01,\nx.cbf", "control character"),
            ("a\rb.cbf", "control character"),
            ("nul\u{0}.cbf", "control character"),
            ("c1\u{85}.cbf", "control character"),
            ("del\u{7F}.cbf", "control character"),
            ("../etc/passwd", "path separator"),
            ("dir/x.cbf", "path separator"),
            ("dir\\x.cbf", "path separator"),
            (".", "not a file name"),
            ("..", "not a file name"),
        ]
        for (name, expected) in cases {
            let problem = FileName.problem(name)
            XCTAssertNotNil(problem, name.debugDescription)
            XCTAssertTrue(problem?.contains(expected.hasSuffix("bytes") ? "bytes" : expected) ?? false, "\(name.debugDescription): \(problem ?? "")")
        }
        XCTAssertNil(FileName.problem(String(repeating: "a", count: 255)))
    }

    func test_bytes_that_are_not_utf8_are_refused() {
        XCTAssertNotNil(FileName.problem(bytes: [0x61, 0xFF, 0x2E, 0x63, 0x62, 0x66]))
        XCTAssertNil(FileName.problem(bytes: Array("ok.cbf".utf8)))
    }
}
