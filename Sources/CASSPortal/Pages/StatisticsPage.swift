import CASSDomain

extension PortalPages {
    /// `/statistics`: the live dashboard. Totals across the user's scope,
    /// charts (files and records per hour, rejections by code, billed and
    /// paid per airline, disputes by state), each with its figures as a
    /// table, and one row per operation and period. `portal.js` re-fetches
    /// this page when an event arrives on `/api/v1/events` and swaps the
    /// `data-live` region in place: no reload, no figure computed twice.
    public static func statistics(_ ctx: PortalContext, statistics: PortalStatistics, filters: PortalFilters = PortalFilters()) -> [UInt8] {
        var p = PageBuilder(ctx, capacity: 64 * 1024 + statistics.operations.count * 3000)
        p.begin(title: p.t("statistics.title"), section: .statistics, path: .statistics, live: true)
        p.filterStart(.statistics)
        p.countryFilter(selected: filters.validCountry)
        p.filterText("period", label: p.t("field.period"), value: filters.validPeriod, pattern: "[0-9]{8}")
        p.filterEnd()
        p.w.raw("<p class=\"live-status\" role=\"status\" aria-live=\"polite\" data-live-status=\"")
        p.w.attribute(p.t("statistics.updated"))
        p.w.raw("\"></p>")
        p.w.raw("<div id=\"statistics-live\" data-live=\"file. period. invoice. payment. dispute. risk.\">")
        p.w.raw("<p class=\"as-of\">")
        p.w.text(p.t("statistics.asOf"))
        p.w.raw(" ")
        p.dateTime(statistics.asOf)
        p.w.raw("</p>")
        let totals = StatisticsTotals(statistics.operations)
        statisticsCards(&p, totals)
        let rtl = ctx.language.isRightToLeft

        // Files and records per hour.
        p.w.raw("<div class=\"charts\">")
        let hours = statistics.hourly.suffix(48)
        let hourLabels = hours.map { p.f.time(secondOfDay: $0.hour.secondOfDay) }
        chartFigure(&p, id: "chart-files", title: p.t("statistics.filesPerHour"),
                    rows: zip(hourLabels, hours).map { ($0.0, p.f.number($0.1.files)) }, columnHeaders: [p.t("field.hour"), p.t("field.files")]) { p, description in
            SVGChart.columns(&p.w, id: "chart-files", title: p.t("statistics.filesPerHour"), description: description, labels: hourLabels,
                             values: hours.map(\.files), texts: hours.map { p.f.number($0.files) }, rtl: rtl)
        }
        chartFigure(&p, id: "chart-records", title: p.t("statistics.recordsPerHour"),
                    rows: zip(hourLabels, hours).map { ($0.0, p.f.number($0.1.records)) }, columnHeaders: [p.t("field.hour"), p.t("field.records")]) { p, description in
            SVGChart.columns(&p.w, id: "chart-records", title: p.t("statistics.recordsPerHour"), description: description, labels: hourLabels,
                             values: hours.map(\.records), texts: hours.map { p.f.number($0.records) }, rtl: rtl)
        }

        // Rejections by code.
        let rejections = totals.rejectionsByCode.sorted { $0.count != $1.count ? $0.count > $1.count : $0.key < $1.key }.prefix(20)
        chartFigure(&p, id: "chart-rejections", title: p.t("statistics.rejectionsByCode"),
                    rows: rejections.map { ($0.key, p.f.number($0.count)) }, columnHeaders: [p.t("field.code"), p.t("field.rejected")]) { p, description in
            SVGChart.bars(&p.w, id: "chart-rejections", title: p.t("statistics.rejectionsByCode"), description: description,
                          bars: rejections.map { .init(label: $0.key, values: [Int64($0.count)], texts: [p.f.number($0.count)]) }, seriesNames: [], rtl: rtl)
        }

        // Billed and paid per airline, one chart per currency.
        for (index, currency) in totals.airlinesByCurrency.keys.sorted().prefix(6).enumerated() {
            let airlines = (totals.airlinesByCurrency[currency] ?? []).sorted { $0.billedMinor.magnitude > $1.billedMinor.magnitude }.prefix(20)
            let hasPaid = airlines.contains { $0.paidMinor != nil }
            let title = p.t("statistics.billedPerAirline", ["currency": PortalFormat.safeCurrency(currency)])
            let id = "chart-airlines-" + String(index)
            let rows: [(String, String)] = airlines.map {
                (airlineLabel($0), p.f.amount($0.billedMinor, currency: currency) + (hasPaid ? " / " + p.f.amount($0.paidMinor ?? 0, currency: currency) : ""))
            }
            let valueHeader = hasPaid ? p.t("statistics.billed") + " / " + p.t("statistics.paid") : p.t("statistics.billed")
            chartFigure(&p, id: id, title: title, rows: rows, columnHeaders: [p.t("field.airline"), valueHeader]) { p, description in
                SVGChart.bars(&p.w, id: id, title: title, description: description,
                              bars: airlines.map { airline in
                                  hasPaid
                                      ? .init(label: airlineLabel(airline), values: [airline.billedMinor, airline.paidMinor ?? 0],
                                              texts: [p.f.amount(airline.billedMinor, currency: currency), p.f.amount(airline.paidMinor ?? 0, currency: currency)])
                                      : .init(label: airlineLabel(airline), values: [airline.billedMinor], texts: [p.f.amount(airline.billedMinor, currency: currency)])
                              },
                              seriesNames: [p.t("statistics.billed"), p.t("statistics.paid")], rtl: rtl)
            }
        }

        // Disputes by state.
        let disputes = totals.disputesByState
        chartFigure(&p, id: "chart-disputes", title: p.t("statistics.disputesByState"),
                    rows: disputes.map { (p.t.label("status.dispute", $0.key), p.f.number($0.count)) },
                    columnHeaders: [p.t("field.status"), p.t("field.disputes")]) { p, description in
            SVGChart.bars(&p.w, id: "chart-disputes", title: p.t("statistics.disputesByState"), description: description,
                          bars: disputes.map { .init(label: p.t.label("status.dispute", $0.key), values: [Int64($0.count)], texts: [p.f.number($0.count)]) },
                          seriesNames: [], rtl: rtl)
        }
        p.w.raw("</div>")

        // One row per operation and period.
        p.sectionStart("per-operation", p.t("statistics.perOperation"))
        let headers = [p.t("field.country"), p.t("field.period"), p.t("field.files"), p.t("field.accepted"), p.t("field.rejected"),
                       p.t("field.invoices"), p.t("statistics.billed"), p.t("field.paid"), p.t("field.outstanding")]
        p.tableStart(caption: p.t("statistics.perOperation"), headers: headers, numeric: [2, 3, 4, 5, 6, 7, 8], captionHidden: true)
        if statistics.operations.isEmpty { p.emptyRow(columns: headers.count, p.t("statistics.none")) }
        for op in statistics.operations {
            p.w.raw("<tr>")
            p.tdCode(op.country)
            p.tdCode(op.period)
            p.tdNumber(op.filesByStatus.reduce(0) { $0 + $1.count })
            p.tdNumber(op.recordsAccepted)
            p.tdNumber(op.recordsRejected)
            p.tdNumber(op.invoicesIssued)
            if let billed = StatisticsTotals.checkedSum(op.airlines.map(\.billedMinor)) { p.tdAmount(billed, op.currency) } else { p.w.raw("<td class=\"num\">–</td>") }
            p.tdAmount(op.paidMinor, op.currency)
            p.tdAmount(op.outstandingMinor, op.currency)
            p.w.raw("</tr>")
        }
        p.tableEnd()
        p.sectionEnd()
        p.w.raw("</div>")
        return p.end()
    }

