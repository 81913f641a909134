import CASSLog

/// One record on disk. Little-endian throughout:
///
///     u32  length        bytes after this field, up to and including the CRC
///     u8   flags         bit 0: the last frame of its batch (one send's
///                        records to one partition); other bits 0
///     i64  timestampMs   wall clock at append
///     u32  keyLength,    key bytes
///     u32  valueLength,  value bytes        (empty value: a tombstone on compacted topics)
///     u16  headerCount,  per header: u16 nameLength, name, u32 valueLength, value
///     i64  offset
///     u32  crc32c        CRC-32C of every byte of the frame before it
///
/// The offset comes last so that a producer can checksum the payload before
/// it holds the partition's lock, and add the offset's eight bytes under it.
enum Frame {
    static let lengthBytes = 4
    static let trailerBytes = 12  // offset + crc
    /// The smallest frame: empty key, value and headers.
    static let totalMin = 4 + 1 + 8 + 4 + 4 + 2 + 8 + 4
    /// Where the timestamp and the key length are.
    static let timestampAt = 5
    static let keyLengthAt = 13
    static let endOfBatch: UInt8 = 1
    /// The format's hard limit on a frame's size; a producer's limit
    /// (`FileLogOptions.recordBytesMax`) is at most this.
    static let totalMax = 1 << 30

    /// Bytes a record takes on disk.
    static func size(key: Int, value: Int, headers: [LogHeader]) -> Int {
        var total = totalMin + key + value
        for header in headers { total += 2 + header.name.utf8.count + 4 + header.value.count }
        return total
    }

    /// A frame appended to a buffer, still without its offset and CRC.
    struct Pending {
        /// Where the frame starts in the buffer.
        var start: Int
        /// Its size on disk (with a value kept outside the buffer).
        var total: Int
        var timestampMs: Int64
        /// Running CRC-32C state over the frame up to (not including) the offset.
        var state: UInt32
        /// Index of the value kept outside the buffer (in the batch's
        /// `outside` list), or -1 when the value is in the buffer.
        var outside = -1
        /// Where in the buffer an outside value goes: the bytes before this
        /// position, then the value, then the rest of the frame.
        var valueAt = 0
        /// Bytes of the outside value (0 when it is in the buffer).
        var outsideCount = 0
    }

    /// Values at least this long stay in the record's own array and are
    /// written from there (`pwritev`), not copied into the batch's buffer:
    /// the copy and the fresh buffer's page faults were a tenth of the
    /// service's CPU for a large upload and close. Smaller ones are copied
    /// (a system call per small record would cost more than the copy).
    static let outsideValueMin = 8 << 10

    /// Appends the frame of `record` without its offset and CRC (zeros),
    /// and returns where it is and the checksum state of its payload.
    static func append(_ record: OutgoingRecord, timestampMs: Int64, endOfBatch: Bool, to buffer: inout [UInt8]) -> Pending {
        var none: [[UInt8]] = []
        return append(record, timestampMs: timestampMs, endOfBatch: endOfBatch, to: &buffer, outside: &none, outsideMin: Int.max)
    }

