import CASSDomain

/// A PDF being drawn: pages of positioned text runs and rules, with fonts
/// chosen per character from a `FontSet` and subset when the file is
/// written. Coordinates are PDF points from the bottom-left corner.
final class PDFDocument {
    let fonts: FontSet
    let pageWidth: Double
    let pageHeight: Double
    // The properties touched for every table cell (pages, uses, the
    // pending buffers, the chains' uses) are not checked for exclusive
    // access at run time: a document is drawn by one thread, and none of
    // its methods reaches one of them while an access to it is under way
    // (every access is one statement's, or a local copy put back), so the
    // checks, three to five per cell, only cost (swift_beginAccess from
    // drawPending, shapePending and chainUse was 47 M instructions of a
    // 10,000-AWB settle).
    @exclusivity(unchecked) private(set) var pages: [Page] = []
    private(set) var usage: [String: FontUse] = [:]
    private var fontOrder: [String] = []

    struct Run: Sendable {
        let fontKey: String
        /// The font's place in the document's font order (`FontUse.index`).
        let fontIndex: Int
        let glyphs: [UInt16]
        /// Advance in thousandths of the font size.
        let width: Double
    }

    enum Op {
        case line(x1: Double, y1: Double, x2: Double, y2: Double, width: Double, gray: Double)
        case fill(x: Double, y: Double, width: Double, height: Double, gray: Double)
    }

    /// One page's content stream, written as it is drawn rather than kept
    /// as operations and formatted at the end (an array of enums holding
    /// arrays of runs, walked again by `write`). Each glyph of a text run
    /// takes two placeholder bytes: its CID in the font subset is known
    /// only when the file is written (the subset holds every glyph the
    /// document drew), and `write` puts it there.
    ///
    /// Text drawn one run after another shares a text object (BT ... ET)
    /// and sets the gray, font and size only when they change: a table
    /// row is a dozen cells in one font, and a text object per cell, each
    /// setting all three, was a fifth of the page's bytes, every one of
    /// them compressed at the end. Any other drawing ends the object.
    struct Page {
        /// The content stream, written through a pointer (`ByteBuffer`):
        /// into an Array each run's bytes were an append of about 130
        /// instructions. A page is changed only in place in its document's
        /// `pages` (a copy would share these bytes).
        let content = ByteBuffer(capacity: 16_384)
        /// The content stream's bytes, copied out.
        var bytes: [UInt8] { content.array() }
        /// The glyphs of every run drawn, in order; `slots` says where each goes.
        var glyphs: [UInt16] = []
        var slots: [GlyphSlot] = []
        /// A text object is open (BT written, ET not yet).
        var inText = false
        /// The nonstroking gray last set (`g`), nil before any: text and
        /// fills both set it, and it outlives a text object.
        var fillGray: Double?
        /// The font (`FontUse.index`) and size last set in the open text
        /// object; -1 when none (each text object sets its own).
        var textFont = -1
        var textSize = 0.0
        /// Where the open text object's last run started, in hundredths of
        /// a point. A run on the same baseline moves there from the run
        /// before it by `dx 0 Td` rather than setting the whole matrix
        /// (`1 0 0 1 x y Tm`): across a table row the steps repeat from row
        /// to row (the same column widths) where the absolute positions
        /// never do, so a page is smaller before compression and compresses
        /// better and faster. A run on another baseline sets the matrix,
        /// so a reader's baselines are the written numbers exactly: summed
        /// steps can differ from them in the last bit, and pdftotext's
        /// layout mode turned such a difference into an extra blank line.
        /// Steps are whole hundredths, the precision positions are written
        /// in, so within a row they add up to the rounded position.
        var lineX = 0
        var lineY = 0
    }

    /// A run's glyphs: `count` of them from `glyphs[start]`, their CIDs
    /// written at `bytes[offset]` (two bytes each), in font `font` (`FontUse.index`).
    struct GlyphSlot {
        let offset: Int
        let font: Int
        let start: Int
        let count: Int
    }

    final class FontUse {
        let font: TrueTypeFont
        /// Order of first use in the document: the font is resource `/F<index + 1>`.
        let index: Int
        /// One bit per glyph of the font: drawn or not (a set of UInt16
        /// hashed every glyph of every cell). Memory the use owns rather
        /// than an array property: every glyph drawn tests a bit, and an
        /// array in a class is checked for exclusive access at each test.
        let drawn: UnsafeMutableBufferPointer<UInt64>
        /// Each drawn glyph's text, for the ToUnicode map.
        var unicode: [UInt16: String] = [:]
        init(font: TrueTypeFont, index: Int) {
            self.font = font
            self.index = index
            drawn = .allocate(capacity: (max(font.numGlyphs, 1) + 63) / 64)
            drawn.initialize(repeating: 0)
        }

        deinit { drawn.deallocate() }

        /// Marks a glyph drawn; true the first time.
        @inline(__always) func insert(_ glyph: UInt16) -> Bool {
            let word = Int(glyph) >> 6, bit = UInt64(1) << UInt64(glyph & 63)
            guard word < drawn.count else { return false }
            if drawn[word] & bit != 0 { return false }
            drawn[word] |= bit
            return true
        }

        /// The glyphs drawn, ascending.
        var glyphs: [UInt16] {
            var result: [UInt16] = []
            for (index, word) in drawn.enumerated() where word != 0 {
                var bits = word
                while bits != 0 {
                    result.append(UInt16(index * 64 + bits.trailingZeroBitCount))
                    bits &= bits - 1
                }
            }
            return result
        }
    }

    /// The fonts in order of first use (`FontUse.index`).
    @exclusivity(unchecked) private var uses: [FontUse] = []

    /// The document's language, whose labels' glyphs every document of it
    /// embeds (nil: only the glyphs drawn).
    let language: String?

