import XCTest

final class CASSDomainTestsPlaceholder: XCTestCase {
    func testBuilds() { XCTAssertTrue(true) }
}
