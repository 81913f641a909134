import CASSDomain
import Foundation

/// The fonts a document may draw with, in fallback order: for each
/// character the first font that has a glyph for it is used. Latin (with a
/// bold face), then Arabic, then Chinese and Japanese, then Korean Hangul.
/// Parsed once and shared: documents only read it.
public final class FontSet: Sendable {
    public let regular: [TrueTypeFont]
    public let bold: [TrueTypeFont]
    /// Subsets built once and shared by every document (PreparedFonts).
    let prepared = PreparedFonts()
    /// Texts wrapped once and shared by every document (SharedWraps).
    let wraps = SharedCache<ReportCanvas.WrapKey, SharedWraps.Wrap>(capacity: SharedWraps.capacity)
    /// Non-Latin texts shaped once and shared by every document (SharedShapes).
    let shapes = SharedCache<SharedShapes.Key, SharedShapes.Shape>(capacity: SharedShapes.capacity)
    /// Tables' column headings prepared once per language and shared (SharedHeadings).
    let headings = SharedCache<SharedHeadings.Key, SharedHeadings.Prepared>(capacity: SharedHeadings.capacity)

    /// `regular` and `bold` are fallback chains of the same length or not;
    /// bold falls back to the regular chain for scripts it lacks.
    public init(regular: [TrueTypeFont], bold: [TrueTypeFont]) {
        self.regular = regular
        self.bold = bold
        asciiRegular = ASCIIShaping(chain: regular)
        asciiBold = ASCIIShaping(chain: bold.isEmpty ? regular : bold)
    }

    /// ASCII lookups of each chain (see `ASCIIShaping`), built once.
    let asciiRegular: ASCIIShaping
    let asciiBold: ASCIIShaping

    func ascii(bold isBold: Bool) -> ASCIIShaping { isBold && !bold.isEmpty ? asciiBold : asciiRegular }

    /// A font the renderer wants, where Debian installs it, and the package that does.
    public struct Wanted: Sendable {
        public let role: String
        public let fileNames: [String]
        public let package: String
    }

    public static let wantedRegular: [Wanted] = [
        Wanted(role: "Latin", fileNames: ["NotoSans-Regular.ttf", "DejaVuSans.ttf"], package: "fonts-noto-core"),
        Wanted(role: "Arabic", fileNames: ["NotoSansArabic-Regular.ttf", "NotoNaskhArabic-Regular.ttf"], package: "fonts-noto-core"),
        Wanted(role: "Chinese and Japanese", fileNames: ["DroidSansFallbackFull.ttf", "DroidSansFallback.ttf"], package: "fonts-droid-fallback"),
        // Droid Sans Fallback has no Hangul syllables; Nanum Gothic has (glyf outlines).
        Wanted(role: "Korean Hangul", fileNames: ["NanumGothic.ttf"], package: "fonts-nanum"),
        Wanted(role: "symbols", fileNames: ["DejaVuSans.ttf"], package: "fonts-dejavu-core"),
    ]
    public static let wantedBold: [Wanted] = [
        Wanted(role: "Latin bold", fileNames: ["NotoSans-Bold.ttf", "DejaVuSans-Bold.ttf"], package: "fonts-noto-core"),
        Wanted(role: "Arabic bold", fileNames: ["NotoSansArabic-Bold.ttf", "NotoNaskhArabic-Bold.ttf"], package: "fonts-noto-core"),
    ]

    /// Finds and parses the installed fonts (searching /usr/share/fonts by
    /// default). A missing font is an error naming the apt package to install.
    public static func locate(searchPaths: [String] = ["/usr/share/fonts", "/usr/local/share/fonts"]) throws -> FontSet {
        var files: [String: String] = [:]
        let manager = FileManager.default
        for root in searchPaths {
            guard let walker = manager.enumerator(atPath: root) else { continue }
            while let relative = walker.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                if files[name] == nil { files[name] = root + "/" + relative }
            }
        }
        var parsed: [String: TrueTypeFont] = [:]
        func load(_ wanted: [Wanted], required: Bool) throws -> [TrueTypeFont] {
            var chain: [TrueTypeFont] = []
            for want in wanted {
                guard let path = want.fileNames.lazy.compactMap({ files[$0] }).first else {
                    if required {
                        throw FontError.notInstalled("no \(want.role) font found (\(want.fileNames.joined(separator: " or ")) under \(searchPaths.joined(separator: ", "))): install it with `apt-get install \(want.package)` (or run scripts/install-deps)")
                    }
                    continue
                }
                if let font = parsed[path] { chain.append(font); continue }
                guard let data = manager.contents(atPath: path) else { throw FontError.notInstalled("cannot read \(path)") }
                let font = try TrueTypeFont(bytes: [UInt8](data))
                parsed[path] = font
                chain.append(font)
            }
            return chain
        }
        let regular = try load(wantedRegular, required: true)
        let bold = try load(wantedBold, required: false)
        return FontSet(regular: regular, bold: bold + regular.dropFirst())
    }

    func chain(bold isBold: Bool) -> [TrueTypeFont] { isBold && !bold.isEmpty ? bold : regular }
}

