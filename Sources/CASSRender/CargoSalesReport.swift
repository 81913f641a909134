import CASSDomain

/// The CASS Cargo Sales Report of one invoice as a PDF: A4 portrait, one
/// section per airline (AWB lines, then corrections and memos as
/// "Additional Adjustments & Charges", then taxes and the section total), the
/// agent's Additional Adjustments & Charges (credits applied, dispute memos),
/// the payment summary as it stands on `payments.asOf`, and the grand total. Column headings repeat on every page
/// and every page says "page n of m". Right-to-left languages get the whole
/// grid mirrored.
public struct CargoSalesReport {
    public let invoice: Invoice
    public let operation: CASSDomain.Operation?
    public let agent: Agent?
    public let reference: ReferenceData
    public let translations: Translations
    /// Where payment stands; nothing paid (period close) unless given.
    public let payments: DocumentPayments

    public init(invoice: Invoice, reference: ReferenceData, payments: DocumentPayments? = nil) {
        self.invoice = invoice
        self.reference = reference
        self.payments = payments ?? .unpaid(invoice)
        self.operation = reference.operation(invoice.country)
        self.agent = reference.agent(invoice.agentCode, in: invoice.country)
        let translations = Translations(preferring: [agent?.language, operation?.language].compactMap { $0 })
        self.translations = translations
        chargesTexts = (translations["charges." + ChargesIndicator.prepaid.code], translations["charges." + ChargesIndicator.collect.code])
    }

    struct Column {
        let key: String
        let width: Double
        let numeric: Bool
        var centered = false

        var align: ReportCanvas.Align { centered ? .center : numeric ? .end : .start }
    }

    /// Widths add up to the 523 pt between the margins. `col.charges` is
    /// the AWB's charges indicator (prepaid or collect): it says why a
    /// collect AWB's net is negative, and a note under the table says it in words.
    static let lineColumns: [Column] = [
        Column(key: "col.awb", width: 60, numeric: false), Column(key: "col.issue_date", width: 42, numeric: false),
        Column(key: "col.route", width: 45, numeric: false), Column(key: "col.charges", width: 24, numeric: false, centered: true),
        Column(key: "col.weight", width: 38, numeric: true),
        Column(key: "col.weight_charge", width: 56, numeric: true), Column(key: "col.valuation", width: 50, numeric: true),
        Column(key: "col.due_carrier", width: 50, numeric: true), Column(key: "col.commission", width: 50, numeric: true),
        Column(key: "col.incentive", width: 48, numeric: true), Column(key: "col.net", width: 60, numeric: true),
    ]
    static let adjustmentColumns: [Column] = [
        Column(key: "col.awb", width: 58, numeric: false), Column(key: "col.type", width: 28, numeric: false),
        Column(key: "col.reason", width: 30, numeric: false), Column(key: "col.issue_date", width: 42, numeric: false),
        Column(key: "col.route", width: 43, numeric: false), Column(key: "col.charges", width: 24, numeric: false, centered: true),
        Column(key: "col.weight_charge", width: 52, numeric: true),
        Column(key: "col.valuation", width: 46, numeric: true), Column(key: "col.due_carrier", width: 46, numeric: true),
        Column(key: "col.commission", width: 46, numeric: true), Column(key: "col.incentive", width: 44, numeric: true),
        Column(key: "col.net", width: 64, numeric: true),
    ]
    static let taxColumns: [Column] = [
        Column(key: "col.tax", width: 40, numeric: false), Column(key: "col.description", width: 153, numeric: false),
        Column(key: "col.base", width: 70, numeric: false), Column(key: "col.base_amount", width: 80, numeric: true),
        Column(key: "col.rate", width: 50, numeric: true), Column(key: "col.direction", width: 60, numeric: false, centered: true),
        Column(key: "col.amount", width: 70, numeric: true),
    ]

    static let tableSize = 7.0
    static let rowHeight = 10.5

