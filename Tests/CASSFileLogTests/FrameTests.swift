@testable import CASSFileLog
import CASSLog
import XCTest

/// The frame: what is written is what is read, and every way a frame can
/// be damaged is told apart from a valid one.
final class FrameTests: XCTestCase {
    func sealed(_ record: OutgoingRecord, offset: Int64, timestamp: Int64 = 42, endOfBatch: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = []
        let pending = Frame.append(record, timestampMs: timestamp, endOfBatch: endOfBatch, to: &bytes)
        bytes.withUnsafeMutableBytes { Frame.seal(pending, offset: offset, in: $0) }
        return bytes
    }

    func parse(_ bytes: [UInt8]) -> Frame.Parsed { bytes.withUnsafeBytes { Frame.parse($0) } }

    func test_roundTripKeepsKeyValueHeadersOffsetAndTimestamp() throws {
        let original = OutgoingRecord(topic: "t", partition: 0, key: Array("key".utf8), value: [0, 1, 2, 255],
                                      headers: [LogHeader(name: "a", text: "1"), LogHeader(name: "ü", value: [])])
        let bytes = sealed(original, offset: 1_234_567_890_123, timestamp: 99)
        XCTAssertEqual(bytes.count, Frame.size(key: 3, value: 4, headers: original.headers))
        guard case .frame(let layout) = parse(bytes) else { return XCTFail("not parsed") }
        XCTAssertEqual(layout.total, bytes.count)
        XCTAssertEqual(layout.offset, 1_234_567_890_123)
        XCTAssertEqual(layout.timestampMs, 99)
        XCTAssertTrue(layout.endsBatch)
        let record = bytes.withUnsafeBytes { Frame.record(layout, in: $0, topic: "t", partition: 3) }
        XCTAssertEqual(record, LogRecord(topic: "t", partition: 3, offset: 1_234_567_890_123, key: original.key, value: original.value, headers: original.headers))
    }

    /// The bytes of a frame as docs/filelog.md lays them out, field by
    /// field, independently of the writer.
    func documented(_ record: OutgoingRecord, offset: Int64, timestamp: Int64, endOfBatch: Bool) -> [UInt8] {
        func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        var body: [UInt8] = [endOfBatch ? 1 : 0] + le(timestamp) + le(UInt32(record.key.count)) + record.key
            + le(UInt32(record.value.count)) + record.value + le(UInt16(record.headers.count))
        for header in record.headers {
            body += le(UInt16(header.name.utf8.count)) + Array(header.name.utf8) + le(UInt32(header.value.count)) + header.value
        }
        body += le(offset)
        var frame = le(UInt32(body.count + 4)) + body
        frame += le(CRC32C.checksum(frame))
        return frame
    }

    func test_framesAreTheDocumentedBytes() {
        let records = [
            OutgoingRecord(topic: "t", partition: 0, key: [], value: []),
            OutgoingRecord(topic: "t", partition: 0, key: Array("invoice GB2026000001".utf8), value: (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 7) },
                           headers: [LogHeader(name: "content-type", text: "application/cloudevents+json; charset=UTF-8"), LogHeader(name: "ü", value: [])]),
            OutgoingRecord(topic: "t", partition: 0, key: [1], value: [2, 3], headers: [LogHeader(name: "", value: [9])]),
        ]
        var expected: [UInt8] = []
        var appended: [UInt8] = []
        var pendings: [Frame.Pending] = []
        for (index, record) in records.enumerated() {
            let last = index == records.count - 1
            expected += documented(record, offset: 100 + Int64(index), timestamp: -5 + Int64(index), endOfBatch: last)
            pendings.append(Frame.append(record, timestampMs: -5 + Int64(index), endOfBatch: last, to: &appended))
        }
        appended.withUnsafeMutableBytes { raw in
            for (index, pending) in pendings.enumerated() { Frame.seal(pending, offset: 100 + Int64(index), in: raw) }
        }
        XCTAssertEqual(appended, expected)
    }

    func test_emptyRecordIsTheSmallestFrame() {
        let bytes = sealed(OutgoingRecord(topic: "t", partition: 0, key: [], value: []), offset: 0)
        XCTAssertEqual(bytes.count, Frame.totalMin)
        guard case .frame = parse(bytes) else { return XCTFail("not parsed") }
    }

    func test_everyFlippedBitFailsTheCRCOrTheLength() {
        let bytes = sealed(record("t", key: "k", value: "value"), offset: 7)
        for index in bytes.indices {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[index] ^= 1 << bit
                switch parse(damaged) {
                case .frame: XCTFail("byte \(index) bit \(bit) flipped still parses")
                case .incomplete, .invalid: break
                }
            }
        }
    }

    func test_truncatedFrameIsIncompleteWithTheSizeItNeeds() {
        let bytes = sealed(record("t", key: "k", value: "value"), offset: 7)
        guard case .incomplete(let needed) = parse(Array(bytes.prefix(bytes.count - 1))) else { return XCTFail("expected incomplete") }
        XCTAssertEqual(needed, bytes.count)
        guard case .incomplete(4) = parse([1, 0]) else { return XCTFail("expected incomplete length") }
    }

    func test_zerosAreAnInvalidLength() {
        guard case .invalid(let reason) = parse([UInt8](repeating: 0, count: 64)) else { return XCTFail("expected invalid") }
        XCTAssertTrue(reason.contains("below the minimum"), reason)
    }

    func test_lengthsInsideThatDoNotAddUpAreInvalidEvenWithAGoodCRC() {
        var bytes = sealed(record("t", key: "k", value: "value"), offset: 7)
        // Claim a 2-byte key, then re-seal the CRC over the lie.
        bytes[Frame.keyLengthAt] = 2
        resealCRC(&bytes)
        guard case .invalid(let reason) = parse(bytes) else { return XCTFail("expected invalid") }
        XCTAssertTrue(reason.contains("do not add up"), reason)
    }

    func resealCRC(_ bytes: inout [UInt8]) {
        let crc = CRC32C.checksum(Array(bytes[0..<(bytes.count - 4)]))
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange((bytes.count - 4)..., with: $0) }
    }

    func test_theBatchFlagIsKeptAndUnknownFlagsAreInvalid() {
        var bytes = sealed(record("t", key: "k", value: "v"), offset: 1, endOfBatch: false)
        guard case .frame(let layout) = parse(bytes) else { return XCTFail("not parsed") }
        XCTAssertFalse(layout.endsBatch)
        bytes[4] = 0x80
        resealCRC(&bytes)
        guard case .invalid(let reason) = parse(bytes) else { return XCTFail("expected invalid") }
        XCTAssertTrue(reason.contains("unknown flags"), reason)
    }

    func test_indexFileRoundTripAndRejectsAnotherSegmentSize() {
        var index = SegmentIndex()
        index.add(relativeOffset: 0, position: 0)
        index.add(relativeOffset: 10, position: 4096)
        let summary = SegmentIndex.Summary(segmentSize: 9000, lastOffset: 20, maxTimestampMs: 5)
        let bytes = index.encoded(summary)
        let decoded = SegmentIndex.decode(bytes, segmentSize: 9000)
        XCTAssertEqual(decoded?.1, summary)
        XCTAssertEqual(decoded?.0.positions, [0, 4096])
        XCTAssertEqual(decoded?.0.floor(15).position, 4096)
        XCTAssertEqual(decoded?.0.floor(9).position, 0)
        XCTAssertNil(SegmentIndex.decode(bytes, segmentSize: 9001))
        var damaged = bytes
        damaged[3] ^= 1
        XCTAssertNil(SegmentIndex.decode(damaged, segmentSize: 9000))
    }
}
