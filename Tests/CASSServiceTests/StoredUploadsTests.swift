import CASSDomain
import CASSFileLog
import CASSLog
import CASSService
import CASSWorkers
import Foundation
import XCTest

/// On the embedded file log an upload is kept as a file in the data
/// folder's `uploads/` (docs/service.md "The data folder"), not as chunks
/// on cass.uploads: it is ingested from there, downloaded from there, and
/// a stored file that changed is refused, never billed.
final class StoredUploadsTests: XCTestCase {
    func testEmbeddedUploadsAreFilesBesideTheLogAndIngestFromThere() throws {
        let logFolder = FileManager.default.temporaryDirectory.appendingPathComponent("cass-stored-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: logFolder) }
        let log = try FileLog(directory: logFolder.path, options: .service)
        defer { try? log.close() }
        let harness = try ServiceHarness(log: log)
        defer { harness.stop() }
        let admin = try harness.login("root", ServiceHarness.adminPassword)
        let files = Array(try FolderSettlement.inputFiles(in: FileRoutesTests.samplesInput).prefix(4))
        var ids: [String] = []
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path)))
            let answer = try admin.request("POST", "/api/v1/files?name=\(file.name)", body: bytes, contentType: "application/octet-stream")
            XCTAssertEqual(answer.status, 201, "\(file.name): \(answer)")
            ids.append(try XCTUnwrap(answer.json["id"] as? String))
        }
        let uploads = harness.directory.appendingPathComponent("uploads")
        let stored = try FileManager.default.contentsOfDirectory(atPath: uploads.path).sorted()
        XCTAssertEqual(stored.count, files.count, "one stored file per upload: \(stored)")
        for id in ids { XCTAssertEqual(stored.filter { $0.hasPrefix(id + "-") }.count, 1, "\(id) in \(stored)") }
        // The spool's name goes once the answer is out (the stored file is
        // a second name of the same bytes, so it stays).
        let spool = harness.directory.appendingPathComponent("spool").path
        let deadline = Date().addingTimeInterval(5)
        while try !FileManager.default.contentsOfDirectory(atPath: spool).isEmpty, Date() < deadline { usleep(10_000) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: spool), [], "the spool keeps nothing once the upload is answered")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: uploads.path).sorted(), stored, "the stored files stay")
        for partition in 0..<4 {
            XCTAssertEqual(try log.readToEnd(TopicPartition(topic: Topic.uploads.name, partition: Int32(partition))).count, 0,
                           "no chunks on cass.uploads")
        }
        for (id, file) in zip(ids, files) {
            let status = try waitFor(admin, "/api/v1/files/\(id)") { ($0["status"] as? String) != "received" }
            XCTAssertTrue(["accepted", "rejected"].contains(status["status"] as? String ?? ""), "\(file.name): \(status)")
            // The empty sample stays empty (F01); the others are read whole.
            let size = try Data(contentsOf: URL(fileURLWithPath: file.path)).count
            XCTAssertEqual(status["fileCode"] as? String == "F01", size == 0, "read as the file it is: \(status)")
            let content = try admin.get("/api/v1/files/\(id)/content")
            XCTAssertEqual(content.status, 200)
            XCTAssertEqual(content.body, try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path))), "content of \(file.name) as uploaded")
        }
    }

    func testAStoredFileThatChangedIsRefusedNamingIt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cass-stored-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bytes = Array("a billing file's bytes".utf8)
        let id = String(repeating: "ab", count: 16)
        let name = id + "-0011223344556677"
        try Data(bytes).write(to: folder.appendingPathComponent(name))
        let crc = bytes.withUnsafeBytes { FileReference.checksum($0) }
        let reference = FileReference(id: id, name: "GB125.cbf", uploadsPartition: 0, chunkOffsets: [], size: Int64(bytes.count),
                                      submittedBy: "ba.input", company: "airline-125", submittedAt: "2026-12-06T00:00:00Z",
                                      storedAs: name, storedCRC32: crc)
        let log = InProcessLog()
        XCTAssertEqual(try reference.content(from: log, uploads: folder), bytes)
        // Without the folder (a worker elsewhere): refused, naming the file.
        XCTAssertThrowsError(try reference.content(from: log, uploads: nil)) { XCTAssertTrue("\($0)".contains("GB125.cbf"), "\($0)") }
        // One byte changed: the checksum differs.
        var changed = bytes
        changed[3] ^= 0x20
        try Data(changed).write(to: folder.appendingPathComponent(name))
        XCTAssertThrowsError(try reference.content(from: log, uploads: folder)) { XCTAssertTrue("\($0)".contains("CRC-32 differs"), "\($0)") }
        // Shorter: the size differs.
        try Data(bytes.dropLast()).write(to: folder.appendingPathComponent(name))
        XCTAssertThrowsError(try reference.content(from: log, uploads: folder)) { XCTAssertTrue("\($0)".contains("the reference says"), "\($0)") }
    }

    /// Once read (by ingest, or for a download), a stored upload's pages
    /// leave the page cache (docs/filelog.md): read again, it reads the
    /// disk and gives the same bytes.
    func testAStoredFileLeavesThePageCacheOnceRead() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cass-stored-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bytes = (0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let id = String(repeating: "cd", count: 16)
        let name = id + "-8899aabbccddeeff"
        let path = folder.appendingPathComponent(name).path
        // Written and fsync'd, as the service stores an upload.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, bytes.count)
        XCTAssertEqual(fsync(fd), 0)
        close(fd)
        XCTAssertGreaterThan(try residentPages(path), 0, "just written: cached")
        let reference = FileReference(id: id, name: "GB125.cbf", uploadsPartition: 0, chunkOffsets: [], size: Int64(bytes.count),
                                      submittedBy: "ba.input", company: "airline-125", submittedAt: "2026-12-06T00:00:00Z",
                                      storedAs: name, storedCRC32: bytes.withUnsafeBytes { FileReference.checksum($0) })
        let log = InProcessLog()
        XCTAssertEqual(try reference.content(from: log, uploads: folder), bytes)
        XCTAssertEqual(try residentPages(path), 0, "read: released")
        XCTAssertEqual(try reference.content(from: log, uploads: folder), bytes, "read again from the disk")
    }

    /// Pages of the file at `path` in the page cache.
    func residentPages(_ path: String) throws -> Int {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CocoaError(.fileReadNoSuchFile) }
        defer { close(fd) }
        let size = Int(lseek(fd, 0, SEEK_END))
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard size > 0, let map = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), map != MAP_FAILED else { throw CocoaError(.fileReadUnknown) }
        defer { munmap(map, size) }
        var vector = [UInt8](repeating: 0, count: (size + page - 1) / page)
        guard mincore(map, size, &vector) == 0 else { throw CocoaError(.fileReadUnknown) }
        return vector.filter { $0 & 1 != 0 }.count
    }

    /// A reference from the log names a file in the uploads folder only:
    /// never a path, never another upload's file, never both chunks and a file.
    func testAStoredNameIsNeverAPath() throws {
        let id = String(repeating: "cd", count: 16)
        func decoded(_ storedAs: String, chunks: [Int64] = [], crc: UInt32? = 7) throws -> FileReference {
            let reference = FileReference(id: id, name: "GB125.cbf", uploadsPartition: 0, chunkOffsets: chunks, size: chunks.isEmpty ? 10 : 10,
                                          submittedBy: "u", company: "airline-125", submittedAt: "2026-12-06T00:00:00Z", storedAs: storedAs, storedCRC32: crc)
            guard case .fileRef(let back) = try StageMessage.decode(StageMessage.fileRef(reference).encoded()) else {
                throw APIClient.Failure(description: "not a fileRef")
            }
            return back
        }
        XCTAssertEqual(try decoded(id + "-00aa").storedAs, id + "-00aa")
        for bad in ["../" + id, id + "-/etc", "/" + id + "-00", id + "-00/..", String(repeating: "ef", count: 16) + "-00", id + "-" + String(repeating: "0", count: 40)] {
            XCTAssertThrowsError(try decoded(bad), bad)
        }
        XCTAssertThrowsError(try decoded(id + "-00", chunks: [0]), "chunks and a stored file")
        XCTAssertThrowsError(try decoded(id + "-00", crc: nil), "a stored file without its checksum")
    }
}
