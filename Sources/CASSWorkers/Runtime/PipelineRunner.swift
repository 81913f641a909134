#if canImport(Glibc)
import CProcess
import Glibc
#endif
import CASSLog
import Dispatch
import Foundation
import Synchronization

/// Runs stage workers inside a process (the service, or any embedding) on
/// any `Log`: one worker per stage and per `workersPerStage`, driven by a
/// few threads until `stop()`. Any thread may step any worker that no
/// other thread holds (one thread per worker at a time keeps its order).
/// A worker that fails for good (a write it could not finish, state it
/// could not restore) is closed and replaced by a fresh one built by the
/// same definition, which restores its partitions from the state topic:
/// what a supervisor does for worker processes. Replacements back off
/// while they keep failing, and the failure stays visible in `health()`.
public final class PipelineRunner: @unchecked Sendable {
    // @unchecked: mutable state is in `slots` (each behind its own claim
    // lock) and in `shared`, a lock.
    public struct Options: Sendable {
        /// Threads stepping workers (the machine has two cores).
        public var threads: Int = 2
        /// Workers per stage in this process (partitions are shared among
        /// all workers of a stage, in this process and others).
        public var workersPerStage: Int = 1
        /// Records a worker polls at most per step.
        public var maxBatch: Int = 512
        /// Batches per checkpoint of each worker (`StageWorker.checkpointEvery`).
        public var checkpointEvery: Int = 1
        /// `StageWorker.checkpointIdleMs`.
        public var checkpointIdleMs: Int = 0
        /// How long an idle thread waits before looking again.
        public var idleWaitMs: Int = 5
        /// Backoff of a stage whose workers keep failing.
        public var restartBackoff = Backoff(delayInitialMs: 100, delayMaxMs: 10_000)
        /// Whether the threads run at a lower scheduling priority than the
        /// process's others (`ThreadPriority.background`): for stages that
        /// nothing a client waits for depends on (the public events), so
        /// that they take the cores only when the rest leaves them idle.
        public var background = false

        public init() {}
    }

    /// A stage's state as `health()` reports it.
    public struct StageHealth: Sendable {
        public var stage: StageName
        public var workers: Int
        public var recordsIn: Int
        public var restarts: Int
        /// The last failure, if the stage has not stepped cleanly since.
        public var failing: String?
    }

    final class Slot: @unchecked Sendable {
        // @unchecked: touched only by the thread holding `claim`.
        let definition: StageDefinition
        let claim = NSLock()
        var worker: StageWorker?
        var restarts = 0
        var failures = 0
        var retryAtNs: UInt64 = 0
        var recordsIn = 0
        var failing: String?
        /// A copy of the figures above for `health()`, which must not wait
        /// for `claim` (a step can hold it for a large batch).
        let figures = Locked(Figures())

        struct Figures {
            var hasWorker = false
            var recordsIn = 0
            var restarts = 0
            var failing: String?
        }

        init(definition: StageDefinition) { self.definition = definition }

        /// Under `claim`: the figures as they are now, for `health()`.
        func publish() {
            let now = Figures(hasWorker: worker != nil, recordsIn: recordsIn, restarts: restarts, failing: failing)
            figures.withLock { $0 = now }
        }
    }

    let log: any Log
    let environment: StageEnvironment
    let options: Options
    let slots: [Slot]
    private let running = Locked(false)
    private let finished = DispatchGroup()
    /// When a pipeline thread last began a round of its slots (uptime ns;
    /// 0 before the first): what a health check reads.
    private let lastRoundNs = Atomic<UInt64>(0)
    /// Told of every failure (the service logs them).
    public var onFailure: (@Sendable (StageName, any Error) -> Void)?
    /// Told of every change in a stage worker's partitions: on a cluster,
    /// where another process can take them, the operator's log shows who
    /// holds what.
    public var onRebalance: (@Sendable (_ stage: StageName, _ assigned: [TopicPartition], _ revoked: [TopicPartition]) -> Void)?

    public init(log: any Log, stages: [StageDefinition] = Pipeline.definitions, environment: StageEnvironment, options: Options = Options()) {
        self.log = log
        self.environment = environment
        self.options = options
        var slots: [Slot] = []
        for stage in stages {
            for _ in 0..<max(1, options.workersPerStage) { slots.append(Slot(definition: stage)) }
        }
        self.slots = slots
    }

    /// Builds every worker (a stage that cannot be built throws here, before
    /// anything runs) and starts the threads.
    public func start() throws {
        for slot in slots {
            slot.worker = try makeWorker(slot.definition)
            slot.publish()
        }
        running.withLock { $0 = true }
        for _ in 0..<max(1, options.threads) {
            finished.enter()
            let thread = Thread { [self] in
                defer { finished.leave() }
                cass_thread_set_name("cass-pipeline")
                if options.background { ThreadPriority.lowerCurrent() }
                loop()
            }
            thread.name = "cass-pipeline"
            thread.start()
        }
    }

