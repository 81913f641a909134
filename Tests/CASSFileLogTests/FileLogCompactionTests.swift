@testable import CASSFileLog
import CASSLog
import Foundation
import XCTest

/// Compaction of compacted topics, retention of delete topics, and the
/// compacted log of committed offsets.
final class FileLogCompactionTests: XCTestCase {
    let partition = TopicPartition(topic: "c", partition: 0)

    func options(clock: TestClock? = nil) -> FileLogOptions {
        var options = testOptions()
        options.tombstoneRetentionMs = 60_000
        if let clock { options.clock = clock.function }
        return options
    }

    /// `count` records with keys k0 ... k(keys-1) in turn, values "k<n>@<i>".
    func fill(_ log: FileLog, count: Int, keys: Int, from start: Int = 0) throws {
        let producer = try log.makeProducer()
        for index in start..<(start + count) {
            try producer.send([record("c", key: "k\(index % keys)", value: "k\(index % keys)@\(index)")])
        }
    }

    func latestPerKey(_ records: [LogRecord]) -> [String: String] {
        var latest: [String: String] = [:]
        for record in records {
            if record.value.isEmpty { latest[text(record.key)] = nil } else { latest[text(record.key)] = text(record.value) }
        }
        return latest
    }

    func test_compactionKeepsTheLatestRecordPerKeyAtItsOriginalOffset() throws {
        let log = try FileLog(directory: temporaryFolder(self), options: options())
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "c", partitions: 1, cleanup: .compact, retentionMs: -1)])
        try fill(log, count: 300, keys: 10)
        let before = try log.readToEnd(partition)
        let segmentsBefore = try log.segmentFiles(partition)
        let reports = try log.compact("c")
        let report = try XCTUnwrap(reports.first)
        let after = try log.readToEnd(partition)
        let activeBase = try XCTUnwrap(Int64(URL(fileURLWithPath: try XCTUnwrap(segmentsBefore.last)).deletingPathExtension().lastPathComponent))

        XCTAssertEqual(latestPerKey(after), latestPerKey(before))
        XCTAssertEqual(Set(after.map(\.offset)).count, after.count)
        XCTAssertEqual(after.map(\.offset), after.map(\.offset).sorted())
        let original = Dictionary(uniqueKeysWithValues: before.map { ($0.offset, $0) })
        for record in after { XCTAssertEqual(original[record.offset], record, "offset \(record.offset) changed") }
        // In the compacted part, one record per key: the latest of that part.
        let compacted = after.filter { $0.offset < activeBase }
        XCTAssertEqual(compacted.count, Set(compacted.map { text($0.key) }).count)
        XCTAssertEqual(latestPerKey(compacted), latestPerKey(before.filter { $0.offset < activeBase }))
        // The active segment is untouched.
        XCTAssertEqual(after.filter { $0.offset >= activeBase }, before.filter { $0.offset >= activeBase })
        XCTAssertEqual(report.recordsKept + report.recordsRemoved, before.filter { $0.offset < activeBase }.count)
        XCTAssertLessThan(report.bytesAfter, report.bytesBefore)
        // Segments shrink in the first round; the next one merges them.
        try log.compact("c")
        XCTAssertLessThan(try log.segmentFiles(partition).count, segmentsBefore.count)
        XCTAssertEqual(try log.readToEnd(partition), after)
        XCTAssertEqual(report.cleanedThrough, activeBase)
        XCTAssertEqual(try log.endOffset(partition), 300)
        // Appends and reads carry on, and every offset reads from its record on.
        try fill(log, count: 5, keys: 10, from: 300)
        XCTAssertEqual(try log.endOffset(partition), 305)
        for start in stride(from: Int64(0), to: 305, by: 17) {
            let read = try log.read(partition, from: start, maxRecords: 2, maxBytes: 1 << 20)
            XCTAssertEqual(read.first, (after + (try log.readToEnd(partition).filter { $0.offset >= 300 })).first { $0.offset >= start })
        }
    }

    func test_compactedSegmentsSurviveReopenWithNothingLeftOver() throws {
        let directory = temporaryFolder(self)
        var log = try FileLog(directory: directory, options: options())
        try log.createTopics([TopicSpec(name: "c", partitions: 1, cleanup: .compact, retentionMs: -1)])
        try fill(log, count: 200, keys: 7)
        try log.compact("c")
        let after = try log.readToEnd(partition)
        try log.close()
        log = try FileLog(directory: directory, options: options())
        defer { try? log.close() }
        XCTAssertEqual(log.recovery.leftovers, [])
        XCTAssertEqual(try log.readToEnd(partition), after)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory + "/topics/c/0")
        XCTAssertFalse(names.contains { $0.hasSuffix(".swap") || $0.hasSuffix(".cleaned") }, "\(names)")
        XCTAssertTrue(names.contains("cleaned-through"))
    }

    func test_aTombstoneRemovesItsKeyAndIsDroppedAfterTheDelay() throws {
        let clock = TestClock()
        let log = try FileLog(directory: temporaryFolder(self), options: options(clock: clock))
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "c", partitions: 1, cleanup: .compact, retentionMs: -1)])
        let producer = try log.makeProducer()
        try fill(log, count: 30, keys: 3)
        try producer.send([record("c", key: "k1", value: "")])
        // Push the tombstone into a closed segment.
        for index in 0..<60 { try producer.send([record("c", key: "other\(index % 5)", value: "o\(index)")]) }
        try log.compact("c")
        var records = try log.readToEnd(partition)
        XCTAssertEqual(records.filter { text($0.key) == "k1" }.map(\.value), [[]], "only the tombstone of k1 is left")
        XCTAssertNil(latestPerKey(records)["k1"])
        clock.advance(60_001)
        try log.compact("c")
        records = try log.readToEnd(partition)
        XCTAssertEqual(records.filter { text($0.key) == "k1" }, [], "the tombstone is gone after the delay")
        XCTAssertEqual(latestPerKey(records)["k2"], "k2@29")
    }

    func test_aConsumerResumesAcrossTheGapsCompactionLeaves() throws {
        let log = try FileLog(directory: temporaryFolder(self), options: options())
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "c", partitions: 1, cleanup: .compact, retentionMs: -1)])
        try fill(log, count: 200, keys: 4)
        let consumer = try log.makeConsumer(group: "g", topics: ["c"], listener: nil)
        try consumer.commit([partition: 50])
        consumer.close()
        try log.compact("c")
        let expected = try log.readToEnd(partition).filter { $0.offset >= 50 }
        let resumed = try log.makeConsumer(group: "g", topics: ["c"], listener: nil)
        defer { resumed.close() }
        var read: [LogRecord] = []
        while true {
            let batch = try resumed.poll(maxRecords: 3, timeoutMs: 50)
            if batch.isEmpty { break }
            read += batch
        }
        XCTAssertEqual(read, expected)
        XCTAssertLessThan(read.count, 150)
    }

    func test_aSmallKeyMapCompactsInSeveralRoundsToTheSameResult() throws {
        var small = options()
        small.compactionKeyMapBytesMax = 4096
        let log = try FileLog(directory: temporaryFolder(self), options: small)
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "c", partitions: 1, cleanup: .compact, retentionMs: -1)])
        try fill(log, count: 400, keys: 150)
        let before = try log.readToEnd(partition)
        var rounds = 0
        var cleaned: Int64 = 0
        repeat {
            cleaned = try XCTUnwrap(try log.compact("c").first).cleanedThrough
            rounds += 1
        } while cleaned < (try log.endOffset(partition)) - 40 && rounds < 50
        XCTAssertGreaterThan(rounds, 1)
        let after = try log.readToEnd(partition)
        XCTAssertEqual(latestPerKey(after), latestPerKey(before))
        let activeBase = try XCTUnwrap(Int64(URL(fileURLWithPath: try XCTUnwrap(try log.segmentFiles(partition).last)).deletingPathExtension().lastPathComponent))
        let compacted = after.filter { $0.offset < activeBase }
        XCTAssertEqual(compacted.count, Set(compacted.map { text($0.key) }).count)
    }

    func test_backgroundMaintenanceCompactsWithoutBeingAsked() throws {
        var background = options()
        background.backgroundMaintenance = true
        background.maintenanceIntervalMs = 20
        let log = try FileLog(directory: temporaryFolder(self), options: background)
        defer { try? log.close() }
        try log.createTopics([TopicSpec(name: "c", partitions: 1, cleanup: .compact, retentionMs: -1)])
        try fill(log, count: 300, keys: 3)
        let deadline = Date().addingTimeInterval(20)
        while Compaction.readCheckpoint(log.directory + "/topics/c/0") == 0, Date() < deadline { usleep(20_000) }
        XCTAssertGreaterThan(Compaction.readCheckpoint(log.directory + "/topics/c/0"), 0)
        XCTAssertEqual(latestPerKey(try log.readToEnd(partition)), ["k0": "k0@297", "k1": "k1@298", "k2": "k2@299"])
        XCTAssertEqual(log.backgroundProblems, [])
    }

    /// A crash at each step of a compaction leaves the old segments or the
    /// new one, never a mix, and nothing that the next open cannot finish.
    func test_aCrashAtEveryStepOfACompactionLeavesTheOldOrTheNewSegment() throws {
        for step in [CompactionStep.cleanedWritten, .swapCommitted, .oldFilesRemoved] {
            let directory = temporaryFolder(self, "crash\(step)")
            var crashing = options()
            crashing.compactionFaultInjector = { $0 == step }
            let log = try FileLog(directory: directory, options: crashing)
            try log.createTopics([TopicSpec(name: "c", partitions: 1, cleanup: .compact, retentionMs: -1)])
            try fill(log, count: 200, keys: 5)
            let before = try log.readToEnd(partition)
            let firstEnd = try XCTUnwrap(Int64(URL(fileURLWithPath: try log.segmentFiles(partition)[1]).deletingPathExtension().lastPathComponent))
            XCTAssertThrowsError(try log.compact("c"), "\(step)") { XCTAssertTrue($0 is SimulatedCompactionCrash, "\($0)") }
            log.abandonAsIfKilled()

            let reopened = try FileLog(directory: directory, options: options())
            let after = try reopened.readToEnd(partition)
            XCTAssertEqual(reopened.recovery.leftovers.count, 1, "\(step): \(reopened.recovery.leftovers)")
            XCTAssertEqual(latestPerKey(after), latestPerKey(before), "\(step)")
            let original = Dictionary(uniqueKeysWithValues: before.map { ($0.offset, $0) })
            for record in after { XCTAssertEqual(original[record.offset], record, "\(step): offset \(record.offset)") }
            let first = after.filter { $0.offset < firstEnd }
            switch step {
            case .cleanedWritten:
                XCTAssertEqual(after, before, "before the commit point the old segments stand")
                XCTAssertTrue(reopened.recovery.leftovers[0].contains("removed"))
            case .swapCommitted, .oldFilesRemoved:
                // The first segment is the compacted one, whole: one record per key.
                XCTAssertEqual(first.count, Set(first.map { text($0.key) }).count, "\(step)")
                XCTAssertEqual(after.filter { $0.offset >= firstEnd }, before.filter { $0.offset >= firstEnd }, "\(step): later segments untouched")
                XCTAssertTrue(reopened.recovery.leftovers[0].contains("finished"))
            case .snapshotTaken:
                XCTFail("not a crash point of this test")
            }
            // And it compacts to the end from there.
            try reopened.compact("c")
            XCTAssertEqual(latestPerKey(try reopened.readToEnd(partition)), latestPerKey(before))
            try reopened.close()
        }
    }

    /// A segment that closes while a compaction runs is not part of it:
    /// none of its records may go with the segments being replaced.
    func test_aSegmentRolledDuringACompactionKeepsItsRecords() throws {
        let directory = temporaryFolder(self)
        var racing = options()
        let rolled = Locked(false)
        let producerBox = Locked<(any LogProducer)?>(nil)
        racing.compactionFaultInjector = { step in
            guard step == .snapshotTaken, !rolled.withLock({ $0 }) else { return false }
            rolled.withLock { $0 = true }
            // Enough records to roll the active segment, now.
            for index in 0..<40 { try? producerBox.withLock { $0 }?.send([record("c", key: "late\(index)", value: "x\(index)")]) }
            return false
        }
        var log = try FileLog(directory: directory, options: racing)
        try log.createTopics([TopicSpec(name: "c", partitions: 1, cleanup: .compact, retentionMs: -1)])
        producerBox.withLock { $0 = try? log.makeProducer() }
        try fill(log, count: 100, keys: 5)
        let segmentsBefore = try log.segmentFiles(partition).count
        try log.compact("c")
        XCTAssertTrue(rolled.withLock { $0 })
        XCTAssertGreaterThan(try log.segmentFiles(partition).count, 1)
        let expected = Set((0..<40).map { "late\($0)" })
        XCTAssertEqual(Set(try log.readToEnd(partition).map { text($0.key) }).intersection(expected), expected)
        try log.close()
        log = try FileLog(directory: directory, options: options())
        defer { try? log.close() }
        XCTAssertEqual(Set(try log.readToEnd(partition).map { text($0.key) }).intersection(expected), expected, "after reopening")
        XCTAssertGreaterThan(segmentsBefore, 1)
    }

    func test_retentionRemovesOldSegmentsAndConsumersStartAtTheNewStart() throws {
        let clock = TestClock()
        let log = try FileLog(directory: temporaryFolder(self), options: options(clock: clock))
        defer { try? log.close() }
        let topic = TopicPartition(topic: "d", partition: 0)
        try log.createTopics([TopicSpec(name: "d", partitions: 1, cleanup: .delete, retentionMs: 1000),
                              TopicSpec(name: "forever", partitions: 1, cleanup: .delete, retentionMs: -1)])
        let producer = try log.makeProducer()
        for index in 0..<100 {
            try producer.send([record("d", key: "k", value: "v\(index)"), record("forever", key: "k", value: "v\(index)")])
        }
        try log.makeConsumer(group: "g", topics: ["d"], listener: nil).commit([topic: 5])
        clock.advance(500)
        XCTAssertEqual(try log.applyRetention("d"), 0)
        clock.advance(1000)
        let segments = try log.segmentFiles(topic)
        XCTAssertEqual(try log.applyRetention("d"), segments.count - 1)
        XCTAssertEqual(try log.applyRetention("forever"), 0)
        XCTAssertEqual(try log.segmentFiles(topic), [segments.last!])
        let start = try log.startOffset(topic)
        XCTAssertGreaterThan(start, 5)
        XCTAssertEqual(try log.readToEnd(topic).first?.offset, start)
        XCTAssertEqual(try log.endOffset(topic), 100)
        XCTAssertEqual(try log.readToEnd(TopicPartition(topic: "forever", partition: 0)).count, 100)
        for path in segments.dropLast() { XCTAssertFalse(FileManager.default.fileExists(atPath: path)) }
        let consumer = try log.makeConsumer(group: "g", topics: ["d"], listener: nil)
        defer { consumer.close() }
        XCTAssertEqual(try consumer.poll(maxRecords: 1, timeoutMs: 100).first?.offset, start)
    }

    func test_committedOffsetsAreCompactedAndTheLatestSurvives() throws {
        let directory = temporaryFolder(self)
        var log = try FileLog(directory: directory, options: options())
        try log.createTopics([TopicSpec(name: "t", partitions: 2)])
        // Records up to the offsets committed (a commit past the end would be set back at open).
        try log.makeProducer().send((0..<300).map { _ in record("t", 0, key: "k", value: "v") } + (0..<600).map { _ in record("t", 1, key: "k", value: "v") })
        let consumer = try log.makeConsumer(group: "g", topics: ["t"], listener: nil)
        for offset in 1...300 {
            try consumer.commit([TopicPartition(topic: "t", partition: 0): Int64(offset), TopicPartition(topic: "t", partition: 1): Int64(offset * 2)])
        }
        consumer.close()
        let segments = try FileManager.default.contentsOfDirectory(atPath: directory + "/offsets").filter { $0.hasSuffix(".log") }.count
        XCTAssertGreaterThan(segments, 10)
        let report = try XCTUnwrap(try log.compactCommittedOffsets())
        XCTAssertLessThan(report.bytesAfter, report.bytesBefore / 10)
        try log.close()
        log = try FileLog(directory: directory, options: options())
        defer { try? log.close() }
        XCTAssertEqual(try log.committedOffset(group: "g", partition: TopicPartition(topic: "t", partition: 0)), 300)
        XCTAssertEqual(try log.committedOffset(group: "g", partition: TopicPartition(topic: "t", partition: 1)), 600)
    }
}

