import CASSDomain
import CASSLog
import CASSNotify
@testable import CASSWorkers
import Foundation
import XCTest

/// The notify stage never holds its worker, and a restarted worker takes
/// over the deliveries another left pending.
final class NotifyStageTests: XCTestCase {
    /// A socket that listens and never accepts: connections complete and
    /// requests get no answer, like a receiver that hangs.
    func silentPort() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw XCTSkip("no socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(fd, 64)
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        addTeardownBlock { close(fd) }
        return Int32(UInt16(bigEndian: bound.sin_port))
    }

    func test_a_hanging_receiver_never_holds_the_worker_and_a_restart_resumes_its_delivery() throws {
        let folder = try CommandRunner.temporaryFolder(self, "notify")
        let port = try silentPort()
        let configuration = RecipientsConfiguration(
            from: "CASS <cass@example.org>", outbox: folder.appendingPathComponent("outbox").path,
            retry: RetryPolicy(maxAttempts: 5, baseDelayMs: 50, factor: 2, maxDelayMs: 200), webhookTimeoutMs: 30_000,
            recipients: [Recipient(kind: .airline, id: "125", language: "en",
                                   channels: .init(webhook: .init(url: "http://127.0.0.1:\(port)/hook", secret: "s"), email: .init(address: "billing@airline.example")))])
        let log = InProcessLog()
        try log.createTopics(TopicCatalog.specs())
        let producer = try log.makeProducer()
        let outcome = FileOutcome(file: "125_GB.cbf", airline: "125", country: "GB", period: "20261101", accepted: true, code: "", message: "",
                                  recordsPassed: 3, recordsRejected: 0)
        try producer.send([OutgoingRecord(topic: TopicCatalog.events, partition: 0, key: Array("125".utf8), value: StageMessage.fileOutcome(outcome).encoded())])
        let reference = ReferenceData()
        let environment = StageEnvironment(reference: reference, persistState: true, notifier: Notifier(configuration: configuration, templates: try MessageTemplates()))
        let worker = try StageWorker(NotifyStage.definition, environment: environment, log: log)
        guard let stage = worker.logic as? NotifyStage else { return XCTFail("the notify definition builds a NotifyStage") }
        let started = Date()
        XCTAssertEqual(try worker.step(), 1)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "the event was handled without waiting for the receiver")
        func deliveries() throws -> [DeliveryOutcome] {
            var all: [DeliveryOutcome] = []
            for partition in 0..<(try log.partitionCount(of: TopicCatalog.deliveries)) {
                all += try log.readToEnd(TopicPartition(topic: TopicCatalog.deliveries, partition: partition)).map { try DeliveryOutcome.decode(json: $0.value) }
            }
            return all
        }
        XCTAssertEqual(try deliveries().map(\.status), [.pending, .pending], "both deliveries recorded pending with the event")
        // The e-mail finishes in the background; an idle step writes it.
        let deadline = Date().addingTimeInterval(10)
        while try deliveries().filter({ $0.status == .delivered }).isEmpty && Date() < deadline {
            XCTAssertEqual(try worker.step(timeoutMs: 50), 0)
        }
        XCTAssertEqual(try deliveries().filter { $0.status == .delivered }.map(\.channel), [.email])
        XCTAssertEqual(stage.counts.pending, 1, "the webhook is still being tried")
        // The worker dies; another one takes over the pending webhook.
        worker.abandon()
        let pending = try NotifyStage.pendingDeliveries(in: log)
        XCTAssertEqual(pending.map(\.channel), [.webhook])
        let successor = NotifyStage(notifier: Notifier(configuration: configuration, templates: try MessageTemplates()), reference: reference, documents: nil)
        try successor.resume(pending)
        XCTAssertEqual(successor.counts.pending, 1)
    }

    func test_cass_settle_with_unreachable_receivers_finishes_and_reports_what_is_pending() throws {
        let folder = try CommandRunner.temporaryFolder(self, "settle-notify")
        let (reference, input) = try CommandRunner.samples(into: folder)
        let silent = try silentPort()
        let recipients = folder.appendingPathComponent("recipients.json")
        try """
        {"outbox": "outbox", "webhookTimeoutMs": 20000,
         "retry": {"maxAttempts": 5, "baseDelayMs": 500, "factor": 2, "maxDelayMs": 30000},
         "recipients": [
           {"kind": "airline", "id": "125", "language": "en", "channels": {"webhook": {"url": "http://127.0.0.1:\(silent)/hangs", "secret": "s"}}},
           {"kind": "airline", "id": "157", "language": "en", "channels": {"webhook": {"url": "http://127.0.0.1:9/refused", "secret": "s"}}},
           {"kind": "airline", "id": "176", "language": "en", "channels": {"email": {"address": "billing@176.example"}}}
         ]}
        """.write(to: recipients, atomically: true, encoding: .utf8)
        let output = folder.appendingPathComponent("out")
        let result = try CommandRunner.run(["settle", "--no-documents", "--reference", reference.path, "--input", input.path, "--output", output.path,
                                            "--notify", recipients.path, "--notify-wait", "3"], timeoutSeconds: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertLessThan(result.seconds, 30, "the run waited for receivers that do not answer")
        XCTAssertTrue(result.stderr.contains("notifications: "), "progress on stderr: \(result.stderr)")
        XCTAssertTrue(result.stderr.contains("still pending after 3 s"), result.stderr)
        XCTAssertTrue(result.stderr.contains("is plain http"), result.stderr)
        let manifest = try CommandRunner.manifest(output)
        XCTAssertNotNil(manifest.files["notifications-pending.jsonl"])
        XCTAssertNotNil(manifest.files["deliveries.jsonl"])
        let pending = try String(contentsOf: output.appendingPathComponent("notifications-pending.jsonl"), encoding: .utf8)
        XCTAssertTrue(pending.contains("\"recipientID\":\"125\""), pending.prefix(300).description)
        XCTAssertTrue(pending.contains("\"status\":\"pending\""))
        let delivered = try String(contentsOf: output.appendingPathComponent("deliveries.jsonl"), encoding: .utf8)
        XCTAssertTrue(delivered.contains("\"recipientID\":\"176\""), "the e-mails went out meanwhile")
    }
}
