@testable import CASSFileLog
import CASSLog
import Foundation
import XCTest

/// When `send` returns, per topic durability: synced (fsync'd, group
/// commit) or flushed (written; fsync'd by the flusher within its bound).
final class FileLogDurabilityTests: XCTestCase {
    func state(_ log: FileLog, _ topic: String, _ partition: Int32 = 0) throws -> (written: Int64, synced: Int64, visible: Int64) {
        let data = try log.partition(TopicPartition(topic: topic, partition: partition))
        return data.condition.withLock { (data.state.nextOffset, data.state.syncedEnd, data.state.visibleEnd) }
    }

    func test_aSyncedTopicsSendReturnsOnlyOnceItsRecordsAreFsynced() throws {
        let log = try FileLog(directory: temporaryFolder(self), options: testOptions(segmentBytes: 1 << 20))
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "t", partitions: 2)])
        let producer = try log.makeProducer()
        for index in 0..<20 {
            try producer.send([record("t", 0, key: "a", value: "\(index)"), record("t", 1, key: "b", value: "\(index)")])
            for partition: Int32 in [0, 1] {
                let (written, synced, visible) = try state(log, "t", partition)
                XCTAssertEqual(synced, written)
                XCTAssertEqual(visible, written)
            }
        }
        XCTAssertGreaterThanOrEqual(log.statistics.fsyncs, 40)
    }

    func test_concurrentSendersShareFsyncs() throws {
        let log = try FileLog(directory: temporaryFolder(self), options: testOptions(segmentBytes: 1 << 20))
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "t", partitions: 1)])
        let senders = 16, perSender = 40
        DispatchQueue.concurrentPerform(iterations: senders) { sender in
            guard let producer = try? log.makeProducer() else { return XCTFail("no producer") }
            for index in 0..<perSender {
                do {
                    try producer.send([record("t", key: "\(sender)", value: "\(sender)-\(index)")])
                } catch {
                    XCTFail("\(error)")
                }
            }
        }
        let statistics = log.statistics
        XCTAssertEqual(statistics.records, senders * perSender)
        // Every send waited for an fsync, yet there were fewer fsyncs than sends.
        XCTAssertLessThan(statistics.fsyncs, senders * perSender)
        XCTAssertEqual(Set(try log.readToEnd(TopicPartition(topic: "t", partition: 0)).map { text($0.value) }).count, senders * perSender)
        let (written, synced, _) = try state(log, "t")
        XCTAssertEqual(synced, written)
    }

    func test_aFlushedTopicsRecordsAreVisibleAtOnceAndFsyncedByTheFlusherWithinItsBound() throws {
        var options = testOptions(segmentBytes: 1 << 20)
        options.durability = ["fast": .flushed(withinMs: 50), "lazy": .flushed(withinMs: 60_000)]
        let log = try FileLog(directory: temporaryFolder(self), options: options)
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "fast", partitions: 1), TopicSpec(name: "lazy", partitions: 1), TopicSpec(name: "safe", partitions: 1)])
        let producer = try log.makeProducer()
        try producer.send([record("lazy", key: "k", value: "v")])
        // Visible before any fsync: the lazy flusher runs every 25 ms but
        // syncs this topic only once its write is 30 s old.
        var (written, synced, visible) = try state(log, "lazy")
        XCTAssertEqual(visible, 1)
        XCTAssertEqual(written, 1)
        XCTAssertEqual(synced, 0)
        XCTAssertEqual(try log.readToEnd(TopicPartition(topic: "lazy", partition: 0)).count, 1)

        let sent = Date()
        try producer.send([record("fast", key: "k", value: "v")])
        while try state(log, "fast").synced < 1, Date().timeIntervalSince(sent) < 10 { usleep(5_000) }
        (_, synced, _) = try state(log, "fast")
        XCTAssertEqual(synced, 1, "the flusher did not sync within 10 s")
        // The bound is 50 ms; allow for a loaded machine, not for a missing flusher.
        XCTAssertLessThan(Date().timeIntervalSince(sent), 5)
        // A topic without an entry gets the default: synced.
        try producer.send([record("safe", key: "k", value: "v")])
        XCTAssertEqual(try state(log, "safe").synced, 1)
        // Close syncs what the flusher had not yet.
        try log.close()
        XCTAssertEqual(try state(log, "lazy").synced, 1)
    }

    func test_syncedCommitsAreDurableWhenCommitReturns() throws {
        let log = try FileLog(directory: temporaryFolder(self), options: testOptions())
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "t", partitions: 1)])
        let consumer = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        defer { consumer.close() }
        try consumer.commit([TopicPartition(topic: "t", partition: 0): 5])
        let offsets = log.offsets.log
        offsets.condition.withLock { XCTAssertEqual(offsets.state.syncedEnd, offsets.state.nextOffset) }
    }

    /// `cass serve`'s log: topics synced as before; commits written at once
    /// and fsync'd by the flusher (a killed process keeps them).
    func test_theServiceOptionsSyncEveryTopicAndFlushCommits() throws {
        let options = FileLogOptions.service
        XCTAssertEqual(options.defaultDurability, .synced)
        XCTAssertTrue(options.durability.isEmpty)
        XCTAssertEqual(options.commitDurability, .flushed(withinMs: FileLogOptions.serviceCommitFlushMs))
        let directory = temporaryFolder(self)
        var log = try FileLog(directory: directory, options: options)
        try log.createTopics([TopicSpec(name: "t", partitions: 1)])
        try log.makeProducer().send([record("t", key: "k", value: "v")])
        XCTAssertEqual(try state(log, "t").synced, 1)
        let consumer = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        try consumer.commit([TopicPartition(topic: "t", partition: 0): 1])
        let offsets = log.offsets.log
        let sent = Date()
        while offsets.condition.withLock({ offsets.state.syncedEnd < offsets.state.nextOffset }), Date().timeIntervalSince(sent) < 20 { usleep(10_000) }
        offsets.condition.withLock { XCTAssertEqual(offsets.state.syncedEnd, offsets.state.nextOffset, "the flusher did not sync the commit within 20 s") }
        try consumer.commit([TopicPartition(topic: "t", partition: 0): 1])
        log.abandonAsIfKilled()
        log = try FileLog(directory: directory, options: options)
        defer { try? log.close() }
        XCTAssertEqual(try log.committedOffset(group: "g", partition: TopicPartition(topic: "t", partition: 0)), 1)
    }

    func test_optionsOutsideTheirLimitsAreRefused() {
        var options = FileLogOptions()
        options.segmentBytes = 100
        XCTAssertThrowsError(try FileLog(directory: temporaryFolder(self), options: options))
        options = FileLogOptions()
        options.durability = ["t": .flushed(withinMs: 0)]
        XCTAssertThrowsError(try FileLog(directory: temporaryFolder(self), options: options)) { XCTAssertTrue("\($0)".contains("durability of t"), "\($0)") }
        options = FileLogOptions()
        options.recordBytesMax = Frame.totalMax + 1
        XCTAssertThrowsError(try FileLog(directory: temporaryFolder(self), options: options))
    }
}
