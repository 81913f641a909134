import CASSDomain
import XCTest

final class BillingPeriodTextTests: XCTestCase {
    /// YYYYMMNN is eight digits for every year, so the text reads back as
    /// the same period wherever eight digits are required.
    func testThePeriodTextHasEightDigitsForEveryYear() throws {
        for (year, text) in [(1, "00010101"), (17, "00170101"), (999, "09990101"), (1000, "10000101"), (2026, "20260101"), (9999, "99990101")] {
            let period = try XCTUnwrap(BillingPeriod(year: year, month: 1, number: 1))
            XCTAssertEqual(period.text, text)
            XCTAssertEqual(period.description, text)
            XCTAssertEqual(BillingPeriod(yyyymmnn: try XCTUnwrap(Int(period.text))), period)
        }
    }
}
