@testable import CASSRender
import Foundation
import XCTest

/// The PDF's file structure written as bytes (object dictionaries, the
/// cross-reference table, the information dictionary, ToUnicode maps):
/// the same bytes as the string-built versions they replaced.
final class PDFStructureTests: XCTestCase {
    /// What `PDFWriter.textString` built before: a String per UTF-16 unit.
    private func oldTextString(_ text: String) -> String {
        var hex = "<FEFF"
        for unit in text.utf16 { hex += PDFWriter.hex4(unit) }
        return hex + ">"
    }

    func test_textStringBytes_equalTheStringBuiltOnes() {
        for text in ["", "Cargo Sales Report GB2026000001", "Société Générale · 貨物 🚀", "شركة الخليج", "\u{0}\u{FFFF}"] {
            XCTAssertEqual(PDFWriter.textStringBytes(text), Array(oldTextString(text).utf8), text)
            XCTAssertEqual(PDFWriter.textString(text), oldTextString(text), text)
        }
    }

    func test_objectOfPieces_equalsTheInterpolatedBody() {
        var writer = PDFWriter()
        let head = Array("<< /Type /FontDescriptor /FontName /ABCDEF+Noto /FontFile2 ".utf8)
        for number in [0, 7, 10, 99, 100, 12_345, Int.max] {
            let id = writer.add(.bytes(head), .number(number), .text(" 0 R >>"))
            let other = writer.add("<< /Type /FontDescriptor /FontName /ABCDEF+Noto /FontFile2 \(number) 0 R >>")
            let pdf = writer.finish(root: id, info: other)
            let text = String(decoding: pdf, as: UTF8.self)
            let bodies = text.components(separatedBy: " 0 obj\n").dropFirst().map { $0.components(separatedBy: "\nendobj\n")[0] }
            XCTAssertEqual(bodies[bodies.count - 2], bodies[bodies.count - 1], "\(number)")
        }
    }