    public func render(fonts: FontSet) -> [UInt8] {
        let t = translations
        let document = PDFDocument(fonts: fonts, language: t.language)
        // Headings prepared for another document hold its fonts' places.
        headingCache.tables = Array(repeating: nil, count: Table.allCases.count)
        let canvas = ReportCanvas(document: document, rightToLeft: t.isRightToLeft)
        let agentName = agent?.name ?? invoice.agentCodeText
        canvas.onNewPage = { c in
            c.y -= 10
            c.cell(t["title"] + " · " + invoice.number, x: 0, w: c.width * 0.6, baseline: c.y, size: 8, bold: true, gray: 0.3)
            c.cell(agentName, x: c.width * 0.6, w: c.width * 0.4, baseline: c.y, size: 8, align: .end, gray: 0.3)
            c.y -= 6
            c.rule(at: c.y)
            c.y -= 4
            c.runningHeading?(c)
        }

        drawHeader(canvas, agentName: agentName)
        for section in invoice.sections.sorted(by: { $0.airlinePrefix < $1.airlinePrefix }) {
            drawSection(section, canvas)
            canvas.runningHeading = nil
        }
        if invoice.sections.isEmpty {
            canvas.paragraph(t["no_lines"], x: 0, w: canvas.width, size: 9)
        }
        drawAgentAdjustments(canvas)
        drawSummary(canvas)

        let pages = document.pageCount
        for page in 0..<pages {
            let label = t.text("page", ["n": String(page + 1), "m": String(pages)])
            let runs = document.runs(label, bold: false)
            let w = document.width(of: runs, size: 7.5)
            document.append(.line(x1: canvas.left, y1: 36, x2: canvas.right, y2: 36, width: 0.4, gray: 0.6), toPage: page)
            document.draw(runs, x: (document.pageWidth - w) / 2, y: 26, size: 7.5, gray: 0.25, page: page)
            let number = document.runs(invoice.number, bold: false)
            let numberX = t.isRightToLeft ? canvas.right - document.width(of: number, size: 7.5) : canvas.left
            document.draw(number, x: numberX, y: 26, size: 7.5, gray: 0.25, page: page)
        }
        return document.write(title: t["title"] + " " + invoice.number, author: operation?.entityName ?? "CASS")
    }

    private func money(_ minor: Int64) -> String { translations.amount(minor, digits: invoice.minorDigits) }

    /// Prepaid or collect in the invoice's language; blank on memos and on
    /// lines stored before lines kept the indicator.
    private func charges(_ indicator: ChargesIndicator?) -> String {
        switch indicator {
        case .prepaid: chargesTexts.prepaid
        case .collect: chargesTexts.collect
        case nil: ""
        }
    }

    /// `charges.P` and `charges.C`, looked up once rather than per line.
    private let chargesTexts: (prepaid: String, collect: String)

    /// A date in the short pattern, formatted once per date of the report.
    private func shortDate(_ date: CivilDate) -> String {
        let slot = ShortDates.slot(date)
        // Allocated at the first date: a report made only for its language
        // (`DocumentRenderer.language`) needs none.
        if shortDates.dates.isEmpty {
            shortDates.dates = [CivilDate?](repeating: nil, count: ShortDates.slots)
            shortDates.texts = [String](repeating: "", count: ShortDates.slots)
        }
        if shortDates.dates[slot] == date { return shortDates.texts[slot] }
        let text = translations.date(date, short: true)
        shortDates.dates[slot] = date
        shortDates.texts[slot] = text
        return text
    }

    /// The short dates of one report's lines (a period's issue dates: a
    /// few dozen), kept because formatting one through the language's
    /// pattern (or finding it in `Translations`' shared dates) builds or
    /// hashes several values and every line has one. Direct-mapped by
    /// day of the year: a period's dates, within a few months, take
    /// different slots; a date whose slot another holds is formatted
    /// again (the same text) and takes it. A dictionary by date cost
    /// about 2,600 instructions a line, hashing the three fields.
    private final class ShortDates {
        static let slots = 512
        @exclusivity(unchecked) var dates: [CivilDate?] = []
        @exclusivity(unchecked) var texts: [String] = []

        @inline(__always) static func slot(_ date: CivilDate) -> Int {
            (date.year &* 372 &+ date.month &* 31 &+ date.day) & (slots - 1)
        }
    }
    private let shortDates = ShortDates()

