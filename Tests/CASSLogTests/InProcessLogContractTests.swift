import CASSLog
import CASSLogContract
import XCTest

/// The in-process log keeps the Log contract (the same suite runs against
/// librdkafka's mock cluster and the real test broker in CASSKafkaTests).
final class InProcessLogContractTests: XCTestCase {
    func test_the_in_process_log_keeps_the_log_contract() throws {
        try LogContract(name: "in-process", timeoutMs: 5_000) { InProcessLog() }.verify()
    }

    func test_the_contract_catches_a_log_that_breaks_it() {
        // A log that loses the second half of every send must fail the suite.
        XCTAssertThrowsError(try LogContract(name: "lossy", timeoutMs: 300) { LossyLog() }.verify()) { error in
            XCTAssertTrue("\(error)".contains("produce and consume"), "\(error)")
        }
    }

    func test_poll_waits_for_records_up_to_its_timeout() throws {
        let log = InProcessLog()
        try log.createTopics([TopicSpec(name: "t", partitions: 1)])
        let consumer = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        let started = Date()
        XCTAssertEqual(try consumer.poll(maxRecords: 10, timeoutMs: 150).count, 0)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.14)
        let producer = try log.makeProducer()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) {
            try? producer.send([OutgoingRecord(topic: "t", partition: 0, key: [], value: [1])])
        }
        let waited = Date()
        XCTAssertEqual(try consumer.poll(maxRecords: 10, timeoutMs: 5_000).count, 1)
        XCTAssertLessThan(Date().timeIntervalSince(waited), 2, "woken by the arrival, not the timeout")
    }
}

/// Drops every second record of a send: what the contract must catch.
final class LossyLog: Log, @unchecked Sendable {
    let inner = InProcessLog()
    func createTopics(_ specs: [TopicSpec]) throws { try inner.createTopics(specs) }
    func partitionCount(of topic: String) throws -> Int32 { try inner.partitionCount(of: topic) }
    func makeProducer() throws -> any LogProducer { LossyProducer(inner: try inner.makeProducer()) }
    func makeConsumer(group: String, topics: [String], listener: (any RebalanceListener)?) throws -> any LogConsumer {
        try inner.makeConsumer(group: group, topics: topics, listener: listener)
    }
    func readToEnd(_ partition: TopicPartition) throws -> [LogRecord] { try inner.readToEnd(partition) }
    func read(_ partition: TopicPartition, from offset: Int64, maxRecords: Int) throws -> [LogRecord] {
        try inner.read(partition, from: offset, maxRecords: maxRecords)
    }
    func endOffset(_ partition: TopicPartition) throws -> Int64 { try inner.endOffset(partition) }
    func committedOffset(group: String, partition: TopicPartition) throws -> Int64? { try inner.committedOffset(group: group, partition: partition) }
}

final class LossyProducer: LogProducer, @unchecked Sendable {
    let inner: any LogProducer
    init(inner: any LogProducer) { self.inner = inner }
    func send(_ records: [OutgoingRecord]) throws { try inner.send(records.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)) }
    func close() { inner.close() }
}