    init(fonts: FontSet, language: String?, pageWidth: Double = 595.28, pageHeight: Double = 841.89) {
        self.fonts = fonts
        self.language = language
        self.pageWidth = pageWidth
        self.pageHeight = pageHeight
        asciiTables = (ASCIITables(fonts.ascii(bold: false)), ASCIITables(fonts.ascii(bold: true)))
        chainLengths = (fonts.chain(bold: false).count, fonts.chain(bold: true).count)
        chainCapacity = max(chainLengths.regular, chainLengths.bold)
        chainUses = .allocate(capacity: max(2 * chainCapacity, 1))
        chainUses.initialize(repeating: nil, count: max(2 * chainCapacity, 1))
    }

    var pageCount: Int { pages.count }

    func newPage() { pages.append(Page()) }

    /// Writes a rule or a filled rectangle on a page (the last by default).
    func append(_ op: Op, toPage index: Int? = nil) {
        if pages.isEmpty { newPage() }
        let page = index ?? (pages.count - 1)
        switch op {
        case let .line(x1, y1, x2, y2, width, gray):
            pages[page].line(x1: x1, y1: y1, x2: x2, y2: y2, width: width, gray: gray)
        case let .fill(x, y, width, height, gray):
            pages[page].fill(x: x, y: y, width: width, height: height, gray: gray)
        }
    }

    /// Tables repeat the same short texts (zeros, dates, codes) many times.
    private var runCache: [RunKey: [Run]] = [:]

    /// A cached shaping: the text and how it was asked for (a struct, so
    /// that looking up a cell builds no concatenated string).
    /// The text by its bytes (see `UTF8Key`): the same key as the shared shapes'.
    private typealias RunKey = SharedShapes.Key

    /// Shapes `text` and splits it into runs of one font each.
    /// `paragraphLevel`: see `TextShaper.visual` (nil: from the text itself).
    func runs(_ text: String, bold: Bool, paragraphLevel: UInt8? = nil) -> [Run] {
        let key = RunKey(text: UTF8Key(text), bold: bold, paragraphLevel: paragraphLevel)
        // While glyph use is recorded every shaping must happen (a cached
        // text records nothing), see `recordingGlyphUse`.
        if recorded == nil, let cached = runCache[key] { return cached }
        let result = shapeRuns(key)
        runCache[key] = result
        return result
    }

    func shapeRuns(_ text: String, bold: Bool, paragraphLevel: UInt8?) -> [Run] {
        shapeRuns(RunKey(text: UTF8Key(text), bold: bold, paragraphLevel: paragraphLevel))
    }

    private func shapeRuns(_ key: RunKey) -> [Run] {
        let text = key.text.text, bold = key.bold, paragraphLevel = key.paragraphLevel
        // Text of U+0000-U+00FF only (no right-to-left character among
        // them) in a left-to-right (or unknown-direction) paragraph would be
        // returned as stored by `TextShaper.visual`: the table path gives
        // the same runs.
        if paragraphLevel != 1,
           let runs = text.utf8.withContiguousStorageIfAvailable({ shapeLatin1($0, bold: bold) }) ?? nil {
            return runs
        }
        if let shared = fonts.shapes[key] { return take(shared, bold: bold) }
        var shape: SharedShapes.Shape?
        let runs = shapeGeneral(text, bold: bold, paragraphLevel: paragraphLevel, keeping: &shape)
        if let shape { fonts.shapes[key] = shape }
        return runs
    }

    /// A text shaped by another document (`SharedShapes`): its runs in this
    /// document's fonts, every glyph marked (and noted, while recording)
    /// in the order and with the texts `shapeGeneral` marked it.
    private func take(_ shape: SharedShapes.Shape, bold: Bool) -> [Run] {
        // The fonts' uses by chain position (`chainUse`, unretained): by
        // the font, each run copied the font struct, a few dozen retains.
        let chainLength = bold ? chainLengths.bold : chainLengths.regular
        let recording = recorded != nil
        var result: [Run] = []
        result.reserveCapacity(shape.runs.count)
        var mark = 0
        for run in shape.runs {
            guard run.chain < chainLength, mark + run.glyphs.count <= shape.marks.count else {
                mark += run.glyphs.count
                continue
            }
            chainUse(run.chain, bold: bold)._withUnsafeGuaranteedRef { use in
                for glyph in run.glyphs {
                    let (text, scalar) = shape.marks[mark]
                    mark += 1
                    if use.insert(glyph) { use.unicode[glyph] = text }
                    if recording { noteTry(use, glyph, text: text, scalar: scalar) }
                }
                result.append(Run(fontKey: use.font.postScriptName, fontIndex: use.index, glyphs: run.glyphs, width: run.width))
            }
        }
        return result
    }

    /// `shapeGeneral` for UTF-8 of U+0000-U+00FF (see `shapePending`);
    /// nil at the first other character (general path).
    private func shapeLatin1(_ bytes: UnsafeBufferPointer<UInt8>, bold: Bool) -> [Run]? {
        shapePending(bytes, bold: bold) == nil ? nil : pendingAsRuns()
    }

    /// Any text: shaped and put in visual order by `TextShaper.visual`.
    func shapeGeneral(_ text: String, bold: Bool, paragraphLevel: UInt8?) -> [Run] {
        var shape: SharedShapes.Shape?
        return shapeGeneral(text, bold: bold, paragraphLevel: paragraphLevel, keeping: &shape)
    }

