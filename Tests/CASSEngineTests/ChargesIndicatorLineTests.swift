import CASSDomain
@testable import CASSEngine
import XCTest

/// billing-file.md: a collect record's net due is minus its commission and
/// incentive. The invoice line keeps the record's indicator so that the
/// documents can say why its net is negative.
final class ChargesIndicatorLineTests: XCTestCase {
    static let period = BillingPeriod(yyyymmnn: 20261101)!

    func checked(_ record: BillingRecord, sequence: Int32) -> CheckedRecord {
        let source = RecordSource(fileName: "a.cbf", fileOrdinal: 1, sequence: sequence, identity: ReportedIdentity(), awbPrefixText: ASCIICode("125"),
                                  awbSerialText: ASCIICode(String(record.awbSerial)))
        return CheckedRecord(source: source, country: "GB", period: Self.period, record: record, issueDate: CivilDate(iso: "2026-11-02")!)
    }

    func billed(_ outcome: AWBLedger.Outcome) -> BilledLine? {
        if case .billed(let line, _) = outcome { return line }
        return nil
    }

    func test_AWBAndCCALines_keepTheRecordsIndicator_memosHaveNone() throws {
        var ledger = AWBLedger()
        let collect = Fixture.awb(1000001, indicator: .collect)
        let awb = try XCTUnwrap(billed(try ledger.apply(checked(collect, sequence: 2))))
        XCTAssertEqual(awb.chargesIndicator, .collect)
        XCTAssertLessThan(awb.amount, 0, "a collect AWB's net is minus its commission")
        XCTAssertEqual(awb.invoiceLine.chargesIndicator, .collect)

        var correction = Fixture.awb(1000001, weightCharge: 12_000, transaction: .cca, indicator: .collect)
        correction.reasonCode = ASCIICode("WGT")
        XCTAssertEqual(try XCTUnwrap(billed(try ledger.apply(checked(correction, sequence: 3)))).chargesIndicator, .collect)

        let memo = Fixture.awb(1000001, weightCharge: 500, transaction: .dcm, indicator: .prepaid)
        XCTAssertNil(try XCTUnwrap(billed(try ledger.apply(checked(memo, sequence: 4)))).chargesIndicator)

        let prepaid = Fixture.awb(1000002)
        XCTAssertEqual(try XCTUnwrap(billed(try ledger.apply(checked(prepaid, sequence: 5)))).chargesIndicator, .prepaid)
    }
}
