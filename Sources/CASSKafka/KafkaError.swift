import CASSLog
import CRdKafka

/// A librdkafka failure with the place it happened: the operation, and the
/// topic, partition and offset when known. Callers of the `Log` protocol see
/// it as a `LogError` (see `logError`) so that workers, which never import
/// this module, can still tell transient failures from permanent ones.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// librdkafka's `rd_kafka_resp_err_t` value (negative: local errors).
    public var code: Int32
    public var operation: String
    public var reason: String
    public var topic: String?
    public var partition: Int32?
    public var offset: Int64?
    public var isTransient: Bool
    public var isFatal: Bool

    public init(code: Int32, operation: String, reason: String, topic: String? = nil, partition: Int32? = nil,
                offset: Int64? = nil, isTransient: Bool? = nil, isFatal: Bool = false) {
        self.code = code
        self.operation = operation
        self.reason = reason
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.isTransient = isTransient ?? (!isFatal && KafkaError.transientCodes.contains(code))
        self.isFatal = isFatal
    }

    init(_ err: rd_kafka_resp_err_t, operation: String, topic: String? = nil, partition: Int32? = nil, offset: Int64? = nil,
         detail: String? = nil) {
        let text = String(cString: rd_kafka_err2str(err))
        let name = String(cString: rd_kafka_err2name(err))
        let reason = detail.map { "\($0): \(text) (\(name))" } ?? "\(text) (\(name))"
        self.init(code: err.rawValue, operation: operation, reason: reason, topic: topic, partition: partition, offset: offset,
                  isFatal: err.rawValue == RD_KAFKA_RESP_ERR__FATAL.rawValue)
    }

    /// A configuration or usage mistake: never worth retrying.
    static func config(_ reason: String) -> KafkaError {
        KafkaError(code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue, operation: "configure", reason: reason, isTransient: false)
    }

    public var description: String {
        var place = ""
        if let topic {
            place = " " + topic
            if let partition { place += "[\(partition)]" }
        }
        if let offset { place += " offset \(offset)" }
        let kind = isFatal ? "fatal" : (isTransient ? "transient, will be retried" : "permanent")
        return "kafka \(operation)\(place): \(reason) [\(kind)]"
    }

    public var logError: LogError { LogError(description, isTransient: isTransient) }

    /// Errors that go away by themselves: brokers restarting, leaders moving,
    /// coordinators loading, queues draining, topics still being created.
    static let transientCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
        RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__WAIT_COORD,
        RD_KAFKA_RESP_ERR__RESOLVE, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
        RD_KAFKA_RESP_ERR__IN_PROGRESS, RD_KAFKA_RESP_ERR__PREV_IN_PROGRESS, RD_KAFKA_RESP_ERR__WAIT_CACHE,
        RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, RD_KAFKA_RESP_ERR__NODE_UPDATE,
        RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR,
        RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH, RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH,
        RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_PREFERRED_LEADER_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED,
    ].reduce(into: Set<Int32>()) { $0.insert($1.rawValue) }
}

/// Runs a Kafka operation and hands its failure to `Log` callers as a `LogError`.
func bridged<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as KafkaError {
        throw error.logError
    }
}
