import CASSDomain
import CASSEngine
import CASSLog
@testable import CASSWorkers
import XCTest

/// What the service writes to cass.files is read back before it is written
/// (`Submission.checkedRecord`): a value the stages and views could not
/// read fails its request instead of reaching the log.
final class SubmissionReadBackTests: XCTestCase {
    func reference(storedAs: String?) -> FileReference {
        FileReference(id: String(repeating: "ab", count: 16), name: "125_GB_20261101_000001.cbf", uploadsPartition: 0, chunkOffsets: [],
                      size: 10, submittedBy: "ba.input", company: "airline-125", submittedAt: "2026-12-07T19:00:00Z",
                      storedAs: storedAs, storedCRC32: 7)
    }

    func testMessagesThatReadBackAreWrittenAsRecordWritesThem() throws {
        let messages: [StageMessage] = [
            .fileRef(reference(storedAs: String(repeating: "ab", count: 16) + "-0011223344556677")),
            .closeMarker(period: PeriodKey(country: "GB", period: try XCTUnwrap(BillingPeriod(yyyymmnn: 17_01_01))), source: 0, sourceCount: 1),
        ]
        for message in messages {
            let checked = try Submission.checkedRecord(message, operation: "GB", partitions: 4)
            let plain = Submission.record(message, operation: "GB", partitions: 4)
            XCTAssertEqual(checked.value, plain.value)
            XCTAssertEqual(checked.partition, plain.partition)
            XCTAssertEqual(checked.key, plain.key)
        }
    }

    /// A stored name that is a path encodes, but ingest would refuse it
    /// (a reference names a file in the uploads folder only).
    func testAMessageThatWouldNotReadBackIsRefusedNamingWhy() {
        let message = StageMessage.fileRef(reference(storedAs: "../../etc/passwd"))
        XCTAssertThrowsError(try Submission.checkedRecord(message, operation: "GB", partitions: 4)) { error in
            XCTAssertTrue("\(error)".contains("fileRef message for cass.files would not read back"), "\(error)")
        }
    }
}
