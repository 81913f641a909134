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
        XCTAssertNoThrow(try OutboxLock(root: root))
    }

    func testAnUnwritableRootIsAClearError() throws {
        XCTAssertThrowsError(try OutboxLock(root: URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)"))) { error in
            XCTAssertTrue("\(error)".contains("cannot open"), "\(error)")
        }
    }
}
