@testable import CASSEngine
import CASSDomain
import XCTest

/// The ledger keeps its entries in shards (so a service's ledger grows in
/// small steps); what it holds and answers is that of one dictionary.
final class AWBLedgerShardTests: XCTestCase {
    func entry(_ n: Int64) -> AWBLedger.Entry {
        AWBLedger.Entry(firstAgent: n, weightCharge: n, valuationCharge: 0, otherChargesDueCarrier: 0, commission: 0, incentive: 0,
                        netDue: n, issueDate: CivilDate(yyyymmdd: 20261102)!, lastOrdinal: 1, lastSequence: Int32(truncatingIfNeeded: n))
    }

    func test_the_ledger_answers_as_one_dictionary_would() {
        var ledger = AWBLedger()
        ledger.reserve(5_000)
        var model: [LedgerKey: AWBLedger.Entry] = [:]
        var generator = SystemRandomNumberGenerator()
        for step in 0..<20_000 {
            let key = LedgerKey(operation: ["GB", "JP", "KW"][Int.random(in: 0..<3, using: &generator)],
                                prefix: [125, 157, 176][Int.random(in: 0..<3, using: &generator)],
                                serial: Int32.random(in: 1_000_000..<1_004_000, using: &generator))
            if step % 7 == 0 {
                ledger[key] = nil
                model[key] = nil
            } else {
                ledger[key] = entry(Int64(step))
                model[key] = entry(Int64(step))
            }
        }
        XCTAssertEqual(ledger.count, model.count)
        XCTAssertEqual(ledger.entries, model)
        for key in model.keys.prefix(500) { XCTAssertEqual(ledger[key], model[key]) }
        XCTAssertNil(ledger[LedgerKey(operation: "GB", prefix: 999, serial: 1)])
        XCTAssertEqual(AWBLedger(entries: model).entries, model, "built from a dictionary")
    }

    /// A copy changed later leaves the original as it was (value semantics
    /// survive the shards: the dry run validates against a copy).
    func test_a_changed_copy_leaves_the_original() {
        var original = AWBLedger()
        let key = LedgerKey(operation: "GB", prefix: 125, serial: 24_058_451)
        original[key] = entry(1)
        var copy = original
        copy[key] = entry(2)
        copy[LedgerKey(operation: "GB", prefix: 125, serial: 24_058_462)] = entry(3)
        XCTAssertEqual(original[key], entry(1))
        XCTAssertEqual(original.count, 1)
        XCTAssertEqual(copy.count, 2)
    }

    /// Consecutive serials (each ending in its check digit, as AWBs do)
    /// spread over every shard, none far above the mean: the keys a
    /// generated dataset and a real airline's stock both look like.
    func test_consecutive_serials_spread_over_the_shards() {
        var sizes = [Int](repeating: 0, count: AWBLedger.shardCount)
        for number in 2_405_845..<2_505_845 {
            let serial = Int32(number * 10 + number % 7)
            sizes[AWBLedger.shard(of: LedgerKey(operation: "GB", prefix: 125, serial: serial))] += 1
        }
        let mean = 100_000 / AWBLedger.shardCount
        XCTAssertTrue(sizes.allSatisfy { $0 > mean / 2 && $0 < mean * 3 / 2 }, "shard sizes \(sizes.min() ?? 0)...\(sizes.max() ?? 0), mean \(mean)")
    }
}
