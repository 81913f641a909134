import CASSEngine
import CASSDomain
import CASSLog
@testable import CASSService
import CASSWorkers
import XCTest

/// FilesView decodes only the kinds of message it keeps something of
/// (cass.events carries every public fact; it keeps the file outcomes):
/// skipping the others must not change what it shows, and bytes that name
/// no kind must still fail the view as before.
final class FilesViewKindTests: XCTestCase {
    func testOnlyKeptKindsAreDecodedAndBrokenBytesStillFail() throws {
        let period = PeriodKey(country: "GB", period: try XCTUnwrap(BillingPeriod(yyyymmnn: 20261101)))
        let fileAt = StageMessage.fileAt(name: "GB125_20261101_1.cbf", path: "/in/a.cbf").encoded()
        let marker = StageMessage.closeMarker(period: period, source: 0, sourceCount: 1).encoded()
        let rejections = StageMessage.rejections([]).encoded()
        func record(_ topic: String, _ offset: Int64, _ value: [UInt8]) -> LogRecord {
            LogRecord(topic: topic, partition: 0, offset: offset, key: [], value: value)
        }
        XCTAssertTrue(FilesView.reads(record(TopicCatalog.files, 0, fileAt)))
        XCTAssertTrue(FilesView.reads(record(TopicCatalog.files, 0, marker)))
        XCTAssertFalse(FilesView.reads(record(TopicCatalog.files, 0, rejections)))
        XCTAssertFalse(FilesView.reads(record(TopicCatalog.events, 0, fileAt)))
        XCTAssertFalse(FilesView.reads(record(TopicCatalog.events, 0, marker)))
        XCTAssertTrue(FilesView.reads(record(TopicCatalog.rejections, 0, rejections)))
        XCTAssertFalse(FilesView.reads(record(TopicCatalog.rejections, 0, fileAt)))
        // No kind, or nothing at all: decoded, so the view says what is wrong.
        XCTAssertTrue(FilesView.reads(record(TopicCatalog.events, 0, [0xEE, 1, 2])))
        XCTAssertTrue(FilesView.reads(record(TopicCatalog.events, 0, [])))

        let view = FilesView()
        try view.apply(record(TopicCatalog.files, 4, fileAt))
        // A file's message on cass.events is not a file: nothing changes.
        try view.apply(record(TopicCatalog.events, 0, fileAt))
        XCTAssertEqual(view.file("p0-4")?.name, "GB125_20261101_1.cbf")
        XCTAssertNil(view.file("p0-0"))
        XCTAssertThrowsError(try view.apply(record(TopicCatalog.events, 1, [0xEE, 1, 2])))
        XCTAssertThrowsError(try view.apply(record(TopicCatalog.events, 2, [])))
    }
}
