import CASSDomain
import CASSEngine
import CASSLog
import CASSWorkers
import Foundation
import XCTest

/// What every worker enforces whatever its stage: writes only to declared
/// outputs, dead letters for what cannot be handled.
final class StageWorkerTests: XCTestCase {
    /// A stage that writes to the invoices topic without declaring it.
    final class Rogue: StageLogic {
        func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
            output.emit(NumberStage.invoices, key: "x", message)
        }
    }

    static let rogue = StageDefinition(
        name: StageName(rawValue: "rogue"), input: .files, outputs: [IngestStage.rejections.declaration],
        partitionedBy: "test", keeps: "nothing", make: { _ in Rogue() })

    func test_a_stage_writing_to_a_topic_it_did_not_declare_stops_and_writes_nothing() throws {
        let stage = try StageHarness(Self.rogue, environment: StageFixture.environment())
        XCTAssertThrowsError(try stage.push(.closeMarker(period: StageFixture.period(), source: 0, sourceCount: 1))) { error in
            XCTAssertTrue("\(error)".contains("does not declare"), "\(error)")
            XCTAssertTrue("\(error)".contains(Topic.invoices.name), "\(error)")
        }
        XCTAssertTrue(stage.worker.isBroken)
        XCTAssertEqual(try stage.log.readTopicToEnd(Topic.invoices.name).count, 0)
    }

    func test_a_record_that_does_not_decode_goes_to_the_dead_letter_topic_with_its_origin() throws {
        let stage = try StageHarness(IngestStage.definition, environment: StageFixture.environment())
        let out = try stage.push(raw: [0xFF, 0x02, 0x03], partition: 2, key: "k")
        XCTAssertEqual(out.deadLetters.count, 1)
        XCTAssertEqual(out.deadLetters.first?.value, [0xFF, 0x02, 0x03])
        XCTAssertEqual(out.deadLetters.first?.header("cass.source.partition"), "2")
        XCTAssertEqual(out.deadLetters.first?.header("cass.source.topic"), Topic.files.name)
        XCTAssertTrue(out.deadLetters.first?.header("cass.error")?.contains("unknown message kind 255") == true)
    }

    func test_message_kinds_are_named_and_round_trip() throws {
        XCTAssertEqual(Set(MessageKind.allCases.map(\.rawValue)).count, MessageKind.allCases.count, "no number used twice")
        let message = StageMessage.closeMarker(period: StageFixture.period(), source: 1, sourceCount: 2)
        XCTAssertEqual(message.encoded().first, MessageKind.closeMarker.rawValue)
        XCTAssertEqual(try StageMessage.decode(message.encoded()).kind, .closeMarker)
    }
}
