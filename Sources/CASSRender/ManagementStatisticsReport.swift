import CASSDomain

/// The Management Statistics report an airline receives after each close
/// (the seed's list of changes: "per operation and period, billed,
/// rejected and disbursed, by agent"), as a PDF in English: the airline's
/// figures of `BillingStatistics` for one operation and period, and what
/// the operation disbursed to it.
public struct ManagementStatisticsReport: Sendable {
    public let airline: String
    public let statistics: BillingStatistics
    /// The closed period's disbursement to the airline (nil: none).
    public let disbursedMinor: Int64?
    public let reference: ReferenceData

    public init(airline: String, statistics: BillingStatistics, disbursedMinor: Int64?, reference: ReferenceData) {
        self.airline = airline
        self.statistics = statistics
        self.disbursedMinor = disbursedMinor
        self.reference = reference
    }

    public func render(fonts: FontSet) -> [UInt8] {
        let english = Translations(language: "en")
        let stats = statistics
        let figures = stats.airlines[airline] ?? BillingStatistics.AirlineFigures()
        func money(_ minor: Int64) -> String { english.amount(minor, digits: stats.minorDigits) + " " + stats.currency }
        let airlineName = Int32(airline).flatMap { reference.airline($0)?.name } ?? ""
        let entity = reference.operation(stats.country)?.entityName ?? "CASS \(stats.country)"
        let document = PDFDocument(fonts: fonts, language: "en")
        let canvas = ReportCanvas(document: document, rightToLeft: false)
        let title = "Management Statistics · \(airline) \(airlineName) · \(stats.country) \(stats.period)"
        canvas.onNewPage = { c in
            c.y -= 10
            c.cell(title, x: 0, w: c.width, baseline: c.y, size: 8, bold: true, gray: 0.3)
            c.y -= 6
            c.rule(at: c.y)
            c.y -= 4
            c.runningHeading?(c)
        }

        canvas.y -= 16
        canvas.cell("Management Statistics", x: 0, w: canvas.width, baseline: canvas.y, size: 16, bold: true)
        canvas.y -= 18
        canvas.cell("\(airline) \(airlineName)", x: 0, w: canvas.width, baseline: canvas.y, size: 11, bold: true)
        canvas.y -= 14
        canvas.cell("\(entity) · operation \(stats.country) · period \(stats.period) · \(stats.currency)", x: 0, w: canvas.width,
                    baseline: canvas.y, size: 9, gray: 0.3)
        canvas.y -= 10
        canvas.rule(at: canvas.y)
        canvas.y -= 16

        let summary: [(String, String)] = [
            ("Billed (lines and taxes)", money(figures.billed.amount)),
            ("Lines billed", String(figures.billed.count)),
            ("Invoices with a section of the airline", String(figures.invoices)),
            ("Tax charged / credited", money(figures.taxCharged) + " / " + money(figures.taxCredited)),
            ("Records rejected", String(figures.rejectedRecords)),
            ("Files rejected", String(figures.rejectedFiles)),
            ("Disbursed", disbursedMinor.map(money) ?? "—"),
        ]
        for (label, value) in summary {
            canvas.need(14)
            canvas.cell(label, x: 0, w: canvas.width * 0.55, baseline: canvas.y, size: 10)
            canvas.cell(value, x: canvas.width * 0.55, w: canvas.width * 0.45, baseline: canvas.y, size: 10, bold: true, align: .end)
            canvas.y -= 14
        }

        if !figures.rejectionsByCode.isEmpty {
            canvas.y -= 8
            canvas.need(30)
            canvas.cell("Rejections by code", x: 0, w: canvas.width, baseline: canvas.y, size: 11, bold: true)
            canvas.y -= 14
            for code in figures.rejectionsByCode.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
                canvas.need(12)
                canvas.cell(code.rawValue, x: 0, w: 60, baseline: canvas.y, size: 9)
                canvas.cell(String(figures.rejectionsByCode[code] ?? 0), x: canvas.width * 0.55, w: canvas.width * 0.45, baseline: canvas.y,
                            size: 9, align: .end)
                canvas.y -= 12
            }
        }

        canvas.y -= 8
        canvas.need(40)
        canvas.cell("Billed by agent", x: 0, w: canvas.width, baseline: canvas.y, size: 11, bold: true)
        canvas.y -= 14
        let columns: [(String, Double, ReportCanvas.Align)] = [("Agent", 80, .start), ("Name", 260, .start), ("Lines", 60, .end), ("Billed", 123, .end)]
        let heading: (ReportCanvas) -> Void = { c in
            var x = 0.0
            c.shade(from: c.y - 3, height: 12)
            for (name, width, align) in columns {
                c.cell(name, x: x, w: width - 4, baseline: c.y, size: 8, bold: true, align: align)
                x += width
            }
            c.y -= 13
        }
        heading(canvas)
        canvas.runningHeading = heading
        let agents = figures.perAgent.keys.sorted()
        for agent in agents {
            canvas.need(11)
            let tally = figures.perAgent[agent] ?? BillingStatistics.Tally()
            let name = Int64(agent).flatMap { reference.agent($0, in: stats.country)?.name } ?? ""
            let values = [agent, name, String(tally.count), money(tally.amount)]
            var x = 0.0
            for (index, column) in columns.enumerated() {
                canvas.cell(values[index], x: x, w: column.1 - 4, baseline: canvas.y, size: 8, align: column.2)
                x += column.1
            }
            canvas.y -= 11
        }
        if agents.isEmpty { canvas.paragraph("Nothing billed in this period.", x: 0, w: canvas.width, size: 9) }
        canvas.runningHeading = nil
        return document.write(title: title, author: entity)
    }
}
