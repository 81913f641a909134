@testable import CASSWorkers
import Dispatch
import Foundation
import XCTest

/// A drain thread with nothing to do sleeps until another thread's step
/// ends (then the stage it held is free, and what it produced can be
/// taken), not on a timer: woken by that end, and never asleep past one
/// that came before it went to sleep.
final class SharedWorkersWakeTests: XCTestCase {
    func test_a_waiting_thread_wakes_at_the_next_step_end_and_not_before() {
        let shared = SharedWorkers([])
        let seen = shared.stepsEnded
        let woke = DispatchSemaphore(value: 0)
        let started = Date()
        DispatchQueue.global().async {
            shared.waitForStepEnd(after: seen, limit: 30)
            woke.signal()
        }
        // Asleep while no step ends.
        XCTAssertEqual(woke.wait(timeout: .now() + 0.2), .timedOut)
        shared.stepEnded()
        XCTAssertEqual(woke.wait(timeout: .now() + 5), .success)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }

    func test_a_step_that_ended_before_the_wait_is_not_slept_through() {
        let shared = SharedWorkers([])
        let seen = shared.stepsEnded
        shared.stepEnded()
        let started = Date()
        shared.waitForStepEnd(after: seen, limit: 30)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)
    }

    func test_the_limit_ends_a_wait_that_nothing_wakes() {
        let shared = SharedWorkers([])
        let started = Date()
        shared.waitForStepEnd(after: shared.stepsEnded, limit: 0.05)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.04)
    }
}
