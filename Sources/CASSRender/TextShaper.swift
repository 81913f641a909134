/// Turns a string in logical order into glyph-ready characters in visual
/// (left-to-right drawing) order: Arabic letters take their contextual
/// forms from the Unicode Arabic Presentation Forms (with lam-alef
/// ligatures), then the line is put in visual order by the Unicode
/// Bidirectional Algorithm (`Bidi`, UAX #9 without explicit embeddings).
public enum TextShaper {
    /// One drawable character and the text it stands for (for copy and
    /// paste: a lam-alef ligature stands for two letters). After `visual`,
    /// the letters of a right-to-left ligature are in drawing order.
    public struct Item: Sendable, Equatable {
        public var scalar: Unicode.Scalar
        public var text: String
    }

    enum Joining { case none, right, dual, causing, transparent }

    /// Base letter to (isolated form, number of forms): 2 = isolated and
    /// final (right-joining), 4 = isolated, final, initial, medial.
    static let forms: [UInt32: (UInt32, Int)] = {
        var table: [UInt32: (UInt32, Int)] = [0x0621: (0xFE80, 1)]
        let b: [(UInt32, UInt32, Int)] = [
            (0x0622, 0xFE81, 2), (0x0623, 0xFE83, 2), (0x0624, 0xFE85, 2), (0x0625, 0xFE87, 2),
            (0x0626, 0xFE89, 4), (0x0627, 0xFE8D, 2), (0x0628, 0xFE8F, 4), (0x0629, 0xFE93, 2),
            (0x062A, 0xFE95, 4), (0x062B, 0xFE99, 4), (0x062C, 0xFE9D, 4), (0x062D, 0xFEA1, 4),
            (0x062E, 0xFEA5, 4), (0x062F, 0xFEA9, 2), (0x0630, 0xFEAB, 2), (0x0631, 0xFEAD, 2),
            (0x0632, 0xFEAF, 2), (0x0633, 0xFEB1, 4), (0x0634, 0xFEB5, 4), (0x0635, 0xFEB9, 4),
            (0x0636, 0xFEBD, 4), (0x0637, 0xFEC1, 4), (0x0638, 0xFEC5, 4), (0x0639, 0xFEC9, 4),
            (0x063A, 0xFECD, 4), (0x0641, 0xFED1, 4), (0x0642, 0xFED5, 4), (0x0643, 0xFED9, 4),
            (0x0644, 0xFEDD, 4), (0x0645, 0xFEE1, 4), (0x0646, 0xFEE5, 4), (0x0647, 0xFEE9, 4),
            (0x0648, 0xFEED, 2), (0x0649, 0xFEEF, 2), (0x064A, 0xFEF1, 4),
            // Persian and Urdu letters live in Presentation Forms-A.
            (0x067E, 0xFB56, 4), (0x0686, 0xFB7A, 4), (0x0698, 0xFB8A, 2), (0x06A9, 0xFB8E, 4),
            (0x06AF, 0xFB92, 4), (0x06CC, 0xFBFC, 4),
        ]
        for (base, isolated, count) in b { table[base] = (isolated, count) }
        return table
    }()

    /// Alef variants to the isolated lam-alef ligature (final = +1).
    static let lamAlef: [UInt32: UInt32] = [0x0622: 0xFEF5, 0x0623: 0xFEF7, 0x0625: 0xFEF9, 0x0627: 0xFEFB]

    static func joining(_ s: Unicode.Scalar) -> Joining {
        let v = s.value
        if v == 0x0640 || v == 0x200D { return .causing }
        if (0x064B...0x065F).contains(v) || v == 0x0670 || (0x06D6...0x06ED).contains(v) { return .transparent }
        guard let (_, count) = forms[v] else { return .none }
        return count == 4 ? .dual : count == 2 ? .right : .none
    }

