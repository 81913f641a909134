import CASSLog
import CRdKafka

/// Copies a librdkafka message into a Swift `LogRecord`; the message is
/// destroyed by the caller right after.
enum MessageConversion {
    static func record(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> LogRecord {
        let raw = message.pointee
        let topic = raw.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let key = raw.key.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.key_len)) } ?? []
        let value = raw.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.len)) } ?? []
        return LogRecord(topic: topic, partition: raw.partition, offset: raw.offset, key: key, value: value,
                         headers: headers(message))
    }

    private static func headers(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> [LogHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var headers: [LogHeader] = []
        var index = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { break }
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            headers.append(LogHeader(name: name.map { String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return headers
    }

    static func error(_ message: UnsafeMutablePointer<rd_kafka_message_t>, operation: String) -> KafkaError {
        let raw = message.pointee
        let topic = raw.rkt.map { String(cString: rd_kafka_topic_name($0)) }
        let detail = raw.payload.flatMap { payload -> String? in
            // For error events librdkafka puts the error text in the payload.
            let bytes = UnsafeRawBufferPointer(start: payload, count: raw.len)
            return String(decoding: bytes, as: UTF8.self)
        }
        return KafkaError(raw.err, operation: operation, topic: topic, partition: topic == nil ? nil : raw.partition,
                          offset: raw.offset >= 0 ? raw.offset : nil, detail: detail)
    }
}
