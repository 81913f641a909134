@testable import CASSKafka
import CASSLog
import XCTest
import Foundation

/// The wrapper against librdkafka's in-process mock cluster: no broker
/// process needed, a few seconds in all.
final class MockClusterTests: XCTestCase {
    /// The mock coordinator waits up to the session timeout for members to
    /// (re)join; it accepts a shorter one than real brokers do.
    private let mockGroupProperties = ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]

    private var cluster: KafkaMockCluster?

    private func makeLog(partitions: Int32, topic: String) throws -> KafkaLog {
        let cluster = try KafkaMockCluster()
        self.cluster = cluster
        try cluster.createTopic(topic, partitions: partitions)
        return try KafkaLog(config: KafkaConfig(brokers: cluster.brokers, properties: mockGroupProperties))
    }

    override func tearDown() {
        cluster = nil
    }

    func test_sentRecordsComeBackInOrderWithKeysAndHeaders() throws {
        let topic = uniqueTopic("mock.roundtrip")
        let log = try makeLog(partitions: 2, topic: topic)
        let producer = try log.makeProducer()
        defer { producer.close() }
        var outgoing = records(topic: topic, partition: 1, count: 5)
        outgoing[2].headers = [LogHeader(name: "cass-error", text: "R07"), LogHeader(name: "empty", value: [])]
        try producer.send(outgoing)
        XCTAssertEqual(try log.endOffset(TopicPartition(topic: topic, partition: 1)), 5)
        XCTAssertEqual(try log.endOffset(TopicPartition(topic: topic, partition: 0)), 0)

        let consumer = try log.makeConsumer(group: "g-\(topic)", topics: [topic], listener: nil)
        defer { consumer.close() }
        let received = try pollRecords(consumer, count: 5)
        XCTAssertEqual(received.map(\.value), outgoing.map(\.value))
        XCTAssertEqual(received.map(\.key), outgoing.map(\.key))
        XCTAssertEqual(received.map(\.offset), [0, 1, 2, 3, 4])
        XCTAssertEqual(received[2].header("cass-error"), Array("R07".utf8))
        XCTAssertEqual(received[2].header("empty"), [])
        XCTAssertTrue(received[0].headers.isEmpty)
    }

    func test_newConsumerResumesFromTheCommittedOffset() throws {
        let topic = uniqueTopic("mock.resume")
        let log = try makeLog(partitions: 1, topic: topic)
        let partition = TopicPartition(topic: topic, partition: 0)
        let producer = try log.makeProducer()
        defer { producer.close() }
        try producer.send(records(topic: topic, partition: 0, count: 6))
        let group = "g-\(topic)"
        XCTAssertNil(try log.committedOffset(group: group, partition: partition))

        let first = try log.makeConsumer(group: group, topics: [topic], listener: nil)
        let firstBatch = try pollRecords(first, count: 6)
        XCTAssertEqual(firstBatch.count, 6)
        // Only the first four were "processed": commit the next offset to read.
        try first.commit([partition: 4])
        first.close()
        XCTAssertEqual(try log.committedOffset(group: group, partition: partition), 4)

        let second = try log.makeConsumer(group: group, topics: [topic], listener: nil)
        defer { second.close() }
        let resumed = try pollRecords(second, count: 2)
        XCTAssertEqual(resumed.map(\.offset), [4, 5])
    }

    func test_rewindReturnsRecordsPolledButNotCommitted() throws {
        let topic = uniqueTopic("mock.rewind")
        let log = try makeLog(partitions: 1, topic: topic)
        let partition = TopicPartition(topic: topic, partition: 0)
        let producer = try log.makeProducer()
        defer { producer.close() }
        try producer.send(records(topic: topic, partition: 0, count: 6))
        let consumer = try KafkaConsumer(config: log.config, group: "g-\(topic)", topics: [topic], listener: nil)
        defer { consumer.close() }
        XCTAssertEqual(try pollRecords(consumer, count: 6).count, 6)
        try consumer.commit([partition: 2])
        // The batch after offset 2 "failed": read it again.
        try consumer.rewindToCommitted()
        XCTAssertEqual(try pollRecords(consumer, count: 4).map(\.offset), [2, 3, 4, 5])
    }

    func test_readToEndReturnsEveryRecordUpToTheCurrentEnd() throws {
        let topic = uniqueTopic("mock.state")
        let log = try makeLog(partitions: 3, topic: topic)
        let producer = try log.makeProducer()
        defer { producer.close() }
        try producer.send(records(topic: topic, partition: 2, count: 7, prefix: "state"))
        let restored = try log.readToEnd(TopicPartition(topic: topic, partition: 2))
        XCTAssertEqual(restored.map(\.offset), Array(0..<7))
        XCTAssertEqual(restored.last?.value, Array("state6".utf8))
        XCTAssertEqual(try log.readToEnd(TopicPartition(topic: topic, partition: 0)), [])
        // A second read through the same reader handle sees new records too.
        try producer.send(records(topic: topic, partition: 2, count: 1, prefix: "more"))
        XCTAssertEqual(try log.readToEnd(TopicPartition(topic: topic, partition: 2)).count, 8)
    }

    func test_assignedRunsBeforeTheFirstRecordIsReturned() throws {
        let topic = uniqueTopic("mock.assign")
        let log = try makeLog(partitions: 2, topic: topic)
        let producer = try log.makeProducer()
        defer { producer.close() }
        try producer.send(records(topic: topic, partition: 0, count: 1) + records(topic: topic, partition: 1, count: 1))
        let listener = RecordingListener()
        let consumer = try log.makeConsumer(group: "g-\(topic)", topics: [topic], listener: listener)
        var firstAssignmentSeen: [TopicPartition]?
        var received: [LogRecord] = []
        let deadline = Date().addingTimeInterval(20)
        while received.count < 2, Date() < deadline {
            let batch = try consumer.poll(maxRecords: 10, timeoutMs: 200)
            if !batch.isEmpty, firstAssignmentSeen == nil { firstAssignmentSeen = listener.assigned }
            received += batch
        }
        XCTAssertEqual(received.count, 2)
        XCTAssertEqual(firstAssignmentSeen, [TopicPartition(topic: topic, partition: 0), TopicPartition(topic: topic, partition: 1)])
        XCTAssertEqual(consumer.assignment.count, 2)
        listener.toCommitOnRevoke = [TopicPartition(topic: topic, partition: 0): 1, TopicPartition(topic: topic, partition: 1): 1]
        consumer.close()
        XCTAssertEqual(Set(listener.revoked), Set(listener.assigned), "close revokes every partition")
        XCTAssertEqual(try log.committedOffset(group: "g-\(topic)", partition: TopicPartition(topic: topic, partition: 1)), 1,
                       "commits made in revoked are stored")
    }

    func test_sendToADownBrokerFailsAsTransientNamingThePartition() throws {
        let topic = uniqueTopic("mock.down")
        let cluster = try KafkaMockCluster()
        self.cluster = cluster
        try cluster.createTopic(topic, partitions: 1)
        let config = KafkaConfig(brokers: cluster.brokers, properties: ["message.timeout.ms": "1500", "reconnect.backoff.max.ms": "200"])
        let producer = try KafkaProducer(config: config)
        defer { producer.close() }
        try producer.send(records(topic: topic, partition: 0, count: 1))
        try cluster.setBrokerDown()
        XCTAssertThrowsError(try producer.send(records(topic: topic, partition: 0, count: 3))) { error in
            XCTAssertEqual((error as? LogError)?.isTransient, true, "\(error)")
            XCTAssertTrue("\(error)".contains("\(topic)[0]"), "\(error)")
        }
        // Back up: the same producer delivers again when the worker retries.
        try cluster.setBrokerUp()
        var delivered = false
        let deadline = Date().addingTimeInterval(15)
        while !delivered, Date() < deadline {
            do {
                try producer.send(records(topic: topic, partition: 0, count: 2))
                delivered = true
            } catch let error as LogError where error.isTransient {
                continue
            }
        }
        XCTAssertTrue(delivered)
    }

    func test_statisticsReportLagPerPartitionFromLibrdkafka() throws {
        let topic = uniqueTopic("mock.stats")
        let cluster = try KafkaMockCluster()
        self.cluster = cluster
        try cluster.createTopic(topic, partitions: 1)
        let received = StatisticsInbox()
        var properties = mockGroupProperties
        properties["statistics.interval.ms"] = "100"
        let config = KafkaConfig(brokers: cluster.brokers, properties: properties, statisticsHandler: { received.add($0) })
        let log = try KafkaLog(config: config)
        let producer = try log.makeProducer()
        defer { producer.close() }
        try producer.send(records(topic: topic, partition: 0, count: 5))
        let partition = TopicPartition(topic: topic, partition: 0)
        let consumer = try log.makeConsumer(group: "g-\(topic)", topics: [topic], listener: nil)
        defer { consumer.close() }
        XCTAssertEqual(try pollRecords(consumer, count: 5).count, 5)
        try consumer.commit([partition: 5])
        let deadline = Date().addingTimeInterval(10)
        var seen: KafkaStatistics.Partition?
        while Date() < deadline {
            _ = try consumer.poll(maxRecords: 10, timeoutMs: 100)
            if let latest = received.latest(type: "consumer")?.partitions[partition], latest.committedOffset == 5 {
                seen = latest
                break
            }
        }
        XCTAssertEqual(seen?.highWatermark, 5)
        XCTAssertEqual(seen?.consumerLag, 0)
    }

    func test_producingToAMissingPartitionFailsNamingIt() throws {
        let topic = uniqueTopic("mock.missing")
        let log = try makeLog(partitions: 1, topic: topic)
        let producer = try log.makeProducer()
        defer { producer.close() }
        XCTAssertThrowsError(try producer.send(records(topic: topic, partition: 9, count: 1))) { error in
            XCTAssertTrue("\(error)".contains("\(topic)[9]"), "\(error)")
        }
    }
}

