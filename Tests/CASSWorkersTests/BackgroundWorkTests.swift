import CASSLog
@testable import CASSWorkers
import Foundation
import XCTest

/// Work started in the background runs before anyone asks for it, hands
/// its value (or its error) to every caller, however many and from
/// whichever thread, and runs once.
final class BackgroundWorkTests: XCTestCase {
    struct Refused: Error, Equatable {}

    func test_the_work_starts_at_once_and_every_caller_gets_its_one_value() throws {
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let runs = Locked(0)
        let work = BackgroundWork(name: "test-work") { () -> Int in
            runs.withLock { $0 += 1 }
            started.signal()
            release.wait()
            return 42
        }
        // Started without anyone asking.
        XCTAssertEqual(started.wait(timeout: .now() + 10), .success, "the work did not start on its own")
        release.signal()
        let values = Locked<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            if let value = try? work.value() { values.withLock { $0.append(value) } }
        }
        XCTAssertEqual(values.current, Array(repeating: 42, count: 8))
        XCTAssertEqual(try work.value(), 42)
        XCTAssertEqual(runs.current, 1)
    }

    func test_an_error_reaches_every_caller() {
        let work = BackgroundWork<Int>(name: "test-error") { throw Refused() }
        for _ in 0..<2 {
            XCTAssertThrowsError(try work.value()) { XCTAssertEqual($0 as? Refused, Refused()) }
        }
    }
}
