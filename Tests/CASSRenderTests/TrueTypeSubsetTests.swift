@testable import CASSRender
import Foundation
import XCTest

final class TrueTypeSubsetTests: XCTestCase {
    func test_subset_parsesBackWithSameOutlinesAndMetrics() throws {
        let fonts = try Fixtures.requireFonts()
        for font in fonts.regular {
            let scalars: [UInt32] = [0x41, 0x67, 0xE9, 0x20AC, 0x0634, 0xFEB7, 0x4E2D, 0x65E5, 0xD55C, 0x30AB]
            var used: [UInt16: UInt32] = [:]
            for s in scalars { if let g = font.glyph(for: s) { used[g] = s } }
            guard !used.isEmpty else { continue }
            let subset = font.subset(glyphs: used.keys, unicode: used)
            let back = try TrueTypeFont(bytes: subset.bytes)
            XCTAssertEqual(back.numGlyphs, subset.advances.count)
            XCTAssertEqual(back.unitsPerEm, font.unitsPerEm)
            XCTAssertLessThan(subset.bytes.count, 200_000, font.postScriptName)
            for (old, scalar) in used {
                let new = try XCTUnwrap(subset.newGlyph[old])
                XCTAssertEqual(back.glyph(for: scalar), new, "\(font.postScriptName) U+\(String(scalar, radix: 16)) not in subset cmap")
                XCTAssertEqual(back.advance(of: new), font.advance(of: old))
                let original = Array(font.glyphData(old)), copied = Array(back.glyphData(new))
                if font.components(of: font.glyphData(old)).isEmpty {
                    XCTAssertEqual(copied.prefix(original.count), original[...], "outline of U+\(String(scalar, radix: 16)) changed")
                }
            }
        }
    }

    /// A subset of 4,000 glyphs (past the CIDs whose high byte would need
    /// escaping, 0x0D00-0x0DFF) numbers every glyph with a CID whose two
    /// bytes stand in a PDF literal string as they are; the numbers it
    /// skips hold empty glyphs of no width; the outlines and advances of
    /// the glyphs kept are the font's.
    func test_subsetCIDs_areLiteralSafe_skippedOnesEmpty() throws {
        let fonts = try Fixtures.requireFonts()
        let font = try XCTUnwrap(fonts.regular.max { $0.numGlyphs < $1.numGlyphs })
        let count = min(4_000, font.numGlyphs - 1)
        XCTAssertGreaterThan(count, 0x0E00, "\(font.postScriptName) has too few glyphs to reach CID 0x0E00")
        let used = (1...count).map { UInt16($0) }
        let subset = font.subset(glyphs: used)
        let back = try TrueTypeFont(bytes: subset.bytes)
        XCTAssertEqual(back.numGlyphs, subset.advances.count)
        let kept = Set(subset.newGlyph.values)
        // Every glyph asked for (composites bring their components too).
        for old in used { XCTAssertNotNil(subset.newGlyph[old], "glyph \(old) left out") }
        for (old, new) in subset.newGlyph {
            XCTAssertTrue(TrueTypeFont.cidIsLiteralSafe(Int(new)), "glyph \(old) -> CID \(new)")
            XCTAssertEqual(back.advance(of: new), font.advance(of: old))
        }
        for cid in 0..<back.numGlyphs where !kept.contains(UInt16(cid)) {
            XCTAssertFalse(TrueTypeFont.cidIsLiteralSafe(cid), "CID \(cid) skipped although safe")
            XCTAssertEqual(back.glyphData(UInt16(cid)).count, 0)
            XCTAssertEqual(subset.advances[cid], 0)
        }
        for bad in [0x0D, 0x28, 0x29, 0x5C, 0x0D00, 0x0D41, 0x1228, 0x285C] { XCTAssertFalse(TrueTypeFont.cidIsLiteralSafe(bad)) }
        for good in [0, 1, 0x0A, 0x27, 0x2A, 0x5B, 0x5D, 0x0C41, 0x0E00, 0xFFFF] { XCTAssertTrue(TrueTypeFont.cidIsLiteralSafe(good)) }
    }

