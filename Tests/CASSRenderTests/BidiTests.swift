@testable import CASSRender
import Foundation
import XCTest

/// The Unicode Bidirectional Algorithm (`Bidi`): Unicode's own conformance
/// data where it is installed (Debian's unicode-data, see
/// scripts/install-deps), and the invoice lines that motivated it.
final class BidiTests: XCTestCase {
    static let ucd = "/usr/share/unicode"

    private func ucdFile(_ name: String) throws -> String {
        let path = Self.ucd + "/" + name
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            XCTFail("\(path) is missing: install Debian's unicode-data (scripts/install-deps)")
            throw XCTSkip("no \(path)")
        }
        return text
    }

    /// Visual string of a line, as drawn from left to right.
    private func visual(_ text: String, paragraphLevel: UInt8? = nil) -> String {
        String(String.UnicodeScalarView(TextShaper.visual(text, paragraphLevel: paragraphLevel).map(\.scalar)))
    }

    /// Scope of this implementation (see `Bidi`): one paragraph, no explicit
    /// embeddings, overrides or isolates.
    private func inScope(_ classes: [Bidi.Class]) -> Bool {
        !classes.contains { [.B, .LRE, .LRO, .RLE, .RLO, .PDF, .LRI, .RLI, .FSI, .PDI].contains($0) }
    }

    /// Checks levels (x = removed by X9) and visual order against the expected fields.
    private func check(_ scalars: [UInt32], classes: [Bidi.Class], level: UInt8, levels expected: [String], order expectedOrder: [Int]) -> Bool {
        let levels = Bidi.levels(scalars, paragraphLevel: level)
        for (i, want) in expected.enumerated() {
            if want == "x" { continue }
            if String(levels[i]) != want { return false }
        }
        let order = Bidi.visualOrder(levels).filter { !classes[$0].isRemoved }
        return order == expectedOrder
    }

    func test_UAX9_BidiCharacterTest_allCasesInScope() throws {
        let text = try ucdFile("BidiCharacterTest.txt")
        var checked = 0
        var failures: [String] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: ";", omittingEmptySubsequences: false)
            guard fields.count == 5 else { continue }
            let scalars = fields[0].split(separator: " ").compactMap { UInt32($0, radix: 16) }
            let classes = scalars.map(Bidi.bidiClass)
            guard inScope(classes), let direction = Int(fields[1]), let resolved = UInt8(fields[2]) else { continue }
            let auto = Bidi.firstStrongLevel(scalars) ?? 0
            let level: UInt8 = direction == 2 ? auto : UInt8(direction)
            if level != resolved { failures.append("paragraph level: " + line); continue }
            let levels = fields[3].split(separator: " ").map(String.init)
            let order = fields[4].split(separator: " ").compactMap { Int($0) }
            if !check(scalars, classes: classes, level: level, levels: levels, order: order) { failures.append(String(line)) }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 50_000, "too few cases in scope: the file's format changed?")
        XCTAssertEqual(failures.count, 0, "\(failures.count) of \(checked) failed, first: \(failures.prefix(5).joined(separator: "\n"))")
    }

    func test_UAX9_BidiTest_allClassSequencesInScope() throws {
        let text = try ucdFile("BidiTest.txt")
        // One character of each class.
        let sample: [String: UInt32] = [
            "L": 0x41, "R": 0x5D0, "AL": 0x627, "EN": 0x31, "ES": 0x2B, "ET": 0x25, "AN": 0x661, "CS": 0x2C,
            "NSM": 0x300, "BN": 0xAD, "B": 0x2029, "S": 0x09, "WS": 0x20, "ON": 0x21,
            "LRE": 0x202A, "LRO": 0x202D, "RLE": 0x202B, "RLO": 0x202E, "PDF": 0x202C,
            "LRI": 0x2066, "RLI": 0x2067, "FSI": 0x2068, "PDI": 0x2069,
        ]
        var levels: [String] = [], order: [Int] = []
        var checked = 0
        var failures: [String] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") { continue }
            if line.hasPrefix("@Levels:") { levels = line.dropFirst(8).split(whereSeparator: \.isWhitespace).map(String.init); continue }
            if line.hasPrefix("@Reorder:") { order = line.dropFirst(9).split(whereSeparator: \.isWhitespace).compactMap { Int($0) }; continue }
            let fields = line.split(separator: ";")
            guard fields.count == 2, let bits = Int(fields[1].trimmingCharacters(in: .whitespaces)) else { continue }
            let scalars = fields[0].split(separator: " ").compactMap { sample[String($0)] }
            let classes = scalars.map(Bidi.bidiClass)
            guard scalars.count == fields[0].split(separator: " ").count, inScope(classes) else { continue }
            // Bit 1: auto, 2: left-to-right, 4: right-to-left.
            var paragraphLevels: [UInt8] = []
            if bits & 1 != 0 { paragraphLevels.append(Bidi.firstStrongLevel(scalars) ?? 0) }
            if bits & 2 != 0 { paragraphLevels.append(0) }
            if bits & 4 != 0 { paragraphLevels.append(1) }
            for level in paragraphLevels {
                if !check(scalars, classes: classes, level: level, levels: levels, order: order) { failures.append("\(line) at \(level)") }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 50_000, "too few cases in scope: the file's format changed?")
        XCTAssertEqual(failures.count, 0, "\(failures.count) of \(checked) failed, first: \(failures.prefix(5).joined(separator: "\n"))")
    }

    /// The generated table (scripts/gen-bidi-data) agrees with UnicodeData.txt.
    func test_classTable_matchesUnicodeData() throws {
        let text = try ucdFile("UnicodeData.txt")
        let names = ["L", "R", "AL", "EN", "ES", "ET", "AN", "CS", "NSM", "BN", "B", "S", "WS", "ON",
                     "LRE", "LRO", "RLE", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"]
        var mismatches: [String] = []
        var checked = 0
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ";", omittingEmptySubsequences: false)
            guard fields.count > 4, let value = UInt32(fields[0], radix: 16) else { continue }
            let got = names[Int(Bidi.bidiClass(value).rawValue)]
            if got != fields[4] { mismatches.append("\(fields[0]) \(fields[1]): \(got), UnicodeData says \(fields[4])") }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 30_000)
        XCTAssertEqual(mismatches.prefix(5), [])
    }

    // MARK: invoice lines (always run: no data file needed)

    func test_W2_W4_decimalAfterArabic_keepsItsDigitOrder() {
        // "rate 2.5 %": the number is Arabic-context (AN) and stays "2.5";
        // in reading order (right to left) the percent sign follows it, so
        // drawn from the left it is "% 2.5" then the Arabic word.
        let line = "النسبة 2.5 %"
        let v = visual(line)
        XCTAssertTrue(v.hasPrefix("% 2.5 "), v)
        XCTAssertFalse(v.contains("5.2"), v)
    }

    func test_W5_percentNextToNumber_isPartOfTheNumber() {
        // Where the number is European (no Arabic letter before it), a
        // percent sign written against it is part of it (W5), even in a
        // right-to-left paragraph.
        XCTAssertEqual(visual("2.5%", paragraphLevel: 1), "2.5%")
        XCTAssertEqual(visual("2.5% VAT", paragraphLevel: 1), "VAT 2.5%")
        // A rate cell of an Arabic invoice alone is a left-to-right paragraph (no strong character).
        XCTAssertEqual(visual("2.50 %"), "2.50 %")
        XCTAssertEqual(visual("-1,234.500"), "-1,234.500")
    }

    func test_HL3_percentAfterAEuropeanNumberAndASpace_staysWithTheNumber() {
        // The sample KW tax description: an English phrase ending in a rate,
        // in an Arabic paragraph. Plain UAX #9 draws the sign at the far
        // left of the English phrase ("% Airport services levy 2.5").
        let line = "رسوم خدمات المطار، Airport services levy 2.5 %"
        XCTAssertTrue(visual(line).hasPrefix("Airport services levy 2.5 % "), visual(line))
        let plain = Bidi.visualOrder(Bidi.levels(line.unicodeScalars.map(\.value), paragraphLevel: 1))
            .map { String(line.unicodeScalars[line.unicodeScalars.index(line.unicodeScalars.startIndex, offsetBy: $0)]) }.joined()
        XCTAssertTrue(plain.hasPrefix("% Airport services levy 2.5"), plain)
        // A cell of a right-to-left paragraph.
        XCTAssertEqual(visual("2.50 %", paragraphLevel: 1), "2.50 %")
        XCTAssertEqual(visual("KWD 12.500 $", paragraphLevel: 1), "KWD 12.500 $")
    }

    func test_N1_latinNameInsideArabic_keepsItsWordOrder() {
        let v = visual("شركة Kuwait Airways Cargo للشحن")
        XCTAssertTrue(v.contains("Kuwait Airways Cargo"), v)
    }

    func test_W2_W4_awbNumberAndDateInArabicLine_readRightToLeftAsWholes() {
        let v = visual("بوليصة 125-12345675 بتاريخ 03/12/2026")
        // W2 makes the digits Arabic numbers (AN); W4 joins AN across "/" (CS)
        // but not across "-" (ES): the date is one number, drawn as written;
        // the AWB's two parts are read right to left, 125 first (rightmost).
        XCTAssertTrue(v.hasPrefix("03/12/2026 "), v)
        XCTAssertTrue(v.contains(" 12345675-125 "), v)
        // In its own cell (the invoice's AWB column) the number is left-to-right and whole.
        XCTAssertEqual(visual("125-12345675"), "125-12345675")
    }

    func test_N0_L4_bracketsAroundLatinInArabic_areMirroredPairs() {
        // The brackets take the Arabic direction (N0) and are mirrored (L4):
        // drawn from the left, "(" then CCA then ")".
        let v = visual("تعديل (CCA) للبوليصة")
        XCTAssertTrue(v.contains("(CCA)"), v)
    }

    func test_paragraphLevel_givenForAWrappedLine_overridesItsFirstCharacter() {
        // A continuation line starting with a Latin name in an Arabic paragraph stays right-to-left.
        let v = visual("Emirates للشحن", paragraphLevel: 1)
        XCTAssertTrue(v.hasSuffix("Emirates"), v)
        XCTAssertTrue(visual("Emirates للشحن").hasPrefix("Emirates"))
    }
}