    static func airlineLabel(_ airline: PortalAirlineFigures) -> String {
        guard let name = airline.airlineName, !name.isEmpty else { return airline.airline }
        return airline.airline + " " + name
    }

    /// A chart in a `<figure>`, its caption, and its figures as a table in
    /// a disclosure. The chart's description lists the figures too (first
    /// 24), so a screen reader hears them without opening anything.
    static func chartFigure(_ p: inout PageBuilder, id: StaticString, title: String, rows: [(String, String)], columnHeaders: [String],
                            draw: (inout PageBuilder, String) -> Void) {
        chartFigure(&p, id: id.description, title: title, rows: rows, columnHeaders: columnHeaders, draw: draw)
    }

    static func chartFigure(_ p: inout PageBuilder, id: String, title: String, rows: [(String, String)], columnHeaders: [String],
                            draw: (inout PageBuilder, String) -> Void) {
        p.w.raw("<figure class=\"chart-figure\" aria-labelledby=\"")
        p.w.rawTrusted(id)
        p.w.raw("-caption\"><figcaption id=\"")
        p.w.rawTrusted(id)
        p.w.raw("-caption\">")
        p.w.text(title)
        p.w.raw("</figcaption>")
        if rows.isEmpty {
            p.w.wrap("<p class=\"empty\">", p.t("statistics.noData"), "</p></figure>")
            return
        }
        let description = rows.prefix(24).map { $0.0 + ": " + $0.1 }.joined(separator: "; ")
        draw(&p, description)
        p.w.raw("<details class=\"chart-data\"><summary>")
        p.w.text(p.t("statistics.showFigures"))
        p.w.raw("</summary><table><caption class=\"vh\">")
        p.w.text(title)
        p.w.raw("</caption><thead><tr><th scope=\"col\">")
        p.w.text(columnHeaders[0])
        p.w.raw("</th><th scope=\"col\" class=\"num\">")
        p.w.text(columnHeaders[1])
        p.w.raw("</th></tr></thead><tbody>")
        for row in rows {
            p.w.raw("<tr><th scope=\"row\"><bdi>")
            p.w.text(PageBuilder.clip(row.0, 120))
            p.w.raw("</bdi></th><td class=\"num\">")
            p.w.text(row.1)
            p.w.raw("</td></tr>")
        }
        p.w.raw("</tbody></table></details></figure>")
    }

