/// A subset of a TrueType font holding only the glyphs one document uses,
/// renumbered densely from 0 (.notdef). Composite glyphs bring their
/// components along, with the component references rewritten.
public struct FontSubset: Sendable {
    /// The complete subset font file.
    public let bytes: [UInt8]
    /// Old glyph id to new glyph id (= CID in the PDF).
    public let newGlyph: [UInt16: UInt16]
    /// Advance widths of the new glyphs, in font units.
    public let advances: [Int]
}

extension TrueTypeFont {
    private static let argsAreWords: UInt16 = 0x0001
    private static let haveScale: UInt16 = 0x0008
    private static let moreComponents: UInt16 = 0x0020
    private static let haveXYScale: UInt16 = 0x0040
    private static let haveTwoByTwo: UInt16 = 0x0080

    /// Offsets (within the glyph data) and glyph ids of a composite glyph's components.
    func components(of data: ArraySlice<UInt8>) -> [(offset: Int, glyph: UInt16)] {
        let bytes = Array(data)
        guard bytes.count >= 10, Int16(bitPattern: UInt16(bytes[0]) << 8 | UInt16(bytes[1])) < 0 else { return [] }
        var result: [(Int, UInt16)] = []
        var at = 10
        while at + 4 <= bytes.count {
            let flags = UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
            result.append((at + 2, UInt16(bytes[at + 2]) << 8 | UInt16(bytes[at + 3])))
            at += 4 + ((flags & Self.argsAreWords) != 0 ? 4 : 2)
            if flags & Self.haveScale != 0 { at += 2 } else if flags & Self.haveXYScale != 0 { at += 4 } else if flags & Self.haveTwoByTwo != 0 { at += 8 }
            if flags & Self.moreComponents == 0 { break }
        }
        return result
    }

    /// True when a CID's two bytes can stand in a PDF literal string as
    /// they are: neither is a parenthesis, a backslash or a carriage return
    /// (which a reader takes for a line end). `subset` gives no glyph such
    /// a number, so a page writes each glyph as its two bytes (`PDFDocument`)
    /// instead of four hex digits.
    @inline(__always) public static func cidIsLiteralSafe(_ cid: Int) -> Bool {
        func safe(_ byte: Int) -> Bool { byte != 0x0D && byte != 0x28 && byte != 0x29 && byte != 0x5C }
        return safe(cid >> 8) && safe(cid & 0xFF)
    }

    /// Builds the subset font. `unicode` gives the cmap of the subset (code
    /// point per used glyph), so the subset is a usable font on its own.
    /// Glyphs are renumbered from 0, skipping the numbers that are not
    /// `cidIsLiteralSafe`: those hold empty glyphs of no width, which no
    /// text uses (four per 256, and whole blocks of 256 past 3,327).
    public func subset(glyphs used: some Sequence<UInt16>, unicode: [UInt16: UInt32] = [:]) -> FontSubset {
        // Old glyph ids in new order; -1 for an empty filler glyph.
        var order: [Int] = [0]
        var newGlyph: [UInt16: UInt16] = [0: 0]
        func add(_ g: UInt16) {
            guard Int(g) < numGlyphs, newGlyph[g] == nil else { return }
            while !Self.cidIsLiteralSafe(order.count) { order.append(-1) }
            // Past 65,535 new ids the font cannot number more glyphs; a
            // subset that large never occurs (a font has at most 65,535).
            guard order.count <= Int(UInt16.max) else { return }
            newGlyph[g] = UInt16(order.count)
            order.append(Int(g))
        }
        for g in used.sorted() { add(g) }
        // Components are appended after; nested composites are followed too.
        var index = 0
        while index < order.count {
            if order[index] >= 0 {
                for component in components(of: glyphData(UInt16(order[index]))) { add(component.glyph) }
            }
            index += 1
        }

        var glyf = BinaryWriter()
        var loca: [UInt32] = []
        for old in order {
            loca.append(UInt32(glyf.bytes.count))
            guard old >= 0 else { continue }
            var bytes = Array(glyphData(UInt16(old)))
            for component in components(of: glyphData(UInt16(old))) {
                let new = newGlyph[component.glyph] ?? 0
                bytes[component.offset] = UInt8(new >> 8)
                bytes[component.offset + 1] = UInt8(new & 0xFF)
            }
            glyf.append(bytes)
            glyf.pad4()
        }
        loca.append(UInt32(glyf.bytes.count))

        var locaTable = BinaryWriter()
        for offset in loca { locaTable.u32(offset) }
        var hmtx = BinaryWriter()
        for old in order {
            if old >= 0 { hmtx.u16(advances[old]); hmtx.i16(leftSideBearings[old]) } else { hmtx.u16(0); hmtx.i16(0) }
        }

        var head = Array(tableBytes("head") ?? [])
        if head.count >= 54 {
            head[8] = 0; head[9] = 0; head[10] = 0; head[11] = 0  // checkSumAdjustment, set below
            head[50] = 0; head[51] = 1  // indexToLocFormat: long offsets
        }
        var hhea = Array(tableBytes("hhea") ?? [])
        if hhea.count >= 36 { hhea[34] = UInt8(order.count >> 8); hhea[35] = UInt8(order.count & 0xFF) }
        var maxp = Array(tableBytes("maxp") ?? [])
        if maxp.count >= 6 { maxp[4] = UInt8(order.count >> 8); maxp[5] = UInt8(order.count & 0xFF) }
        var post = BinaryWriter()
        post.u32(0x0003_0000)
        if let original = tableBytes("post"), original.count >= 32 { post.append(original.dropFirst(4).prefix(28)) } else { post.append([UInt8](repeating: 0, count: 28)) }

        var tables: [(String, [UInt8])] = [
            ("cmap", Self.cmapFormat12(unicode.compactMap { old, scalar in newGlyph[old].map { (scalar, $0) } })),
            ("glyf", glyf.bytes), ("head", head), ("hhea", hhea), ("hmtx", hmtx.bytes),
            ("loca", locaTable.bytes), ("maxp", maxp), ("post", post.bytes),
        ]
        // Hinting programs are kept: glyph instructions call into fpgm.
        for tag in ["OS/2", "cvt ", "fpgm", "prep", "name"] {
            if let bytes = tableBytes(tag) { tables.append((tag, Array(bytes))) }
        }
        let font = Self.assemble(tables)
        return FontSubset(bytes: font, newGlyph: newGlyph, advances: order.map { $0 >= 0 ? Int(advances[$0]) : 0 })
    }

