import CASSLog
#if canImport(Glibc)
import Glibc
#endif

/// When `send` may return for a topic's records.
public enum FileLogDurability: Sendable, Hashable, CustomStringConvertible {
    /// Written and fsync'd before `send` returns. Concurrent senders share
    /// fsyncs (group commit): whoever finds no fsync in flight starts one
    /// that covers everything written so far; the others wait for it.
    case synced
    /// Written (in the page cache) before `send` returns; a background
    /// flusher fsyncs it within `milliseconds` (plus the fsync's own time).
    /// A killed process loses nothing (the kernel holds the pages); a power
    /// loss or kernel crash can lose up to that much of the topic's tail.
    case flushed(withinMs: Int)

    public var description: String {
        switch self {
        case .synced: "synced"
        case .flushed(let ms): "flushed within \(ms) ms"
        }
    }
}

/// How a `FileLog` is kept. Every size and count has a stated limit.
public struct FileLogOptions: Sendable {
    /// A segment rolls (is closed, and a new one started) when the next
    /// frame would take it past this size. A frame bigger than it gets a
    /// segment of its own. 1 KiB ... 1 GiB.
    public var segmentBytes: Int = 64 << 20
    /// An index entry every this many bytes of segment: a read scans at
    /// most this far from the entry it starts at.
    public var indexIntervalBytes: Int = 4096
    /// The largest record a producer may write (its whole frame: key,
    /// value, headers and 35 bytes of framing). Larger sends fail.
    public var recordBytesMax: Int = 16 << 20
    /// Durability of topics not named in `durability`.
    public var defaultDurability: FileLogDurability = .synced
    /// Per-topic durability, by topic name.
    public var durability: [String: FileLogDurability] = [:]
    /// Durability of consumer-group commits.
    public var commitDurability: FileLogDurability = .synced
    /// Descriptors of closed segments kept open at once (least recently
    /// used closed first); each holds its loaded index too (about 8 bytes
    /// per `indexIntervalBytes` of segment).
    public var openSegmentsMax: Int = 128
    /// The most bytes of records one `poll` returns (at least one record
    /// whatever its size, so a consumer always moves on).
    public var pollBytesMax: Int = 8 << 20
    /// Segment size of the committed-offsets log (compacted like a topic).
    public var offsetsSegmentBytes: Int = 4 << 20
    /// A tombstone (a record with an empty value on a compacted topic) is
    /// kept this long after it was written, so that consumers behind by
    /// less than this see the delete; compaction drops it after.
    public var tombstoneRetentionMs: Int64 = 24 * 3_600_000
    /// A compacted topic's partition is compacted when at least this share
    /// of its closed segments' bytes was written since its last compaction.
    public var compactionDirtyRatioMin: Double = 0.5
    /// Memory for the map of keys compaction keeps (key bytes + 64 per
    /// key); a partition with more distinct keys in its new segments is
    /// compacted in several rounds.
    public var compactionKeyMapBytesMax: Int = 64 << 20
    /// How often the background maintenance looks at retention and
    /// compaction (and, for compacted topics, after every segment roll).
    public var maintenanceIntervalMs: Int = 10_000
    /// How often pages that every reader has passed are dropped from the
    /// page cache (`FileLog.releaseReadPages`); 0: never. A log is written
    /// once and read once or twice right behind its writer: kept cached,
    /// every byte of it holds a page of memory that only a replay would
    /// read again, and the next write takes a fresh page instead of reusing
    /// one. On this project's virtual machines a fresh page costs the host
    /// a fault of its own (README, "Fresh memory costs what the host makes
    /// it cost"). 0 ... 60000.
    public var releaseReadPagesEveryMs: Int = 50
    /// Released only in steps of at least this many bytes of a segment: one
    /// `posix_fadvise` call per step.
    public var releaseStepBytesMin: Int = 256 << 10
    /// False: no background compaction or retention; `compact` and
    /// `applyRetention` run them when asked (tests, tools).
    public var backgroundMaintenance = true
    /// Wall clock in milliseconds since 1970 (record timestamps, retention,
    /// the tombstone delay). Tests move it.
    public var clock: @Sendable () -> Int64 = { wallClockMs() }
    /// Where recovery findings and background errors are written (stderr by default).
    public var logger: @Sendable (String) -> Void = { message in
        FileLogOptions.writeToStandardError("cass filelog: " + message + "\n")
    }

