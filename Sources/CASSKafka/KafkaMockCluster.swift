import CASSLog
import CRdKafka

/// librdkafka's in-process mock cluster (`test.mock.num.brokers`): real
/// brokers on 127.0.0.1 speaking the Kafka protocol, inside this process.
/// For fast tests of the client wrapper; it lives as long as this object.
public final class KafkaMockCluster: @unchecked Sendable {
    private let host: RdKafkaClient
    private let cluster: OpaquePointer
    /// `bootstrap.servers` for the clients under test.
    public let brokers: String

    public init(brokerCount: Int = 1) throws {
        let config = KafkaConfig(brokers: "", properties: ["test.mock.num.brokers": String(brokerCount)])
        host = try bridged { try RdKafkaClient(config: config, role: .admin) }
        guard let cluster = rd_kafka_handle_mock_cluster(host.pointer) else {
            throw KafkaError.config("librdkafka \(Librdkafka.versionString) did not start a mock cluster").logError
        }
        self.cluster = cluster
        brokers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    /// Takes a broker (1-based id) off the network: connections are
    /// refused until `setBrokerUp`, as when a broker restarts.
    public func setBrokerDown(_ brokerID: Int32 = 1) throws {
        let err = rd_kafka_mock_broker_set_down(cluster, brokerID)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, operation: "mock broker down").logError }
    }

    public func setBrokerUp(_ brokerID: Int32 = 1) throws {
        let err = rd_kafka_mock_broker_set_up(cluster, brokerID)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, operation: "mock broker up").logError }
    }

    public func createTopic(_ name: String, partitions: Int32) throws {
        let err = rd_kafka_mock_topic_create(cluster, name, partitions, 1)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, operation: "mock create topic", topic: name).logError
        }
    }
}