    static func statisticsCards(_ p: inout PageBuilder, _ totals: StatisticsTotals) {
        p.sectionStart("totals", p.t("statistics.totals"))
        p.w.raw("<div class=\"cards\">")
        p.w.raw("<dl class=\"card\">")
        p.term(p.t("field.files")); p.w.wrap("<dd class=\"strong\">", p.f.number(totals.files), "</dd>")
        for status in fileStatuses {
            p.term(p.t.label("status.file", status))
            p.w.wrap("<dd>", p.f.number(totals.filesByStatus[status] ?? 0), "</dd>")
        }
        p.w.raw("</dl><dl class=\"card\">")
        p.term(p.t("statistics.recordsAccepted")); p.w.wrap("<dd class=\"strong\">", p.f.number(totals.recordsAccepted), "</dd>")
        p.term(p.t("statistics.recordsRejected")); p.w.wrap("<dd>", p.f.number(totals.recordsRejected), "</dd>")
        p.term(p.t("statistics.invoicesIssued")); p.w.wrap("<dd>", p.f.number(totals.invoicesIssued), "</dd>")
        p.term(p.t("statistics.disputesOpen")); p.w.wrap("<dd>", p.f.number(totals.disputesOpen), "</dd>")
        p.w.raw("</dl>")
        for currency in totals.money.keys.sorted() {
            guard let money = totals.money[currency] else { continue }
            p.w.raw("<dl class=\"card\"><dt>")
            p.w.text(p.t("field.currency"))
            p.w.raw("</dt><dd>")
            p.code(PortalFormat.safeCurrency(currency))
            p.w.raw("</dd>")
            p.term(p.t("statistics.billed")); p.w.wrap("<dd class=\"strong\">", money.billed.map { p.f.amount($0, currency: currency) } ?? "–", "</dd>")
            p.term(p.t("field.paid")); p.w.wrap("<dd>", money.paid.map { p.f.amount($0, currency: currency) } ?? "–", "</dd>")
            p.term(p.t("field.outstanding")); p.w.wrap("<dd>", money.outstanding.map { p.f.amount($0, currency: currency) } ?? "–", "</dd>")
            p.w.raw("</dl>")
        }
        p.w.raw("</div>")
        p.sectionEnd()
    }
}

