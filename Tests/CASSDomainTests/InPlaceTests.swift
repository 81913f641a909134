import CASSDomain
import XCTest

/// `InPlace` reads elements through a pointer; the answers must be those
/// of `filter`, `contains(where:)` and `for in` on the same arrays.
final class InPlaceTests: XCTestCase {
    struct Item: Equatable {
        var name: String
        var value: Int
    }

    /// Heap strings (longer than a small string's 15 bytes), as the lines'
    /// file names are.
    func items(_ count: Int) -> [Item] {
        (0..<count).map { Item(name: "file-name-longer-than-fifteen-\($0 % 7)", value: ($0 * 7919) % 13) }
    }

    func test_indices_are_those_filter_keeps_in_order() {
        for count in [0, 1, 2, 17, 300] {
            let array = items(count)
            for threshold in [-1, 0, 6, 12, 13] {
                let expected = array.indices.filter { array[$0].value > threshold }
                XCTAssertEqual(InPlace.indices(of: array) { $0.pointee.value > threshold }, expected, "\(count) items, > \(threshold)")
            }
            XCTAssertEqual(InPlace.indices(of: array) { $0.pointee.name.hasSuffix("-3") }, array.indices.filter { array[$0].name.hasSuffix("-3") })
        }
    }

    func test_contains_answers_as_contains_where() {
        for count in [0, 1, 40] {
            let array = items(count)
            for value in [-1, 0, 5, 12, 13] {
                XCTAssertEqual(InPlace.contains(array) { $0.pointee.value == value }, array.contains { $0.value == value }, "\(count) items, \(value)")
            }
        }
    }

    func test_forEach_visits_every_element_once_in_order_and_rethrows() throws {
        let array = items(50)
        var seen: [Item] = []
        InPlace.forEach(array) { seen.append($0.pointee) }
        XCTAssertEqual(seen, array)
        var none = 0
        InPlace.forEach([Item]()) { _ in none += 1 }
        XCTAssertEqual(none, 0)
        struct Stop: Error {}
        var visited = 0
        XCTAssertThrowsError(try InPlace.forEach(array) { item in
            visited += 1
            if item.pointee.value == array[3].value { throw Stop() }
        })
        XCTAssertEqual(visited, 4, "stops at the first element that throws")
        // The array is untouched and still owns its strings.
        XCTAssertEqual(array, items(50))
    }
}
