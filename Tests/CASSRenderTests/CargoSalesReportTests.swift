import CASSDomain
@testable import CASSRender
import Foundation
import XCTest

final class CargoSalesReportTests: XCTestCase {
    /// Renders one invoice per language; keeps them in RENDER_SAMPLES_DIR when set (for looking at).
    func test_onePDFPerLanguage_pdftotextFindsNumberTotalAndAgentName() throws {
        let fonts = try Fixtures.requireFonts()
        guard Fixtures.toolPath("pdftotext") != nil else { throw XCTSkip("poppler-utils missing: run scripts/install-deps") }
        let renderer = DocumentRenderer(reference: Fixtures.reference, fonts: fonts)
        let keep = ProcessInfo.processInfo.environment["RENDER_SAMPLES_DIR"].map { URL(fileURLWithPath: $0) }
        let folder = try keep ?? Fixtures.temporaryDirectory(self)
        for (index, market) in Fixtures.markets.enumerated() {
            let invoice = Fixtures.invoice(market: index, lines: 14)
            let pdf = try renderer.renderPDF(invoice)
            let url = folder.appendingPathComponent("\(market.language).pdf")
            try AtomicFile.write(pdf, to: url)
            // A no-break space shares the space glyph, so it comes back as a space.
            let text = try XCTUnwrap(Fixtures.run("pdftotext", ["-layout", url.path, "-"])).replacingOccurrences(of: "\u{00A0}", with: " ")
            let t = Translations(language: market.language)
            XCTAssertTrue(text.contains(invoice.number), "\(market.language): invoice number missing")
            let total = t.amount(invoice.total, digits: invoice.minorDigits).replacingOccurrences(of: "\u{00A0}", with: " ")
            XCTAssertTrue(text.contains(total), "\(market.language): total \(total) missing")
            XCTAssertTrue(text.contains(market.agentName), "\(market.language): agent name \(market.agentName) missing in:\n\(text.prefix(600))")
        }
        if keep != nil {
            try AtomicFile.write(try renderer.renderPDF(Fixtures.invoice(market: 7, lines: 120)), to: folder.appendingPathComponent("ar-long.pdf"))
            try AtomicFile.write(try renderer.renderPDF(Fixtures.invoice(market: 0, lines: 120)), to: folder.appendingPathComponent("en-long.pdf"))
        }
    }

    /// Preparing a run's languages before its documents
    /// (`DocumentRenderer.prepare`, which `cass settle` does in the
    /// background) covers every language the reference data's agents are
    /// rendered in, makes each one's base subsets, and changes no byte of
    /// any document: every market's PDF equals the one from fonts nobody
    /// prepared.
    func test_preparedLanguages_changeNoByteOfTheDocuments() throws {
        _ = try Fixtures.requireFonts()
        let fresh = DocumentRenderer(reference: Fixtures.reference, fonts: try FontSet.locate())
        let prepared = DocumentRenderer(reference: Fixtures.reference, fonts: try FontSet.locate())
        let languages = prepared.languages
        for index in Fixtures.markets.indices {
            XCTAssertTrue(languages.contains(prepared.language(of: Fixtures.invoice(market: index, lines: 1))), Fixtures.markets[index].language)
        }
        XCTAssertEqual(prepared.fonts.prepared.subsetCount, 0)
        prepared.prepare(languages: languages)
        XCTAssertGreaterThanOrEqual(prepared.fonts.prepared.subsetCount, languages.count, "at least the Latin subset of each language")
        for index in Fixtures.markets.indices {
            let invoice = Fixtures.invoice(market: index, lines: 14)
            XCTAssertEqual(try prepared.renderPDF(invoice), try fresh.renderPDF(invoice), Fixtures.markets[index].language)
        }
    }