private final class StatisticsInbox: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [KafkaStatistics] = []

    func add(_ statistics: KafkaStatistics) { lock.withLock { all.append(statistics) } }

    func latest(type: String) -> KafkaStatistics? { lock.withLock { all.last { $0.type == type } } }
}

/// librdkafka answers NULL for the rebalance protocol of a handle without a
/// consumer group, and of a consumer whose group is being torn down (a
/// revoke inside rd_kafka_consumer_close): reading it as a C string crashed
/// `cass serve` on SIGTERM in Kafka mode.
final class RebalanceProtocolTests: XCTestCase {
    func test_a_handle_without_a_group_has_no_protocol_and_nothing_crashes() throws {
        let cluster = try KafkaMockCluster()
        let admin = try RdKafkaClient(config: KafkaConfig(brokers: cluster.brokers), role: .admin)
        XCTAssertNil(RdKafkaClient.rebalanceProtocol(admin.pointer))
    }

    func test_closing_a_consumer_with_a_listener_while_assigned_revokes_cleanly() throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueTopic("mock.close-revoke")
        try cluster.createTopic(topic, partitions: 2)
        let log = try KafkaLog(config: KafkaConfig(brokers: cluster.brokers, properties: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]))
        for round in 0..<3 {
            let listener = CountingListener()
            let consumer = try log.makeConsumer(group: "g-\(topic)-\(round)", topics: [topic], listener: listener)
            let deadline = Date().addingTimeInterval(30)
            while listener.assigned.current == 0, Date() < deadline { _ = try consumer.poll(maxRecords: 10, timeoutMs: 100) }
            XCTAssertGreaterThan(listener.assigned.current, 0, "round \(round): assigned")
            consumer.close()
            XCTAssertGreaterThan(listener.revoked.current, 0, "round \(round): the close revoked the partitions through the listener")
        }
    }
}

final class CountingListener: RebalanceListener, @unchecked Sendable {
    let assigned = Locked(0)
    let revoked = Locked(0)
    func assigned(_ partitions: [TopicPartition], consumer: any LogConsumer) { assigned.withLock { $0 += partitions.count } }
    func revoked(_ partitions: [TopicPartition], consumer: any LogConsumer) { revoked.withLock { $0 += partitions.count } }
}
