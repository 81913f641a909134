import CASSLog
import CRdKafka
import Foundation

/// The librdkafka found at run time. OpenCASS compiles against Debian 12's
/// 2.0.2 headers and calls nothing newer, so any library from 2.0.2 on works;
/// anything added later must be guarded by `version`.
public enum Librdkafka {
    /// 0xMMmmrrxx, as `rd_kafka_version()` returns it.
    public static var version: Int { Int(rd_kafka_version()) }
    public static var versionString: String { String(cString: rd_kafka_version_str()) }
    public static let minimumVersion = 0x0200_02FF
    public static let minimumVersionString = "2.0.2"

    static func requireSupportedVersion() throws(KafkaError) {
        guard version >= minimumVersion else {
            throw KafkaError.config(
                "librdkafka \(versionString) is too old: OpenCASS needs \(minimumVersionString) or newer")
        }
    }
}

/// What librdkafka's callbacks need from Swift. One per handle, kept alive by
/// the handle's owner for as long as the handle exists, and reached from C
/// through the handle's opaque pointer.
final class ClientCallbacks: @unchecked Sendable {
    typealias RebalanceHandler = @Sendable (OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Void

    let statisticsHandler: (@Sendable (KafkaStatistics) -> Void)?
    let latestStatistics = Locked<KafkaStatistics?>(nil)
    let rebalanceHandler = Locked<RebalanceHandler?>(nil)
    let fatalError = Locked<String?>(nil)

    init(statisticsHandler: (@Sendable (KafkaStatistics) -> Void)?) {
        self.statisticsHandler = statisticsHandler
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> ClientCallbacks? {
        guard let opaque else { return nil }
        return Unmanaged<ClientCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// One librdkafka handle (`rd_kafka_t`). librdkafka's handles are safe to use
/// from any thread, which is why this is Sendable; the pointer never leaves
/// this module.
final class RdKafkaClient: @unchecked Sendable {
    let pointer: OpaquePointer
    let role: KafkaRole
    let callbacks: ClientCallbacks
    let config: KafkaConfig

    init(config: KafkaConfig, role: KafkaRole) throws(KafkaError) {
        try Librdkafka.requireSupportedVersion()
        try config.checkGuarantees()
        self.config = config
        self.role = role
        self.callbacks = ClientCallbacks(statisticsHandler: config.statisticsHandler)
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError.config("rd_kafka_conf_new failed")
        }
        for (key, value) in config.properties(for: role) {
            do {
                try RdKafkaClient.set(conf, key, value)
            } catch {
                rd_kafka_conf_destroy(conf)
                throw error
            }
        }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(callbacks).toOpaque())
        rd_kafka_conf_set_error_cb(conf) { _, code, reason, opaque in
            let text = reason.map { String(cString: $0) } ?? ""
            if code == RD_KAFKA_RESP_ERR__FATAL.rawValue {
                ClientCallbacks.from(opaque)?.fatalError.withLock { $0 = text }
            }
            FileHandle.standardError.write(Data("cass kafka: \(text)\n".utf8))
        }
        if config.statisticsHandler != nil {
            rd_kafka_conf_set_stats_cb(conf) { _, json, length, opaque in
                guard let json, let callbacks = ClientCallbacks.from(opaque) else { return 0 }
                let bytes = UnsafeRawBufferPointer(start: json, count: length)
                if let statistics = KafkaStatistics.parse(Data(bytes)) {
                    callbacks.latestStatistics.withLock { $0 = statistics }
                    callbacks.statisticsHandler?(statistics)
                }
                return 0  // librdkafka frees the JSON
            }
        }
        switch role {
        case .producer:
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, _ in
                guard let message, let opaque = message.pointee._private else { return }
                let batch = Unmanaged<DeliveryBatch>.fromOpaque(opaque).takeRetainedValue()
                batch.delivered(message.pointee)
            }
        case .consumer:
            rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
                guard let rk, let partitions else { return }
                if let handler = ClientCallbacks.from(opaque)?.rebalanceHandler.current {
                    handler(rk, err, partitions)
                } else {
                    RdKafkaClient.applyRebalanceWithoutListener(rk, err, partitions)
                }
            }
        case .admin, .reader:
            break
        }
        var errorText = [CChar](repeating: 0, count: 512)
        let type = role.isConsumer ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            // On failure the configuration is still ours.
            rd_kafka_conf_destroy(conf)
            throw KafkaError.config("cannot create a Kafka \(role.name): \(text(errorText))")
        }
        pointer = handle
        if role.isConsumer {
            // Serve every callback (rebalance, statistics, errors) from the
            // consumer queue, i.e. on the thread that calls `poll`.
            rd_kafka_poll_set_consumer(handle)
        }
    }

    deinit {
        rd_kafka_destroy(pointer)
    }

    private static func set(_ conf: OpaquePointer, _ key: String, _ value: String) throws(KafkaError) {
        var errorText = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
        guard result == RD_KAFKA_CONF_OK else {
            throw KafkaError.config("librdkafka property \(key)=\(value): \(text(errorText))")
        }
    }

    /// "NONE", "EAGER" or "COOPERATIVE"; nil when librdkafka cannot say
    /// (it returns NULL while the consumer group is being torn down, as
    /// during rd_kafka_consumer_close: reading that NULL as a C string
    /// crashed `cass serve` on SIGTERM).
    static func rebalanceProtocol(_ rk: OpaquePointer) -> String? {
        guard let name: UnsafePointer<CChar> = rd_kafka_rebalance_protocol(rk) else { return nil }
        return String(cString: name)
    }

    /// Applies a rebalance for a consumer whose Swift side is gone.
    static func applyRebalanceWithoutListener(_ rk: OpaquePointer, _ err: rd_kafka_resp_err_t,
                                              _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        // Unknown (the group is going away): eager's calls; a wrong guess
        // only gets an error answer, which is ignored here.
        let cooperative = rebalanceProtocol(rk) == "COOPERATIVE"
        if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) { rd_kafka_error_destroy(error) }
            } else {
                rd_kafka_assign(rk, partitions)
            }
        } else if cooperative {
            if let error = rd_kafka_incremental_unassign(rk, partitions) { rd_kafka_error_destroy(error) }
        } else {
            rd_kafka_assign(rk, nil)
        }
    }

    /// Raised when the idempotent producer or the consumer hit an
    /// unrecoverable state; the handle must then be replaced.
    func fatalErrorIfAny(operation: String) -> KafkaError? {
        var errorText = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(pointer, &errorText, errorText.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(code: code.rawValue, operation: operation, reason: text(errorText), isFatal: true)
    }

    func watermarks(_ partition: TopicPartition, timeoutMs: Int) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(pointer, partition.topic, partition.partition, &low, &high, Int32(timeoutMs))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(err, operation: "query offsets", topic: partition.topic, partition: partition.partition)
        }
        return (low, high)
    }
}

/// Swift ↔ `rd_kafka_topic_partition_list_t`.
enum PartitionList {
    static func make(_ offsets: [(TopicPartition, Int64?)]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(max(offsets.count, 1)))!
        for (partition, offset) in offsets {
            let element = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)!
            if let offset { element.pointee.offset = offset }
        }
        return list
    }

    struct Entry {
        var partition: TopicPartition
        var offset: Int64
        var error: rd_kafka_resp_err_t
    }

    static func read(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [Entry] {
        let count = Int(list.pointee.cnt)
        guard count > 0, let elements = list.pointee.elems else { return [] }
        return (0..<count).map { index in
            let element = elements[index]
            let topic = element.topic.map { String(cString: $0) } ?? ""
            return Entry(partition: TopicPartition(topic: topic, partition: element.partition),
                         offset: element.offset, error: element.err)
        }
    }
}

/// A NUL-terminated error buffer filled in by librdkafka.
func text(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