    /// Lam-alef ligatures map back to lam then alef in the ToUnicode map, so
    /// pdftotext extracts (and a viewer searches) the Arabic words whole:
    /// الإصدار, الأساس and تعديلات (column headings) each have one.
    func test_arabicInvoice_pdftotextExtractsLamAlefAsLamThenAlef() throws {
        let fonts = try Fixtures.requireFonts()
        guard Fixtures.toolPath("pdftotext") != nil else { throw XCTSkip("poppler-utils missing: run scripts/install-deps") }
        let arabic = try XCTUnwrap(Fixtures.markets.firstIndex { $0.language == "ar" })
        let pdf = try DocumentRenderer(reference: Fixtures.reference, fonts: fonts).renderPDF(Fixtures.invoice(market: arabic, lines: 14))
        let url = try Fixtures.temporaryDirectory(self).appendingPathComponent("ar.pdf")
        try AtomicFile.write(pdf, to: url)
        for mode in [["-layout"], ["-raw"], []] {
            let text = try XCTUnwrap(Fixtures.run("pdftotext", mode + [url.path, "-"]))
            let t = Translations(language: "ar")
            for label in [t["col.issue_date"], t["col.base"], t["adjustments"]] {
                for word in label.split(separator: " ") {
                    XCTAssertTrue(text.contains(word), "pdftotext \(mode): '\(word)' of '\(label)' not found")
                }
            }
            // The reversed reading the old map gave.
            XCTAssertFalse(text.contains("اإلصدار"), "pdftotext \(mode): lam-alef came out alef then lam")
        }
    }

