@testable import CASSFileLog
import CASSLog
import Foundation
import XCTest

/// The `Log` protocol's behaviours on a FileLog: topics, producing, reading,
/// consumer groups with commits, assignment and rebalancing, polling.
final class FileLogBehaviourTests: XCTestCase {
    func open(_ directory: String, options: FileLogOptions? = nil) throws -> FileLog {
        try FileLog(directory: directory, options: options ?? testOptions())
    }

    func test_createTopicsAndPartitionCounts() throws {
        let log = try open(temporaryFolder(self))
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "a", partitions: 3), TopicSpec(name: "b.c_d-1", partitions: 1, cleanup: .compact, retentionMs: -1)])
        XCTAssertEqual(try log.partitionCount(of: "a"), 3)
        XCTAssertEqual(try log.partitionCount(of: "b.c_d-1"), 1)
        XCTAssertThrowsError(try log.partitionCount(of: "missing"))
        // The same declaration again changes nothing.
        try log.createTopics([TopicSpec(name: "a", partitions: 3)])
        XCTAssertEqual(log.topicSpecs.map(\.name), ["a", "b.c_d-1"])
    }

    func test_createTopicsRefusesADifferentDeclarationOfAnExistingTopic() throws {
        let log = try open(temporaryFolder(self))
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "a", partitions: 3)])
        XCTAssertThrowsError(try log.createTopics([TopicSpec(name: "a", partitions: 4)])) { error in
            XCTAssertTrue("\(error)".contains("a has 3 partitions, the declaration 4"), "\(error)")
        }
        XCTAssertThrowsError(try log.createTopics([TopicSpec(name: "a", partitions: 3, cleanup: .compact)]))
        XCTAssertEqual(try log.partitionCount(of: "a"), 3)
    }

    func test_topicNamesThatAreNotSafeFolderNamesAreRefused() throws {
        let log = try open(temporaryFolder(self))
        defer { try? log.close() }
        for name in ["", ".", "..", "a/b", "../x", "a b", "é", String(repeating: "x", count: 250)] {
            XCTAssertThrowsError(try log.createTopics([TopicSpec(name: name, partitions: 1)]), name)
        }
        XCTAssertThrowsError(try log.createTopics([TopicSpec(name: "zero", partitions: 0)]))
    }

    func test_sendThenReadToEndKeepsOrderKeysValuesHeadersAndOffsets() throws {
        let log = try open(temporaryFolder(self))
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "t", partitions: 2)])
        let producer = try log.makeProducer()
        try producer.send([
            record("t", 0, key: "a", value: "1", headers: [LogHeader(name: "h", text: "x")]),
            record("t", 1, key: "b", value: "2"),
            record("t", 0, key: "c", value: "3"),
        ])
        try producer.send([record("t", 0, key: "d", value: "")])
        let zero = try log.readToEnd(TopicPartition(topic: "t", partition: 0))
        XCTAssertEqual(zero.map(\.offset), [0, 1, 2])
        XCTAssertEqual(zero.map { text($0.key) }, ["a", "c", "d"])
        XCTAssertEqual(zero.map { text($0.value) }, ["1", "3", ""])
        XCTAssertEqual(zero[0].header("h"), Array("x".utf8))
        XCTAssertEqual(zero[0].topic, "t")
        XCTAssertEqual(zero[0].partition, 0)
        XCTAssertEqual(try log.readToEnd(TopicPartition(topic: "t", partition: 1)).map { text($0.value) }, ["2"])
        XCTAssertEqual(try log.endOffset(TopicPartition(topic: "t", partition: 0)), 3)
        XCTAssertEqual(try log.endOffset(TopicPartition(topic: "t", partition: 1)), 1)
        XCTAssertEqual(try log.readTopicToEnd("t").count, 4)
    }

    func test_sendToAMissingPartitionOrTooBigARecordFailsAndWritesNothing() throws {
        var options = testOptions()
        options.recordBytesMax = 200
        let log = try open(temporaryFolder(self), options: options)
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "t", partitions: 1)])
        let producer = try log.makeProducer()
        XCTAssertThrowsError(try producer.send([record("t", 1, key: "a", value: "1")])) { XCTAssertTrue("\($0)".contains("t[1]"), "\($0)") }
        XCTAssertThrowsError(try producer.send([record("nope", 0, key: "a", value: "1")]))
        XCTAssertThrowsError(try producer.send([record("t", 0, key: "a", value: String(repeating: "x", count: 300))])) {
            XCTAssertTrue("\($0)".contains("over the limit of 200"), "\($0)")
        }
        XCTAssertEqual(try log.endOffset(TopicPartition(topic: "t", partition: 0)), 0)
    }

    func test_boundedReadStopsAtMaxRecordsAndMaxBytesButReturnsAtLeastOne() throws {
        let log = try open(temporaryFolder(self))
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "t", partitions: 1)])
        let producer = try log.makeProducer()
        for index in 0..<50 { try producer.send([record("t", key: "k\(index)", value: String(repeating: "v", count: 100))]) }
        let partition = TopicPartition(topic: "t", partition: 0)
        XCTAssertEqual(try log.read(partition, from: 10, maxRecords: 5, maxBytes: 1 << 20).map(\.offset), [10, 11, 12, 13, 14])
        // Each frame is 34 + 2 or 3 + 100 bytes: 300 bytes hold two.
        XCTAssertEqual(try log.read(partition, from: 20, maxRecords: 100, maxBytes: 300).map(\.offset), [20, 21])
        XCTAssertEqual(try log.read(partition, from: 20, maxRecords: 100, maxBytes: 1).map(\.offset), [20])
        XCTAssertEqual(try log.read(partition, from: 48, maxRecords: 100, maxBytes: 1 << 20).map(\.offset), [48, 49])
        XCTAssertEqual(try log.read(partition, from: 50, maxRecords: 100, maxBytes: 1 << 20), [])
        XCTAssertEqual(try log.read(partition, from: 0, maxRecords: 0, maxBytes: 1 << 20), [])
        // 50 records of ~140 bytes in 1 KiB segments: reads cross segments.
        XCTAssertGreaterThan(try log.segmentFiles(partition).count, 5)
        XCTAssertEqual(try log.read(partition, from: 0, maxRecords: 1000, maxBytes: 1 << 20).map(\.offset), Array(0..<50))
        for start in stride(from: 0, to: 50, by: 7) {
            XCTAssertEqual(try log.read(partition, from: Int64(start), maxRecords: 3, maxBytes: 1 << 20).first?.offset, Int64(start))
        }
    }

    func test_aConsumerReadsCommitsAndANewMemberResumesAfterTheCommit() throws {
        let log = try open(temporaryFolder(self))
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "t", partitions: 2)])
        let producer = try log.makeProducer()
        for index in 0..<10 { try producer.send([record("t", Int32(index % 2), key: "k\(index)", value: "v\(index)")]) }
        let first = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        var seen: [LogRecord] = []
        while seen.count < 10 { seen += try first.poll(maxRecords: 3, timeoutMs: 1000) }
        XCTAssertEqual(Set(first.assignment), [TopicPartition(topic: "t", partition: 0), TopicPartition(topic: "t", partition: 1)])
        XCTAssertEqual(Set(seen.map { text($0.value) }), Set((0..<10).map { "v\($0)" }))
        try first.commit([TopicPartition(topic: "t", partition: 0): 3, TopicPartition(topic: "t", partition: 1): 5])
        XCTAssertEqual(try log.committedOffset(group: "g", partition: TopicPartition(topic: "t", partition: 0)), 3)
        XCTAssertNil(try log.committedOffset(group: "other", partition: TopicPartition(topic: "t", partition: 0)))
        first.close()
        let second = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        defer { second.close() }
        var rest: [LogRecord] = []
        while true {
            let batch = try second.poll(maxRecords: 100, timeoutMs: 100)
            if batch.isEmpty { break }
            rest += batch
        }
        XCTAssertEqual(rest.filter { $0.partition == 0 }.map(\.offset), [3, 4])
        XCTAssertEqual(rest.filter { $0.partition == 1 }.map(\.offset), [])
        // Another group starts from the beginning.
        let other = try log.makeConsumer(group: "other", topics: ["t"], listener: nil)
        defer { other.close() }
        XCTAssertEqual(try other.poll(maxRecords: 100, timeoutMs: 1000).count, 10)
    }

    func test_aCommittedOffsetPastTheEndAfterACrashIsSetBackToTheEnd() throws {
        let directory = temporaryFolder(self)
        var log = try open(directory)
        try log.createTopics([TopicSpec(name: "t", partitions: 1)])
        let producer = try log.makeProducer()
        for index in 0..<5 { try producer.send([record("t", key: "k", value: "old\(index)")]) }
        // As if a power loss had taken offsets 5 ... 99 of a flushed topic.
        try log.makeConsumer(group: "g", topics: ["t"], listener: nil).commit([TopicPartition(topic: "t", partition: 0): 100])
        log.abandonAsIfKilled()
        let messages = Locked<[String]>([])
        log = try FileLog(directory: directory, options: testOptions(messages: messages))
        defer { try? log.close() }
        XCTAssertEqual(try log.committedOffset(group: "g", partition: TopicPartition(topic: "t", partition: 0)), 5)
        XCTAssertTrue(messages.withLock { $0 }.contains { $0.contains("past its end 5; set back to 5") }, "\(messages.withLock { $0 })")
        try log.makeProducer().send([record("t", key: "k", value: "new")])
        let consumer = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        defer { consumer.close() }
        XCTAssertEqual(try consumer.poll(maxRecords: 10, timeoutMs: 100).map { text($0.value) }, ["new"])
    }

    /// The set-back is fsync'd at open even when commits are only flushed
    /// (`FileLogOptions.service`): lost again, it would skip new records.
    func test_aSetBackIsSyncedAtOpenWhenCommitsAreFlushed() throws {
        let directory = temporaryFolder(self)
        var options = testOptions()
        options.commitDurability = .flushed(withinMs: 60_000)
        var log = try FileLog(directory: directory, options: options)
        try log.createTopics([TopicSpec(name: "t", partitions: 1)])
        try log.makeProducer().send([record("t", key: "k", value: "old")])
        try log.makeConsumer(group: "g", topics: ["t"], listener: nil).commit([TopicPartition(topic: "t", partition: 0): 100])
        log.abandonAsIfKilled()
        log = try FileLog(directory: directory, options: options)
        defer { try? log.close() }
        XCTAssertEqual(try log.committedOffset(group: "g", partition: TopicPartition(topic: "t", partition: 0)), 1)
        let offsets = log.offsets.log
        offsets.condition.withLock { XCTAssertEqual(offsets.state.syncedEnd, offsets.state.nextOffset) }
        try log.makeProducer().send([record("t", key: "k", value: "new")])
        let consumer = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        defer { consumer.close() }
        XCTAssertEqual(try consumer.poll(maxRecords: 10, timeoutMs: 100).map { text($0.value) }, ["new"])
    }

    func test_pollReturnsRecordsFromEveryPartitionNotOnlyTheFirst() throws {
        let log = try open(temporaryFolder(self), options: testOptions(segmentBytes: 1 << 20))
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "t", partitions: 3)])
        let producer = try log.makeProducer()
        for partition in 0..<3 {
            try producer.send((0..<100).map { record("t", Int32(partition), key: "k\($0)", value: "v") })
        }
        let consumer = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        defer { consumer.close() }
        var partitionsSeen: Set<Int32> = []
        for _ in 0..<3 { partitionsSeen.formUnion(try consumer.poll(maxRecords: 50, timeoutMs: 100).map(\.partition)) }
        XCTAssertEqual(partitionsSeen, [0, 1, 2])
    }

    func test_pollBytesMaxBoundsABatchOfBigRecords() throws {
        var options = testOptions(segmentBytes: 1 << 20)
        options.pollBytesMax = 10_000
        let log = try open(temporaryFolder(self), options: options)
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "t", partitions: 1)])
        let producer = try log.makeProducer()
        try producer.send((0..<10).map { record("t", key: "k\($0)", value: String(repeating: "x", count: 4000)) })
        let consumer = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        defer { consumer.close() }
        XCTAssertEqual(try consumer.poll(maxRecords: 100, timeoutMs: 100).count, 2)
    }

    func test_pollWaitsForDataAndWakesWhenItArrives() throws {
        let log = try open(temporaryFolder(self))
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "t", partitions: 1)])
        let consumer = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        defer { consumer.close() }
        // Nothing there: poll waits about its timeout.
        let began = Date()
        XCTAssertEqual(try consumer.poll(maxRecords: 10, timeoutMs: 150), [])
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(began), 0.14)
        // A record sent while it waits wakes it long before the timeout.
        let producer = try log.makeProducer()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { try? producer.send([record("t", key: "k", value: "v")]) }
        let waited = Date()
        let records = try consumer.poll(maxRecords: 10, timeoutMs: 20_000)
        XCTAssertEqual(records.map { text($0.value) }, ["v"])
        XCTAssertLessThan(Date().timeIntervalSince(waited), 10)
    }

    func test_membersOfAGroupSharePartitionsAndRebalanceWithListenerCallbacks() throws {
        let log = try open(temporaryFolder(self))
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "t", partitions: 4)])
        let producer = try log.makeProducer()
        for index in 0..<40 { try producer.send([record("t", Int32(index % 4), key: "k\(index)", value: "\(index)")]) }
        // The revoked callback commits what it read: still possible there.
        let firstListener = RecordingListener { partitions, consumer in
            try? consumer.commit(Dictionary(uniqueKeysWithValues: partitions.map { ($0, 2) }))
        }
        let first = try log.makeConsumer(group: "g", topics: ["t"], listener: firstListener)
        XCTAssertEqual(try first.poll(maxRecords: 4, timeoutMs: 100).count, 4)
        XCTAssertEqual(firstListener.events.withLock { $0 }, ["assigned t[0],t[1],t[2],t[3]"])
        let secondListener = RecordingListener()
        let second = try log.makeConsumer(group: "g", topics: ["t"], listener: secondListener)
        _ = try first.poll(maxRecords: 1, timeoutMs: 0)
        _ = try second.poll(maxRecords: 1, timeoutMs: 0)
        XCTAssertEqual(Set(first.assignment), [TopicPartition(topic: "t", partition: 0), TopicPartition(topic: "t", partition: 2)])
        XCTAssertEqual(Set(second.assignment), [TopicPartition(topic: "t", partition: 1), TopicPartition(topic: "t", partition: 3)])
        XCTAssertEqual(firstListener.events.withLock { $0 }.last, "revoked t[1],t[3]")
        XCTAssertEqual(secondListener.events.withLock { $0 }, ["assigned t[1],t[3]"])
        // The commit made in the revoked callback is where the new owner starts.
        XCTAssertEqual(try log.committedOffset(group: "g", partition: TopicPartition(topic: "t", partition: 1)), 2)
        var secondRecords: [LogRecord] = []
        while true {
            let batch = try second.poll(maxRecords: 100, timeoutMs: 50)
            if batch.isEmpty { break }
            secondRecords += batch
        }
        XCTAssertEqual(secondRecords.filter { $0.partition == 1 }.first?.offset, 2)
        // The first leaves: the second owns everything.
        first.close()
        _ = try second.poll(maxRecords: 1, timeoutMs: 0)
        XCTAssertEqual(Set(second.assignment).count, 4)
        XCTAssertEqual(secondListener.events.withLock { $0 }.last, "assigned t[0],t[2]")
        second.close()
    }

    func test_closedLogAndConsumerRefuseWork() throws {
        let log = try open(temporaryFolder(self))
        try log.createTopics([TopicSpec(name: "t", partitions: 1)])
        let producer = try log.makeProducer()
        let consumer = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        try log.close()
        XCTAssertThrowsError(try producer.send([record("t", key: "k", value: "v")]))
        XCTAssertThrowsError(try consumer.poll(maxRecords: 1, timeoutMs: 0))
        XCTAssertThrowsError(try log.makeProducer())
        try log.close()
    }

    func test_concurrentProducersAndConsumersLoseAndDuplicateNothing() throws {
        let log = try open(temporaryFolder(self), options: testOptions(segmentBytes: 8192))
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "t", partitions: 3)])
        let perThread = 300, threads = 4
        let received = Locked<[String]>([])
        let consumers = DispatchGroup()
        let done = Locked(false)
        for _ in 0..<2 {
            let consumer = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
            DispatchQueue.global().async(group: consumers) {
                defer { consumer.close() }
                while true {
                    guard let records = try? consumer.poll(maxRecords: 64, timeoutMs: 50) else { return }
                    received.withLock { $0 += records.map { text($0.value) } }
                    var next: [TopicPartition: Int64] = [:]
                    for record in records { next[record.topicPartition] = record.offset + 1 }
                    try? consumer.commit(next)
                    if records.isEmpty, done.withLock({ $0 }) { return }
                }
            }
        }
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            guard let producer = try? log.makeProducer() else { return XCTFail("no producer") }
            for index in 0..<perThread {
                let value = "\(thread)-\(index)"
                do {
                    try producer.send([record("t", Int32(index % 3), key: value, value: value)])
                } catch {
                    XCTFail("\(error)")
                }
            }
        }
        done.withLock { $0 = true }
        consumers.wait()
        let values = received.withLock { $0 }
        XCTAssertEqual(values.count, threads * perThread)
        XCTAssertEqual(Set(values).count, threads * perThread)
        XCTAssertEqual(try log.readTopicToEnd("t").count, threads * perThread)
    }

    /// The offsets a send returns are where its records are, in the order
    /// sent, across partitions and with other senders writing in between:
    /// an upload keeps them instead of reading its chunks back.
    func test_sendLocatedReturnsEachRecordsOffsetAmongConcurrentSenders() throws {
        let log = try open(temporaryFolder(self), options: testOptions(segmentBytes: 4096))
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "t", partitions: 2)])
        let producer = try log.makeProducer()
        try producer.send([record("t", 0, key: "before", value: "0")])
        let first = try producer.sendLocated([record("t", 1, key: "a", value: "1"), record("t", 0, key: "b", value: "2"),
                                              record("t", 1, key: "c", value: "3"), record("t", 0, key: "d", value: "4")])
        XCTAssertEqual(first, [0, 1, 1, 2])
        XCTAssertEqual(try producer.sendLocated([]), [])
        let failures = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            guard let producer = try? log.makeProducer() else { return failures.withLock { $0.append("no producer") } }
            for index in 0..<60 {
                let batch = (0..<(1 + index % 5)).map { part in
                    record("t", Int32((thread + part) % 2), key: "\(thread)-\(index)-\(part)", value: String(repeating: "v", count: 100 * part))
                }
                do {
                    guard let offsets = try producer.sendLocated(batch), offsets.count == batch.count else {
                        return failures.withLock { $0.append("no offsets for \(thread)-\(index)") }
                    }
                    for (sent, offset) in zip(batch, offsets) {
                        let found = try log.read(TopicPartition(topic: "t", partition: sent.partition), from: offset, maxRecords: 1)
                        if found.first?.offset != offset || found.first?.key != sent.key || found.first?.value != sent.value {
                            failures.withLock { $0.append("\(text(sent.key)) is not at \(offset)") }
                        }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, [])
    }

    /// A consumer keeps reading each partition where it stopped when the
    /// group hands it more partitions and takes some away between polls.
    func test_consumerKeepsItsPositionsAcrossRebalances() throws {
        let log = try open(temporaryFolder(self))
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "t", partitions: 4)])
        let producer = try log.makeProducer()
        for round in 0..<3 { try producer.send((0..<4).map { record("t", Int32($0), key: "k", value: "\($0)-\(round)") }) }
        let first = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        var seen: [String] = []
        // One record at a time: the first consumer stops inside partitions.
        for _ in 0..<5 { seen += try first.poll(maxRecords: 1, timeoutMs: 100).map { text($0.value) } }
        var next: [TopicPartition: Int64] = [:]
        let positions = Dictionary(grouping: seen, by: { $0.split(separator: "-")[0] }).mapValues(\.count)
        for (partition, count) in positions { next[TopicPartition(topic: "t", partition: Int32(partition) ?? -1)] = Int64(count) }
        try first.commit(next)
        // A second member takes some partitions; they go on from the commit.
        let second = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        var rest: [String] = []
        for _ in 0..<20 {
            rest += try first.poll(maxRecords: 2, timeoutMs: 20).map { text($0.value) }
            rest += try second.poll(maxRecords: 2, timeoutMs: 20).map { text($0.value) }
        }
        XCTAssertEqual(seen.count, 5)
        XCTAssertEqual((seen + rest).sorted(), (0..<4).flatMap { partition in (0..<3).map { "\(partition)-\($0)" } }.sorted())
        XCTAssertEqual(first.assignment.count + second.assignment.count, 4)
        first.close()
        second.close()
    }
}
