import Foundation

/// A font subset ready to embed in any PDF: built, compressed and its
/// metrics written once, then copied into every document that draws only
/// glyphs it holds. Subsetting and deflating the font file for every
/// invoice was most of a PDF's cost (docs/performance.md, "Documents at
/// period-close scale").
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
    /// The embedding's dictionaries around the object numbers that differ
    /// per document (`PDFDocument.embed`): the FontDescriptor up to its
    /// FontFile2 reference, the CIDFont up to its FontDescriptor reference
    /// and from there on (with the widths), the Type0 font up to its
    /// descendant. Written once here: formatted per document (the widths
    /// are hundreds of numbers) they were most of embedding a font.
    let descriptorHead: [UInt8]
    let cidFontHead: [UInt8]
    let cidFontTail: [UInt8]
    let type0Head: [UInt8]

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
        func scaled(_ v: Int) -> String { String(Int((Double(v) * scale).rounded())) }
        let flags = 4 | (font.italicAngle != 0 ? 64 : 0)
        descriptorHead = Array("<< /Type /FontDescriptor /FontName /\(name) /Flags \(flags) /FontBBox [\(font.bbox.map(scaled).joined(separator: " "))] /ItalicAngle \(font.italicAngle) /Ascent \(scaled(font.ascender)) /Descent \(scaled(font.descender)) /CapHeight \(scaled(font.capHeight)) /StemV \(font.isBold ? 120 : 80) /FontFile2 ".utf8)
        cidFontHead = Array("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /\(name) /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor ".utf8)
        cidFontTail = Array(" 0 R /DW 1000 /W [0 [\(widths)]] /CIDToGIDMap /Identity >>".utf8)
        type0Head = Array("<< /Type /Font /Subtype /Type0 /BaseFont /\(name) /Encoding /Identity-H /DescendantFonts [".utf8)
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

    /// A ToUnicode CMap's bytes as a dictionary key, hashed by a 64-bit
    /// digest of its bytes taken eight at a time (SipHash over the 2-8 KB
    /// of a map was 11,000 instructions per font of every PDF); equal keys
    /// still compare every byte.
    struct CMapKey: Hashable {
        let bytes: [UInt8]
        let digest: UInt64

        init(bytes: [UInt8]) {
            self.bytes = bytes
            digest = Self.digest(bytes)
        }

        /// Compared as memory (`==` on two arrays of UInt8 compares them
        /// element by element).
        static func == (a: CMapKey, b: CMapKey) -> Bool {
            guard a.digest == b.digest, a.bytes.count == b.bytes.count else { return false }
            return a.bytes.withUnsafeBytes { x in
                b.bytes.withUnsafeBytes { y in
                    guard let p = x.baseAddress, let q = y.baseAddress else { return true }
                    return memcmp(p, q, x.count) == 0
                }
            }
        }

        func hash(into hasher: inout Hasher) { hasher.combine(digest) }

        /// Multiply-xorshift over little-endian 8-byte words, the tail
        /// zero-padded, and the length: not cryptographic, only spread
        /// (the dictionary's Hasher seeds it per process).
        static func digest(_ bytes: [UInt8]) -> UInt64 {
            bytes.withUnsafeBytes { raw in
                var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(raw.count)
                var at = 0
                while at + 8 <= raw.count {
                    h = (h ^ raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
                    h ^= h >> 32
                    at += 8
                }
                var tail: UInt64 = 0
                var shift: UInt64 = 0
                while at < raw.count {
                    tail |= UInt64(raw[at]) << shift
                    shift += 8
                    at += 1
                }
                h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
                return h ^ (h >> 29)
            }
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

    /// How many prepared subsets are kept (for the tests).
    var subsetCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return subsets.count
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
