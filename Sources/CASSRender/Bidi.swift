/// The Unicode Bidirectional Algorithm (UAX #9) for a paragraph that is
/// drawn as one line, as every cell and wrapped line of our documents is.
///
/// Implemented: P2-P3 (paragraph level from the first strong character, or
/// given by the caller as the higher-level protocol HL1 allows), W1-W7,
/// N0 (bracket pairs, BD16), N1-N2, I1-I2, L1 (trailing whitespace and
/// separators to the paragraph level), L2 (reordering) and L4 (mirroring).
/// Not implemented: the explicit embeddings, overrides and isolates
/// (X1-X8, X10): their control characters (U+202A-U+202E, U+2066-U+2069)
/// are removed as rule X9 removes BN, so the whole line is one level run.
/// Invoice texts come from reference data and translations, which do not
/// use them; L3 (combining marks) is not applied.
///
/// Bidi classes, mirrored glyphs and bracket pairs come from the generated
/// tables of `BidiData` (all of Unicode, see scripts/gen-bidi-data).
/// Work per call is a few arrays per line, none per character.
public enum Bidi {
    /// Bidi_Class values; the raw values are those of the generated table.
    public enum Class: UInt8, Sendable {
        case L, R, AL, EN, ES, ET, AN, CS, NSM, BN, B, S, WS, ON, LRE, LRO, RLE, RLO, PDF, LRI, RLI, FSI, PDI

        /// Removed by X9 here (embedding controls and BN; isolates too, see above).
        var isRemoved: Bool {
            switch self {
            case .BN, .LRE, .LRO, .RLE, .RLO, .PDF, .LRI, .RLI, .FSI, .PDI: true
            default: false
            }
        }
    }

    /// Classes of U+0000-U+007F, looked up without a search: most text is ASCII.
    private static let asciiClasses: [Class] = (0..<128).map { search(UInt32($0)) }

    private static func search(_ value: UInt32) -> Class {
        let table = BidiData.classRanges
        var low = 0, high = table.count - 1
        // The last range whose first code point is <= value (table[0] starts at 0).
        while low < high {
            let middle = (low + high + 1) / 2
            if table[middle] >> 5 <= value { low = middle } else { high = middle - 1 }
        }
        return Class(rawValue: UInt8(table[low] & 0x1F)) ?? .L
    }

    public static func bidiClass(_ value: UInt32) -> Class {
        value < 128 ? asciiClasses[Int(value)] : search(value)
    }

    /// The Bidi_Mirroring_Glyph of a character, if it has one (rule L4).
    public static func mirror(_ value: UInt32) -> UInt32? {
        pairSearch(BidiData.mirrors, stride: 2, value).map { BidiData.mirrors[$0 + 1] }
    }

    /// Index of `value` among the first elements of `stride`-sized entries.
    private static func pairSearch(_ table: [UInt32], stride: Int, _ value: UInt32) -> Int? {
        var low = 0, high = table.count / stride - 1
        while low <= high {
            let middle = (low + high) / 2
            let key = table[middle * stride]
            if key == value { return middle * stride }
            if key < value { low = middle + 1 } else { high = middle - 1 }
        }
        return nil
    }

    /// Bidi_Paired_Bracket and whether `value` opens, for rule N0. Angle
    /// brackets U+2329/U+232A are canonically U+3008/U+3009 (BD16 compares
    /// canonical equivalents), so they are reported as those.
    static func bracket(_ value: UInt32) -> (pair: UInt32, opening: Bool)? {
        guard let at = pairSearch(BidiData.brackets, stride: 3, value) else { return nil }
        return (canonical(BidiData.brackets[at + 1]), BidiData.brackets[at + 2] == 0)
    }

    private static func canonical(_ value: UInt32) -> UInt32 {
        value == 0x2329 ? 0x3008 : value == 0x232A ? 0x3009 : value
    }

    /// True for characters that make a line need the algorithm at all (R, AL).
    @inline(__always)
    public static func isRightToLeft(_ value: UInt32) -> Bool {
        // Nothing below the Hebrew block is R or AL.
        guard value >= 0x0590 else { return false }
        let c = search(value)
        return c == .R || c == .AL
    }

