import CASSWorkers
import Foundation
import XCTest

/// Topics/topics.json is the declaration in TopicCatalog, written out.
final class TopicCatalogTests: XCTestCase {
    func test_topics_json_matches_the_catalog() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: repo.appendingPathComponent("Topics/topics.json"), encoding: .utf8)
        XCTAssertEqual(file, TopicCatalog.json(), "regenerate with: cass topics describe --json > Topics/topics.json")
    }

    func test_state_topic_covers_every_stage_input_partition() {
        let specs = TopicCatalog.specs()
        let state = specs.first { $0.name == TopicCatalog.state }
        for stage in StageName.allCases {
            let input = specs.first { $0.name == stage.inputTopic }
            XCTAssertGreaterThanOrEqual(state?.partitions ?? 0, input?.partitions ?? .max, stage.rawValue)
        }
    }

    func test_every_stage_has_a_dead_letter_topic() {
        let names = Set(TopicCatalog.specs().map(\.name))
        for stage in StageName.allCases { XCTAssertTrue(names.contains(stage.deadLetterTopic)) }
    }
}
