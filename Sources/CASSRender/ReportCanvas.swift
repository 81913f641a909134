import CASSDomain

/// Line-by-line drawing on A4 pages for reports: a cursor moving down the
/// page, cells that shrink or cut text to fit their column, word wrapping,
/// and mirroring of the whole grid for right-to-left languages.
final class ReportCanvas {
    enum Align { case start, end, center }

    let document: PDFDocument
    let rightToLeft: Bool
    let left = 36.0
    let right: Double
    let top: Double
    let bottom = 48.0
    var y: Double
    /// Called after a page break to draw running headings.
    var onNewPage: ((ReportCanvas) -> Void)?
    /// What the current table repeats at the top of a new page (its column headings).
    var runningHeading: ((ReportCanvas) -> Void)?

    init(document: PDFDocument, rightToLeft: Bool) {
        self.document = document
        self.rightToLeft = rightToLeft
        self.right = document.pageWidth - 36
        self.top = document.pageHeight - 40
        self.y = top
        document.newPage()
    }

    var width: Double { right - left }

    /// Starts a new page when fewer than `height` points remain.
    func need(_ height: Double) {
        guard y - height < bottom else { return }
        document.newPage()
        y = top
        onNewPage?(self)
    }

    /// Mirrors a logical x range (from the start edge) into page coordinates.
    func place(_ x: Double, _ w: Double) -> Double { rightToLeft ? right - x - w : left + x }

    /// Where text of `textWidth` starts in a cell of `w`, aligned at the
    /// logical start, end or centre (mirrored for right-to-left).
    func offset(_ align: Align, w: Double, textWidth: Double) -> Double {
        let physical: Align = rightToLeft ? (align == .start ? .end : align == .end ? .start : .center) : align
        switch physical {
        case .start: return 0
        case .end: return w - textWidth
        case .center: return (w - textWidth) / 2
        }
    }

    /// Draws text in the cell [x, x + w) (logical, from the start edge) at
    /// baseline `baseline`, shrinking it to 70 % and then cutting it with an
    /// ellipsis rather than letting it run into the next cell.
    /// `paragraphLevel` is the direction of the paragraph a wrapped line
    /// belongs to (nil: the line is a paragraph of its own).
    func cell(_ text: String, x: Double, w: Double, baseline: Double, size: Double, bold: Bool = false, align: Align = .start, gray: Double = 0, paragraphLevel: UInt8? = nil) {
        guard !text.isEmpty else { return }
        // Text of U+0000-U+00FF in a paragraph that is not right-to-left
        // (what `PDFDocument.shapeRuns` gives the table path): shaped into
        // the document's reusable buffers and drawn from them when it fits,
        // shrunk or not. Text that must be cut takes the path below.
        if paragraphLevel != 1, let drawn = text.utf8.withContiguousStorageIfAvailable({ bytes in
            fastCell(bytes, x: x, w: w, baseline: baseline, size: size, bold: bold, align: align, gray: gray)
        }), drawn {
            return
        }
        var runs = document.runs(text, bold: bold, paragraphLevel: paragraphLevel)
        var fontSize = size
        var textWidth = document.width(of: runs, size: fontSize)
        if textWidth > w {
            fontSize = max(size * 0.7, size * w / textWidth)
            textWidth = document.width(of: runs, size: fontSize)
        }
        if textWidth > w {
            var scalars = Array(text.unicodeScalars)
            while !scalars.isEmpty && textWidth > w {
                scalars.removeLast()
                var shortened = String.UnicodeScalarView()
                shortened.append(contentsOf: scalars)
                runs = document.runs(String(shortened) + "…", bold: bold, paragraphLevel: paragraphLevel)
                textWidth = document.width(of: runs, size: fontSize)
            }
        }
        let x0 = place(x, w)
        let dx = offset(align, w: w, textWidth: textWidth)
        document.draw(runs, x: x0 + dx, y: baseline, size: fontSize, gray: gray)
    }