    private static func cmapFormat12(_ pairs: [(UInt32, UInt16)]) -> [UInt8] {
        let sorted = pairs.sorted { $0.0 < $1.0 }
        var w = BinaryWriter()
        w.u16(0); w.u16(1)
        w.u16(3); w.u16(10); w.u32(12)
        w.u16(12); w.u16(0); w.u32(UInt32(16 + 12 * sorted.count)); w.u32(0); w.u32(UInt32(sorted.count))
        for (scalar, glyph) in sorted { w.u32(scalar); w.u32(scalar); w.u32(UInt32(glyph)) }
        return w.bytes
    }

    private static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var sum: UInt32 = 0
        var i = 0
        while i < bytes.count {
            var word: UInt32 = 0
            for k in 0..<4 { word = word << 8 | UInt32(i + k < bytes.count ? bytes[i + k] : 0) }
            sum = sum &+ word
            i += 4
        }
        return sum
    }

    static func assemble(_ tables: [(String, [UInt8])]) -> [UInt8] {
        let sorted = tables.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
        let count = sorted.count
        var entrySelector = 0
        while (1 << (entrySelector + 1)) <= count { entrySelector += 1 }
        let searchRange = (1 << entrySelector) * 16
        var w = BinaryWriter()
        w.u32(0x0001_0000); w.u16(UInt16(count)); w.u16(UInt16(searchRange))
        w.u16(UInt16(entrySelector)); w.u16(UInt16(count * 16 - searchRange))
        var offset = 12 + 16 * count
        var headOffset = -1
        for (tag, bytes) in sorted {
            w.ascii(tag); w.u32(checksum(bytes)); w.u32(UInt32(offset)); w.u32(UInt32(bytes.count))
            if tag == "head" { headOffset = offset }
            offset += (bytes.count + 3) / 4 * 4
        }
        for (_, bytes) in sorted { w.append(bytes); w.pad4() }
        if headOffset >= 0 {
            let adjustment = 0xB1B0_AFBA &- checksum(w.bytes)
            w.bytes[headOffset + 8] = UInt8(adjustment >> 24)
            w.bytes[headOffset + 9] = UInt8((adjustment >> 16) & 0xFF)
            w.bytes[headOffset + 10] = UInt8((adjustment >> 8) & 0xFF)
            w.bytes[headOffset + 11] = UInt8(adjustment & 0xFF)
        }
        return w.bytes
    }
}
