import CASSNotify
import Foundation
import XCTest

/// Encoders checked over many generated texts: round trip and line limits.
final class MIMEEncodingTests: XCTestCase {
    /// Deterministic text mixing ASCII, spaces, '=', dots, Latin, CJK,
    /// Arabic and an emoji, with line breaks.
    private func texts(count: Int) -> [String] {
        let pieces = ["a", "Z", " ", "  ", "\t", "=", ".", "é", "ß", "请", "請求", "فاتورة", "😀", "\n", "\r\n", "=41", "x ", "-"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        return (0..<count).map { _ in
            let length = next() % 200
            return (0..<length).map { _ in pieces[next() % pieces.count] }.joined()
        }
    }

    func test_quotedPrintable_roundTripsAndKeepsLinesWithin76() {
        for text in texts(count: 300) {
            let encoded = MIMEEncoding.quotedPrintable(text)
            XCTAssertTrue(encoded.utf8.allSatisfy { $0 < 128 })
            for line in encoded.components(separatedBy: "\r\n") {
                XCTAssertLessThanOrEqual(line.utf8.count, 76, line)
                XCTAssertFalse(line.hasSuffix(" ") || line.hasSuffix("\t"), "trailing whitespace in \(line)")
            }
            let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
            XCTAssertEqual(MIMEReader.decodeQuotedPrintable(encoded), normalized)
        }
    }

    func test_encodedWordSubjects_roundTrip_wordsAtMost75_linesAtMost78() {
        for text in texts(count: 300) {
            let header = "Subject: " + MIMEEncoding.headerText(text, nameLength: "Subject".count)
            for line in header.components(separatedBy: "\r\n") {
                XCTAssertLessThanOrEqual(line.count, 78, line)
            }
            for word in header.split(whereSeparator: { $0 == " " || $0 == "\r\n" }) where word.hasPrefix("=?") {
                XCTAssertLessThanOrEqual(word.count, 75)
            }
            let value = MIMEReader.parseHeaders(header).0["subject"] ?? ""
            let expected = text.replacingOccurrences(of: "\r\n", with: "  ").replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            if header.contains("=?UTF-8?B?") {
                XCTAssertEqual(MIMEReader.decodeEncodedWords(value), expected)
            } else {
                // Plain ASCII: unfolding restores it (leading/trailing blanks aside).
                XCTAssertEqual(value, expected.trimmingCharacters(in: .whitespaces))
            }
        }
    }

    func test_base64Lines_are76CharsAndDecode() {
        for length in [0, 1, 56, 57, 58, 114, 1000] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 131) }
            let text = MIMEEncoding.base64Lines(bytes)
            let lines = text.components(separatedBy: "\r\n").dropLast()
            XCTAssertTrue(lines.dropLast().allSatisfy { $0.count == 76 }, "length \(length)")
            XCTAssertEqual(Data(base64Encoded: lines.joined()).map { Array($0) }, bytes)
        }
    }
}