    /// A cell whose text `write` appends as UTF-8 to a buffer the canvas
    /// reuses (amounts and routes of table rows): no String per value when
    /// it is Latin-1 and fits; otherwise drawn as `cell` draws that text.
    /// The buffer holds one cell's text: no limit beyond the text's.
    func cell(x: Double, w: Double, baseline: Double, size: Double, bold: Bool = false, align: Align = .start, gray: Double = 0,
              write: (inout [UInt8]) -> Void) {
        var bytes = scratch
        scratch = []
        defer { bytes.removeAll(keepingCapacity: true); scratch = bytes }
        write(&bytes)
        guard !bytes.isEmpty else { return }
        let drawn = bytes.withUnsafeBufferPointer { fastCell($0, x: x, w: w, baseline: baseline, size: size, bold: bold, align: align, gray: gray) }
        if !drawn { cell(String(decoding: bytes, as: UTF8.self), x: x, w: w, baseline: baseline, size: size, bold: bold, align: align, gray: gray) }
    }

    private var scratch: [UInt8] = []

    /// A cell shaped, sized and placed once and drawn again at other
    /// baselines (column headings on every page): what `cell` draws, from
    /// the runs of its general path (which the table path equals).
    struct PreparedCell: Sendable {
        let runs: [PDFDocument.Run]
        let x: Double
        let size: Double
        let gray: Double
    }

    /// `cell`'s shaping, shrinking and cutting without drawing: the same
    /// glyphs marked drawn, nil for empty text (`cell` draws nothing).
    func prepareCell(_ text: String, x: Double, w: Double, size: Double, bold: Bool = false, align: Align = .start, gray: Double = 0) -> PreparedCell? {
        guard !text.isEmpty else { return nil }
        var runs = document.runs(text, bold: bold)
        var fontSize = size
        var textWidth = document.width(of: runs, size: fontSize)
        if textWidth > w {
            fontSize = max(size * 0.7, size * w / textWidth)
            textWidth = document.width(of: runs, size: fontSize)
        }
        if textWidth > w {
            var scalars = Array(text.unicodeScalars)
            while !scalars.isEmpty && textWidth > w {
                scalars.removeLast()
                var shortened = String.UnicodeScalarView()
                shortened.append(contentsOf: scalars)
                runs = document.runs(String(shortened) + "…", bold: bold)
                textWidth = document.width(of: runs, size: fontSize)
            }
        }
        let x0 = place(x, w)
        let dx = offset(align, w: w, textWidth: textWidth)
        return PreparedCell(runs: runs, x: x0 + dx, size: fontSize, gray: gray)
    }

    /// Draws a prepared cell at `baseline`, as `cell` would have.
    func draw(_ prepared: PreparedCell, baseline: Double) {
        document.draw(prepared.runs, x: prepared.x, y: baseline, size: prepared.size, gray: prepared.gray)
    }

    /// `cell` for UTF-8 of U+0000-U+00FF by `PDFDocument.shapePending`:
    /// the same size, position and runs as the general path. False, having
    /// drawn nothing, for other text or text that must be cut.
    func fastCell(_ bytes: UnsafeBufferPointer<UInt8>, x: Double, w: Double, baseline: Double, size: Double, bold: Bool, align: Align, gray: Double) -> Bool {
        guard let advance = document.shapePending(bytes, bold: bold) else { return false }
        var fontSize = size
        var textWidth = advance * fontSize / 1000
        if textWidth > w {
            fontSize = max(size * 0.7, size * w / textWidth)
            textWidth = advance * fontSize / 1000
        }
        if textWidth > w { return false }
        let x0 = place(x, w)
        let dx = offset(align, w: w, textWidth: textWidth)
        document.drawPending(x: x0 + dx, y: baseline, size: fontSize, gray: gray)
        return true
    }

