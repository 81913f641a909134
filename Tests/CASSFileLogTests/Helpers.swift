@testable import CASSFileLog
import CASSLog
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A fresh folder under the temporary directory, removed when the test ends.
func temporaryFolder(_ test: XCTestCase, _ name: String = #function) -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("filelog-tests-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString.prefix(8))").path
    try? FileManager.default.removeItem(atPath: path)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// Options for tests: small segments so that rolls happen, recovery
/// messages kept instead of printed, no background maintenance unless asked.
func testOptions(segmentBytes: Int = 1024, messages: Locked<[String]>? = nil) -> FileLogOptions {
    var options = FileLogOptions()
    options.segmentBytes = segmentBytes
    options.indexIntervalBytes = 128
    options.offsetsSegmentBytes = 1024
    options.backgroundMaintenance = false
    options.logger = { message in messages?.withLock { $0.append(message) } }
    return options
}

/// A wall clock the test moves by hand.
final class TestClock: @unchecked Sendable {
    private let now = Locked<Int64>(1_700_000_000_000)
    var ms: Int64 {
        get { now.withLock { $0 } }
        set { now.withLock { $0 = newValue } }
    }
    func advance(_ ms: Int64) { now.withLock { $0 += ms } }
    var function: @Sendable () -> Int64 { { [self] in self.ms } }
}

func record(_ topic: String, _ partition: Int32 = 0, key: String, value: String, headers: [LogHeader] = []) -> OutgoingRecord {
    OutgoingRecord(topic: topic, partition: partition, key: Array(key.utf8), value: Array(value.utf8), headers: headers)
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

extension FileLog {
    /// What a killed process leaves: the background threads stop, the lock
    /// goes, nothing is synced and no clean-shutdown marker is written.
    func abandonAsIfKilled() {
        abandonForTests()
    }
}

/// Rewrites the shutdown marker as if the last process had run on another
/// boot and not closed the log: a machine restart after a crash.
func pretendMachineRestarted(_ directory: String) throws {
    try Data("format 1\nboot 00000000-0000-0000-0000-000000000000\nstate running\n".utf8)
        .write(to: URL(fileURLWithPath: directory + "/shutdown"))
}

func fileSize(_ path: String) -> Int64 {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? -1
}

/// Overwrites bytes of a file in place.
func overwrite(_ path: String, at position: Int64, with bytes: [UInt8]) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(position))
    try handle.write(contentsOf: Data(bytes))
}

func appendBytes(_ path: String, _ bytes: [UInt8]) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(bytes))
}

func truncateFile(_ path: String, to size: Int64) {
    XCTAssertEqual(truncate(path, off_t(size)), 0)
}

/// Records a listener hears, in order.
final class RecordingListener: RebalanceListener, @unchecked Sendable {
    let events = Locked<[String]>([])
    let onRevoked: (@Sendable ([TopicPartition], any LogConsumer) -> Void)?
    init(onRevoked: (@Sendable ([TopicPartition], any LogConsumer) -> Void)? = nil) { self.onRevoked = onRevoked }
    func assigned(_ partitions: [TopicPartition], consumer: any LogConsumer) {
        events.withLock { $0.append("assigned " + partitions.map(\.description).joined(separator: ",")) }
    }
    func revoked(_ partitions: [TopicPartition], consumer: any LogConsumer) {
        events.withLock { $0.append("revoked " + partitions.map(\.description).joined(separator: ",")) }
        onRevoked?(partitions, consumer)
    }
}
