@testable import CASSAccounts
import CASSDomain
import XCTest

/// What the service writes for a request is read back first: a record the
/// accounts view could not read would stop the service at every start.
final class RecordReadBackTests: XCTestCase {
    func testARecordThatReadsBackIsWrittenAsEncoded() throws {
        let period = try XCTUnwrap(BillingPeriod(year: 17, month: 1, number: 1))
        let record = AccountsRecord.periodClosed(OperationPeriod(country: "GB", period: period))
        let bytes = try AccountsRecordCoding.encodeReadingBack(record)
        XCTAssertEqual(bytes, try AccountsRecordCoding.encode(record))
        XCTAssertEqual(try AccountsRecordCoding.decode(bytes), record)
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains("\"00170101\""))
    }

    /// An agent code of twelve digits encodes (as twelve digits) but no
    /// reader takes it: refused before it is written, naming the record.
    func testARecordThatWouldNotReadBackIsRefused() throws {
        let date = try XCTUnwrap(CivilDate(year: 2026, month: 12, day: 7))
        let record = AccountsRecord.walletTopUp(TopUpWallet(id: "w1", account: AccountKey(country: "GB", agent: 123_456_789_012),
                                                            amountMinor: 100, reference: "", by: "root", on: date))
        XCTAssertNoThrow(try AccountsRecordCoding.encode(record))
        XCTAssertThrowsError(try AccountsRecordCoding.encodeReadingBack(record)) { error in
            XCTAssertTrue("\(error)".contains("wallet"), "\(error)")
            XCTAssertTrue("\(error)".contains("would not read back"), "\(error)")
        }
    }
}
