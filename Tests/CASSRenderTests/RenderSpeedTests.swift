import CASSDomain
import CASSRender
import Foundation
import XCTest

final class RenderSpeedTests: XCTestCase {
    /// A guard against accidental quadratic work, not a benchmark: 40
    /// ten-line invoices in all three formats, even in a debug build.
    func test_renderingManyInvoices_isQuick() throws {
        let fonts = try Fixtures.requireFonts()
        let renderer = DocumentRenderer(reference: Fixtures.reference, fonts: fonts)
        let invoices = (0..<40).map { Fixtures.invoice(market: $0 % Fixtures.markets.count, lines: 10, number: "XX2026\(Fixtures.padded($0, 6))") }
        var bytes = 0
        var seconds: [Double] = [0, 0, 0]
        for invoice in invoices {
            var mark = Date()
            bytes += try renderer.renderPDF(invoice).count
            seconds[0] += Date().timeIntervalSince(mark); mark = Date()
            bytes += try renderer.renderXLSX(invoice).count
            seconds[1] += Date().timeIntervalSince(mark); mark = Date()
            bytes += try renderer.renderHOT(invoice).count
            seconds[2] += Date().timeIntervalSince(mark)
        }
        print("rendered \(invoices.count) invoices (\(bytes / 1024) KiB): PDF \(String(format: "%.2f", seconds[0])) s, XLSX \(String(format: "%.2f", seconds[1])) s, HOT \(String(format: "%.3f", seconds[2])) s")
        let total = seconds.reduce(0, +)
        XCTAssertLessThan(total, 30)
    }
}
