import CASSLog
import XCTest

/// The one hash that places keys: FNV-1a 32 bits, checked against the
/// published test vectors, and the partition it gives.
final class FNV1aTests: XCTestCase {
    func hash(_ text: String) -> UInt32 {
        var hash = FNV1a()
        hash.mix(bytes: text.utf8)
        return hash.value
    }

    func test_published_vectors() {
        XCTAssertEqual(hash(""), 0x811C_9DC5)
        XCTAssertEqual(hash("a"), 0xE40C_292C)
        XCTAssertEqual(hash("foobar"), 0xBF9C_F968)
    }

    func test_words_are_mixed_least_significant_byte_first() {
        var word = FNV1a(), bytes = FNV1a()
        word.mix(littleEndian: UInt64(0x0102_0304_0506_0708))
        bytes.mix(bytes: [8, 7, 6, 5, 4, 3, 2, 1])
        XCTAssertEqual(word.value, bytes.value)
    }

    func test_the_partitioner_is_the_hash_modulo_the_count() {
        XCTAssertEqual(Partitioner.partition(for: "GB", count: 4), Int32(hash("GB") % 4))
        XCTAssertEqual(Partitioner.partition(for: Array("GB".utf8), count: 7), Partitioner.partition(for: "GB", count: 7))
    }
}
