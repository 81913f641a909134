@testable import CASSRender
import CASSSamples
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

    /// Scope of this implementation (see `Bidi`): a line is one paragraph,
    /// so a paragraph separator may only end it (BidiTest.txt puts B only
    /// last; BidiCharacterTest.txt has none). Every case of both files is
    /// in scope; this only guards against a future file splitting paragraphs.
    private func inScope(_ classes: [Bidi.Class]) -> Bool {
        !classes.dropLast().contains(.B)
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

    /// `Bidi.mayReorder` is what lets a left-to-right line skip the
    /// algorithm (`TextShaper.visual`): a case at level 0 without such a
    /// character must come out in stored order.
    private func fastPathHolds(_ scalars: [UInt32], level: UInt8) -> Bool {
        guard level == 0, !scalars.contains(where: Bidi.mayReorder) else { return true }
        return Bidi.visualOrder(Bidi.levels(scalars, paragraphLevel: 0)) == Array(scalars.indices)
    }

    func test_UAX9_BidiCharacterTest_everyCase() throws {
        let text = try ucdFile("BidiCharacterTest.txt")
        var checked = 0, skipped = 0
        var failures: [String] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: ";", omittingEmptySubsequences: false)
            guard fields.count == 5 else { continue }
            let scalars = fields[0].split(separator: " ").compactMap { UInt32($0, radix: 16) }
            let classes = scalars.map(Bidi.bidiClass)
            guard inScope(classes) else { skipped += 1; continue }
            guard let direction = Int(fields[1]), let resolved = UInt8(fields[2]) else { continue }
            let auto = Bidi.firstStrongLevel(scalars) ?? 0
            let level: UInt8 = direction == 2 ? auto : UInt8(direction)
            if level != resolved { failures.append("paragraph level: " + line); continue }
            let levels = fields[3].split(separator: " ").map(String.init)
            let order = fields[4].split(separator: " ").compactMap { Int($0) }
            if !check(scalars, classes: classes, level: level, levels: levels, order: order) { failures.append(String(line)) }
            if !fastPathHolds(scalars, level: level) { failures.append("reordered without mayReorder: " + line) }
            checked += 1
        }
        // Unicode 15.0: 91,707 cases, all in scope (91,605 before explicit
        // controls were implemented).
        XCTAssertGreaterThan(checked, 91_000, "too few cases in scope: the file's format changed?")
        XCTAssertEqual(skipped, 0, "cases out of scope")
        XCTAssertEqual(failures.count, 0, "\(failures.count) of \(checked) failed, first: \(failures.prefix(5).joined(separator: "\n"))")
    }

    func test_UAX9_BidiTest_everyClassSequence() throws {
        let text = try ucdFile("BidiTest.txt")
        // One character of each class.
        let sample: [String: UInt32] = [
            "L": 0x41, "R": 0x5D0, "AL": 0x627, "EN": 0x31, "ES": 0x2B, "ET": 0x25, "AN": 0x661, "CS": 0x2C,
            "NSM": 0x300, "BN": 0xAD, "B": 0x2029, "S": 0x09, "WS": 0x20, "ON": 0x21,
            "LRE": 0x202A, "LRO": 0x202D, "RLE": 0x202B, "RLO": 0x202E, "PDF": 0x202C,
            "LRI": 0x2066, "RLI": 0x2067, "FSI": 0x2068, "PDI": 0x2069,
        ]
        var levels: [String] = [], order: [Int] = []
        var checked = 0, skipped = 0
        var failures: [String] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") { continue }
            if line.hasPrefix("@Levels:") { levels = line.dropFirst(8).split(whereSeparator: \.isWhitespace).map(String.init); continue }
            if line.hasPrefix("@Reorder:") { order = line.dropFirst(9).split(whereSeparator: \.isWhitespace).compactMap { Int($0) }; continue }
            let fields = line.split(separator: ";")
            guard fields.count == 2, let bits = Int(fields[1].trimmingCharacters(in: .whitespaces)) else { continue }
            let scalars = fields[0].split(separator: " ").compactMap { sample[String($0)] }
            let classes = scalars.map(Bidi.bidiClass)
            guard scalars.count == fields[0].split(separator: " ").count, inScope(classes) else { skipped += 1; continue }
            // Bit 1: auto, 2: left-to-right, 4: right-to-left.
            var paragraphLevels: [UInt8] = []
            if bits & 1 != 0 { paragraphLevels.append(Bidi.firstStrongLevel(scalars) ?? 0) }
            if bits & 2 != 0 { paragraphLevels.append(0) }
            if bits & 4 != 0 { paragraphLevels.append(1) }
            for level in paragraphLevels {
                if !check(scalars, classes: classes, level: level, levels: levels, order: order) { failures.append("\(line) at \(level)") }
                if !fastPathHolds(scalars, level: level) { failures.append("reordered without mayReorder: \(line) at \(level)") }
                checked += 1
            }
        }
        // Unicode 15.0: 770,241 resolutions (490,846 lines), all in scope
        // (92,898 before explicit controls were implemented).
        XCTAssertGreaterThan(checked, 770_000, "too few cases in scope: the file's format changed?")
        XCTAssertEqual(skipped, 0, "cases out of scope")
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

    /// The visual string without the explicit controls (drawn, but invisible in a reader's eyes).
    private func visibleVisual(_ text: String, paragraphLevel: UInt8? = nil) -> String {
        String(String.UnicodeScalarView(TextShaper.visual(text, paragraphLevel: paragraphLevel).map(\.scalar)
            .filter { !(0x202A...0x202E).contains($0.value) && !(0x2066...0x2069).contains($0.value) }))
    }

    func test_X4_RLOInALatinName_reversesItUpToThePDF_andNoFurther() {
        // A left-to-right line (first strong character L, the override is
        // no strong character): the overridden letters read right to left.
        XCTAssertEqual(visibleVisual("Cargo \u{202E}ABC\u{202C} Ltd"), "Cargo CBA Ltd")
        // Without a PDF the override lasts to the end of the line (the cell).
        XCTAssertEqual(visibleVisual("\u{202E}Evil Corp 12"), "21 proC livE")
        // The fast path for left-to-right lines must not skip it.
        XCTAssertTrue(Bidi.mayReorder(0x202E))
    }

    func test_X5a_LRIInAnArabicLine_keepsALatinNameWithItsLeadingNumber() {
        // "7 Seas Cargo" after an Arabic word: unisolated, the 7 is an Arabic
        // number (W2) and the name reads "Seas Cargo 7" from the left;
        // isolated, it is one left-to-right unit as written.
        XCTAssertTrue(visibleVisual("شركة 7 Seas Cargo").hasPrefix("Seas Cargo 7 "), visibleVisual("شركة 7 Seas Cargo"))
        let v = visibleVisual("شركة \u{2066}7 Seas Cargo\u{2069}")
        XCTAssertTrue(v.hasPrefix("7 Seas Cargo "), v)
    }

    /// Hostile lines: random mixes of every class, brackets and explicit
    /// controls (a fixed seed, so a failure repeats) give a level to every
    /// character, stay within the levels UAX #9 allows and reorder into a
    /// permutation, with and without the units rule, at both paragraph levels.
    func test_randomLinesOfEveryClassAndControl_resolveWithinBounds() {
        let alphabet: [UInt32] = [0x41, 0x5D0, 0x627, 0x31, 0x2B, 0x25, 0x661, 0x2C, 0x300, 0xAD, 0x2029, 0x09, 0x20, 0x21,
                                  0x28, 0x29, 0x5B, 0x5D, 0x2329, 0x3009, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
                                  0x2066, 0x2067, 0x2068, 0x2069]
        var random = SplitMix64(seed: 0x15)
        for _ in 0..<1_000 {
            let length = random.below(300)
            let line = (0..<length).map { _ in alphabet[random.below(alphabet.count)] }
            for level: UInt8 in [0, 1] {
                for units in [false, true] {
                    let levels = Bidi.levels(line, paragraphLevel: level, unitsFollowNumbers: units)
                    XCTAssertEqual(levels.count, line.count)
                    XCTAssertLessThanOrEqual(levels.max() ?? 0, Bidi.maxDepth + 2)
                    XCTAssertEqual(Bidi.visualOrder(levels).sorted(), Array(line.indices))
                }
            }
            let text = String(String.UnicodeScalarView(line.compactMap(Unicode.Scalar.init)))
            XCTAssertEqual(TextShaper.visual(text).count, line.count)
        }
    }

    func test_X5c_FSITakesItsDirectionFromItsFirstStrongCharacter() {
        // An Arabic name then a Latin word, isolated in a Latin line: as a
        // right-to-left isolate (FSI, RLI) the Latin word is drawn left of
        // the Arabic; as a left-to-right one (LRI), right of it.
        for initiator in ["\u{2068}", "\u{2067}"] {
            let v = visibleVisual("Agent " + initiator + "شركة Cargo\u{2069} Ltd")
            XCTAssertTrue(v.hasPrefix("Agent Cargo "), v)
        }
        let v = visibleVisual("Agent \u{2066}شركة Cargo\u{2069} Ltd")
        XCTAssertTrue(v.hasSuffix(" Cargo Ltd"), v)
    }

    func test_openControls_areThoseStillOpenAtALineBreak() {
        let line = Array("\u{202E}abc \u{2068}שלום \u{202A}x\u{202C} def\u{2069} ghi".unicodeScalars.map(\.value))
        let def = line.firstIndex(of: 0x64) ?? 0, ghi = line.firstIndex(of: 0x67) ?? 0
        XCTAssertEqual(Bidi.openControls(line, at: 0, paragraphLevel: 0), [])
        XCTAssertEqual(Bidi.openControls(line, at: 1, paragraphLevel: 0), [0x202E])
        // The FSI resolved right-to-left (its first strong character is
        // Hebrew); the LRE is closed by its PDF before "def".
        XCTAssertEqual(Bidi.openControls(line, at: def, paragraphLevel: 0), [0x202E, 0x2067])
        XCTAssertEqual(Bidi.openControls(line, at: ghi, paragraphLevel: 0), [0x202E])
        XCTAssertEqual(Bidi.openControls(Array("abc def".unicodeScalars.map(\.value)), at: 4, paragraphLevel: 0), [])
    }

    func test_P2_isolatedTextDoesNotChooseTheParagraphDirection() {
        XCTAssertEqual(Bidi.firstStrongLevel("\u{2067}ABC\u{2069} شركة".unicodeScalars.map(\.value)), 1)
        XCTAssertNil(Bidi.firstStrongLevel("\u{2066}שלום".unicodeScalars.map(\.value)))
        XCTAssertEqual(Bidi.firstStrongLevel("\u{202E}A".unicodeScalars.map(\.value)), 0)
    }

    func test_X5_deepAndUnbalancedControls_stayWithinMaxDepth() {
        // 200 nested embeddings and isolates (more than the 125 levels),
        // unmatched closers first and last: levels stay within 126 (125
        // plus I2's one or two), and every character keeps a level.
        let opens: [UInt32] = [0x202B, 0x202A, 0x202E, 0x202D, 0x2067, 0x2066, 0x2068]
        var line: [UInt32] = [0x202C, 0x2069]
        for i in 0..<200 { line.append(opens[i % opens.count]); line.append(0x41 + UInt32(i % 26)); line.append(0x5D0) }
        for _ in 0..<150 { line.append(0x2069); line.append(0x31); line.append(0x202C) }
        let levels = Bidi.levels(line, paragraphLevel: 0)
        XCTAssertEqual(levels.count, line.count)
        XCTAssertLessThanOrEqual(levels.max() ?? 0, 127)
        XCTAssertEqual(levels.max(), 126, "the deepest letters: an L at odd 125 goes to 126")
        XCTAssertEqual(Bidi.visualOrder(levels).sorted(), Array(line.indices))
    }

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