    /// Tests only: returns true to stop a compaction at that step as a crash would.
    var compactionFaultInjector: (@Sendable (CompactionStep) -> Bool)?

    public init() {}

    /// How long a consumer commit of `service` may wait for its fsync.
    public static let serviceCommitFlushMs = 1_000

    /// What `cass serve` opens its log with (and `cass-bench serve`, to
    /// measure the same): every topic synced, so a request answered 2xx
    /// survives a power loss; consumer commits flushed within
    /// `serviceCommitFlushMs` instead of each waiting for an fsync of its
    /// own. Why that is safe: the stage workers, the only ones that commit
    /// there, write a batch's outputs and state (each synced) before its
    /// commit, so a commit is written only after what it covers is on disk;
    /// a killed process loses no commit (the page cache keeps it), and a
    /// commit a power loss takes only sends the worker back to an earlier
    /// offset: a stage with state skips what its state's offset marker says
    /// it handled, the others replay, and replays are recognised downstream
    /// by key and version, as after a crash between outputs and commit.
    /// One fsync wait fewer per batch of every stage.
    public static var service: FileLogOptions {
        var options = FileLogOptions()
        options.commitDurability = .flushed(withinMs: serviceCommitFlushMs)
        return options
    }

    public func durability(of topic: String) -> FileLogDurability {
        durability[topic] ?? defaultDurability
    }

    static func writeToStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    func validated() throws -> FileLogOptions {
        guard (1 << 10)...(1 << 30) ~= segmentBytes else { throw LogError("file log: segmentBytes \(segmentBytes) is outside 1 KiB ... 1 GiB") }
        guard (64...(1 << 20)) ~= indexIntervalBytes else { throw LogError("file log: indexIntervalBytes \(indexIntervalBytes) is outside 64 ... 1 MiB") }
        guard Frame.totalMin...Frame.totalMax ~= recordBytesMax else {
            throw LogError("file log: recordBytesMax \(recordBytesMax) is outside \(Frame.totalMin) ... \(Frame.totalMax)")
        }
        guard (1 << 10)...(1 << 30) ~= offsetsSegmentBytes else { throw LogError("file log: offsetsSegmentBytes \(offsetsSegmentBytes) is outside 1 KiB ... 1 GiB") }
        for (topic, value) in durability.merging(["(default)": defaultDurability, "(commits)": commitDurability], uniquingKeysWith: { a, _ in a }) {
            if case .flushed(let ms) = value, !(1...60_000 ~= ms) {
                throw LogError("file log: durability of \(topic): flush bound \(ms) ms is outside 1 ... 60000")
            }
        }
        guard (0...60_000) ~= releaseReadPagesEveryMs, (0...(1 << 30)) ~= releaseStepBytesMin else {
            throw LogError("file log: releaseReadPagesEveryMs \(releaseReadPagesEveryMs) is outside 0 ... 60000 or releaseStepBytesMin \(releaseStepBytesMin) outside 0 ... 1 GiB")
        }
        guard openSegmentsMax >= 1, pollBytesMax >= 1, tombstoneRetentionMs >= 0, maintenanceIntervalMs >= 1,
              compactionKeyMapBytesMax >= 4096, (0.0...1.0) ~= compactionDirtyRatioMin else {
            throw LogError("file log: openSegmentsMax, pollBytesMax, maintenanceIntervalMs must be positive, tombstoneRetentionMs not negative, compactionKeyMapBytesMax at least 4096, compactionDirtyRatioMin in 0 ... 1")
        }
        return self
    }
}
