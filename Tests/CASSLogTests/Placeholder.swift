import XCTest

final class CASSLogTestsPlaceholder: XCTestCase {
    func testBuilds() { XCTAssertTrue(true) }
}
