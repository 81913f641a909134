/// A TrueType font (glyf outlines) read once and shared by every document:
/// the tables a PDF needs for metrics, the Unicode cmap, and the raw glyph
/// data for subsetting. CFF-flavoured OpenType fonts are refused, because a
/// CIDFontType2 needs glyf outlines.
public struct TrueTypeFont: Sendable {
    public let postScriptName: String
    public let unitsPerEm: Int
    public let ascender: Int
    public let descender: Int
    public let capHeight: Int
    public let italicAngle: Int
    public let bbox: [Int]
    public let numGlyphs: Int
    public let isBold: Bool

    let data: [UInt8]
    let tables: [String: TableRecord]
    /// Basic Multilingual Plane code point to glyph, 0 = none.
    let bmp: [UInt16]
    let supplementary: [UInt32: UInt16]
    let advances: [UInt16]
    let leftSideBearings: [Int16]
    let glyphOffsets: [Int]

    struct TableRecord: Sendable {
        let offset: Int
        let length: Int
    }

    public init(bytes: [UInt8]) throws {
        let r = BinaryReader(bytes: bytes)
        let version = try r.u32(0)
        guard version == 0x0001_0000 || version == 0x7472_7565 else {
            throw FontError.notTrueType(version == 0x4F54_544F ? "CFF outlines (OTTO)" : "sfnt version \(version)")
        }
        var tables: [String: TableRecord] = [:]
        let count = Int(try r.u16(4))
        for i in 0..<count {
            let at = 12 + 16 * i
            let tag = String(decoding: try r.slice(at, 4), as: UTF8.self)
            let offset = Int(try r.u32(at + 8)), length = Int(try r.u32(at + 12))
            _ = try r.slice(offset, length)
            tables[tag] = TableRecord(offset: offset, length: length)
        }
        for required in ["head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"] where tables[required] == nil {
            throw FontError.missingTable(required)
        }
        func table(_ tag: String) -> Int { tables[tag]?.offset ?? 0 }
        let head = table("head"), hhea = table("hhea")
        unitsPerEm = Int(try r.u16(head + 18))
        guard unitsPerEm >= 16 else { throw FontError.malformed("unitsPerEm \(unitsPerEm)") }
        bbox = [Int(try r.i16(head + 36)), Int(try r.i16(head + 38)), Int(try r.i16(head + 40)), Int(try r.i16(head + 42))]
        let longLoca = try r.i16(head + 50) == 1
        isBold = (try r.u16(head + 44)) & 1 != 0
        ascender = Int(try r.i16(hhea + 4))
        descender = Int(try r.i16(hhea + 6))
        numGlyphs = Int(try r.u16(table("maxp") + 4))
        let metricsCount = Int(try r.u16(hhea + 34))
        guard metricsCount >= 1, metricsCount <= numGlyphs else { throw FontError.malformed("numberOfHMetrics \(metricsCount)") }

        var advances = [UInt16](repeating: 0, count: numGlyphs)
        var bearings = [Int16](repeating: 0, count: numGlyphs)
        let hmtx = table("hmtx")
        for g in 0..<numGlyphs {
            if g < metricsCount {
                advances[g] = try r.u16(hmtx + 4 * g)
                bearings[g] = try r.i16(hmtx + 4 * g + 2)
            } else {
                advances[g] = advances[metricsCount - 1]
                bearings[g] = try r.i16(hmtx + 4 * metricsCount + 2 * (g - metricsCount))
            }
        }
        self.advances = advances
        self.leftSideBearings = bearings

        var offsets = [Int](repeating: 0, count: numGlyphs + 1)
        let loca = table("loca"), glyfLength = tables["glyf"]?.length ?? 0
        for g in 0...numGlyphs {
            let value = longLoca ? Int(try r.u32(loca + 4 * g)) : Int(try r.u16(loca + 2 * g)) * 2
            offsets[g] = min(value, glyfLength)
        }
        glyphOffsets = offsets

        var capHeight = ascender * 7 / 10
        if let os2 = tables["OS/2"], os2.length >= 90, try r.u16(os2.offset) >= 2 {
            capHeight = Int(try r.i16(os2.offset + 88))
        }
        self.capHeight = capHeight
        if let post = tables["post"] { italicAngle = Int(Int32(bitPattern: try r.u32(post.offset + 4)) >> 16) } else { italicAngle = 0 }

        (bmp, supplementary) = try TrueTypeFont.readCmap(r, at: table("cmap"))
        postScriptName = (try? TrueTypeFont.readPostScriptName(r, tables["name"])) ?? "Font"
        data = bytes
        self.tables = tables
    }

    /// Glyph for a Unicode scalar, nil when the font has none.
    public func glyph(for scalar: UInt32) -> UInt16? {
        let g = scalar < 0x10000 ? bmp[Int(scalar)] : (supplementary[scalar] ?? 0)
        return g == 0 ? nil : g
    }

    public func hasGlyph(for scalar: Unicode.Scalar) -> Bool { glyph(for: scalar.value) != nil }

