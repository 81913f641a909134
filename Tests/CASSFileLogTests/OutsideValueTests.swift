@testable import CASSFileLog
import CASSLog
import Foundation
import XCTest

/// Large values are written from the records' own arrays (`pwritev`), not
/// copied into the batch's buffer: the bytes on disk must be exactly those
/// of the frames built whole, and read back, recovered and checked alike.
final class OutsideValueTests: XCTestCase {
    /// Bytes of `count` that differ from one record to the next.
    func value(_ count: Int, seed: UInt8) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) &+ seed } }

    /// The frames of one batch built whole (every value copied), sealed from `firstOffset`.
    func wholeFrames(_ records: [OutgoingRecord], timestamp: Int64, firstOffset: Int64) -> [UInt8] {
        var bytes: [UInt8] = []
        var frames: [Frame.Pending] = []
        for (index, record) in records.enumerated() {
            frames.append(Frame.append(record, timestampMs: timestamp, endOfBatch: index == records.count - 1, to: &bytes))
        }
        bytes.withUnsafeMutableBytes { raw in
            for (number, frame) in frames.enumerated() { Frame.seal(frame, offset: firstOffset + Int64(number), in: raw) }
        }
        return bytes
    }

    func test_aFrameWithItsValueOutsideIsTheWholeFrameOnceTheValueIsPutBack() {
        let headers = [LogHeader(name: "cass-file", text: "f-1")]
        for count in [0, 1, 100, Frame.outsideValueMin - 1, Frame.outsideValueMin, 70_001] {
            let record = OutgoingRecord(topic: "t", partition: 0, key: Array("key".utf8), value: value(count, seed: 3), headers: headers)
            let whole = wholeFrames([record], timestamp: 77, firstOffset: 12)
            var batch = EncodedBatch()
            batch.append(record, timestampMs: 77, endOfBatch: true)
            batch.bytes.withUnsafeMutableBytes { Frame.seal(batch.frames[0], offset: 12, in: $0) }
            let outside = count >= Frame.outsideValueMin
            XCTAssertEqual(batch.outside.count, outside ? 1 : 0, "value of \(count) bytes")
            XCTAssertEqual(batch.outsideBytes, outside ? count : 0)
            XCTAssertEqual(batch.bytes.count + batch.outsideBytes, whole.count)
            var spliced = batch.bytes
            if outside { spliced.insert(contentsOf: record.value, at: batch.frames[0].valueAt) }
            XCTAssertEqual(spliced, whole, "value of \(count) bytes")
        }
    }

    func test_aSegmentHoldsTheSameBytesAsFramesBuiltWholeAndReadsAndRecoversThemAll() throws {
        let folder = temporaryFolder(self)
        let clock = TestClock()
        var options = testOptions(segmentBytes: 4 << 20)
        options.clock = clock.function
        var log: FileLog? = try FileLog(directory: folder, options: options)
        try log!.createTopics([TopicSpec(name: "t", partitions: 2)])
        let producer = try log!.makeProducer()
        // Small and large values mixed, consecutive large ones, a large one
        // last and first, headers on some, two partitions in one send.
        let sizes = [10, 9_000, 8_192, 5, 100_000, 0, 20_000, 30, 8_191, 65_536]
        var sent: [OutgoingRecord] = []
        for (index, size) in sizes.enumerated() {
            sent.append(OutgoingRecord(topic: "t", partition: Int32(index % 3 == 2 ? 1 : 0), key: Array("k\(index)".utf8),
                                       value: value(size, seed: UInt8(index)),
                                       headers: index % 2 == 0 ? [LogHeader(name: "h", text: "\(index)")] : []))
        }
        try producer.send(Array(sent.prefix(6)))
        try producer.send(Array(sent.dropFirst(6)))
        for partition: Int32 in [0, 1] {
            let mine = sent.filter { $0.partition == partition }
            let first = Array(sent.prefix(6)).filter { $0.partition == partition }
            let second = Array(sent.dropFirst(6)).filter { $0.partition == partition }
            let expected = wholeFrames(first, timestamp: clock.ms, firstOffset: 0)
                + wholeFrames(second, timestamp: clock.ms, firstOffset: Int64(first.count))
            let segment = folder + "/topics/t/\(partition)/" + Segment.name(0) + ".log"
            let found = Array(try Data(contentsOf: URL(fileURLWithPath: segment)))
            XCTAssertEqual(found.count, expected.count, "partition \(partition)")
            XCTAssertTrue(found == expected, "partition \(partition): the segment's bytes differ from the frames built whole")
            let read = try log!.readToEnd(TopicPartition(topic: "t", partition: partition))
            XCTAssertEqual(read.map(\.value), mine.map(\.value))
            XCTAssertEqual(read.map(\.key), mine.map(\.key))
            XCTAssertEqual(read.map(\.headers), mine.map(\.headers))
        }
        XCTAssertEqual(log!.statistics.bytes, Int64(sizes.count * Frame.totalMin) + Int64(sizes.reduce(0, +))
                       + Int64(sent.reduce(0) { $0 + $1.key.count + $1.headers.reduce(0) { $0 + 2 + $1.name.utf8.count + 4 + $1.value.count } }))
        // A killed process: recovery finds every batch whole.
        log!.abandonAsIfKilled()
        log = nil
        let reopened = try FileLog(directory: folder, options: options)
        defer { try? reopened.close() }
        XCTAssertEqual(try reopened.readToEnd(TopicPartition(topic: "t", partition: 0)).map(\.value), sent.filter { $0.partition == 0 }.map(\.value))
        XCTAssertEqual(try reopened.readToEnd(TopicPartition(topic: "t", partition: 1)).map(\.value), sent.filter { $0.partition == 1 }.map(\.value))
    }
}