    /// Every AWB and CCA line says prepaid or collect in the invoice's
    /// language, and a section with a collect line explains its negative net.
    func test_everyLanguage_linesShowPrepaidOrCollect_andCollectIsExplained() throws {
        let fonts = try Fixtures.requireFonts()
        guard Fixtures.toolPath("pdftotext") != nil else { throw XCTSkip("poppler-utils missing: run scripts/install-deps") }
        let renderer = DocumentRenderer(reference: Fixtures.reference, fonts: fonts)
        let folder = try Fixtures.temporaryDirectory(self)
        let marks = Set("\u{200E}\u{200F}\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}".unicodeScalars)
        for (index, market) in Fixtures.markets.enumerated() {
            let invoice = Fixtures.invoice(market: index, lines: 14)
            let url = folder.appendingPathComponent("\(market.language).pdf")
            try AtomicFile.write(try renderer.renderPDF(invoice), to: url)
            var text = try XCTUnwrap(Fixtures.run("pdftotext", ["-layout", url.path, "-"]))
            text.unicodeScalars.removeAll { marks.contains($0) }
            let rows = text.split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace).map(String.init) }
            let t = Translations(language: market.language)
            var collect = 0
            for line in invoice.sections.flatMap(\.lines) {
                let row = try XCTUnwrap(rows.first { $0.contains(line.awb) }, "\(market.language): no row for \(line.awb)")
                guard let indicator = line.chargesIndicator else { continue }
                if indicator == .collect { collect += 1 }
                let label = t["charges." + indicator.code], other = t["charges." + (indicator == .collect ? "P" : "C")]
                XCTAssertTrue(row.contains(label) && !row.contains(other), "\(market.language): \(line.awb) should say \(label): \(row)")
            }
            XCTAssertGreaterThan(collect, 0, "the fixture has collect lines")
            // The note's first words (a line holds more than these).
            let words = t["charges.note"].split(separator: " ").prefix(market.language == "ar" ? 1 : 3).joined(separator: " ")
            let start = ["zh-Hans", "ja", "ko"].contains(market.language) ? String(t["charges.note"].prefix(6)) : words
            XCTAssertTrue(text.contains(start), "\(market.language): the collect note ('\(start)') is missing")
        }
    }

    /// The KW sample's tax description: an English phrase ending in a rate
    /// inside an Arabic line. pdftotext gives "levy 2.5 %" back, not the
    /// sign at the far end of the English phrase ("% Airport ... 2.5").
    func test_arabicInvoice_rateInsideAnArabicLine_pdftotextReads2Point5Percent() throws {
        let fonts = try Fixtures.requireFonts()
        guard Fixtures.toolPath("pdftotext") != nil else { throw XCTSkip("poppler-utils missing: run scripts/install-deps") }
        let arabic = try XCTUnwrap(Fixtures.markets.firstIndex { $0.language == "ar" })
        var invoice = Fixtures.invoice(market: arabic, lines: 4)
        invoice.sections[0].taxes[0].description = "رسوم خدمات المطار، Airport services levy 2.5 %"
        let url = try Fixtures.temporaryDirectory(self).appendingPathComponent("ar-rate.pdf")
        try AtomicFile.write(try DocumentRenderer(reference: Fixtures.reference, fonts: fonts).renderPDF(invoice), to: url)
        for mode in [["-layout"], []] {
            let text = try XCTUnwrap(Fixtures.run("pdftotext", mode + [url.path, "-"]))
            XCTAssertTrue(text.contains("Airport services levy 2.5 %"), "pdftotext \(mode): \(text.split(separator: "\n").filter { $0.contains("levy") })")
            XCTAssertTrue(text.contains("رسوم خدمات المطار"), "pdftotext \(mode)")
        }
    }

    /// An agent name in reference data with explicit bidi controls (a
    /// careless or hostile entry) is drawn in the order UAX #9 gives them,
    /// in the running heading and the address block, and nothing breaks:
    /// an override reverses "ograC" to "Cargo" up to its PDF, an
    /// unterminated override stays inside the name's cell, an isolate keeps
    /// "7 Seas" together inside an Arabic name.
    func test_agentNamesWithBidiControls_areDrawnInUAX9Order() throws {
        let fonts = try Fixtures.requireFonts()
        guard Fixtures.toolPath("pdftotext") != nil else { throw XCTSkip("poppler-utils missing: run scripts/install-deps") }
        let english = try XCTUnwrap(Fixtures.markets.firstIndex { $0.language == "en" })
        let arabic = try XCTUnwrap(Fixtures.markets.firstIndex { $0.language == "ar" })
        let names = [
            english: "Heathrow \u{202E}ograC\u{202C} Agents \u{202E}dtL",
            arabic: "شركة \u{2066}7 Seas\u{2069} للشحن",
        ]
        var agents = Fixtures.reference.agents.values.flatMap(\.values)
        for (index, name) in names {
            let code = Fixtures.agentCode(index)
            let at = try XCTUnwrap(agents.firstIndex { $0.code == code && $0.country == Fixtures.markets[index].country })
            agents[at].name = name
            // An override that wraps: the address block is half the page
            // wide, so this takes three lines, and the override goes on.
            if index == english { agents[at].address = "\u{202E}" + String(repeating: "ograC worhtaeH ", count: 10) }
        }
        let reference = ReferenceData(operations: Array(Fixtures.reference.operations.values),
                                      airlines: Array(Fixtures.reference.airlines.values), agents: agents)
        let renderer = DocumentRenderer(reference: reference, fonts: fonts)
        let folder = try Fixtures.temporaryDirectory(self)

        let englishURL = folder.appendingPathComponent("en-bidi.pdf")
        try AtomicFile.write(try renderer.renderPDF(Fixtures.invoice(market: english, lines: 40)), to: englishURL)
        let text = try XCTUnwrap(Fixtures.run("pdftotext", ["-layout", englishURL.path, "-"]))
        let lines = text.split(separator: "\n").filter { $0.contains("Agents") }
        XCTAssertGreaterThanOrEqual(lines.count, 2, "the address block and the running heading: \(lines)")
        for line in lines {
            XCTAssertTrue(line.contains("Heathrow Cargo Agents Ltd"), String(line))
        }
        let address = text.split(separator: "\n").filter { $0.contains("Heathrow Cargo Heathrow") }
        XCTAssertGreaterThanOrEqual(address.count, 2, "the address wraps: \(text.prefix(1200))")
        XCTAssertFalse(text.contains("ograC"), String(text.prefix(1200)))
        XCTAssertFalse(text.contains("worhtaeH"), String(text.prefix(1200)))

        let arabicURL = folder.appendingPathComponent("ar-bidi.pdf")
        try AtomicFile.write(try renderer.renderPDF(Fixtures.invoice(market: arabic, lines: 4)), to: arabicURL)
        let arabicText = try XCTUnwrap(Fixtures.run("pdftotext", ["-layout", arabicURL.path, "-"]))
        XCTAssertTrue(arabicText.contains("7 Seas"), String(arabicText.prefix(800)))
        XCTAssertFalse(arabicText.contains("Seas 7"), String(arabicText.prefix(800)))
    }
}

