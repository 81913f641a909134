@testable import CASSWorkers
import XCTest

/// `CASS_NAMESPACE` and a topic's name are joined by exactly one dot.
final class NamespaceTests: XCTestCase {
    func testANamespaceIsJoinedWithOneDotWhetherOrNotItEndsWithOne() {
        XCTAssertEqual(TopicCatalog.namespace(from: nil), "")
        XCTAssertEqual(TopicCatalog.namespace(from: ""), "")
        XCTAssertEqual(TopicCatalog.namespace(from: "run1"), "run1.")
        XCTAssertEqual(TopicCatalog.namespace(from: "run1."), "run1.")
        XCTAssertEqual(TopicCatalog.namespace(from: "run1..."), "run1.")
        XCTAssertEqual(TopicCatalog.namespace(from: "a.b"), "a.b.")
        XCTAssertEqual(TopicCatalog.namespace(from: "."), "")
    }
}
