import CASSDomain
@testable import CASSPortal
import XCTest

/// Expected strings are CLDR's as ICU prints them (with the ISO code in
/// place of a symbol): checked on this machine with Foundation's
/// NumberFormatter and DateFormatter.
final class PortalFormatTests: XCTestCase {
    let nbsp = "\u{00A0}", nnbsp = "\u{202F}", rlm = "\u{200F}", lrm = "\u{200E}"

    func test_KWD_1234567_minor_inEveryLanguage() {
        let expected: [PortalLanguage: String] = [
            .en: "KWD\(nbsp)1,234.567",
            .fr: "1\(nnbsp)234,567\(nbsp)KWD",
            .es: "1234,567\(nbsp)KWD",
            .de: "1.234,567\(nbsp)KWD",
            .zhHans: "KWD\(nbsp)1,234.567",
            .ja: "KWD\(nbsp)1,234.567",
            .ko: "KWD\(nbsp)1,234.567",
            .ar: "\(rlm)1,234.567\(nbsp)KWD",
        ]
        for language in PortalLanguage.allCases {
            XCTAssertEqual(PortalFormat(language).amount(1_234_567, currency: "KWD"), expected[language], language.rawValue)
        }
    }

    func test_minorDigitsPerCurrency() {
        let en = PortalFormat(.en)
        XCTAssertEqual(en.amount(1_234_567, currency: "JPY"), "JPY\(nbsp)1,234,567")
        XCTAssertEqual(en.amount(1_234_567, currency: "GBP"), "GBP\(nbsp)12,345.67")
        XCTAssertEqual(en.amount(1_234_567, currency: "KWD"), "KWD\(nbsp)1,234.567")
        XCTAssertEqual(en.amount(5, currency: "GBP"), "GBP\(nbsp)0.05")
        XCTAssertEqual(en.amount(0, currency: "KWD"), "KWD\(nbsp)0.000")
        XCTAssertEqual(PortalFormat(.ja).amount(1_234_567, currency: "JPY"), "JPY\(nbsp)1,234,567")
        XCTAssertEqual(PortalFormat(.de).amount(1_234_567, currency: "JPY"), "1.234.567\(nbsp)JPY")
        XCTAssertEqual(PortalFormat(.fr).amount(123_456_789, currency: "EUR"), "1\(nnbsp)234\(nnbsp)567,89\(nbsp)EUR")
    }

    func test_negativeAmounts() {
        XCTAssertEqual(PortalFormat(.en).amount(-1_234_567, currency: "JPY"), "-JPY\(nbsp)1,234,567")
        XCTAssertEqual(PortalFormat(.fr).amount(-1_234_567, currency: "JPY"), "-1\(nnbsp)234\(nnbsp)567\(nbsp)JPY")
        XCTAssertEqual(PortalFormat(.de).amount(-1_234_567, currency: "JPY"), "-1.234.567\(nbsp)JPY")
        XCTAssertEqual(PortalFormat(.ar).amount(-1_234_567, currency: "JPY"), "\(rlm)\(lrm)-1,234,567\(nbsp)JPY")
        XCTAssertEqual(PortalFormat(.en).amount(Int64.min, currency: "GBP"), "-GBP\(nbsp)92,233,720,368,547,758.08")
    }

    func test_unknownOrHostileCurrencyCode() {
        XCTAssertEqual(PortalFormat(.en).amount(1234, currency: "<b>"), "???\(nbsp)12.34")
        XCTAssertEqual(PortalFormat(.en).amount(1234, currency: "XYZ"), "XYZ\(nbsp)12.34")
    }

    func test_spanishGroupsFromFiveDigits() {
        let es = PortalFormat(.es)
        XCTAssertEqual(es.number(1234), "1234")
        XCTAssertEqual(es.number(12345), "12.345")
        XCTAssertEqual(es.number(-12345), "-12.345")
        XCTAssertEqual(PortalFormat(.de).number(1234), "1.234")
    }

    func test_numbers() {
        XCTAssertEqual(PortalFormat(.en).number(1_234_567), "1,234,567")
        XCTAssertEqual(PortalFormat(.fr).number(1_234_567), "1\(nnbsp)234\(nnbsp)567")
        XCTAssertEqual(PortalFormat(.ar).number(-12345), "\(lrm)-12,345")
        XCTAssertEqual(PortalFormat(.ja).number(0), "0")
        XCTAssertEqual(PortalFormat(.en).number(999), "999")
    }

    func test_percent() {
        XCTAssertEqual(PortalFormat(.en).percent(tenths: 853), "85.3%")
        XCTAssertEqual(PortalFormat(.fr).percent(tenths: 853), "85,3\(nbsp)%")
        XCTAssertEqual(PortalFormat(.de).percent(tenths: -50), "-5,0\(nbsp)%")
        XCTAssertEqual(PortalFormat(.ar).percent(tenths: 853), "85.3\(lrm)%\(lrm)")
        XCTAssertEqual(PortalFormat(.ja).percent(tenths: 12345), "1,234.5%")
    }

