import CProcess
import CASSLog
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
            cass_thread_set_name(name)
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

/// A few threads that run fsync waits for a send that spans several
/// partitions, so that their fsyncs overlap (the filesystem can commit
/// them together) instead of queueing one behind the other. Threads start
/// on demand, at most `threadsMax`; jobs beyond wait their turn.
final class SyncPool: @unchecked Sendable {
    // @unchecked: every field is guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var threads = 0
    private var idle = 0
    private var stopping = false
    let threadsMax: Int

    init(threadsMax: Int) { self.threadsMax = max(1, threadsMax) }

    private func enqueue(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        defer { condition.unlock() }
        jobs.append(job)
        if idle == 0, threads < threadsMax {
            threads += 1
            let thread = Thread { [self] in
                cass_thread_set_name("filelog-sync")
                loop()
            }
            thread.name = "cass-filelog-sync"
            thread.start()
        }
        condition.signal()
    }

    private func loop() {
        condition.lock()
        while true {
            while jobs.isEmpty, !stopping {
                idle += 1
                condition.wait()
                idle -= 1
            }
            if jobs.isEmpty {
                threads -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
            condition.lock()
        }
    }

    /// Runs every body, the first on this thread and the others on the
    /// pool, and returns when all are done; throws the first error.
    func runAll(_ bodies: [@Sendable () throws -> Void]) throws {
        guard bodies.count > 1 else {
            try bodies.first?()
            return
        }
        let done = NSCondition()
        let state = Locked((remaining: bodies.count - 1, error: (any Error)?.none))
        for body in bodies.dropFirst() {
            enqueue {
                var failure: (any Error)?
                do { try body() } catch { failure = error }
                done.lock()
                state.withLock { state in
                    state.remaining -= 1
                    if state.error == nil { state.error = failure }
                }
                done.broadcast()
                done.unlock()
            }
        }
        var firstError: (any Error)?
        do { try bodies[0]() } catch { firstError = error }
        done.lock()
        while state.withLock({ $0.remaining }) > 0 { done.wait() }
        done.unlock()
        if let error = firstError ?? state.withLock({ $0.error }) { throw error }
    }

    /// Lets the threads finish their jobs and end.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while threads > 0 { condition.wait() }
        condition.unlock()
    }
}
