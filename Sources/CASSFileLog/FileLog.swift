import CASSLog
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `CASSLog.Log` kept in a folder: the durable embedded default of `cass
/// serve`. One process at a time opens a folder (`DIR/lock`).
///
///     DIR/lock                      flock'd by the open FileLog; holds its pid
///     DIR/shutdown                  boot id and "running" / "clean" (see FileLogRecovery)
///     DIR/offsets/                  committed offsets: a compacted partition
///     DIR/topics/<topic>/topic      the topic's declaration
///     DIR/topics/<topic>/<p>/       one folder per partition:
///         <base offset>.log         segments of frames (see Frame)
///         <base offset>.index       sparse index of a closed segment
///         cleaned-through           compaction checkpoint (compacted topics)
///
/// `docs/filelog.md` describes the format, durability and recovery.
public final class FileLog: Log, @unchecked Sendable {
    /// One process holds the folder: its readers share this machine's disk.
    public var isLocalToThisMachine: Bool { true }

    // @unchecked: mutable state is inside `Locked` values and the
    // partitions' own locks; the rest is set once in init.
    struct Topic {
        let spec: TopicSpec
        let partitions: [PartitionLog]
    }

    struct Member {
        weak var consumer: FileLogConsumer?
        var topics: [String]
    }

    public let directory: String
    public let options: FileLogOptions
    /// What opening the folder found: the previous shutdown, whether the
    /// machine rebooted since, the tails cut and the leftovers handled.
    public let recovery: FileLogRecovery
    let cache: DescriptorCache
    let signal = ArrivalSignal()
    let offsets: OffsetStore
    private let folderLock: FolderLock
    private let topics = Locked<[String: Topic]>([:])
    private let topicCreation = NSLock()
    private let members = Locked<[String: [ObjectIdentifier: Member]]>([:])
    private let isClosed = Locked(false)
    private let bootId: String?
    private var flusher: BackgroundLoop?
    private var maintenance: BackgroundLoop?
    private var pageRelease: BackgroundLoop?
    /// Runs the fsync waits of a send spanning several synced partitions side by side.
    private let syncPool = SyncPool(threadsMax: 8)
    /// Lets a partition that rolled a segment wake the maintenance thread.
    private let rolls = RollNotifier()
    /// Errors of background work (flusher, compaction, retention), latest last, at most 16.
    private let backgroundErrors = Locked<[String]>([])

