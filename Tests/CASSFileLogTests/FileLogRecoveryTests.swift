@testable import CASSFileLog
import CASSLog
import Foundation
import XCTest

/// What survives a close and a crash, what recovery cuts and reports, what
/// it refuses, the folder lock and the shutdown marker.
final class FileLogRecoveryTests: XCTestCase {
    let partition = TopicPartition(topic: "t", partition: 0)
    /// The size of the frames of records "k0"/"v0" ... "k9"/"v9".
    let small = Int64(Frame.size(key: 2, value: 2, headers: []))

    /// A log with one topic and `count` records "v0", "v1", ... on partition 0.
    func filled(_ directory: String, count: Int, options: FileLogOptions = testOptions()) throws -> FileLog {
        let log = try FileLog(directory: directory, options: options)
        try log.createTopics([TopicSpec(name: "t", partitions: 1)])
        let producer = try log.makeProducer()
        for index in 0..<count { try producer.send([record("t", key: "k\(index)", value: "v\(index)")]) }
        return log
    }

    func values(_ log: FileLog) throws -> [String] {
        try log.readToEnd(partition).map { text($0.value) }
    }

    func lastSegment(_ log: FileLog) throws -> String {
        try XCTUnwrap(try log.segmentFiles(partition).last)
    }

    func test_recordsTopicsAndCommitsSurviveCloseAndReopen() throws {
        let directory = temporaryFolder(self)
        var log = try filled(directory, count: 30)
        try log.createTopics([TopicSpec(name: "c", partitions: 2, cleanup: .compact, retentionMs: -1)])
        let consumer = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        _ = try consumer.poll(maxRecords: 10, timeoutMs: 100)
        try consumer.commit([partition: 10])
        consumer.close()
        XCTAssertEqual(log.recovery.previousShutdown, .firstOpen)
        try log.close()

        log = try FileLog(directory: directory, options: testOptions())
        defer { try? log.close() }
        XCTAssertEqual(log.recovery.previousShutdown, .clean)
        XCTAssertEqual(log.recovery.rebootedSince, false)
        XCTAssertEqual(log.recovery.cuts, [])
        XCTAssertEqual(try values(log), (0..<30).map { "v\($0)" })
        XCTAssertEqual(log.topicSpecs, [TopicSpec(name: "c", partitions: 2, cleanup: .compact, retentionMs: -1), TopicSpec(name: "t", partitions: 1)])
        XCTAssertEqual(try log.committedOffset(group: "g", partition: partition), 10)
        // Appends continue at the next offset, and a consumer resumes at the commit.
        try log.makeProducer().send([record("t", key: "k", value: "v30")])
        XCTAssertEqual(try log.endOffset(partition), 31)
        let again = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        defer { again.close() }
        XCTAssertEqual(try again.poll(maxRecords: 1, timeoutMs: 100).first?.offset, 10)
    }

    func test_whatAKilledProcessWroteIsThereAfterReopen() throws {
        let directory = temporaryFolder(self)
        var options = testOptions()
        options.durability = ["t": .flushed(withinMs: 60_000)]
        let log = try filled(directory, count: 20, options: options)
        try log.makeConsumer(group: "g", topics: ["t"], listener: nil).commit([partition: 7])
        log.abandonAsIfKilled()
        let reopened = try FileLog(directory: directory, options: testOptions())
        defer { try? reopened.close() }
        XCTAssertEqual(reopened.recovery.previousShutdown, .unclean)
        XCTAssertEqual(reopened.recovery.rebootedSince, false)
        XCTAssertFalse(reopened.recovery.mayHaveLostUnsyncedWrites)
        XCTAssertEqual(try values(reopened), (0..<20).map { "v\($0)" })
        XCTAssertEqual(try reopened.committedOffset(group: "g", partition: partition), 7)
    }