    /// Contextual forms, still in logical order.
    public static func shapeArabic(_ scalars: [Unicode.Scalar]) -> [Item] {
        let types = scalars.map(joining)
        func neighbour(_ from: Int, _ step: Int) -> Joining {
            var i = from + step
            while i >= 0 && i < scalars.count {
                if types[i] != .transparent { return types[i] }
                i += step
            }
            return .none
        }
        var out: [Item] = []
        out.reserveCapacity(scalars.count)
        var i = 0
        while i < scalars.count {
            let s = scalars[i], type = types[i]
            let previous = neighbour(i, -1)
            let joinsBefore = (type == .dual || type == .right || type == .causing) && (previous == .dual || previous == .causing)
            if s.value == 0x0644, i + 1 < scalars.count, let ligature = lamAlef[scalars[i + 1].value],
               let shaped = Unicode.Scalar(ligature + (joinsBefore ? 1 : 0)) {
                out.append(Item(scalar: shaped, text: String(s) + String(scalars[i + 1])))
                i += 2
                continue
            }
            guard let (isolated, count) = forms[s.value], count > 1 else {
                out.append(Item(scalar: s, text: String(s)))
                i += 1
                continue
            }
            let next = neighbour(i, 1)
            let joinsAfter = type == .dual && (next == .dual || next == .right || next == .causing)
            var form = 0
            if count == 4 {
                form = joinsBefore ? (joinsAfter ? 3 : 1) : (joinsAfter ? 2 : 0)
            } else {
                form = joinsBefore ? 1 : 0
            }
            out.append(Item(scalar: Unicode.Scalar(isolated + UInt32(form)) ?? s, text: String(s)))
            i += 1
        }
        return out
    }

    enum Direction { case left, right, number, neutral }

    /// Strong direction of a character (for choosing fonts and the
    /// direction of a line); the ordering itself uses `Bidi`'s classes.
    static func direction(_ s: Unicode.Scalar) -> Direction {
        switch Bidi.bidiClass(s.value) {
        case .L: .left
        case .R, .AL: .right
        case .EN, .AN: .number
        default: .neutral
        }
    }

    /// True when the text's first strong character is right-to-left (P2-P3).
    public static func isRightToLeft(_ text: String) -> Bool {
        Bidi.firstStrongLevel(text.unicodeScalars.lazy.map(\.value)) == 1
    }

    /// Shapes and reorders a line for drawing from left to right, by the
    /// Unicode Bidirectional Algorithm (`Bidi`). `paragraphLevel` is the
    /// direction of the paragraph the line belongs to (0 left-to-right,
    /// 1 right-to-left); nil takes it from the line's first strong character.
    public static func visual(_ text: String, paragraphLevel: UInt8? = nil) -> [Item] {
        let scalars = Array(text.unicodeScalars)
        // Most text on an invoice has no right-to-left character at all; in a
        // left-to-right paragraph such a line is drawn as it is stored
        // (`Bidi.mayReorder` names the characters that can change that,
        // among them the explicit controls RLE, RLO and RLI).
        let mayReorder = scalars.contains { Bidi.mayReorder($0.value) }
        guard mayReorder || paragraphLevel == 1 else {
            return scalars.map { Item(scalar: $0, text: String($0)) }
        }
        let needsArabic = scalars.contains { (0x0600...0x06FF).contains($0.value) }
        let items = needsArabic ? shapeArabic(scalars) : scalars.map { Item(scalar: $0, text: String($0)) }
        let values = items.map(\.scalar.value)
        let base = paragraphLevel ?? Bidi.firstStrongLevel(values) ?? 0
        let levels = Bidi.levels(values, paragraphLevel: base, unitsFollowNumbers: true)
        return Bidi.visualOrder(levels).map { index in
            var item = items[index]
            // L4: mirrored characters (brackets) at right-to-left levels.
            guard levels[index] & 1 == 1 else { return item }
            if let mirror = Bidi.mirror(item.scalar.value), let scalar = Unicode.Scalar(mirror) { item.scalar = scalar }
            // A ligature drawn right to left stands for its letters in
            // drawing order too (alef then lam for lam-alef): extractors
            // reverse right-to-left runs whole, its letters with them, and
            // so give lam then alef back (docs/documents.md).
            if item.text.unicodeScalars.count > 1 { item.text = String(String.UnicodeScalarView(item.text.unicodeScalars.reversed())) }
            return item
        }
    }
}