    /// Opens (creating if needed) the log kept in `directory`. Fails when
    /// another process has it open, or when recovery finds a corrupt record
    /// it must not skip (`FileLogCorruption`).
    public init(directory: String, options: FileLogOptions = FileLogOptions()) throws {
        let options = try options.validated()
        self.options = options
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        folderLock = try FolderLock(directory: directory)
        cache = DescriptorCache(limit: options.openSegmentsMax)
        bootId = ShutdownMarker.currentBootId()
        let (previous, rebooted) = try ShutdownMarker.read(directory: directory, currentBootId: bootId)
        // After a clean stop or a killed process, writes reached the files in
        // order; after a machine restart (or when unknown), maybe not.
        let trust: TailTrust = previous == .unclean && rebooted != false ? .anyOrder : .inOrder
        var cuts: [FileLogCut] = []
        var leftovers: [String] = []

        let offsetsConfig = PartitionConfig(segmentBytes: Int64(options.offsetsSegmentBytes), indexIntervalBytes: Int64(options.indexIntervalBytes),
                                            durability: options.commitDurability, cleanup: .compact, retentionMs: -1)
        let (offsetsLog, offsetsCut) = try PartitionLog.open(topic: OffsetStore.topicLabel, partition: 0, directory: directory + "/offsets",
                                                             config: offsetsConfig, cache: cache, signal: signal, trust: trust,
                                                             onRoll: rolls.callback, leftovers: &leftovers)
        if let offsetsCut { cuts.append(offsetsCut) }
        offsets = try OffsetStore(log: offsetsLog)

        let topicsDirectory = directory + "/topics"
        try FileIO.makeDirectory(topicsDirectory)
        var opened: [String: Topic] = [:]
        for name in try FileIO.list(topicsDirectory) {
            let path = topicsDirectory + "/" + name
            if name.hasPrefix(".creating-") {
                try FileManager.default.removeItem(atPath: path)
                leftovers.append(path + " (removed: topic creation interrupted)")
                continue
            }
            guard FileIO.isDirectory(path) else { continue }
            guard let bytes = try FileIO.readFile(path + "/topic", limit: 4096) else {
                throw LogError("file log: \(path) has no topic file; the folder is not a topic this log made")
            }
            let spec = try TopicSpecFile.decode(bytes, path: path + "/topic")
            guard spec.name == name else { throw LogError("file log: \(path)/topic names topic \(spec.name)") }
            var partitions: [PartitionLog] = []
            for partition in 0..<spec.partitions {
                let partitionPath = path + "/\(partition)"
                guard FileIO.isDirectory(partitionPath) else { throw LogError("file log: \(partitionPath) is missing (topic \(name) has \(spec.partitions) partitions)") }
                let (log, cut) = try PartitionLog.open(topic: name, partition: partition, directory: partitionPath,
                                                       config: FileLog.config(spec, options), cache: cache, signal: signal, trust: trust,
                                                       onRoll: rolls.callback, leftovers: &leftovers)
                if let cut { cuts.append(cut) }
                partitions.append(log)
            }
            opened[name] = Topic(spec: spec, partitions: partitions)
        }
        topics.withLock { $0 = opened }
        // A commit past its partition's end can only survive a power loss
        // that took a flushed topic's tail: new records will take those
        // offsets, and a consumer starting there would skip them. Such a
        // commit is set back to the end, durably, before anyone reads.
        for (group, partition, offset) in offsets.all {
            guard let end = opened[partition.topic]?.partitions[safe: Int(partition.partition)]?.endOffset, offset > end else { continue }
            options.logger("recovery: group \(group) had committed offset \(offset) of \(partition), past its end \(end); set back to \(end)")
            try offsets.commit(group: group, offsets: [partition: end])
            // Durably whatever the commits' durability: a set-back lost
            // again would skip the records that take those offsets.
            try offsetsLog.syncAll()
            leftovers.append("committed offset of group \(group) on \(partition): \(offset) set back to the end \(end)")
        }
        recovery = FileLogRecovery(previousShutdown: previous, rebootedSince: rebooted, cuts: cuts, leftovers: leftovers)
        for cut in cuts { options.logger("recovery: \(cut)") }
        for leftover in leftovers { options.logger("recovery: \(leftover)") }
        if previous == .unclean {
            options.logger("recovery: the previous process did not close the log"
                           + (rebooted == false ? " (same boot: the page cache kept every write)" : " and the machine may have restarted: unsynced writes may be lost"))
        }
        // Only now: a failed recovery leaves the previous marker for the next try.
        try ShutdownMarker.write(directory: directory, state: "running", bootId: bootId)
        startBackgroundWork()
    }

    static func config(_ spec: TopicSpec, _ options: FileLogOptions) -> PartitionConfig {
        PartitionConfig(segmentBytes: Int64(options.segmentBytes), indexIntervalBytes: Int64(options.indexIntervalBytes),
                        durability: options.durability(of: spec.name), cleanup: spec.cleanup, retentionMs: spec.retentionMs)
    }

    private func startBackgroundWork() {
        var bounds: [Int] = []
        for durability in Array(options.durability.values) + [options.defaultDurability, options.commitDurability] {
            if case .flushed(let ms) = durability { bounds.append(ms) }
        }
        if let tightest = bounds.min() {
            // Ticks at half the tightest bound; each partition is synced once
            // its oldest unsynced write is half its own bound old.
            flusher = BackgroundLoop(name: "filelog-flush", intervalNs: UInt64(tightest) * 500_000) { [weak self] in
                self?.flushDue()
            }
        }
        if options.releaseReadPagesEveryMs > 0 {
            pageRelease = BackgroundLoop(name: "filelog-cache", intervalNs: UInt64(options.releaseReadPagesEveryMs) * 1_000_000) { [weak self] in
                self?.releaseReadPages()
            }
        }
        guard options.backgroundMaintenance else { return }
        let loop = BackgroundLoop(name: "filelog-maint", intervalNs: UInt64(options.maintenanceIntervalMs) * 1_000_000) { [weak self] in
            self?.maintain()
        }
        maintenance = loop
        rolls.loop.withLock { $0 = loop }
    }

