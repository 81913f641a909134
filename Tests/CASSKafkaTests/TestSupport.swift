import CASSKafka
import CASSLog
import Foundation
import XCTest

/// A topic name no other test or earlier run has used.
func uniqueTopic(_ base: String) -> String {
    "test.\(base).\(UUID().uuidString.prefix(8).lowercased())"
}

/// Properties that make group joins quick (Tansu waits about half the
/// session timeout before completing a join).
let fastGroupProperties = [
    "session.timeout.ms": "6000",
    "heartbeat.interval.ms": "500",
    "topic.metadata.refresh.interval.ms": "1000",
]

/// The real broker from `scripts/test-broker`. Without one the test is
/// skipped, loudly, except in CI where it must fail.
func realBrokerConfig() throws -> KafkaConfig {
    let environment = ProcessInfo.processInfo.environment
    guard let brokers = environment["CASS_BROKERS"], !brokers.isEmpty else {
        let hint = "CASS_BROKERS is not set: run `scripts/test-broker start && eval \"$(scripts/test-broker env)\"` first"
        if environment["CI"] != nil {
            XCTFail("Kafka tests must run in CI. \(hint)")
            throw LogError(hint)
        }
        throw XCTSkip("SKIPPING real-broker Kafka test. \(hint)")
    }
    // Verified: Debian's 2.0.2 cannot parse Tansu's ApiVersions reply and
    // would only time out; say what to do instead.
    if Librdkafka.version < 0x0201_00FF, environment["CASS_TEST_ANY_LIBRDKAFKA"] == nil {
        XCTFail("""
            librdkafka \(Librdkafka.versionString) cannot talk to the Tansu test broker: \
            run `eval "$(scripts/test-broker env)"` to put librdkafka 2.16 first on LD_LIBRARY_PATH \
            (or set CASS_TEST_ANY_LIBRDKAFKA=1 for a real Kafka broker)
            """)
        throw LogError("librdkafka too old for the test broker")
    }
    var config = try KafkaConfig.fromEnvironment(brokers: brokers)
    for (key, value) in fastGroupProperties where config.properties[key] == nil {
        config.properties[key] = value
    }
    return config
}

/// Polls until `count` records arrived or the deadline passed.
func pollRecords(_ consumer: any LogConsumer, count: Int, timeoutMs: Int = 30_000) throws -> [LogRecord] {
    var records: [LogRecord] = []
    let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
    while records.count < count, Date() < deadline {
        records += try consumer.poll(maxRecords: 500, timeoutMs: 200)
    }
    return records
}

func records(topic: String, partition: Int32, count: Int, prefix: String = "v") -> [OutgoingRecord] {
    (0..<count).map { index in
        OutgoingRecord(topic: topic, partition: partition, key: Array("k\(index)".utf8), value: Array("\(prefix)\(index)".utf8))
    }
}

/// Records every rebalance callback, and commits what the test marked as
/// done when partitions are revoked, as a worker does.
final class RecordingListener: RebalanceListener, @unchecked Sendable {
    private let lock = NSLock()
    private var _assigned: [TopicPartition] = []
    private var _revoked: [TopicPartition] = []
    var toCommitOnRevoke: [TopicPartition: Int64] = [:]

    var assigned: [TopicPartition] { lock.withLock { _assigned } }
    var revoked: [TopicPartition] { lock.withLock { _revoked } }

    func assigned(_ partitions: [TopicPartition], consumer: any LogConsumer) {
        lock.withLock { _assigned += partitions }
    }

    func revoked(_ partitions: [TopicPartition], consumer: any LogConsumer) {
        let offsets = lock.withLock { () -> [TopicPartition: Int64] in
            _revoked += partitions
            return toCommitOnRevoke.filter { partitions.contains($0.key) }
        }
        try? consumer.commit(offsets)
    }
}
