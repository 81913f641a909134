import CProcess
import Foundation

/// How the process's allocator treats freed memory.
///
/// A period close builds large structures in bursts: the AWB ledger's
/// shards, each agent's invoice lines, the views' invoices, the log's read
/// buffers. glibc's defaults hand freed memory back to the kernel as soon
/// as 128 KiB sit free at the top of a heap, and give every block over the
/// (adaptive) mmap threshold pages of its own, unmapped when freed. The
/// next burst then takes fresh pages, which the kernel zeroes, and which
/// on a virtual machine whose balloon reports free pages to the host (as
/// on the machines this project is measured on) the host must back again
/// first: the kernel clearing pages was a fifth of the CPU time of a 1M-AWB
/// upload and close through `cass serve` on a loaded machine
/// (docs/decisions.md).
///
/// `keepFreedMemory()` makes freed memory stay with the process for reuse;
/// `releaseFreedMemory()` hands it back, which `IdleMemoryRelease` does
/// for a long-running process once a burst is over.
public enum ProcessMemory {
    /// The largest block taken from the heaps (above: pages of its own).
    public static let heapBlockMax = 32 << 20
    /// How much a heap grows at a time when it must grow.
    public static let heapGrowth = 64 << 20

    /// Freed memory is not returned until `releaseFreedMemory()`. Call once,
    /// at the start of the process, before threads that allocate start.
    /// Returns false where the C library is not glibc (nothing changes).
    @discardableResult
    public static func keepFreedMemory() -> Bool {
        cass_memory_set_trim_threshold(Int(Int32.max)) == 1
            && cass_memory_set_mmap_threshold(heapBlockMax) == 1
            && cass_memory_set_top_pad(heapGrowth) == 1
    }

    /// `keepFreedMemory()` unless the environment sets
    /// `CASS_KEEP_FREED_MEMORY=0` (glibc's defaults then stay, for an
    /// operator who prefers them or a comparison); returns whether kept.
    @discardableResult
    public static func keepFreedMemoryUnlessDisabled(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard environment["CASS_KEEP_FREED_MEMORY"] != "0" else { return false }
        return keepFreedMemory()
    }

    /// Hands the memory that is free back to the kernel; returns whether any was.
    @discardableResult
    public static func releaseFreedMemory() -> Bool {
        cass_memory_release_free() == 1
    }

    /// The process's resident memory in bytes (0 where unknown).
    public static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// CPU time of every thread of the process so far, in seconds.
    public static func cpuSeconds() -> Double {
        let times = cpuTimes()
        return times.user + times.system
    }

    /// The same split into user and system time: on the machines this
    /// project is measured on, the system time is where the host's slow
    /// phases show (fresh pages, file creation).
    public static func cpuTimes() -> (user: Double, system: Double) {
        times(usage(RUSAGE_SELF.rawValue))
    }

    /// User and system CPU seconds of the child processes waited for so far.
    public static func childrenCPUTimes() -> (user: Double, system: Double) {
        times(usage(RUSAGE_CHILDREN.rawValue))
    }

    /// Page faults so far that took no disk read: mostly fresh pages.
    public static func minorPageFaults() -> Int {
        usage(RUSAGE_SELF.rawValue)?.ru_minflt ?? 0
    }

    private static func times(_ usage: rusage?) -> (user: Double, system: Double) {
        guard let usage else { return (0, 0) }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return (seconds(usage.ru_utime), seconds(usage.ru_stime))
    }

    private static func usage(_ who: Int32) -> rusage? {
        var usage = rusage()
        return getrusage(__rusage_who_t(who), &usage) == 0 ? usage : nil
    }
}

/// Gives the memory a burst freed back to the kernel once the burst is
/// over, so that a long-running process that keeps freed memory
/// (`ProcessMemory.keepFreedMemory`) does not stay at its peak: every
/// `intervalSeconds` it looks at the process's CPU time, and after a
/// period of work (at least `burstCPUSeconds` since the last release)
/// followed by an interval of near rest (under `idleShare` of one core) it
/// releases once.
public final class IdleMemoryRelease: @unchecked Sendable {
    // @unchecked: `stopping` and `thread` are guarded by `condition`.
    public struct Options: Sendable {
        public var intervalSeconds: Double = 5
        public var burstCPUSeconds: Double = 2
        public var idleShare: Double = 0.05
        public init() {}
    }

    /// One release: resident bytes before and after.
    public struct Release: Sendable {
        public var residentBefore: Int
        public var residentAfter: Int
    }

    private let options: Options
    private let released: @Sendable (Release) -> Void
    private let condition = NSCondition()
    private var stopping = false
    private var thread: Thread?

    public init(options: Options = Options(), released: @escaping @Sendable (Release) -> Void = { _ in }) {
        self.options = options
        self.released = released
    }

    /// Whether an interval that used `intervalCPU` seconds of CPU, after
    /// `sinceRelease` seconds of CPU since the last release, ends a burst.
    public static func endsBurst(intervalCPU: Double, sinceRelease: Double, options: Options) -> Bool {
        sinceRelease >= options.burstCPUSeconds && intervalCPU < options.idleShare * options.intervalSeconds
    }

    public func start() {
        let thread = Thread { [self] in
            cass_thread_set_name("cass-memory")
            run()
        }
        condition.lock()
        self.thread = thread
        condition.unlock()
        thread.start()
    }

    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        var last = ProcessMemory.cpuSeconds(), atRelease = last
        while true {
            condition.lock()
            let deadline = Date(timeIntervalSinceNow: options.intervalSeconds)
            while !stopping, condition.wait(until: deadline) {}
            let stop = stopping
            condition.unlock()
            if stop { return }
            let now = ProcessMemory.cpuSeconds()
            if Self.endsBurst(intervalCPU: now - last, sinceRelease: now - atRelease, options: options) {
                let before = ProcessMemory.residentBytes()
                ProcessMemory.releaseFreedMemory()
                released(Release(residentBefore: before, residentAfter: ProcessMemory.residentBytes()))
                atRelease = ProcessMemory.cpuSeconds()
            }
            last = ProcessMemory.cpuSeconds()
        }
    }
}