    /// `shapeGeneral`, also giving the shaping as `SharedShapes` keeps it.
    private func shapeGeneral(_ text: String, bold: Bool, paragraphLevel: UInt8?, keeping shape: inout SharedShapes.Shape?) -> [Run] {
        let chain = fonts.chain(bold: bold)
        guard let primary = chain.first else { return [] }
        let recording = recorded != nil
        var result: [Run] = []
        var sharedRuns: [SharedShapes.Run] = []
        var marks: [(text: String, scalar: UInt32)] = []
        // The FontUse of each font of the chain, found once per text
        // rather than by name for every glyph.
        var uses = [FontUse?](repeating: nil, count: chain.count)
        var currentIndex = -1
        var glyphs: [UInt16] = []
        var width = 0.0
        func flush() {
            if !glyphs.isEmpty, currentIndex >= 0, let use = uses[currentIndex] {
                result.append(Run(fontKey: use.font.postScriptName, fontIndex: use.index, glyphs: glyphs, width: width))
                sharedRuns.append(SharedShapes.Run(chain: currentIndex, glyphs: glyphs, width: width))
            }
            glyphs = []
            width = 0
        }
        for item in TextShaper.visual(text, paragraphLevel: paragraphLevel) {
            // The explicit bidi controls have done their work in the order
            // and have no appearance (default ignorable): most fonts lack
            // them, and .notdef would draw a box and extract as the control.
            if Bidi.isExplicitControl(item.scalar.value) { continue }
            var scalar = item.scalar
            if scalar.value < 0x20 { scalar = " " }
            var index = -1
            var glyph: UInt16 = 0
            // Fonts read in place (`chain[i].…`): a copy of the struct
            // retains and releases each of its arrays, per character.
            // Spaces and punctuation stay in the current font: fewer runs.
            if currentIndex >= 0, TextShaper.direction(scalar) == .neutral, let g = chain[currentIndex].glyph(for: scalar.value) {
                index = currentIndex; glyph = g
            } else {
                for i in chain.indices {
                    if let g = chain[i].glyph(for: scalar.value) { index = i; glyph = g; break }
                }
            }
            if index < 0 { index = 0 }  // .notdef of the primary font: visible as a box
            if index != currentIndex { flush(); currentIndex = index }
            let use: FontUse
            if let known = uses[index] { use = known } else { use = self.use(chain[index]); uses[index] = use }
            if use.insert(glyph) { use.unicode[glyph] = item.text }
            if recording { noteTry(use, glyph, text: item.text, scalar: scalar.value) }
            marks.append((item.text, scalar.value))
            glyphs.append(glyph)
            width += Double(chain[index].advance(of: glyph)) * 1000 / Double(chain[index].unitsPerEm)
        }
        flush()
        _ = primary
        shape = SharedShapes.Shape(runs: sharedRuns, marks: marks)
        return result
    }

    // MARK: glyph use of work shared between documents

    /// Every glyph a piece of work tried to mark drawn, the first try of
    /// each in order, with the text and scalar that try gave it: marking
    /// them again in another document (`replay`) leaves its glyph use, font
    /// order and ToUnicode texts as doing the work there would have. A
    /// font enters a document's order at its first glyph, so the order of
    /// first tries gives the font order too.
    struct GlyphUseRecord: Sendable {
        var fonts: [TrueTypeFont] = []
        var tries: [(font: Int, glyph: UInt16, text: String, scalar: UInt32)] = []
    }

    /// The record being made (nil: none), and the glyphs in it by
    /// `FontUse.index << 16 | glyph`. Both grow with one wrap's distinct glyphs.
    // Unchecked as `pages` is: read for every cell that is shaped.
    @exclusivity(unchecked) private var recorded: GlyphUseRecord?
    @exclusivity(unchecked) private var recordedKeys: Set<Int> = []

    private func noteTry(_ use: FontUse, _ glyph: UInt16, text: String, scalar: UInt32) {
        guard recordedKeys.insert(use.index << 16 | Int(glyph)).inserted, recorded != nil else { return }
        let slot: Int
        if let known = recorded?.fonts.firstIndex(where: { $0.postScriptName == use.font.postScriptName }) {
            slot = known
        } else {
            slot = recorded?.fonts.count ?? 0
            recorded?.fonts.append(use.font)
        }
        recorded?.tries.append((slot, glyph, text, scalar))
    }

    /// Runs `work` and returns what it gave and the glyph use it recorded.
    /// The run cache is not read meanwhile, so every shaping records.
    /// Records may nest (a wrap recorded inside the preparation of a
    /// table's headings): the inner work's tries are then noted in the
    /// outer record too, after the outer's earlier ones, as they were made.
    func recordingGlyphUse<T>(_ work: () -> T) -> (T, GlyphUseRecord) {
        let outer = recorded, outerKeys = recordedKeys
        recorded = GlyphUseRecord()
        recordedKeys = []
        let result = work()
        let made = recorded ?? GlyphUseRecord()
        recorded = outer
        recordedKeys = outerKeys
        if outer != nil {
            for attempt in made.tries where attempt.font < made.fonts.count {
                noteTry(use(made.fonts[attempt.font]), attempt.glyph, text: attempt.text, scalar: attempt.scalar)
            }
        }
        return (result, made)
    }

    /// True while a glyph use record is being made: caches that would
    /// skip a shaping (and so its tries) must not be read.
    var isRecording: Bool { recorded != nil }

    /// `runs` made in another document (whose font indices they hold) as
    /// runs in this one, by font name; nil when a font is not in use here.
    func adopt(_ runs: [Run]) -> [Run]? {
        var result: [Run] = []
        result.reserveCapacity(runs.count)
        for run in runs {
            guard let use = usage[run.fontKey] else { return nil }
            result.append(Run(fontKey: run.fontKey, fontIndex: use.index, glyphs: run.glyphs, width: run.width))
        }
        return result
    }

    /// Marks the recorded glyphs drawn in this document, as the recorded work would have.
    func replay(_ record: GlyphUseRecord) {
        // Each font's FontUse found at its first try (when doing the work
        // found it) and kept: by name for every try, with a copy of the
        // font struct, it was most of a replay.
        var resolved = [FontUse?](repeating: nil, count: record.fonts.count)
        for attempt in record.tries where attempt.font < record.fonts.count {
            let use: FontUse
            if let known = resolved[attempt.font] { use = known } else { use = self.use(record.fonts[attempt.font]); resolved[attempt.font] = use }
            if use.insert(attempt.glyph) {
                use.unicode[attempt.glyph] = attempt.text
            }
            if recorded != nil { noteTry(use, attempt.glyph, text: attempt.text, scalar: attempt.scalar) }
        }
    }

