import CASSLog
import CRdKafka
import Foundation

/// Counts the delivery reports of one `send` call. Each produced message
/// holds one retain of it (its opaque), released by its delivery report, so
/// a report arriving after `send` gave up can never touch freed memory.
final class DeliveryBatch: @unchecked Sendable {
    private struct State {
        var pending: Int
        var firstError: KafkaError?
    }

    private let state: Locked<State>

    init(count: Int) { state = Locked(State(pending: count)) }

    func delivered(_ message: rd_kafka_message_t) {
        let error: KafkaError?
        if message.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) }
            error = KafkaError(message.err, operation: "produce", topic: topic, partition: message.partition)
        } else {
            error = nil
        }
        state.withLock {
            $0.pending -= 1
            if $0.firstError == nil, let error { $0.firstError = error }
        }
    }

    /// A message librdkafka refused to enqueue will get no report.
    func notEnqueued() { state.withLock { $0.pending -= 1 } }

    var isComplete: Bool { state.withLock { $0.pending <= 0 } }
    var firstError: KafkaError? { state.withLock { $0.firstError } }
}

/// The idempotent producer. `send` enqueues every record (librdkafka batches
/// them, `linger.ms`), then serves delivery reports until each record is
/// acknowledged by all in-sync replicas or has failed.
public final class KafkaProducer: LogProducer, @unchecked Sendable {
    let client: RdKafkaClient
    private let closed = Locked(false)

    /// How long `send` waits for a full local queue to drain before failing.
    private let queueFullWaitMs = 100

    public init(config: KafkaConfig) throws {
        client = try bridged { try RdKafkaClient(config: config, role: .producer) }
    }

    public func send(_ records: [OutgoingRecord]) throws {
        try bridged { try sendOrThrow(records) }
    }

    func sendOrThrow(_ records: [OutgoingRecord]) throws(KafkaError) {
        guard !records.isEmpty else { return }
        guard !closed.current else {
            throw KafkaError(code: RD_KAFKA_RESP_ERR__STATE.rawValue, operation: "produce", reason: "the producer is closed", isTransient: false)
        }
        if let fatal = client.fatalErrorIfAny(operation: "produce") { throw fatal }
        let batch = DeliveryBatch(count: records.count)
        var enqueueError: KafkaError?
        for (index, record) in records.enumerated() {
            if let error = enqueue(record, batch: batch) {
                // Earlier records of this batch are in flight: wait for them
                // below so nothing is left behind unacknowledged, then fail.
                enqueueError = error
                for _ in (index + 1)..<records.count { batch.notEnqueued() }
                break
            }
        }
        while !batch.isComplete {
            rd_kafka_poll(client.pointer, 50)
        }
        if let enqueueError { throw enqueueError }
        if let deliveryError = batch.firstError { throw deliveryError }
    }

    /// Hands one record to librdkafka, waiting while its queue is full
    /// (librdkafka's queue is the back pressure).
    private func enqueue(_ record: OutgoingRecord, batch: DeliveryBatch) -> KafkaError? {
        let opaque = Unmanaged.passRetained(batch).toOpaque()
        while true {
            let headers = makeHeaders(record.headers)
            let err = record.key.withUnsafeBytes { key in
                record.value.withUnsafeBytes { value in
                    cass_produce(client.pointer, record.topic, record.partition,
                                 key.baseAddress, key.count, value.baseAddress, value.count, headers, opaque)
                }
            }
            if err == RD_KAFKA_RESP_ERR_NO_ERROR { return nil }
            if let headers { rd_kafka_headers_destroy(headers) }
            if err == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_poll(client.pointer, Int32(queueFullWaitMs))
                continue
            }
            Unmanaged<DeliveryBatch>.fromOpaque(opaque).release()
            batch.notEnqueued()
            return KafkaError(err, operation: "produce", topic: record.topic, partition: record.partition)
        }
    }

    private func makeHeaders(_ headers: [LogHeader]) -> OpaquePointer? {
        guard !headers.isEmpty, let list = rd_kafka_headers_new(headers.count) else { return nil }
        for header in headers {
            header.value.withUnsafeBytes { value in
                _ = rd_kafka_header_add(list, header.name, -1, value.baseAddress, value.count)
            }
        }
        return list
    }

    /// Delivers anything still queued, then stops accepting records.
    public func close() {
        let wasClosed = closed.withLock { value -> Bool in
            defer { value = true }
            return value
        }
        guard !wasClosed else { return }
        rd_kafka_flush(client.pointer, Int32(client.config.requestTimeoutMs))
    }

    /// The latest librdkafka statistics, when `KafkaConfig.statisticsHandler` is set.
    public var statistics: KafkaStatistics? {
        rd_kafka_poll(client.pointer, 0)
        return client.callbacks.latestStatistics.current
    }
}
