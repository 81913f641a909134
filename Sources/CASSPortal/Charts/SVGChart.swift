/// Inline SVG charts: horizontal bars (one or two series) and columns over
/// time. Accessible: `role="img"` named by the chart's `<title>` and
/// described by its `<desc>`; every chart is followed on the page by a
/// table of the same figures (the text alternative that can be read, not
/// just announced). No `style` attribute and no `<style>`: colours come
/// from classes in `/static/portal.css`, so the page's CSP holds.
struct SVGChart {
    struct Bar {
        var label: String
        var values: [Int64]
        var texts: [String]
    }

    /// Horizontal bars, one row per item; with two series, two thin bars
    /// per row (e.g. billed and paid). `rtl` mirrors the geometry so bars
    /// grow from the right in Arabic.
    static func bars(_ w: inout HTMLWriter, id: String, title: String, description: String, bars: [Bar], seriesNames: [String], rtl: Bool) {
        let width = 640, labelWidth = 170, valueWidth = 150
        let series = max(1, bars.first?.values.count ?? 1)
        let barHeight = series == 1 ? 22 : 18
        let rowHeight = series * barHeight + 12
        let legendHeight = series > 1 ? 26 : 0
        let height = max(40, legendHeight + bars.count * rowHeight + 8)
        let plotWidth = width - labelWidth - valueWidth
        let maxValue = bars.flatMap(\.values).map { $0.magnitude }.max() ?? 0
        open(&w, id: id, width: width, height: height, title: title, description: description)
        if series > 1 {
            for (index, name) in seriesNames.prefix(series).enumerated() {
                let x = 10 + index * 180
                let boxX = rtl ? width - x - 12 : x
                w.raw("<rect class=\"series-"); w.int(index); w.raw("\" x=\""); w.int(boxX); w.raw("\" y=\"6\" width=\"12\" height=\"12\"></rect>")
                textOpen(&w, "legend", x: rtl ? boxX - 6 : boxX + 18, y: 16, visualRight: rtl, rtl: rtl)
                w.text(name); w.raw("</text>")
            }
        }
        for (row, bar) in bars.enumerated() {
            let top = legendHeight + 4 + row * rowHeight
            let labelX = rtl ? width - 6 : 6
            textOpen(&w, "label", x: labelX, y: top + (series * barHeight) / 2 + 5, visualRight: rtl, rtl: rtl)
            w.text(PageBuilder.clip(bar.label, 28)); w.raw("</text>")
            for (index, value) in bar.values.enumerated() {
                let length = maxValue == 0 ? 0 : Int((Double(value.magnitude) / Double(maxValue)) * Double(plotWidth)).clamped(0, plotWidth)
                let y = top + index * barHeight
                let x = rtl ? width - labelWidth - length : labelWidth
                w.raw("<rect class=\"series-"); w.int(index); if value < 0 { w.raw(" negative") }
                w.raw("\" x=\""); w.int(x); w.raw("\" y=\""); w.int(y); w.raw("\" width=\""); w.int(max(length, value == 0 ? 0 : 1))
                w.raw("\" height=\""); w.int(barHeight - 2); w.raw("\"></rect>")
                let textX = rtl ? x - 6 : labelWidth + length + 6
                textOpen(&w, "value", x: textX, y: y + barHeight - 5, visualRight: rtl, rtl: rtl)
                w.text(index < bar.texts.count ? bar.texts[index] : ""); w.raw("</text>")
            }
        }
        w.raw("</svg>")
    }

    /// Columns over time (files per hour). Every `labelEvery`-th column is
    /// labelled under the axis; the value is written above non-zero columns
    /// when there is room.
    static func columns(_ w: inout HTMLWriter, id: String, title: String, description: String, labels: [String], values: [Int], texts: [String], rtl: Bool) {
        let width = 640, height = 200, bottom = 170, top = 20
        let count = max(values.count, 1)
        let slot = Double(width - 20) / Double(count)
        let maxValue = values.max() ?? 0
        open(&w, id: id, width: width, height: height, title: title, description: description)
        w.raw("<line class=\"axis\" x1=\"10\" y1=\""); w.int(bottom); w.raw("\" x2=\""); w.int(width - 10); w.raw("\" y2=\""); w.int(bottom); w.raw("\"></line>")
        let labelEvery = max(1, count / 8)
        for (index, value) in values.enumerated() {
            let position = rtl ? count - 1 - index : index
            let x = 10 + Int(Double(position) * slot + slot * 0.15)
            let barWidth = max(1, Int(slot * 0.7))
            let length = maxValue == 0 ? 0 : Int(Double(value) / Double(maxValue) * Double(bottom - top))
            w.raw("<rect class=\"series-0\" x=\""); w.int(x); w.raw("\" y=\""); w.int(bottom - length); w.raw("\" width=\""); w.int(barWidth)
            w.raw("\" height=\""); w.int(length); w.raw("\"></rect>")
            if value > 0 && slot >= 22 && index < texts.count {
                textOpen(&w, "value", x: x + barWidth / 2, y: bottom - length - 4, visualRight: nil, rtl: rtl)
                w.text(texts[index]); w.raw("</text>")
            }
            if index % labelEvery == 0 && index < labels.count {
                textOpen(&w, "label", x: x + barWidth / 2, y: bottom + 18, visualRight: nil, rtl: rtl)
                w.text(labels[index]); w.raw("</text>")
            }
        }
        w.raw("</svg>")
    }

    /// `<text class x y text-anchor>`: `visualRight` true puts the text's
    /// right edge at x, false its left edge, nil centres it. In Arabic the
    /// text runs right to left (`direction="rtl"`), where SVG's `start` and
    /// `end` swap sides, so the anchor word is swapped to keep the geometry.
    static func textOpen(_ w: inout HTMLWriter, _ cls: StaticString, x: Int, y: Int, visualRight: Bool?, rtl: Bool) {
        w.raw("<text class=\""); w.raw(cls); w.raw("\" x=\""); w.int(x); w.raw("\" y=\""); w.int(y); w.raw("\"")
        if rtl { w.raw(" direction=\"rtl\"") }
        switch visualRight {
        case nil: w.raw(" text-anchor=\"middle\">")
        case true?: w.raw(rtl ? " text-anchor=\"start\">" : " text-anchor=\"end\">")
        case false?: w.raw(rtl ? " text-anchor=\"end\">" : " text-anchor=\"start\">")
        }
    }

    static func open(_ w: inout HTMLWriter, id: String, width: Int, height: Int, title: String, description: String) {
        w.raw("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" direction=\"ltr\" viewBox=\"0 0 ")
        w.int(width); w.raw(" "); w.int(height)
        w.raw("\" role=\"img\" focusable=\"false\" aria-labelledby=\"")
        w.rawTrusted(id); w.raw("-title "); w.rawTrusted(id); w.raw("-desc\"><title id=\"")
        w.rawTrusted(id); w.raw("-title\">"); w.text(title); w.raw("</title><desc id=\"")
        w.rawTrusted(id); w.raw("-desc\">"); w.text(description); w.raw("</desc>")
    }
}

extension Int {
    func clamped(_ low: Int, _ high: Int) -> Int { Swift.min(Swift.max(self, low), high) }
}
