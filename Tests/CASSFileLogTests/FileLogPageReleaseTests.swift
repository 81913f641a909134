@testable import CASSFileLog
import CASSLog
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Pages every consumer group has read past are dropped from the page
/// cache (`FileLog.releaseReadPages`), never those a group still has to
/// read, and what was dropped still reads back from the disk.
final class FileLogPageReleaseTests: XCTestCase {
    static let valueBytes = 64 << 10
    static let records = 96

    func open(_ directory: String) throws -> FileLog {
        var options = testOptions(segmentBytes: 4 << 20)
        options.indexIntervalBytes = 4096
        options.releaseReadPagesEveryMs = 0  // the test releases by hand
        options.releaseStepBytesMin = 0
        return try FileLog(directory: directory, options: options)
    }

    /// Six MiB in 96 records of 64 KiB over two segments, each value
    /// filled with its record's number.
    func fill(_ log: FileLog) throws {
        try log.createTopics([TopicSpec(name: "t", partitions: 1)])
        let producer = try log.makeProducer()
        for number in 0..<Self.records {
            try producer.send([OutgoingRecord(topic: "t", partition: 0, key: Array("k\(number)".utf8),
                                              value: [UInt8](repeating: UInt8(number), count: Self.valueBytes))])
        }
    }

    func read(_ consumer: any LogConsumer, atMost count: Int) throws -> [LogRecord] {
        var records: [LogRecord] = []
        var idle = 0
        while records.count < count && idle < 20 {
            let got = try consumer.poll(maxRecords: count - records.count, timeoutMs: 50)
            idle = got.isEmpty ? idle + 1 : 0
            records += got
        }
        return records
    }

    /// Pages of the file in `range` (bytes) that are in the page cache.
    func residentPages(_ path: String, _ range: Range<Int>) throws -> Int {
        let fd = Glibc.open(path, O_RDONLY)
        guard fd >= 0 else { throw LogError("cannot open \(path)") }
        defer { Glibc.close(fd) }
        let size = Int(lseek(fd, 0, SEEK_END))
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard size > 0, let map = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED else {
            throw LogError("cannot map \(path)")
        }
        defer { munmap(map, size) }
        var vector = [UInt8](repeating: 0, count: (size + page - 1) / page)
        guard mincore(map, size, &vector) == 0 else { throw LogError("mincore failed for \(path)") }
        let pages = (range.lowerBound / page)..<min(vector.count, (range.upperBound + page - 1) / page)
        return pages.filter { vector[$0] & 1 != 0 }.count
    }

    func testPagesEveryGroupReadPastAreReleasedAndReadBackFromDisk() throws {
        let directory = temporaryFolder(self)
        let log = try open(directory)
        defer { try? log.close() }
        try fill(log)
        let segments = try log.segmentFiles(TopicPartition(topic: "t", partition: 0))
        XCTAssertGreaterThanOrEqual(segments.count, 2, "the records should span two segments: \(segments)")
        let first = segments.first ?? ""
        guard FileManager.default.fileExists(atPath: first) else { return XCTFail("no segment file at \(first): \(segments)") }
        // Read from disk just now: the first segment's pages are cached.
        XCTAssertGreaterThan(try residentPages(first, 0..<(1 << 20)), 0)

        // One group read everything, the other only 8 records.
        let fast = try log.makeConsumer(group: "fast", topics: ["t"], listener: nil)
        let slow = try log.makeConsumer(group: "slow", topics: ["t"], listener: nil)
        defer { fast.close(); slow.close() }
        XCTAssertEqual(try read(fast, atMost: Self.records).count, Self.records)
        XCTAssertEqual(try read(slow, atMost: 8).count, 8)

        // Only what the slow group passed is released: about 8 records.
        let released = log.releaseReadPages()
        XCTAssertGreaterThanOrEqual(released, Int64(8 * Self.valueBytes))
        XCTAssertLessThan(released, Int64(9 * Self.valueBytes))
        XCTAssertEqual(try residentPages(first, 0..<(8 * Self.valueBytes - 4096)), 0, "the slow group has read these")
        XCTAssertEqual(log.statistics.releasedBytes, released)
        // Nothing moved: nothing more to release.
        XCTAssertEqual(log.releaseReadPages(), 0)

        // The slow group catches up: the closed first segment goes whole.
        XCTAssertEqual(try read(slow, atMost: Self.records).count, Self.records - 8)
        XCTAssertGreaterThan(log.releaseReadPages(), Int64(4 << 20) - Int64(9 * Self.valueBytes))
        XCTAssertEqual(try residentPages(first, 0..<Int(fileSize(first))), 0)
        XCTAssertGreaterThanOrEqual(log.statistics.releasedBytes, Int64((Self.records - 2) * Self.valueBytes))

        // Released pages are advice, not data: every record reads back.
        let again = try log.readToEnd(TopicPartition(topic: "t", partition: 0))
        XCTAssertEqual(again.count, Self.records)
        for (number, record) in again.enumerated() {
            XCTAssertEqual(record.value, [UInt8](repeating: UInt8(number), count: Self.valueBytes), "record \(number)")
        }
    }

    func testAGroupThatHasNotReadYetKeepsEveryPage() throws {
        let log = try open(temporaryFolder(self))
        defer { try? log.close() }
        try fill(log)
        let reader = try log.makeConsumer(group: "reader", topics: ["t"], listener: nil)
        let idle = try log.makeConsumer(group: "idle", topics: ["t"], listener: nil)
        defer { reader.close(); idle.close() }
        XCTAssertEqual(try read(reader, atMost: Self.records).count, Self.records)
        // `idle` holds the partition but has read nothing: its place is unknown.
        XCTAssertEqual(log.releaseReadPages(), 0)
        idle.close()
        // With `idle` gone, the group has no member to read the partition:
        // it no longer counts, and what `reader` passed goes.
        XCTAssertGreaterThan(log.releaseReadPages(), Int64(4 << 20))
    }

    func testTheReleaseIntervalIsChecked() throws {
        var options = testOptions()
        options.releaseReadPagesEveryMs = 60_001
        XCTAssertThrowsError(try FileLog(directory: temporaryFolder(self), options: options)) { error in
            XCTAssertTrue("\(error)".contains("releaseReadPagesEveryMs"), "\(error)")
        }
        options.releaseReadPagesEveryMs = -1
        XCTAssertThrowsError(try FileLog(directory: temporaryFolder(self), options: options))
    }
}
