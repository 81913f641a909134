@testable import CASSPortal
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif

final class PortalChartTests: XCTestCase {
    /// Each `<svg>...</svg>` of a page parses as XML (well-formed), has a
    /// title and a description, and is named by them.
    func test_chartsAreWellFormedAndAccessibleInEveryLanguage() {
        for language in PortalLanguage.allCases {
            let html = Page.text(PortalPages.statistics(PortalSamples.context(.cassOperator, role: .admin, language: language), statistics: PortalSamples.statistics()))
            let charts = Page.matches("(<svg\\b.*?</svg>)", in: html)
            XCTAssertGreaterThanOrEqual(charts.count, 6, language.rawValue)
            for svg in charts {
                let parser = XMLParser(data: Data(svg.utf8))
                XCTAssertTrue(parser.parse(), "\(language.rawValue): \(parser.parserError.map { "\($0)" } ?? "") in \(svg.prefix(300))")
                XCTAssertTrue(svg.contains("role=\"img\""))
                XCTAssertTrue(svg.contains("<title id=\""))
                XCTAssertTrue(svg.contains("<desc id=\""))
                let labelledBy = Page.matches("aria-labelledby=\"([^\"]+)\"", in: svg).first ?? ""
                for id in labelledBy.split(separator: " ") { XCTAssertTrue(svg.contains("id=\"\(id)\"")) }
            }
            // Every chart has its figures as a table too.
            XCTAssertEqual(Page.matches("(<details class=\"chart-data\">)", in: html).count, charts.count)
        }
    }

    func test_chartsMirrorInArabic() {
        let ltr = Page.text(PortalPages.statistics(PortalSamples.context(.cassOperator, role: .admin, language: .en), statistics: PortalSamples.statistics()))
        let rtl = Page.text(PortalPages.statistics(PortalSamples.context(.cassOperator, role: .admin, language: .ar), statistics: PortalSamples.statistics()))
        XCTAssertTrue(ltr.contains("<text class=\"label\" x=\"6\""))
        XCTAssertTrue(rtl.contains("<text class=\"label\" x=\"634\""))
    }

    func test_barLengthsFollowValues() {
        var w = HTMLWriter()
        SVGChart.bars(&w, id: "t", title: "T", description: "D",
                      bars: [.init(label: "a", values: [100], texts: ["100"]), .init(label: "b", values: [50], texts: ["50"]), .init(label: "c", values: [-25], texts: ["-25"])],
                      seriesNames: [], rtl: false)
        let svg = String(decoding: w.bytes, as: UTF8.self)
        let widths = Page.matches("<rect class=\"series-0[^\"]*\" x=\"\\d+\" y=\"\\d+\" width=\"(\\d+)\"", in: svg).compactMap { Int($0) }
        XCTAssertEqual(widths, [320, 160, 80])
        XCTAssertTrue(svg.contains("series-0 negative"))
    }

    func test_emptyStatisticsSayNothingYet() {
        let html = Page.text(PortalPages.statistics(PortalSamples.context(.airline, role: .viewer),
                                                    statistics: PortalStatistics(operations: [], hourly: [], asOf: PortalSamples.now)))
        XCTAssertFalse(html.contains("<svg"))
        XCTAssertTrue(html.contains("Nothing to show yet."))
        XCTAssertTrue(html.contains("No figures yet."))
    }

    func test_totalsAddCountsAndAmountsPerCurrency() {
        let stats = PortalSamples.statistics()
        let totals = StatisticsTotals(stats.operations)
        XCTAssertEqual(totals.files, 24 + 26 + 28)
        XCTAssertEqual(totals.money.keys.sorted(), ["GBP", "JPY", "KWD"])
        XCTAssertEqual(totals.money["KWD"]?.billed, 12_345_678 + 8_765_432 - 12_345)
        let overflow = StatisticsTotals([
            PortalOperationStatistics(country: "GB", period: "20261101", currency: "GBP", filesByStatus: [], recordsAccepted: 0, recordsRejected: 0, rejectionsByCode: [],
                                      airlines: [], invoicesIssued: 0, paidMinor: Int64.max, outstandingMinor: 0, disputesByState: []),
            PortalOperationStatistics(country: "GB", period: "20261102", currency: "GBP", filesByStatus: [], recordsAccepted: 0, recordsRejected: 0, rejectionsByCode: [],
                                      airlines: [], invoicesIssued: 0, paidMinor: 1, outstandingMinor: 0, disputesByState: []),
        ])
        XCTAssertNil(overflow.money["GBP"]?.paid, "an overflowing sum is unknown, never wrong")
    }

    func test_statisticsPageIsLive() {
        let html = Page.text(PortalPages.statistics(PortalSamples.context(.cassOperator, role: .admin), statistics: PortalSamples.statistics()))
        XCTAssertTrue(html.contains("<body data-events=\"/api/v1/events\">"))
        XCTAssertTrue(html.contains("id=\"statistics-live\" data-live=\"file. period. invoice. payment. dispute. risk.\""))
        XCTAssertTrue(html.contains("aria-live=\"polite\" data-live-status=\"Figures updated at\""))
    }
}
