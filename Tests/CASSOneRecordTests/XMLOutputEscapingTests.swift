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

    /// Tags are laid out in one piece (indent, name, line break); nesting
    /// past the piece's indent limit takes the piecewise path. Both must
    /// give the indented text written out by hand, inline chains included.
    func test_tags_sameTextAtEveryDepth_inlineAndBridged() {
        let depth = XMLOutput.pieceSpacesMax / 2 + 3
        var out = XMLOutput(declaration: false)
        var expected = ""
        for level in 0..<depth {
            out.open("n\(level % 3)")
            expected += String(repeating: " ", count: level * 2) + "<n\(level % 3)>\n"
        }
        out.value("v", "a&b")
        expected += String(repeating: " ", count: depth * 2) + "<v>a&amp;b</v>\n"
        out.inline { out in
            out.node("p", "T") { out in out.value("x") { $0.append(UInt8(ascii: "7")) } }
        }
        expected += String(repeating: " ", count: depth * 2) + "<p><T><x>7</x></T></p>\n"
        for level in (0..<depth).reversed() {
            out.close("n\(level % 3)")
            expected += String(repeating: " ", count: level * 2) + "</n\(level % 3)>\n"
        }
        XCTAssertEqual(String(decoding: out.bytes, as: UTF8.self), expected)
    }
}
