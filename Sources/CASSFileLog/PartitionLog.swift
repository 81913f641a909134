import CASSLog
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Wakes consumers waiting in `poll` when any partition's visible end moves
/// (or their group rebalances, or the log closes).
final class ArrivalSignal: @unchecked Sendable {
    // @unchecked: `generation` is guarded by `condition`.
    private let condition = NSCondition()
    private var generation: UInt64 = 0

    var current: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return generation
    }

    func notify() {
        condition.lock()
        generation &+= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until the generation moves past `seen` or `deadlineNs` (monotonic) passes.
    func wait(after seen: UInt64, deadlineNs: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        while generation == seen {
            let now = monotonicNs()
            guard now < deadlineNs else { return }
            _ = condition.wait(until: Date(timeIntervalSinceNow: Double(deadlineNs - now) / 1e9))
        }
    }
}

/// What a partition needs to know of its topic and the log's options.
struct PartitionConfig: Sendable {
    var segmentBytes: Int64
    var indexIntervalBytes: Int64
    var durability: FileLogDurability
    var cleanup: TopicSpec.Cleanup
    var retentionMs: Int64
}

/// Frames for one partition, encoded by a producer outside any lock and
/// sealed (offset and CRC) under the partition's lock.
struct EncodedBatch {
    /// The frames, except the values kept `outside`.
    var bytes: [UInt8] = []
    var frames: [Frame.Pending] = []
    /// Large values, written from the records' own arrays (`Frame.Pending.outside`).
    var outside: [[UInt8]] = []
    /// Their bytes: the batch takes `bytes.count + outsideBytes` on disk.
    var outsideBytes = 0

    /// Appends the record's frame, its value kept outside the buffer when
    /// it is at least `outsideMin` bytes.
    mutating func append(_ record: OutgoingRecord, timestampMs: Int64, endOfBatch: Bool, outsideMin: Int = Frame.outsideValueMin) {
        let pending = Frame.append(record, timestampMs: timestampMs, endOfBatch: endOfBatch, to: &bytes, outside: &outside, outsideMin: outsideMin)
        frames.append(pending)
        outsideBytes += pending.outsideCount
    }
}

/// Where a sequential reader stopped: reading from `offset` may start at
/// `position` of `segment` without an index lookup.
struct ReadCursor {
    let segment: Segment
    let position: Int64
    let offset: Int64

    /// Whether two cursors say the same (both none, or the same place in the same segment).
    static func same(_ a: ReadCursor?, _ b: ReadCursor?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (a?, b?): return a.segment === b.segment && a.position == b.position && a.offset == b.offset
        default: return false
        }
    }
}

/// Counters of one partition's writes and fsyncs, read by the benchmark.
public struct FileLogStatistics: Sendable, Equatable {
    public var appends = 0
    public var records = 0
    public var bytes: Int64 = 0
    public var fsyncs = 0
    public var rolls = 0
    /// Bytes of segments dropped from the page cache once every reader had
    /// passed them (`FileLog.releaseReadPages`).
    public var releasedBytes: Int64 = 0

    public init() {}

    static func + (a: FileLogStatistics, b: FileLogStatistics) -> FileLogStatistics {
        FileLogStatistics(appends: a.appends + b.appends, records: a.records + b.records, bytes: a.bytes + b.bytes,
                          fsyncs: a.fsyncs + b.fsyncs, rolls: a.rolls + b.rolls, releasedBytes: a.releasedBytes + b.releasedBytes)
    }

    init(appends: Int, records: Int, bytes: Int64, fsyncs: Int, rolls: Int, releasedBytes: Int64) {
        self.appends = appends
        self.records = records
        self.bytes = bytes
        self.fsyncs = fsyncs
        self.rolls = rolls
        self.releasedBytes = releasedBytes
    }
}

/// One partition: its closed segments, its active segment, and the three
/// ends that order durability — written (`nextOffset`), fsync'd
/// (`syncedEnd`) and visible to readers (`visibleEnd`: the fsync'd end on a
/// `.synced` topic, the written end on a `.flushed` one). A reader never
/// sees a record that a crash the topic is meant to survive could take away.
final class PartitionLog: @unchecked Sendable {
    // @unchecked: `state` is guarded by `condition`; the rest is immutable.
    struct ClosedSegment {
        let segment: Segment
        let summary: SegmentIndex.Summary
    }