    private var allPartitions: [PartitionLog] {
        topics.withLock { topics in topics.values.flatMap(\.partitions) } + [offsets.log]
    }

    private func flushDue() {
        let now = monotonicNs()
        for partition in allPartitions {
            guard case .flushed(let ms) = partition.config.durability, let age = partition.unsyncedAgeNs(now: now),
                  age >= UInt64(ms) * 500_000 else { continue }
            do {
                try partition.syncAll()
            } catch {
                noteBackgroundError("flush of \(partition.name): \(error)")
            }
        }
    }

    /// Drops from the page cache the bytes of each partition that every
    /// consumer group reading its topic has read past (and that are on
    /// disk): the slowest group's place, where each group's place is that
    /// of its member holding the partition. A partition some group reads
    /// but none of its members holds now, or whose member has not read yet,
    /// keeps its pages; so does one that no group reads (`read` and
    /// `readToEnd` callers are not followed: what they read later comes
    /// from the disk, as after a restart). Run every
    /// `releaseReadPagesEveryMs` by a thread of its own; callable by tests.
    /// Returns the bytes released.
    @discardableResult
    func releaseReadPages() -> Int64 {
        let groups = members.withLock { members in members.mapValues { $0.values.compactMap(\.consumer) } }
        // Per partition: the earliest place over the groups, or nil once a
        // group cannot say where it is.
        var marks: [ObjectIdentifier: (log: PartitionLog, mark: ReadCursor?)] = [:]
        for consumers in groups.values where !consumers.isEmpty {
            var places: [ObjectIdentifier: (log: PartitionLog, mark: ReadCursor?)] = [:]
            for consumer in consumers {
                for (log, mark) in consumer.readPlaces() { places[ObjectIdentifier(log)] = (log, mark) }
            }
            let subscribed = Set(consumers.flatMap(\.topics))
            let logs = topics.withLock { topics in subscribed.flatMap { topics[$0]?.partitions ?? [] } }
            for log in logs {
                let key = ObjectIdentifier(log)
                let mine = places[key]?.mark
                if let earlier = marks[key] {
                    marks[key] = (log, Self.earlier(earlier.mark, mine))
                } else {
                    marks[key] = (log, mine)
                }
            }
        }
        var total: Int64 = 0
        for (log, mark) in marks.values {
            guard let mark else { continue }
            total += log.releasePages(before: mark, stepMin: Int64(options.releaseStepBytesMin))
        }
        return total
    }

    /// The earlier of two places; nil when either is unknown.
    private static func earlier(_ a: ReadCursor?, _ b: ReadCursor?) -> ReadCursor? {
        guard let a, let b else { return nil }
        if a.segment.baseOffset != b.segment.baseOffset { return a.segment.baseOffset < b.segment.baseOffset ? a : b }
        return a.position <= b.position ? a : b
    }

    private func maintain() {
        let stopping: @Sendable () -> Bool = { [weak self] in self?.maintenance?.isStopping ?? true }
        for partition in allPartitions {
            if stopping() { return }
            do {
                switch partition.config.cleanup {
                case .compact:
                    if let report = try Compaction.run(partition, options: options, force: false, stopping: stopping) {
                        options.logger("compacted \(partition.name): \(report.recordsKept) records kept, \(report.recordsRemoved) removed, "
                                       + "\(report.bytesBefore) -> \(report.bytesAfter) bytes")
                    }
                case .delete:
                    _ = try Retention.run(partition, now: options.clock())
                }
            } catch {
                noteBackgroundError("maintenance of \(partition.name): \(error)")
            }
        }
    }

    private func noteBackgroundError(_ message: String) {
        options.logger(message)
        backgroundErrors.withLock { errors in
            errors.append(message)
            if errors.count > 16 { errors.removeFirst(errors.count - 16) }
        }
    }

    /// Errors background work met (flushes, compaction, retention), latest last.
    public var backgroundProblems: [String] { backgroundErrors.withLock { $0 } }

    deinit {
        try? close()
    }