    func test_aTailTruncatedMidFrameIsCutReportedAndAppendsContinue() throws {
        let directory = temporaryFolder(self)
        let log = try filled(directory, count: 5, options: testOptions(segmentBytes: 1 << 20))
        let segment = try lastSegment(log)
        log.abandonAsIfKilled()
        let size = fileSize(segment)
        truncateFile(segment, to: size - 3)
        let messages = Locked<[String]>([])
        let reopened = try FileLog(directory: directory, options: testOptions(segmentBytes: 1 << 20, messages: messages))
        XCTAssertEqual(reopened.recovery.cuts.count, 1)
        let cut = try XCTUnwrap(reopened.recovery.cuts.first)
        XCTAssertEqual(cut.topic, "t")
        XCTAssertEqual(cut.partition, 0)
        XCTAssertEqual(cut.segment, segment)
        XCTAssertEqual(cut.endOffset, 4)
        XCTAssertEqual(cut.position + cut.bytesCut, size - 3)
        XCTAssertTrue(cut.reason.contains("partial frame"), cut.reason)
        XCTAssertEqual(cut.laterValidFrames, 0)
        XCTAssertEqual(fileSize(segment), cut.position)
        XCTAssertTrue(messages.withLock { $0 }.contains { $0.contains("cut") && $0.contains("t[0]") })
        XCTAssertEqual(try values(reopened), ["v0", "v1", "v2", "v3"])
        try reopened.makeProducer().send([record("t", key: "k", value: "again")])
        XCTAssertEqual(try reopened.readToEnd(partition).last?.offset, 4)
        try reopened.close()
        let third = try FileLog(directory: directory, options: testOptions(segmentBytes: 1 << 20))
        defer { try? third.close() }
        XCTAssertEqual(third.recovery.cuts, [])
        XCTAssertEqual(try values(third), ["v0", "v1", "v2", "v3", "again"])
    }

    func test_aBatchCutShortIsDroppedWholeNotInPart() throws {
        let directory = temporaryFolder(self)
        let log = try filled(directory, count: 3, options: testOptions(segmentBytes: 1 << 20))
        try log.makeProducer().send((0..<5).map { record("t", key: "b\($0)", value: "w\($0)") })
        let segment = try lastSegment(log)
        log.abandonAsIfKilled()
        // The batch's last frame is gone; its first four are whole.
        truncateFile(segment, to: fileSize(segment) - small)
        let reopened = try FileLog(directory: directory, options: testOptions(segmentBytes: 1 << 20))
        defer { try? reopened.close() }
        let cut = try XCTUnwrap(reopened.recovery.cuts.first)
        XCTAssertEqual(cut.position, 3 * small)
        XCTAssertEqual(cut.bytesCut, 4 * small)
        XCTAssertTrue(cut.reason.contains("4 frames of a batch whose last frame is missing"), cut.reason)
        XCTAssertEqual(cut.endOffset, 3)
        XCTAssertEqual(try values(reopened), ["v0", "v1", "v2"])
    }

    func test_aBatchNeverSpansTwoSegments() throws {
        let log = try filled(temporaryFolder(self), count: 20)
        let before = try log.segmentFiles(partition).count
        let end = try log.endOffset(partition)
        // 20 small frames (about 800 bytes) do not fit what is left of the
        // 1 KiB segment: the segment rolls before the batch, not inside it.
        try log.makeProducer().send((0..<20).map { record("t", key: "b\($0 % 10)", value: "w\($0 % 10)") })
        let segments = try log.segmentFiles(partition)
        XCTAssertEqual(segments.count, before + 1)
        XCTAssertEqual(URL(fileURLWithPath: try XCTUnwrap(segments.last)).deletingPathExtension().lastPathComponent, Segment.name(end))
        XCTAssertEqual(fileSize(try XCTUnwrap(segments.last)), 20 * small)
        try log.close()
    }

    func test_flippedBytesInTheLastFrameAreCutAsABadCRC() throws {
        let directory = temporaryFolder(self)
        let log = try filled(directory, count: 5, options: testOptions(segmentBytes: 1 << 20))
        let segment = try lastSegment(log)
        log.abandonAsIfKilled()
        try overwrite(segment, at: fileSize(segment) - 6, with: [0xDE, 0xAD])
        let reopened = try FileLog(directory: directory, options: testOptions(segmentBytes: 1 << 20))
        defer { try? reopened.close() }
        let cut = try XCTUnwrap(reopened.recovery.cuts.first)
        XCTAssertTrue(cut.reason.contains("CRC-32C mismatch"), cut.reason)
        XCTAssertEqual(try values(reopened), ["v0", "v1", "v2", "v3"])
    }