/// The dashboard's totals across operations: counts added, amounts added
/// per currency only (with overflow checked: a sum that overflows shows as
/// unknown rather than wrong).
struct StatisticsTotals {
    struct Money {
        var billed: Int64? = 0
        var paid: Int64? = 0
        var outstanding: Int64? = 0
    }

    var files = 0
    var filesByStatus: [String: Int] = [:]
    var recordsAccepted = 0
    var recordsRejected = 0
    var invoicesIssued = 0
    var disputesOpen = 0
    var rejectionsByCode: [PortalCount] = []
    var disputesByState: [PortalCount] = []
    var money: [String: Money] = [:]
    var airlinesByCurrency: [String: [PortalAirlineFigures]] = [:]

    init(_ operations: [PortalOperationStatistics]) {
        var rejections: [String: Int] = [:], rejectionOrder: [String] = []
        var disputes: [String: Int] = [:], disputeOrder: [String] = []
        var airlineIndex: [String: [String: Int]] = [:]
        for op in operations {
            for entry in op.filesByStatus {
                files += entry.count
                filesByStatus[entry.key, default: 0] += entry.count
            }
            recordsAccepted += op.recordsAccepted
            recordsRejected += op.recordsRejected
            invoicesIssued += op.invoicesIssued
            for entry in op.rejectionsByCode {
                if rejections[entry.key] == nil { rejectionOrder.append(entry.key) }
                rejections[entry.key, default: 0] += entry.count
            }
            for entry in op.disputesByState {
                if disputes[entry.key] == nil { disputeOrder.append(entry.key) }
                disputes[entry.key, default: 0] += entry.count
                if entry.key == "open" || entry.key == "escalated" { disputesOpen += entry.count }
            }
            var sums = money[op.currency] ?? Money()
            sums.billed = StatisticsTotals.add(sums.billed, StatisticsTotals.checkedSum(op.airlines.map(\.billedMinor)))
            sums.paid = StatisticsTotals.add(sums.paid, op.paidMinor)
            sums.outstanding = StatisticsTotals.add(sums.outstanding, op.outstandingMinor)
            money[op.currency] = sums
            for airline in op.airlines {
                var list = airlinesByCurrency[op.currency] ?? []
                if let at = airlineIndex[op.currency]?[airline.airline] {
                    list[at].billedMinor = list[at].billedMinor.addingReportingOverflow(airline.billedMinor).overflow ? list[at].billedMinor : list[at].billedMinor + airline.billedMinor
                    if let paid = airline.paidMinor { list[at].paidMinor = StatisticsTotals.add(list[at].paidMinor ?? 0, paid) }
                } else {
                    airlineIndex[op.currency, default: [:]][airline.airline] = list.count
                    list.append(airline)
                }
                airlinesByCurrency[op.currency] = list
            }
        }
        rejectionsByCode = rejectionOrder.map { PortalCount($0, rejections[$0] ?? 0) }
        disputesByState = disputeOrder.map { PortalCount($0, disputes[$0] ?? 0) }
    }

    static func add(_ a: Int64?, _ b: Int64?) -> Int64? {
        guard let a, let b else { return nil }
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : sum
    }

    static func checkedSum(_ values: [Int64]) -> Int64? {
        var total: Int64? = 0
        for value in values { total = add(total, value) }
        return total
    }
}
