import CASSDomain
import XCTest
@testable import CASSWorkers

final class DocumentOrderTests: XCTestCase {
    private func invoice(_ number: String, lines: Int) throws -> Invoice {
        Invoice(number: number, country: "GB", period: try XCTUnwrap(BillingPeriod(year: 2026, month: 11, number: 1)), currency: "GBP", minorDigits: 2,
                invoiceDate: try XCTUnwrap(CivilDate(year: 2026, month: 11, day: 10)), remittanceDate: try XCTUnwrap(CivilDate(year: 2026, month: 11, day: 20)),
                agentCode: 91_200_170_003, sections: [], lineCount: lines, netDue: 0, taxCharged: 0, taxCredited: 0, total: 0)
    }

    /// Every invoice once, the most lines first, equal ones in their order.
    func test_largestFirst_isAPermutation_mostLinesFirst() throws {
        let counts = [5, 900, 12, 900, 0, 11_000, 389, 12]
        let invoices = try counts.enumerated().map { try invoice("GB\($0.offset)", lines: $0.element) }
        let order = InvoiceDocuments.largestFirst(invoices)
        XCTAssertEqual(order, [5, 1, 3, 6, 2, 7, 0, 4])
        XCTAssertEqual(InvoiceDocuments.largestFirst([]), [])
    }
}