    struct Active {
        var segment: Segment
        /// The segment's own read-write descriptor (pinned open while active).
        var fd: Int32
        var size: Int64
        var lastOffset: Int64
        var maxTimestampMs: Int64
        var index: SegmentIndex
        var lastIndexedPosition: Int64
    }

    struct State {
        var closed: [ClosedSegment]
        var active: Active
        var nextOffset: Int64
        var syncedEnd: Int64
        var visibleEnd: Int64
        /// Bytes of the active segment known to be on disk: only those
        /// (clean pages) are ever released from the page cache.
        var activeSyncedBytes: Int64
        /// Where releasing pages stopped: segments below `segmentBase` are
        /// released whole, the one at it up to byte `through`.
        var released = (segmentBase: Int64.min, through: Int64(0))
        var syncing = false
        /// Set by a failed fsync or an undoable write: nothing more is
        /// accepted, since what reached the disk is no longer known.
        var failure: LogError?
        var closed_ = false
        /// When the oldest unsynced write happened (monotonic ns).
        var unsyncedSinceNs: UInt64?
        var statistics = FileLogStatistics()
    }

    let topic: String
    let partition: Int32
    let directory: String
    let config: PartitionConfig
    let cache: DescriptorCache
    let signal: ArrivalSignal
    let condition = NSCondition()
    var state: State
    /// Told after a segment rolled (compaction and retention look then).
    let onRoll: (@Sendable (PartitionLog) -> Void)?
    /// Serialises compaction and retention of this partition.
    let maintenanceLock = NSLock()
    /// Guarded by `maintenanceLock`: set when a compaction failed after its
    /// commit point. The files are right (the next open finishes the swap)
    /// but this process's view of them may not be, so no more compaction
    /// runs on the partition until then.
    var maintenanceHalted: String?

    var name: String { "\(topic)[\(partition)]" }

    private init(topic: String, partition: Int32, directory: String, config: PartitionConfig, cache: DescriptorCache,
                 signal: ArrivalSignal, state: State, onRoll: (@Sendable (PartitionLog) -> Void)?) {
        self.topic = topic
        self.partition = partition
        self.directory = directory
        self.config = config
        self.cache = cache
        self.signal = signal
        self.state = state
        self.onRoll = onRoll
    }

    // MARK: - Opening and recovery

    /// Opens the partition in `directory` (creating it when new), finishes
    /// or removes what an interrupted operation left, checks the closed
    /// segments' summaries and scans the last segment, cutting a torn tail.
    static func open(topic: String, partition: Int32, directory: String, config: PartitionConfig, cache: DescriptorCache,
                     signal: ArrivalSignal, trust: TailTrust, onRoll: (@Sendable (PartitionLog) -> Void)?,
                     leftovers: inout [String]) throws -> (PartitionLog, FileLogCut?) {
        try FileIO.makeDirectory(directory)
        try Compaction.finishInterrupted(in: directory, leftovers: &leftovers)
        var bases: [Int64] = []
        for name in try FileIO.list(directory) {
            if let base = Segment.baseOffset(ofFile: name) {
                bases.append(base)
            } else if name.hasSuffix(".tmp") {
                try FileIO.remove(directory + "/" + name)
                leftovers.append(directory + "/" + name)
            }
        }
        bases.sort()
        if bases.isEmpty {
            let fd = try FileIO.open(directory + "/" + Segment.name(0) + ".log", O_RDWR | O_CREAT | O_EXCL)
            FileIO.close(fd)
            try FileIO.syncDirectory(directory)
            bases = [0]
        }
        var closed: [ClosedSegment] = []
        var lastOffset: Int64 = -1
        for base in bases.dropLast() {
            let segment = Segment(directory: directory, baseOffset: base, descriptor: -1, pinned: false, cache: cache)
            guard base > lastOffset else {
                throw FileLogCorruption(topic: topic, partition: partition, segment: segment.logPath, position: 0,
                                        reason: "segment starts at offset \(base), at or before the previous segment's last offset \(lastOffset)")
            }
            let summary = try closedSummary(segment, intervalBytes: config.indexIntervalBytes, topic: topic, partition: partition)
            closed.append(ClosedSegment(segment: segment, summary: summary))
            lastOffset = max(lastOffset, summary.lastOffset)
        }
        let base = bases[bases.count - 1]
        let path = directory + "/" + Segment.name(base) + ".log"
        guard base > lastOffset else {
            throw FileLogCorruption(topic: topic, partition: partition, segment: path, position: 0,
                                    reason: "segment starts at offset \(base), at or before the previous segment's last offset \(lastOffset)")
        }
        let fd = try FileIO.open(path, O_RDWR)
        let segment = Segment(directory: directory, baseOffset: base, descriptor: fd, pinned: true, cache: cache)
        let (active, cut) = try recoverTail(segment, fd: fd, config: config, topic: topic, partition: partition, trust: trust)
        // Whatever a killed process left in the page cache is made durable
        // before anyone reads it: from here on, visible means on disk.
        try FileIO.dataSync(fd, path: path)
        let end = max(active.lastOffset + 1, base)
        let state = State(closed: closed, active: active, nextOffset: end, syncedEnd: end, visibleEnd: end, activeSyncedBytes: active.size)
        let log = PartitionLog(topic: topic, partition: partition, directory: directory, config: config, cache: cache,
                               signal: signal, state: state, onRoll: onRoll)
        return (log, cut.map { cut in
            var cut = cut
            cut.endOffset = end
            return cut
        })
    }