    /// Splits text into lines no wider than `w`: at spaces, or anywhere in
    /// scripts written without spaces (Chinese, Japanese).
    /// With `breakWords: false` a word wider than the line stays whole (the
    /// cell then shrinks it): for column headings.
    func wrap(_ text: String, w: Double, size: Double, bold: Bool = false, breakWords: Bool = true) -> [String] {
        let key = WrapKey(text: text, w: w, size: size, bold: bold, breakWords: breakWords)
        // While recording, the lines kept here would skip the tries a
        // wrap makes (the shared wraps replay theirs).
        if !document.isRecording, let known = wrapped[key] { return known }
        let lines: [String]
        if let numbered = wrapSharingNumbers(text, w: w, size: size, bold: bold, breakWords: breakWords) {
            lines = numbered
        } else if let shared = document.fonts.wraps[key] {
            // Wrapped by an earlier document: its lines, and the glyphs its
            // measuring marked drawn (they go into the font subsets).
            document.replay(shared.glyphUse)
            lines = shared.lines
        } else {
            let (measured, glyphUse) = document.recordingGlyphUse {
                wrapMeasuring(text, w: w, size: size, bold: bold, breakWords: breakWords)
            }
            document.fonts.wraps[key] = SharedWraps.Wrap(lines: measured, glyphUse: glyphUse)
            lines = measured
        }
        if wrapped.count < Self.wrappedMax { wrapped[key] = lines }
        return lines
    }