    /// Syncs everything, stops the background work, records a clean
    /// shutdown and releases the folder. Producers and consumers of this
    /// log fail from then on. Calling it again does nothing.
    public func close() throws {
        let already = isClosed.withLock { closed -> Bool in
            defer { closed = true }
            return closed
        }
        guard !already else { return }
        flusher?.stop()
        maintenance?.stop()
        pageRelease?.stop()
        syncPool.stop()
        var firstError: (any Error)?
        for partition in allPartitions {
            do {
                try partition.syncAll()
            } catch {
                firstError = firstError ?? error
            }
            partition.close()
        }
        signal.notify()
        if firstError == nil {
            try? FileIO.syncDirectory(directory)
            do {
                try ShutdownMarker.write(directory: directory, state: "clean", bootId: bootId)
            } catch {
                firstError = error
            }
        }
        folderLock.release()
        if let firstError { throw firstError }
    }

    /// Tests: what a killed process leaves behind. Nothing is synced, no
    /// clean-shutdown marker is written; the background threads stop and
    /// the folder's lock is released (as the kernel does for a dead process).
    func abandonForTests() {
        let already = isClosed.withLock { closed -> Bool in
            defer { closed = true }
            return closed
        }
        guard !already else { return }
        flusher?.stop()
        maintenance?.stop()
        pageRelease?.stop()
        syncPool.stop()
        for partition in allPartitions { partition.close() }
        signal.notify()
        folderLock.release()
    }

    func checkOpen() throws {
        if isClosed.withLock({ $0 }) { throw LogError("file log: \(directory) is closed") }
    }

    // MARK: - Topics

    public func createTopics(_ specs: [TopicSpec]) throws {
        try checkOpen()
        topicCreation.lock()
        defer { topicCreation.unlock() }
        var problems: [String] = []
        for spec in specs {
            try TopicName.check(spec.name)
            guard (1...1024) ~= spec.partitions else { throw LogError("file log: topic \(spec.name): \(spec.partitions) partitions is outside 1 ... 1024") }
            if let existing = topics.withLock({ $0[spec.name] }) {
                if existing.spec.partitions != spec.partitions {
                    problems.append("\(spec.name) has \(existing.spec.partitions) partitions, the declaration \(spec.partitions)")
                }
                if existing.spec.cleanup != spec.cleanup {
                    problems.append("\(spec.name) has cleanup \(existing.spec.cleanup.rawValue), the declaration \(spec.cleanup.rawValue)")
                }
                if existing.spec.retentionMs != spec.retentionMs {
                    problems.append("\(spec.name) has retention.ms=\(existing.spec.retentionMs), the declaration \(spec.retentionMs)")
                }
                continue
            }
            try create(spec)
        }
        guard problems.isEmpty else {
            throw LogError("file log: " + problems.joined(separator: "; ") + " (nothing was changed)")
        }
    }

    /// Made in a hidden folder and renamed into place: a crash leaves the
    /// whole topic or none of it.
    private func create(_ spec: TopicSpec) throws {
        let topicsDirectory = directory + "/topics"
        let staging = topicsDirectory + "/.creating-" + spec.name
        let final = topicsDirectory + "/" + spec.name
        if FileIO.exists(staging) { try FileManager.default.removeItem(atPath: staging) }
        try FileIO.makeDirectory(staging)
        try FileIO.writeAtomically(staging + "/topic", TopicSpecFile.encode(spec))
        for partition in 0..<spec.partitions {
            let path = staging + "/\(partition)"
            try FileIO.makeDirectory(path)
            let fd = try FileIO.open(path + "/" + Segment.name(0) + ".log", O_RDWR | O_CREAT | O_EXCL)
            FileIO.close(fd)
            try FileIO.syncDirectory(path)
        }
        try FileIO.syncDirectory(staging)
        try FileIO.rename(staging, final)
        try FileIO.syncDirectory(topicsDirectory)
        var partitions: [PartitionLog] = []
        var leftovers: [String] = []
        for partition in 0..<spec.partitions {
            let (log, _) = try PartitionLog.open(topic: spec.name, partition: partition, directory: final + "/\(partition)",
                                                 config: FileLog.config(spec, options), cache: cache, signal: signal, trust: .inOrder,
                                                 onRoll: rolls.callback, leftovers: &leftovers)
            partitions.append(log)
        }
        topics.withLock { $0[spec.name] = Topic(spec: spec, partitions: partitions) }
    }

