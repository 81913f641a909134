import CProcess
import CASSLog
import Dispatch
import Foundation

/// A read model the service answers from: it folds the records of its
/// topics, in log order per partition. `apply` runs on the feed's thread;
/// a view guards its own state for the request threads that read it.
public protocol View: AnyObject, Sendable {
    var topics: [String] { get }
    func apply(_ record: LogRecord) throws
}

/// Tails every topic some view reads, from the beginning, in a consumer
/// group of its own (each serve process sees everything), and tells
/// waiters how far it has read.
public final class ViewFeed: @unchecked Sendable {
    // @unchecked: mutable state lives in `progress` (a lock with a condition).
    let log: any Log
    let views: [any View]
    let group: String
    private let byTopic: [String: [any View]]
    private let progress = Progress()
    /// Records handed to the views per poll: bounds the time a request
    /// thread can wait behind one batch.
    static let batchMax = 2_000
    private let stopped = Locked(false)
    private let finished = DispatchSemaphore(value: 0)
    private var thread: Thread?

    final class Progress: @unchecked Sendable {
        let condition = NSCondition()
        var positions: [TopicPartition: Int64] = [:]
        var failure: String?
    }

    public init(log: any Log, views: [any View], group: String) {
        self.log = log
        self.views = views
        self.group = group
        var byTopic: [String: [any View]] = [:]
        for view in views { for topic in view.topics { byTopic[topic, default: []].append(view) } }
        self.byTopic = byTopic
    }

    public var topics: [String] { byTopic.keys.sorted() }

    /// A view that could not apply a record: the service stops answering
    /// (its views would be wrong) and says why.
    public var failure: String? {
        progress.condition.lock()
        defer { progress.condition.unlock() }
        return progress.failure
    }

    public func start() throws {
        let consumer = try log.makeConsumer(group: group, topics: topics, listener: nil)
        let thread = Thread { [self] in
            cass_thread_set_name("cass-views")
            run(consumer)
        }
        thread.name = "view-feed"
        self.thread = thread
        thread.start()
    }

    /// Stops reading, and waits (at most `timeoutMs`) until the feed has
    /// let go of the log, so that the log can be closed after it.
    public func stop(timeoutMs: Int = 5_000) {
        stopped.withLock { $0 = true }
        guard thread != nil else { return }
        _ = finished.wait(timeout: .now() + .milliseconds(timeoutMs))
    }

    private func run(_ consumer: any LogConsumer) {
        defer {
            consumer.close()
            finished.signal()
        }
        while !stopped.withLock({ $0 }) {
            let records: [LogRecord]
            do {
                records = try consumer.poll(maxRecords: Self.batchMax, timeoutMs: 100)
            } catch {
                if let logError = error as? LogError, logError.isTransient { Thread.sleep(forTimeInterval: 0.2); continue }
                fail("the view feed cannot read the log: \(error)")
                return
            }
            if records.isEmpty {
                // Logs whose poll returns at once when idle (the in-process one).
                Thread.sleep(forTimeInterval: 0.002)
                continue
            }
            var advanced: [TopicPartition: Int64] = [:]
            for record in records {
                for view in byTopic[record.topic] ?? [] {
                    do {
                        try view.apply(record)
                    } catch {
                        fail("view \(type(of: view)) cannot apply \(record.topic)[\(record.partition)]@\(record.offset): \(error)")
                        return
                    }
                }
                advanced[record.topicPartition] = record.offset + 1
            }
            progress.condition.lock()
            for (partition, offset) in advanced { progress.positions[partition] = max(progress.positions[partition] ?? 0, offset) }
            progress.condition.broadcast()
            progress.condition.unlock()
        }
    }

    private func fail(_ message: String) {
        FileHandle.standardError.write(Data("serve: \(message)\n".utf8))
        progress.condition.lock()
        progress.failure = message
        progress.condition.broadcast()
        progress.condition.unlock()
    }

    /// Waits until the views have read every partition up to `position`.
    public func wait(for position: ReadPosition, timeoutMs: Int = 30_000) throws {
        guard !position.ends.isEmpty else { return }
        let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
        progress.condition.lock()
        defer { progress.condition.unlock() }
        while true {
            if let failure = progress.failure { throw ServiceError(failure) }
            if position.ends.allSatisfy({ (progress.positions[$0.key] ?? 0) >= $0.value }) { return }
            guard progress.condition.wait(until: deadline) else {
                throw ServiceError("the service's views did not catch up with the log within \(timeoutMs) ms")
            }
        }
    }

    /// Per topic the views read, the offsets between where the feed has
    /// read to and the log's end, summed over its partitions (on a
    /// compacted topic offsets, not records: Kafka's consumer lag). Asks
    /// the log for every partition's end: for a scrape, not a request.
    public func lag() throws -> [String: Int64] {
        var ends: [TopicPartition: Int64] = [:]
        for topic in topics {
            for partition in 0..<(try log.partitionCount(of: topic)) {
                let tp = TopicPartition(topic: topic, partition: partition)
                ends[tp] = try log.endOffset(tp)
            }
        }
        progress.condition.lock()
        let positions = progress.positions
        progress.condition.unlock()
        var lag: [String: Int64] = [:]
        for (tp, end) in ends { lag[tp.topic, default: 0] += max(0, end - (positions[tp] ?? 0)) }
        return lag
    }

    /// Waits until the views have read what the log holds now on `topics`.
    public func catchUp(_ topics: [String], timeoutMs: Int = 30_000) throws {
        var position = ReadPosition()
        for topic in topics {
            for partition in 0..<(try log.partitionCount(of: topic)) {
                let tp = TopicPartition(topic: topic, partition: partition)
                let end = try log.endOffset(tp)
                if end > 0 { position.ends[tp] = end }
            }
        }
        try wait(for: position, timeoutMs: timeoutMs)
    }
}
