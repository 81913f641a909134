import CASSLog
import CASSWorkers
import Foundation
import XCTest

/// The topology is the stage definitions; what describes it is derived.
final class TopicCatalogTests: XCTestCase {
    func test_topics_json_matches_the_stage_definitions() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: repo.appendingPathComponent("Topics/topics.json"), encoding: .utf8)
        XCTAssertEqual(file, TopicCatalog.json(), "regenerate with: cass topics describe --json > Topics/topics.json")
    }

    func test_state_topic_covers_every_stage_input_partition() {
        var partitions = TopicCatalog.Partitions()
        partitions.records = 13
        let specs = TopicCatalog.specs(partitions)
        let state = specs.first { $0.name == TopicCatalog.state }
        XCTAssertEqual(state?.partitions, 13, "as many as the largest input")
        for stage in Pipeline.definitions {
            let input = specs.first { $0.name == stage.input.name }
            XCTAssertGreaterThanOrEqual(state?.partitions ?? 0, input?.partitions ?? .max, stage.name.rawValue)
        }
    }

    func test_every_stage_has_a_dead_letter_topic_and_every_topic_it_names_exists() {
        let names = Set(TopicCatalog.specs().map(\.name))
        for stage in Pipeline.definitions {
            XCTAssertTrue(names.contains(stage.deadLetter.name))
            XCTAssertTrue(names.contains(stage.input.name))
            for output in stage.outputs { XCTAssertTrue(names.contains(output.topic.name), "\(stage.name) writes \(output.topic.name)") }
        }
        XCTAssertEqual(names.count, TopicCatalog.specs().count, "each topic once")
    }

    func test_stage_names_are_unique_and_found_by_name() {
        XCTAssertEqual(Set(Pipeline.names).count, Pipeline.definitions.count)
        for stage in Pipeline.definitions { XCTAssertEqual(Pipeline.definition(named: stage.name.rawValue)?.name, stage.name) }
        XCTAssertNil(Pipeline.definition(named: "nope"))
    }

    func test_critical_topics_keep_their_replication() {
        let specs = TopicCatalog.specs(replication: .single, critical: .production)
        for topic in TopicCatalog.topics() {
            let spec = specs.first { $0.name == topic.name }
            XCTAssertEqual(spec?.replication, topic.isCritical ? 3 : 1, topic.name)
            XCTAssertEqual(spec?.minInSyncReplicas, topic.isCritical ? 2 : 1, topic.name)
        }
        for base in ["cass.state", "cass.invoices", "cass.files", "cass.settlements"] {
            XCTAssertTrue(TopicCatalog.topics().first { $0.base == base }?.isCritical == true, base)
        }
    }

    func test_describe_names_every_stage_and_topic() {
        let text = TopicCatalog.describe()
        for stage in Pipeline.definitions { XCTAssertTrue(text.contains(stage.name.rawValue + " ")) }
        for topic in TopicCatalog.topics() { XCTAssertTrue(text.contains(topic.name), topic.name) }
    }

    func test_replication_of_critical_topics_is_never_below_production_unless_allowed() throws {
        let defaults = try TopicCatalog.Replication.resolve(factor: nil, minInSync: nil, allowLow: false)
        XCTAssertEqual(defaults.all, .production)
        XCTAssertEqual(defaults.critical, .production)
        let single = try TopicCatalog.Replication.resolve(factor: 1, minInSync: nil, allowLow: false)
        XCTAssertEqual(single.all, .single)
        XCTAssertEqual(single.critical, .production, "asked for 1, the critical topics keep 3 and 2")
        let allowed = try TopicCatalog.Replication.resolve(factor: 1, minInSync: nil, allowLow: true)
        XCTAssertEqual(allowed.critical, .single)
        let five = try TopicCatalog.Replication.resolve(factor: 5, minInSync: 3, allowLow: false)
        XCTAssertEqual(five.critical, TopicCatalog.Replication(factor: 5, minInSync: 3), "more than production stays")
        XCTAssertThrowsError(try TopicCatalog.Replication.resolve(factor: 2, minInSync: 3, allowLow: true))
    }
}
