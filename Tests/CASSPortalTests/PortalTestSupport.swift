import CASSDomain
@testable import CASSPortal
import XCTest

/// Small readers of rendered pages for the tests.
enum Page {
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// Every match of a regular expression (first capture group, or the whole match).
    static func matches(_ pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) else { return [] }
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map {
            ns.substring(with: $0.numberOfRanges > 1 && $0.range(at: 1).location != NSNotFound ? $0.range(at: 1) : $0.range)
        }
    }

    /// The `<form ...>...</form>` blocks of a page (forms never nest).
    static func forms(_ html: String) -> [String] { matches("(<form\\b.*?</form>)", in: html) }

    /// The text of the page with tags removed (attribute values are gone too).
    static func visibleText(_ html: String) -> String {
        var out = ""
        var inTag = false
        for character in html {
            if character == "<" { inTag = true; out.append(" ") } else if character == ">" { inTag = false } else if !inTag { out.append(character) }
        }
        return out
    }

    /// Every page of every kind of user in every language.
    static func everything() -> [(label: String, language: PortalLanguage, html: String)] {
        var all: [(String, PortalLanguage, String)] = []
        let users: [(PortalCompanyKind, PortalRole)] = [
            (.cassOperator, .admin), (.cassOperator, .viewer), (.airline, .input), (.airline, .admin), (.airline, .viewer),
            (.agent, .output), (.agent, .viewer), (.agentGroup, .admin),
        ]
        for language in PortalLanguage.allCases {
            for (kind, role) in users {
                for page in PortalSamples.allPages(kind, role: role, language: language, invoices: 8) {
                    all.append(("\(language.rawValue) \(kind) \(role.rawValue) \(page.name)", language, text(page.html)))
                }
            }
        }
        return all
    }
}