/// Readers racing with writers and background compaction: every read sees
/// each key's latest record (as of the end the read started from), in
/// offset order, whatever compaction swapped under it.
final class FileLogCompactionRaceTests: XCTestCase {
    func test_readsRacingWithCompactionNeverMissAKeysLatestRecord() throws {
        var options = testOptions()
        options.backgroundMaintenance = true
        options.maintenanceIntervalMs = 5
        options.compactionDirtyRatioMin = 0.1
        options.openSegmentsMax = 3
        let log = try FileLog(directory: temporaryFolder(self), options: options)
        defer { try? log.close() }
        let partition = TopicPartition(topic: "c", partition: 0)
        try log.createTopics([TopicSpec(name: "c", partitions: 1, cleanup: .compact, retentionMs: -1)])
        let producer = try log.makeProducer()
        // history[offset] = key, as written.
        let history = Locked<[String]>([])
        let writing = Locked(true)
        let failures = Locked<[String]>([])
        let readers = DispatchGroup()
        for reader in 0..<2 {
            DispatchQueue.global().async(group: readers) {
                var reads = 0
                while writing.withLock({ $0 }) || reads < 5 {
                    reads += 1
                    do {
                        let end = try log.endOffset(partition)
                        let keys = history.withLock { Array($0.prefix(Int(end))) }
                        let records = try reader == 0 ? log.readToEnd(partition)
                            : log.read(partition, from: 0, maxRecords: Int.max, maxBytes: 1 << 30)
                        var latest: [String: Int64] = [:]
                        for (offset, key) in keys.enumerated() { latest[key] = Int64(offset) }
                        // A key's record at that offset, or a later one of the key
                        // (written after `end` was taken, and compaction may keep only it).
                        var newest: [String: Int64] = [:]
                        for record in records { newest[text(record.key)] = record.offset }
                        if records.map(\.offset) != records.map(\.offset).sorted() { failures.withLock { $0.append("out of order") } }
                        for (key, offset) in latest where (newest[key] ?? -1) < offset {
                            failures.withLock { $0.append("read \(reads): \(key)'s latest record \(offset) missing (end \(end))") }
                        }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
        }
        for index in 0..<1500 {
            let key = "k\(index % 17)"
            // The history is appended under the same order as the log: one writer.
            try history.withLock { history in
                try producer.send([record("c", key: key, value: "\(index)")])
                history.append(key)
            }
        }
        writing.withLock { $0 = false }
        readers.wait()
        XCTAssertEqual(failures.withLock { Array($0.prefix(10)) }, [])
        XCTAssertGreaterThan(Compaction.readCheckpoint(log.directory + "/topics/c/0"), 0, "compaction must have run during the test")
        XCTAssertEqual(log.backgroundProblems, [])
    }
}
