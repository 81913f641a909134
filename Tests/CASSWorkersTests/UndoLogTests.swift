import CASSDomain
import CASSEngine
import XCTest
@testable import CASSWorkers

/// A file's undo log keeps, per AWB, what the file's first change to it
/// replaced: `noteIfNew` (one lookup on the usual path) must decide as
/// `contains` then `note` did.
final class UndoLogTests: XCTestCase {
    func key(_ serial: Int32) -> LedgerKey { LedgerKey(operation: ASCIICode(operationText: "GB"), awb: AWBKey(prefix: 125, serial: serial)) }

    func entry(weight: Int64) -> AWBLedger.Entry {
        AWBLedger.Entry(firstAgent: 91_200_040_002, weightCharge: weight, valuationCharge: 0, otherChargesDueCarrier: 0, commission: 0, incentive: 0,
                        netDue: weight, issueDate: CivilDate(yyyymmdd: 20261103)!, lastOrdinal: 1, lastSequence: 1)
    }

    func testTheFirstChangeToAnAWBIsTheOneKept() {
        var log = UndoLog(name: "f", period: BillingPeriod(yyyymmnn: 20261101)!)
        // Billed first here, then corrected by the same file: still "billed first".
        XCTAssertTrue(log.noteIfNew(key(1), nil))
        XCTAssertFalse(log.noteIfNew(key(1), entry(weight: 5)))
        XCTAssertEqual(log.previous(key(1)).map { $0 == nil }, true)
        // Replaced here, then seen again: the first replaced entry stays.
        XCTAssertTrue(log.noteIfNew(key(2), entry(weight: 7)))
        XCTAssertFalse(log.noteIfNew(key(2), entry(weight: 9)))
        XCTAssertFalse(log.noteIfNew(key(2), nil))
        XCTAssertEqual(log.previous(key(2))??.weightCharge, 7)
        XCTAssertNil(log.previous(key(3)))
        XCTAssertEqual(log.count, 2)
    }

    /// The same decisions as the two-step form, on a random mix.
    func testAgreesWithContainsThenNote() {
        var generator = SystemRandomNumberGenerator()
        var fast = UndoLog(name: "f", period: BillingPeriod(yyyymmnn: 20261101)!)
        var slow = fast
        for _ in 0..<2_000 {
            let k = key(Int32.random(in: 0..<300, using: &generator))
            let before: AWBLedger.Entry? = Bool.random(using: &generator) ? nil : entry(weight: Int64.random(in: 0..<100, using: &generator))
            let expected = !slow.contains(k)
            if expected { slow.note(k, before) }
            XCTAssertEqual(fast.noteIfNew(k, before), expected)
        }
        XCTAssertEqual(fast.count, slow.count)
        XCTAssertEqual(fast.sorted.map(\.key), slow.sorted.map(\.key))
        XCTAssertEqual(fast.sorted.map { $0.previous?.weightCharge }, slow.sorted.map { $0.previous?.weightCharge })
    }
}