    func test_aZeroFilledTailIsCut() throws {
        let directory = temporaryFolder(self)
        let log = try filled(directory, count: 5, options: testOptions(segmentBytes: 1 << 20))
        let segment = try lastSegment(log)
        log.abandonAsIfKilled()
        let size = fileSize(segment)
        try appendBytes(segment, [UInt8](repeating: 0, count: 4096))
        let reopened = try FileLog(directory: directory, options: testOptions(segmentBytes: 1 << 20))
        defer { try? reopened.close() }
        let cut = try XCTUnwrap(reopened.recovery.cuts.first)
        XCTAssertEqual(cut.position, size)
        XCTAssertEqual(cut.bytesCut, 4096)
        XCTAssertTrue(cut.reason.contains("below the minimum"), cut.reason)
        XCTAssertEqual(try values(reopened), (0..<5).map { "v\($0)" })
    }

    func test_aBadFrameFollowedByValidOnesIsRefusedNotCutWithoutARestart() throws {
        let directory = temporaryFolder(self)
        let log = try filled(directory, count: 5, options: testOptions(segmentBytes: 1 << 20))
        let segment = try lastSegment(log)
        log.abandonAsIfKilled()
        // A byte of the second frame's value.
        try overwrite(segment, at: small + 20, with: [0xFF])
        XCTAssertThrowsError(try FileLog(directory: directory, options: testOptions(segmentBytes: 1 << 20))) { error in
            guard let corruption = error as? FileLogCorruption else { return XCTFail("\(error)") }
            XCTAssertEqual(corruption.topic, "t")
            XCTAssertEqual(corruption.partition, 0)
            XCTAssertEqual(corruption.segment, segment)
            XCTAssertEqual(corruption.position, small)
            XCTAssertTrue(corruption.description.contains("a valid frame follows at position \(2 * small)"), corruption.description)
        }
        // Nothing was cut by the refusal.
        XCTAssertEqual(fileSize(segment), 5 * small)
    }

    func test_afterAMachineRestartEverythingFromTheFirstBadFrameIsCutAndTheValidFramesAfterAreCounted() throws {
        let directory = temporaryFolder(self)
        let log = try filled(directory, count: 5, options: testOptions(segmentBytes: 1 << 20))
        let segment = try lastSegment(log)
        log.abandonAsIfKilled()
        try overwrite(segment, at: small + 20, with: [0xFF])
        try pretendMachineRestarted(directory)
        let reopened = try FileLog(directory: directory, options: testOptions(segmentBytes: 1 << 20))
        defer { try? reopened.close() }
        XCTAssertEqual(reopened.recovery.previousShutdown, .unclean)
        XCTAssertEqual(reopened.recovery.rebootedSince, true)
        XCTAssertTrue(reopened.recovery.mayHaveLostUnsyncedWrites)
        let cut = try XCTUnwrap(reopened.recovery.cuts.first)
        XCTAssertEqual(cut.position, small)
        XCTAssertEqual(cut.laterValidFrames, 3)
        XCTAssertEqual(try values(reopened), ["v0"])
    }