    /// The same, with a value of at least `outsideMin` bytes left in the
    /// record's array and listed in `outside` (the writer writes it from
    /// there): the buffer then holds the frame without it.
    static func append(_ record: OutgoingRecord, timestampMs: Int64, endOfBatch: Bool, to buffer: inout [UInt8],
                       outside: inout [[UInt8]], outsideMin: Int) -> Pending {
        let start = buffer.count
        let total = size(key: record.key.count, value: record.value.count, headers: record.headers)
        let keepsOutside = record.value.count >= outsideMin
        let stored = keepsOutside ? total - record.value.count : total
        // Geometric growth: reserving the exact size each time would copy
        // the whole batch once per frame.
        if buffer.capacity < start + stored { buffer.reserveCapacity(max(start + stored, buffer.capacity * 2)) }
        appendInteger(UInt32(total - lengthBytes), to: &buffer)
        buffer.append(endOfBatch ? Frame.endOfBatch : 0)
        appendInteger(timestampMs, to: &buffer)
        appendInteger(UInt32(record.key.count), to: &buffer)
        buffer.append(contentsOf: record.key)
        appendInteger(UInt32(record.value.count), to: &buffer)
        let valueAt = buffer.count
        if keepsOutside {
            outside.append(record.value)
        } else {
            buffer.append(contentsOf: record.value)
        }
        appendInteger(UInt16(record.headers.count), to: &buffer)
        for header in record.headers {
            let name = Array(header.name.utf8)
            appendInteger(UInt16(name.count), to: &buffer)
            buffer.append(contentsOf: name)
            appendInteger(UInt32(header.value.count), to: &buffer)
            buffer.append(contentsOf: header.value)
        }
        let payloadEnd = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: trailerBytes))
        guard keepsOutside else {
            let state = buffer.withUnsafeBytes { CRC32C.update(0xFFFF_FFFF, UnsafeRawBufferPointer(rebasing: $0[start..<payloadEnd])) }
            return Pending(start: start, total: total, timestampMs: timestampMs, state: state)
        }
        // The checksum runs over the frame's bytes in disk order: the
        // buffer up to the value, the value where it is, the rest.
        var state = buffer.withUnsafeBytes { CRC32C.update(0xFFFF_FFFF, UnsafeRawBufferPointer(rebasing: $0[start..<valueAt])) }
        state = record.value.withUnsafeBytes { CRC32C.update(state, $0) }
        state = buffer.withUnsafeBytes { CRC32C.update(state, UnsafeRawBufferPointer(rebasing: $0[valueAt..<payloadEnd])) }
        return Pending(start: start, total: total, timestampMs: timestampMs, state: state,
                       outside: outside.count - 1, valueAt: valueAt, outsideCount: record.value.count)
    }

    /// Writes the offset and the CRC that complete a pending frame.
    static func seal(_ frame: Pending, offset: Int64, in buffer: UnsafeMutableRawBufferPointer) {
        let offsetAt = frame.start + frame.total - frame.outsideCount - trailerBytes
        buffer.storeBytes(of: offset.littleEndian, toByteOffset: offsetAt, as: Int64.self)
        let state = CRC32C.update(frame.state, UnsafeRawBufferPointer(rebasing: buffer[offsetAt..<(offsetAt + 8)]))
        buffer.storeBytes(of: (~state).littleEndian, toByteOffset: offsetAt + 8, as: UInt32.self)
    }

    @inline(__always)
    static func appendInteger<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    /// Where a valid frame's parts are, relative to its first byte.
    struct Layout {
        var total: Int
        var endsBatch: Bool
        var timestampMs: Int64
        var offset: Int64
        var keyStart: Int
        var keyCount: Int
        var valueStart: Int
        var valueCount: Int
        var headersStart: Int
        var headerCount: Int
    }

    enum Parsed {
        case frame(Layout)
        /// The frame needs this many bytes and fewer are available.
        case incomplete(needed: Int)
        case invalid(String)
    }

    /// Checks and parses the frame at the start of `bytes`: its length, its
    /// CRC, and that the lengths inside it add up to its size.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Parsed {
        guard bytes.count >= lengthBytes else { return .incomplete(needed: lengthBytes) }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
        let total = length + lengthBytes
        guard total >= totalMin else {
            return .invalid("frame length \(length) is below the minimum \(totalMin - lengthBytes)")
        }
        guard total <= totalMax else {
            return .invalid("frame length \(length) is above the format's limit \(totalMax - lengthBytes)")
        }
        guard bytes.count >= total else { return .incomplete(needed: total) }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: total - 4, as: UInt32.self))
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(total - 4)]))
        guard stored == computed else {
            return .invalid("CRC-32C mismatch (stored \(hex(stored)), computed \(hex(computed)))")
        }
        let flags = bytes[4]
        guard flags & ~Frame.endOfBatch == 0 else { return .invalid("unknown flags \(flags)") }
        let end = total - trailerBytes
        var at = keyLengthAt
        func take(_ width: Int) -> Int? {
            guard at + width <= end else { return nil }
            defer { at += width }
            switch width {
            case 2: return Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
            default: return Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
            }
        }
        func skip(_ count: Int) -> Bool {
            guard count <= end - at else { return false }
            at += count
            return true
        }
        // Built only when needed: a message made up front for every frame
        // read (the length formatted into a String) cost more than its CRC.
        func malformed() -> Parsed { .invalid("the lengths inside the frame do not add up to its length \(length)") }
        guard let keyCount = take(4) else { return malformed() }
        let keyStart = at
        guard skip(keyCount), let valueCount = take(4) else { return malformed() }
        let valueStart = at
        guard skip(valueCount), let headerCount = take(2) else { return malformed() }
        let headersStart = at
        for _ in 0..<headerCount {
            guard let nameCount = take(2), skip(nameCount), let count = take(4), skip(count) else { return malformed() }
        }
        guard at == end else { return malformed() }
        return .frame(Layout(
            total: total,
            endsBatch: flags & Frame.endOfBatch != 0,
            timestampMs: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: timestampAt, as: Int64.self)),
            offset: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: end, as: Int64.self)),
            keyStart: keyStart, keyCount: keyCount, valueStart: valueStart, valueCount: valueCount,
            headersStart: headersStart, headerCount: headerCount))
    }

    /// The record a parsed frame holds.
    static func record(_ layout: Layout, in bytes: UnsafeRawBufferPointer, topic: String, partition: Int32) -> LogRecord {
        let key = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[layout.keyStart..<(layout.keyStart + layout.keyCount)]))
        let value = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[layout.valueStart..<(layout.valueStart + layout.valueCount)]))
        var headers: [LogHeader] = []
        if layout.headerCount > 0 {
            headers.reserveCapacity(layout.headerCount)
            var at = layout.headersStart
            for _ in 0..<layout.headerCount {
                let nameCount = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
                let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(at + 2)..<(at + 2 + nameCount)]), as: UTF8.self)
                at += 2 + nameCount
                let count = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                let value = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[(at + 4)..<(at + 4 + count)]))
                at += 4 + count
                headers.append(LogHeader(name: name, value: value))
            }
        }
        return LogRecord(topic: topic, partition: partition, offset: layout.offset, key: key, value: value, headers: headers)
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
