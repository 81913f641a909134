import CASSSamples
import Foundation
import XCTest
@testable import CASSRender

/// The byte-level label filling and HTML escaping against what Foundation's
/// chained replacements gave (where that was well defined).
final class TextFillingTests: XCTestCase {
    private func chained(_ template: String, _ values: [String: String]) -> String {
        var result = template
        for (name, value) in values { result = result.replacingOccurrences(of: "{\(name)}", with: value) }
        return result
    }

    func test_fill_equalsChainedReplacement_forValuesWithoutBraces() {
        var random = SplitMix64(seed: 7)
        let pieces = ["{n}", "{m}", "{date}", "{", "}", "{x", "{}", "abc ", "é", "日本", "مرحبا", " ", "{entity}", "\u{1F600}"]
        let values = ["n": "3", "m": "12", "date": "2026-12-03", "entity": "CASS Kuwait «ش»", "unused": "zz"]
        for _ in 0..<2_000 {
            var template = ""
            for _ in 0..<Int(random.next() % 12) { template += pieces[Int(random.next() % UInt64(pieces.count))] }
            XCTAssertEqual(Translations.fill(template, values), chained(template, values), template)
        }
    }

    func test_fill_putsValuesInAsTheyAre_andKeepsUnknownPlaceholders() {
        XCTAssertEqual(Translations.fill("page {n} of {m}", ["n": "{m}", "m": "9"]), "page {m} of 9")
        XCTAssertEqual(Translations.fill("{a}{b} {c} {", ["a": "1", "b": "2"]), "12 {c} {")
        XCTAssertEqual(Translations.fill("{{n}}", ["n": "x"]), "{x}")
        XCTAssertEqual(Translations.fill("no placeholders", ["n": "x"]), "no placeholders")
        XCTAssertEqual(Translations.fill("{n}", [:]), "{n}")
        let t = Translations(language: "ja")
        XCTAssertEqual(t.text("page", ["n": "2", "m": "5"]), chained(t["page"], ["n": "2", "m": "5"]))
    }

    func test_escape_equalsTheChainedEntities() {
        var random = SplitMix64(seed: 11)
        let pieces = ["&", "<", ">", "\"", "'", "a", "é", "日", "&amp;", " ", "\u{1F600}"]
        for _ in 0..<2_000 {
            var text = ""
            for _ in 0..<Int(random.next() % 10) { text += pieces[Int(random.next() % UInt64(pieces.count))] }
            let expected = text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            XCTAssertEqual(StatisticsReport.escape(text), expected, text)
        }
    }
}