    /// Stops after the batches in flight: each worker commits what it
    /// finished and leaves its groups.
    public func stop() {
        running.withLock { $0 = false }
        finished.wait()
        for slot in slots {
            slot.claim.lock()
            slot.worker?.close()
            slot.worker = nil
            slot.publish()
            slot.claim.unlock()
        }
    }

    /// Milliseconds since a pipeline thread last began a round of its
    /// stages; nil before the first. Rounds follow each other within
    /// milliseconds when idle and within one batch when busy: a large age
    /// means the threads are stuck.
    public var lastRoundAgeMs: Int? {
        let last = lastRoundNs.load(ordering: .relaxed)
        guard last > 0 else { return nil }
        return Int((DispatchTime.now().uptimeNanoseconds &- last) / 1_000_000)
    }

    /// Each stage's workers, records read, restarts and last failure, read
    /// without waiting for a step in progress.
    public func health() -> [StageHealth] {
        var byStage: [StageName: StageHealth] = [:]
        var order: [StageName] = []
        for slot in slots {
            let figures = slot.figures.current
            let name = slot.definition.name
            if byStage[name] == nil {
                order.append(name)
                byStage[name] = StageHealth(stage: name, workers: 0, recordsIn: 0, restarts: 0, failing: nil)
            }
            byStage[name]?.workers += figures.hasWorker ? 1 : 0
            byStage[name]?.recordsIn += figures.recordsIn
            byStage[name]?.restarts += figures.restarts
            if let failing = figures.failing { byStage[name]?.failing = failing }
        }
        return order.compactMap { byStage[$0] }
    }

    func makeWorker(_ definition: StageDefinition) throws -> StageWorker {
        let worker = try StageWorker(definition, environment: environment, log: log)
        worker.maxBatch = options.maxBatch
        worker.checkpointEvery = max(1, options.checkpointEvery)
        worker.checkpointIdleMs = max(0, options.checkpointIdleMs)
        if let onRebalance {
            let stage = definition.name
            worker.onRebalance = { assigned, revoked in onRebalance(stage, assigned, revoked) }
        }
        return worker
    }

    private func loop() {
        var idleRounds = 0
        while running.current {
            lastRoundNs.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            var handled = 0
            for slot in slots where slot.claim.try() {
                defer { slot.claim.unlock() }
                handled += step(slot)
            }
            if handled == 0 {
                idleRounds += 1
                usleep(useconds_t(min(options.idleWaitMs, idleRounds) * 1000))
            } else {
                idleRounds = 0
            }
        }
    }

    /// One step of the slot's worker (the caller holds its claim); a failed
    /// worker is replaced, with backoff while replacements keep failing.
    private func step(_ slot: Slot) -> Int {
        let now = DispatchTime.now().uptimeNanoseconds
        guard now >= slot.retryAtNs else { return 0 }
        do {
            let worker: StageWorker
            var replaced = false
            if let existing = slot.worker {
                worker = existing
            } else {
                worker = try makeWorker(slot.definition)
                slot.worker = worker
                slot.restarts += 1
                replaced = true
            }
            let count = try worker.step()
            // Most steps of a quiet stage read nothing: no figure changes.
            let changed = count > 0 || replaced || slot.failing != nil
            slot.recordsIn += count
            slot.failures = 0
            slot.failing = nil
            if changed { slot.publish() }
            return count
        } catch {
            onFailure?(slot.definition.name, error)
            slot.failing = "\(error)"
            if let worker = slot.worker, worker.isBroken || !Backoff.isTransient(error) {
                worker.abandon()
                slot.worker = nil
            }
            slot.failures += 1
            let delay = options.restartBackoff.delayMs(retry: slot.failures - 1)
            slot.retryAtNs = now + UInt64(delay) * 1_000_000
            slot.publish()
            return 0
        }
    }
}

/// The scheduling priority of the calling thread. On Linux the nice value
/// is a thread's own: `setpriority(PRIO_PROCESS, 0, ...)` changes the
/// calling thread only. Elsewhere it does nothing (the order of work is
/// the same either way; only who gets the cores first changes).
public enum ThreadPriority {
    /// The nice value background threads take: 5, a third of a normal
    /// thread's share of a busy core, not 19: a background thread may hold
    /// a lock a client's request waits for (the log's, a view's), and
    /// starving it would stall that request (priority inversion).
    public static let background: Int32 = 5

    /// Lowers the calling thread to `background`. A failure (a sandbox
    /// that forbids it) leaves the priority as it was: nothing depends on it.
    public static func lowerCurrent() {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, background)
        #endif
    }

    /// The calling thread's nice value (tests).
    public static func current() -> Int32 {
        #if os(Linux)
        errno = 0
        return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        #else
        return 0
        #endif
    }
}
