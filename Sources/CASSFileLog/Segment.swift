import CASSLog
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One segment file, `<base offset, 20 digits>.log`, and the descriptor the
/// log reads it through. A closed segment's descriptor and index are opened
/// on demand and closed again by the `DescriptorCache` when too many are
/// open; the active segment (and one being swapped in by compaction) is
/// pinned open. A segment replaced by compaction or removed by retention is
/// retired: readers that still hold its descriptor finish their read (the
/// inode lives until closed); one that needs to reopen it learns it is gone
/// (`SegmentRetired`) and looks the offset up again.
final class Segment: @unchecked Sendable {
    // @unchecked: the mutable fields are guarded by `lock`.
    let baseOffset: Int64
    let directory: String
    let logPath: String
    let indexPath: String
    /// Read-write for the active segment; read-only for a reopened closed one.
    private let lock = NSLock()
    private var descriptor: Int32 = -1
    private var users = 0
    private var pinned: Bool
    private var retired = false
    private var loadedIndex: SegmentIndex?
    private weak var cache: DescriptorCache?

    static func name(_ baseOffset: Int64) -> String {
        let digits = String(baseOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// The base offset a segment file name stands for, or nil if the name is not one.
    static func baseOffset(ofFile name: String) -> Int64? {
        guard name.hasSuffix(".log") else { return nil }
        let stem = name.dropLast(4)
        guard stem.count == 20, stem.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(stem)
    }

    init(directory: String, baseOffset: Int64, descriptor: Int32, pinned: Bool, cache: DescriptorCache?) {
        self.directory = directory
        self.baseOffset = baseOffset
        self.logPath = directory + "/" + Segment.name(baseOffset) + ".log"
        self.indexPath = directory + "/" + Segment.name(baseOffset) + ".index"
        self.descriptor = descriptor
        self.pinned = pinned
        self.cache = cache
        if descriptor >= 0, !pinned { cache?.opened(self) }
    }

    deinit {
        if descriptor >= 0 { FileIO.close(descriptor) }
    }

    var fileName: String { Segment.name(baseOffset) + ".log" }

    /// Runs `body` with an open descriptor of the segment, opening it if the
    /// cache closed it; the descriptor stays open while `body` runs.
    func withDescriptor<Result>(_ body: (Int32) throws -> Result) throws -> Result {
        // The cache is told after the lock is released: it may close other
        // segments, whose locks must never be taken while holding this one.
        let (fd, opened, cached): (Int32, Bool, Bool) = try lock.withLock {
            var opened = false
            if descriptor < 0 {
                if retired { throw SegmentRetired() }
                descriptor = try FileIO.open(logPath, O_RDONLY)
                opened = true
            }
            users += 1
            return (descriptor, opened, !pinned)
        }
        defer { lock.withLock { users -= 1 } }
        if cached {
            if opened { cache?.opened(self) } else { cache?.touched(self) }
        }
        return try body(fd)
    }

    /// The sparse index of a closed segment, loaded (or rebuilt) on first use.
    func closedIndex(load: () throws -> SegmentIndex) throws -> SegmentIndex {
        if let index = lock.withLock({ loadedIndex }) { return index }
        let index = try load()
        lock.withLock { loadedIndex = index }
        return index
    }

    /// Hands over the index the active segment built, when it closes.
    func seed(_ index: SegmentIndex) {
        lock.withLock { loadedIndex = index }
    }

    /// Forgets a loaded index that did not match the segment's frames.
    func dropIndex() {
        lock.withLock { loadedIndex = nil }
    }

    /// Called by the cache: closes the descriptor unless pinned or in use.
    /// Returns false when it could not.
    func closeIfIdle() -> Bool {
        lock.withLock {
            guard !pinned, users == 0 else { return false }
            if descriptor >= 0 {
                FileIO.close(descriptor)
                descriptor = -1
            }
            loadedIndex = nil
            return true
        }
    }

    /// The segment stops being written: the cache may close it from now on.
    func unpin() {
        let register = lock.withLock { () -> Bool in
            pinned = false
            return descriptor >= 0
        }
        if register { cache?.opened(self) }
    }

    var isRetired: Bool { lock.withLock { retired } }

    func retire() {
        lock.withLock { retired = true }
        cache?.forget(self)
    }
}

/// A segment was replaced or removed between looking it up and reading it.
struct SegmentRetired: Error {}

/// Bounds the descriptors (and loaded indexes) of closed segments open at
/// once: least recently used first out.
final class DescriptorCache: @unchecked Sendable {
    // @unchecked: `entries` and `tick` are guarded by `lock`.
    private let lock = NSLock()
    private var entries: [ObjectIdentifier: (segment: Segment, used: UInt64)] = [:]
    private var tick: UInt64 = 0
    let limit: Int

    init(limit: Int) { self.limit = max(1, limit) }

    var openCount: Int { lock.withLock { entries.count } }

    func opened(_ segment: Segment) {
        let victims: [Segment] = lock.withLock {
            tick += 1
            entries[ObjectIdentifier(segment)] = (segment, tick)
            guard entries.count > limit else { return [] }
            // Evict down to 7/8 of the limit at once: the scan is paid rarely.
            let excess = entries.count - limit * 7 / 8
            return entries.values.filter { $0.segment !== segment }.sorted { $0.used < $1.used }.prefix(excess).map(\.segment)
        }
        for victim in victims where victim.closeIfIdle() {
            lock.withLock { _ = entries.removeValue(forKey: ObjectIdentifier(victim)) }
        }
    }

    func touched(_ segment: Segment) {
        lock.withLock {
            tick += 1
            entries[ObjectIdentifier(segment)]?.used = tick
        }
    }

    func forget(_ segment: Segment) {
        lock.withLock { _ = entries.removeValue(forKey: ObjectIdentifier(segment)) }
    }
}