    public func partitionCount(of topic: String) throws -> Int32 {
        guard let count = topics.withLock({ $0[topic].map { Int32($0.partitions.count) } }) else { throw LogError("unknown topic \(topic)") }
        return count
    }

    /// The declaration of every topic, by name.
    public var topicSpecs: [TopicSpec] {
        topics.withLock { $0.values.map(\.spec) }.sorted { $0.name < $1.name }
    }

    func partition(_ partition: TopicPartition) throws -> PartitionLog {
        guard let log = topics.withLock({ topics -> PartitionLog? in
            guard let topic = topics[partition.topic], partition.partition >= 0, Int(partition.partition) < topic.partitions.count else { return nil }
            return topic.partitions[Int(partition.partition)]
        }) else { throw LogError("unknown partition \(partition)") }
        return log
    }

    // MARK: - Producing

    public func makeProducer() throws -> any LogProducer {
        try checkOpen()
        return FileLogProducer(log: self)
    }

    /// Writes the records, and returns once each is as durable as its
    /// topic's durability says, with each record's offset in the order
    /// given (a partition's batch is appended whole under its lock, so its
    /// records take consecutive offsets ending where the append says).
    @discardableResult
    func append(_ records: [OutgoingRecord]) throws -> [Int64] {
        try checkOpen()
        guard !records.isEmpty else { return [] }
        let timestamp = options.clock()
        // One batch per partition, in the order partitions first appear.
        var slots: [TopicPartition: Int] = [:]
        var batches: [(log: PartitionLog, batch: EncodedBatch)] = []
        var sizes: [Int] = []
        /// What each batch's buffer holds: its frames without the values kept outside it.
        var storedSizes: [Int] = []
        var slotOfRecord: [Int] = []
        slotOfRecord.reserveCapacity(records.count)
        for record in records {
            let key = TopicPartition(topic: record.topic, partition: record.partition)
            let slot: Int
            if let existing = slots[key] {
                slot = existing
            } else {
                guard let log = try? partition(key) else {
                    throw LogError("cannot write to \(record.topic)[\(record.partition)]: no such partition")
                }
                slot = batches.count
                slots[key] = slot
                batches.append((log, EncodedBatch()))
                sizes.append(0)
                storedSizes.append(0)
            }
            guard record.headers.count <= Int(UInt16.max), record.headers.allSatisfy({ $0.name.utf8.count <= Int(UInt16.max) }) else {
                throw LogError("cannot write to \(key): at most 65535 headers, names of at most 65535 bytes")
            }
            let size = Frame.size(key: record.key.count, value: record.value.count, headers: record.headers)
            guard size <= options.recordBytesMax else {
                throw LogError("cannot write to \(key): a record of \(size) bytes (key \(record.key.count), value \(record.value.count)) "
                               + "is over the limit of \(options.recordBytesMax)")
            }
            sizes[slot] += size
            storedSizes[slot] += record.value.count >= Frame.outsideValueMin ? size - record.value.count : size
            slotOfRecord.append(slot)
        }
        // Each partition's buffer is sized once, then filled.
        for slot in batches.indices {
            batches[slot].batch.bytes.reserveCapacity(storedSizes[slot])
            batches[slot].batch.frames.reserveCapacity(batches.count == 1 ? records.count : 16)
        }
        // The last frame of each partition's batch says so: recovery keeps
        // a batch whole or drops it whole.
        var lastOfSlot = [Int](repeating: 0, count: batches.count)
        for (index, slot) in slotOfRecord.enumerated() { lastOfSlot[slot] = index }
        for (index, (record, slot)) in zip(records, slotOfRecord).enumerated() {
            batches[slot].batch.append(record, timestampMs: timestamp, endOfBatch: index == lastOfSlot[slot])
        }
        for slot in batches.indices where sizes[slot] > Frame.totalMax {
            throw LogError("cannot write to \(batches[slot].log.name): one send of \(sizes[slot]) bytes to one partition is over the limit of \(Frame.totalMax)")
        }
        var ends: [(PartitionLog, Int64)] = []
        for slot in batches.indices {
            ends.append((batches[slot].log, try batches[slot].log.append(&batches[slot].batch)))
        }
        // Partitions sync side by side: a send's wait is about one fsync,
        // not one per partition.
        var waits: [@Sendable () throws -> Void] = []
        for (log, end) in ends {
            if case .synced = log.config.durability { waits.append { try log.waitSynced(through: end) } }
        }
        try syncPool.runAll(waits)
        var next = [Int64](repeating: 0, count: batches.count)
        for slot in batches.indices { next[slot] = ends[slot].1 - Int64(batches[slot].batch.frames.count) }
        var offsets: [Int64] = []
        offsets.reserveCapacity(records.count)
        for slot in slotOfRecord {
            offsets.append(next[slot])
            next[slot] += 1
        }
        return offsets
    }

