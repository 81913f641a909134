@testable import CASSFileLog
import CASSLog
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Real crashes: `filelog-torture` appends to a log (synced, flushed and
/// compacted topics, with background compaction and a consumer that
/// commits) and prints every acknowledgement; this test SIGKILLs it at
/// random moments, reopens the folder, and checks that every acknowledged
/// record is there exactly once, every acknowledged commit is kept, and
/// the log reads back whole.
final class FileLogCrashTests: XCTestCase {
    func tortureBinary() throws -> String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("filelog-torture").path
        for candidate in [beside, ".build/debug/filelog-torture", ".build/release/filelog-torture"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw XCTSkip("filelog-torture is not built (swift build --product filelog-torture)")
    }

    struct Id: Hashable, Comparable {
        var run: Int, thread: Int, sequence: Int
        static func < (a: Id, b: Id) -> Bool { (a.run, a.sequence) < (b.run, b.sequence) }
        init?(_ text: Substring) {
            let parts = text.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3 else { return nil }
            (run, thread, sequence) = (parts[0], parts[1], parts[2])
        }
    }

    func id(of record: LogRecord) -> Id? {
        Id(String(decoding: record.value.prefix { $0 != UInt8(ascii: "|") }, as: UTF8.self)[...])
    }

    func test_sigkillAtRandomMomentsLosesAndDuplicatesNoAcknowledgedRecord() throws {
        let binary = try tortureBinary()
        let directory = temporaryFolder(self)
        var acknowledged: [String: [Int32: Set<Id>]] = [:]
        var lastOfKey: [String: Id] = [:]
        var committed: [Int32: Int64] = [:]
        var cuts = 0
        var random = SystemRandomNumberGenerator()
        for run in 1...24 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = [directory, String(run)]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.standardError
            let output = Locked(Data())
            pipe.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                output.withLock { $0.append(data) }
            }
            try process.run()
            if run % 6 == 3 {
                // Some kills strike early, maybe before the log is open.
                usleep(UInt32.random(in: 0...200_000, using: &random))
            } else {
                // The others once the torture is under way, however loaded
                // the machine (a fixed sleep acknowledged too little on a
                // busy machine), then at a random moment of its work.
                let started = DispatchTime.now().uptimeNanoseconds
                while output.withLock({ $0.count }) < 2_000, DispatchTime.now().uptimeNanoseconds &- started < 20_000_000_000, process.isRunning { usleep(5_000) }
                usleep(UInt32.random(in: 0...500_000, using: &random))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            pipe.fileHandleForReading.readabilityHandler = nil
            let rest = pipe.fileHandleForReading.readDataToEndOfFile()
            let text = String(decoding: output.withLock { $0 } + rest, as: UTF8.self)
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, "run \(run) ended by itself:\n\(text.suffix(2000))")
            // Only whole lines: the kill may cut the last one.
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            lines.removeLast()
            for line in lines {
                let fields = line.split(separator: " ")
                if fields.first == "error" { XCTFail("run \(run): \(line)") }
                if fields.count == 4, fields[0] == "ack", let partition = Int32(fields[2]), let id = Id(fields[3]) {
                    acknowledged[String(fields[1]), default: [:]][partition, default: []].insert(id)
                    if fields[1] == "torture.compacted" {
                        let key = "k\(id.thread)-\(id.sequence % 5)"
                        lastOfKey[key] = max(lastOfKey[key] ?? id, id)
                    }
                }
                if fields.count == 3, fields[0] == "committed", let partition = Int32(fields[1]), let offset = Int64(fields[2]) {
                    committed[partition] = max(committed[partition] ?? 0, offset)
                }
            }

            var options = FileLogOptions()
            options.backgroundMaintenance = false
            options.logger = { _ in }
            let log = try FileLog(directory: directory, options: options)
            // A kill before the torture opened the log leaves the last clean close.
            if !lines.isEmpty { XCTAssertEqual(log.recovery.previousShutdown, .unclean, "run \(run)") }
            XCTAssertNotEqual(log.recovery.rebootedSince, true, "run \(run)")
            cuts += log.recovery.cuts.count
            for cut in log.recovery.cuts {
                // Only a partial last frame can be cut after a kill.
                XCTAssertEqual(cut.laterValidFrames, 0, "run \(run): \(cut)")
            }
            guard log.topicSpecs.count == 3 else {
                // Killed before its topics were made: nothing can have been acknowledged.
                XCTAssertTrue(acknowledged.isEmpty, "run \(run): acknowledgements without topics")
                try log.close()
                continue
            }
            var seen: Set<Id> = []
            for topic in ["torture.synced", "torture.flushed"] {
                for partition in 0..<(try log.partitionCount(of: topic)) {
                    let records = try log.readToEnd(TopicPartition(topic: topic, partition: partition))
                    XCTAssertEqual(records.map(\.offset), Array(0..<Int64(records.count)), "run \(run): \(topic)[\(partition)] offsets")
                    let ids = records.compactMap { id(of: $0) }
                    XCTAssertEqual(ids.count, records.count)
                    for id in ids { XCTAssertTrue(seen.insert(id).inserted, "run \(run): \(id) twice") }
                    let missing = (acknowledged[topic]?[partition] ?? []).subtracting(ids)
                    XCTAssertEqual(missing, [], "run \(run): acknowledged records of \(topic)[\(partition)] lost")
                }
            }
            // Compacted: each key's values in order, the newest at least as
            // new as the last one acknowledged.
            var newest: [String: Id] = [:]
            for record in try log.readToEnd(TopicPartition(topic: "torture.compacted", partition: 0)) {
                guard let id = id(of: record) else { XCTFail("run \(run): unreadable value"); continue }
                let key = String(decoding: record.key, as: UTF8.self)
                if let previous = newest[key] { XCTAssertLessThan(previous, id, "run \(run): \(key) out of order") }
                newest[key] = id
            }
            for (key, last) in lastOfKey {
                XCTAssertGreaterThanOrEqual(newest[key] ?? Id("0-0-0")!, last, "run \(run): \(key) lost its acknowledged value")
            }
            for (partition, offset) in committed {
                let stored = try log.committedOffset(group: "torture", partition: TopicPartition(topic: "torture.synced", partition: partition))
                XCTAssertGreaterThanOrEqual(stored ?? -1, offset, "run \(run): commit of partition \(partition) lost")
            }
            // Reopening cleanly after the checks: the next run starts from a
            // recovered folder, as a restarted service would.
            try log.close()
            if (testRun?.failureCount ?? 0) > 0 { break }
        }
        let total = acknowledged.values.flatMap(\.values).reduce(0) { $0 + $1.count }
        XCTAssertGreaterThan(total, 1000, "the torture acknowledged too little to mean anything")
        print("filelog crash test: \(total) acknowledged records over 24 kills, \(cuts) torn tails cut, all acknowledged records present once")
    }
}
