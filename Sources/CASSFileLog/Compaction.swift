import CASSLog
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Points inside a compaction where a test can stop it as a crash would.
enum CompactionStep: Sendable {
    /// The closed segments to compact are chosen (the log may roll now).
    case snapshotTaken
    /// The new segment is written and synced under its `.cleaned` name.
    case cleanedWritten
    /// It was renamed `.swap` and the folder synced: the commit point.
    case swapCommitted
    /// The old segments' files are gone; the swap file is not yet renamed.
    case oldFilesRemoved
}

/// A compaction stopped by `FileLogOptions.compactionFaultInjector`.
struct SimulatedCompactionCrash: Error {}

/// What one compaction of a partition did.
public struct CompactionReport: Sendable, Equatable {
    public var segmentsBefore = 0
    public var segmentsAfter = 0
    public var bytesBefore: Int64 = 0
    public var bytesAfter: Int64 = 0
    public var recordsKept = 0
    public var recordsRemoved = 0
    public var tombstonesRemoved = 0
    /// Offsets below this are now compacted (the partition's checkpoint).
    public var cleanedThrough: Int64 = 0

    public init() {}
}

/// Compaction of a compacted topic's partition: its closed segments are
/// rewritten keeping, per key, only the latest record (offsets kept, so
/// they become sparse); a tombstone (empty value) that is the latest of its
/// key is kept `tombstoneRetentionMs` after it was written, then dropped.
/// The active segment is never touched.
///
/// Like Kafka's cleaner: a checkpoint (`cleaned-through`) splits the closed
/// segments into a clean head, already compacted, and a dirty tail; the map
/// key → latest offset is built from the dirty tail only (bounded by
/// `compactionKeyMapBytesMax`, at least one segment per round), then every
/// closed segment up to the end of what the map covers is rewritten. It runs
/// when the dirty tail is at least `compactionDirtyRatioMin` of the closed
/// bytes, so each byte written is rewritten a bounded number of times.
///
/// Crash safety, per group of adjacent segments replaced by one:
/// 1. the new segment is written as `<base>-<end>.cleaned` and fsync'd;
/// 2. it is renamed `<base>-<end>.swap` and the folder fsync'd: the commit
///    point: from here the new segment replaces every segment with a base
///    offset in [base, end);
/// 3. the old segments' files are removed, the swap file renamed
///    `<base>.log`, the folder fsync'd.
/// At open, a `.cleaned` file is removed (the old segments stand) and a
/// `.swap` file finishes step 3 (the new one stands). Never a mix.
enum Compaction {
    static let checkpointName = "cleaned-through"

    /// Removes or finishes what an interrupted compaction left in a partition folder.
    static func finishInterrupted(in directory: String, leftovers: inout [String]) throws {
        let names = try FileIO.list(directory)
        var finished = false
        for name in names where name.hasSuffix(".cleaned") {
            try FileIO.remove(directory + "/" + name)
            leftovers.append(directory + "/" + name + " (removed: compaction interrupted before its commit point)")
            finished = true
        }
        for name in names where name.hasSuffix(".swap") {
            guard let (base, end) = parseRange(name, suffix: ".swap") else { continue }
            try replace(in: directory, base: base, end: end, swap: directory + "/" + name, existing: names)
            leftovers.append(directory + "/" + name + " (finished: compaction interrupted after its commit point)")
            finished = true
        }
        if finished { try FileIO.syncDirectory(directory) }
    }

    static func rangeName(base: Int64, end: Int64, suffix: String) -> String {
        Segment.name(base) + "-" + Segment.name(end) + suffix
    }

