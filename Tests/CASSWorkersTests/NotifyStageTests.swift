import CASSDomain
import CASSEngine
import CASSLog
import CASSNotify
import CASSWorkers
import Foundation
import XCTest

/// The notify stage alone: an event in, a delivery record out (and the
/// e-mail in the outbox).
final class NotifyStageTests: XCTestCase {
    func test_a_file_outcome_becomes_a_delivery_record_and_an_email_in_the_outbox() throws {
        let outbox = try StageFixture.temporaryFolder(self)
        let configuration = RecipientsConfiguration(
            from: "cass@example.org", outbox: outbox.path,
            recipients: [Recipient(kind: .airline, id: "125", language: "en", channels: .init(email: .init(address: "billing@airline.example")))])
        var environment = StageFixture.environment()
        environment.notifier = Notifier(configuration: configuration, templates: try MessageTemplates())
        let stage = try StageHarness(NotifyStage.definition, environment: environment)
        let outcome = FileOutcome(file: "a.cbf", airline: "125", country: "GB", period: "20261101", accepted: true, code: "", message: "",
                                  recordsPassed: 3, recordsRejected: 1)
        let out = try stage.push(.fileOutcome(outcome))
        XCTAssertEqual(out.on(.deliveries).count, 1)
        let pending = try DeliveryOutcome.decode(json: out.on(.deliveries).first?.value ?? [])
        XCTAssertEqual(pending.status, .pending, "recorded with the event; delivered in the background")
        XCTAssertEqual(pending.recipientID, "125")
        // The worker writes the outcome when idle.
        var delivered: [DeliveryOutcome] = []
        let deadline = Date().addingTimeInterval(10)
        while delivered.isEmpty, Date() < deadline {
            try stage.worker.step(timeoutMs: 20)
            delivered = try stage.drain().on(.deliveries).map { try DeliveryOutcome.decode(json: $0.value) }
        }
        XCTAssertEqual(delivered.map(\.status), [.delivered])
        XCTAssertEqual(out.deadLetters.count, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outbox.path).count, 1)
    }

    func test_notify_needs_recipients() {
        XCTAssertThrowsError(try StageHarness(NotifyStage.definition, environment: StageFixture.environment())) {
            XCTAssertTrue("\($0)".contains("recipients"), "\($0)")
        }
    }
}