    /// `replay` of a record made on a text whose digits were all "0":
    /// each try of "0" is a try of each of `digits` (ASCII, distinct, in
    /// the order the text first has them) in the same font, as measuring
    /// the text itself would have tried them (`ReportCanvas.wrapSharingNumbers`).
    func replay(_ record: GlyphUseRecord, zeroAs digits: [UInt8]) {
        var resolved = [FontUse?](repeating: nil, count: record.fonts.count)
        for attempt in record.tries where attempt.font < record.fonts.count {
            let use: FontUse
            if let known = resolved[attempt.font] { use = known } else { use = self.use(record.fonts[attempt.font]); resolved[attempt.font] = use }
            if attempt.scalar == UInt32(UInt8(ascii: "0")) {
                for digit in digits {
                    let glyph = record.fonts[attempt.font].glyph(for: UInt32(digit)) ?? 0
                    let text = String(Unicode.Scalar(digit))
                    if use.insert(glyph) {
                        use.unicode[glyph] = text
                    }
                    if recorded != nil { noteTry(use, glyph, text: text, scalar: UInt32(digit)) }
                }
                continue
            }
            if use.insert(attempt.glyph) {
                use.unicode[attempt.glyph] = attempt.text
            }
            if recorded != nil { noteTry(use, attempt.glyph, text: attempt.text, scalar: attempt.scalar) }
        }
    }

    private func use(_ font: TrueTypeFont) -> FontUse {
        if let existing = usage[font.postScriptName] { return existing }
        let created = FontUse(font: font, index: fontOrder.count)
        usage[font.postScriptName] = created
        fontOrder.append(font.postScriptName)
        uses.append(created)
        return created
    }

    /// Width of a text in points.
    func width(_ text: String, size: Double, bold: Bool = false) -> Double {
        runs(text, bold: bold).reduce(0) { $0 + $1.width } * size / 1000
    }

    func width(of runs: [Run], size: Double) -> Double { runs.reduce(0) { $0 + $1.width } * size / 1000 }

    func draw(_ runs: [Run], x: Double, y: Double, size: Double, gray: Double = 0, page: Int? = nil) {
        if pages.isEmpty { newPage() }
        let index = page ?? (pages.count - 1)
        if runs.count == 1, let run = runs.first {
            pages[index].run(run.fontIndex, run.glyphs, size: size, x: x, y: y, gray: gray)
            return
        }
        Self.text(on: &pages[index], x: x, y: y, size: size, gray: gray, runs: runs.lazy.map { ($0.fontIndex, $0.glyphs[...], $0.width) })
    }

    /// Runs (font, glyphs, advance in thousandths of the size), each placed
    /// where the previous one ends. Static, on a page passed in: one
    /// exclusive access to the page for the whole text.
    private static func text<Runs: Sequence, Glyphs: Collection<UInt16>>(on page: inout Page, x: Double, y: Double, size: Double, gray: Double, runs: Runs)
    where Runs.Element == (Int, Glyphs, Double) {
        var pen = x
        for (font, glyphs, width) in runs {
            page.run(font, glyphs, size: size, x: pen, y: y, gray: gray)
            pen += width * size / 1000
        }
    }

    // MARK: Latin-1 cells without arrays of runs

    /// A run of the pending text: `count` glyphs from `pendingGlyphs[start]`.
    private struct PendingRun {
        let font: Int
        let start: Int
        let count: Int
        let width: Double
    }

    /// The text last shaped by `shapePending`, kept in buffers every cell
    /// reuses: a table cell shaped into new arrays (and cached by text,
    /// when amounts and AWB numbers are nearly all different) cost more
    /// than drawing it. Hold one cell's glyphs: no limit beyond the text's.
    /// The glyphs are in memory the document owns, sized for the longest
    /// text shaped so far (a UTF-8 byte gives at most one glyph): an
    /// array appended to per character checked its uniqueness and
    /// capacity each time, a third of shaping a cell.
    @exclusivity(unchecked) private var pendingGlyphs = UnsafeMutableBufferPointer<UInt16>(start: nil, count: 0)
    /// The runs the same way, sized with `pendingGlyphs` (a run has at
    /// least one glyph, so a text has no more runs than glyphs): emptying
    /// an array of them per cell, and copying it out of the object and
    /// back, were 10 % of shaping a cell.
    @exclusivity(unchecked) private var pendingRunStorage = UnsafeMutablePointer<PendingRun>.allocate(capacity: 0)
    @exclusivity(unchecked) private var pendingRunCount = 0
    private var pendingRuns: UnsafeBufferPointer<PendingRun> { UnsafeBufferPointer(start: pendingRunStorage, count: pendingRunCount) }

    deinit {
        pendingGlyphs.deallocate()
        pendingRunStorage.deallocate()
        chainUses.deallocate()
    }