    private func drawHeader(_ c: ReportCanvas, agentName: String) {
        let t = translations
        c.y -= 16
        c.cell(t["title"], x: 0, w: c.width * 0.6, baseline: c.y, size: 16, bold: true)
        c.cell(invoice.number, x: c.width * 0.6, w: c.width * 0.4, baseline: c.y, size: 12, bold: true, align: .end)
        c.y -= 8
        c.rule(at: c.y, width: 1, gray: 0.2)

        let half = c.width / 2 - 10
        let topY = c.y
        c.y -= 12
        c.cell(t["cass_operation"], x: 0, w: half, baseline: c.y, size: 7, gray: 0.4)
        c.paragraph(operation?.entityName ?? invoice.country, x: 0, w: half, size: 10, bold: true)
        c.paragraph(t["tax_id"] + ": " + (operation?.entityTaxID ?? ""), x: 0, w: half, size: 8)
        let leftBottom = c.y

        c.y = topY - 12
        let rightX = c.width / 2 + 10
        c.cell(t["agent"], x: rightX, w: half, baseline: c.y, size: 7, gray: 0.4)
        c.paragraph(agentName, x: rightX, w: half, size: 11, bold: true)
        if let address = agent?.address, !address.isEmpty { c.paragraph(address, x: rightX, w: half, size: 8) }
        c.paragraph(t["tax_id"] + ": " + (agent?.taxID ?? ""), x: rightX, w: half, size: 8)
        c.paragraph(t["agent_code"] + ": " + invoice.agentCodeText, x: rightX, w: half, size: 8)
        c.y = min(c.y, leftBottom) - 8

        let facts: [(String, String)] = [
            (t["invoice_number"], invoice.number),
            (t["invoice_date"], t.date(invoice.invoiceDate)),
            (t["remittance_date"], t.date(invoice.remittanceDate)),
            (t["billing_period"], invoice.period.description),
            (t["currency"], invoice.currency),
        ]
        let w = c.width / Double(facts.count)
        c.shade(from: c.y - 26, height: 26)
        for (i, fact) in facts.enumerated() {
            c.cell(fact.0, x: Double(i) * w + 4, w: w - 8, baseline: c.y - 9, size: 7, gray: 0.35)
            c.cell(fact.1, x: Double(i) * w + 4, w: w - 8, baseline: c.y - 21, size: 9.5, bold: true)
        }
        c.y -= 34
    }

    /// The tables whose column headings are drawn (on every page they run over).
    enum Table: Int, CaseIterable {
        case lines, adjustments, taxes, credits, memos

        var columns: [Column] {
            switch self {
            case .lines: CargoSalesReport.lineColumns
            case .adjustments: CargoSalesReport.adjustmentColumns
            case .taxes: CargoSalesReport.taxColumns
            case .credits: CargoSalesReport.creditColumns
            case .memos: CargoSalesReport.memoColumns
            }
        }
    }

    /// A table's headings as drawn the first time in this report: how
    /// many lines they take and each cell, shaped and placed, with the
    /// line it is on and the empty lines above it (the baseline is
    /// computed from the cursor as the first time, term by term).
    private struct PreparedHeadings {
        let lines: Int
        let cells: [(cell: ReportCanvas.PreparedCell, k: Int, pad: Int)]
    }

    /// The headings of each table drawn so far in this report: a table
    /// running over many pages repeats them on each, and wrapping,
    /// shaping and placing them (labels in any script, looked up by text)
    /// every time was a tenth of a PDF's cost. Drawn again from here they
    /// give the same bytes; the glyphs were marked drawn the first time.
    /// One entry per `Table` case.
    private final class HeadingCache {
        var tables: [PreparedHeadings?] = Array(repeating: nil, count: Table.allCases.count)
    }
    private let headingCache = HeadingCache()

    private func headings(_ table: Table, _ c: ReportCanvas) {
        if let known = headingCache.tables[table.rawValue] {
            drawHeadings(known, c)
            return
        }
        let document = c.document
        let key = SharedHeadings.Key(language: translations.language, table: table.rawValue, rightToLeft: c.rightToLeft)
        let prepared: PreparedHeadings
        if let shared = document.fonts.headings[key], !document.isRecording,
           let adopted = Self.adopt(shared, document) {
            prepared = adopted
        } else {
            let (made, glyphUse) = document.recordingGlyphUse { prepareHeadings(table, c) }
            document.fonts.headings[key] = SharedHeadings.Prepared(lines: made.lines, cells: made.cells, glyphUse: glyphUse)
            prepared = made
        }
        headingCache.tables[table.rawValue] = prepared
        drawHeadings(prepared, c)
    }

