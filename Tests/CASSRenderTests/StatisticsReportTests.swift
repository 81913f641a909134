import CASSDomain
@testable import CASSRender
import Foundation
import XCTest

final class StatisticsReportTests: XCTestCase {
    func test_statisticsCSV_billedPerAirlineEqualsSectionTotals_andRejectionsCountByCode() throws {
        let invoices = [Fixtures.invoice(market: 0, lines: 12), Fixtures.invoice(market: 0, lines: 5, number: "GB2026000002")]
        let rejections = [
            Rejection(file: "125_GB_2026110101.cbf", airline: "125", country: "GB", period: "20261101", sequence: 4, awb: "125-10000011", problem: Problem(code: .R07)),
            Rejection(file: "125_GB_2026110101.cbf", airline: "125", country: "GB", period: "20261101", sequence: 9, awb: "125-10000022", problem: Problem(code: .R07)),
            Rejection(file: "057_GB_2026110101.cbf", airline: "057", country: "GB", period: "20261101", sequence: 0, awb: "", problem: Problem(code: .F03)),
            Rejection(file: "057_FR_2026110101.cbf", airline: "057", country: "FR", period: "20261101", sequence: 0, awb: "", problem: Problem(code: .F03)),
        ]
        let stats = BillingStatistics.accumulate(country: "GB", period: "20261101", currency: "GBP", minorDigits: 2, invoices: invoices, rejections: rejections)
        let csv = StatisticsReport.csv(stats)
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(rows.first?.joined(separator: ","), StatisticsReport.csvHeader)
        XCTAssertTrue(rows.allSatisfy { $0.count == 7 })
        var expected: [String: Int64] = [:]
        for section in invoices.flatMap(\.sections) { expected[Fixtures.padded(Int(section.airlinePrefix), 3), default: 0] += section.total }
        for (airline, amount) in expected {
            let billed = try XCTUnwrap(rows.first { $0[2] == airline && $0[3] == "billed" })
            XCTAssertEqual(Int64(billed[6]), amount)
            let agentSum = rows.filter { $0[2] == airline && $0[3] == "agent" }.compactMap { Int64($0[6]) }.reduce(0, +)
            XCTAssertEqual(agentSum, amount, "per-agent rows must add up to the airline's billed amount")
        }
        XCTAssertEqual(rows.first { $0[2] == "125" && $0[3] == "rejected" && $0[4] == "R07" }?[5], "2")
        XCTAssertEqual(rows.first { $0[2] == "057" && $0[3] == "rejected" && $0[4] == "F03" }?[5], "1", "another operation's rejection must not count")
        let lines = invoices.flatMap(\.sections).flatMap(\.lines)
        let originSum = rows.filter { $0[3] == "origin" }.compactMap { Int64($0[6]) }.reduce(0, +)
        XCTAssertEqual(originSum, lines.reduce(0) { $0 + $1.amount })
    }

    func test_dashboard_isStaticHTMLWithInlineSVGAndNoScript() throws {
        let stats = BillingStatistics.accumulate(country: "AE", period: "20261101", currency: "AED", minorDigits: 2,
                                                 invoices: [Fixtures.invoice(market: 7, lines: 10)], rejections: [])
        let folder = try Fixtures.temporaryDirectory(self)
        let urls = try StatisticsReport.write(stats, reference: Fixtures.reference, to: folder)
        XCTAssertEqual(urls.map(\.lastPathComponent), ["statistics-AE-20261101.csv", "dashboard-AE-20261101.html"])
        let html = try String(contentsOf: urls[1], encoding: .utf8)
        XCTAssertTrue(html.contains("<svg"))
        XCTAssertTrue(html.contains("<rect"))
        XCTAssertFalse(html.lowercased().contains("<script"))
        XCTAssertTrue(html.contains("شركة الخليج للشحن الجوي"), "agent names appear in their own script")
    }
}
