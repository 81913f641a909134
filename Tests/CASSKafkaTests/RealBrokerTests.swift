import CASSKafka
import CASSLog
import XCTest

/// Against the Kafka-protocol broker of `scripts/test-broker` (Tansu), read
/// from CASS_BROKERS. Each test uses its own topics.
final class RealBrokerTests: XCTestCase {
    private func makeLog() throws -> KafkaLog {
        try KafkaLog(config: realBrokerConfig())
    }

    func test_createTopicsCreatesThenVerifiesAndRejectsAMismatch() throws {
        let log = try makeLog()
        let records = TopicSpec(name: uniqueTopic("records"), partitions: 3)
        let state = TopicSpec(name: uniqueTopic("state"), partitions: 3, cleanup: .compact, retentionMs: -1)
        XCTAssertEqual(try log.applyTopics([records, state]).map(\.outcome), [.created, .created])
        XCTAssertEqual(try log.partitionCount(of: records.name), 3)
        XCTAssertEqual(try log.applyTopics([records, state]).map(\.outcome), [.verified, .verified])

        var wrong = records
        wrong.partitions = 5
        XCTAssertThrowsError(try log.createTopics([wrong])) { error in
            XCTAssertTrue("\(error)".contains("\(records.name) has 3 partitions, Topics/ declares 5"), "\(error)")
            XCTAssertEqual((error as? LogError)?.isTransient, false)
        }
        XCTAssertThrowsError(try log.partitionCount(of: uniqueTopic("never.created")))
    }

    func test_deleteTopicsRemovesThemAndIgnoresTopicsAlreadyGone() throws {
        let log = try makeLog()
        let first = TopicSpec(name: uniqueTopic("delete.a"), partitions: 2)
        let second = TopicSpec(name: uniqueTopic("delete.b"), partitions: 1)
        try log.createTopics([first, second])
        let producer = try log.makeProducer()
        try producer.send([OutgoingRecord(topic: first.name, partition: 0, key: [1], value: [2])])
        producer.close()
        let never = uniqueTopic("delete.never")
        XCTAssertEqual(try log.deleteTopics([first.name, second.name, never]), [first.name, second.name].sorted())
        XCTAssertThrowsError(try log.partitionCount(of: first.name))
        XCTAssertThrowsError(try log.partitionCount(of: second.name))
        XCTAssertEqual(try log.deleteTopics([first.name]), [], "already gone: nothing to delete, no error")
    }

    func test_sentRecordsComeBackInOrderWithHeaders() throws {
        let log = try makeLog()
        let topic = uniqueTopic("roundtrip")
        try log.createTopics([TopicSpec(name: topic, partitions: 2)])
        let producer = try log.makeProducer()
        defer { producer.close() }
        var outgoing = records(topic: topic, partition: 0, count: 50) + records(topic: topic, partition: 1, count: 30)
        outgoing[7].headers = [LogHeader(name: "cass-source-offset", text: "7")]
        try producer.send(outgoing)
        // One batch of 50: Tansu's offset query alone would say 1.
        XCTAssertEqual(try log.endOffset(TopicPartition(topic: topic, partition: 0)), 50)
        XCTAssertEqual(try log.endOffset(TopicPartition(topic: topic, partition: 1)), 30)

        let consumer = try log.makeConsumer(group: "g-\(topic)", topics: [topic], listener: nil)
        defer { consumer.close() }
        let received = try pollRecords(consumer, count: 80)
        XCTAssertEqual(received.count, 80)
        let partitionZero = received.filter { $0.partition == 0 }
        XCTAssertEqual(partitionZero.map(\.value), outgoing.prefix(50).map(\.value), "order per partition is kept")
        XCTAssertEqual(partitionZero[7].header("cass-source-offset"), Array("7".utf8))
    }

    func test_newConsumerResumesFromTheCommittedOffset() throws {
        let log = try makeLog()
        let topic = uniqueTopic("resume")
        let partition = TopicPartition(topic: topic, partition: 0)
        try log.createTopics([TopicSpec(name: topic, partitions: 1)])
        let producer = try log.makeProducer()
        defer { producer.close() }
        try producer.send(records(topic: topic, partition: 0, count: 10))
        let group = "g-\(topic)"

        let first = try log.makeConsumer(group: group, topics: [topic], listener: nil)
        XCTAssertEqual(try pollRecords(first, count: 10).count, 10)
        try first.commit([partition: 6])
        XCTAssertEqual(try log.committedOffset(group: group, partition: partition), 6)
        try first.commit([partition: 7])
        first.close()
        XCTAssertEqual(try log.committedOffset(group: group, partition: partition), 7, "asked again, answered anew")

        let second = try log.makeConsumer(group: group, topics: [topic], listener: nil)
        defer { second.close() }
        XCTAssertEqual(try pollRecords(second, count: 3).map(\.offset), [7, 8, 9])
    }

    func test_readToEndRestoresEveryRecordOfTheStatePartition() throws {
        let log = try makeLog()
        let topic = uniqueTopic("state")
        try log.createTopics([TopicSpec(name: topic, partitions: 2, cleanup: .compact, retentionMs: -1)])
        let producer = try log.makeProducer()
        defer { producer.close() }
        try producer.send(records(topic: topic, partition: 1, count: 25, prefix: "s"))
        let restored = try log.readToEnd(TopicPartition(topic: topic, partition: 1))
        XCTAssertEqual(restored.count, 25)
        XCTAssertEqual(restored.last?.value, Array("s24".utf8))
        XCTAssertEqual(try log.readToEnd(TopicPartition(topic: topic, partition: 0)), [])
    }

    func test_twoConsumersInOneGroupSplitThePartitions() throws {
        let log = try makeLog()
        let topic = uniqueTopic("split")
        try log.createTopics([TopicSpec(name: topic, partitions: 4)])
        let producer = try log.makeProducer()
        defer { producer.close() }
        try producer.send((0..<4).flatMap { records(topic: topic, partition: Int32($0), count: 5) })
        let group = "g-\(topic)"

        let firstListener = RecordingListener()
        let first = try log.makeConsumer(group: group, topics: [topic], listener: firstListener)
        var firstRecords = try pollRecords(first, count: 20)
        XCTAssertEqual(firstRecords.count, 20)
        XCTAssertEqual(firstListener.assigned.count, 4)
        // Everything read so far is "processed": commit it when revoked.
        firstListener.toCommitOnRevoke = Dictionary(uniqueKeysWithValues: (0..<4).map {
            (TopicPartition(topic: topic, partition: Int32($0)), Int64(5))
        })

        let secondListener = RecordingListener()
        let second = try log.makeConsumer(group: group, topics: [topic], listener: secondListener)
        // Both must poll for the rebalance to complete.
        let deadline = Date().addingTimeInterval(30)
        while secondListener.assigned.isEmpty || firstListener.revoked.isEmpty, Date() < deadline {
            firstRecords += try first.poll(maxRecords: 100, timeoutMs: 100)
            _ = try second.poll(maxRecords: 100, timeoutMs: 100)
        }
        XCTAssertFalse(secondListener.assigned.isEmpty, "the second member got partitions")
        XCTAssertEqual(Set(firstListener.revoked), Set(secondListener.assigned), "cooperative: only moved partitions are revoked")
        XCTAssertEqual(Set(first.assignment).union(second.assignment).count, 4)
        XCTAssertTrue(Set(first.assignment).isDisjoint(with: second.assignment))
        for partition in secondListener.assigned {
            XCTAssertEqual(try log.committedOffset(group: group, partition: partition), 5, "committed in revoked before moving")
        }
        second.close()
        first.close()
    }
}