    /// Shapes UTF-8 of U+0000-U+00FF by the chain's `ASCIIShaping` tables
    /// into the pending buffers: the same font choice as `shapeGeneral`
    /// (neutral characters stay in the current font when it has them),
    /// glyphs, glyph use and widths summed in the same order. Returns the
    /// runs' total advance in thousandths of the size, summed as
    /// `width(of:size:)` sums it; nil at the first other character (the
    /// general path then shapes the text; glyph use recorded before that
    /// is what the general path records too, as the table path did).
    func shapePending(_ bytes: UnsafeBufferPointer<UInt8>, bold: Bool) -> Double? {
        // The buffers are worked on as locals (a class's array property is
        // checked for exclusive access at every append) and put back.
        if pendingGlyphs.count < bytes.count {
            let capacity = max(bytes.count, 2 * pendingGlyphs.count, 64)
            pendingGlyphs.deallocate()
            pendingGlyphs = .allocate(capacity: capacity)
            pendingRunStorage.deallocate()
            pendingRunStorage = .allocate(capacity: capacity)
        }
        let glyphOut = pendingGlyphs
        let runOut = pendingRunStorage
        var runCount = 0
        defer { pendingRunCount = runCount }
        var glyphCount = 0
        // The chain's tables as plain pointers and its uses unretained (see
        // `asciiTables`, `chainUses`): taking the chain, its tables and the
        // current font's use as references retained and released each per
        // cell, a few atomic operations for every cell of a table.
        let chainLength = bold ? chainLengths.bold : chainLengths.regular
        let table = bold ? asciiTables.bold : asciiTables.regular
        guard chainLength > 0, table.fontCount == chainLength else { return nil }
        let n = ASCIIShaping.size
        let recording = recorded != nil
        let firstTable = table.first, neutralTable = table.neutral, glyphTable = table.glyph, widthTable = table.width
        var currentIndex = -1
        var current: Unmanaged<FontUse>?
        var currentUseIndex = 0
        var drawnBits = UnsafeMutableBufferPointer<UInt64>(start: nil, count: 0)
        var start = 0
        var width = 0.0
        var total = 0.0
        var at = 0
        while at < bytes.count {
            let lead = bytes[at]
            let value: Int
            if lead < 0x80 {
                value = Int(lead); at += 1
            } else if lead == 0xC2 || lead == 0xC3, at + 1 < bytes.count, bytes[at + 1] & 0xC0 == 0x80 {
                value = Int(lead & 0x1F) << 6 | Int(bytes[at + 1] & 0x3F); at += 2
            } else {
                return nil
            }
            // Control characters are drawn as spaces (as the general path does).
            let b = value < 0x20 ? 0x20 : value
            var index = firstTable[b]
            if currentIndex >= 0, neutralTable[b], glyphTable[currentIndex * n + b] != 0 { index = currentIndex }
            let glyph = glyphTable[index * n + b]
            if index != currentIndex {
                if current != nil, glyphCount > start {
                    (runOut + runCount).initialize(to: PendingRun(font: currentUseIndex, start: start, count: glyphCount - start, width: width))
                    runCount += 1
                    total += width
                }
                start = glyphCount
                width = 0
                currentIndex = index
                let use = chainUse(index, bold: bold)
                current = use
                use._withUnsafeGuaranteedRef { use in
                    currentUseIndex = use.index
                    drawnBits = use.drawn
                }
            }
            // The bit tested through the font's memory; its dictionaries
            // only for a glyph drawn for the first time.
            let word = Int(glyph) >> 6, bit = UInt64(1) << UInt64(glyph & 63)
            if word < drawnBits.count, drawnBits[word] & bit == 0, let current {
                current._withUnsafeGuaranteedRef { current in
                    if current.insert(glyph) { current.unicode[glyph] = Unicode.Scalar(UInt32(value)).map { String($0) } ?? " " }
                }
            }
            if recording, let current {
                noteTry(current.takeUnretainedValue(), glyph, text: Unicode.Scalar(UInt32(value)).map { String($0) } ?? " ", scalar: UInt32(b))
            }
            glyphOut[glyphCount] = glyph
            glyphCount += 1
            width += widthTable[index * n + b]
        }
        if current != nil, glyphCount > start {
            (runOut + runCount).initialize(to: PendingRun(font: currentUseIndex, start: start, count: glyphCount - start, width: width))
            runCount += 1
            total += width
        }
        return total
    }

    /// A chain's `ASCIIShaping` tables as plain pointers, taken once per
    /// document: reading the object per cell retained and released it.
    /// Valid while `fonts`, which this document holds, lives (it owns the
    /// `ASCIIShaping` objects, which own the memory).
    private struct ASCIITables {
        let fontCount: Int
        let first: UnsafePointer<Int>
        let neutral: UnsafePointer<Bool>
        let glyph: UnsafePointer<UInt16>
        let width: UnsafePointer<Double>

        init(_ shaping: ASCIIShaping) {
            fontCount = shaping.fontCount
            first = shaping.firstTable
            neutral = shaping.neutralTable
            glyph = shaping.glyphTable
            width = shaping.widthTable
        }
    }

    private let asciiTables: (regular: ASCIITables, bold: ASCIITables)
    private let chainLengths: (regular: Int, bold: Int)
    private let chainCapacity: Int

    /// The FontUse of each font of the regular (from 0) and bold (from
    /// `chainCapacity`) chains, found by name once per document rather than
    /// once per cell. Unretained: `uses` keeps every use alive as long as
    /// the document; in memory the document owns, so reading one retains
    /// nothing.
    @exclusivity(unchecked) private var chainUses: UnsafeMutablePointer<Unmanaged<FontUse>?>

    private func chainUse(_ index: Int, bold: Bool) -> Unmanaged<FontUse> {
        let slot = (bold ? chainCapacity : 0) + index
        if let known = chainUses[slot] { return known }
        let found = Unmanaged.passUnretained(use(fonts.chain(bold: bold)[index]))
        chainUses[slot] = found
        return found
    }

    /// The pending text as runs (what `shapeRuns` returns for it).
    func pendingAsRuns() -> [Run] {
        pendingRuns.map { run in
            let use = uses[run.font]
            return Run(fontKey: use.font.postScriptName, fontIndex: run.font,
                       glyphs: Array(UnsafeBufferPointer(rebasing: pendingGlyphs[run.start..<(run.start + run.count)])), width: run.width)
        }
    }

    /// Draws the pending text as `draw` draws its runs.
    func drawPending(x: Double, y: Double, size: Double, gray: Double = 0) {
        if pages.isEmpty { newPage() }
        let index = pages.count - 1
        let glyphs = UnsafeBufferPointer(pendingGlyphs)
        if pendingRuns.count == 1, let run = pendingRuns.first {
            // Nearly every cell is one run.
            pages[index].run(run.font, glyphs[run.start..<(run.start + run.count)], size: size, x: x, y: y, gray: gray)
            return
        }
        Self.text(on: &pages[index], x: x, y: y, size: size, gray: gray,
                  runs: pendingRuns.lazy.map { ($0.font, glyphs[$0.start..<($0.start + $0.count)], $0.width) })
    }

    // MARK: writing

