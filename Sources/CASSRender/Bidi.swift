/// The Unicode Bidirectional Algorithm (UAX #9, Unicode 15.0) for a
/// paragraph that is drawn as one line, as every cell and wrapped line of
/// our documents is.
///
/// Implemented: P2-P3 (paragraph level from the first strong character
/// outside isolates, or given by the caller as the higher-level protocol
/// HL1 allows), X1-X8 (explicit embeddings, overrides and isolates with the
/// directional status stack of depth 125 and its overflow counters), X9,
/// X10 (isolating run sequences, BD13, with their sos and eos), W1-W7, N0
/// (bracket pairs, BD16), N1-N2 and I1-I2 per isolating run sequence, L1
/// (separators, and trailing whitespace and isolate controls, to the
/// paragraph level), L2 (reordering) and L4 (mirroring, in `TextShaper`).
/// Every case of Unicode's BidiTest.txt and BidiCharacterTest.txt passes.
///
/// Not implemented: P1 (a line is one paragraph; a paragraph separator
/// inside it ends every embedding, X8, but the level is not chosen again:
/// callers split paragraphs at line feeds) and L3 (combining marks). Lines
/// of a wrapped paragraph are resolved one by one with the paragraph's
/// level and the embeddings still open before them (`openControls`), so
/// only the weak and neutral rules do not look across a line break.
/// Reference data and translations rarely hold explicit controls; a
/// careless or hostile name that does is ordered as UAX #9 says, within its
/// own cell (the controls are not drawn, see `PDFDocument.shapeGeneral`).
///
/// Bidi classes, mirrored glyphs and bracket pairs come from the generated
/// tables of `BidiData` (all of Unicode, see scripts/gen-bidi-data).
/// Work per call is a few arrays per line, none per character; a line
/// without explicit controls skips the stack and the run sequences.
public enum Bidi {
    /// Bidi_Class values; the raw values are those of the generated table.
    public enum Class: UInt8, Sendable {
        case L, R, AL, EN, ES, ET, AN, CS, NSM, BN, B, S, WS, ON, LRE, LRO, RLE, RLO, PDF, LRI, RLI, FSI, PDI

        /// Removed by rule X9: the embedding and override controls and BN.
        /// Isolate controls stay: they are neutrals with levels of their own.
        var isRemoved: Bool {
            switch self {
            case .BN, .LRE, .LRO, .RLE, .RLO, .PDF: true
            default: false
            }
        }

        var isIsolateInitiator: Bool { self == .LRI || self == .RLI || self == .FSI }

        /// LRE...PDI, the explicit formatting characters (the last raw values).
        var isExplicit: Bool { rawValue >= Class.LRE.rawValue }
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

    /// True for the characters without which a line of a left-to-right
    /// paragraph is drawn as stored, so that such a line can skip the
    /// algorithm: R and AL; RLE, RLO and RLI, which open right-to-left
    /// levels (an FSI does so only around an R or AL); and AN, because
    /// neutrals between Arabic numbers resolve right-to-left (N1: "١ ٢" is
    /// drawn "٢ ١"). Without them every level is even (L stays, EN becomes L
    /// by W7 after the L sos, neutrals resolve L) and even levels reorder
    /// nothing; `BidiTests` checks this against every conformance case.
    @inline(__always)
    public static func mayReorder(_ value: UInt32) -> Bool {
        // Nothing below the Hebrew block is R, AL, AN or an explicit control.
        guard value >= 0x0590 else { return false }
        switch search(value) {
        case .R, .AL, .AN, .RLE, .RLO, .RLI: return true
        default: return false
        }
    }

