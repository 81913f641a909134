import CASSDomain
@testable import CASSRender
import XCTest

final class TranslationsTests: XCTestCase {
    func test_everyLanguageHasATable_andMissingKeysFallBackToEnglish() {
        for language in Translations.supported {
            let t = Translations(language: language)
            XCTAssertEqual(t.language, language)
            XCTAssertFalse(t["title"].isEmpty)
            XCTAssertNotEqual(t["page"], "page", "\(language) lacks page n of m")
        }
        let german = Translations(language: "de")
        XCTAssertFalse(german.has("month.1"))
        XCTAssertEqual(german["month.1"], "Jan", "missing key falls back to English")
        XCTAssertEqual(german["no.such.key"], "no.such.key")
    }

    func test_bcp47Tags_resolveToTheirTable() {
        XCTAssertEqual(Translations(language: "fr-CA").language, "fr")
        XCTAssertEqual(Translations(language: "zh-CN").language, "zh-Hans")
        XCTAssertEqual(Translations(language: "zh-Hans-CN").language, "zh-Hans")
        XCTAssertEqual(Translations(language: "ar_AE").language, "ar")
        XCTAssertEqual(Translations(language: "pt-BR").language, "en")
        XCTAssertEqual(Translations(preferring: ["pt", "ko"]).language, "ko")
        // Each supported tag as written resolves to itself (the shortcut),
        // as the general path resolves it (case and separators aside).
        for tag in Translations.supported {
            XCTAssertEqual(Translations.resolve(tag), tag)
            XCTAssertEqual(Translations.resolve(tag.uppercased().replacingOccurrences(of: "-", with: "_")), tag)
        }
    }

    func test_numbersAndDates_followTheLanguage() throws {
        let date = try XCTUnwrap(CivilDate(year: 2026, month: 11, day: 7))
        XCTAssertEqual(Translations(language: "en").amount(123_456_789, digits: 2), "1,234,567.89")
        XCTAssertEqual(Translations(language: "de").amount(-123_456_789, digits: 2), "-1.234.567,89")
        XCTAssertEqual(Translations(language: "fr").amount(123_456, digits: 2), "1\u{00A0}234,56")
        XCTAssertEqual(Translations(language: "ja").amount(1_234_567, digits: 0), "1,234,567")
        XCTAssertEqual(Translations(language: "en").amount(-5, digits: 3), "-0.005")
        XCTAssertEqual(Translations(language: "en").date(date), "07 Nov 2026")
        XCTAssertEqual(Translations(language: "de").date(date), "07.11.2026")
        XCTAssertEqual(Translations(language: "ja").date(date), "2026年11月7日")
        XCTAssertEqual(Translations(language: "ko").date(date), "2026년 11월 7일")
        XCTAssertEqual(Translations(language: "fr").date(date), "7 nov. 2026")
    }

    /// `amount` as it was written before it went to bytes: through
    /// `Money.decimalString`, a split and the table's marks.
    func referenceAmount(_ t: Translations, _ minor: Int64, digits: Int) -> String {
        let plain = Money.decimalString(minor, digits: digits)
        let negative = plain.hasPrefix("-")
        let unsigned = negative ? String(plain.dropFirst()) : plain
        let parts = unsigned.split(separator: ".", maxSplits: 1)
        let whole = Array(parts.first.map(String.init) ?? "0")
        let group = t["format.group"] == "space" ? "\u{00A0}" : t["format.group"]
        var grouped = ""
        for (index, digit) in whole.enumerated() {
            if index > 0 && (whole.count - index) % 3 == 0 { grouped += group }
            grouped.append(digit)
        }
        if parts.count == 2 { grouped += t["format.decimal"] + parts[1] }
        return (negative ? "-" : "") + grouped
    }

    func test_amount_equalsTheStringFormatting_inEveryLanguage() {
        var values: [Int64] = [0, 1, -1, 9, 10, 99, 100, 999, 1_000, -1_000, 9_999, 10_000, 99_999, 100_000, 999_999, 1_000_000, -1_234_567,
                               123_456_789, Int64.max, Int64.min, Int64.min + 1]
        var state: UInt64 = 7
        for _ in 0..<200 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(Int64(bitPattern: state) >> Int64(state % 60))
        }
        var compared = 0
        for language in Translations.supported {
            let t = Translations(language: language)
            for digits in Self.amountDigits {
                for value in values {
                    XCTAssertEqual(t.amount(value, digits: digits), referenceAmount(t, value, digits: digits), "\(language) \(value) \(digits)")
                    compared += 1
                }
            }
        }
        XCTAssertEqual(compared, Translations.supported.count * Self.amountDigits.count * values.count)
    }

    /// The currencies' 0-4 minor digits, and more (the layout's room grows with them).
    static let amountDigits = [0, 1, 2, 3, 4, 9, 18]

    func test_tableParser_ignoresCommentsAndKeepsEqualsInValues() {
        let table = Translations.parse("# comment\nkey = a = b\n  other=x\\ny\n")
        XCTAssertEqual(table["key"], "a = b")
        XCTAssertEqual(table["other"], "x\ny")
        XCTAssertNil(table["# comment"])
    }

    /// The scalar parser gives Foundation's tables: every compiled-in
    /// table, and lines with the other whitespace of `CharacterSet.whitespaces`,
    /// escapes, comments, empty keys and values, and carriage returns.
    func test_parse_givesFoundationsTables() {
        for (language, text) in TranslationTables.all {
            XCTAssertEqual(Translations.parse(text), Translations.parseByFoundation(text), language)
        }
        let odd = ["  key =  value  \n", "\u{3000}k\u{A0}=\u{2003}v\\nw\u{202F}\n\u{1680}x = y\u{205F}\n", "#c\n=x\nk=\n k = a\\\\nb\n",
                   "no equals\n\n\n\tk\t=\tv\t", "k = \\n\\n\\", "a = b = c\n#d = e\n  # f = g\n", "k = v\r\nl = w\r\n", "", "é = ü\u{301} 中\n"]
        for text in odd { XCTAssertEqual(Translations.parse(text), Translations.parseByFoundation(text), text) }
    }

    /// Dates kept per process give what formatting gives, in every
    /// language, short and long, asked for twice.
    func test_keptDates_areTheFormattedOnes() throws {
        for language in Translations.supported {
            let translations = Translations(language: language)
            for year in [1999, 2026, 2100] {
                for month in 1...12 {
                    for day in [1, 9, 10, 28] {
                        let date = try XCTUnwrap(CivilDate(year: year, month: month, day: day))
                        for short in [false, true] {
                            for _ in 0..<2 { XCTAssertEqual(translations.date(date, short: short), translations.format(date, short: short)) }
                        }
                    }
                }
            }
        }
    }
}
