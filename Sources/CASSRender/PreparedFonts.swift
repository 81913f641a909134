import Foundation

/// A font subset ready to embed in any PDF: built, compressed and its
/// metrics written once, then copied into every document that draws only
/// glyphs it holds. Subsetting and deflating the font file for every
/// invoice was most of a PDF's cost (see the README's benchmark section).
final class PreparedSubset: Sendable {
    /// `<tag>+<PostScript name>`: the tag is a hash of the glyph set, so the
    /// same set gets the same name in every document.
    let name: String
    /// The FontFile2 stream object's body, dictionary and deflated data.
    let fontFileObject: [UInt8]
    /// The CIDFont's `/W` widths, in thousandths of the em.
    let widths: String
    /// Old glyph id to new glyph id (the CID); 0 (.notdef) for glyphs not in
    /// the subset. Dense up to the largest old glyph id of the set.
    let newGlyph: [UInt16]
    /// The old glyph ids in the subset, sorted: the cache key.
    let glyphs: [UInt16]

    init(font: TrueTypeFont, glyphs: [UInt16], smallestScalars: [UInt32]? = nil) {
        let unicode = smallestScalars.map { TrueTypeFont.scalars(of: glyphs, smallest: $0) } ?? font.scalars(of: glyphs)
        let subset = font.subset(glyphs: glyphs, unicode: unicode)
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for g in glyphs { hash = (hash ^ UInt64(g)) &* 0x0000_0100_0000_01B3 }
        var tag = ""
        for _ in 0..<6 { tag.append(Character(Unicode.Scalar(UInt8(65 + hash % 26)))); hash /= 26 }
        name = "\(tag)+\(font.postScriptName)"
        fontFileObject = PDFWriter.streamObject(subset.bytes, extra: "/Length1 \(subset.bytes.count)")
        let scale = 1000.0 / Double(font.unitsPerEm)
        widths = subset.advances.map { String(Int((Double($0) * scale).rounded())) }.joined(separator: " ")
        var dense = [UInt16](repeating: 0, count: Int(glyphs.last ?? 0) + 1)
        for (old, new) in subset.newGlyph where Int(old) < dense.count { dense[Int(old)] = new }
        newGlyph = dense
        self.glyphs = glyphs
    }

    @inline(__always) func cid(_ old: UInt16) -> UInt16 { Int(old) < newGlyph.count ? newGlyph[Int(old)] : 0 }
}

/// The prepared subsets of a `FontSet`, shared by every document and thread.
///
/// A document embeds, per font, the glyphs that font's base set for the
/// document's language holds (every label of the language and printable
/// ASCII), plus whatever else it drew (names in other letters). Documents
/// that stay within the base set, nearly all of them, share one prepared
/// subset; the others share one per distinct set. The set embedded depends
/// only on the document's language and text, never on what was rendered
/// before, so the same invoice gives the same bytes in any run.
final class PreparedFonts: @unchecked Sendable {
    /// At most this many prepared subsets are kept (each holds a compressed
    /// font file, 5-60 KB): past it, unusual glyph sets are built for their
    /// document and not kept.
    static let capacity = 512

    private let lock = NSLock()
    private var subsets: [Key: PreparedSubset] = [:]
    private var bases: [String: [String: [UInt16]]] = [:]

    struct Key: Hashable {
        let font: String
        let glyphs: [UInt16]
    }

    /// The base glyph sets of a language, by font PostScript name (computed
    /// once per language by shaping every label of it).
    func base(language: String, fonts: FontSet) -> [String: [UInt16]] {
        lock.lock()
        if let known = bases[language] { lock.unlock(); return known }
        lock.unlock()
        let computed = PDFDocument.baseGlyphs(language: language, fonts: fonts)
        lock.lock()
        defer { lock.unlock() }
        if let raced = bases[language] { return raced }
        bases[language] = computed
        return computed
    }

    /// Each font's `TrueTypeFont.smallestScalars`, by PostScript name:
    /// finding a subset's code points by walking the font's whole cmap was
    /// about a third of building the subset (a document whose glyphs are
    /// not among the kept sets builds its own).
    private var smallestScalarsByFont: [String: [UInt32]] = [:]

    func smallestScalars(of font: TrueTypeFont) -> [UInt32] {
        lock.lock()
        if let known = smallestScalarsByFont[font.postScriptName] { lock.unlock(); return known }
        lock.unlock()
        let computed = font.smallestScalars()
        lock.lock()
        defer { lock.unlock() }
        if let raced = smallestScalarsByFont[font.postScriptName] { return raced }
        smallestScalarsByFont[font.postScriptName] = computed
        return computed
    }

