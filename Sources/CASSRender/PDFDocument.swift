/// A PDF being drawn: pages of positioned text runs and rules, with fonts
/// chosen per character from a `FontSet` and subset when the file is
/// written. Coordinates are PDF points from the bottom-left corner.
final class PDFDocument {
    let fonts: FontSet
    let pageWidth: Double
    let pageHeight: Double
    private(set) var pages: [[Op]] = []
    private var usage: [String: FontUse] = [:]
    private var fontOrder: [String] = []

    struct Run {
        let fontKey: String
        let glyphs: [UInt16]
        /// Advance in thousandths of the font size.
        let width: Double
    }

    enum Op {
        case text(x: Double, y: Double, size: Double, gray: Double, runs: [Run])
        case line(x1: Double, y1: Double, x2: Double, y2: Double, width: Double, gray: Double)
        case fill(x: Double, y: Double, width: Double, height: Double, gray: Double)
    }

    final class FontUse {
        let font: TrueTypeFont
        var glyphs: Set<UInt16> = []
        var unicode: [UInt16: String] = [:]
        var scalar: [UInt16: UInt32] = [:]
        init(font: TrueTypeFont) { self.font = font }
    }

    init(fonts: FontSet, pageWidth: Double = 595.28, pageHeight: Double = 841.89) {
        self.fonts = fonts
        self.pageWidth = pageWidth
        self.pageHeight = pageHeight
    }

    var pageCount: Int { pages.count }

    func newPage() { pages.append([]) }

    func append(_ op: Op, toPage index: Int? = nil) {
        if pages.isEmpty { newPage() }
        pages[index ?? (pages.count - 1)].append(op)
    }

    /// Tables repeat the same short texts (zeros, dates, codes) many times.
    private var runCache: [String: [Run]] = [:]

    /// Shapes `text` and splits it into runs of one font each.
    /// `paragraphLevel`: see `TextShaper.visual` (nil: from the text itself).
    func runs(_ text: String, bold: Bool, paragraphLevel: UInt8? = nil) -> [Run] {
        let key = (bold ? "B" : "R") + (paragraphLevel.map(String.init) ?? "") + ":" + text
        if let cached = runCache[key] { return cached }
        let result = shapeRuns(text, bold: bold, paragraphLevel: paragraphLevel)
        runCache[key] = result
        return result
    }

    private func shapeRuns(_ text: String, bold: Bool, paragraphLevel: UInt8?) -> [Run] {
        let chain = fonts.chain(bold: bold)
        guard let primary = chain.first else { return [] }
        var result: [Run] = []
        var currentIndex = -1
        var glyphs: [UInt16] = []
        var width = 0.0
        func flush() {
            if !glyphs.isEmpty, currentIndex >= 0 {
                result.append(Run(fontKey: chain[currentIndex].postScriptName, glyphs: glyphs, width: width))
            }
            glyphs = []
            width = 0
        }
        for item in TextShaper.visual(text, paragraphLevel: paragraphLevel) {
            var scalar = item.scalar
            if scalar.value < 0x20 { scalar = " " }
            var index = -1
            var glyph: UInt16 = 0
            // Spaces and punctuation stay in the current font: fewer runs.
            if currentIndex >= 0, TextShaper.direction(scalar) == .neutral, let g = chain[currentIndex].glyph(for: scalar.value) {
                index = currentIndex; glyph = g
            } else {
                for (i, font) in chain.enumerated() {
                    if let g = font.glyph(for: scalar.value) { index = i; glyph = g; break }
                }
            }
            if index < 0 { index = 0 }  // .notdef of the primary font: visible as a box
            if index != currentIndex { flush(); currentIndex = index }
            let font = chain[index]
            let use = self.use(font)
            use.glyphs.insert(glyph)
            if use.unicode[glyph] == nil { use.unicode[glyph] = item.text; use.scalar[glyph] = scalar.value }
            glyphs.append(glyph)
            width += Double(font.advance(of: glyph)) * 1000 / Double(font.unitsPerEm)
        }
        flush()
        _ = primary
        return result
    }

    private func use(_ font: TrueTypeFont) -> FontUse {
        if let existing = usage[font.postScriptName] { return existing }
        let created = FontUse(font: font)
        usage[font.postScriptName] = created
        fontOrder.append(font.postScriptName)
        return created
    }

    /// Width of a text in points.
    func width(_ text: String, size: Double, bold: Bool = false) -> Double {
        runs(text, bold: bold).reduce(0) { $0 + $1.width } * size / 1000
    }

    func width(of runs: [Run], size: Double) -> Double { runs.reduce(0) { $0 + $1.width } * size / 1000 }

    func draw(_ runs: [Run], x: Double, y: Double, size: Double, gray: Double = 0, page: Int? = nil) {
        append(.text(x: x, y: y, size: size, gray: gray, runs: runs), toPage: page)
    }

    // MARK: writing