    /// A closed segment's summary from its index file, or from a scan of
    /// the segment when the index is missing, stale or damaged.
    static func closedSummary(_ segment: Segment, intervalBytes: Int64, topic: String, partition: Int32) throws -> SegmentIndex.Summary {
        try segment.withDescriptor { fd in
            let size = try FileIO.size(fd, path: segment.logPath)
            if let bytes = try? FileIO.readFile(segment.indexPath, limit: Int(size / 8 + 1024)),
               let (_, summary) = SegmentIndex.decode(bytes, segmentSize: size) {
                return summary
            }
            let (index, summary) = try rebuildIndex(segment, fd: fd, size: size, intervalBytes: intervalBytes, topic: topic, partition: partition)
            try? FileIO.writeAtomically(segment.indexPath, index.encoded(summary), sync: false)
            return summary
        }
    }

    /// Scans a whole closed segment; any invalid frame is corruption.
    static func rebuildIndex(_ segment: Segment, fd: Int32, size: Int64, intervalBytes: Int64, topic: String,
                             partition: Int32) throws -> (SegmentIndex, SegmentIndex.Summary) {
        var index = SegmentIndex()
        var lastOffset = segment.baseOffset - 1
        var maxTimestamp = Int64.min
        var lastIndexed: Int64 = -intervalBytes
        var problem: (Int64, String)?
        let end = try FrameScanner.scan(fd, path: segment.logPath, from: 0, to: size) { position, layout, _ in
            guard layout.offset > lastOffset, layout.offset - segment.baseOffset <= Int64(UInt32.max) else {
                problem = (position, "offset \(layout.offset) does not follow \(lastOffset) within the segment's range")
                return .stopBefore
            }
            if position - lastIndexed >= intervalBytes {
                index.add(relativeOffset: UInt32(layout.offset - segment.baseOffset), position: UInt32(position))
                lastIndexed = position
            }
            lastOffset = layout.offset
            maxTimestamp = max(maxTimestamp, layout.timestampMs)
            return .next
        }
        if let (position, reason) = problem {
            throw FileLogCorruption(topic: topic, partition: partition, segment: segment.logPath, position: position, reason: reason)
        }
        switch end {
        case .reachedEnd, .stopped: break
        case .incomplete(let position, let needed, let available):
            throw FileLogCorruption(topic: topic, partition: partition, segment: segment.logPath, position: position,
                                    reason: "frame of \(needed) bytes with only \(available) left in a closed segment")
        case .invalid(let position, let reason):
            throw FileLogCorruption(topic: topic, partition: partition, segment: segment.logPath, position: position, reason: reason)
        }
        return (index, SegmentIndex.Summary(segmentSize: size, lastOffset: lastOffset, maxTimestampMs: maxTimestamp))
    }

