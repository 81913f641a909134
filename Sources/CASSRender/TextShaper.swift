/// Turns a string in logical order into glyph-ready characters in visual
/// (left-to-right drawing) order: Arabic letters take their contextual
/// forms from the Unicode Arabic Presentation Forms (with lam-alef
/// ligatures), then right-to-left runs are reversed while numbers and Latin
/// words inside them keep their own left-to-right order (a compact version
/// of the Unicode bidirectional algorithm: no explicit embeddings).
public enum TextShaper {
    /// One drawable character and the logical text it stands for (for copy
    /// and paste: a lam-alef ligature stands for two letters).
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

    static func direction(_ s: Unicode.Scalar) -> Direction {
        let v = s.value
        if (0x30...0x39).contains(v) || (0x0660...0x0669).contains(v) || (0x06F0...0x06F9).contains(v) { return .number }
        if (0x0590...0x08FF).contains(v) || (0xFB1D...0xFDFF).contains(v) || (0xFE70...0xFEFF).contains(v) {
            return (0x064B...0x065F).contains(v) ? .neutral : .right
        }
        return s.properties.isAlphabetic ? .left : .neutral
    }

    /// True when the text's first strong character is right-to-left.
    public static func isRightToLeft(_ text: String) -> Bool {
        for s in text.unicodeScalars {
            switch direction(s) {
            case .right: return true
            case .left: return false
            default: continue
            }
        }
        return false
    }

    static let mirrored: [Unicode.Scalar: Unicode.Scalar] = ["(": ")", ")": "(", "[": "]", "]": "[", "{": "}", "}": "{", "<": ">", ">": "<", "«": "»", "»": "«"]

    /// Shapes and reorders a line for drawing from left to right.
    public static func visual(_ text: String) -> [Item] {
        let scalars = Array(text.unicodeScalars)
        // Most text on an invoice has no right-to-left character at all.
        guard scalars.contains(where: { (0x0590...0x08FF).contains($0.value) || (0xFB1D...0xFEFF).contains($0.value) }) else {
            return scalars.map { Item(scalar: $0, text: String($0)) }
        }
        let needsArabic = scalars.contains { (0x0600...0x06FF).contains($0.value) }
        let items = needsArabic ? shapeArabic(scalars) : scalars.map { Item(scalar: $0, text: String($0)) }
        let directions = items.map { direction($0.scalar) }
        guard directions.contains(.right) else { return items }
        let base = isRightToLeft(text) ? 1 : 0

        // Numbers take the direction of the last strong character before them.
        var resolved = directions
        var lastStrong: Direction = base == 1 ? .right : .left
        for i in resolved.indices {
            switch directions[i] {
            case .left, .right: lastStrong = directions[i]
            case .number: resolved[i] = lastStrong == .right ? .number : .left
            case .neutral: break
            }
        }
        var levels = [Int](repeating: base, count: items.count)
        for i in items.indices {
            switch resolved[i] {
            case .right: levels[i] = 1
            case .left: levels[i] = base == 1 ? 2 : 0
            case .number: levels[i] = 2
            case .neutral: break
            }
        }
        // Neutrals between two characters of the same direction take it
        // (numbers count as right-to-left here); others take the base's.
        func strength(_ d: Direction) -> Direction? {
            switch d {
            case .right, .number: .right
            case .left: .left
            case .neutral: nil
            }
        }
        var i = 0
        while i < items.count {
            guard resolved[i] == .neutral else { i += 1; continue }
            var j = i
            while j < items.count && resolved[j] == .neutral { j += 1 }
            let before = i > 0 ? strength(resolved[i - 1]) : (base == 1 ? .right : .left)
            let after = j < items.count ? strength(resolved[j]) : (base == 1 ? .right : .left)
            let level = before == after ? (before == .right ? 1 : (base == 1 ? 2 : 0)) : base
            for k in i..<j { levels[k] = level }
            i = j
        }
        var order = Array(items.indices)
        let highest = levels.max() ?? 0
        var level = highest
        while level >= 1 {
            var k = 0
            while k < order.count {
                guard levels[order[k]] >= level else { k += 1; continue }
                var end = k
                while end < order.count && levels[order[end]] >= level { end += 1 }
                order[k..<end].reverse()
                k = end
            }
            level -= 1
        }
        return order.map { index in
            var item = items[index]
            if levels[index] % 2 == 1, let mirror = mirrored[item.scalar] { item.scalar = mirror }
            return item
        }
    }
}