    static func parseRange(_ name: String, suffix: String) -> (Int64, Int64)? {
        guard name.hasSuffix(suffix) else { return nil }
        let parts = name.dropLast(suffix.count).split(separator: "-")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 20 && $0.allSatisfy(\.isNumber) }),
              let base = Int64(parts[0]), let end = Int64(parts[1]), base < end else { return nil }
        return (base, end)
    }

    /// Step 3: every segment with a base in [base, end) goes (index first),
    /// and the swap file becomes `<base>.log`. Idempotent.
    static func replace(in directory: String, base: Int64, end: Int64, swap: String, existing names: [String],
                        beforeRename: () throws -> Void = {}) throws {
        for name in names {
            guard let segmentBase = Segment.baseOffset(ofFile: name), segmentBase >= base, segmentBase < end else { continue }
            try FileIO.remove(directory + "/" + Segment.name(segmentBase) + ".index")
            if segmentBase != base { try FileIO.remove(directory + "/" + name) }
        }
        try FileIO.remove(directory + "/" + Segment.name(base) + ".index")
        try beforeRename()
        try FileIO.rename(swap, directory + "/" + Segment.name(base) + ".log")
    }

    static func readCheckpoint(_ directory: String) -> Int64 {
        guard let bytes = try? FileIO.readFile(directory + "/" + checkpointName, limit: 64),
              let value = Int64(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else { return 0 }
        return value
    }

    /// Compacts the partition when its dirty share calls for it (or always
    /// when `force`). Returns nil when it had nothing to do.
    static func run(_ log: PartitionLog, options: FileLogOptions, force: Bool, stopping: @escaping () -> Bool) throws -> CompactionReport? {
        log.maintenanceLock.lock()
        defer { log.maintenanceLock.unlock() }
        if let halted = log.maintenanceHalted { throw LogError(halted) }
        // One snapshot: the end of the last closed segment is the active
        // segment's base *as of the same moment*. A roll after it closes a
        // segment that starts there, outside every range replaced below.
        let (closed, activeBase) = log.condition.withLock { (log.state.closed, log.state.active.segment.baseOffset) }
        _ = options.compactionFaultInjector?(.snapshotTaken)
        guard !closed.isEmpty else { return nil }
        let checkpoint = readCheckpoint(log.directory)
        let total = closed.reduce(Int64(0)) { $0 + $1.summary.segmentSize }
        let dirty = closed.filter { $0.summary.lastOffset >= checkpoint }
        let dirtyBytes = dirty.reduce(Int64(0)) { $0 + $1.summary.segmentSize }
        if !force {
            guard total > 0, Double(dirtyBytes) / Double(total) >= options.compactionDirtyRatioMin, !dirty.isEmpty else { return nil }
        }

        // The map from the dirty segments, whole segments at a time.
        var latest: [[UInt8]: Int64] = [:]
        var mapBytes = 0
        var mappedEnd = checkpoint  // offsets below this are covered by the map (or clean)
        for (number, entry) in closed.enumerated() where entry.summary.lastOffset >= checkpoint {
            if mapBytes >= options.compactionKeyMapBytesMax, mappedEnd > checkpoint { break }
            try entry.segment.withDescriptor { fd in
                let end = try FrameScanner.scan(fd, path: entry.segment.logPath, from: 0, to: entry.summary.segmentSize) { _, layout, raw in
                    guard layout.offset >= checkpoint else { return .next }
                    let key = [UInt8](UnsafeRawBufferPointer(rebasing: raw[layout.keyStart..<(layout.keyStart + layout.keyCount)]))
                    if latest.updateValue(layout.offset, forKey: key) == nil { mapBytes += key.count + 64 }
                    return .next
                }
                try check(end, log: log, segment: entry.segment)
            }
            mappedEnd = number + 1 < closed.count ? closed[number + 1].segment.baseOffset : activeBase
            if stopping() { return nil }
        }
        guard mappedEnd > checkpoint || force else { return nil }
        let rewriteCount = closed.firstIndex { $0.segment.baseOffset >= mappedEnd } ?? closed.count

        // Groups of adjacent segments whose sizes add up to at most a segment.
        var groups: [[PartitionLog.ClosedSegment]] = []
        for entry in closed.prefix(rewriteCount) {
            if var last = groups.last, last.reduce(Int64(0), { $0 + $1.summary.segmentSize }) + entry.summary.segmentSize <= log.config.segmentBytes,
               entry.summary.lastOffset - last[0].segment.baseOffset < Int64(UInt32.max) {
                last.append(entry)
                groups[groups.count - 1] = last
            } else {
                groups.append([entry])
            }
        }
        var report = CompactionReport()
        report.segmentsBefore = rewriteCount
        let horizon = options.clock() - options.tombstoneRetentionMs
        for (number, group) in groups.enumerated() {
            if stopping() { return nil }
            let end = number + 1 < groups.count ? groups[number + 1][0].segment.baseOffset
                : (rewriteCount < closed.count ? closed[rewriteCount].segment.baseOffset : activeBase)
            try rewrite(group, end: end, log: log, latest: latest, horizon: horizon, fault: options.compactionFaultInjector, report: &report)
        }
        report.segmentsAfter = groups.count
        report.cleanedThrough = mappedEnd
        try FileIO.writeAtomically(log.directory + "/" + checkpointName, Array("\(mappedEnd)\n".utf8))
        return report
    }

    private static func check(_ end: FrameScanner.End, log: PartitionLog, segment: Segment) throws {
        switch end {
        case .reachedEnd, .stopped: return
        case .incomplete(let at, let needed, let available):
            throw FileLogCorruption(topic: log.topic, partition: log.partition, segment: segment.logPath, position: at,
                                    reason: "frame of \(needed) bytes with only \(available) left in a closed segment")
        case .invalid(let at, let reason):
            throw FileLogCorruption(topic: log.topic, partition: log.partition, segment: segment.logPath, position: at, reason: reason)
        }
    }

    /// Writes the kept records of `group` into one new segment and swaps it in.
    private static func rewrite(_ group: [PartitionLog.ClosedSegment], end: Int64, log: PartitionLog, latest: [[UInt8]: Int64],
                                horizon: Int64, fault: (@Sendable (CompactionStep) -> Bool)?, report: inout CompactionReport) throws {
        let base = group[0].segment.baseOffset
        let directory = log.directory
        let cleanedPath = directory + "/" + rangeName(base: base, end: end, suffix: ".cleaned")
        let swapPath = directory + "/" + rangeName(base: base, end: end, suffix: ".swap")
        let out = try FileIO.open(cleanedPath, O_RDWR | O_CREAT | O_TRUNC)
        var outClosed = false
        defer { if !outClosed { FileIO.close(out) } }
        var index = SegmentIndex()
        var size: Int64 = 0
        var lastIndexed = -log.config.indexIntervalBytes
        var lastOffset = base - 1
        var maxTimestamp = Int64.min
        var pending: [UInt8] = []
        pending.reserveCapacity(1 << 20)
        func flush() throws {
            guard !pending.isEmpty else { return }
            try FileIO.write(out, pending, at: size - Int64(pending.count), path: cleanedPath)
            pending.removeAll(keepingCapacity: true)
        }
        for entry in group {
            report.bytesBefore += entry.summary.segmentSize
            try entry.segment.withDescriptor { fd in
                let scanEnd = try FrameScanner.scan(fd, path: entry.segment.logPath, from: 0, to: entry.summary.segmentSize) { _, layout, raw in
                    let key = UnsafeRawBufferPointer(rebasing: raw[layout.keyStart..<(layout.keyStart + layout.keyCount)])
                    let newest = latest[[UInt8](key)]
                    if let newest, layout.offset < newest {
                        report.recordsRemoved += 1
                        return .next
                    }
                    if layout.valueCount == 0, layout.timestampMs <= horizon {
                        report.tombstonesRemoved += 1
                        report.recordsRemoved += 1
                        return .next
                    }
                    if size - lastIndexed >= log.config.indexIntervalBytes {
                        index.add(relativeOffset: UInt32(layout.offset - base), position: UInt32(size))
                        lastIndexed = size
                    }
                    // The frame is copied as it is: offset and CRC unchanged.
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<layout.total]))
                    size += Int64(layout.total)
                    lastOffset = layout.offset
                    maxTimestamp = max(maxTimestamp, layout.timestampMs)
                    report.recordsKept += 1
                    if pending.count >= 1 << 20 { try flush() }
                    return .next
                }
                try check(scanEnd, log: log, segment: entry.segment)
            }
        }
        try flush()
        try FileIO.dataSync(out, path: cleanedPath)
        FileIO.close(out)
        outClosed = true
        do {
            if fault?(.cleanedWritten) == true { throw SimulatedCompactionCrash() }
            try FileIO.rename(cleanedPath, swapPath)
        } catch {
            if !(error is SimulatedCompactionCrash) { try? FileIO.remove(cleanedPath) }
            throw error
        }
        do {
            try FileIO.syncDirectory(directory)
            if fault?(.swapCommitted) == true { throw SimulatedCompactionCrash() }
            try swapIn(group, base: base, end: end, swapPath: swapPath, log: log, index: index, size: size, lastOffset: lastOffset,
                       maxTimestamp: maxTimestamp, fault: fault)
        } catch {
            log.maintenanceHalted = "file log: compaction of \(log.name) stopped after its commit point (\(error)); "
                + "no more compaction of it until the log is reopened, which finishes the swap"
            throw error
        }
        report.bytesAfter += size
    }

    /// After the commit point: the new segment replaces the group, in this
    /// process's view and on disk.
    private static func swapIn(_ group: [PartitionLog.ClosedSegment], base: Int64, end: Int64, swapPath: String, log: PartitionLog,
                               index: SegmentIndex, size: Int64, lastOffset: Int64, maxTimestamp: Int64,
                               fault: (@Sendable (CompactionStep) -> Bool)?) throws {
        let directory = log.directory
        // Committed: the new segment stands from here, whatever happens.
        let summary = SegmentIndex.Summary(segmentSize: size, lastOffset: lastOffset, maxTimestampMs: maxTimestamp)
        let fd = try FileIO.open(swapPath, O_RDONLY)
        let replacement = Segment(directory: directory, baseOffset: base, descriptor: fd, pinned: true, cache: log.cache)
        replacement.seed(index)
        for entry in group { try FileIO.remove(entry.segment.indexPath) }
        log.condition.withLock {
            let replaced = Set(group.map { ObjectIdentifier($0.segment) })
            let at = log.state.closed.firstIndex { replaced.contains(ObjectIdentifier($0.segment)) } ?? 0
            log.state.closed.removeAll { replaced.contains(ObjectIdentifier($0.segment)) }
            log.state.closed.insert(PartitionLog.ClosedSegment(segment: replacement, summary: summary), at: at)
        }
        for entry in group { entry.segment.retire() }
        try replace(in: directory, base: base, end: end, swap: swapPath, existing: try FileIO.list(directory)) {
            if fault?(.oldFilesRemoved) == true { throw SimulatedCompactionCrash() }
        }
        try FileIO.syncDirectory(directory)
        try? FileIO.writeAtomically(replacement.indexPath, index.encoded(summary), sync: false)
        replacement.unpin()
    }
}

/// Retention of a delete topic's partition: closed segments whose newest
/// record is older than the topic's `retentionMs` are removed, oldest first.
enum Retention {
    static func run(_ log: PartitionLog, now: Int64) throws -> Int {
        guard log.config.cleanup == .delete, log.config.retentionMs >= 0 else { return 0 }
        log.maintenanceLock.lock()
        defer { log.maintenanceLock.unlock() }
        let horizon = now - log.config.retentionMs
        let expired: [PartitionLog.ClosedSegment] = log.condition.withLock {
            let count = log.state.closed.prefix { $0.summary.maxTimestampMs < horizon }.count
            let expired = Array(log.state.closed.prefix(count))
            log.state.closed.removeFirst(count)
            return expired
        }
        for entry in expired {
            entry.segment.retire()
            try FileIO.remove(entry.segment.indexPath)
            try FileIO.remove(entry.segment.logPath)
        }
        if !expired.isEmpty { try FileIO.syncDirectory(log.directory) }
        return expired.count
    }
}