/// What shaping needs to know about the 256 characters U+0000-U+00FF
/// (ASCII and Latin-1: no right-to-left character among them) in one font
/// chain, so that a cell of such text (amounts, with U+00A0 as the group
/// separator in some languages, dates, codes, Latin names: most cells) is
/// shaped by table lookups instead of the general path (one
/// `Item` and `String` per character, bidi classes, cmap lookups). The
/// values are exactly those the general path computes, so the runs and
/// widths, and hence the PDF bytes, are the same. A class: every cell
/// takes its chain's tables, one reference rather than four arrays.
/// @unchecked Sendable: the tables never change after init; the
/// pointers below are to memory the object owns and frees in deinit.
final class ASCIIShaping: @unchecked Sendable {
    let fontCount: Int
    static let size = 256
    /// Glyph of character `b` in font `i` of the chain at `i * 256 + b`, 0 = none.
    let glyphs: [UInt16]
    /// Advance of that glyph in thousandths of the font size, computed as
    /// the general path does (`advance * 1000 / unitsPerEm`).
    let widths: [Double]
    /// The first font of the chain with a glyph for `b`, 0 when none has
    /// one (the primary font's .notdef, glyph 0).
    let first: [Int]
    /// Neutral direction (spaces, punctuation): stays in the current font.
    let neutral: [Bool]

    init(chain: [TrueTypeFont]) {
        fontCount = chain.count
        let n = ASCIIShaping.size
        var glyphs = [UInt16](repeating: 0, count: chain.count * n)
        var widths = [Double](repeating: 0, count: chain.count * n)
        var first = [Int](repeating: 0, count: n)
        var neutral = [Bool](repeating: false, count: n)
        for b in 0..<n {
            let value = UInt32(b)
            var found = -1
            for (i, font) in chain.enumerated() {
                let glyph = font.glyph(for: value) ?? 0
                glyphs[i * n + b] = glyph
                widths[i * n + b] = Double(font.advance(of: glyph)) * 1000 / Double(font.unitsPerEm)
                if found < 0, glyph != 0 { found = i }
            }
            first[b] = max(found, 0)
            neutral[b] = Unicode.Scalar(value).map { TextShaper.direction($0) == .neutral } ?? false
        }
        self.glyphs = glyphs
        self.widths = widths
        self.first = first
        self.neutral = neutral
        glyphTable = Self.copy(glyphs)
        widthTable = Self.copy(widths)
        firstTable = Self.copy(first)
        neutralTable = Self.copy(neutral)
        let zero = Int(UInt8(ascii: "0"))
        uniformDigits = (zero..<(zero + 10)).allSatisfy { b in
            first[b] == first[zero] && glyphs[first[b] * n + b] != 0 && widths[first[b] * n + b] == widths[first[zero] * n + zero] && !neutral[b]
        }
    }

    /// True when the ten ASCII digits are drawn in the same font of the
    /// chain with the same advance (tabular figures: Noto Sans, DejaVu
    /// Sans). Digits are never neutral, so the font is the first with a
    /// glyph whatever precedes them, and no shaping step (Arabic joining,
    /// bidi classes: all EN) tells one digit from another: a text then
    /// measures exactly as the same text with its digits replaced by "0"
    /// (`ReportCanvas.wrap` shares the wraps of texts that differ only
    /// in their numbers).
    let uniformDigits: Bool

    /// The same four tables as read-only memory for `shapePending`, which
    /// reads them for every character: taking the arrays out of the
    /// object retained and released each of them per cell (about 20 M
    /// instructions of a 10,000-AWB settle); pointers need neither. Valid
    /// while the object lives (the caller holds it), as long as the arrays.
    let glyphTable: UnsafePointer<UInt16>
    let widthTable: UnsafePointer<Double>
    let firstTable: UnsafePointer<Int>
    let neutralTable: UnsafePointer<Bool>

    private static func copy<T>(_ values: [T]) -> UnsafePointer<T> {
        let memory = UnsafeMutablePointer<T>.allocate(capacity: max(values.count, 1))
        values.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { memory.initialize(from: base, count: buffer.count) }
        }
        return UnsafePointer(memory)
    }

    deinit {
        UnsafeMutablePointer(mutating: glyphTable).deallocate()
        UnsafeMutablePointer(mutating: widthTable).deallocate()
        UnsafeMutablePointer(mutating: firstTable).deallocate()
        UnsafeMutablePointer(mutating: neutralTable).deallocate()
    }
}

