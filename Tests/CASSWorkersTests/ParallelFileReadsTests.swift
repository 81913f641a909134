import CASSDomain
import CASSEngine
import CASSWorkers
import Foundation
import XCTest

/// The read-ahead of `cass settle` (ParallelFileReads) on its own, with a
/// reader of the test's: every file's own result reaches ingest, in any
/// order ingest asks, and no more files or bytes than the bound are ever
/// read ahead and waiting. No timing: the test waits on conditions.
final class ParallelFileReadsTests: XCTestCase {
    /// A reader that names the file it read, counts its calls and can be
    /// held (the test decides when reads may finish).
    final class Reader: @unchecked Sendable {
        // @unchecked: every field behind `condition`.
        let condition = NSCondition()
        var calls = 0
        var concurrent = 0
        var peakConcurrent = 0

        func read(_ file: ParallelFileReads.File) -> FileReadResult? {
            condition.lock()
            calls += 1
            concurrent += 1
            peakConcurrent = max(peakConcurrent, concurrent)
            condition.broadcast()
            condition.unlock()
            defer {
                condition.lock()
                concurrent -= 1
                condition.unlock()
            }
            if file.path.hasSuffix("unreadable") { return nil }
            return .rejected(name: file.name, identity: ReportedIdentity(airline: file.path),
                             problem: Problem(code: .F01, message: "read \(file.path)"))
        }

        /// Waits until at least `count` reads have started.
        func waitForCalls(_ count: Int) {
            condition.lock()
            while calls < count { condition.wait() }
            condition.unlock()
        }
    }

    func files(_ count: Int, size: Int = 10) -> [ParallelFileReads.File] {
        (0..<count).map { ParallelFileReads.File(name: "f\($0).xml", path: "/spool/f\($0).xml", size: size) }
    }

    func path(of result: FileReadResult?) -> String? {
        guard case .rejected(_, let identity, _)? = result else { return nil }
        return identity.airline
    }

    func test_every_file_gets_its_own_result_in_the_hinted_order() {
        let reader = Reader()
        let list = files(40)
        let reads = ParallelFileReads(files: list, limits: .init(threads: 4, filesInFlightMax: 3)) { reader.read($0) }
        reads.start()
        var fromIngest = 0
        for file in list {
            let result = reads.take(path: file.path)
            if result == nil { fromIngest += 1 } else { XCTAssertEqual(path(of: result), file.path) }
        }
        reads.waitForThreads()
        let stats = reads.stats
        XCTAssertEqual(stats.taken + stats.readByIngest, 40)
        XCTAssertEqual(stats.readByIngest, fromIngest)
        XCTAssertLessThanOrEqual(stats.peakFilesInFlight, 3)
        XCTAssertEqual(reader.calls, stats.taken, "a file ingest reads itself is not read ahead too")
    }

    func test_the_bound_on_files_in_flight_holds_while_ingest_is_slow() {
        let reader = Reader()
        let list = files(30)
        let reads = ParallelFileReads(files: list, limits: .init(threads: 6, filesInFlightMax: 4)) { reader.read($0) }
        reads.start()
        for (index, file) in list.enumerated() {
            // Ingest comes for file i only once the threads could have
            // started i + 4 (the bound) or more: they are always ahead.
            reader.waitForCalls(min(list.count, index + 4))
            XCTAssertEqual(path(of: reads.take(path: file.path)), file.path)
        }
        reads.waitForThreads()
        XCTAssertEqual(reads.stats.peakFilesInFlight, 4, "the read-ahead fills the bound and never passes it")
        XCTAssertEqual(reads.stats.readByIngest, 0)
        XCTAssertLessThanOrEqual(reader.peakConcurrent, 4)
    }

    func test_the_bound_on_bytes_in_flight_holds_and_a_larger_file_is_read_alone() {
        let reader = Reader()
        var list = files(20, size: 100)
        list[7].size = 1_000
        let reads = ParallelFileReads(files: list, limits: .init(threads: 4, filesInFlightMax: 10, bytesInFlightMax: 250)) { reader.read($0) }
        reads.start()
        for (index, file) in list.enumerated() {
            reader.waitForCalls(min(list.count, index + 1))
            XCTAssertEqual(path(of: reads.take(path: file.path)), file.path)
        }
        reads.waitForThreads()
        XCTAssertEqual(reads.stats.peakBytesInFlight, 1_000, "the large file alone")
        XCTAssertEqual(reads.stats.readByIngest, 0)
    }

    func test_another_consumption_order_still_gets_every_result_without_deadlock() {
        let reader = Reader()
        let list = files(25)
        let reads = ParallelFileReads(files: list, limits: .init(threads: 3, filesInFlightMax: 2)) { reader.read($0) }
        reads.start()
        for file in list.reversed() {
            let result = reads.take(path: file.path)
            if result != nil { XCTAssertEqual(path(of: result), file.path) }
        }
        reads.waitForThreads()
        XCTAssertEqual(reads.stats.taken + reads.stats.readByIngest, 25)
    }

    func test_a_path_listed_twice_is_read_twice_and_an_unreadable_file_is_left_to_ingest() {
        let reader = Reader()
        var list = files(3)
        list.append(list[1])
        list.append(ParallelFileReads.File(name: "x.xml", path: "/spool/unreadable", size: 1))
        let reads = ParallelFileReads(files: list, limits: .init(threads: 2, filesInFlightMax: 5)) { reader.read($0) }
        reads.start()
        reader.waitForCalls(5)
        XCTAssertEqual(path(of: reads.take(path: "/spool/f0.xml")), "/spool/f0.xml")
        XCTAssertEqual(path(of: reads.take(path: "/spool/f1.xml")), "/spool/f1.xml")
        XCTAssertEqual(path(of: reads.take(path: "/spool/f2.xml")), "/spool/f2.xml")
        XCTAssertEqual(path(of: reads.take(path: "/spool/f1.xml")), "/spool/f1.xml")
        XCTAssertNil(reads.take(path: "/spool/unreadable"))
        XCTAssertNil(reads.take(path: "/spool/f1.xml"), "listed twice, asked for a third time: ingest reads it")
        XCTAssertNil(reads.take(path: "/spool/other.xml"))
        reads.waitForThreads()
    }

    func test_cancel_ends_the_threads_with_results_not_taken() {
        let reader = Reader()
        let reads = ParallelFileReads(files: files(50), limits: .init(threads: 3, filesInFlightMax: 2)) { reader.read($0) }
        reads.start()
        reader.waitForCalls(2)
        reads.cancel()
        reads.waitForThreads()
        XCTAssertLessThan(reader.calls, 50)
    }
}
