import CASSDomain
import CASSNotify
import Foundation
import XCTest

/// Deliveries in the background: a receiver that never answers holds
/// neither the caller nor the other receivers, retries back off on their
/// own, and what is still pending can be listed.
final class DeliveryQueueTests: XCTestCase {
    private var stops: [() -> Void] = []

    override func tearDown() {
        stops.forEach { $0() }
        stops = []
    }

    /// Accepts connections and never answers (until stopped).
    private func silentReceiver() throws -> String {
        let release = DispatchSemaphore(value: 0)
        let server = try LocalServer { _ in _ = release.wait(timeout: .now() + 30) }
        stops.append { release.signal(); release.signal(); server.stop() }
        return "http://127.0.0.1:\(server.port)/silent"
    }

    private func airline(_ id: String, url: String, secret: String = "s") -> Recipient {
        Recipient(kind: .airline, id: id, language: "en", channels: .init(webhook: .init(url: url, secret: secret)), events: [.fileAccepted])
    }

    func test_the_scheduler_thread_has_a_name_the_kernel_knows() throws {
        #if os(Linux)
        func names() -> [String] {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
            return tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        let config = RecipientsConfiguration(retry: RetryPolicy(maxAttempts: 1, baseDelayMs: 10, factor: 2, maxDelayMs: 50), webhookTimeoutMs: 1_000, recipients: [])
        let queue = DeliveryQueue(notifier: Notifier(configuration: config, templates: try MessageTemplates()))
        defer { queue.stop() }
        let deadline = Date().addingTimeInterval(10)
        while !names().contains("notify-schedule"), Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertTrue(names().contains("notify-schedule"), "top -H shows the scheduler by name: \(names())")
        #endif
    }

    func test_a_silent_receiver_holds_neither_the_caller_nor_another_receiver() throws {
        let good = try HTTPReceiver(secret: "s", statuses: [200])
        stops.append(good.stop)
        let silent = try silentReceiver()
        let config = RecipientsConfiguration(retry: RetryPolicy(maxAttempts: 3, baseDelayMs: 10, factor: 2, maxDelayMs: 50), webhookTimeoutMs: 20_000,
                                             recipients: [airline("125", url: silent), airline("157", url: good.url)])
        let notifier = Notifier(configuration: config, templates: try MessageTemplates())
        let queue = DeliveryQueue(notifier: notifier)
        defer { queue.stop() }
        var event = Fixtures.accepted
        if case .fileAccepted(var accepted) = event {
            accepted.airline = "125"
            event = .fileAccepted(accepted)
        }
        let started = Date()
        try queue.enqueue(event)
        if case .fileAccepted(var accepted) = event {
            accepted.airline = "157"
            try queue.enqueue(.fileAccepted(accepted))
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.5, "enqueueing waits for nobody")
        XCTAssertFalse(queue.wait(until: Date().addingTimeInterval(1.5)), "the silent receiver's delivery is still pending")
        let finished = queue.takeFinished()
        XCTAssertEqual(finished.map(\.recipientID), ["157"], "the good receiver got its event meanwhile")
        XCTAssertEqual(finished.first?.status, .delivered)
        let pending = queue.pendingOutcomes()
        XCTAssertEqual(pending.map(\.recipientID), ["125"])
        XCTAssertEqual(pending.first?.status, .pending)
        XCTAssertEqual(queue.currentCounts.pending, 1)
    }

    func test_transient_failures_are_retried_in_the_background_until_delivered_or_exhausted() throws {
        let flaky = try HTTPReceiver(secret: "s", statuses: [503, 503, 200])
        let down = try HTTPReceiver(secret: "s", statuses: [503])
        stops.append(flaky.stop)
        stops.append(down.stop)
        let config = RecipientsConfiguration(retry: RetryPolicy(maxAttempts: 3, baseDelayMs: 20, factor: 2, maxDelayMs: 100),
                                             recipients: [airline("125", url: flaky.url), airline("157", url: down.url)])
        let queue = DeliveryQueue(notifier: Notifier(configuration: config, templates: try MessageTemplates()))
        defer { queue.stop() }
        for prefix in ["125", "157"] {
            if case .fileAccepted(var accepted) = Fixtures.accepted {
                accepted.airline = prefix
                try queue.enqueue(.fileAccepted(accepted))
            }
        }
        XCTAssertTrue(queue.wait(until: Date().addingTimeInterval(10)))
        let outcomes = Dictionary(uniqueKeysWithValues: queue.takeFinished().map { ($0.recipientID, $0) })
        XCTAssertEqual(outcomes["125"]?.status, .delivered)
        XCTAssertEqual(outcomes["125"]?.attempts.map(\.status), [503, 503, 200])
        XCTAssertEqual(outcomes["157"]?.status, .exhausted)
        XCTAssertEqual(outcomes["157"]?.attempts.count, 3)
        XCTAssertEqual(flaky.requests.map { $0.headers["webhook-id"] ?? "" }.count, 3)
        XCTAssertEqual(Set(flaky.requests.map { $0.headers["webhook-id"] ?? "" }).count, 1, "every retry carries the same webhook-id")
    }

    func test_the_queue_has_a_limit() throws {
        let silent = try silentReceiver()
        let config = RecipientsConfiguration(recipients: [airline("125", url: silent)])
        let queue = DeliveryQueue(notifier: Notifier(configuration: config, templates: try MessageTemplates()), pendingMax: 2)
        defer { queue.stop() }
        var accepted: NotificationEvent.FileAccepted?
        if case .fileAccepted(let value) = Fixtures.accepted { accepted = value }
        var event = try XCTUnwrap(accepted)
        event.airline = "125"
        try queue.enqueue(.fileAccepted(event))
        event.file = "second.cbf"
        try queue.enqueue(.fileAccepted(event))
        event.file = "third.cbf"
        XCTAssertThrowsError(try queue.enqueue(.fileAccepted(event)))
    }
}