    /// Headings another document prepared, taken into `document`: their
    /// glyph tries replayed (which puts their fonts in use), then their
    /// runs in this document's fonts. Nil (having replayed) if a font is
    /// missing, which replaying rules out; preparing them again then
    /// tries the same glyphs, already marked.
    private static func adopt(_ shared: SharedHeadings.Prepared, _ document: PDFDocument) -> PreparedHeadings? {
        document.replay(shared.glyphUse)
        var cells: [(cell: ReportCanvas.PreparedCell, k: Int, pad: Int)] = []
        cells.reserveCapacity(shared.cells.count)
        for (cell, k, pad) in shared.cells {
            guard let runs = document.adopt(cell.runs) else { return nil }
            cells.append((ReportCanvas.PreparedCell(runs: runs, x: cell.x, size: cell.size, gray: cell.gray), k, pad))
        }
        return PreparedHeadings(lines: shared.lines, cells: cells)
    }

    /// Wraps, shapes and places a table's headings (what `headings` draws).
    private func prepareHeadings(_ table: Table, _ c: ReportCanvas) -> PreparedHeadings {
        let columns = table.columns
        let t = translations
        let size = 6.5
        let wrapped = columns.map { c.wrap(t[$0.key], w: $0.width - 4, size: size, bold: true, breakWords: false) }
        let lines = min(2, wrapped.map(\.count).max() ?? 1)
        var cells: [(cell: ReportCanvas.PreparedCell, k: Int, pad: Int)] = []
        var x = 0.0
        for (column, text) in zip(columns, wrapped) {
            let shown = text.count > 2 ? [text[0], text[1...].joined(separator: " ")] : text
            for (k, line) in shown.enumerated() {
                if let cell = c.prepareCell(line, x: x + 2, w: column.width - 4, size: size, bold: true, align: column.align) {
                    cells.append((cell, k, lines - shown.count))
                }
            }
            x += column.width
        }
        return PreparedHeadings(lines: lines, cells: cells)
    }

    private func drawHeadings(_ headings: PreparedHeadings, _ c: ReportCanvas) {
        let height = Double(headings.lines) * 8 + 4
        c.shade(from: c.y - height, height: height, gray: 0.85)
        for (cell, k, pad) in headings.cells {
            c.draw(cell, baseline: c.y - 8 - Double(k) * 8 - Double(pad) * 8)
        }
        c.y -= height + 1
    }

    /// What a table cell shows: text, or a value written straight into
    /// the canvas' buffer (amounts and routes of every AWB line: a String
    /// each was a good part of a row's cost).
    enum Cell {
        case text(String)
        /// An amount in the invoice's minor units (`money`).
        case money(Int64)
        /// A chargeable weight in tenths of a kilogram (`Translations.weight`).
        case weight(Int64)
        /// Origin and destination joined by "-".
        case route(String, String)
    }

    private func row(_ values: [Cell], _ columns: [Column], _ c: ReportCanvas, shaded: Bool, bold: Bool = false) {
        beginRow(c, shaded: shaded)
        var x = 0.0
        for (column, value) in zip(columns, values) { put(value, column, &x, c, bold: bold) }
    }

    private func beginRow(_ c: ReportCanvas, shaded: Bool) {
        c.need(Self.rowHeight)
        if shaded { c.shade(from: c.y - Self.rowHeight, height: Self.rowHeight, gray: 0.96) }
        c.y -= Self.rowHeight
    }

    /// Draws one cell of the row begun last in `column`, starting at `x`,
    /// and moves `x` past the column.
    private func put(_ value: Cell, _ column: Column, _ x: inout Double, _ c: ReportCanvas, bold: Bool = false) {
        let (cx, w, baseline, align) = (x + 2, column.width - 4, c.y + 3, column.align)
        switch value {
        case .text(let text):
            c.cell(text, x: cx, w: w, baseline: baseline, size: Self.tableSize, bold: bold, align: align)
        case .money(let minor):
            let t = translations, digits = invoice.minorDigits
            c.cell(x: cx, w: w, baseline: baseline, size: Self.tableSize, bold: bold, align: align) { t.appendAmount(minor, digits: digits, to: &$0) }
        case .weight(let tenths):
            let t = translations
            c.cell(x: cx, w: w, baseline: baseline, size: Self.tableSize, bold: bold, align: align) { t.appendAmount(tenths, digits: 1, to: &$0) }
        case let .route(origin, destination):
            c.cell(x: cx, w: w, baseline: baseline, size: Self.tableSize, bold: bold, align: align) {
                $0.append(contentsOf: origin.utf8)
                $0.append(UInt8(ascii: "-"))
                $0.append(contentsOf: destination.utf8)
            }
        }
        x += column.width
    }

