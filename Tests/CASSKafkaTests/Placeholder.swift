import XCTest

final class CASSKafkaTestsPlaceholder: XCTestCase {
    func testBuilds() { XCTAssertTrue(true) }
}
