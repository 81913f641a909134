import CASSDomain
import Foundation

/// Writes `BillingStatistics` for people and spreadsheets: one CSV of every
/// figure, and a static HTML dashboard with inline SVG bar charts (no
/// JavaScript, no external files, opens from a mail attachment or a file share).
public enum StatisticsReport {
    public static let csvHeader = "country,period,airline,measure,key,count,amount"

    /// `measure` is `billed` (key empty), `tax_charged`, `tax_credited`,
    /// `rejected` (key = code), `agent` (key = agent code) or `origin` (key =
    /// airport). Amounts are integers in minor units; rows sorted by airline,
    /// measure in that order, then key.
    public static func csv(_ stats: BillingStatistics) -> String {
        var out = csvHeader + "\n"
        for airline in stats.airlines.keys.sorted() {
            guard let f = stats.airlines[airline] else { continue }
            func row(_ measure: String, _ key: String, _ count: Int, _ amount: Int64) {
                out += CSV.row([stats.country, stats.period, String(airline), measure, key, String(count), String(amount)])
            }
            row("billed", "", f.billed.count, f.billed.amount)
            row("tax_charged", "", f.invoices, f.taxCharged)
            row("tax_credited", "", f.invoices, f.taxCredited)
            for code in f.rejectionsByCode.keys.sorted(by: { $0.rawValue < $1.rawValue }) { row("rejected", code.rawValue, f.rejectionsByCode[code] ?? 0, 0) }
            for agent in f.perAgent.keys.sorted() { row("agent", agent, f.perAgent[agent]?.count ?? 0, f.perAgent[agent]?.amount ?? 0) }
            for origin in f.perOrigin.keys.sorted() { row("origin", origin, f.perOrigin[origin]?.count ?? 0, f.perOrigin[origin]?.amount ?? 0) }
        }
        return out
    }

