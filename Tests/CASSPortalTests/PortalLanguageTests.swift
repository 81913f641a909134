@testable import CASSPortal
import XCTest

final class PortalLanguageTests: XCTestCase {
    func test_userSettingWinsOverAcceptLanguage() {
        XCTAssertEqual(PortalLanguage.negotiate(userSetting: "ja", acceptLanguage: "fr, en;q=0.8"), .ja)
    }

    func test_unsupportedSettingFallsToHeader() {
        XCTAssertEqual(PortalLanguage.negotiate(userSetting: "pt-BR", acceptLanguage: "de-CH, en;q=0.5"), .de)
        XCTAssertEqual(PortalLanguage.negotiate(userSetting: "", acceptLanguage: "ko"), .ko)
    }

    func test_qValuesOrderTheHeader() {
        XCTAssertEqual(PortalLanguage.negotiate(userSetting: nil, acceptLanguage: "en;q=0.5, ar;q=0.9, fr;q=0.7"), .ar)
        XCTAssertEqual(PortalLanguage.parseAcceptLanguage("da, en-GB;q=0.8, en;q=0.7"), ["da", "en-GB", "en"])
        XCTAssertEqual(PortalLanguage.parseAcceptLanguage("a;q=0.5, b, c;q=1.0, d;q=0.500"), ["b", "c", "a", "d"])
    }

    func test_unsupportedLanguagesAreSkipped() {
        XCTAssertEqual(PortalLanguage.negotiate(userSetting: nil, acceptLanguage: "pt-BR, nl;q=0.9, es;q=0.1"), .es)
    }

    func test_qZeroExcludesAndWildcardIsIgnored() {
        XCTAssertEqual(PortalLanguage.negotiate(userSetting: nil, acceptLanguage: "fr;q=0, *;q=0.9"), .en)
        XCTAssertEqual(PortalLanguage.parseAcceptLanguage("fr;q=0, de"), ["de"])
    }

    func test_malformedEntriesAreSkippedNotFatal() {
        XCTAssertEqual(PortalLanguage.parseAcceptLanguage("fr;q=2, de;q=abc, <script>, ja;q=0.3, ko;q=0.30000"), ["ja"])
        XCTAssertEqual(PortalLanguage.negotiate(userSetting: nil, acceptLanguage: ";;;,,,=="), .en)
        XCTAssertEqual(PortalLanguage.negotiate(userSetting: nil, acceptLanguage: nil), .en)
    }

    func test_chineseVariantsAreSimplified() {
        for tag in ["zh", "zh-CN", "zh-Hans-CN", "zh-TW", "zh_SG", "ZH-hans"] {
            XCTAssertEqual(PortalLanguage(tag: tag), .zhHans, tag)
        }
        XCTAssertEqual(PortalLanguage.zhHans.rawValue, "zh-Hans")
    }

    func test_hugeHeaderIsBounded() {
        let header = Array(repeating: "xx;q=0.1", count: 5000).joined(separator: ",") + ",fr"
        XCTAssertEqual(PortalLanguage.negotiate(userSetting: nil, acceptLanguage: header), .en)
        XCTAssertLessThanOrEqual(PortalLanguage.parseAcceptLanguage(header).count, 64)
    }

    func test_direction() {
        for language in PortalLanguage.allCases {
            XCTAssertEqual(language.direction, language == .ar ? "rtl" : "ltr")
        }
    }
}