    /// Scans the last segment from its start, rebuilding its index, and
    /// cuts what follows the last valid frame when that is a torn write.
    static func recoverTail(_ segment: Segment, fd: Int32, config: PartitionConfig, topic: String, partition: Int32,
                            trust: TailTrust) throws -> (Active, FileLogCut?) {
        let path = segment.logPath
        let size = try FileIO.size(fd, path: path)
        var active = Active(segment: segment, fd: fd, size: 0, lastOffset: segment.baseOffset - 1, maxTimestampMs: Int64.min,
                            index: SegmentIndex(), lastIndexedPosition: -config.indexIntervalBytes)
        var misordered: (Int64, String)?
        // The state after the last whole batch: a batch whose last frame is
        // missing is cut with its other frames (a send is all or nothing).
        var whole = (size: Int64(0), lastOffset: segment.baseOffset - 1, maxTimestampMs: Int64.min, indexCount: 0, lastIndexed: active.lastIndexedPosition)
        let end = try FrameScanner.scan(fd, path: path, from: 0, to: size) { position, layout, _ in
            guard layout.offset > active.lastOffset, layout.offset - segment.baseOffset <= Int64(UInt32.max) else {
                misordered = (position, "offset \(layout.offset) does not follow \(active.lastOffset) within the segment's range")
                return .stopBefore
            }
            if position - active.lastIndexedPosition >= config.indexIntervalBytes {
                active.index.add(relativeOffset: UInt32(layout.offset - segment.baseOffset), position: UInt32(position))
                active.lastIndexedPosition = position
            }
            active.lastOffset = layout.offset
            active.maxTimestampMs = max(active.maxTimestampMs, layout.timestampMs)
            active.size = position + Int64(layout.total)
            if layout.endsBatch {
                whole = (active.size, active.lastOffset, active.maxTimestampMs, active.index.count, active.lastIndexedPosition)
            }
            return .next
        }
        if let (position, reason) = misordered {
            // A frame with a valid CRC in the wrong place is not a torn write.
            throw FileLogCorruption(topic: topic, partition: partition, segment: path, position: position, reason: reason)
        }
        var bad: (at: Int64, reason: String)?
        switch end {
        case .reachedEnd, .stopped:
            break
        case .incomplete(let at, let needed, let available):
            bad = (at, "partial frame at position \(at): \(available) of \(needed) bytes")
        case .invalid(let at, let why):
            bad = (at, "bad frame at position \(at): \(why)")
        }
        var later: (position: Int64, frames: Int)?
        if let bad {
            later = try FrameScanner.findValidFrame(fd, path: path, after: bad.at, end: size, lastOffset: active.lastOffset)
            if let later, trust == .inOrder {
                throw FileLogCorruption(topic: topic, partition: partition, segment: path, position: bad.at,
                                        reason: "\(bad.reason); a valid frame follows at position \(later.position), and without a machine "
                                            + "restart writes reach the file in order, so this is damage, not a torn write")
            }
        }
        let reason = bad?.reason
        guard whole.size < size else { return (active, nil) }
        let dropped = active.lastOffset - whole.lastOffset
        let why = [reason, dropped > 0 ? "\(dropped) frames of a batch whose last frame is missing" : nil].compactMap { $0 }.joined(separator: "; ")
        active.size = whole.size
        active.lastOffset = whole.lastOffset
        active.maxTimestampMs = whole.maxTimestampMs
        active.index.truncate(to: whole.indexCount)
        active.lastIndexedPosition = whole.lastIndexed
        try FileIO.truncate(fd, to: whole.size, path: path)
        try FileIO.dataSync(fd, path: path)
        let cut = FileLogCut(topic: topic, partition: partition, segment: path, position: whole.size, bytesCut: size - whole.size,
                             reason: why, endOffset: whole.lastOffset + 1, laterValidFrames: later?.frames ?? 0)
        return (active, cut)
    }

    // MARK: - Writing

