import CASSDomain
@testable import CASSRender
import Foundation
import XCTest

final class PDFLayoutTests: XCTestCase {
    func test_multiPageInvoice_pdfinfoPageCountMatchesPageNOfM() throws {
        let fonts = try Fixtures.requireFonts()
        guard Fixtures.toolPath("pdfinfo") != nil else { throw XCTSkip("poppler-utils missing: run scripts/install-deps") }
        let invoice = Fixtures.invoice(market: 0, lines: 120)
        let pdf = try DocumentRenderer(reference: Fixtures.reference, fonts: fonts).renderPDF(invoice)
        let url = try Fixtures.temporaryDirectory(self).appendingPathComponent("long.pdf")
        try AtomicFile.write(pdf, to: url)
        let info = try XCTUnwrap(Fixtures.run("pdfinfo", [url.path]))
        let pagesLine = try XCTUnwrap(info.split(separator: "\n").first { $0.hasPrefix("Pages:") })
        let pages = try XCTUnwrap(Int(pagesLine.dropFirst(6).trimmingCharacters(in: .whitespaces)))
        XCTAssertGreaterThanOrEqual(pages, 3, "120 lines cannot fit on two A4 pages")
        let text = try XCTUnwrap(Fixtures.run("pdftotext", ["-layout", url.path, "-"]))
        for n in 1...pages { XCTAssertTrue(text.contains("Page \(n) of \(pages)"), "page \(n) lacks its number") }
        XCTAssertFalse(text.contains("Page \(pages + 1) of"))
        // Column headings repeat on every page that continues a table.
        let headingPages = text.components(separatedBy: "\u{0C}").filter { $0.contains("AWB number") }.count
        XCTAssertGreaterThanOrEqual(headingPages, pages - 1)
        // Every AWB line made it onto a page.
        for line in invoice.sections.flatMap(\.lines) { XCTAssertTrue(text.contains(line.awb), "\(line.awb) missing") }
    }

    func test_fiftyLineInvoice_staysWellUnder200KB() throws {
        let fonts = try Fixtures.requireFonts()
        let renderer = DocumentRenderer(reference: Fixtures.reference, fonts: fonts)
        for index in Fixtures.markets.indices {
            let pdf = try renderer.renderPDF(Fixtures.invoice(market: index, lines: 50))
            XCTAssertLessThan(pdf.count, 200_000, "\(Fixtures.markets[index].language): \(pdf.count) bytes")
        }
    }

    func test_sameInvoice_sameBytes() throws {
        let fonts = try Fixtures.requireFonts()
        let renderer = DocumentRenderer(reference: Fixtures.reference, fonts: fonts)
        let invoice = Fixtures.invoice(market: 4, lines: 20)
        XCTAssertEqual(try renderer.renderPDF(invoice), try renderer.renderPDF(invoice))
    }

    /// Plain ASCII cells take a table path in `shapeRuns`; it must give the
    /// runs, widths and glyph usage (hence PDF bytes) the general path does,
    /// for every ASCII byte (control characters drawn as spaces included),
    /// in regular and bold, and leave other text to the general path.
    func test_asciiFastPath_sameRunsAndGlyphUseAsTheGeneralPath() throws {
        let fonts = try Fixtures.requireFonts()
        var texts = ["", " ", "0.00", "176-12345675", "2026-12-03", "EUR 1,234.56", "a\tb\nc\u{7F}", "(x) [y] {z} -5%"]
        texts.append(String(decoding: (0..<128).map { UInt8($0) }, as: UTF8.self))
        for b in 0..<128 { texts.append(" " + String(UnicodeScalar(UInt8(b))) + "x" + String(UnicodeScalar(UInt8(b)))) }
        // The table path covers U+0080-U+00FF too (Latin-1; U+00A0 is a group separator).
        for b in 0x80..<0x100 { texts.append(" " + String(UnicodeScalar(UInt8(b))) + "x" + String(UnicodeScalar(UInt8(b)))) }
        texts += ["1\u{00A0}234,56 €", "Müller & Søn, São Paulo", "ÿ\u{0085}¿"]
        for bold in [false, true] {
            for level: UInt8? in [nil, 0] {
                let fast = PDFDocument(fonts: fonts, language: nil), general = PDFDocument(fonts: fonts, language: nil)
                for text in texts {
                    let a = fast.shapeRuns(text, bold: bold, paragraphLevel: level)
                    let b = general.shapeGeneral(text, bold: bold, paragraphLevel: level)
                    XCTAssertEqual(a.map(\.fontKey), b.map(\.fontKey), text.debugDescription)
                    XCTAssertEqual(a.map(\.glyphs), b.map(\.glyphs), text.debugDescription)
                    XCTAssertEqual(a.map(\.width), b.map(\.width), text.debugDescription)
                }
                XCTAssertEqual(Set(fast.usage.keys), Set(general.usage.keys))
                for (key, use) in general.usage {
                    let other = try XCTUnwrap(fast.usage[key])
                    XCTAssertEqual(other.glyphs, use.glyphs, key)
                    XCTAssertEqual(other.unicode, use.unicode, key)
                }
            }
        }
        // Not ASCII: the general path, whatever the level.
        let document = PDFDocument(fonts: fonts, language: nil)
        for text in ["café 12", "مرحبا 12"] {
            XCTAssertEqual(document.shapeRuns(text, bold: false, paragraphLevel: nil).map(\.glyphs),
                           document.shapeGeneral(text, bold: false, paragraphLevel: nil).map(\.glyphs))
        }
    }