    /// Rules P2-P3: 1 when the first strong character is R or AL, 0 when it
    /// is L, nil when there is none.
    public static func firstStrongLevel(_ scalars: some Sequence<UInt32>) -> UInt8? {
        for value in scalars {
            switch bidiClass(value) {
            case .L: return 0
            case .R, .AL: return 1
            default: continue
            }
        }
        return nil
    }

    /// Resolved embedding levels (after W1-I2 and L1) of one line that is a
    /// paragraph at `paragraphLevel` (0 left-to-right, 1 right-to-left).
    /// Characters removed by X9 get the level of the character before them
    /// (the paragraph level at the start), so that they can still be drawn.
    ///
    /// `unitsFollowNumbers` turns on one higher-level protocol (HL3, as if a
    /// left-to-right mark followed): terminators (`%`, currency signs) after
    /// a European number and spaces stay with the number, so that
    /// "levy 2.5 %" inside an Arabic line reads "2.5 %" and not "% ... 2.5".
    /// Plain UAX #9 (the conformance tests) has it off.
    public static func levels(_ scalars: [UInt32], paragraphLevel: UInt8, unitsFollowNumbers: Bool = false) -> [UInt8] {
        let base = paragraphLevel & 1
        let count = scalars.count
        var original = [Class](repeating: .L, count: count)
        var kept: [Int] = []
        kept.reserveCapacity(count)
        for i in 0..<count {
            original[i] = bidiClass(scalars[i])
            if !original[i].isRemoved { kept.append(i) }
        }
        let n = kept.count
        var t = kept.map { original[$0] }
        let e: Class = base == 1 ? .R : .L  // sos and eos: one level run

        // W1: NSM takes the type of the character before it.
        for k in 0..<n where t[k] == .NSM { t[k] = k == 0 ? e : t[k - 1] }
        // W2: EN after AL (searching back to sos) is AN. W3: AL is R.
        var lastStrong = e
        for k in 0..<n {
            switch t[k] {
            case .L, .R, .AL: lastStrong = t[k]
            case .EN where lastStrong == .AL: t[k] = .AN
            default: break
            }
        }
        for k in 0..<n where t[k] == .AL { t[k] = .R }
        // W4: one separator between two numbers of the same kind joins them.
        if n >= 3 {
            for k in 1..<(n - 1) {
                let before = t[k - 1], after = t[k + 1]
                if t[k] == .ES, before == .EN, after == .EN { t[k] = .EN }
                else if t[k] == .CS, before == after, before == .EN || before == .AN { t[k] = before }
            }
        }
        // W5: terminators (%, currency signs) next to European numbers are numbers.
        var k = 0
        while k < n {
            guard t[k] == .ET else { k += 1; continue }
            var end = k
            while end < n && t[end] == .ET { end += 1 }
            if (k > 0 && t[k - 1] == .EN) || (end < n && t[end] == .EN) {
                for j in k..<end { t[j] = .EN }
            }
            k = end
        }
        // W6: remaining separators and terminators are neutral.
        for k in 0..<n where t[k] == .ES || t[k] == .ET || t[k] == .CS { t[k] = .ON }
        // W7: EN after L (searching back to sos) is L.
        lastStrong = e
        for k in 0..<n {
            switch t[k] {
            case .L, .R: lastStrong = t[k]
            case .EN where lastStrong == .L: t[k] = .L
            default: break
            }
        }

        if unitsFollowNumbers {
            // European digits (EN, or L after W7; not AN: after Arabic
            // letters the sign follows the number right to left, as Arabic
            // writes "%25"), then spaces, then terminators: all take the
            // digits' type.
            var k = 0
            while k < n {
                guard original[kept[k]] == .EN, t[k] == .EN || t[k] == .L else { k += 1; continue }
                var end = k + 1
                while end < n && original[kept[end]] == .WS { end += 1 }
                var last = end
                while last < n && original[kept[last]] == .ET { last += 1 }
                if last > end {
                    for j in (k + 1)..<last { t[j] = t[k] }
                    k = last
                } else {
                    k += 1
                }
            }
        }

        resolveBracketPairs(&t, kept: kept, original: original, scalars: scalars, e: e)

        // N1-N2: runs of neutrals take the direction around them if it agrees
        // (numbers count as R), else the embedding direction.
        func strong(_ c: Class) -> Class? {
            switch c {
            case .L: .L
            case .R, .EN, .AN: .R
            default: nil
            }
        }
        k = 0
        while k < n {
            guard isNeutral(t[k]) else { k += 1; continue }
            var end = k
            while end < n && isNeutral(t[end]) { end += 1 }
            let before = k > 0 ? (strong(t[k - 1]) ?? e) : e
            let after = end < n ? (strong(t[end]) ?? e) : e
            let resolved = before == after ? before : e
            for j in k..<end { t[j] = resolved }
            k = end
        }

        // I1-I2.
        var levels = [UInt8](repeating: base, count: count)
        for (k, i) in kept.enumerated() {
            switch (base, t[k]) {
            case (0, .R): levels[i] = 1
            case (0, .AN), (0, .EN): levels[i] = 2
            case (1, .L), (1, .EN), (1, .AN): levels[i] = 2
            default: levels[i] = base
            }
        }
        for i in 0..<count where original[i].isRemoved { levels[i] = i > 0 ? levels[i - 1] : base }

        // L1: separators, and whitespace before them or at the end of the line, go to the paragraph level.
        var trailing = true
        for i in stride(from: count - 1, through: 0, by: -1) {
            switch original[i] {
            case .S, .B:
                levels[i] = base
                trailing = true
            case .WS, .BN, .LRE, .LRO, .RLE, .RLO, .PDF, .LRI, .RLI, .FSI, .PDI:
                if trailing { levels[i] = base }
            default:
                trailing = false
            }
        }
        return levels
    }