    /// Appends the frames (sealing each with its offset and CRC) and returns
    /// the end offset after them. Returns once they are written, not synced.
    func append(_ batch: inout EncodedBatch) throws -> Int64 {
        guard !batch.frames.isEmpty else { return condition.withLock { state.nextOffset } }
        condition.lock()
        defer { condition.unlock() }
        if let failure = state.failure { throw failure }
        guard !state.closed_ else { throw LogError("file log: \(name) is closed") }
        let frames = batch.frames
        // A batch never spans two segments (recovery looks for whole
        // batches in the last segment only): roll first if it does not fit.
        let batchBytes = Int64(batch.bytes.count + batch.outsideBytes)
        if state.active.size > 0,
           state.active.size + batchBytes > config.segmentBytes
            || state.nextOffset + Int64(frames.count) - state.active.segment.baseOffset > Int64(UInt32.max) {
            try roll()
        }
        let outside = batch.outside
        try batch.bytes.withUnsafeMutableBytes { raw in
            for (number, frame) in frames.enumerated() {
                Frame.seal(frame, offset: state.nextOffset + Int64(number), in: raw)
            }
            try writeRun(UnsafeRawBufferPointer(raw), outside: outside, frames: frames[...])
        }
        state.statistics.appends += 1
        if case .flushed = config.durability {
            state.visibleEnd = state.nextOffset
            signal.notify()
        }
        return state.nextOffset
    }

    /// Writes sealed frames to the end of the active segment and records
    /// them (offsets, index, timestamps). On failure the segment is cut
    /// back to where it was; if even that fails the partition stops.
    private func writeRun(_ raw: UnsafeRawBufferPointer, outside: [[UInt8]], frames: ArraySlice<Frame.Pending>) throws {
        guard !raw.isEmpty else { return }
        let active = state.active
        var written = 0
        do {
            // In disk order: the buffer up to each outside value and the
            // value in one call, then what follows the last one.
            var from = 0
            for frame in frames where frame.outside >= 0 {
                let before = UnsafeRawBufferPointer(rebasing: raw[from..<frame.valueAt])
                try outside[frame.outside].withUnsafeBytes { value in
                    try FileIO.write(active.fd, before, value, at: active.size + Int64(written), path: active.segment.logPath)
                }
                written += before.count + frame.outsideCount
                from = frame.valueAt
            }
            try FileIO.write(active.fd, UnsafeRawBufferPointer(rebasing: raw[from...]), at: active.size + Int64(written), path: active.segment.logPath)
            written += raw.count - from
        } catch {
            do {
                try FileIO.truncate(active.fd, to: active.size, path: active.segment.logPath)
            } catch {
                state.failure = LogError("file log: \(name) stopped: a failed write could not be undone (\(error))")
            }
            throw error
        }
        var position = active.size
        for frame in frames {
            if position - state.active.lastIndexedPosition >= config.indexIntervalBytes {
                state.active.index.add(relativeOffset: UInt32(state.nextOffset - active.segment.baseOffset), position: UInt32(position))
                state.active.lastIndexedPosition = position
            }
            state.active.lastOffset = state.nextOffset
            state.active.maxTimestampMs = max(state.active.maxTimestampMs, frame.timestampMs)
            state.nextOffset += 1
            position += Int64(frame.total)
        }
        state.active.size = position
        state.statistics.records += frames.count
        state.statistics.bytes += Int64(written)
        if state.unsyncedSinceNs == nil { state.unsyncedSinceNs = monotonicNs() }
    }

    /// Closes the active segment (synced, index written) and starts the
    /// next one at the next offset. Caller holds the lock.
    private func roll() throws {
        let old = state.active
        do {
            try FileIO.dataSync(old.fd, path: old.segment.logPath)
        } catch {
            state.failure = LogError("file log: \(name) stopped: fsync failed (\(error)); restart to recover from what is on disk")
            throw state.failure!
        }
        state.statistics.fsyncs += 1
        markSynced(through: state.nextOffset)
        let summary = SegmentIndex.Summary(segmentSize: old.size, lastOffset: old.lastOffset, maxTimestampMs: old.maxTimestampMs)
        // The index is derived data: written without a sync, checked when loaded.
        try? FileIO.writeAtomically(old.segment.indexPath, old.index.encoded(summary), sync: false)
        let base = state.nextOffset
        let path = directory + "/" + Segment.name(base) + ".log"
        let fd = try FileIO.open(path, O_RDWR | O_CREAT | O_EXCL)
        do {
            try FileIO.syncDirectory(directory)
        } catch {
            FileIO.close(fd)
            state.failure = LogError("file log: \(name) stopped: fsync of \(directory) failed (\(error))")
            throw state.failure!
        }
        let segment = Segment(directory: directory, baseOffset: base, descriptor: fd, pinned: true, cache: cache)
        state.closed.append(ClosedSegment(segment: old.segment, summary: summary))
        old.segment.seed(old.index)
        old.segment.unpin()
        state.active = Active(segment: segment, fd: fd, size: 0, lastOffset: base - 1, maxTimestampMs: Int64.min,
                              index: SegmentIndex(), lastIndexedPosition: -config.indexIntervalBytes)
        state.activeSyncedBytes = 0
        state.statistics.rolls += 1
        onRoll?(self)
    }