    func test_corruptionInsideAClosedSegmentIsAnErrorNamingWhereNeverSkipped() throws {
        let directory = temporaryFolder(self)
        let log = try filled(directory, count: 60)
        let closed = try XCTUnwrap(try log.segmentFiles(partition).first)
        try log.close()
        try overwrite(closed, at: small * 3 + 20, with: [0xFF])
        // The index still checks out, so the damage is found by the read.
        let reopened = try FileLog(directory: directory, options: testOptions())
        defer { try? reopened.close() }
        XCTAssertThrowsError(try reopened.readToEnd(partition)) { error in
            guard let corruption = error as? FileLogCorruption else { return XCTFail("\(error)") }
            XCTAssertEqual(corruption.segment, closed)
            XCTAssertEqual(corruption.position, small * 3)
            XCTAssertTrue(corruption.description.contains("t[0]"), corruption.description)
            XCTAssertTrue(corruption.reason.contains("CRC-32C"), corruption.reason)
        }
        // Reads that do not touch the damaged frame still work.
        XCTAssertEqual(try reopened.read(partition, from: 50, maxRecords: 3, maxBytes: 1 << 20).map(\.offset), [50, 51, 52])
    }

    func test_corruptionInAClosedSegmentWithoutItsIndexFailsTheOpen() throws {
        let directory = temporaryFolder(self)
        let log = try filled(directory, count: 60)
        let closed = try XCTUnwrap(try log.segmentFiles(partition).first)
        try log.close()
        try overwrite(closed, at: small * 3 + 20, with: [0xFF])
        try FileManager.default.removeItem(atPath: closed.replacingOccurrences(of: ".log", with: ".index"))
        XCTAssertThrowsError(try FileLog(directory: directory, options: testOptions())) { error in
            guard let corruption = error as? FileLogCorruption else { return XCTFail("\(error)") }
            XCTAssertEqual(corruption.segment, closed)
            XCTAssertEqual(corruption.position, small * 3)
        }
    }