    /// An AWB line's row: `row` without an array of its eleven cells
    /// (most rows of an invoice are these).
    /// The line read where it is (`InPlace`): a copy retained its file name.
    private func awbRow(_ line: UnsafePointer<InvoiceLine>, _ c: ReportCanvas, shaded: Bool) {
        beginRow(c, shaded: shaded)
        let columns = Self.lineColumns
        guard columns.count == 11 else { return }
        var x = 0.0
        put(.text(line.pointee.awb), columns[0], &x, c)
        put(.text(shortDate(line.pointee.issueDate)), columns[1], &x, c)
        put(.route(line.pointee.origin, line.pointee.destination), columns[2], &x, c)
        put(.text(charges(line.pointee.chargesIndicator)), columns[3], &x, c)
        put(.weight(line.pointee.chargeableWeightTenthsKg), columns[4], &x, c)
        put(.money(line.pointee.weightCharge), columns[5], &x, c)
        put(.money(line.pointee.valuationCharge), columns[6], &x, c)
        put(.money(line.pointee.otherChargesDueCarrier), columns[7], &x, c)
        put(.money(line.pointee.commission), columns[8], &x, c)
        put(.money(line.pointee.incentive), columns[9], &x, c)
        put(.money(line.pointee.amount), columns[10], &x, c)
    }

    private func subheading(_ text: String, _ c: ReportCanvas) {
        c.need(40)
        c.y -= 13
        c.cell(text, x: 0, w: c.width, baseline: c.y + 2, size: 8.5, bold: true)
        c.y -= 2
    }

