@testable import CASSEngine
import CASSDomain
import XCTest

/// `LedgerKey` hashes through `TableHash` (a few instructions) rather
/// than a `Hasher`: tables of keys still answer as they must, and the keys
/// AWB stock looks like spread over a table's buckets.
final class TableHashTests: XCTestCase {
    /// Keys equal as values hash equal; a `Set` and a `Dictionary` of them
    /// find, count and remove as they would with any hash.
    func test_sets_and_dictionaries_of_ledger_keys_answer_by_equality() {
        var set: Set<LedgerKey> = []
        var dictionary: [LedgerKey: Int] = [:]
        var generator = SystemRandomNumberGenerator()
        var model: [String: Int] = [:]
        for step in 0..<30_000 {
            let operation = ["GB", "JP", "KW", "DE"][Int.random(in: 0..<4, using: &generator)]
            let prefix = Int32([125, 157, 176, 0][Int.random(in: 0..<4, using: &generator)])
            let serial = Int32.random(in: 0..<20_000, using: &generator)
            let key = LedgerKey(operation: operation, prefix: prefix, serial: serial)
            let text = "\(operation) \(prefix) \(serial)"
            if step % 5 == 0 {
                set.remove(key)
                dictionary[key] = nil
                model[text] = nil
            } else {
                set.insert(key)
                dictionary[key] = step
                model[text] = step
            }
        }
        XCTAssertEqual(set.count, model.count)
        XCTAssertEqual(dictionary.count, model.count)
        for (key, value) in dictionary {
            XCTAssertTrue(set.contains(key))
            XCTAssertEqual(model["\(key.operation) \(key.awb.prefix) \(key.awb.serial)"], value)
            // A key built again from its fields finds the same entry.
            let again = LedgerKey(operation: key.operation.description, prefix: key.awb.prefix, serial: key.awb.serial)
            XCTAssertEqual(again._rawHashValue(seed: 12345), key._rawHashValue(seed: 12345))
            XCTAssertEqual(dictionary[again], value)
        }
        // The same AWB in two operations: two keys (billing-file.md).
        let gb = LedgerKey(operation: "GB", prefix: 125, serial: 24_058_451)
        let jp = LedgerKey(operation: "JP", prefix: 125, serial: 24_058_451)
        XCTAssertEqual(Set([gb, jp, gb]).count, 2)
    }

    /// Consecutive serials with their check digits (a real airline's
    /// stock, a generated dataset) fill the buckets of a table about as
    /// evenly as random keys would: no bucket of 65,536 takes more than a
    /// handful of 50,000 keys, in any of several tables (seeds).
    func test_consecutive_serials_spread_over_the_buckets() {
        let buckets = 1 << 16
        for seed in [0, 1, 0x7F3A_1000, -42] {
            var counts = [Int](repeating: 0, count: buckets)
            for number in 2_405_845..<2_455_845 {
                let key = LedgerKey(operation: "GB", prefix: 125, serial: Int32(number * 10 + number % 7))
                counts[key._rawHashValue(seed: seed) & (buckets - 1)] += 1
            }
            // Random keys: mean 0.76 a bucket, the fullest about 7.
            XCTAssertLessThanOrEqual(counts.max() ?? 0, 10, "seed \(seed)")
            XCTAssertGreaterThan(counts.filter { $0 > 0 }.count, buckets * 45 / 100, "seed \(seed)")
        }
    }

    /// The table's seed changes every key's hash: keys that share a bucket
    /// in one table are spread in another.
    func test_the_seed_changes_the_hash() {
        let keys = (0..<1_000).map { LedgerKey(operation: "KW", prefix: 229, serial: Int32(10_000_000 + $0 * 10)) }
        let same = keys.filter { $0._rawHashValue(seed: 1) == $0._rawHashValue(seed: 2) }.count
        XCTAssertEqual(same, 0)
        let colliding = keys.filter { $0._rawHashValue(seed: 1) & 1023 == keys[0]._rawHashValue(seed: 1) & 1023 }
        let stillColliding = colliding.filter { $0._rawHashValue(seed: 2) & 1023 == keys[0]._rawHashValue(seed: 2) & 1023 }
        XCTAssertLessThan(stillColliding.count, max(2, colliding.count))
    }

    /// Fields that differ by the same amount in different places fold to
    /// different words.
    func test_fold_keeps_fields_apart() {
        XCTAssertNotEqual(TableHash.fold(1, 2, 3, 4), TableHash.fold(2, 1, 3, 4))
        XCTAssertNotEqual(TableHash.fold(1, 0, 0, 1), TableHash.fold(0, 1, 1, 0))
        XCTAssertNotEqual(TableHash.fold(0, 0, 0, 1), TableHash.fold(0, 0, 1, 0))
    }

    /// Texts of every length up to 24 bytes (the tail and the eight-byte
    /// steps), and texts that differ in one byte or only in length, give
    /// different words; the same bytes give the same word.
    func test_texts_fold_to_different_words() {
        var texts: [String] = [""]
        for length in 1...24 { texts.append(String(repeating: "0", count: length)) }
        for length in 1...24 { texts.append(String(repeating: "0", count: length - 1) + "1") }
        texts += ["1,234.56", "1,234.65", "2026-11-02", "2026-11-20", "\u{0}", "\u{0}\u{0}", "مرحبا", "東京", "LHR-JFK", "JFK-LHR"]
        func word(_ text: String) -> UInt64 {
            Array(text.utf8).withUnsafeBytes { TableHash.word(ofBytes: $0) }
        }
        XCTAssertEqual(Set(texts).count, texts.count)
        XCTAssertEqual(Set(texts.map(word)).count, texts.count)
        XCTAssertEqual(word("1,234.56"), word(String("x1,234.56".dropFirst())))
    }

    /// `AWBKey` (the accounts' index of an invoice's AWBs) hashes the same
    /// way: equal keys hash equal, a dictionary of them answers by equality.
    func test_awb_keys_hash_through_the_table_hash() {
        var index: [AWBKey: Int] = [:]
        for serial in 0..<20_000 { index[AWBKey(prefix: Int32(serial % 3) * 10 + 125, serial: Int32(serial))] = serial }
        XCTAssertEqual(index.count, 20_000)
        for serial in stride(from: 0, to: 20_000, by: 7) {
            XCTAssertEqual(index[AWBKey(prefix: Int32(serial % 3) * 10 + 125, serial: Int32(serial))], serial)
        }
        XCTAssertNil(index[AWBKey(prefix: 125, serial: 1)], "serial 1 was filed under prefix 135")
        XCTAssertEqual(AWBKey(prefix: 125, serial: 9)._rawHashValue(seed: 3), AWBKey(prefix: 125, serial: 9)._rawHashValue(seed: 3))
        XCTAssertNotEqual(AWBKey(prefix: 125, serial: 9)._rawHashValue(seed: 3), AWBKey(prefix: 125, serial: 9)._rawHashValue(seed: 4))
    }
}