    func write(title: String, author: String) -> [UInt8] {
        var pdf = PDFWriter()
        let catalog = pdf.reserve()
        let pagesID = pdf.reserve()
        var subsets: [String: FontSubset] = [:]
        var fontResources = ""
        for (index, key) in fontOrder.enumerated() {
            guard let use = usage[key] else { continue }
            let (ref, subset) = embed(use, in: &pdf)
            subsets[key] = subset
            fontResources += " /F\(index + 1) \(ref) 0 R"
        }
        let resources = pdf.add("<< /Font <<\(fontResources) >> /ProcSet [/PDF /Text] >>")
        var pageRefs: [Int] = []
        for ops in pages {
            let content = pdf.addStream(contentStream(ops, subsets: subsets))
            pageRefs.append(pdf.add("<< /Type /Page /Parent \(pagesID) 0 R /MediaBox [0 0 \(PDFWriter.number(pageWidth)) \(PDFWriter.number(pageHeight))] /Resources \(resources) 0 R /Contents \(content) 0 R >>"))
        }
        pdf.set(pagesID, "<< /Type /Pages /Kids [\(pageRefs.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(pageRefs.count) >>")
        pdf.set(catalog, "<< /Type /Catalog /Pages \(pagesID) 0 R >>")
        let info = pdf.add("<< /Title \(PDFWriter.textString(title)) /Author \(PDFWriter.textString(author)) /Producer (OpenCASS) >>")
        return pdf.finish(root: catalog, info: info)
    }

    private func contentStream(_ ops: [Op], subsets: [String: FontSubset]) -> [UInt8] {
        var s = ""
        s.reserveCapacity(ops.count * 48)
        let names = Dictionary(uniqueKeysWithValues: fontOrder.enumerated().map { ($1, "/F\($0 + 1)") })
        for op in ops {
            switch op {
            case let .line(x1, y1, x2, y2, width, gray):
                s += "\(PDFWriter.number(gray)) G \(PDFWriter.number(width)) w \(PDFWriter.number(x1)) \(PDFWriter.number(y1)) m \(PDFWriter.number(x2)) \(PDFWriter.number(y2)) l S\n"
            case let .fill(x, y, width, height, gray):
                s += "\(PDFWriter.number(gray)) g \(PDFWriter.number(x)) \(PDFWriter.number(y)) \(PDFWriter.number(width)) \(PDFWriter.number(height)) re f\n"
            case let .text(x, y, size, gray, runs):
                s += "BT \(PDFWriter.number(gray)) g\n"
                var pen = x
                for run in runs {
                    guard let name = names[run.fontKey], let subset = subsets[run.fontKey] else { continue }
                    s += "\(name) \(PDFWriter.number(size)) Tf 1 0 0 1 \(PDFWriter.number(pen)) \(PDFWriter.number(y)) Tm <"
                    for glyph in run.glyphs { s += PDFWriter.hex4(subset.newGlyph[glyph] ?? 0) }
                    s += "> Tj\n"
                    pen += run.width * size / 1000
                }
                s += "ET\n"
            }
        }
        return Array(s.utf8)
    }

    /// Embeds a font subset as Type0 / CIDFontType2 with Identity-H and a
    /// ToUnicode map; returns the Type0 font's object number.
    private func embed(_ use: FontUse, in pdf: inout PDFWriter) -> (Int, FontSubset) {
        let font = use.font
        let subset = font.subset(glyphs: use.glyphs, unicode: use.scalar)
        // Deterministic subset tag: same glyphs, same name.
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for g in use.glyphs.sorted() { hash = (hash ^ UInt64(g)) &* 0x0000_0100_0000_01B3 }
        var tag = ""
        for _ in 0..<6 { tag.append(Character(Unicode.Scalar(UInt8(65 + hash % 26)))); hash /= 26 }
        let name = "\(tag)+\(font.postScriptName)"
        let scale = 1000.0 / Double(font.unitsPerEm)
        func scaled(_ v: Int) -> String { String(Int((Double(v) * scale).rounded())) }

        let file = pdf.addStream(subset.bytes, extra: "/Length1 \(subset.bytes.count)")
        let flags = 4 | (font.italicAngle != 0 ? 64 : 0)
        let descriptor = pdf.add("<< /Type /FontDescriptor /FontName /\(name) /Flags \(flags) /FontBBox [\(font.bbox.map(scaled).joined(separator: " "))] /ItalicAngle \(font.italicAngle) /Ascent \(scaled(font.ascender)) /Descent \(scaled(font.descender)) /CapHeight \(scaled(font.capHeight)) /StemV \(font.isBold ? 120 : 80) /FontFile2 \(file) 0 R >>")
        let widths = subset.advances.map(scaled).joined(separator: " ")
        let cid = pdf.add("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /\(name) /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor \(descriptor) 0 R /DW 1000 /W [0 [\(widths)]] /CIDToGIDMap /Identity >>")
        let toUnicode = pdf.addStream(toUnicodeCMap(use, subset))
        let type0 = pdf.add("<< /Type /Font /Subtype /Type0 /BaseFont /\(name) /Encoding /Identity-H /DescendantFonts [\(cid) 0 R] /ToUnicode \(toUnicode) 0 R >>")
        return (type0, subset)
    }

    private func toUnicodeCMap(_ use: FontUse, _ subset: FontSubset) -> [UInt8] {
        let entries = use.unicode.compactMap { old, text -> (UInt16, String)? in subset.newGlyph[old].map { ($0, text) } }.sorted { $0.0 < $1.0 }
        var s = "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        var start = 0
        while start < entries.count {
            let chunk = entries[start..<min(start + 100, entries.count)]
            s += "\(chunk.count) beginbfchar\n"
            for (cid, text) in chunk {
                s += "<\(PDFWriter.hex4(cid))> <\(text.utf16.map(PDFWriter.hex4).joined())>\n"
            }
            s += "endbfchar\n"
            start += 100
        }
        s += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
        return Array(s.utf8)
    }
}
