@testable import CASSOneRecord
import XCTest

/// XMLOutput copies runs that need no escape in one piece and escapes the
/// bytes between them; the result must be what escaping byte by byte gives,
/// wherever the escaped bytes fall (first, last, adjacent, alone).
final class XMLOutputEscapingTests: XCTestCase {
    /// The escaping rules written out one byte at a time: the reference.
    func reference(_ text: String, inAttribute: Bool) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where inAttribute: out += "&quot;"
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            case "\u{0}"..."\u{1F}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    func test_escapedRuns_equalByteByByteEscaping() {
        let texts = ["", "plain", "&", "<>", "a&b", "&start", "end>", "\"q\"", "Ōsaka & Sons <Freight>", "tab\there\nline\r\u{1}\u{1F}x",
                     "&&&&", "x\"", "書&籍", String(repeating: "abc&", count: 50)]
        for text in texts {
            var out = XMLOutput()
            let header = out.bytes.count
            out.value("v", text)
            out.empty("e", [("a", text)])
            let written = String(decoding: out.bytes[header...], as: UTF8.self)
            XCTAssertEqual(written, "<v>\(reference(text, inAttribute: false))</v>\n<e a=\"\(reference(text, inAttribute: true))\"/>\n", text)
        }
    }
}
