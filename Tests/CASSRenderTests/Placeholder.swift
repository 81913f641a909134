import XCTest

final class CASSRenderTestsPlaceholder: XCTestCase {
    func testBuilds() { XCTAssertTrue(true) }
}