/// Texts wrapped by one document, for every other document drawn with the
/// same fonts: the notes under every airline section and the column
/// headings are the same in every invoice of a language, and wrapping
/// measures candidate lines again and again (Japanese and Arabic notes,
/// broken between characters, most: 6 % of a period close with documents).
/// Lines depend only on the text, width, size, weight and fonts; the glyphs
/// the measuring marked drawn are kept with them and marked again in the
/// document that reuses them (`PDFDocument.replay`), so its font subsets
/// and bytes are those it would have made itself.
enum SharedWraps {
    /// At most this many wraps are kept (a text, its lines and a few dozen
    /// glyph tries each): past it, texts are wrapped by each document. The
    /// labels and notes of all languages come first and take a few hundred.
    static let capacity = 2_048

    struct Wrap: Sendable {
        let lines: [String]
        let glyphUse: PDFDocument.GlyphUseRecord
    }
}

/// A text compared and hashed by its UTF-8 bytes. `String`'s own hashing
/// and equality go through Unicode normalisation for non-ASCII text
/// (canonical equivalence): costly for every cache lookup of an Arabic or
/// CJK cell, and not what shaping wants either, since two equivalent texts
/// of different code points are shaped into different glyphs.
struct UTF8Key: Hashable, Sendable {
    let text: String

    init(_ text: String) {
        var contiguous = text
        // Done once here so that hashing and comparing never copy.
        contiguous.makeContiguousUTF8()
        self.text = contiguous
    }

    /// The text's bytes where they are (`withUTF8InPlace`): through
    /// `withUTF8` each hash and compare copied the string, a retain and a
    /// release on strings the shared caches' two reading threads share.
    @inline(__always) func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        text.withUTF8InPlace(body)
    }

    func hash(into hasher: inout Hasher) {
        withBytes { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// The text's bytes through `TableHash`, not a `Hasher`: documents
    /// look up a cached shaping per table cell.
    func _rawHashValue(seed: Int) -> Int { TableHash.raw(word, seed: seed) }

    var word: UInt64 {
        withBytes { TableHash.word(ofBytes: UnsafeRawBufferPointer($0)) }
    }

    static func == (a: UTF8Key, b: UTF8Key) -> Bool {
        a.withBytes { xs in b.withBytes { ys in xs.count == ys.count && xs.elementsEqual(ys) } }
    }
}

/// Texts shaped by `PDFDocument`'s general path (anything but Latin-1 in
/// a left-to-right paragraph: Arabic, CJK, Hangul) once and shared by
/// every document of the font set, with the glyph marks their shaping made,
/// which a document taking one makes as if it had shaped the text itself
/// (same glyph use, font order and ToUnicode texts, so the same bytes).
/// Shaping such a text costs ~40,000 instructions (bidi, contextual
/// forms, font fallback per character); the labels of a language are
/// shaped by every document of it.
enum SharedShapes {
    /// At most this many texts are kept (a few runs and a mark per glyph
    /// each): past it, texts are shaped by each document. Labels come with
    /// the first documents of each language; agents' names fill the rest.
    static let capacity = 8_192

    struct Key: Hashable, Sendable {
        let text: UTF8Key
        let bold: Bool
        let paragraphLevel: UInt8?

        /// See `UTF8Key._rawHashValue`.
        func _rawHashValue(seed: Int) -> Int {
            TableHash.raw(TableHash.fold(text.word, bold ? 1 : 0, paragraphLevel.map { UInt64($0) + 1 } ?? 0), seed: seed)
        }
    }

    struct Run: Sendable {
        /// The font's place in the chain shaped with.
        let chain: Int
        let glyphs: [UInt16]
        let width: Double
    }

    struct Shape: Sendable {
        let runs: [Run]
        /// What each glyph was marked drawn with, in drawing order across the runs.
        let marks: [(text: String, scalar: UInt32)]
    }
}

/// The column headings of the report's tables (`CargoSalesReport.Table`),
/// wrapped, shaped and placed once per language and table and shared by
/// every document of the font set, with the glyph tries their preparation
/// made (`PDFDocument.GlyphUseRecord`), which a document taking them
/// replays as if it had prepared them itself: the same glyph use, font
/// order and ToUnicode texts, so the same bytes. Preparing a table's
/// headings (a dozen labels wrapped, shaped and measured) was about a
/// twelfth of a PDF's instructions in a 10,000-AWB settle.
enum SharedHeadings {
    /// Eight languages and five tables need 40; the limit only bounds it.
    static let capacity = 256

    struct Key: Hashable, Sendable {
        let language: String
        let table: Int
        let rightToLeft: Bool
    }

    struct Prepared: Sendable {
        let lines: Int
        /// Each cell with the line it is on and the empty lines above it;
        /// its runs hold the preparing document's font indices (`PDFDocument.adopt`).
        let cells: [(cell: ReportCanvas.PreparedCell, k: Int, pad: Int)]
        let glyphUse: PDFDocument.GlyphUseRecord
    }
}