    /// Caller holds the lock.
    private func markSynced(through end: Int64) {
        guard end > state.syncedEnd else { return }
        state.syncedEnd = end
        if state.syncedEnd >= state.nextOffset { state.unsyncedSinceNs = nil }
        if case .synced = config.durability, state.visibleEnd < end {
            state.visibleEnd = end
            signal.notify()
        }
        condition.broadcast()
    }

    /// Returns once every offset below `end` is fsync'd. Group commit: the
    /// first caller to find no fsync in flight starts one that covers all
    /// that is written by then; callers arriving meanwhile wait for it, and
    /// the next one covers them all at once.
    func waitSynced(through end: Int64) throws {
        condition.lock()
        defer { condition.unlock() }
        while state.syncedEnd < end {
            if let failure = state.failure { throw failure }
            if state.syncing {
                condition.wait()
                continue
            }
            state.syncing = true
            let target = state.nextOffset
            let segment = state.active.segment
            let size = state.active.size
            condition.unlock()
            var failed: (any Error)?
            do {
                try segment.withDescriptor { try FileIO.dataSync($0, path: segment.logPath) }
            } catch is SegmentRetired {
                // Only a closed segment can be retired, and rolling synced it.
            } catch {
                failed = error
            }
            condition.lock()
            state.syncing = false
            state.statistics.fsyncs += 1
            if let failed {
                state.failure = LogError("file log: \(name) stopped: fsync failed (\(failed)); restart to recover from what is on disk")
                condition.broadcast()
                throw state.failure!
            }
            if state.active.segment === segment { state.activeSyncedBytes = max(state.activeSyncedBytes, size) }
            markSynced(through: target)
            condition.broadcast()
        }
    }

    /// Drops from the page cache what lies before `mark` (a place every
    /// reader of the partition has read past) and is on disk: closed
    /// segments below the mark's whole, the mark's own segment up to it.
    /// Advice, not a change: a later read of those bytes reads the disk.
    /// Returns the bytes released.
    @discardableResult
    func releasePages(before mark: ReadCursor, stepMin: Int64) -> Int64 {
        let (closed, active, syncedBytes, released) = condition.withLock {
            (state.closed, state.active.segment, state.activeSyncedBytes, state.released)
        }
        let markBase = mark.segment.baseOffset
        guard markBase > released.segmentBase || (markBase == released.segmentBase && mark.position >= released.through + stepMin) else {
            return 0
        }
        var total: Int64 = 0
        for entry in closed where entry.segment.baseOffset < markBase && entry.segment.baseOffset >= released.segmentBase {
            let from = entry.segment.baseOffset == released.segmentBase ? released.through : 0
            total += advise(entry.segment, from: from, to: entry.summary.segmentSize)
        }
        // The mark's segment: closed (wholly on disk) or the active one (up
        // to what the last fsync covered).
        let limit = mark.segment === active ? min(mark.position, syncedBytes) : mark.position
        let from = markBase == released.segmentBase ? released.through : 0
        // Whole pages only: the kernel keeps a partly covered last page, so
        // the next step starts at that page's start.
        let through = max(from, limit / Self.pageBytes * Self.pageBytes)
        total += advise(mark.segment, from: from, to: through)
        condition.withLock {
            if markBase > state.released.segmentBase || (markBase == state.released.segmentBase && through > state.released.through) {
                state.released = (markBase, through)
            }
            state.statistics.releasedBytes += total
        }
        return total
    }

    static let pageBytes = Int64(max(4096, sysconf(Int32(_SC_PAGESIZE))))

