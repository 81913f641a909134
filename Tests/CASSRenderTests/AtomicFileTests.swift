import Dispatch
import Foundation
import XCTest
@testable import CASSRender

final class AtomicFileTests: XCTestCase {
    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("atomicfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func test_missingFoldersAreMade_theLastWriteWins_andNoTemporaryFileStays() throws {
        let root = try temporaryFolder()
        let target = root.appendingPathComponent("a/b/c/file.pdf")
        try AtomicFile.write(Array("one".utf8), to: target, durable: false)
        try AtomicFile.write(Array("two".utf8), to: target, durable: true)
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "two")
        let left = try FileManager.default.contentsOfDirectory(atPath: target.deletingLastPathComponent().path)
        XCTAssertEqual(left, ["file.pdf"])
    }

    func test_manyThreadsWritingIntoOneNewFolder_allLand() throws {
        let folder = try temporaryFolder().appendingPathComponent("invoices")
        let failures = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 400) { index in
            do { try AtomicFile.write(Array("\(index)".utf8), to: folder.appendingPathComponent("\(index).json"), durable: false) }
            catch { failures.withLock { $0 += 1 } }
        }
        XCTAssertEqual(failures.withLock { $0 }, 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        XCTAssertEqual(names.count, 400)
        XCTAssertFalse(names.contains { $0.hasSuffix(".tmp") })
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("399.json"), encoding: .utf8), "399")
    }

    /// The path version finds the folder without URL (which stats): the
    /// same folder as deletingLastPathComponent for every shape of path.
    func test_folderPath_isTheFolderURLWouldGive_andJoinAddsOneSlash() throws {
        for path in ["/tmp/out/invoices/GB1.pdf", "/a", "/a/b", "rel/x.json", "x.json", "/tmp//out//f", "/tmp/out/f/"] {
            let expected = URL(fileURLWithPath: path, isDirectory: false).deletingLastPathComponent().path
            XCTAssertEqual(
                URL(fileURLWithPath: AtomicFile.folderPath(of: path), isDirectory: true).standardizedFileURL.path,
                URL(fileURLWithPath: expected, isDirectory: true).standardizedFileURL.path, path)
        }
        XCTAssertEqual(AtomicFile.folderPath(of: "/a"), "/")
        XCTAssertEqual(AtomicFile.folderPath(of: "x.json"), ".")
        XCTAssertEqual(AtomicFile.folderPath(of: "/tmp//out//f"), "/tmp//out")
        XCTAssertEqual(AtomicFile.join("/tmp/out", "f"), "/tmp/out/f")
        XCTAssertEqual(AtomicFile.join("/tmp/out/", "f"), "/tmp/out/f")
        XCTAssertEqual(AtomicFile.join("/", "f"), "/f")
    }

    func test_writeToPath_makesMissingFolders_andLeavesNoTemporaryFile() throws {
        let root = try temporaryFolder()
        let target = AtomicFile.join(root.path, "x/y/GB1.pdf")
        try AtomicFile.write(Array("one".utf8), toPath: target, durable: false)
        try AtomicFile.write(Array("two".utf8), toPath: target, durable: false)
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "two")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: AtomicFile.join(root.path, "x/y")), ["GB1.pdf"])
    }

    /// The status the write returns (fstat of the open file) is the file
    /// under its name after the rename: same device, inode, size and
    /// modification time as lstat of the path gives.
    func test_writeToPath_returnsTheStatusOfTheFileAsNamed() throws {
        let root = try temporaryFolder()
        let target = AtomicFile.join(root.path, "GB1.xlsx")
        for bytes in [Array("first".utf8), [UInt8](repeating: 7, count: 70_000)] {
            let written = try XCTUnwrap(try AtomicFile.write(bytes, toPath: target, durable: false))
            var named = stat()
            XCTAssertEqual(lstat(target, &named), 0)
            XCTAssertEqual(written.st_dev, named.st_dev)
            XCTAssertEqual(written.st_ino, named.st_ino)
            XCTAssertEqual(written.st_size, named.st_size)
            XCTAssertEqual(Int(written.st_size), bytes.count)
            XCTAssertEqual(written.st_mode, named.st_mode)
            XCTAssertEqual(written.st_mtim.tv_sec, named.st_mtim.tv_sec)
            XCTAssertEqual(written.st_mtim.tv_nsec, named.st_mtim.tv_nsec)
        }
    }

    /// A new file and one replacing another get the same permissions
    /// (0644 less the umask) whichever way the name was given.
    func test_newAndReplacedFiles_haveTheUsualPermissions() throws {
        let root = try temporaryFolder()
        let target = AtomicFile.join(root.path, "GB1.hot")
        let mask = umask(0o022)
        umask(mask)
        for bytes in [Array("new".utf8), Array("replaced".utf8)] {
            try AtomicFile.write(bytes, toPath: target, durable: false)
            var named = stat()
            XCTAssertEqual(lstat(target, &named), 0)
            XCTAssertEqual(named.st_mode & 0o777, 0o644 & ~mask)
            XCTAssertEqual(named.st_nlink, 1)
            XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), String(decoding: bytes, as: UTF8.self))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), ["GB1.hot"])
    }

    /// A target that is a folder is refused with its path, and nothing is
    /// left behind.
    func test_aTargetThatIsAFolder_isRefused_andNoTemporaryFileStays() throws {
        let root = try temporaryFolder()
        try FileManager.default.createDirectory(atPath: AtomicFile.join(root.path, "GB1.pdf"), withIntermediateDirectories: false)
        XCTAssertThrowsError(try AtomicFile.write([1], toPath: AtomicFile.join(root.path, "GB1.pdf"), durable: false)) { error in
            XCTAssertTrue("\(error)".contains("GB1.pdf"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), ["GB1.pdf"])
    }

    func test_aFolderThatIsAFile_isReportedWithItsPath() throws {
        let root = try temporaryFolder()
        let blocker = root.appendingPathComponent("blocker")
        try Data("x".utf8).write(to: blocker)
        XCTAssertThrowsError(try AtomicFile.write([1], to: blocker.appendingPathComponent("file.pdf"))) { error in
            XCTAssertTrue("\(error)".contains(blocker.path), "\(error)")
        }
    }

    // MARK: DirectWriteFolder

    /// A missing folder is made; a new file lands under its name with the
    /// status of the file as named; a name that exists as a regular file
    /// with no other name is rewritten in place (same inode), longer or
    /// shorter; no temporary name stays.
    func test_directWriteFolder_writesNewFiles_andRewritesAnEarlierFileInPlace() throws {
        let root = try temporaryFolder()
        let folder = try DirectWriteFolder(path: AtomicFile.join(root.path, "invoices"))
        let status = try XCTUnwrap(try folder.write(Array("first".utf8), name: "GB1.json"))
        let path = AtomicFile.join(folder.path, "GB1.json")
        var named = stat()
        XCTAssertEqual(lstat(path, &named), 0)
        XCTAssertEqual(status.st_ino, named.st_ino)
        XCTAssertEqual(status.st_size, 5)
        XCTAssertEqual(named.st_mode & 0o777, 0o644)
        let longer = try XCTUnwrap(try folder.write(Array("second, longer".utf8), name: "GB1.json"))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "second, longer")
        XCTAssertEqual(longer.st_ino, named.st_ino, "rewritten in place")
        XCTAssertEqual(longer.st_size, 14)
        let shorter = try XCTUnwrap(try folder.write(Array("3rd".utf8), name: "GB1.json"))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "3rd", "the earlier, longer file's tail is cut")
        XCTAssertEqual(shorter.st_ino, named.st_ino)
        XCTAssertEqual(shorter.st_size, 3)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["GB1.json"])
    }

    /// A file that has another name too (a hard link an archive made) is
    /// replaced by a new file: the other name keeps the old bytes.
    func test_directWriteFolder_aHardLinkedFile_isReplaced_itsOtherNameKeepsItsBytes() throws {
        let root = try temporaryFolder()
        let folder = try DirectWriteFolder(path: AtomicFile.join(root.path, "invoices"))
        try folder.write(Array("archived".utf8), name: "GB1.pdf")
        let archive = AtomicFile.join(root.path, "archive-GB1.pdf")
        XCTAssertEqual(link(AtomicFile.join(folder.path, "GB1.pdf"), archive), 0)
        try folder.write(Array("new".utf8), name: "GB1.pdf")
        XCTAssertEqual(try String(contentsOfFile: archive, encoding: .utf8), "archived")
        XCTAssertEqual(try String(contentsOfFile: AtomicFile.join(folder.path, "GB1.pdf"), encoding: .utf8), "new")
        var info = stat()
        XCTAssertEqual(lstat(archive, &info), 0)
        XCTAssertEqual(info.st_nlink, 1, "the folder's name now holds another file")
    }

    /// A link or a FIFO under the name is replaced, never written through
    /// (and the FIFO never waited on).
    func test_directWriteFolder_aLinkOrFIFOUnderTheName_isReplaced_notFollowed() throws {
        let root = try temporaryFolder()
        let folder = try DirectWriteFolder(path: AtomicFile.join(root.path, "invoices"))
        let outside = AtomicFile.join(root.path, "outside.txt")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: outside))
        XCTAssertEqual(symlink(outside, AtomicFile.join(folder.path, "GB1.pdf")), 0)
        XCTAssertEqual(symlink(AtomicFile.join(root.path, "missing"), AtomicFile.join(folder.path, "GB2.pdf")), 0)
        XCTAssertEqual(mkfifo(AtomicFile.join(folder.path, "GB3.pdf"), 0o644), 0)
        for name in ["GB1.pdf", "GB2.pdf", "GB3.pdf"] {
            try folder.write(Array(name.utf8), name: name)
            var info = stat()
            XCTAssertEqual(lstat(AtomicFile.join(folder.path, name), &info), 0)
            XCTAssertEqual(info.st_mode & S_IFMT, S_IFREG, name)
            XCTAssertEqual(try String(contentsOfFile: AtomicFile.join(folder.path, name), encoding: .utf8), name)
        }
        XCTAssertEqual(try String(contentsOfFile: outside, encoding: .utf8), "keep me")
        XCTAssertFalse(FileManager.default.fileExists(atPath: AtomicFile.join(root.path, "missing")))
    }

    /// Threads writing different names into one folder at once all land.
    func test_directWriteFolder_manyThreads_allLand() throws {
        let folder = try DirectWriteFolder(path: try temporaryFolder().path)
        let failures = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 200) { index in
            do { try folder.write(Array(repeating: UInt8(index & 0xFF), count: index * 97), name: "GB\(index).pdf") } catch { failures.withLock { $0 += 1 } }
        }
        XCTAssertEqual(failures.withLock { $0 }, 0)
        for index in 0..<200 {
            let bytes = try XCTUnwrap(FileManager.default.contents(atPath: AtomicFile.join(folder.path, "GB\(index).pdf")))
            XCTAssertEqual(Array(bytes), Array(repeating: UInt8(index & 0xFF), count: index * 97))
        }
    }

    /// A name held by a folder is refused with the file's path.
    func test_directWriteFolder_aNameThatIsAFolder_isRefusedWithItsPath() throws {
        let folder = try DirectWriteFolder(path: try temporaryFolder().path)
        try FileManager.default.createDirectory(atPath: AtomicFile.join(folder.path, "GB1.pdf"), withIntermediateDirectories: false)
        XCTAssertThrowsError(try folder.write([1], name: "GB1.pdf")) { error in
            XCTAssertTrue("\(error)".contains(AtomicFile.join(folder.path, "GB1.pdf")), "\(error)")
        }
    }
}

private final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T { lock.lock(); defer { lock.unlock() }; return body(&value) }
}
