@testable import CASSRender
import XCTest

final class TextShaperTests: XCTestCase {
    private func scalars(_ items: [TextShaper.Item]) -> [UInt32] { items.map(\.scalar.value) }

    func test_arabicLetters_takeInitialMedialFinalAndIsolatedForms() {
        // شركة: sheen initial, reh final (right-joining), kaf isolated... no: kaf initial, teh marbuta final.
        let shaped = TextShaper.shapeArabic(Array("شركة".unicodeScalars))
        XCTAssertEqual(scalars(shaped), [0xFEB7, 0xFEAE, 0xFEDB, 0xFE94])
        // A letter alone is isolated.
        XCTAssertEqual(scalars(TextShaper.shapeArabic(Array("ب".unicodeScalars))), [0xFE8F])
        // Medial: beh between two dual-joining letters.
        XCTAssertEqual(scalars(TextShaper.shapeArabic(Array("سبب".unicodeScalars)))[1], 0xFE92)
    }

    func test_lamAlef_becomesOneLigatureThatCopiesAsTwoLetters() {
        let shaped = TextShaper.shapeArabic(Array("لا".unicodeScalars))
        XCTAssertEqual(scalars(shaped), [0xFEFB])
        XCTAssertEqual(shaped.first?.text, "لا")
        // After a joining letter the final form is used: سلا.
        XCTAssertEqual(scalars(TextShaper.shapeArabic(Array("سلا".unicodeScalars))).last, 0xFEFC)
    }

    func test_rightToLeftLine_isReversedButNumbersAndLatinKeepTheirOrder() {
        let visual = TextShaper.visual("مبنى 12 CASS")
        let text = String(String.UnicodeScalarView(visual.map(\.scalar)))
        XCTAssertTrue(text.hasPrefix("CASS 12 "), text)
        // The Arabic word comes last, drawn from its last letter.
        XCTAssertEqual(visual.last?.text, "م")
    }

    func test_leftToRightLine_withoutArabic_isUnchanged() {
        XCTAssertEqual(String(String.UnicodeScalarView(TextShaper.visual("AWB 125-12345675 (CCA)").map(\.scalar))), "AWB 125-12345675 (CCA)")
    }

    func test_bracketsInRightToLeftRuns_areMirrored() {
        let visual = TextShaper.visual("(شركة)")
        XCTAssertEqual(visual.first?.scalar, "(")
        XCTAssertEqual(visual.last?.scalar, ")")
    }
}
