import CProcess
import CASSDomain
import CASSEngine
import Foundation

/// Reads (parses) the files of an embedded run on several threads ahead of
/// the ingest stage, which takes each result when its turn comes.
///
/// Only the format reader runs ahead: it depends on nothing but the file's
/// bytes, its name and the reference data, so a result read early is the
/// result ingest would have read itself. Everything that depends on the
/// processing order (admission: F04, F07, F08; ordinals; the record checks'
/// place in the output) still happens in ingest, one file after another
/// per operation, exactly as in the sequential run.
///
/// Memory is bounded: at most `filesInFlightMax` files, and at most
/// `bytesInFlightMax` bytes of them (their size on disk), are being read or
/// read and not yet taken. A single file larger than `bytesInFlightMax`
/// is still read, alone, when nothing else is in flight (otherwise it
/// could never be read ahead); the sequential path holds it whole too.
///
/// Ingest never waits for a file no thread has started: it reads that one
/// itself (`take` returns nil). So a consumption order other than the
/// hinted one costs speed, never a deadlock.
public final class ParallelFileReads: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `condition`.

    public struct Limits: Sendable {
        /// Threads that read ahead (besides ingest's own).
        public var threads: Int
        public var filesInFlightMax: Int
        public var bytesInFlightMax: Int

        public init(threads: Int, filesInFlightMax: Int? = nil, bytesInFlightMax: Int = ParallelFileReads.bytesInFlightDefault) {
            self.threads = max(1, threads)
            // Two per thread: a thread starts the next file while ingest
            // takes the one it finished.
            self.filesInFlightMax = max(1, filesInFlightMax ?? 2 * max(1, threads))
            self.bytesInFlightMax = max(1, bytesInFlightMax)
        }
    }

    /// 256 MiB of files on disk: the parsed form of a file is about the
    /// size of its CBF twin, smaller than its XML or JSON-LD.
    public static let bytesInFlightDefault = 256 * 1024 * 1024

    public struct File: Sendable {
        public var name: String
        /// The path ingest's `fileAt` message names (links resolved).
        public var path: String
        public var size: Int

        public init(name: String, path: String, size: Int) {
            self.name = name
            self.path = path
            self.size = size
        }
    }

    /// What the read-ahead did, for tests and progress.
    public struct Statistics: Sendable, Equatable {
        /// Results ingest took from the read-ahead.
        public var taken = 0
        /// Files ingest read itself (no thread had started them).
        public var readByIngest = 0
        public var peakFilesInFlight = 0
        public var peakBytesInFlight = 0
    }

    enum State {
        case pending
        case reading
        /// nil: the file could not be opened here; ingest opens it and
        /// reports the problem as the sequential run does.
        case done(FileReadResult?)
        case taken
    }

    let files: [File]
    let limits: Limits
    let read: @Sendable (File) -> FileReadResult?
    private let condition = NSCondition()
    private var states: [State]
    /// Per path, the indices not yet asked for, in order (a path may be
    /// listed twice).
    private var waiting: [String: [Int]] = [:]
    private var cursor = 0
    private var filesInFlight = 0
    private var bytesInFlight = 0
    private var cancelled = false
    private var statistics = Statistics()
    private var running = 0

    /// `files` in the order ingest is expected to take them; `read` parses
    /// one (the tests give their own).
    public init(files: [File], limits: Limits, read: @escaping @Sendable (File) -> FileReadResult?) {
        self.files = files
        self.limits = limits
        self.read = read
        states = Array(repeating: .pending, count: files.count)
        for (index, file) in files.enumerated() { waiting[file.path, default: []].append(index) }
    }

    /// Reads with `reader` and the reference's periods, as ingest does.
    public convenience init(files: [File], limits: Limits, reader: @escaping FileReader, reference: ReferenceData) {
        self.init(files: files, limits: limits) { file in
            // Mapped, as ingest maps it: no copy of a 100 MB file.
            guard let data = try? Data(contentsOf: URL(fileURLWithPath: file.path), options: .alwaysMapped) else { return nil }
            return data.withUnsafeBytes { reader($0, file.name) { reference.operation($0)?.periodsPerMonth } }
        }
    }

    /// Starts the reading threads.
    public func start() {
        let count = min(limits.threads, files.count)
        condition.lock()
        running = count
        condition.unlock()
        for _ in 0..<count {
            let thread = Thread { [self] in
                cass_thread_set_name("cass-read-ahead")
                work()
            }
            thread.name = "cass-read-ahead"
            thread.start()
        }
    }

    /// Stops reading ahead (a run that failed); results not taken are dropped.
    public func cancel() {
        condition.lock()
        cancelled = true
        for index in states.indices {
            if case .done = states[index] { states[index] = .taken }
        }
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until every reading thread has ended (after `cancel`, or
    /// once every file was started); for tests.
    public func waitForThreads() {
        condition.lock()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    public var stats: Statistics {
        condition.lock()
        defer { condition.unlock() }
        return statistics
    }

    /// The read result for the next file listed at `path`, waiting while a
    /// thread reads it; nil when ingest must read the file itself (not
    /// listed, not started yet, or not openable here).
    public func take(path: String) -> FileReadResult? {
        condition.lock()
        defer { condition.unlock() }
        guard let index = waiting[path]?.first else { return nil }
        waiting[path]?.removeFirst()
        while true {
            switch states[index] {
            case .pending:
                // No thread started it: ingest reads it now, and no thread will.
                states[index] = .taken
                statistics.readByIngest += 1
                return nil
            case .reading:
                condition.wait()
            case .done(let result):
                states[index] = .taken
                filesInFlight -= 1
                bytesInFlight -= files[index].size
                statistics.taken += 1
                condition.broadcast()
                return result
            case .taken:
                // Only after `cancel`.
                return nil
            }
        }
    }

    private func work() {
        defer {
            condition.lock()
            running -= 1
            condition.broadcast()
            condition.unlock()
        }
        while let index = claimNext() {
            let result = read(files[index])
            condition.lock()
            if cancelled {
                states[index] = .taken
            } else {
                states[index] = .done(result)
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The next file to read, once the bound lets it in; nil when none is left.
    private func claimNext() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if cancelled { return nil }
            while cursor < files.count, !isPending(cursor) { cursor += 1 }
            guard cursor < files.count else { return nil }
            let size = max(0, files[cursor].size)
            let fits = filesInFlight < limits.filesInFlightMax && bytesInFlight + size <= limits.bytesInFlightMax
            if fits || filesInFlight == 0 {
                let index = cursor
                states[index] = .reading
                cursor += 1
                filesInFlight += 1
                bytesInFlight += size
                statistics.peakFilesInFlight = max(statistics.peakFilesInFlight, filesInFlight)
                statistics.peakBytesInFlight = max(statistics.peakBytesInFlight, bytesInFlight)
                return index
            }
            condition.wait()
        }
    }

    private func isPending(_ index: Int) -> Bool {
        if case .pending = states[index] { return true }
        return false
    }
}