    /// Advance width in font units.
    public func advance(of glyph: UInt16) -> Int {
        Int(glyph) < advances.count ? Int(advances[Int(glyph)]) : 0
    }

    func glyphData(_ glyph: UInt16) -> ArraySlice<UInt8> {
        let g = Int(glyph)
        guard g < numGlyphs, let glyf = tables["glyf"] else { return [] }
        let start = glyphOffsets[g], end = glyphOffsets[g + 1]
        guard end > start else { return [] }
        return data[(glyf.offset + start)..<(glyf.offset + end)]
    }

    func tableBytes(_ tag: String) -> ArraySlice<UInt8>? {
        guard let t = tables[tag] else { return nil }
        return data[t.offset..<(t.offset + t.length)]
    }

    private static func readCmap(_ r: BinaryReader, at cmap: Int) throws -> ([UInt16], [UInt32: UInt16]) {
        var bmp = [UInt16](repeating: 0, count: 0x10000)
        var supplementary: [UInt32: UInt16] = [:]
        let count = Int(try r.u16(cmap + 2))
        var format4: Int?
        var format12: Int?
        for i in 0..<count {
            let platform = try r.u16(cmap + 4 + 8 * i), encoding = try r.u16(cmap + 6 + 8 * i)
            let at = cmap + Int(try r.u32(cmap + 8 + 8 * i))
            let format = try r.u16(at)
            let unicode = platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10))
            guard unicode else { continue }
            if format == 12 { format12 = at } else if format == 4, format4 == nil { format4 = at }
        }
        guard format4 != nil || format12 != nil else { throw FontError.missingTable("Unicode cmap subtable") }
        // Both are read: some fonts (Droid Sans Fallback) keep Hangul only in
        // the format 4 subtable and supplementary planes only in format 12.
        if let at = format4 {
            let segX2 = Int(try r.u16(at + 6))
            let ends = at + 14, starts = ends + segX2 + 2, deltas = starts + segX2, ranges = deltas + segX2
            for s in 0..<(segX2 / 2) {
                let end = Int(try r.u16(ends + 2 * s)), start = Int(try r.u16(starts + 2 * s))
                let delta = Int(try r.u16(deltas + 2 * s)), rangeOffset = Int(try r.u16(ranges + 2 * s))
                guard start <= end else { continue }
                for c in start...end where c != 0xFFFF {
                    var g: Int
                    if rangeOffset == 0 {
                        g = (c + delta) & 0xFFFF
                    } else {
                        g = Int(try r.u16(ranges + 2 * s + rangeOffset + 2 * (c - start)))
                        if g != 0 { g = (g + delta) & 0xFFFF }
                    }
                    bmp[c] = UInt16(g)
                }
            }
        }
        if let at = format12 {
            let groups = Int(try r.u32(at + 12))
            for i in 0..<groups {
                let start = try r.u32(at + 16 + 12 * i), end = try r.u32(at + 20 + 12 * i)
                let first = try r.u32(at + 24 + 12 * i)
                guard start <= end, end <= 0x10FFFF, end - start < 0x20000 else { continue }
                for c in start...end {
                    let g = UInt16(truncatingIfNeeded: first + (c - start))
                    guard g != 0 else { continue }
                    if c < 0x10000 { bmp[Int(c)] = g } else { supplementary[c] = g }
                }
            }
        }
        return (bmp, supplementary)
    }

    private static func readPostScriptName(_ r: BinaryReader, _ name: TableRecord?) throws -> String? {
        guard let name else { return nil }
        let count = Int(try r.u16(name.offset + 2)), strings = name.offset + Int(try r.u16(name.offset + 4))
        for i in 0..<count {
            let at = name.offset + 6 + 12 * i
            guard try r.u16(at + 6) == 6 else { continue }
            let platform = try r.u16(at), length = Int(try r.u16(at + 8)), offset = Int(try r.u16(at + 10))
            let raw = try r.slice(strings + offset, length)
            var text: String
            if platform == 3 || platform == 0 {
                var units: [UInt16] = []
                var k = raw.startIndex
                while k + 1 < raw.endIndex { units.append(UInt16(raw[k]) << 8 | UInt16(raw[k + 1])); k += 2 }
                text = String(decoding: units, as: UTF16.self)
            } else {
                text = String(decoding: raw, as: UTF8.self)
            }
            // PDF names allow only a safe subset of characters.
            text = String(text.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") })
            if !text.isEmpty { return text }
        }
        return nil
    }
}

public enum FontError: Error, CustomStringConvertible, Equatable {
    case truncated(Int)
    case notTrueType(String)
    case missingTable(String)
    case malformed(String)
    case notInstalled(String)

    public var description: String {
        switch self {
        case .truncated(let at): "font file truncated (read at byte \(at))"
        case .notTrueType(let what): "not a TrueType font with glyf outlines: \(what)"
        case .missingTable(let tag): "font has no \(tag) table"
        case .malformed(let what): "font malformed: \(what)"
        case .notInstalled(let what): what
        }
    }
}