    // MARK: - Consuming and reading

    public func makeConsumer(group: String, topics names: [String], listener: (any RebalanceListener)?) throws -> any LogConsumer {
        try checkOpen()
        guard !group.isEmpty, group.utf8.count <= 1024 else { throw LogError("file log: group name must be 1 to 1024 bytes") }
        for topic in names { _ = try partitionCount(of: topic) }
        let consumer = FileLogConsumer(log: self, group: group, topics: names, listener: listener)
        members.withLock { $0[group, default: [:]][ObjectIdentifier(consumer)] = Member(consumer: consumer, topics: names) }
        rebalance(group: group)
        return consumer
    }

    public func readToEnd(_ partition: TopicPartition) throws -> [LogRecord] {
        try checkOpen()
        return try self.partition(partition).read(from: 0, maxRecords: Int.max, maxBytes: Int.max).0
    }

    /// Records of one partition from `offset` on (the first may be later on
    /// a compacted topic or after retention), at most `maxRecords`, and at
    /// most `maxBytes` of frames after the first record (one record is
    /// returned whatever its size, so a reader always moves on).
    public func read(_ partition: TopicPartition, from offset: Int64, maxRecords: Int, maxBytes: Int) throws -> [LogRecord] {
        try checkOpen()
        return try self.partition(partition).read(from: offset, maxRecords: maxRecords, maxBytes: maxBytes).0
    }

    /// Up to `maxRecords` records of one partition from `offset` on, as the
    /// `Log` protocol's random read has them (no byte bound: fewer only
    /// when the partition ends first).
    public func read(_ partition: TopicPartition, from offset: Int64, maxRecords: Int) throws -> [LogRecord] {
        try read(partition, from: offset, maxRecords: maxRecords, maxBytes: Int.max)
    }

    public func endOffset(_ partition: TopicPartition) throws -> Int64 {
        try self.partition(partition).endOffset
    }

    /// The earliest offset still kept (retention removes old segments).
    public func startOffset(_ partition: TopicPartition) throws -> Int64 {
        try self.partition(partition).startOffset
    }

    public func committedOffset(group: String, partition: TopicPartition) throws -> Int64? {
        offsets.offset(group: group, partition: partition)
    }

    func commit(group: String, offsets committed: [TopicPartition: Int64]) throws {
        try checkOpen()
        try offsets.commit(group: group, offsets: committed)
    }

    // MARK: - Groups

    func leave(group: String, consumer: FileLogConsumer) {
        _ = members.withLock { $0[group]?.removeValue(forKey: ObjectIdentifier(consumer)) }
        rebalance(group: group)
    }

    /// Partitions are dealt round-robin over the group's members in the
    /// order they joined, as the in-process log does.
    func rebalance(group: String) {
        let members = self.members.withLock { ($0[group] ?? [:]).values.compactMap(\.consumer) }.sorted { $0.joinOrder < $1.joinOrder }
        guard !members.isEmpty else { return }
        var partitions: [TopicPartition] = []
        for topic in Set(members.flatMap(\.topics)).sorted() {
            for index in 0..<((try? partitionCount(of: topic)) ?? 0) {
                partitions.append(TopicPartition(topic: topic, partition: index))
            }
        }
        var plan = members.map { ($0, [TopicPartition]()) }
        for (index, partition) in partitions.enumerated() { plan[index % plan.count].1.append(partition) }
        for (consumer, partitions) in plan { consumer.pendingAssignment(partitions) }
        signal.notify()
    }

    // MARK: - Maintenance and figures