    func write(title: String, author: String) -> [UInt8] {
        var pdf = PDFWriter()
        let catalog = pdf.reserve()
        let pagesID = pdf.reserve()
        var subsets: [PreparedSubset] = []
        var fontResources = ""
        let base = language.map { fonts.prepared.base(language: $0, fonts: fonts) } ?? [:]
        for use in uses {
            let (ref, subset) = embed(use, base: base[use.font.postScriptName] ?? [], in: &pdf)
            subsets.append(subset)
            fontResources += " /F\(use.index + 1) \(ref) 0 R"
        }
        let resources = pdf.add("<< /Font <<\(fontResources) >> /ProcSet [/PDF /Text] >>")
        var pageRefs: [Int] = []
        let mediaBox = Array(" 0 R /MediaBox [0 0 \(PDFWriter.number(pageWidth)) \(PDFWriter.number(pageHeight))] /Resources \(resources) 0 R /Contents ".utf8)
        for index in pages.indices {
            pages[index].endText()
            pages[index].writeCIDs(subsets)
            let content = pdf.addStream(pages[index].bytes)
            pageRefs.append(pdf.add(.text("<< /Type /Page /Parent "), .number(pagesID), .bytes(mediaBox), .number(content), .text(" 0 R >>")))
        }
        pdf.set(pagesID, "<< /Type /Pages /Kids [\(pageRefs.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(pageRefs.count) >>")
        pdf.set(catalog, "<< /Type /Catalog /Pages \(pagesID) 0 R >>")
        let info = pdf.add(.text("<< /Title "), .bytes(PDFWriter.textStringBytes(title)), .text(" /Author "), .bytes(PDFWriter.textStringBytes(author)), .text(" /Producer (OpenCASS) >>"))
        return pdf.finish(root: catalog, info: info)
    }

    /// Embeds a font subset as Type0 / CIDFontType2 with Identity-H and a
    /// ToUnicode map; returns the Type0 font's object number. The subset is
    /// the font's base set for the language when the document drew nothing
    /// else (then prepared once and shared), else the base set and the rest.
    private func embed(_ use: FontUse, base: [UInt16], in pdf: inout PDFWriter) -> (Int, PreparedSubset) {
        let font = use.font
        let used = use.glyphs
        let glyphs = used.allSatisfy { Self.contains(base, $0) } ? base : Self.union(used, base)
        let subset = fonts.prepared.subset(of: font, glyphs: glyphs)
        let file = pdf.add(bytes: subset.fontFileObject)
        let descriptor = pdf.add(.bytes(subset.descriptorHead), .number(file), .text(" 0 R >>"))
        let cid = pdf.add(.bytes(subset.cidFontHead), .number(descriptor), .bytes(subset.cidFontTail))
        let toUnicode = pdf.add(bytes: fonts.prepared.toUnicodeObject(toUnicodeCMap(use, subset)))
        let type0 = pdf.add(.bytes(subset.type0Head), .number(cid), .text(" 0 R] /ToUnicode "), .number(toUnicode), .text(" 0 R >>"))
        return (type0, subset)
    }

    /// The glyphs of two ascending lists without repeats, ascending: what
    /// `Array(Set(a).union(b)).sorted()` gives, without hashing each glyph.
    static func union(_ a: [UInt16], _ b: [UInt16]) -> [UInt16] {
        var result: [UInt16] = []
        result.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            let next: UInt16
            if j == b.count || (i < a.count && a[i] < b[j]) { next = a[i]; i += 1 }
            else if i == a.count || b[j] < a[i] { next = b[j]; j += 1 }
            else { next = a[i]; i += 1; j += 1 }
            if result.last != next { result.append(next) }
        }
        return result
    }

    /// Binary search in a sorted glyph list.
    static func contains(_ sorted: [UInt16], _ glyph: UInt16) -> Bool {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < glyph { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == glyph
    }

    /// The glyphs every label of a language (and printable ASCII) draws
    /// with, per font: what a document of that language embeds at least.
    static func baseGlyphs(language: String, fonts: FontSet) -> [String: [UInt16]] {
        let document = PDFDocument(fonts: fonts, language: nil)
        let translations = Translations(language: language)
        var texts = Array(translations.english.values) + Array(translations.table.values)
        texts.append(String(String.UnicodeScalarView((0x20...0x7E).compactMap(Unicode.Scalar.init))))
        texts.append("\u{00A0}…")
        for text in texts {
            _ = document.shapeRuns(text, bold: false, paragraphLevel: nil)
            _ = document.shapeRuns(text, bold: true, paragraphLevel: nil)
        }
        return document.usage.mapValues { $0.glyphs }
    }

    /// Built as bytes: through string interpolation and a hex string per
    /// glyph it was about 350,000 instructions per font of every PDF; then
    /// appended byte by byte, about 70,000.
    private func toUnicodeCMap(_ use: FontUse, _ subset: PreparedSubset) -> [UInt8] {
        // In the drawn glyphs' ascending order, which is the CIDs' order when
        // the subset numbers them in glyph order (it does): no sort of the
        // pairs. Otherwise, or if a drawn glyph lacks its text, sorted.
        let unicode = use.unicode
        var entries: [(UInt16, String)] = []
        entries.reserveCapacity(unicode.count)
        var ascending = true
        var last = -1
        for glyph in use.glyphs {
            guard let text = unicode[glyph] else { ascending = false; break }
            let cid = subset.cid(glyph)
            if Int(cid) <= last { ascending = false; break }
            last = Int(cid)
            entries.append((cid, text))
        }
        if !ascending || entries.count != unicode.count {
            entries = unicode.map { old, text in (subset.cid(old), text) }.sorted { $0.0 < $1.0 }
        }
        return Self.toUnicodeCMap(entries)
    }

    static let cmapHead: StaticString = "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
    static let cmapTail: StaticString = "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"

    /// A ToUnicode CMap of (CID, text) pairs in CID order, in chunks of 100
    /// `bfchar` entries, written into memory sized for it beforehand.
    static func toUnicodeCMap(_ entries: [(UInt16, String)]) -> [UInt8] {
        // A text has no more UTF-16 units than UTF-8 bytes; each unit takes
        // four hex digits; an entry "<CID> <" and ">\n" 10 more; a chunk's
        // count and "beginbfchar\n"/"endbfchar\n" at most 28.
        var units = 0
        for (_, text) in entries { units += text.utf8.count }
        let chunks = (entries.count + 99) / 100
        let capacity = cmapHead.utf8CodeUnitCount + cmapTail.utf8CodeUnitCount + 32 * chunks + 10 * entries.count + 4 * units
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            guard let base = buffer.baseAddress else { count = 0; return }
            var out = ContentBytes(base: base, capacity: capacity)
            out.text(cmapHead)
            var start = 0
            while start < entries.count {
                let end = min(start + 100, entries.count)
                out.decimal(end - start)
                out.text(" beginbfchar\n")
                for k in start..<end {
                    let (cid, unicode) = entries[k]
                    out.text("<")
                    out.hex4(cid)
                    out.text("> <")
                    for unit in unicode.utf16 { out.hex4(unit) }
                    out.text(">\n")
                }
                out.text("endbfchar\n")
                start = end
            }
            out.text(cmapTail)
            count = out.count
        }
    }

    /// The ToUnicode CMap as it was built before (appended byte by byte):
    /// what the tests compare `toUnicodeCMap` with.
    static func toUnicodeCMapAppending(_ entries: [(UInt16, String)]) -> [UInt8] {
        var s: [UInt8] = []
        func text(_ ascii: StaticString) { s.append(contentsOf: UnsafeBufferPointer(start: ascii.utf8Start, count: ascii.utf8CodeUnitCount)) }
        text(cmapHead)
        var start = 0
        while start < entries.count {
            let chunk = entries[start..<min(start + 100, entries.count)]
            s.append(contentsOf: String(chunk.count).utf8)
            text(" beginbfchar\n")
            for (cid, unicode) in chunk {
                s.append(UInt8(ascii: "<"))
                PDFWriter.append(hex4: cid, to: &s)
                text("> <")
                for unit in unicode.utf16 { PDFWriter.append(hex4: unit, to: &s) }
                text(">\n")
            }
            text("endbfchar\n")
            start += 100
        }
        text(cmapTail)
        return s
    }

}

