import CASSDomain
import CASSEngine
import CASSLog
import CASSSamples
import CASSWorkers
import Foundation
import XCTest

/// `cass status` covers every stage of the pipeline, with its lag.
final class ClusterStatusTests: XCTestCase {
    func test_status_reports_every_stage_and_its_lag() throws {
        let pipeline = try EmbeddedPipeline(reference: StageFixture.reference, keepLines: false)
        try pipeline.submit([(name: "a.cbf", bytes: StageFixture.file(records: (1...5).map { StageFixture.record(1_000_000 + $0) }))])
        try pipeline.close([StageFixture.period()])
        try pipeline.drain()
        let status = try ClusterStatus.read(from: pipeline.log)
        XCTAssertEqual(status.lagPerStage.map(\.stage), Pipeline.definitions.map(\.name), "every stage, in pipeline order")
        let lag = Dictionary(uniqueKeysWithValues: status.lagPerStage.map { ($0.stage.rawValue, $0.lag) })
        for stage in ["ingest", "validate", "tax", "settle", "number"] { XCTAssertEqual(lag[stage], 0, stage) }
        XCTAssertEqual(lag["render"], 1, "one invoice header nobody rendered here")
        XCTAssertEqual(lag["notify"], 3, "file outcome, invoice issued, period closed: nobody notified here")
        XCTAssertEqual(status.closedPeriods, [StageFixture.period()])
        let text = status.render()
        for stage in Pipeline.names { XCTAssertTrue(text.contains(stage), stage) }
    }
}
