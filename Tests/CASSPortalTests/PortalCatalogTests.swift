@testable import CASSPortal
import XCTest

final class PortalCatalogTests: XCTestCase {
    func test_everyLanguageHasExactlyEnglishKeys() {
        let english = PortalCatalog.keys(.en)
        XCTAssertGreaterThan(english.count, 300)
        for language in PortalLanguage.allCases where language != .en {
            let keys = PortalCatalog.keys(language)
            XCTAssertEqual(english.subtracting(keys).sorted(), [], "\(language.rawValue) is missing keys")
            XCTAssertEqual(keys.subtracting(english).sorted(), [], "\(language.rawValue) has keys English does not")
        }
    }

    func test_placeholdersMatchEnglish() {
        for key in PortalCatalog.keys(.en) {
            let expected = Set(Page.matches("\\{([a-z]+)\\}", in: PortalCatalog.value(.en, key) ?? ""))
            for language in PortalLanguage.allCases {
                let value = PortalCatalog.value(language, key) ?? ""
                XCTAssertFalse(value.isEmpty, "\(language.rawValue) \(key) is empty")
                XCTAssertEqual(Set(Page.matches("\\{([a-z]+)\\}", in: value)), expected, "\(language.rawValue) \(key) placeholders")
            }
        }
    }

    /// The values a page labels from fixed sets all have words, in every language.
    func test_fixedSetsHaveWords() {
        var keys: [String] = []
        keys += PortalPages.fileStatuses.map { "status.file." + $0 }
        keys += PortalPages.invoiceStatuses.map { "status.invoice." + $0 }
        keys += PortalPages.disputeStatuses.map { "status.dispute." + $0 }
        keys += ["open", "closing", "closed"].map { "status.period." + $0 }
        keys += (PortalPages.paymentMethods + ["credit"]).map { "method." + $0 }
        keys += ["raised", "accepted", "rejected", "withdrawn", "escalated"].map { "action." + $0 }
        keys += PortalRole.allCases.map { "role." + $0.rawValue }
        keys += ["A", "B", "C", "D"].map { "grade." + $0 }
        keys += PortalDocumentFormat.allCases.map { "document." + $0.rawValue }
        keys += PortalSection.allCases.map(\.titleKey)
        keys += PortalMessage.allCases.map(\.key)
        keys += [400, 401, 403, 404, 405, 409, 413, 422, 429, 500, 503].flatMap { ["error.\($0).title", "error.\($0).text"] }
        keys += ["F01", "F02", "F03", "F04", "F05", "F06", "F07", "F08"].map { "code." + $0 }
        keys += (1...12).map { "code.R" + ($0 < 10 ? "0" : "") + String($0) }
        for language in PortalLanguage.allCases {
            for key in keys { XCTAssertNotNil(PortalCatalog.value(language, key), "\(language.rawValue) \(key)") }
        }
    }

    /// A key missing at run time would show as the key itself: no page, in
    /// any language, shows one.
    func test_noPageShowsARawKey() {
        let prefixes = "layout|nav|scope|filter|list|form|role|status|method|action|grade|document|field|login|error|notice|files|file|validation|invoices|invoice|payment|payments|disputes|dispute|risk|periods|statistics|users|user|settings|account|code|language"
        for page in Page.everything() {
            let found = Page.matches("(?<![A-Za-z0-9_.@/-])((?:\(prefixes))\\.[A-Za-z][A-Za-z0-9.-]*)", in: Page.visibleText(page.html))
            XCTAssertEqual(found, [], page.label)
        }
    }

    func test_translationsAreNotEnglishCopies() {
        // A sample of sentences every language must have translated.
        for key in ["login.intro", "files.uploadHint", "error.404.text", "notice.fileUploaded", "risk.intro"] {
            let english = PortalCatalog.value(.en, key)
            for language in PortalLanguage.allCases where language != .en {
                XCTAssertNotEqual(PortalCatalog.value(language, key), english, "\(language.rawValue) \(key)")
            }
        }
    }
}