extension PDFDocument.Page {
    /// Writes at most `capacity` bytes through `ContentBytes` straight into
    /// the page's content: an append per literal and per digit was most of
    /// the cost of a cell's text.
    private mutating func write(capacity: Int, _ body: (inout ContentBytes) -> Void) {
        content.write(atMost: capacity) { base in
            var out = ContentBytes(base: base, capacity: capacity)
            body(&out)
            return out.count
        }
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, width: Double, gray: Double) {
        endText()
        write(capacity: 6 * ContentBytes.numberMax + 32) { out in
            out.number(gray); out.text(" G "); out.number(width); out.text(" w "); out.number(x1); out.text(" "); out.number(y1); out.text(" m ")
            out.number(x2); out.text(" "); out.number(y2); out.text(" l S\n")
        }
    }

    mutating func fill(x: Double, y: Double, width: Double, height: Double, gray: Double) {
        endText()
        write(capacity: 5 * ContentBytes.numberMax + 32) { out in
            out.number(gray); out.text(" g "); out.number(x); out.text(" "); out.number(y); out.text(" "); out.number(width); out.text(" ")
            out.number(height); out.text(" re f\n")
        }
        fillGray = gray
    }

    /// Ends the open text object, if any (before other drawing, and at the
    /// end of the page).
    mutating func endText() {
        guard inText else { return }
        content.append("ET\n" as StaticString)
        inText = false
        textFont = -1
    }

    /// One run at `x`, `y` in the open text object (opened if none is),
    /// after the gray, font and size it needs where they differ from those
    /// set; its glyphs' CIDs are placeholders until `writeCIDs`. One write
    /// for all of it: an append per piece was a good part of drawing a cell.
    /// `font`: the font's place in the document (`FontUse.index`), by
    /// number rather than its use object, which was retained and released
    /// for every cell.
    mutating func run<Glyphs: Collection<UInt16>>(_ font: Int, _ runGlyphs: Glyphs, size: Double, x: Double, y: Double, gray: Double) {
        let count = runGlyphs.count
        let start = content.count
        let opens = !inText
        let setsGray = fillGray != gray
        let setsFont = textFont != font || textSize != size
        let toX = ContentBytes.hundredths(x), toY = ContentBytes.hundredths(y)
        let stepsAlong = !opens && toY == lineY, fromX = lineX
        var placeholders = 0
        write(capacity: 5 * ContentBytes.numberMax + 48 + 2 * count) { out in
            if opens { out.text("BT\n") }
            if setsGray { out.number(gray); out.text(" g\n") }
            if setsFont { out.fontName(font); out.number(size); out.text(" Tf\n") }
            if stepsAlong {
                out.number(hundredths: toX &- fromX); out.text(" 0 Td (")
            } else {
                out.text("1 0 0 1 "); out.number(hundredths: toX); out.text(" "); out.number(hundredths: toY); out.text(" Tm (")
            }
            placeholders = out.count
            out.zeros(2 * count)
            out.text(") Tj\n")
        }
        inText = true
        fillGray = gray
        textFont = font
        textSize = size
        lineX = toX
        lineY = toY
        slots.append(PDFDocument.GlyphSlot(offset: start + placeholders, font: font, start: glyphs.count, count: count))
        glyphs.append(contentsOf: runGlyphs)
    }

    /// Puts each glyph's CID in its font's subset (`subsets[font]`) in
    /// place of its placeholder, as its two bytes: a literal string holds
    /// them as they are, because subsets number no glyph with a byte a
    /// literal string would need escaped (`TrueTypeFont.cidIsLiteralSafe`).
    /// Four hex digits per glyph were the largest part of a page's content
    /// stream, every byte of it compressed.
    mutating func writeCIDs(_ subsets: [PreparedSubset]) {
        let slots = self.slots, glyphs = self.glyphs
        content.withUnsafeMutableBytes { out in
            for slot in slots where slot.font < subsets.count {
                let subset = subsets[slot.font]
                var at = slot.offset
                for k in slot.start..<(slot.start + slot.count) {
                    let cid = subset.cid(glyphs[k])
                    assert(TrueTypeFont.cidIsLiteralSafe(Int(cid)), "CID \(cid) needs escaping in a literal string")
                    out[at] = UInt8(cid >> 8)
                    out[at + 1] = UInt8(cid & 0xFF)
                    at += 2
                }
            }
        }
    }
}

