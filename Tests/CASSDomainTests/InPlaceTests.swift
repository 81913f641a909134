import CASSDomain
import Foundation
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

    /// A string's bytes in place are its UTF-8: small (inline) strings,
    /// native heap strings, substrings made strings, and strings from
    /// Foundation, which may not be contiguous UTF-8 (then copied).
    func test_a_strings_bytes_in_place_are_its_utf8() {
        let texts = ["", "a", "GB2026000001", "125_GB_20261101_000001.cbf", "شركة الكويت للشحن الجوي", "東京カーゴ株式会社 — 12 %",
                     String(repeating: "x", count: 1_000), String("  trimmed  ".dropFirst(2)),
                     NSString(string: "bridged from Foundation, longer than fifteen bytes") as String,
                     NSString(string: "Ünïcödé bridged").appending(" and more")]
        for text in texts {
            XCTAssertEqual(text.withUTF8InPlace { Array($0) }, Array(text.utf8), text)
        }
    }
}