    /// At most this many ToUnicode stream objects are kept (each a few KB
    /// deflated): past it, maps are deflated for their document.
    static let toUnicodeCapacity = 1_024
    private var toUnicodeObjects: [CMapKey: [UInt8]] = [:]

    /// A ToUnicode CMap's bytes as a dictionary key, hashed as one block of
    /// bytes (an array of UInt8 is hashed byte by byte).
    struct CMapKey: Hashable {
        let bytes: [UInt8]
        func hash(into hasher: inout Hasher) {
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    /// The stream object of a ToUnicode CMap (`PDFWriter.streamObject`, deflated).
    /// Documents of a language draw nearly the same characters, so most maps
    /// recur, and deflating one cost as much as drawing a page of lines.
    /// The same bytes as deflating it again: the key is the whole map.
    func toUnicodeObject(_ cmap: [UInt8]) -> [UInt8] {
        let key = CMapKey(bytes: cmap)
        lock.lock()
        if let known = toUnicodeObjects[key] { lock.unlock(); return known }
        lock.unlock()
        let built = PDFWriter.streamObject(cmap)
        lock.lock()
        defer { lock.unlock() }
        if toUnicodeObjects.count < Self.toUnicodeCapacity { toUnicodeObjects[key] = built }
        return built
    }

    /// How many ToUnicode stream objects are kept (for the tests).
    var toUnicodeCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return toUnicodeObjects.count
    }

    /// The prepared subset holding exactly `glyphs` (sorted) of `font`.
    func subset(of font: TrueTypeFont, glyphs: [UInt16]) -> PreparedSubset {
        let key = Key(font: font.postScriptName, glyphs: glyphs)
        lock.lock()
        if let known = subsets[key] { lock.unlock(); return known }
        lock.unlock()
        // Built outside the lock: another thread may build the same set at
        // the same time; both results are identical and one is kept.
        let built = PreparedSubset(font: font, glyphs: glyphs, smallestScalars: smallestScalars(of: font))
        lock.lock()
        defer { lock.unlock() }
        if let raced = subsets[key] { return raced }
        if subsets.count < Self.capacity { subsets[key] = built }
        return built
    }
}

extension TrueTypeFont {
    /// A code point for each glyph (the smallest that maps to it), for the
    /// subset's own cmap: a function of the glyph set alone, so a prepared
    /// subset does not depend on which document built it.
    func scalars(of glyphs: [UInt16]) -> [UInt16: UInt32] {
        var wanted: [UInt16: UInt32] = [:]
        wanted.reserveCapacity(glyphs.count)
        var remaining = Set(glyphs)
        remaining.remove(0)
        for (scalar, glyph) in bmp.enumerated() where glyph != 0 && remaining.contains(glyph) {
            wanted[glyph] = UInt32(scalar)
            remaining.remove(glyph)
            if remaining.isEmpty { return wanted }
        }
        for (scalar, glyph) in supplementary.sorted(by: { $0.key < $1.key }) where remaining.contains(glyph) {
            wanted[glyph] = scalar
            remaining.remove(glyph)
        }
        return wanted
    }

    /// For each glyph the smallest code point the cmap maps to it (BMP
    /// first, then the supplementary planes, as `scalars(of:)` looks),
    /// `UInt32.max` for none.
    func smallestScalars() -> [UInt32] {
        var smallest = [UInt32](repeating: .max, count: Int(UInt16.max) + 1)
        for (scalar, glyph) in bmp.enumerated() where glyph != 0 && smallest[Int(glyph)] == .max {
            smallest[Int(glyph)] = UInt32(scalar)
        }
        for (scalar, glyph) in supplementary.sorted(by: { $0.key < $1.key })
            where glyph != 0 && smallest[Int(glyph)] == .max {
            smallest[Int(glyph)] = scalar
        }
        return smallest
    }

    /// `scalars(of:)` from the font's `smallestScalars()`.
    static func scalars(of glyphs: [UInt16], smallest: [UInt32]) -> [UInt16: UInt32] {
        var wanted: [UInt16: UInt32] = [:]
        wanted.reserveCapacity(glyphs.count)
        for glyph in glyphs where glyph != 0 && Int(glyph) < smallest.count && smallest[Int(glyph)] != .max {
            wanted[glyph] = smallest[Int(glyph)]
        }
        return wanted
    }
}
