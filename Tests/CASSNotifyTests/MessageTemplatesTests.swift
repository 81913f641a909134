import CASSDomain
import CASSNotify
import Foundation
import XCTest

/// Messages per event per language.
final class MessageTemplatesTests: XCTestCase {
    private let languages = ["en", "fr", "es", "de", "zh-Hans", "ja", "ko", "ar"]

    func test_everyLanguage_hasEveryEvent_nonEmpty_placeholdersFilled() throws {
        let templates = try MessageTemplates()
        XCTAssertEqual(Set(templates.languages), Set(languages))
        for language in languages {
            for event in Fixtures.all {
                let message = try templates.render(event, language: language)
                XCTAssertEqual(message.language, language)
                XCTAssertFalse(message.subject.isEmpty, "\(language) \(event.kind)")
                XCTAssertFalse(message.body.isEmpty, "\(language) \(event.kind)")
                for text in [message.subject, message.body] {
                    XCTAssertFalse(text.contains("{"), "unfilled placeholder in \(language) \(event.kind): \(text)")
                    XCTAssertFalse(text.contains("\\n"), "unescaped line break in \(language) \(event.kind)")
                }
                XCTAssertFalse(message.subject.contains("\n"), "subject is one line")
            }
        }
    }

    /// Each template uses the values that matter, in every language.
    func test_messages_carryTheEventsKeyValues() throws {
        let templates = try MessageTemplates()
        for language in languages {
            let invoice = try templates.render(Fixtures.invoice, language: language)
            XCTAssertTrue(invoice.subject.contains("GB-2026110201-000042"), language)
            for value in ["GB-2026110201-000042", "12345.67", "GBP", "2026-12-10", "12345678903", "20261102"] {
                XCTAssertTrue(invoice.body.contains(value), "\(language) invoice body lacks \(value)")
            }
            let yen = try templates.render(Fixtures.invoiceYen, language: language)
            XCTAssertTrue(yen.body.contains("-45000 JPY"), "\(language): 0-digit currency, negative total")
            let accepted = try templates.render(Fixtures.accepted, language: language)
            for value in ["125_GB_2026110201.cbf", "125", "98", "2"] { XCTAssertTrue(accepted.body.contains(value), "\(language) \(value)") }
            let rejected = try templates.render(Fixtures.rejected, language: language)
            XCTAssertTrue(rejected.subject.contains("F03"), language)
            XCTAssertTrue(rejected.body.contains("trailer count"), language)
            let closed = try templates.render(Fixtures.closed, language: language)
            for value in ["17", "98765.43", "GBP", "20261102"] { XCTAssertTrue(closed.body.contains(value), "\(language) \(value)") }
        }
    }

    func test_translations_differFromEnglish() throws {
        let templates = try MessageTemplates()
        let english = try templates.render(Fixtures.invoice, language: "en")
        for language in languages where language != "en" {
            let translated = try templates.render(Fixtures.invoice, language: language)
            XCTAssertNotEqual(translated.subject, english.subject, language)
            XCTAssertNotEqual(translated.body, english.body, language)
        }
        XCTAssertTrue(try templates.render(Fixtures.invoice, language: "ja").body.contains("請求書"))
        XCTAssertTrue(try templates.render(Fixtures.invoice, language: "ar").body.contains("الفاتورة"))
    }

    func test_languageResolution_subtagsAndCaseAndChineseDefault() throws {
        let templates = try MessageTemplates()
        XCTAssertEqual(templates.resolve(language: "fr-CA"), "fr")
        XCTAssertEqual(templates.resolve(language: "zh-Hans-CN"), "zh-Hans")
        XCTAssertEqual(templates.resolve(language: "ZH_hans"), "zh-Hans")
        XCTAssertEqual(templates.resolve(language: "zh"), "zh-Hans")
        XCTAssertEqual(templates.resolve(language: "DE"), "de")
        XCTAssertEqual(templates.resolve(language: "pt-BR"), "en")
        XCTAssertEqual(templates.resolve(language: ""), "en")
    }

    func test_unknownLanguage_fallsBackToEnglish() throws {
        let templates = try MessageTemplates()
        let english = try templates.render(Fixtures.accepted, language: "en")
        XCTAssertEqual(try templates.render(Fixtures.accepted, language: "sw"), english)
    }

    func test_missingKey_fallsBackToEnglish_perKey() throws {
        let folder = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Italian with only a subject for invoices; German with a new subject.
        try "# partial\ninvoiceIssued.subject = Fattura CASS {number}\n".write(toFile: folder + "/it.txt", atomically: true, encoding: .utf8)
        try "invoiceIssued.subject = Neue Rechnung {number}\n".write(toFile: folder + "/de.txt", atomically: true, encoding: .utf8)
        let templates = try MessageTemplates(overridesFolder: folder)
        let italian = try templates.render(Fixtures.invoice, language: "it")
        XCTAssertEqual(italian.language, "it")
        XCTAssertEqual(italian.subject, "Fattura CASS GB-2026110201-000042")
        XCTAssertEqual(italian.body, try templates.render(Fixtures.invoice, language: "en").body)
        XCTAssertEqual(try templates.render(Fixtures.rejected, language: "it"), RenderedMessage(
            language: "it",
            subject: try templates.render(Fixtures.rejected, language: "en").subject,
            body: try templates.render(Fixtures.rejected, language: "en").body))
        let german = try templates.render(Fixtures.invoice, language: "de")
        XCTAssertEqual(german.subject, "Neue Rechnung GB-2026110201-000042")
        XCTAssertTrue(german.body.contains("Rechnung GB-2026110201-000042"), "the rest of German stays built in")
    }

    func test_templateFile_withoutEqualsSign_isAnErrorWithLine() {
        XCTAssertThrowsError(try MessageCatalog.parse("a = b\nbroken line\n", source: "x.txt")) { error in
            XCTAssertTrue("\(error)".contains("x.txt line 2"), "\(error)")
        }
    }

    func test_fill_isSinglePass_andLeavesUnknownNames() {
        XCTAssertEqual(MessageTemplates.fill("{a} {b} {c", ["a": "{b}", "b": "B"]), "{b} B {c")
    }

    /// A message text from a file could carry a line break into a header.
    func test_subject_neverContainsALineBreak() throws {
        let event = NotificationEvent.fileRejected(.init(file: "f\r\nBcc: x@y", airline: "125", code: "F01", message: "m"))
        let message = try MessageTemplates().render(event, language: "en")
        XCTAssertFalse(message.subject.contains("\n") || message.subject.contains("\r"))
    }
}