    private func advise(_ segment: Segment, from: Int64, to end: Int64) -> Int64 {
        guard end > from else { return 0 }
        do {
            try segment.withDescriptor { fd in
                _ = posix_fadvise(fd, off_t(from), off_t(end - from), Int32(POSIX_FADV_DONTNEED))
            }
        } catch {
            return 0  // retired by compaction or retention: nothing of it to keep or release
        }
        return end - from
    }

    /// Syncs whatever is written and not yet synced (the flusher, close).
    func syncAll() throws {
        let end = condition.withLock { state.nextOffset }
        try waitSynced(through: end)
    }

    /// How long the oldest unsynced write has waited, or nil.
    func unsyncedAgeNs(now: UInt64) -> UInt64? {
        condition.withLock { state.unsyncedSinceNs.map { now &- $0 } }
    }

    // MARK: - Reading

    var endOffset: Int64 { condition.withLock { state.visibleEnd } }

    var startOffset: Int64 {
        condition.withLock { state.closed.first?.segment.baseOffset ?? state.active.segment.baseOffset }
    }

    var statistics: FileLogStatistics { condition.withLock { state.statistics } }

    /// What a read needs, taken under the lock in one go: the closed
    /// segments (the array is shared, not copied) and the active one's
    /// written size, the visible end, and the index floor of the offset in
    /// the active segment.
    private struct Snapshot {
        var closed: [ClosedSegment]
        var active: Segment
        var activeSize: Int64
        var visibleEnd: Int64
        var activeFloor: (relativeOffset: UInt32, position: Int64)

        var count: Int { closed.count + 1 }

        func segment(_ number: Int) -> (segment: Segment, end: Int64, summary: SegmentIndex.Summary?) {
            number < closed.count ? (closed[number].segment, closed[number].summary.segmentSize, closed[number].summary) : (active, activeSize, nil)
        }
    }

    /// Nil when nothing at or after `offset` is visible (the common answer
    /// to an idle consumer's poll, so it is the cheap one).
    private func snapshot(for offset: Int64) -> Snapshot? {
        condition.withLock {
            guard offset < state.visibleEnd else { return nil }
            let base = state.active.segment.baseOffset
            let floor = offset >= base ? state.active.index.floor(UInt32(clamping: offset - base)) : (0, 0)
            return Snapshot(closed: state.closed, active: state.active.segment, activeSize: state.active.size,
                            visibleEnd: state.visibleEnd, activeFloor: floor)
        }
    }

    /// Records from `offset` on (the first may be later on a compacted
    /// topic), at most `maxRecords` and, after the first, at most `maxBytes`
    /// of frames. Only visible records. Returns where the read stopped so
    /// that the next one continues without a lookup.
    func read(from offset: Int64, maxRecords: Int, maxBytes: Int, cursor: ReadCursor? = nil) throws -> ([LogRecord], ReadCursor?) {
        var cursor = cursor
        for _ in 0..<4 {
            do {
                return try readOnce(from: offset, maxRecords: maxRecords, maxBytes: maxBytes, cursor: cursor)
            } catch is SegmentRetired {
                cursor = nil  // compaction or retention replaced a segment: look again
            } catch let mismatch as IndexMismatch {
                mismatch.segment.dropIndex()
                try? FileIO.remove(mismatch.segment.indexPath)
                cursor = nil
            }
        }
        throw LogError("file log: \(name): segments kept changing under a read from offset \(offset)")
    }

    private struct IndexMismatch: Error { let segment: Segment }