    /// `wrap` of a text holding ASCII digits, when the chain draws every
    /// digit in one font with one advance (`ASCIIShaping.uniformDigits`):
    /// the text is wrapped with every digit replaced by "0" (in a scratch
    /// document, shared through `FontSet.wraps` as any wrap) and the
    /// digits are put back. Every candidate line then measures exactly as
    /// with the real digits, so the lines are the same; wrapping keeps
    /// every character but spaces in order, so the n-th "0" of the lines
    /// is the n-th digit of the text. The glyph use replayed is the
    /// scratch's with the "0" tried as each digit the text holds (digits
    /// are never neutral: each is tried in the same font as "0").
    /// The how-to-pay paragraph holds the invoice number: wrapping it
    /// for every invoice was a tenth of a PDF's cost. Nil (nothing done)
    /// for texts without digits or chains without uniform digits.
    private func wrapSharingNumbers(_ text: String, w: Double, size: Double, bold: Bool, breakWords: Bool) -> [String]? {
        let zero = UInt8(ascii: "0"), nine = UInt8(ascii: "9")
        var digits: [UInt8] = []
        var normalized: [UInt8] = []
        normalized.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if byte >= zero && byte <= nine {
                digits.append(byte)
                normalized.append(zero)
            } else {
                normalized.append(byte)
            }
        }
        guard !digits.isEmpty, document.fonts.ascii(bold: bold).uniformDigits else { return nil }
        let key = WrapKey(text: String(decoding: normalized, as: UTF8.self), w: w, size: size, bold: bold, breakWords: breakWords)
        let shared: SharedWraps.Wrap
        if let known = document.fonts.wraps[key] {
            shared = known
        } else {
            let scratch = ReportCanvas(document: PDFDocument(fonts: document.fonts, language: nil), rightToLeft: rightToLeft)
            let (measured, glyphUse) = scratch.document.recordingGlyphUse {
                scratch.wrapMeasuring(key.text, w: w, size: size, bold: bold, breakWords: breakWords)
            }
            shared = SharedWraps.Wrap(lines: measured, glyphUse: glyphUse)
            document.fonts.wraps[key] = shared
        }
        var next = 0
        var lines: [String] = []
        lines.reserveCapacity(shared.lines.count)
        for line in shared.lines {
            guard line.utf8.contains(zero) else { lines.append(line); continue }
            var bytes = Array(line.utf8)
            for i in bytes.indices where bytes[i] == zero {
                guard next < digits.count else { return nil }
                bytes[i] = digits[next]
                next += 1
            }
            lines.append(String(decoding: bytes, as: UTF8.self))
        }
        guard next == digits.count else { return nil }
        var distinct: [UInt8] = []
        for digit in digits where !distinct.contains(digit) { distinct.append(digit) }
        document.replay(shared.glyphUse, zeroAs: distinct)
        return lines
    }

    struct WrapKey: Hashable, Sendable {
        /// By bytes, not `String` equality (see `UTF8Key`).
        let key: UTF8Key
        var text: String { key.text }
        let w: Double
        let size: Double
        let bold: Bool
        let breakWords: Bool

        init(text: String, w: Double, size: Double, bold: Bool, breakWords: Bool) {
            key = UTF8Key(text)
            self.w = w
            self.size = size
            self.bold = bold
            self.breakWords = breakWords
        }

        /// See `UTF8Key._rawHashValue`. `+ 0` makes -0.0 (equal to 0.0)
        /// hash as 0.0 does.
        func _rawHashValue(seed: Int) -> Int {
            TableHash.raw(TableHash.fold(key.word, (w + 0).bitPattern, (size + 0).bitPattern, (bold ? 1 : 0) | (breakWords ? 2 : 0)), seed: seed)
        }
    }

    /// Lines of texts wrapped before in this document. The same notes
    /// (under every airline's section) and column headings (on every page)
    /// are wrapped again and again, and wrapping measures every candidate
    /// line from its start: 7 % of a period close with documents. A pure
    /// function of its key for one document's fonts, so the lines are the
    /// same. Holds one entry per distinct text and width wrapped in the
    /// document (labels, notes, the names and address of the header), at
    /// most `wrappedMax`: past that, texts are wrapped without keeping them
    /// (the repeated ones came first, on the first pages).
    private var wrapped: [WrapKey: [String]] = [:]
    static let wrappedMax = 4_096

    /// `wrap` without the cache (what the tests compare it with).
    func wrapMeasuring(_ text: String, w: Double, size: Double, bold: Bool = false, breakWords: Bool = true) -> [String] {
        wrapMeasuring(text, w: w, size: size, bold: bold, breakWords: breakWords, gallop: true)
    }

    /// Greedy wrapping: each line takes words while the line still fits.
    ///
    /// `gallop`: for paragraphs of U+0000-U+00FF (English, French, Spanish,
    /// German), the number of words a line takes is
    /// found by trying 1, 2, 4, ... words and then halving, not by
    /// measuring every longer candidate from the line's start (a long note
    /// measured O(words²) characters). Same lines: these characters are
    /// all left to right or neutral, shaped with one glyph per character
    /// whatever follows, so a candidate's
    /// width is its prefix's running sum of non-negative advances plus more
    /// non-negative terms, and floating-point addition of a non-negative
    /// term never decreases the sum: a longer candidate is never narrower,
    /// "fits" holds for a prefix of the counts, and the largest count that
    /// fits is where the greedy loop stops. Candidates measured past the
    /// line hold only characters of the same paragraph, so the glyphs
    /// recorded for the font subsets are the same. `gallop: false` is the
    /// plain loop the tests compare with.
    func wrapMeasuring(_ text: String, w: Double, size: Double, bold: Bool, breakWords: Bool, gallop: Bool) -> [String] {
        var lines: [String] = []
        func fits(_ candidate: String) -> Bool { document.width(candidate, size: size, bold: bold) <= w }
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var current = ""
            let words = paragraph.split(separator: " ", omittingEmptySubsequences: true)
            let latin1 = gallop && paragraph.unicodeScalars.allSatisfy { $0.value <= 0xFF }
            var index = 0
            while index < words.count {
                let remaining = words.count - index
                if latin1 && remaining >= 4 {
                    // The candidate of the next `count` words after `current`, as the loop below builds it.
                    func candidate(_ count: Int) -> String {
                        let tail = words[index..<index + count].joined(separator: " ")
                        return current.isEmpty ? tail : current + " " + tail
                    }
                    if fits(candidate(1)) {
                        // low fits; high does not, or is past the last word.
                        var low = 1
                        var high = remaining + 1
                        var step = 2
                        while step <= remaining {
                            if fits(candidate(step)) { low = step; step *= 2 } else { high = step; break }
                        }
                        while high - low > 1 {
                            let middle = (low + high) / 2
                            if fits(candidate(middle)) { low = middle } else { high = middle }
                        }
                        current = candidate(low)
                        index += low
                        continue
                    }
                }
                let word = words[index]
                index += 1
                let candidate = current.isEmpty ? String(word) : current + " " + word
                if fits(candidate) { current = candidate; continue }
                if !current.isEmpty { lines.append(current); current = "" }
                guard breakWords else { current = String(word); continue }
                // A word wider than the line is broken between characters.
                for character in word {
                    let next = current + String(character)
                    if document.width(next, size: size, bold: bold) > w && !current.isEmpty {
                        lines.append(current)
                        current = String(character)
                    } else {
                        current = next
                    }
                }
            }
            lines.append(current)
        }
        return lines
    }

    /// Draws wrapped text in a logical cell and moves the cursor below it.
    /// Each line of a paragraph keeps the paragraph's direction (UAX #9
    /// resolves the paragraph level once, rule P2-P3, then breaks lines):
    /// an Arabic address whose second line starts with a Latin word stays
    /// right-to-left.
    func paragraph(_ text: String, x: Double, w: Double, size: Double, bold: Bool = false, gray: Double = 0) {
        for piece in Self.paragraphs(text) {
            let level = Bidi.firstStrongLevel(piece.unicodeScalars.lazy.map(\.value)) ?? 0
            let lines = wrap(String(piece), w: w, size: size, bold: bold)
            // An embedding, override or isolate open at a line break goes on
            // on the next line: its opening controls are put before that
            // line (they are not drawn). The lines joined by spaces hold the
            // paragraph's controls and strong characters in order (wrapping
            // drops only spaces), which is all `openControls` looks at.
            let hasControls = Self.mayHoldControls(piece) && piece.unicodeScalars.contains { Bidi.isExplicitControl($0.value) }
            let joined = hasControls ? lines.joined(separator: " ").unicodeScalars.map(\.value) : []
            var offset = 0
            for line in lines {
                var text = line
                if hasControls {
                    let open = Bidi.openControls(joined, at: offset, paragraphLevel: level)
                    text = String(String.UnicodeScalarView(open.compactMap(Unicode.Scalar.init))) + line
                    offset += line.unicodeScalars.count + 1
                }
                need(size * 1.35)
                y -= size * 1.35
                cell(text, x: x, w: w, baseline: y, size: size, bold: bold, gray: gray, paragraphLevel: level)
            }
        }
    }

    /// `text.split(separator: "\n", omittingEmptySubsequences: false)`,
    /// without walking the text by Characters when it has no line feed
    /// byte (nearly always): that walk, grapheme breaking a long note
    /// under every section, was a third of drawing a paragraph. With a
    /// line feed the split is the Character one (a "\r\n" is one
    /// Character, not a line feed).
    static func paragraphs(_ text: String) -> [Substring] {
        if !text.utf8.contains(0x0A) { return [text[...]] }
        return text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// False when `text` has no explicit bidi control for sure: they are
    /// U+202A-U+202E and U+2066-U+2069, whose UTF-8 starts with 0xE2.
    static func mayHoldControls(_ text: Substring) -> Bool { text.utf8.contains(0xE2) }

    func rule(x: Double = 0, w: Double? = nil, at yy: Double, width lineWidth: Double = 0.5, gray: Double = 0.5) {
        let span = w ?? width
        let x0 = place(x, span)
        document.append(.line(x1: x0, y1: yy, x2: x0 + span, y2: yy, width: lineWidth, gray: gray))
    }

    func shade(x: Double = 0, w: Double? = nil, from y0: Double, height: Double, gray: Double = 0.92) {
        let span = w ?? width
        document.append(.fill(x: place(x, span), y: y0, width: span, height: height, gray: gray))
    }
}