/// Content stream bytes written through a pointer into memory the caller
/// sized for them (`PDFDocument.Page.write`): numbers as
/// `PDFWriter.append(number:to:)` writes them, literals copied whole.
struct ContentBytes {
    /// The most bytes a number takes: sign, 17 digits (the largest Int / 100), point, two decimals.
    static let numberMax = 24
    let base: UnsafeMutablePointer<UInt8>
    let capacity: Int
    private(set) var count = 0

    init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    mutating func text(_ ascii: StaticString) {
        let n = ascii.utf8CodeUnitCount
        precondition(count + n <= capacity, "content bytes past their room")
        (base + count).update(from: ascii.utf8Start, count: n)
        count += n
    }

    mutating func bytes(_ values: [UInt8]) {
        precondition(count + values.count <= capacity, "content bytes past their room")
        values.withUnsafeBufferPointer { source in
            guard let start = source.baseAddress else { return }
            (base + count).update(from: start, count: source.count)
        }
        count += values.count
    }

    mutating func bytes(_ values: UnsafeBufferPointer<UInt8>) {
        precondition(count + values.count <= capacity, "content bytes past their room")
        if let start = values.baseAddress { (base + count).update(from: start, count: values.count) }
        count += values.count
    }

    /// Four upper-case hex digits.
    mutating func hex4(_ value: UInt16) {
        precondition(count + 4 <= capacity, "content bytes past their room")
        let digits = PDFWriter.hexDigits.utf8Start
        base[count] = digits[Int(value >> 12)]
        base[count + 1] = digits[Int((value >> 8) & 0xF)]
        base[count + 2] = digits[Int((value >> 4) & 0xF)]
        base[count + 3] = digits[Int(value & 0xF)]
        count += 4
    }

    /// A non-negative integer in decimal, as `String(value)` writes it.
    mutating func decimal(_ value: Int) {
        precondition(count + 20 <= capacity, "content bytes past their room")
        var digits = 1
        var divisor = 1
        while value / divisor >= 10 { divisor *= 10; digits += 1 }
        var rest = value
        for _ in 0..<digits {
            base[count] = UInt8(ascii: "0") + UInt8(rest / divisor)
            rest %= divisor
            divisor /= 10
            count += 1
        }
    }

    mutating func zeros(_ n: Int) {
        precondition(count + n <= capacity, "content bytes past their room")
        (base + count).update(repeating: UInt8(ascii: "0"), count: n)
        count += n
    }

    /// A coordinate in whole hundredths of a point, the precision `number`
    /// writes. Coordinates beyond ±2^53 (none a page has) are clamped
    /// rather than trapping in the conversion.
    static func hundredths(_ value: Double) -> Int {
        let scaled = (value * 100).rounded()
        guard scaled.isFinite else { return 0 }
        return Int(max(-9.0e15, min(9.0e15, scaled)))
    }

    /// A coordinate with at most two decimals, as `PDFWriter.number` gives it.
    mutating func number(_ value: Double) {
        number(hundredths: Self.hundredths(value))
    }

    /// A font's resource name and a space, `/F<index + 1> `: the name the
    /// page resources give the font of that place (`FontUse.index`).
    mutating func fontName(_ index: Int) {
        text("/F")
        number(hundredths: (index + 1) * 100)
        text(" ")
    }

    /// `hundredths` / 100 with at most two decimals, as `number` writes a
    /// coordinate: "36", "8.50", "-13.50".
    mutating func number(hundredths: Int) {
        precondition(count + Self.numberMax <= capacity, "content bytes past their room")
        if hundredths >= 0 && hundredths < 1_000_000 {
            // Page coordinates, sizes and grays (under 10,000): digits by
            // constant divisions, where the loop below divides by a
            // variable divisor (a hardware division each) for every digit.
            let whole = hundredths / 100, fraction = hundredths % 100
            let zero = UInt8(ascii: "0")
            if whole >= 1000 {
                base[count] = zero + UInt8(whole / 1000)
                base[count + 1] = zero + UInt8(whole / 100 % 10)
                base[count + 2] = zero + UInt8(whole / 10 % 10)
                base[count + 3] = zero + UInt8(whole % 10)
                count += 4
            } else if whole >= 100 {
                base[count] = zero + UInt8(whole / 100)
                base[count + 1] = zero + UInt8(whole / 10 % 10)
                base[count + 2] = zero + UInt8(whole % 10)
                count += 3
            } else if whole >= 10 {
                base[count] = zero + UInt8(whole / 10)
                base[count + 1] = zero + UInt8(whole % 10)
                count += 2
            } else {
                base[count] = zero + UInt8(whole)
                count += 1
            }
            if fraction != 0 {
                base[count] = UInt8(ascii: ".")
                base[count + 1] = zero + UInt8(fraction / 10)
                base[count + 2] = zero + UInt8(fraction % 10)
                count += 3
            }
            return
        }
        if hundredths < 0 { base[count] = UInt8(ascii: "-"); count += 1 }
        let magnitude = hundredths.magnitude
        var whole = magnitude / 100
        var digits = 1
        var divisor: UInt = 1
        while whole / divisor >= 10 { divisor *= 10; digits += 1 }
        for _ in 0..<digits {
            base[count] = UInt8(ascii: "0") + UInt8(whole / divisor)
            whole %= divisor
            divisor /= 10
            count += 1
        }
        let fraction = magnitude % 100
        if fraction != 0 {
            base[count] = UInt8(ascii: ".")
            base[count + 1] = UInt8(ascii: "0") + UInt8(fraction / 10)
            base[count + 2] = UInt8(ascii: "0") + UInt8(fraction % 10)
            count += 3
        }
    }
}
