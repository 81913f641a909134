import CASSDomain
import CASSLog
import Foundation
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

    struct Refused: Error {}

    /// `alongside` runs exactly once, beside the documents or alone when
    /// there are none, and its error is the run's.
    func test_writeAll_runsAlongsideOnce_andReportsItsError() throws {
        let reference = try ReferenceLoader.load(directory: InjectedMemoTests.samples.appendingPathComponent("reference"))
        let documents = try InvoiceDocuments(reference: reference)
        let invoices = try [3, 1, 2].enumerated().map { try invoice("GB\($0.offset)", lines: $0.element) }
        for batch in [invoices, []] {
            let folder = try StageFixture.temporaryFolder(self).appendingPathComponent("invoices")
            let runs = Locked(0)
            try documents.writeAll(batch, to: folder, alongside: { runs.withLock { $0 += 1 } })
            XCTAssertEqual(runs.current, 1)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).count, batch.count * 5)
        }
        let folder = try StageFixture.temporaryFolder(self).appendingPathComponent("invoices")
        XCTAssertThrowsError(try documents.writeAll(invoices, to: folder, alongside: { throw Refused() })) { error in
            XCTAssertTrue(error is Refused, "\(error)")
        }
    }
}