    func test_missingOrDamagedIndexesAreRebuiltFromTheSegments() throws {
        let directory = temporaryFolder(self)
        let log = try filled(directory, count: 100)
        let segments = try log.segmentFiles(partition)
        XCTAssertGreaterThan(segments.count, 3)
        try log.close()
        try FileManager.default.removeItem(atPath: segments[0].replacingOccurrences(of: ".log", with: ".index"))
        try overwrite(segments[1].replacingOccurrences(of: ".log", with: ".index"), at: 0, with: [0x7F, 0x7F, 0x7F])
        let reopened = try FileLog(directory: directory, options: testOptions())
        defer { try? reopened.close() }
        XCTAssertEqual(try values(reopened), (0..<100).map { "v\($0)" })
        for start in 0..<100 {
            XCTAssertEqual(try reopened.read(partition, from: Int64(start), maxRecords: 1, maxBytes: 1 << 20).first?.offset, Int64(start))
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: segments[0].replacingOccurrences(of: ".log", with: ".index")))
    }

    func test_anIndexThatLiesAboutPositionsIsDetectedAndRebuiltNotTrusted() throws {
        let directory = temporaryFolder(self)
        let log = try filled(directory, count: 100)
        let segment = try log.segmentFiles(partition)[0]
        try log.close()
        // A well-formed index (valid CRC, right size) whose entries point
        // one frame off: reads must notice and not return wrong records.
        let indexPath = segment.replacingOccurrences(of: ".log", with: ".index")
        let (_, summary) = try XCTUnwrap(SegmentIndex.decode(Array(try Data(contentsOf: URL(fileURLWithPath: indexPath))), segmentSize: fileSize(segment)))
        var lying = SegmentIndex()
        lying.add(relativeOffset: 0, position: 0)
        lying.add(relativeOffset: 5, position: UInt32(small * 4))
        try Data(lying.encoded(summary)).write(to: URL(fileURLWithPath: indexPath))
        let reopened = try FileLog(directory: directory, options: testOptions())
        defer { try? reopened.close() }
        XCTAssertEqual(try reopened.read(partition, from: 6, maxRecords: 2, maxBytes: 1 << 20).map { text($0.value) }, ["v6", "v7"])
    }

    func test_aSecondOpenerOfTheFolderGetsAClearErrorUntilTheFirstCloses() throws {
        let directory = temporaryFolder(self)
        let log = try FileLog(directory: directory, options: testOptions())
        XCTAssertThrowsError(try FileLog(directory: directory, options: testOptions())) { error in
            XCTAssertTrue("\(error)".contains("is in use by another process (pid \(getpid()))"), "\(error)")
        }
        try log.close()
        let again = try FileLog(directory: directory, options: testOptions())
        try again.close()
    }

    func test_shutdownMarkerTellsCleanFromKilledFromRebooted() throws {
        let directory = temporaryFolder(self)
        var log = try FileLog(directory: directory, options: testOptions())
        XCTAssertEqual(log.recovery.previousShutdown, .firstOpen)
        XCTAssertNil(log.recovery.rebootedSince)
        try log.close()
        log = try FileLog(directory: directory, options: testOptions())
        XCTAssertEqual(log.recovery.previousShutdown, .clean)
        XCTAssertEqual(log.recovery.rebootedSince, false)
        log.abandonAsIfKilled()
        log = try FileLog(directory: directory, options: testOptions())
        XCTAssertEqual(log.recovery.previousShutdown, .unclean)
        XCTAssertEqual(log.recovery.rebootedSince, false)
        XCTAssertFalse(log.recovery.mayHaveLostUnsyncedWrites)
        log.abandonAsIfKilled()
        try pretendMachineRestarted(directory)
        log = try FileLog(directory: directory, options: testOptions())
        XCTAssertEqual(log.recovery.previousShutdown, .unclean)
        XCTAssertEqual(log.recovery.rebootedSince, true)
        XCTAssertTrue(log.recovery.mayHaveLostUnsyncedWrites)
        XCTAssertTrue(log.recovery.description.contains("machine rebooted since"), log.recovery.description)
        try log.close()
        let marker = try String(contentsOfFile: directory + "/shutdown", encoding: .utf8)
        XCTAssertTrue(marker.contains("state clean"), marker)
        XCTAssertTrue(marker.contains("boot \(ShutdownMarker.currentBootId() ?? "unknown")"), marker)
    }

    func test_aFailedRecoveryLeavesTheMarkerForTheNextTry() throws {
        let directory = temporaryFolder(self)
        let log = try filled(directory, count: 5, options: testOptions(segmentBytes: 1 << 20))
        let segment = try lastSegment(log)
        log.abandonAsIfKilled()
        try overwrite(segment, at: small + 20, with: [0xFF])
        try pretendMachineRestarted(directory)
        let before = try String(contentsOfFile: directory + "/shutdown", encoding: .utf8)
        // Recovery itself cannot fail here (the restart allows the cut), so
        // break the topic file to make the open fail after the tail scan.
        try Data("nonsense".utf8).write(to: URL(fileURLWithPath: directory + "/topics/t/topic"))
        XCTAssertThrowsError(try FileLog(directory: directory, options: testOptions(segmentBytes: 1 << 20)))
        XCTAssertEqual(try String(contentsOfFile: directory + "/shutdown", encoding: .utf8), before)
    }

    func test_anInterruptedTopicCreationIsRemovedAtOpen() throws {
        let directory = temporaryFolder(self)
        try FileLog(directory: directory, options: testOptions()).close()
        try FileManager.default.createDirectory(atPath: directory + "/topics/.creating-x/0", withIntermediateDirectories: true)
        let log = try FileLog(directory: directory, options: testOptions())
        defer { try? log.close() }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/topics/.creating-x"))
        XCTAssertTrue(log.recovery.leftovers.contains { $0.contains(".creating-x") })
        XCTAssertEqual(log.topicSpecs, [])
    }

    func test_manySegmentsReadWithFewOpenDescriptors() throws {
        var options = testOptions()
        options.openSegmentsMax = 4
        let log = try filled(temporaryFolder(self), count: 300, options: options)
        defer { try? log.close() }
        XCTAssertGreaterThan(try log.segmentFiles(partition).count, 10)
        for start in stride(from: 0, to: 300, by: 13) {
            XCTAssertEqual(try log.read(partition, from: Int64(start), maxRecords: 30, maxBytes: 1 << 20).map(\.offset),
                           (start..<min(300, start + 30)).map(Int64.init))
        }
        XCTAssertLessThanOrEqual(log.cache.openCount, 4)
        XCTAssertEqual(try values(log), (0..<300).map { "v\($0)" })
    }
}
