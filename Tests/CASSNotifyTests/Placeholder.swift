import XCTest

final class CASSNotifyTestsPlaceholder: XCTestCase {
    func testBuilds() { XCTAssertTrue(true) }
}