    /// Compacts a compacted topic's partitions now, whatever their dirty
    /// share (background maintenance does it by itself when due).
    @discardableResult
    public func compact(_ topic: String) throws -> [CompactionReport] {
        try checkOpen()
        guard let spec = topics.withLock({ $0[topic] }) else { throw LogError("unknown topic \(topic)") }
        guard spec.spec.cleanup == .compact else { throw LogError("file log: \(topic) is not a compacted topic") }
        return try spec.partitions.compactMap { try Compaction.run($0, options: options, force: true, stopping: { false }) }
    }

    /// Compacts the committed-offsets log now.
    @discardableResult
    public func compactCommittedOffsets() throws -> CompactionReport? {
        try checkOpen()
        return try Compaction.run(offsets.log, options: options, force: true, stopping: { false })
    }

    /// Applies retention to a delete topic now; returns the segments removed.
    @discardableResult
    public func applyRetention(_ topic: String) throws -> Int {
        try checkOpen()
        guard let spec = topics.withLock({ $0[topic] }) else { throw LogError("unknown topic \(topic)") }
        return try spec.partitions.reduce(0) { $0 + (try Retention.run($1, now: options.clock())) }
    }

    /// Writes, records, bytes, fsyncs and rolls so far, over every partition
    /// (committed offsets included).
    public var statistics: FileLogStatistics {
        allPartitions.reduce(FileLogStatistics()) { $0 + $1.statistics }
    }

