import CASSKafka
import CASSLog
import CASSLogContract
import XCTest

/// KafkaLog keeps the Log contract, on librdkafka's mock cluster (always)
/// and on the real test broker (CASS_BROKERS; skipped loudly without one,
/// required in CI).
final class KafkaLogContractTests: XCTestCase {
    func test_kafka_log_on_the_mock_cluster_keeps_the_log_contract() throws {
        let cluster = try KafkaMockCluster()
        let config = KafkaConfig(brokers: cluster.brokers, properties: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"])
        try LogContract(name: "kafka on the mock cluster", namePrefix: "test.contract",
                        createTopic: { _, spec in try cluster.createTopic(spec.name, partitions: spec.partitions) }) { try KafkaLog(config: config) }.verify()
        withExtendedLifetime(cluster) {}
    }

    func test_kafka_log_on_the_test_broker_keeps_the_log_contract() throws {
        let config = try realBrokerConfig()
        try LogContract(name: "kafka on the test broker", namePrefix: "test.contract") { try KafkaLog(config: config) }.verify()
    }
}
