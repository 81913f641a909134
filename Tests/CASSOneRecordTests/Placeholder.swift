import XCTest

final class CASSOneRecordTestsPlaceholder: XCTestCase {
    func testBuilds() { XCTAssertTrue(true) }
}
