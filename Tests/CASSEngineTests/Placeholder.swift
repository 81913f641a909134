import XCTest

final class CASSEngineTestsPlaceholder: XCTestCase {
    func testBuilds() { XCTAssertTrue(true) }
}
