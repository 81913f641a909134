@testable import CASSService
import Foundation
import XCTest

/// One writer per outbox root (docs/sftp.md): the second is refused with
/// the first one's pid, and the lock goes with its holder.
final class OutboxLockTests: XCTestCase {
    func testASecondWriterIsRefusedUntilTheFirstLetsGo() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-lock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }

        var first: OutboxLock? = try OutboxLock(root: root)
        XCTAssertNotNil(first)
        XCTAssertEqual(try String(contentsOfFile: root.appendingPathComponent(OutboxLock.fileName).path, encoding: .utf8), "\(getpid())\n")
        XCTAssertThrowsError(try OutboxLock(root: root)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("another process (pid \(getpid()))"), text)
            XCTAssertTrue(text.contains(root.path), text)
        }
        // The refused attempt must not have taken or broken the lock.
        XCTAssertThrowsError(try OutboxLock(root: root))
        first = nil
        let second = try OutboxLock(root: root)
        // Released explicitly (a service stopped and started again in the
        // same process, as a restart in place does): free at once, and a
        // second release does nothing.
        second.release()
        second.release()
        let third = try OutboxLock(root: root)
        XCTAssertThrowsError(try OutboxLock(root: root))
        third.release()
    }

    func testAnUnwritableRootIsAClearError() throws {
        XCTAssertThrowsError(try OutboxLock(root: URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)"))) { error in
            XCTAssertTrue("\(error)".contains("cannot open"), "\(error)")
        }
    }
}