    func test_compositeGlyph_bringsItsComponentsRenumbered() throws {
        let fonts = try Fixtures.requireFonts()
        // Find a composite glyph among the accented Latin letters of the primary font.
        let font = try XCTUnwrap(fonts.regular.first)
        let composite = (0xC0...0x17F).compactMap { font.glyph(for: UInt32($0)) }.first { !font.components(of: font.glyphData($0)).isEmpty }
        let glyph = try XCTUnwrap(composite, "no composite glyph in \(font.postScriptName)")
        let subset = font.subset(glyphs: [glyph])
        let back = try TrueTypeFont(bytes: subset.bytes)
        let newGlyph = try XCTUnwrap(subset.newGlyph[glyph])
        let components = back.components(of: back.glyphData(newGlyph))
        XCTAssertFalse(components.isEmpty)
        for (component, original) in zip(components, font.components(of: font.glyphData(glyph))) {
            XCTAssertEqual(subset.newGlyph[original.glyph], component.glyph)
            XCTAssertLessThan(Int(component.glyph), back.numGlyphs)
            XCTAssertEqual(Array(back.glyphData(component.glyph)).prefix(10), Array(font.glyphData(original.glyph)).prefix(10))
        }
    }

    func test_cffFont_isRefusedWithAClearError() {
        var otto: [UInt8] = [0x4F, 0x54, 0x54, 0x4F]
        otto += [UInt8](repeating: 0, count: 60)
        XCTAssertThrowsError(try TrueTypeFont(bytes: otto)) { error in
            XCTAssertTrue(String(describing: error).contains("CFF"))
        }
    }

    func test_truncatedFont_throwsInsteadOfCrashing() throws {
        let fonts = try Fixtures.requireFonts()
        let font = try XCTUnwrap(fonts.regular.first)
        XCTAssertThrowsError(try TrueTypeFont(bytes: Array(font.data.prefix(2000))))
    }

    /// A subset's code points from the font's smallest-code-point table
    /// (kept per font by `PreparedFonts`) are those the cmap walk finds, for
    /// every font of the set: all glyphs, none, .notdef, and random sets.
    func test_smallestScalars_giveTheCmapWalksCodePoints() throws {
        let fonts = try Fixtures.requireFonts()
        var generator = SystemRandomNumberGenerator()
        for font in fonts.regular + fonts.bold {
            let smallest = font.smallestScalars()
            var sets: [[UInt16]] = [[], [0], Array(0..<UInt16(min(font.numGlyphs, 65_535)))]
            for size in [1, 5, 60, 400] {
                sets.append(Array(Set((0..<size).map { _ in UInt16.random(in: 0..<UInt16(min(font.numGlyphs, 65_535)), using: &generator) })).sorted())
            }
            for glyphs in sets {
                XCTAssertEqual(TrueTypeFont.scalars(of: glyphs, smallest: smallest), font.scalars(of: glyphs), "\(font.postScriptName), \(glyphs.count) glyphs")
            }
            XCTAssertTrue(PreparedFonts().smallestScalars(of: font) == smallest)
        }
    }

    /// The merge of two ascending glyph lists is the sorted set union.
    func test_glyphUnion_isTheSortedSetUnion() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<300 {
            let a = Array(Set((0..<(round % 40)).map { _ in UInt16.random(in: 0...UInt16(round + 3), using: &generator) })).sorted()
            let b = Array(Set((0..<(round % 23)).map { _ in UInt16.random(in: 0...UInt16(round + 3), using: &generator) })).sorted()
            XCTAssertEqual(PDFDocument.union(a, b), Array(Set(a).union(b)).sorted(), "\(a) \(b)")
        }
        XCTAssertEqual(PDFDocument.union([], []), [])
        XCTAssertEqual(PDFDocument.union([0, 65_535], [65_535]), [0, 65_535])
    }
}