    /// `&`, `<`, `>` and `"` as entities, in one pass over the bytes (four
    /// chained Foundation replacements were 3.6 % of a small period close
    /// with documents: every bar label of every chart).
    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 }) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            switch byte {
            case 0x26: out.append(contentsOf: "&amp;".utf8)
            case 0x3C: out.append(contentsOf: "&lt;".utf8)
            case 0x3E: out.append(contentsOf: "&gt;".utf8)
            case 0x22: out.append(contentsOf: "&quot;".utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A horizontal bar chart; bar lengths are integer fractions of the largest value.
    static func barChart(_ title: String, _ bars: [(label: String, value: Int64, text: String)], color: String) -> String {
        let rowHeight = 22, labelWidth = 220, barWidth = 420
        let height = max(1, bars.count) * rowHeight + 30
        let largest = max(1, bars.map { $0.value.magnitude }.max() ?? 1)
        var svg = #"<figure><figcaption>\#(escape(title))</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="\#(labelWidth + barWidth + 140)" height="\#(height)" role="img" aria-label="\#(escape(title))">"#
        for (i, bar) in bars.enumerated() {
            let y = 10 + i * rowHeight
            let length = Int(UInt64(barWidth) * bar.value.magnitude / largest)
            svg += #"<text x="\#(labelWidth - 8)" y="\#(y + 15)" text-anchor="end">\#(escape(bar.label))</text>"#
            svg += #"<rect x="\#(labelWidth)" y="\#(y + 3)" width="\#(max(1, length))" height="\#(rowHeight - 6)" fill="\#(bar.value < 0 ? "#c0392b" : color)"/>"#
            svg += #"<text x="\#(labelWidth + length + 6)" y="\#(y + 15)">\#(escape(bar.text))</text>"#
        }
        if bars.isEmpty { svg += #"<text x="10" y="25">—</text>"# }
        return svg + "</svg></figure>\n"
    }

    public static func html(_ stats: BillingStatistics, reference: ReferenceData) -> String {
        let english = Translations(language: "en")
        func money(_ v: Int64) -> String { english.amount(v, digits: stats.minorDigits) }
        let entity = reference.operation(stats.country)?.entityName ?? "CASS \(stats.country)"
        let airlines = stats.airlines.keys.sorted()
        func name(_ prefix: String) -> String {
            guard let p = Int32(prefix), let airline = reference.airline(p) else { return prefix }
            return prefix + " " + airline.name
        }
        var html = """
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>CASS \(escape(stats.country)) \(escape(stats.period)) billing statistics</title>
<style>
body{font-family:"Noto Sans","DejaVu Sans",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px}td.n{text-align:right}
th{background:#eee}figure{margin:1.5em 0}figcaption{font-weight:bold;margin-bottom:.3em}svg text{font-size:12px}
</style></head><body>
<h1>\(escape(entity)): billing statistics, period \(escape(stats.period))</h1>
<p>Currency \(escape(stats.currency)). Billed = sum of the airline's invoice sections (lines and taxes): its disbursement.</p>
<table><tr><th>Airline</th><th>Invoices</th><th>Lines</th><th>Billed</th><th>Tax charged</th><th>Tax credited</th><th>Rejected files</th><th>Rejected records</th></tr>

"""
        for prefix in airlines {
            guard let f = stats.airlines[prefix] else { continue }
            html += "<tr><td>\(escape(name(prefix)))</td><td class=n>\(f.invoices)</td><td class=n>\(f.billed.count)</td><td class=n>\(money(f.billed.amount))</td><td class=n>\(money(f.taxCharged))</td><td class=n>\(money(f.taxCredited))</td><td class=n>\(f.rejectedFiles)</td><td class=n>\(f.rejectedRecords)</td></tr>\n"
        }
        html += "<tr><th>Total</th><th></th><th>\(stats.airlines.values.reduce(0) { $0 + $1.billed.count })</th><th>\(money(stats.totalBilled))</th><th></th><th></th><th>\(stats.airlines.values.reduce(0) { $0 + $1.rejectedFiles })</th><th>\(stats.airlines.values.reduce(0) { $0 + $1.rejectedRecords })</th></tr></table>\n"
        html += barChart("Billed per airline (\(stats.currency))", airlines.map { p in
            let v = stats.airlines[p]?.billed.amount ?? 0
            return (name(p), v, money(v))
        }, color: "#2e6da4")
        var codes: [RejectionCode: Int] = [:]
        for f in stats.airlines.values { for (code, n) in f.rejectionsByCode { codes[code, default: 0] += n } }
        html += barChart("Rejections by code (all airlines)", codes.keys.sorted { $0.rawValue < $1.rawValue }.map { code in
            (code.rawValue + " " + code.summary.prefix(24), Int64(codes[code] ?? 0), String(codes[code] ?? 0))
        }, color: "#d35400")
        for prefix in airlines {
            guard let f = stats.airlines[prefix], !f.perAgent.isEmpty || !f.rejectionsByCode.isEmpty else { continue }
            html += "<h2>\(escape(name(prefix)))</h2>\n"
            let agents = f.perAgent.sorted { ($0.value.amount, $1.key) > ($1.value.amount, $0.key) }.prefix(15)
            html += barChart("Top agents by billed amount", agents.map { code, tally in
                let agentName = Int64(code).flatMap { reference.agent($0, in: stats.country)?.name } ?? ""
                return (code + " " + agentName, tally.amount, money(tally.amount) + " · \(tally.count) lines")
            }, color: "#27ae60")
            let origins = f.perOrigin.sorted { ($0.value.amount, $1.key) > ($1.value.amount, $0.key) }.prefix(15)
            html += barChart("Billed per origin (line amounts)", origins.map { origin, tally in
                (origin, tally.amount, money(tally.amount) + " · \(tally.count) lines")
            }, color: "#8e44ad")
            if !f.rejectionsByCode.isEmpty {
                html += barChart("Rejections by code", f.rejectionsByCode.keys.sorted { $0.rawValue < $1.rawValue }.map { code in
                    (code.rawValue, Int64(f.rejectionsByCode[code] ?? 0), String(f.rejectionsByCode[code] ?? 0))
                }, color: "#d35400")
            }
        }
        return html + "</body></html>\n"
    }

    /// Writes `statistics-CC-PERIOD.csv` and `dashboard-CC-PERIOD.html` into
    /// `folder` (beside the invoices), atomically; returns their URLs.
    @discardableResult
    public static func write(_ stats: BillingStatistics, reference: ReferenceData, to folder: URL) throws -> [URL] {
        let csvURL = folder.appendingPathComponent("statistics-\(stats.country)-\(stats.period).csv")
        let htmlURL = folder.appendingPathComponent("dashboard-\(stats.country)-\(stats.period).html")
        try AtomicFile.write(csv(stats), to: csvURL)
        try AtomicFile.write(html(stats, reference: reference), to: htmlURL)
        return [csvURL, htmlURL]
    }
}