    private static func isNeutral(_ c: Class) -> Bool {
        switch c {
        case .B, .S, .WS, .ON, .LRI, .RLI, .FSI, .PDI: true
        default: false
        }
    }

    /// Rule N0: a pair of brackets takes the direction of the strong text
    /// inside it (BD16 pairs at most 63 nested openings, as the rule says).
    private static func resolveBracketPairs(_ t: inout [Class], kept: [Int], original: [Class], scalars: [UInt32], e: Class) {
        let stackMax = 63
        var stack: [(pair: UInt32, position: Int)] = []
        var pairs: [(open: Int, close: Int)] = []
        scan: for k in 0..<kept.count where t[k] == .ON {
            guard let bracket = bracket(scalars[kept[k]]) else { continue }
            if bracket.opening {
                guard stack.count < stackMax else { break scan }
                stack.append((bracket.pair, k))
            } else {
                let value = canonical(scalars[kept[k]])
                if let depth = stack.lastIndex(where: { $0.pair == value }) {
                    pairs.append((stack[depth].position, k))
                    stack.removeSubrange(depth...)
                }
            }
        }
        guard !pairs.isEmpty else { return }
        pairs.sort { $0.open < $1.open }
        let opposite: Class = e == .L ? .R : .L
        func strong(_ c: Class) -> Class? {
            switch c {
            case .L: .L
            case .R, .EN, .AN: .R
            default: nil
            }
        }
        for (open, close) in pairs {
            var foundEmbedding = false, foundOpposite = false
            for k in (open + 1)..<close {
                guard let s = strong(t[k]) else { continue }
                if s == e { foundEmbedding = true; break }
                foundOpposite = true
            }
            let resolved: Class
            if foundEmbedding {
                resolved = e
            } else if foundOpposite {
                var context = e
                var k = open - 1
                while k >= 0 {
                    if let s = strong(t[k]) { context = s; break }
                    k -= 1
                }
                resolved = context == opposite ? opposite : e
            } else {
                continue
            }
            for bracket in [open, close] {
                t[bracket] = resolved
                // Marks on a bracket follow it (they were made ON by W1).
                var k = bracket + 1
                while k < kept.count && original[kept[k]] == .NSM { t[k] = resolved; k += 1 }
            }
        }
    }

    /// Rule L2: the visual order, as indices into the line, from levels.
    public static func visualOrder(_ levels: [UInt8]) -> [Int] {
        var order = Array(levels.indices)
        guard let highest = levels.max(), highest > 0 else { return order }
        let lowestOdd = (levels.filter { $0 & 1 == 1 }.min() ?? (highest | 1))
        var level = highest
        while level >= lowestOdd {
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
        return order
    }
}