    func test_datesPerLanguage() {
        let date = CivilDate(year: 2026, month: 11, day: 2)!
        let expected: [PortalLanguage: String] = [
            .en: "Nov 2, 2026", .fr: "2 nov. 2026", .es: "2 nov 2026", .de: "02.11.2026",
            .zhHans: "2026年11月2日", .ja: "2026/11/02", .ko: "2026. 11. 2.", .ar: "02\(rlm)/11\(rlm)/2026",
        ]
        for language in PortalLanguage.allCases {
            XCTAssertEqual(PortalFormat(language).date(date), expected[language], language.rawValue)
        }
        XCTAssertEqual(PortalFormat(.fr).date(CivilDate(year: 2027, month: 2, day: 28)!), "28 févr. 2027")
    }

    func test_timesPerLanguage() {
        let afternoon = 13 * 3600 + 30 * 60, morning = 9 * 3600 + 5 * 60, midnight = 0
        XCTAssertEqual(PortalFormat(.en).time(secondOfDay: afternoon), "1:30\(nnbsp)PM")
        XCTAssertEqual(PortalFormat(.en).time(secondOfDay: midnight), "12:00\(nnbsp)AM")
        XCTAssertEqual(PortalFormat(.ko).time(secondOfDay: afternoon), "오후 1:30")
        XCTAssertEqual(PortalFormat(.ar).time(secondOfDay: morning), "9:05\(nbsp)ص")
        XCTAssertEqual(PortalFormat(.de).time(secondOfDay: morning), "09:05")
        XCTAssertEqual(PortalFormat(.ja).time(secondOfDay: afternoon), "13:30")
    }

    func test_dateTimeSaysUTC() {
        let instant = PortalInstant(rfc3339: "2026-11-02T13:30:00Z")!
        XCTAssertEqual(PortalFormat(.de).dateTime(instant), "02.11.2026, 13:30 UTC")
        XCTAssertEqual(PortalFormat(.zhHans).dateTime(instant), "2026年11月2日 13:30 UTC")
        XCTAssertEqual(instant.rfc3339, "2026-11-02T13:30:00Z")
    }

    func test_rfc3339Parsing() {
        XCTAssertEqual(PortalInstant(rfc3339: "2026-11-02T15:30:00.123+02:00")?.rfc3339, "2026-11-02T13:30:00Z")
        XCTAssertEqual(PortalInstant(rfc3339: "1970-01-01T00:00:00Z")?.secondsSince1970, 0)
        XCTAssertNil(PortalInstant(rfc3339: "2026-13-02T13:30:00Z"))
        XCTAssertNil(PortalInstant(rfc3339: "2026-11-02T13:30:00"))
        XCTAssertNil(PortalInstant(rfc3339: "2026-11-02T25:30:00Z"))
        XCTAssertEqual(PortalInstant(secondsSince1970: -1).rfc3339, "1969-12-31T23:59:59Z")
    }

    func test_amountInputParsing() {
        XCTAssertEqual(PortalForms.parseAmount("1234.56", currency: "GBP"), 123_456)
        XCTAssertEqual(PortalForms.parseAmount("1234,5", currency: "GBP"), 123_450)
        XCTAssertEqual(PortalForms.parseAmount(" 12 ", currency: "KWD"), 12_000)
        XCTAssertEqual(PortalForms.parseAmount("1,234", currency: "KWD"), 1_234)
        XCTAssertEqual(PortalForms.parseAmount("１２３４", currency: "JPY"), 1_234)
        XCTAssertEqual(PortalForms.parseAmount("١٢٣٤٫٥", currency: "KWD"), 1_234_500)
        XCTAssertNil(PortalForms.parseAmount("1.234,56", currency: "EUR"))
        XCTAssertNil(PortalForms.parseAmount("12.5", currency: "JPY"))
        XCTAssertNil(PortalForms.parseAmount("1.234", currency: "GBP"))
        XCTAssertNil(PortalForms.parseAmount("-5", currency: "GBP"))
        XCTAssertNil(PortalForms.parseAmount("1e5", currency: "GBP"))
        XCTAssertNil(PortalForms.parseAmount("", currency: "GBP"))
        XCTAssertNil(PortalForms.parseAmount("12.", currency: "GBP"))
        XCTAssertNil(PortalForms.parseAmount("1234567890123456", currency: "GBP"))
        XCTAssertNil(PortalForms.parseAmount("5", currency: "ZZZ"))
    }

    func test_operationsAndLinesParsing() {
        XCTAssertEqual(PortalForms.parseOperations("*"), ["*"])
        XCTAssertEqual(PortalForms.parseOperations(""), ["*"])
        XCTAssertEqual(PortalForms.parseOperations("gb, FR GB"), ["GB", "FR"])
        XCTAssertNil(PortalForms.parseOperations("GBR"))
        XCTAssertEqual(PortalForms.parseLines("a@x.com\r\n\n b@y.com ,c@z.com"), ["a@x.com", "b@y.com", "c@z.com"])
        XCTAssertTrue(PortalForms.parseBool("true"))
        XCTAssertFalse(PortalForms.parseBool(nil))
    }
}