    /// The explicit embedding, override and isolate controls (U+202A-U+202E,
    /// U+2066-U+2069): they order text and are not drawn.
    @inline(__always)
    public static func isExplicitControl(_ value: UInt32) -> Bool {
        (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
    }

    /// Rules P2-P3: 1 when the first strong character is R or AL, 0 when it
    /// is L, nil when there is none. Characters between an isolate initiator
    /// and its matching PDI (or the end of the line) do not count, nor do
    /// those after a paragraph separator.
    public static func firstStrongLevel(_ scalars: some Sequence<UInt32>) -> UInt8? {
        var depth = 0
        for value in scalars {
            switch bidiClass(value) {
            case .L: if depth == 0 { return 0 }
            case .R, .AL: if depth == 0 { return 1 }
            case .LRI, .RLI, .FSI: depth += 1
            case .PDI: if depth > 0 { depth -= 1 }
            case .B: return nil
            default: continue
            }
        }
        return nil
    }

    /// The explicit controls to put before a continuation line of a wrapped
    /// paragraph (`scalars`, whose line starts at `offset`), so that the
    /// line's characters get the embedding levels and overrides they have
    /// in the whole paragraph (X1-X8): the embeddings, overrides and
    /// isolates still open there, oldest first, an FSI as the LRI or RLI
    /// it resolved to. Lines are resolved one by one (see the header), so
    /// without them an override would end at the first line break.
    /// Embeddings and isolates that overflowed are not carried (past 125
    /// levels a continuation line may differ). Empty when the paragraph
    /// has no explicit control: the usual case costs one pass of lookups.
    public static func openControls(_ scalars: [UInt32], at offset: Int, paragraphLevel: UInt8) -> [UInt32] {
        guard offset > 0, scalars.contains(where: isExplicitControl) else { return [] }
        let original = scalars.map(bidiClass)
        var t = original
        var levels = [UInt8](repeating: 0, count: scalars.count)
        return resolveExplicit(original, &t, &levels, base: paragraphLevel & 1, until: offset).open
    }

    /// Deepest explicit embedding level (BD2, max_depth).
    static let maxDepth: UInt8 = 125

    /// An isolating run sequence (BD13): its characters are
    /// `order[previous end..<end]`, with its start-of-sequence and
    /// end-of-sequence types (X10).
    private struct RunSequence {
        var end: Int
        var sos: Class
        var eos: Class
    }

    /// Resolved embedding levels (after X1-I2 and L1) of one line that is a
    /// paragraph at `paragraphLevel` (0 left-to-right, 1 right-to-left).
    /// Characters removed by X9 get the level of the character before them
    /// (the paragraph level at the start), so that they can still be drawn.
    ///
    /// `unitsFollowNumbers` turns on one higher-level protocol (HL3, as if a
    /// left-to-right mark followed): terminators (`%`, currency signs) after
    /// a European number and spaces stay with the number, so that
    /// "levy 2.5 %" inside an Arabic line reads "2.5 %" and not "% ... 2.5".
    /// Plain UAX #9 (the conformance tests) has it off.
    ///
    /// Work: classes, types, levels and the sequence order of the line (four
    /// arrays; a fifth for a sequence's types when X9 removed a character);
    /// a line with explicit controls adds the status stack (at most 127
    /// entries), isolate pairs and level runs. Nothing per character.
    public static func levels(_ scalars: [UInt32], paragraphLevel: UInt8, unitsFollowNumbers: Bool = false) -> [UInt8] {
        let base = paragraphLevel & 1
        let count = scalars.count
        var original = [Class](repeating: .L, count: count)
        var explicit = false
        for i in 0..<count {
            let c = bidiClass(scalars[i])
            original[i] = c
            if c.isExplicit { explicit = true }
        }
        // Types as the rules change them (X6 overrides, W1-N2), by character.
        var t = original
        var levels = [UInt8](repeating: base, count: count)
        // The isolating run sequences one after the other, as character indices.
        var order: [Int] = []
        order.reserveCapacity(count)
        if explicit {
            let partner = resolveExplicit(original, &t, &levels, base: base).partner
            var sequences: [RunSequence] = []
            isolatingRunSequences(original, levels, partner: partner, base: base, order: &order, sequences: &sequences)
            // Each sequence's types in a row for W1-N2, then back.
            var s: [Class] = []
            s.reserveCapacity(order.count)
            var start = 0
            for sequence in sequences {
                guard sequence.end > start else { continue }
                s.removeAll(keepingCapacity: true)
                for k in start..<sequence.end { s.append(t[order[k]]) }
                resolveSequence(&s, order: order, from: start, level: levels[order[start]], sos: sequence.sos, eos: sequence.eos,
                                original: original, scalars: scalars, unitsFollowNumbers: unitsFollowNumbers)
                for k in start..<sequence.end { t[order[k]] = s[k - start] }
                start = sequence.end
            }
        } else {
            // Without explicit controls every kept character is at the
            // paragraph level: one level run, one sequence, sos = eos. When
            // X9 removed nothing (the usual line) its types are `t` itself.
            for i in 0..<count where !original[i].isRemoved { order.append(i) }
            let e: Class = base == 1 ? .R : .L
            if order.count == count {
                resolveSequence(&t, order: order, from: 0, level: base, sos: e, eos: e,
                                original: original, scalars: scalars, unitsFollowNumbers: unitsFollowNumbers)
            } else {
                var s = order.map { t[$0] }
                resolveSequence(&s, order: order, from: 0, level: base, sos: e, eos: e,
                                original: original, scalars: scalars, unitsFollowNumbers: unitsFollowNumbers)
                for (k, i) in order.enumerated() { t[i] = s[k] }
            }
        }

        // I1-I2: after N1-N2 every kept character is L, R, EN or AN. Levels
        // stay within 127 (125 + 2).
        for i in order {
            let odd = levels[i] & 1 == 1
            switch t[i] {
            case .R: if !odd { levels[i] += 1 }
            case .AN, .EN: levels[i] += odd ? 1 : 2
            case .L: if odd { levels[i] += 1 }
            default: break
            }
        }
        for i in 0..<count where original[i].isRemoved { levels[i] = i > 0 ? levels[i - 1] : base }

        // L1: separators, and whitespace and isolate controls before them or
        // at the end of the line, go to the paragraph level (by original type:
        // an override does not keep trailing spaces inside it).
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

    /// Rules X1-X8: the embedding level of every character and the type an
    /// override gives it, with the directional status stack (at most
    /// `maxDepth` levels; embeddings and isolates beyond are counted as
    /// overflow and otherwise ignored, as X5 and X5a say). Returns, for each
    /// isolate initiator and PDI, the index of its partner (BD9), -1 if none.
    ///
    /// With `until`, stops before that character and also returns the
    /// controls that opened the entries then on the stack, oldest first (an
    /// FSI as the LRI or RLI it resolved to): see `openControls`.
    private static func resolveExplicit(_ original: [Class], _ t: inout [Class], _ levels: inout [UInt8], base: UInt8,
                                        until: Int? = nil) -> (partner: [Int], open: [UInt32]) {
        let count = original.count
        // BD9 and, for X5c, the first strong character inside each isolate:
        // one pass, as a strong character belongs to the innermost isolate
        // open at it (P2 skips nested isolates). `open` holds the initiators
        // not yet closed, innermost last, and whether their direction is known.
        var partner = [Int](repeating: -1, count: count)
        var rightToLeftFSI = [Bool](repeating: false, count: count)
        var open: [(index: Int, decided: Bool)] = []
        for i in 0..<count {
            switch original[i] {
            case .LRI, .RLI, .FSI:
                open.append((i, false))
            case .PDI:
                if let initiator = open.popLast() {
                    partner[initiator.index] = i
                    partner[i] = initiator.index
                }
            case .L, .R, .AL:
                if let top = open.last, !top.decided {
                    open[open.count - 1].decided = true
                    if original[top.index] == .FSI && original[i] != .L { rightToLeftFSI[top.index] = true }
                }
            case .B:
                // The paragraph ends (X8): isolates open here have no PDI.
                open.removeAll(keepingCapacity: true)
            default:
                break
            }
        }

        struct Status {
            var level: UInt8
            var override: Class  // L, R, or ON for none
            var isolate: Bool
            var opener: UInt32  // the control that pushed it (0 for the paragraph's entry)
        }
        let initial = Status(level: base, override: .ON, isolate: false, opener: 0)
        var stack = [initial]
        stack.reserveCapacity(Int(maxDepth) + 2)
        var overflowIsolates = 0, overflowEmbeddings = 0, validIsolates = 0
        for i in 0..<min(until ?? count, count) {
            let c = original[i]
            let top = stack[stack.count - 1]
            switch c {
            case .RLE, .LRE, .RLO, .LRO:
                // X2-X5: the least greater odd (RLE, RLO) or even level.
                levels[i] = top.level
                let next = c == .RLE || c == .RLO ? (top.level + 1) | 1 : (top.level + 2) & ~1
                if next <= maxDepth && overflowIsolates == 0 && overflowEmbeddings == 0 {
                    let opener: UInt32 = c == .RLE ? 0x202B : c == .LRE ? 0x202A : c == .RLO ? 0x202E : 0x202D
                    stack.append(Status(level: next, override: c == .RLO ? .R : c == .LRO ? .L : .ON, isolate: false, opener: opener))
                } else if overflowIsolates == 0 {
                    overflowEmbeddings += 1
                }
            case .RLI, .LRI, .FSI:
                // X5a-X5c: the initiator itself is at the outer level.
                levels[i] = top.level
                if top.override != .ON { t[i] = top.override }
                let rightToLeft = c == .RLI || (c == .FSI && rightToLeftFSI[i])
                let next = rightToLeft ? (top.level + 1) | 1 : (top.level + 2) & ~1
                if next <= maxDepth && overflowIsolates == 0 && overflowEmbeddings == 0 {
                    validIsolates += 1
                    stack.append(Status(level: next, override: .ON, isolate: true, opener: rightToLeft ? 0x2067 : 0x2066))
                } else {
                    overflowIsolates += 1
                }
            case .PDI:
                // X6a: closes the isolate and every embedding inside it.
                if overflowIsolates > 0 {
                    overflowIsolates -= 1
                } else if validIsolates > 0 {
                    overflowEmbeddings = 0
                    while stack.count > 1 && !stack[stack.count - 1].isolate { stack.removeLast() }
                    if stack.count > 1 { stack.removeLast() }
                    validIsolates -= 1
                }
                let now = stack[stack.count - 1]
                levels[i] = now.level
                if now.override != .ON { t[i] = now.override }
            case .PDF:
                // X7: never closes an isolate, nor the paragraph's entry.
                levels[i] = top.level
                if overflowIsolates > 0 {
                } else if overflowEmbeddings > 0 {
                    overflowEmbeddings -= 1
                } else if !top.isolate && stack.count >= 2 {
                    stack.removeLast()
                }
            case .B:
                // X8: a paragraph separator ends every embedding and isolate.
                levels[i] = base
                stack.removeSubrange(1...)
                overflowIsolates = 0; overflowEmbeddings = 0; validIsolates = 0
            case .BN:
                levels[i] = top.level
            default:
                // X6.
                levels[i] = top.level
                if top.override != .ON { t[i] = top.override }
            }
        }
        return (partner, until == nil ? [] : stack.dropFirst().map(\.opener))
    }

    /// Rules X9-X10: level runs of the characters X9 keeps, chained into
    /// isolating run sequences (BD13) across isolates, with sos and eos.
    private static func isolatingRunSequences(_ original: [Class], _ levels: [UInt8], partner: [Int], base: UInt8,
                                              order: inout [Int], sequences: inout [RunSequence]) {
        let count = original.count
        var kept: [Int] = []
        kept.reserveCapacity(count)
        for i in 0..<count where !original[i].isRemoved { kept.append(i) }
        // Level runs (BD7) as ranges of `kept`; `runAt` finds a run by its first character.
        var runs: [Range<Int>] = []
        var runAt = [Int](repeating: -1, count: count)
        var k = 0
        while k < kept.count {
            var end = k + 1
            while end < kept.count && levels[kept[end]] == levels[kept[k]] { end += 1 }
            runAt[kept[k]] = runs.count
            runs.append(k..<end)
            k = end
        }
        func direction(_ level: UInt8) -> Class { level & 1 == 1 ? .R : .L }
        for first in runs {
            // A run starting with a matched PDI continues its initiator's
            // sequence (the initiator ends a run whenever its PDI starts one).
            let firstIndex = kept[first.lowerBound]
            if original[firstIndex] == .PDI && partner[firstIndex] >= 0 { continue }
            let level = levels[firstIndex]
            var run = first
            while true {
                for p in run { order.append(kept[p]) }
                let last = kept[run.upperBound - 1]
                guard original[last].isIsolateInitiator, partner[last] >= 0, runAt[partner[last]] >= 0 else { break }
                run = runs[runAt[partner[last]]]
            }
            let before = first.lowerBound > 0 ? levels[kept[first.lowerBound - 1]] : base
            let lastIndex = kept[run.upperBound - 1]
            // After an isolate initiator without its PDI the sequence ends at the paragraph level.
            let after = original[lastIndex].isIsolateInitiator || run.upperBound == kept.count ? base : levels[kept[run.upperBound]]
            sequences.append(RunSequence(end: order.count, sos: direction(max(before, level)), eos: direction(max(after, level))))
        }
    }

    /// W1-W7, the units rule (HL3), N0 and N1-N2 on one isolating run
    /// sequence: `s` holds its types, `order[from + k]` is the character of `s[k]`.
    private static func resolveSequence(_ s: inout [Class], order: [Int], from: Int, level: UInt8, sos: Class, eos: Class,
                                        original: [Class], scalars: [UInt32], unitsFollowNumbers: Bool) {
        let n = s.count
        let e: Class = level & 1 == 1 ? .R : .L

        // W1: NSM takes the type of the character before it (sos at the
        // start), but is ON after an isolate initiator or PDI.
        var previous = sos
        for k in 0..<n {
            if s[k] == .NSM {
                switch previous {
                case .LRI, .RLI, .FSI, .PDI: s[k] = .ON
                default: s[k] = previous
                }
            }
            previous = s[k]
        }
        // W2: EN after AL (searching back to sos) is AN. W3: AL is R.
        var lastStrong = sos
        for k in 0..<n {
            switch s[k] {
            case .L, .R, .AL: lastStrong = s[k]
            case .EN where lastStrong == .AL: s[k] = .AN
            default: break
            }
        }
        for k in 0..<n where s[k] == .AL { s[k] = .R }
        // W4: one separator between two numbers of the same kind joins them.
        if n >= 3 {
            for k in 1..<(n - 1) {
                let before = s[k - 1], after = s[k + 1]
                if s[k] == .ES, before == .EN, after == .EN { s[k] = .EN }
                else if s[k] == .CS, before == after, before == .EN || before == .AN { s[k] = before }
            }
        }
        // W5: terminators (%, currency signs) next to European numbers are numbers.
        var k = 0
        while k < n {
            guard s[k] == .ET else { k += 1; continue }
            var end = k
            while end < n && s[end] == .ET { end += 1 }
            if (k > 0 && s[k - 1] == .EN) || (end < n && s[end] == .EN) {
                for j in k..<end { s[j] = .EN }
            }
            k = end
        }
        // W6: remaining separators and terminators are neutral.
        for k in 0..<n where s[k] == .ES || s[k] == .ET || s[k] == .CS { s[k] = .ON }
        // W7: EN after L (searching back to sos) is L.
        lastStrong = sos
        for k in 0..<n {
            switch s[k] {
            case .L, .R: lastStrong = s[k]
            case .EN where lastStrong == .L: s[k] = .L
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
                guard original[order[from + k]] == .EN, s[k] == .EN || s[k] == .L else { k += 1; continue }
                var end = k + 1
                while end < n && original[order[from + end]] == .WS { end += 1 }
                var last = end
                while last < n && original[order[from + last]] == .ET { last += 1 }
                if last > end {
                    for j in (k + 1)..<last { s[j] = s[k] }
                    k = last
                } else {
                    k += 1
                }
            }
        }

        resolveBracketPairs(&s, order: order, from: from, original: original, scalars: scalars, e: e, sos: sos)

        // N1-N2: runs of neutrals take the direction around them if it agrees
        // (numbers count as R; sos and eos at the ends), else the embedding direction.
        k = 0
        while k < n {
            guard isNeutral(s[k]) else { k += 1; continue }
            var end = k
            while end < n && isNeutral(s[end]) { end += 1 }
            let before = k > 0 ? (strong(s[k - 1]) ?? e) : sos
            let after = end < n ? (strong(s[end]) ?? e) : eos
            let resolved = before == after ? before : e
            for j in k..<end { s[j] = resolved }
            k = end
        }
    }

    /// The strong direction a type counts as in N0-N1 (numbers as R).
    private static func strong(_ c: Class) -> Class? {
        switch c {
        case .L: .L
        case .R, .EN, .AN: .R
        default: nil
        }
    }

    private static func isNeutral(_ c: Class) -> Bool {
        switch c {
        case .B, .S, .WS, .ON, .LRI, .RLI, .FSI, .PDI: true
        default: false
        }
    }

    /// Rule N0: a pair of brackets takes the direction of the strong text
    /// inside it (BD16 pairs at most 63 nested openings, as the rule says).
    private static func resolveBracketPairs(_ s: inout [Class], order: [Int], from: Int, original: [Class], scalars: [UInt32], e: Class, sos: Class) {
        let n = s.count
        let stackMax = 63
        var stack: [(pair: UInt32, position: Int)] = []
        var pairs: [(open: Int, close: Int)] = []
        scan: for k in 0..<n where s[k] == .ON {
            let value = scalars[order[from + k]]
            guard let bracket = bracket(value) else { continue }
            if bracket.opening {
                guard stack.count < stackMax else { break scan }
                stack.append((bracket.pair, k))
            } else {
                let closing = canonical(value)
                if let depth = stack.lastIndex(where: { $0.pair == closing }) {
                    pairs.append((stack[depth].position, k))
                    stack.removeSubrange(depth...)
                }
            }
        }
        guard !pairs.isEmpty else { return }
        pairs.sort { $0.open < $1.open }
        let opposite: Class = e == .L ? .R : .L
        for (open, close) in pairs {
            var foundEmbedding = false, foundOpposite = false
            for k in (open + 1)..<close {
                guard let d = strong(s[k]) else { continue }
                if d == e { foundEmbedding = true; break }
                foundOpposite = true
            }
            let resolved: Class
            if foundEmbedding {
                resolved = e
            } else if foundOpposite {
                // The context: the first strong type before the bracket, or sos.
                var context = sos
                var k = open - 1
                while k >= 0 {
                    if let d = strong(s[k]) { context = d; break }
                    k -= 1
                }
                resolved = context == opposite ? opposite : e
            } else {
                continue
            }
            for bracket in [open, close] {
                s[bracket] = resolved
                // Marks on a bracket follow it (they were made ON by W1).
                var k = bracket + 1
                while k < n && original[order[from + k]] == .NSM { s[k] = resolved; k += 1 }
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