    /// Wrapped lines are cached per document: the cached lines are the
    /// measured ones for every text, width and weight, asked for twice.
    func test_wrapCache_givesTheMeasuredLines() throws {
        let fonts = try FontSet.locate()
        let canvas = ReportCanvas(document: PDFDocument(fonts: fonts, language: nil), rightToLeft: false)
        let texts = ["", "short", "a note long enough to wrap over more than one line of a narrow column, twice over and again",
                     "Supercalifragilisticexpialidocious", "two  spaces\nand a break", "مرحبا بكم في تقرير المبيعات", "中文字符没有空格的一段很长的文字"]
        for _ in 0..<2 {
            for text in texts {
                for w in [20.0, 80.0, 400.0] {
                    for bold in [false, true] {
                        for breakWords in [false, true] {
                            XCTAssertEqual(canvas.wrap(text, w: w, size: 8, bold: bold, breakWords: breakWords),
                                           canvas.wrapMeasuring(text, w: w, size: 8, bold: bold, breakWords: breakWords), "\(text) \(w)")
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(canvas.wrap(texts[2], w: 80, size: 8).count, 1, "the long note must wrap")
    }

    /// A text wrapped by one document is reused by the next with the same
    /// fonts (`SharedWraps`): the lines, and the glyphs its measuring
    /// marked drawn, replayed, give the file that wrapping it there gives,
    /// byte for byte (subsets, ToUnicode texts, font order), also when the
    /// document had drawn other text before.
    func test_sharedWrap_replaysTheGlyphUseOfMeasuring() throws {
        let fonts = try FontSet.locate()
        let texts = ["中文字符没有空格的一段很长的文字，还有标点符号。", "مرحبا بكم في تقرير المبيعات الخاص بالشحن الجوي 2026",
                     "Charges collect are due from the consignee at destination and are shown for information only.",
                     "請求書の合計 1,234 円 AWB 176-12345675 mixed with Latin", "Ünïcödé — «quotes» and ﬁ ligature 12 %"]
        for (index, text) in texts.enumerated() {
            for before in ["", "Total 1,234.56", "مرحبا 12", "合計"] {
                func document(shared: Bool) -> (lines: [String], pdf: [UInt8]) {
                    let document = PDFDocument(fonts: fonts, language: nil)
                    let canvas = ReportCanvas(document: document, rightToLeft: false)
                    if !before.isEmpty { canvas.cell(before, x: 0, w: 200, baseline: 700, size: 8) }
                    let w = 60.0 + Double(index) * 7
                    let lines = shared ? canvas.wrap(text, w: w, size: 8) : canvas.wrapMeasuring(text, w: w, size: 8)
                    for (k, line) in lines.enumerated() { canvas.cell(line, x: 0, w: w, baseline: 600 - Double(k) * 10, size: 8) }
                    return (lines, document.write(title: "t", author: "a"))
                }
                let measured = document(shared: false)
                // The first may measure and keep the wrap; the second finds it kept.
                for _ in 0..<2 {
                    let reused = document(shared: true)
                    XCTAssertEqual(reused.lines, measured.lines, text)
                    XCTAssertTrue(reused.pdf == measured.pdf, "\(text) after \(before): the files differ")
                }
            }
            // Kept under the text with its digits as "0" (`wrapSharingNumbers`).
            let zeroed = String(text.map { $0.isASCII && $0.isNumber ? "0" : $0 })
            let key = ReportCanvas.WrapKey(text: zeroed, w: 60.0 + Double(index) * 7, size: 8, bold: false, breakWords: true)
            XCTAssertNotNil(fonts.wraps[key], "the wrap must be kept for the next document")
        }
    }

    /// A text shaped by the general path in one document is taken by the
    /// next with the same fonts (`SharedShapes`): the runs, and the glyph
    /// marks shaping made, give the file that shaping it there gives, byte
    /// for byte (subsets, ToUnicode texts, font order), also after other
    /// text and inside a recorded wrap. Texts are told apart by their bytes:
    /// a decomposed "é" is not the precomposed one (String equality would
    /// call them equal and give one the other's glyphs).
    func test_sharedShape_marksWhatShapingMarks() throws {
        let located = try FontSet.locate()
        let texts = ["صافي المبلغ", "لا إله", "航空運送状 合計", "청구서 합계", "مرحبا Heathrow 12.5 %", "Heathrow \u{202E}ograC\u{202C} Agents",
                     "Caf\u{E9}", "Cafe\u{301}", "Total ﬁ €"]
        let befores = ["", "Total 1,234.56", "مرحبا 12", "合計 3"]
        func file(_ fonts: FontSet, before: String) -> (runs: [[UInt16]], pdf: [UInt8]) {
            let document = PDFDocument(fonts: fonts, language: nil)
            let canvas = ReportCanvas(document: document, rightToLeft: false)
            if !before.isEmpty { canvas.cell(before, x: 0, w: 200, baseline: 760, size: 8) }
            var runs: [[UInt16]] = []
            for (i, text) in texts.enumerated() {
                for level: UInt8? in [nil, 1] {
                    runs.append(document.runs(text, bold: i % 2 == 0, paragraphLevel: level).flatMap(\.glyphs))
                }
                canvas.cell(text, x: 0, w: 300, baseline: 700 - Double(i) * 12, size: 8, bold: i % 3 == 0)
            }
            _ = document.recordingGlyphUse { document.runs("شكرا 航空", bold: false) }
            return (runs, document.write(title: "t", author: "a"))
        }
        let shared = FontSet(regular: located.regular, bold: located.bold)
        for before in befores {
            let fresh = file(FontSet(regular: located.regular, bold: located.bold), before: before)
            for _ in 0..<2 {
                let taken = file(shared, before: before)
                XCTAssertEqual(taken.runs, fresh.runs, before)
                XCTAssertTrue(taken.pdf == fresh.pdf, "after \(before): the files differ")
            }
        }
        XCTAssertGreaterThan(shared.shapes.count, texts.count, "the shapings must be kept for the next document")
        let document = PDFDocument(fonts: shared, language: nil)
        XCTAssertNotEqual(document.runs("Caf\u{E9}", bold: false, paragraphLevel: 1).flatMap(\.glyphs),
                          document.runs("Cafe\u{301}", bold: false, paragraphLevel: 1).flatMap(\.glyphs))
    }

    /// Content-stream numbers, the fast path under 10,000 and the general
    /// one above and below zero, are written as `PDFWriter.number` writes them.
    func test_contentNumbers_areWrittenAsPDFWriterWritesThem() {
        var values: [Double] = [0, 0.004, 0.005, 0.01, 0.1, 0.5, 1, 6.5, 9.99, 9.995, 10, 99.99, 100, 559.28, 841.89, 999.995,
                                1000, 9999.99, 9999.994, 9999.995, 10000, 12345.67, 1e9, -0.004, -0.005, -1, -6.5, -9999.99, -10000, -123456.78]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 { values.append(Double.random(in: -200...12_000, using: &generator)) }
        for _ in 0..<2_000 { values.append(Double(Int.random(in: 0...1_000_000, using: &generator)) / 100) }
        for value in values {
            let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ContentBytes.numberMax) { buffer -> String in
                guard let base = buffer.baseAddress else { return "" }
                var out = ContentBytes(base: base, capacity: ContentBytes.numberMax)
                out.number(value)
                return String(decoding: UnsafeBufferPointer(start: base, count: out.count), as: UTF8.self)
            }
            XCTAssertEqual(written, PDFWriter.number(value), "\(value)")
        }
    }

    /// A font's resource name is written from its place in the document,
    /// as `/F<index + 1> ` (what the page resources name it), at every
    /// number of digits.
    func test_fontNames_areWrittenFromTheFontsPlace() {
        for index in [0, 1, 8, 9, 10, 98, 99, 999, 9_998, 9_999, 123_456] {
            let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * ContentBytes.numberMax) { buffer -> String in
                guard let base = buffer.baseAddress else { return "" }
                var out = ContentBytes(base: base, capacity: 2 * ContentBytes.numberMax)
                out.fontName(index)
                return String(decoding: UnsafeBufferPointer(start: base, count: out.count), as: UTF8.self)
            }
            XCTAssertEqual(written, "/F\(index + 1) ")
        }
    }

    /// A run on the baseline of the run before it in the same text object
    /// moves by `dx 0 Td`; any other sets the matrix with `Tm`. Applied as
    /// a reader applies them, every run lands on its position rounded to
    /// hundredths: exactly for the baselines (each one written, never
    /// summed), and along a baseline the steps, in whole hundredths, add
    /// up to the rounded position however many runs a row holds.
    func test_runSteps_landEveryRunOnItsRoundedPosition() throws {
        let use = 0
        var generator = SystemRandomNumberGenerator()
        var page = PDFDocument.Page()
        var expected: [(Int, Int)] = []
        var y = 800.0
        for k in 0..<5_000 {
            if k % 700 == 699 { page.fill(x: 0, y: 0, width: 1, height: 1, gray: 0.5) }  // ends the text object
            // Rows of about a dozen cells, some rows with a cell raised (two-line headings).
            if Int.random(in: 0..<12, using: &generator) == 0 { y = Double.random(in: -50...850, using: &generator) }
            let raised = Int.random(in: 0..<20, using: &generator) == 0
            let x = Double.random(in: -50...600, using: &generator), cellY = raised ? y + 8.004 : y
            page.run(use, [3], size: 7, x: x, y: cellY, gray: 0)
            expected.append((Int((x * 100).rounded()), Int((cellY * 100).rounded())))
        }
        page.endText()
        var landed: [(Int, Int)] = []
        var steps = 0
        var originX = 0, originY = 0
        func hundredths(_ token: Substring) -> Int? {
            guard let value = Decimal(string: String(token)) else { return nil }
            return NSDecimalNumber(decimal: value * 100).intValue
        }
        for line in String(decoding: page.bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count >= 7, parts[6] == "Tm", parts[0...3] == ["1", "0", "0", "1"], let x = hundredths(parts[4]), let y = hundredths(parts[5]) {
                originX = x; originY = y
            } else if parts.count >= 3, parts[2] == "Td", let dx = hundredths(parts[0]), parts[1] == "0" {
                originX += dx
                steps += 1
            } else {
                continue
            }
            landed.append((originX, originY))
        }
        XCTAssertEqual(landed.count, expected.count)
        XCTAssertGreaterThan(steps, expected.count / 2, "runs along a baseline must step rather than set the matrix")
        for (got, want) in zip(landed, expected) where got != want {
            XCTFail("a run landed at \(got), not at \(want)")
            break
        }
    }

    /// A cell prepared once and drawn at several baselines (column
    /// headings on every page) gives the file that drawing it with `cell`
    /// each time gives, byte for byte: Latin, Arabic and Japanese text,
    /// text shrunk to fit, text cut with an ellipsis, empty text, every
    /// alignment, both directions and weights.
    func test_preparedCell_drawsWhatCellDraws() throws {
        let fonts = try FontSet.locate()
        let texts = ["AWB", "Net amount", "صافي المبلغ", "航空運送状", "Weight charge (kg)", "A heading far too long for its narrow column, cut", ""]
        for rightToLeft in [false, true] {
            for bold in [false, true] {
                for align in [ReportCanvas.Align.start, .end, .center] {
                    func file(prepared: Bool) -> [UInt8] {
                        let document = PDFDocument(fonts: fonts, language: nil)
                        let canvas = ReportCanvas(document: document, rightToLeft: rightToLeft)
                        for (i, text) in texts.enumerated() {
                            let x = Double(i) * 70, w = 36.0 + Double(i) * 3
                            let cell = prepared ? canvas.prepareCell(text, x: x, w: w, size: 6.5, bold: bold, align: align, gray: 0.2) : nil
                            XCTAssertEqual(cell == nil, !prepared || text.isEmpty)
                            for baseline in [700.0, 512.25, 48.5] {
                                if prepared {
                                    if let cell { canvas.draw(cell, baseline: baseline) }
                                } else {
                                    canvas.cell(text, x: x, w: w, baseline: baseline, size: 6.5, bold: bold, align: align, gray: 0.2)
                                }
                            }
                        }
                        return document.write(title: "t", author: "a")
                    }
                    XCTAssertTrue(file(prepared: true) == file(prepared: false), "rtl \(rightToLeft) bold \(bold) \(align)")
                }
            }
        }
    }

    /// The pending glyph memory grows for a longer text: shaped after
    /// short ones, a long Latin-1 text gives the general path's glyphs.
    func test_pendingGlyphs_growForLongerTexts() throws {
        let fonts = try FontSet.locate()
        let document = PDFDocument(fonts: fonts, language: nil)
        for length in [1, 3, 64, 65, 200, 1_000, 5] {
            let alphabet = Array("Zürich 0123 ÀÉÎõü ,.-")
            let text = String((0..<length).map { alphabet[$0 % alphabet.count] })
            XCTAssertEqual(document.shapeRuns(text, bold: length % 2 == 0, paragraphLevel: nil).map(\.glyphs),
                           document.shapeGeneral(text, bold: length % 2 == 0, paragraphLevel: nil).map(\.glyphs), "\(length)")
        }
    }

    /// A ToUnicode map is deflated once per distinct map and kept: the
    /// object is the stream `PDFWriter.streamObject` makes of it.
    func test_toUnicodeObject_isTheDeflatedStream_keptOncePerMap() throws {
        let fonts = try FontSet.locate()
        let maps = [Array("1 beginbfchar\n<0003> <0020>\nendbfchar\n".utf8), Array("1 beginbfchar\n<0004> <0041>\nendbfchar\n".utf8)]
        XCTAssertEqual(fonts.prepared.toUnicodeCount, 0)
        for _ in 0..<2 {
            for map in maps { XCTAssertEqual(fonts.prepared.toUnicodeObject(map), PDFWriter.streamObject(map)) }
            XCTAssertEqual(fonts.prepared.toUnicodeCount, 2)
        }
    }

    /// Runs share a text object and set the gray, font and size only when
    /// they change; a fill or a rule ends the object, and the gray a fill
    /// set holds for the text after it; every placeholder sits where its
    /// slot says.
    func test_runsShareTextObjects_settingOnlyWhatChanges() throws {
        // Fonts by their place in the document (`FontUse.index`).
        let regular = 0, bold = 1
        var page = PDFDocument.Page()
        page.run(regular, [3, 40], size: 7, x: 36, y: 800, gray: 0)
        page.run(regular, [41], size: 7, x: 80, y: 800, gray: 0)
        page.run(bold, [5], size: 7, x: 120, y: 800, gray: 0)
        page.run(bold, [6], size: 6.5, x: 160, y: 800, gray: 0.4)
        page.fill(x: 1, y: 2, width: 3, height: 4, gray: 0.4)
        page.run(bold, [7, 8], size: 6.5, x: 36, y: 790, gray: 0.4)
        page.line(x1: 0, y1: 1, x2: 2, y2: 3, width: 0.5, gray: 0.2)
        page.run(regular, [9], size: 7, x: 36, y: 780, gray: 0)
        page.endText()
        page.endText()
        let text = String(decoding: page.bytes, as: UTF8.self)
        XCTAssertEqual(text, """
            BT
            0 g
            /F1 7 Tf
            1 0 0 1 36 800 Tm (0000) Tj
            44 0 Td (00) Tj
            /F2 7 Tf
            40 0 Td (00) Tj
            0.40 g
            /F2 6.50 Tf
            40 0 Td (00) Tj
            ET
            0.40 g 1 2 3 4 re f
            BT
            /F2 6.50 Tf
            1 0 0 1 36 790 Tm (0000) Tj
            ET
            0.20 G 0.50 w 0 1 m 2 3 l S
            BT
            0 g
            /F1 7 Tf
            1 0 0 1 36 780 Tm (00) Tj
            ET

            """)
        XCTAssertEqual(page.glyphs, [3, 40, 41, 5, 6, 7, 8, 9])
        for slot in page.slots {
            XCTAssertEqual(Array(page.bytes[(slot.offset - 1)..<slot.offset]), [UInt8(ascii: "(")])
            XCTAssertEqual(Array(page.bytes[(slot.offset + 2 * slot.count)...].prefix(4)), Array(") Tj".utf8))
        }
    }

    /// The pending runs live in memory sized with the glyph buffer: a
    /// short text, then longer ones (the buffers grow), then short again,
    /// every printable Latin-1 character among them, give the runs the general path
    /// gives, run by run.
    func test_pendingRuns_equalTheGeneralRuns_asTheBuffersGrow() throws {
        let fonts = try FontSet.locate()
        let pending = PDFDocument(fonts: fonts, language: nil), general = PDFDocument(fonts: fonts, language: nil)
        let latin1 = String(String.UnicodeScalarView((Array(0x20...0x7E) + Array(0xA0...0xFF)).compactMap { Unicode.Scalar(UInt32($0)) }))
        let texts = ["GB1", String(repeating: "1.234,56 ", count: 12), latin1, "x", latin1 + latin1, "Total", ""]
        for (n, text) in texts.enumerated() {
            let bold = n % 2 == 1
            let width = Array(text.utf8).withUnsafeBufferPointer { pending.shapePending($0, bold: bold) }
            let runs = general.runs(text, bold: bold)
            let got = pending.pendingAsRuns()
            XCTAssertEqual(got.map(\.glyphs), runs.map(\.glyphs), text)
            XCTAssertEqual(got.map(\.fontIndex), runs.map(\.fontIndex), text)
            XCTAssertEqual(got.map(\.width), runs.map(\.width), text)
            XCTAssertEqual(width, runs.reduce(0) { $0 + $1.width }, text)
        }
    }

    /// Cells drawn from the pending buffers (repeated and changing fonts,
    /// sizes and grays, -0 and 0 among them) give the page bytes, glyphs
    /// and slots that drawing the same runs as arrays gives.
    func test_pendingCells_areTheRunsDrawn() throws {
        let fonts = try FontSet.locate()
        let kept = PDFDocument(fonts: fonts, language: nil), plain = PDFDocument(fonts: fonts, language: nil)
        let texts = ["GB2026000001", "Total", "Frais d'émission", "1.234,56", "LHR-FRA", "Ünïcödé àçé"]
        var n = 0
        for round in 0..<3 {
            for size in [7.0, 7.004, 6.5, 12.345] + (0..<20).map({ 5 + Double($0) * 0.013 }) {
                for gray in [0.0, -0.0, 0.4] {
                    let text = texts[(n + round) % texts.count], bold = n % 3 == 0
                    let x = 36 + Double(n % 50), y = 800.5 - Double(n % 30)
                    let bytes = Array(text.utf8)
                    let a = bytes.withUnsafeBufferPointer { kept.shapePending($0, bold: bold) }
                    let b = bytes.withUnsafeBufferPointer { plain.shapePending($0, bold: bold) }
                    XCTAssertNotNil(a)
                    XCTAssertEqual(a, b)
                    kept.drawPending(x: x, y: y, size: size, gray: gray)
                    plain.draw(plain.pendingAsRuns(), x: x, y: y, size: size, gray: gray)
                    n += 1
                }
            }
        }
        XCTAssertEqual(kept.pages.count, plain.pages.count)
        for (one, other) in zip(kept.pages, plain.pages) {
            XCTAssertEqual(one.bytes, other.bytes)
            XCTAssertEqual(one.glyphs, other.glyphs)
            XCTAssertEqual(one.slots.map { [$0.offset, $0.font, $0.start, $0.count] }, other.slots.map { [$0.offset, $0.font, $0.start, $0.count] })
        }
        XCTAssertEqual(kept.write(title: "t", author: "a"), plain.write(title: "t", author: "a"))
    }

    /// The table path reads the ASCII shaping tables through pointers:
    /// they must hold what the arrays hold, for both chains.
    func test_asciiShapingPointerTables_equalTheArrays() throws {
        let fonts = try FontSet.locate()
        for table in [fonts.asciiRegular, fonts.asciiBold] {
            let n = ASCIIShaping.size
            XCTAssertEqual(table.glyphs.count, table.fontCount * n)
            XCTAssertEqual(Array(UnsafeBufferPointer(start: table.glyphTable, count: table.glyphs.count)), table.glyphs)
            XCTAssertEqual(Array(UnsafeBufferPointer(start: table.widthTable, count: table.widths.count)), table.widths)
            XCTAssertEqual(Array(UnsafeBufferPointer(start: table.firstTable, count: n)), table.first)
            XCTAssertEqual(Array(UnsafeBufferPointer(start: table.neutralTable, count: n)), table.neutral)
            XCTAssertTrue(table.glyphs.contains { $0 != 0 })
        }
    }

    /// Texts that differ only in their digits (the how-to-pay paragraph
    /// holds the invoice number) share one wrap: each gives the lines and
    /// the file, byte for byte, that measuring it in its own document
    /// gives (ToUnicode texts of exactly the digits it has: none of "0"
    /// when it has no zero), and the second and later numbers measure
    /// nothing (no new wrap is kept).
    func test_wrapOfTextsDifferingInDigits_isSharedAndGivesTheMeasuredFile() throws {
        let fonts = try FontSet.locate()
        XCTAssertTrue(fonts.asciiRegular.uniformDigits && fonts.asciiBold.uniformDigits, "Noto Sans draws tabular figures")
        let templates = [Translations(language: "en"), Translations(language: "ar"), Translations(language: "ja"), Translations(language: "fr")]
            .map { $0["how_to_pay.text"] } + ["N° {number} — 7 jours", "{number}{number}{number}{number}{number}"]
        let numbers = ["GB2026000001", "GB2026987654", "GB2027135799", "GB2026999999", "GB2026000002"]
        for template in templates {
            for (w, bold, breakWords) in [(353.0, false, true), (60.0, true, true), (25.0, false, false)] {
                var kept = -1
                for (n, number) in numbers.enumerated() {
                    let text = Translations.fill(template, ["entity": "IATA CASS 9", "number": number])
                    func document(shared: Bool) -> (lines: [String], pdf: [UInt8]) {
                        let document = PDFDocument(fonts: fonts, language: nil)
                        let canvas = ReportCanvas(document: document, rightToLeft: false)
                        canvas.cell("Total", x: 0, w: 200, baseline: 700, size: 8)
                        let lines = shared ? canvas.wrap(text, w: w, size: 8, bold: bold, breakWords: breakWords)
                            : canvas.wrapMeasuring(text, w: w, size: 8, bold: bold, breakWords: breakWords)
                        for (k, line) in lines.enumerated() { canvas.cell(line, x: 0, w: w, baseline: 600 - Double(k) * 10, size: 8, bold: bold) }
                        return (lines, document.write(title: "t", author: "a"))
                    }
                    let measured = document(shared: false), reused = document(shared: true)
                    XCTAssertEqual(reused.lines, measured.lines, text)
                    XCTAssertTrue(reused.pdf == measured.pdf, "\(text) \(w): the files differ")
                    if n == 0 { kept = fonts.wraps.count } else { XCTAssertEqual(fonts.wraps.count, kept, "\(text): a new number must reuse the wrap") }
                }
            }
        }
    }

    /// Galloping over a Latin-1 paragraph's words gives the lines of the
    /// plain greedy loop, and records the same glyphs for the subsets:
    /// long and short notes, words wider than the line, runs of spaces,
    /// every width from 5 to 500 points, both weights, with and without
    /// breaking words.
    func test_wrapGallop_givesThePlainLoopsLines() throws {
        let fonts = try FontSet.locate()
        var state: UInt64 = 11
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % bound
        }
        let vocabulary = ["a", "of", "the", "AWB", "collect", "charges", "0.00", "1,234,567.89", "Supercalifragilisticexpialidocious", "W", "i", "--", "(x)", "payé", "dû", "«LTA»", "Größe", "¿qué?"]
        var texts = ["", " ", "one", "one two three four", "  leading and trailing spaces  ", "a b c d e f g h i j k l m n o p q r s t u v w x y z",
                     "Les frais d'une LTA en port dû sont payés par le destinataire à l'arrivée : son net est moins la commission", "Charges collect are due from the consignee at destination and are shown for information; they are not part of the amount due.\nSecond paragraph."]
        for _ in 0..<40 { texts.append((0..<(4 + next(60))).map { _ in vocabulary[next(vocabulary.count)] }.joined(separator: next(5) == 0 ? "  " : " ")) }
        var compared = 0
        for text in texts {
            for w in stride(from: 5.0, through: 500.0, by: 15.0) {
                for bold in [false, true] {
                    for breakWords in [false, true] {
                        let plainDocument = PDFDocument(fonts: fonts, language: nil), gallopDocument = PDFDocument(fonts: fonts, language: nil)
                        let plain = ReportCanvas(document: plainDocument, rightToLeft: false), galloping = ReportCanvas(document: gallopDocument, rightToLeft: false)
                        let expected = plain.wrapMeasuring(text, w: w, size: 7, bold: bold, breakWords: breakWords, gallop: false)
                        XCTAssertEqual(galloping.wrapMeasuring(text, w: w, size: 7, bold: bold, breakWords: breakWords, gallop: true), expected, "\(text) \(w)")
                        XCTAssertEqual(Set(gallopDocument.usage.keys), Set(plainDocument.usage.keys))
                        for (key, use) in plainDocument.usage { XCTAssertEqual(gallopDocument.usage[key]?.unicode, use.unicode, key) }
                        compared += 1
                    }
                }
            }
        }
        XCTAssertEqual(compared, texts.count * 34 * 4)
        XCTAssertEqual(texts.count, 48)
    }

    /// Font subsets are prepared once per language and shared; a name in
    /// letters outside the language's labels gets a subset with them, and
    /// what a document embeds never depends on what was rendered before.
    func test_preparedSubsets_nameOutsideTheBaseSet_extractsAndBytesDoNotDependOnOrder() throws {
        guard Fixtures.toolPath("pdftotext") != nil else { throw XCTSkip("poppler-utils missing: run scripts/install-deps") }
        let invoice = Fixtures.invoice(market: 0, lines: 3)
        var agent = try XCTUnwrap(Fixtures.reference.agent(invoice.agentCode, in: invoice.country))
        agent.name = "Łódź Ærø Cargo Šped"
        let reference = ReferenceData(operations: Array(Fixtures.reference.operations.values), airlines: Array(Fixtures.reference.airlines.values),
                                      agents: [agent])
        // Two renderers over fresh font sets: one renders the odd name first,
        // the other a plain invoice first.
        let first = DocumentRenderer(reference: reference, fonts: try FontSet.locate())
        let second = DocumentRenderer(reference: Fixtures.reference, fonts: try FontSet.locate())
        let odd = try first.renderPDF(invoice)
        let plain = try second.renderPDF(invoice)
        let oddAgain = try DocumentRenderer(reference: reference, fonts: second.fonts).renderPDF(invoice)
        XCTAssertEqual(odd, oddAgain, "the same invoice gives the same bytes whatever was rendered before")
        XCTAssertEqual(plain, try DocumentRenderer(reference: Fixtures.reference, fonts: first.fonts).renderPDF(invoice))
        let url = try Fixtures.temporaryDirectory(self).appendingPathComponent("odd.pdf")
        try AtomicFile.write(odd, to: url)
        let text = try XCTUnwrap(Fixtures.run("pdftotext", ["-layout", url.path, "-"]))
        XCTAssertTrue(text.contains("Łódź Ærø Cargo Šped"), String(text.prefix(600)))
    }

    /// Column headings are prepared once per language and table and
    /// shared (`SharedHeadings`): a document taking them from another
    /// whose agent is named in another script (so its fonts came into use
    /// in another order) gives the bytes it gives on a fresh font set.
    func test_sharedHeadings_bytesDoNotDependOnTheDocumentThatPreparedThem() throws {
        for (index, market) in Fixtures.markets.enumerated() {
            let invoice = Fixtures.invoice(market: index, lines: 90)
            var agent = try XCTUnwrap(Fixtures.reference.agent(invoice.agentCode, in: invoice.country))
            agent.name = market.language == "ar" ? "Heathrow Cargo 한국항공화물" : "شركة الخليج 上海环球 Cargo"
            let renamed = ReferenceData(operations: Array(Fixtures.reference.operations.values), airlines: Array(Fixtures.reference.airlines.values),
                                        agents: [agent])
            let fresh = try DocumentRenderer(reference: Fixtures.reference, fonts: try FontSet.locate()).renderPDF(invoice)
            let freshRenamed = try DocumentRenderer(reference: renamed, fonts: try FontSet.locate()).renderPDF(invoice)
            // One font set: the renamed agent's document prepares the headings, the plain one takes them, and the other way round.
            let fonts = try FontSet.locate()
            XCTAssertEqual(try DocumentRenderer(reference: renamed, fonts: fonts).renderPDF(invoice), freshRenamed, market.language)
            XCTAssertGreaterThan(fonts.headings.count, 0, "the headings must be kept for the next document")
            XCTAssertEqual(try DocumentRenderer(reference: Fixtures.reference, fonts: fonts).renderPDF(invoice), fresh, market.language)
            let other = try FontSet.locate()
            XCTAssertEqual(try DocumentRenderer(reference: Fixtures.reference, fonts: other).renderPDF(invoice), fresh, market.language)
            XCTAssertEqual(try DocumentRenderer(reference: renamed, fonts: other).renderPDF(invoice), freshRenamed, market.language)
        }
    }

    func test_languageFallsBackFromAgentToOperationToEnglish() throws {
        var agent = try XCTUnwrap(Fixtures.reference.agent(Fixtures.agentCode(1), in: "FR"))
        agent.language = "pt-BR"
        var operation = try XCTUnwrap(Fixtures.reference.operation("FR"))
        operation.language = "de"
        let reference = ReferenceData(operations: [operation], airlines: [], agents: [agent])
        let invoice = Fixtures.invoice(market: 1, lines: 2)
        XCTAssertEqual(CargoSalesReport(invoice: invoice, reference: reference).translations.language, "de")
        operation.language = "xx"
        let none = ReferenceData(operations: [operation], airlines: [], agents: [agent])
        XCTAssertEqual(CargoSalesReport(invoice: invoice, reference: none).translations.language, "en")
    }

    func test_missingFonts_errorNamesTheAptPackage() {
        XCTAssertThrowsError(try FontSet.locate(searchPaths: ["/nonexistent-font-dir"])) { error in
            XCTAssertTrue(String(describing: error).contains("apt-get install fonts-noto-core"), "\(error)")
        }
    }
}
