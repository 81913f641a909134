import CASSDomain
import CASSEngine
import CASSLog
import CASSWorkers
import Foundation
import XCTest

/// The render stage alone: an issued invoice's header and line parts in,
/// its documents on disk once every part came, across a restart.
final class RenderStageTests: XCTestCase {
    func test_documents_are_written_once_every_part_arrived_even_across_a_restart() throws {
        let folder = try StageFixture.temporaryFolder(self)
        let stage = try StageHarness(RenderStage.definition, environment: StageFixture.environment(documents: folder))
        let period = BillingPeriod(yyyymmnn: 20261101)!
        let line = InvoiceLine(awb: "125-10000013", awbSerial: 10_000_013, transaction: .awb, issueDate: CivilDate(yyyymmdd: 20261101)!, origin: "LHR",
                               destination: "NRT", chargeableWeightTenthsKg: 10, weightCharge: 1_000, valuationCharge: 0, otherChargesDueCarrier: 0,
                               commission: 0, incentive: 0, amount: 1_000, reasonCode: "", sourceFile: "a.cbf", sourceSequence: 2)
        let section = InvoiceSection(airlinePrefix: 125, lines: [line, line], taxes: [], netDue: 2_000, taxCharged: 0, taxCredited: 0, total: 2_000)
        let invoice = Invoice(number: "GB2026000001", country: "GB", period: period, currency: "GBP", minorDigits: 2, invoiceDate: CivilDate(yyyymmdd: 20261107)!,
                              remittanceDate: CivilDate(yyyymmdd: 20261117)!, agentCode: StageFixture.agent("GB"), sections: [section], lineCount: 2,
                              netDue: 2_000, taxCharged: 0, taxCredited: 0, total: 2_000)
        let (header, parts) = LinePart.split(invoice)
        var twoParts = parts
        twoParts = [LinePart(index: 0, count: 2, airlinePrefix: 125, lines: [line]), LinePart(index: 1, count: 2, airlinePrefix: 125, lines: [line])]
        XCTAssertEqual(parts.count, 1)
        try stage.push(.invoiceHeader(header, parts: 2))
        try stage.push(.invoiceLines(number: header.number, part: twoParts[0]))
        let pdf = folder.appendingPathComponent("GB2026000001.pdf")
        XCTAssertFalse(FileManager.default.fileExists(atPath: pdf.path), "not before every part came")
        try stage.restart()
        try stage.push(.invoiceLines(number: header.number, part: twoParts[1]))
        for ext in ["pdf", "xlsx", "hot", "xml", "json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("GB2026000001.\(ext)").path), ext)
        }
        let json = try String(contentsOf: folder.appendingPathComponent("GB2026000001.json"), encoding: .utf8)
        XCTAssertEqual(json.components(separatedBy: "125-10000013").count - 1, 2, "both lines, one from before the restart")
    }

    func test_render_needs_a_documents_folder() {
        XCTAssertThrowsError(try StageHarness(RenderStage.definition, environment: StageFixture.environment())) {
            XCTAssertTrue("\($0)".contains("documents folder"), "\($0)")
        }
    }
}