    private func drawSection(_ section: InvoiceSection, _ c: ReportCanvas) {
        let t = translations
        let airline = reference.airline(section.airlinePrefix)
        let prefix = airline?.prefixText ?? String(section.airlinePrefix)
        var title = prefix + "  " + (airline?.name ?? "")
        if let taxID = airline?.taxID, !taxID.isEmpty { title += "  ·  " + t["tax_id"] + ": " + taxID }
        c.need(80)
        c.y -= 6
        c.shade(from: c.y - 16, height: 16, gray: 0.78)
        c.cell(t["airline"] + " " + title, x: 4, w: c.width - 8, baseline: c.y - 11.5, size: 10, bold: true)
        c.y -= 20

        let continued = t["airline"] + " " + prefix + " (" + t["continued"] + ")"
        // Indices, not filtered copies of the lines: a copied line retains
        // and releases its file name, and this ran for every line.
        let lines = section.lines
        let regular = InPlace.indices(of: lines) { $0.pointee.transaction == .awb }
        let adjustments = InPlace.indices(of: lines) { $0.pointee.transaction != .awb }
        if !regular.isEmpty {
            c.runningHeading = { c in
                c.cell(continued, x: 0, w: c.width, baseline: c.y - 9, size: 8.5, bold: true)
                c.y -= 13
                headings(.lines, c)
            }
            headings(.lines, c)
            lines.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                for (i, index) in regular.enumerated() { awbRow(base + index, c, shaded: i % 2 == 1) }
            }
        }
        if !adjustments.isEmpty {
            subheading(t["adjustments"], c)
            c.runningHeading = { c in
                c.cell(continued + " · " + t["adjustments"], x: 0, w: c.width, baseline: c.y - 9, size: 8.5, bold: true)
                c.y -= 13
                headings(.adjustments, c)
            }
            headings(.adjustments, c)
            for (i, index) in adjustments.enumerated() {
                let line = lines[index]
                row([.text(line.awb), .text(t["transaction." + line.transaction.code]), .text(line.reasonCode), .text(shortDate(line.issueDate)),
                     .route(line.origin, line.destination), .text(charges(line.chargesIndicator)), .money(line.weightCharge), .money(line.valuationCharge),
                     .money(line.otherChargesDueCarrier), .money(line.commission), .money(line.incentive), .money(line.amount)],
                    Self.adjustmentColumns, c, shaded: i % 2 == 1)
            }
        }
        c.runningHeading = { c in
            c.cell(continued, x: 0, w: c.width, baseline: c.y - 9, size: 8.5, bold: true)
            c.y -= 13
        }
        if InPlace.contains(lines, where: { $0.pointee.chargesIndicator == .collect }) {
            c.y -= 2
            c.paragraph(t["charges.note"], x: 0, w: c.width, size: 6.5, gray: 0.3)
        }
        if !section.taxes.isEmpty {
            subheading(t["taxes"], c)
            headings(.taxes, c)
            for (i, tax) in section.taxes.enumerated() {
                row([.text(tax.code), .text(tax.description), .text(t["base." + tax.base.rawValue]), .money(tax.baseAmount),
                     .text(t.amount(tax.rateHundredthsPercent, digits: 2) + " %"), .text(t["tax." + tax.direction.rawValue]),
                     .money(tax.direction == .credited ? -tax.amount : tax.amount)], Self.taxColumns, c, shaded: i % 2 == 1)
            }
        }
        c.need(Self.rowHeight * 4 + 12)
        c.y -= 4
        let labelX = c.width - 320, labelW = 240.0, valueX = c.width - 80, valueW = 78.0
        let totals: [(String, Int64, Bool)] = [
            (t["lines_total"], section.netDue, false),
            (t["taxes_charged"], section.taxCharged, false),
            (t["taxes_credited"], -section.taxCredited, false),
            (t.text("section_total", ["airline": prefix]) + " (" + invoice.currency + ")", section.total, true),
        ]
        for (label, amount, bold) in totals {
            if bold { c.y -= 3; c.rule(x: labelX, w: 320, at: c.y, width: 0.6, gray: 0.3) }
            c.y -= Self.rowHeight
            c.cell(label, x: labelX, w: labelW, baseline: c.y + 3, size: bold ? 8.5 : 7.5, bold: bold, align: .end)
            c.cell(money(amount), x: valueX, w: valueW, baseline: c.y + 3, size: bold ? 8.5 : 7.5, bold: bold, align: .end)
        }
        c.y -= 8
    }

    static let creditColumns: [Column] = [
        Column(key: "col.date", width: 80, numeric: false), Column(key: "col.reference", width: 250, numeric: false),
        Column(key: "col.amount", width: 100, numeric: true),
    ]
    static let memoColumns: [Column] = [
        Column(key: "col.dispute", width: 150, numeric: false), Column(key: "airline", width: 60, numeric: false),
        Column(key: "col.awb", width: 80, numeric: false), Column(key: "col.type", width: 40, numeric: false),
        Column(key: "col.issue_date", width: 60, numeric: false), Column(key: "col.amount", width: 100, numeric: true),
    ]

    /// The agent's Additional Adjustments & Charges: credits from earlier
    /// overpayments applied to this invoice, and the memos of disputes
    /// billed on it (already in their airline's section: listed here so the
    /// agent sees which dispute each settles).
    private func drawAgentAdjustments(_ c: ReportCanvas) {
        let t = translations
        let memos = DisputeMemoLine.all(in: invoice)
        let credits = payments.creditsApplied
        c.need(60)
        c.y -= 10
        c.rule(at: c.y, width: 1, gray: 0.2)
        c.y -= 14
        c.cell(t["adjustments"], x: 0, w: c.width, baseline: c.y, size: 11, bold: true)
        c.y -= 4
        c.runningHeading = nil
        if credits.isEmpty && memos.isEmpty {
            c.y -= 12
            c.cell(t["bta.none"], x: 0, w: c.width, baseline: c.y, size: 8)
            return
        }
        if !credits.isEmpty {
            subheading(t["bta.credits"], c)
            c.paragraph(t["bta.credits.note"], x: 0, w: c.width, size: 7.5, gray: 0.3)
            c.y -= 4
            headings(.credits, c)
            for (i, credit) in credits.enumerated() {
                row([.text(t.date(credit.date)), .text(credit.reference), .money(credit.amountMinor)], Self.creditColumns, c, shaded: i % 2 == 1)
            }
        }
        if !memos.isEmpty {
            subheading(t["bta.memos"], c)
            c.paragraph(t["bta.memos.note"], x: 0, w: c.width, size: 7.5, gray: 0.3)
            c.y -= 4
            headings(.memos, c)
            for (i, memo) in memos.enumerated() {
                let prefix = reference.airline(memo.airlinePrefix)?.prefixText ?? String(memo.airlinePrefix)
                row([.text(memo.disputeID ?? ""), .text(prefix), .text(memo.line.awb), .text(t["transaction." + memo.line.transaction.code]),
                     .text(shortDate(memo.line.issueDate)), .money(memo.line.amount)], Self.memoColumns, c, shaded: i % 2 == 1)
            }
        }
    }

    /// The operation's bank account as one line, from what operations.csv
    /// gives (nil when it gives none). The IBAN is printed in groups of
    /// four, the way it is written on paper.
    static func bankLine(_ operation: CASSDomain.Operation?, _ t: Translations) -> String? {
        guard let operation else { return nil }
        var parts: [String] = []
        if let name = operation.bankName { parts.append(name) }
        if let iban = operation.iban { parts.append("IBAN " + groupedIBAN(iban)) }
        if let bic = operation.bic { parts.append("BIC " + bic) }
        return parts.isEmpty ? nil : t["bank"] + ": " + parts.joined(separator: " · ")
    }

    static func groupedIBAN(_ iban: String) -> String {
        let compact = Array(iban.filter { $0 != " " })
        return stride(from: 0, to: compact.count, by: 4).map { String(compact[$0..<min($0 + 4, compact.count)]) }.joined(separator: " ")
    }

    private func drawSummary(_ c: ReportCanvas) {
        let t = translations
        let entity = operation?.entityName ?? "CASS"
        let owed = invoice.total > 0
        var explanation: [String]
        if !owed {
            explanation = [t.text("credit.text", ["entity": entity])]
        } else if payments.outstandingMinor == 0 {
            explanation = [t["paid.text"]]
        } else {
            explanation = [t.text("how_to_pay.text", ["entity": entity, "number": invoice.number])]
            if let bank = Self.bankLine(operation, t) { explanation.append(bank) }
        }
        let lines = explanation.flatMap { c.wrap($0, w: c.width - 170, size: 8) }
        let currency = " " + invoice.currency
        var facts: [(label: String, value: String, indent: Bool)] = []
        if owed {
            facts.append((t["invoice_total"], money(invoice.total) + currency, false))
            facts.append((t["paid"], money(payments.paidMinor) + currency, false))
            for paid in payments.paidByMethod {
                facts.append((t["method." + paid.method.rawValue], money(paid.amountMinor) + currency, true))
            }
            facts.append((t["outstanding"], money(payments.outstandingMinor) + currency, false))
        } else {
            facts.append((t["amount_credit"], money(Int64(clamping: invoice.total.magnitude)) + currency, false))
        }
        facts.append((t["remittance_date"], t.date(invoice.remittanceDate), false))
        facts.append((t["status"], t["status." + payments.status.rawValue], false))
        c.need(Double(lines.count) * 11 + Double(facts.count) * 12 + 70)
        c.y -= 10
        c.rule(at: c.y, width: 1, gray: 0.2)
        c.y -= 14
        c.cell(t["summary"], x: 0, w: c.width * 0.6, baseline: c.y, size: 11, bold: true)
        c.cell(t.text("as_of", ["date": t.date(payments.asOf)]), x: c.width * 0.6, w: c.width * 0.4, baseline: c.y, size: 8.5, align: .end, gray: 0.3)
        c.y -= 4
        for fact in facts {
            c.y -= 12
            c.cell(fact.label, x: fact.indent ? 12 : 0, w: fact.indent ? 148 : 160, baseline: c.y, size: fact.indent ? 8 : 8.5, gray: 0.3)
            c.cell(fact.value, x: 165, w: c.width - 165, baseline: c.y, size: fact.indent ? 8.5 : 9, bold: !fact.indent)
        }
        c.y -= 12
        c.cell(t["how_to_pay"], x: 0, w: 160, baseline: c.y, size: 8.5, gray: 0.3)
        c.y += 9
        for line in lines {
            c.y -= 11
            c.cell(line, x: 165, w: c.width - 165, baseline: c.y - 0, size: 8)
        }
        c.y -= 10
        c.shade(from: c.y - 22, height: 22, gray: 0.85)
        c.cell(t["grand_total"] + " (" + invoice.currency + ")", x: 6, w: c.width - 140, baseline: c.y - 15, size: 12, bold: true)
        c.cell(money(invoice.total), x: c.width - 134, w: 128, baseline: c.y - 15, size: 12, bold: true, align: .end)
        c.y -= 26
    }
}