    private func readOnce(from offset: Int64, maxRecords: Int, maxBytes: Int, cursor: ReadCursor?) throws -> ([LogRecord], ReadCursor?) {
        guard maxRecords > 0 else { return ([], cursor) }
        guard let snapshot = snapshot(for: offset) else { return ([], cursor) }
        let start = max(offset, snapshot.segment(0).segment.baseOffset)
        guard start < snapshot.visibleEnd else { return ([], cursor) }
        // The last segment whose base is at or before the start.
        var low = 0, high = snapshot.count
        while low < high {
            let middle = (low + high) / 2
            if snapshot.segment(middle).segment.baseOffset <= start { low = middle + 1 } else { high = middle }
        }
        var number = max(0, low - 1)
        var records: [LogRecord] = []
        var bytes = 0
        var previous = Int64.min
        var stoppedAt: ReadCursor?
        var position: Int64
        var expected: Int64?  // the offset an index entry promises at `position`
        if let cursor, cursor.offset == start, cursor.segment === snapshot.segment(number).segment {
            position = cursor.position
        } else {
            let entry = snapshot.segment(number)
            let floor: (relativeOffset: UInt32, position: Int64)
            if let summary = entry.summary {
                let index = try entry.segment.closedIndex { try loadIndex(entry.segment, summary: summary) }
                floor = index.floor(UInt32(clamping: start - entry.segment.baseOffset))
            } else {
                floor = snapshot.activeFloor
            }
            position = floor.position
            if floor.position > 0 { expected = entry.segment.baseOffset + Int64(floor.relativeOffset) }
        }
        // Small reads start small (one record: a few KiB); the scanner
        // doubles its reads as a long one goes on.
        let chunk = min(FrameScanner.chunkBytesDefault, max(4096, min(maxBytes, min(maxRecords, 1 << 20) * 512)))
        while number < snapshot.count {
            let entry = snapshot.segment(number)
            var full = false
            let end = try entry.segment.withDescriptor { fd in
                try FrameScanner.scan(fd, path: entry.segment.logPath, from: position, to: entry.end, chunkBytes: chunk) { at, layout, raw in
                    if let promised = expected {
                        expected = nil
                        if layout.offset != promised { throw IndexMismatch(segment: entry.segment) }
                    }
                    guard layout.offset > previous else {
                        throw FileLogCorruption(topic: topic, partition: partition, segment: entry.segment.logPath, position: at,
                                                reason: "offset \(layout.offset) does not follow \(previous)")
                    }
                    previous = layout.offset
                    if layout.offset < start { return .next }
                    if layout.offset >= snapshot.visibleEnd { full = true; return .stopBefore }
                    if records.count >= maxRecords || (!records.isEmpty && bytes + layout.total > maxBytes) {
                        full = true
                        return .stopBefore
                    }
                    records.append(Frame.record(layout, in: raw, topic: topic, partition: partition))
                    bytes += layout.total
                    return .next
                }
            }
            // Every frame before where the scan ended is below the next
            // offset to read, and every frame from there on at or above it.
            let next = records.last.map { max(start, $0.offset + 1) } ?? start
            switch end {
            case .reachedEnd(let at), .stopped(let at):
                stoppedAt = ReadCursor(segment: entry.segment, position: at, offset: next)
            case .incomplete(let at, let needed, let available):
                // Not even one frame where an index entry pointed: the index is wrong.
                if expected != nil { throw IndexMismatch(segment: entry.segment) }
                throw FileLogCorruption(topic: topic, partition: partition, segment: entry.segment.logPath, position: at,
                                        reason: "frame of \(needed) bytes with only \(available) written")
            case .invalid(let at, let reason):
                if expected != nil { throw IndexMismatch(segment: entry.segment) }
                throw FileLogCorruption(topic: topic, partition: partition, segment: entry.segment.logPath, position: at, reason: reason)
            }
            if full { break }
            number += 1
            position = 0
        }
        return (records, stoppedAt)
    }

    /// A closed segment's index: its file when that checks out, else rebuilt by a scan.
    private func loadIndex(_ segment: Segment, summary: SegmentIndex.Summary) throws -> SegmentIndex {
        if let bytes = try? FileIO.readFile(segment.indexPath, limit: Int(summary.segmentSize / 8 + 1024)),
           let (index, _) = SegmentIndex.decode(bytes, segmentSize: summary.segmentSize) {
            return index
        }
        return try segment.withDescriptor { fd in
            let (index, rebuilt) = try PartitionLog.rebuildIndex(segment, fd: fd, size: summary.segmentSize,
                                                                 intervalBytes: config.indexIntervalBytes, topic: topic, partition: partition)
            // A segment compaction replaced must not write over its successor's index.
            if !segment.isRetired { try? FileIO.writeAtomically(segment.indexPath, index.encoded(rebuilt), sync: false) }
            return index
        }
    }

    /// Stops accepting writes; the caller has synced.
    func close() {
        condition.withLock {
            state.closed_ = true
            condition.broadcast()
        }
    }
}

extension NSCondition {
    func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock()
        defer { unlock() }
        return try body()
    }
}