    /// The cross-reference table and trailer as `finish` wrote them with strings.
    func test_finish_writesTheStringBuiltTable() {
        var writer = PDFWriter()
        var bodies: [[UInt8]] = []
        for k in 0..<1_200 {
            let body = Array(repeating: UInt8(ascii: "a") + UInt8(k % 26), count: k * 37 % 5_000)
            bodies.append(body)
            _ = writer.add(bytes: body)
        }
        let pdf = writer.finish(root: 3, info: 1_199)
        var expected: [UInt8] = Array("%PDF-1.7\n%".utf8) + [0xE2, 0xE3, 0xCF, 0xD3, 0x0A]
        var offsets: [Int] = []
        for (index, body) in bodies.enumerated() {
            offsets.append(expected.count)
            expected += Array("\(index + 1) 0 obj\n".utf8) + body + Array("\nendobj\n".utf8)
        }
        let xref = expected.count
        var table = "xref\n0 \(bodies.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            let digits = String(offset)
            table += String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
        }
        table += "trailer\n<< /Size \(bodies.count + 1) /Root 3 0 R /Info 1199 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        expected += Array(table.utf8)
        XCTAssertEqual(pdf, expected)
    }

    /// The embedding's dictionaries from the prepared parts equal the
    /// ones interpolated per document before, for every font of the set.
    func test_preparedEmbeddingDictionaries_equalTheInterpolatedOnes() throws {
        let fonts = try Fixtures.requireFonts()
        for font in fonts.regular + fonts.bold {
            let glyphs = Array(Set((0x20...0x7E).compactMap { font.glyph(for: UInt32($0)) })).sorted()
            let subset = PreparedSubset(font: font, glyphs: glyphs)
            let scale = 1000.0 / Double(font.unitsPerEm)
            func scaled(_ v: Int) -> String { String(Int((Double(v) * scale).rounded())) }
            let flags = 4 | (font.italicAngle != 0 ? 64 : 0)
            let (file, descriptor, cid, toUnicode) = (17, 18, 19, 203)
            let oldDescriptor = "<< /Type /FontDescriptor /FontName /\(subset.name) /Flags \(flags) /FontBBox [\(font.bbox.map(scaled).joined(separator: " "))] /ItalicAngle \(font.italicAngle) /Ascent \(scaled(font.ascender)) /Descent \(scaled(font.descender)) /CapHeight \(scaled(font.capHeight)) /StemV \(font.isBold ? 120 : 80) /FontFile2 \(file) 0 R >>"
            let oldCID = "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /\(subset.name) /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor \(descriptor) 0 R /DW 1000 /W [0 [\(subset.widths)]] /CIDToGIDMap /Identity >>"
            let oldType0 = "<< /Type /Font /Subtype /Type0 /BaseFont /\(subset.name) /Encoding /Identity-H /DescendantFonts [\(cid) 0 R] /ToUnicode \(toUnicode) 0 R >>"
            var writer = PDFWriter()
            let a = writer.add(.bytes(subset.descriptorHead), .number(file), .text(" 0 R >>"))
            let b = writer.add(.bytes(subset.cidFontHead), .number(descriptor), .bytes(subset.cidFontTail))
            let c = writer.add(.bytes(subset.type0Head), .number(cid), .text(" 0 R] /ToUnicode "), .number(toUnicode), .text(" 0 R >>"))
            let text = String(decoding: writer.finish(root: a, info: c), as: UTF8.self)
            XCTAssertTrue(text.contains("\(a) 0 obj\n" + oldDescriptor + "\nendobj"), font.postScriptName)
            XCTAssertTrue(text.contains("\(b) 0 obj\n" + oldCID + "\nendobj"), font.postScriptName)
            XCTAssertTrue(text.contains("\(c) 0 obj\n" + oldType0 + "\nendobj"), font.postScriptName)
        }
    }

    /// Written into sized memory: the bytes appending gave, across chunk
    /// boundaries of 100 entries and with texts of several UTF-16 units
    /// (ligatures, supplementary characters, three-byte UTF-8).
    func test_toUnicodeCMap_equalsTheAppendedOne() {
        let texts = ["A", " ", "é", "لا", "貨", "🚀", "ﻻ", "ab\u{0301}", "\u{10FFFF}", "\u{0}"]
        for count in [0, 1, 99, 100, 101, 250, 1_000] {
            let entries = (0..<count).map { (UInt16($0 * 7 % 65_536), texts[$0 % texts.count]) }
            XCTAssertEqual(PDFDocument.toUnicodeCMap(entries), PDFDocument.toUnicodeCMapAppending(entries), "\(count)")
        }
    }

    func test_cmapKeys_equalByBytes() {
        let a = Array("1 beginbfchar\n<0003> <0020>\nendbfchar\n".utf8)
        var b = a
        b[b.count - 3] = UInt8(ascii: "1")
        XCTAssertEqual(PreparedFonts.CMapKey(bytes: a), PreparedFonts.CMapKey(bytes: a))
        XCTAssertEqual(PreparedFonts.CMapKey(bytes: a).hashValue, PreparedFonts.CMapKey(bytes: Array(a)).hashValue)
        XCTAssertNotEqual(PreparedFonts.CMapKey(bytes: a), PreparedFonts.CMapKey(bytes: b))
        XCTAssertNotEqual(PreparedFonts.CMapKey(bytes: a), PreparedFonts.CMapKey(bytes: a + [0]))
        XCTAssertNotEqual(PreparedFonts.CMapKey(bytes: []), PreparedFonts.CMapKey(bytes: [0]))
        XCTAssertEqual(PreparedFonts.CMapKey(bytes: []), PreparedFonts.CMapKey(bytes: []))
    }

    /// Paragraphs without a line feed byte are the text itself, as the
    /// Character split gives them; with one, the Character split.
    func test_paragraphs_equalTheCharacterSplit() {
        for text in ["", "one line", "two\nlines", "\n", "a\r\nb", "crlf only\r\n", "x\n\ny\n", "عربي\nLatin", "no feed \u{2067}isolate\u{2069}"] {
            XCTAssertEqual(ReportCanvas.paragraphs(text), text.split(separator: "\n", omittingEmptySubsequences: false), text.debugDescription)
        }
        for scalar in Array(0x202A...0x202E) + Array(0x2066...0x2069) {
            let text = "a" + String(Unicode.Scalar(UInt32(scalar))!) + "b"
            XCTAssertTrue(ReportCanvas.mayHoldControls(text[...]), String(scalar, radix: 16))
        }
        XCTAssertFalse(ReportCanvas.mayHoldControls("plain Latin-1 éàü and 日本"[...]))
    }
}
