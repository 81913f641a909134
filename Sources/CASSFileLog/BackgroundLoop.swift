import Foundation

/// A thread that runs `body` every `intervalNs` (or sooner when kicked)
/// until stopped. `stop()` returns once the thread has left `body`.
final class BackgroundLoop: @unchecked Sendable {
    // @unchecked: `stopping`, `kicked`, `running` and `thread` are guarded by
    // `condition` (`thread` is set once before the thread starts).
    private let condition = NSCondition()
    private var stopping = false
    private var kicked = false
    private var running = true
    private let intervalNs: UInt64
    private var thread: Thread?

    init(name: String, intervalNs: UInt64, body: @escaping @Sendable () -> Void) {
        self.intervalNs = max(intervalNs, 100_000)
        let thread = Thread { [self] in
            while true {
                condition.lock()
                let deadline = monotonicNs() + self.intervalNs
                while !stopping && !kicked {
                    let now = monotonicNs()
                    if now >= deadline { break }
                    _ = condition.wait(until: Date(timeIntervalSinceNow: Double(deadline - now) / 1e9))
                }
                kicked = false
                let stop = stopping
                condition.unlock()
                if stop { break }
                body()
            }
            condition.lock()
            running = false
            self.thread = nil
            condition.broadcast()
            condition.unlock()
        }
        thread.name = name
        self.thread = thread
        thread.start()
    }

    var isStopping: Bool { condition.withLock { stopping } }

    /// Runs the body as soon as the thread is free.
    func kick() {
        condition.lock()
        kicked = true
        condition.signal()
        condition.unlock()
    }

    /// From the loop's own thread (the body dropped the last reference to
    /// its owner, whose deinit stops the loop) it only asks: waiting for
    /// itself would never end.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        if Thread.current !== thread {
            while running { condition.wait() }
        }
        condition.unlock()
    }
}