    /// Segment files of a partition, oldest first (tests, tools).
    public func segmentFiles(_ partition: TopicPartition) throws -> [String] {
        let log = try self.partition(partition)
        return log.condition.withLock { log.state.closed.map(\.segment.logPath) + [log.state.active.segment.logPath] }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

/// A rolled segment may make a partition due for compaction or retention.
final class RollNotifier: Sendable {
    let loop = Locked<BackgroundLoop?>(nil)

    var callback: @Sendable (PartitionLog) -> Void {
        { [weak self] _ in self?.loop.withLock { $0 }?.kick() }
    }
}

final class FileLogProducer: LogProducer, @unchecked Sendable {
    let log: FileLog
    init(log: FileLog) { self.log = log }
    func send(_ records: [OutgoingRecord]) throws { try log.append(records) }
    func sendLocated(_ records: [OutgoingRecord]) throws -> [Int64]? { try log.append(records) }
    func close() {}
}

private let joinCounter = Locked(0)

final class FileLogConsumer: LogConsumer, @unchecked Sendable {
    // @unchecked: mutable fields are inside `local`, a lock.
    struct Local {
        var assignment: [TopicPartition] = []
        /// Per partition of `assignment`, at the same index. An array, not
        /// dictionaries by partition: a poll visits every assigned
        /// partition, most of them with nothing new, and hashing a topic
        /// name twice per visit (and once more to find its log) had cost
        /// more than the visit (about 3,000 instructions each).
        var reads: [Read] = []
        /// Changes whenever `assignment` does: a fetch updates the read at
        /// the index it took only while this is the same.
        var generation = 0
        var pending: [TopicPartition]?
        var rotation = 0
        var closed = false
    }

    /// Where reading one assigned partition goes on, and its log (looked
    /// up once, when assigned; a FileLog never replaces a partition's log).
    struct Read {
        let log: PartitionLog
        var position: Int64
        var cursor: ReadCursor?
    }

    let log: FileLog
    let group: String
    let topics: [String]
    let listener: (any RebalanceListener)?
    let joinOrder: Int
    let local = Locked(Local())

    init(log: FileLog, group: String, topics: [String], listener: (any RebalanceListener)?) {
        self.log = log
        self.group = group
        self.topics = topics
        self.listener = listener
        self.joinOrder = joinCounter.withLock { $0 += 1; return $0 }
    }

    var assignment: [TopicPartition] { local.withLock { $0.assignment } }

    /// Where this consumer reads each partition it holds: the place its
    /// last read stopped, or nil when it has not read there yet (or was
    /// moved since, by a seek to a committed offset).
    func readPlaces() -> [(PartitionLog, ReadCursor?)] {
        local.withLock { local in
            local.reads.map { read in
                guard let cursor = read.cursor, cursor.offset == read.position else { return (read.log, nil) }
                return (read.log, cursor)
            }
        }
    }

    func pendingAssignment(_ partitions: [TopicPartition]) {
        local.withLock { $0.pending = partitions }
    }

    /// Revoked partitions are told (while committing them still works)
    /// before they go; added ones get their start position (the committed
    /// offset, kept inside what the partition holds) before being told.
    private func applyPendingAssignment() throws {
        guard let (revoked, added) = local.withLock({ local -> ([TopicPartition], [TopicPartition])? in
            guard let pending = local.pending else { return nil }
            local.pending = nil
            let old = Set(local.assignment), new = Set(pending)
            return (local.assignment.filter { !new.contains($0) }, pending.filter { !old.contains($0) })
        }) else { return }
        if !revoked.isEmpty {
            listener?.revoked(revoked, consumer: self)
            local.withLock { local in
                let kept = local.assignment.indices.filter { !revoked.contains(local.assignment[$0]) }
                local.assignment = kept.map { local.assignment[$0] }
                local.reads = kept.map { local.reads[$0] }
                local.generation &+= 1
            }
        }
        if !added.isEmpty {
            var reads: [Read] = []
            for partition in added {
                let partitionLog = try log.partition(partition)
                let start = partitionLog.startOffset
                // Below the start, retention removed the records: the start.
                // (Past the end it waits there, as on Kafka; a commit left
                // past the end by a power loss was set back at open.)
                let position = max(try log.committedOffset(group: group, partition: partition) ?? start, start)
                reads.append(Read(log: partitionLog, position: position, cursor: nil))
            }
            local.withLock { local in
                local.assignment.append(contentsOf: added)
                local.reads.append(contentsOf: reads)
                local.generation &+= 1
            }
            listener?.assigned(added, consumer: self)
        }
    }

    func poll(maxRecords: Int, timeoutMs: Int) throws -> [LogRecord] {
        let deadline = monotonicNs() + UInt64(max(0, timeoutMs)) * 1_000_000
        while true {
            let seen = log.signal.current
            try log.checkOpen()
            if local.withLock({ $0.closed }) { throw LogError("file log: consumer of group \(group) is closed") }
            try applyPendingAssignment()
            let records = try fetch(maxRecords: maxRecords)
            if !records.isEmpty || monotonicNs() >= deadline { return records }
            log.signal.wait(after: seen, deadlineNs: deadline)
        }
    }

    /// Up to `maxRecords` and about `pollBytesMax` from the assigned
    /// partitions, starting with a different partition each time so that
    /// none waits behind a busy one.
    private func fetch(maxRecords: Int) throws -> [LogRecord] {
        guard maxRecords > 0 else { return [] }
        let (assignment, reads, generation, rotation) = local.withLock { local -> ([TopicPartition], [Read], Int, Int) in
            local.rotation &+= 1
            return (local.assignment, local.reads, local.generation, local.rotation)
        }
        guard !reads.isEmpty else { return [] }
        var result: [LogRecord] = []
        var bytes = 0
        let bytesMax = log.options.pollBytesMax
        for step in 0..<reads.count {
            guard result.count < maxRecords, bytes < bytesMax else { break }
            let index = (rotation + step) % reads.count
            let read = reads[index]
            let (records, next) = try read.log.read(from: read.position, maxRecords: maxRecords - result.count,
                                                    maxBytes: bytesMax - bytes, cursor: read.cursor)
            // Nothing new and the same cursor (the usual visit): nothing to keep.
            guard !records.isEmpty || !ReadCursor.same(next, read.cursor) else { continue }
            local.withLock { local in
                // After a rebalance in between, the partition's read may
                // have moved, or gone with the partition.
                let at: Int
                if local.generation == generation {
                    at = index
                } else if let found = local.assignment.firstIndex(of: assignment[index]) {
                    at = found
                } else {
                    return
                }
                if let last = records.last { local.reads[at].position = last.offset + 1 }
                local.reads[at].cursor = next
            }
            for record in records { bytes += record.key.count + record.value.count + Frame.totalMin }
            result.append(contentsOf: records)
        }
        return result
    }

    func commit(_ offsets: [TopicPartition: Int64]) throws {
        try log.commit(group: group, offsets: offsets)
    }

    func close() {
        let closing = local.withLock { local -> Bool in
            defer { local.closed = true }
            return !local.closed
        }
        if closing { log.leave(group: group, consumer: self) }
    }
}
