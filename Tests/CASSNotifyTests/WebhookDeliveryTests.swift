import CASSDomain
@testable import CASSNotify
import Foundation
import XCTest

/// Webhooks against a real HTTP server on 127.0.0.1, through URLSession.
final class WebhookDeliveryTests: XCTestCase {
    private var receivers: [HTTPReceiver] = []

    override func tearDown() {
        receivers.forEach { $0.stop() }
        receivers = []
    }

    private func receiver(statuses: [Int], secret: String = "hook-secret-1") throws -> HTTPReceiver {
        let receiver = try HTTPReceiver(secret: secret, statuses: statuses)
        receivers.append(receiver)
        return receiver
    }

    private func delivery(_ sleeper: RecordingSleeper, maxAttempts: Int = 5) -> WebhookDelivery {
        WebhookDelivery(policy: RetryPolicy(maxAttempts: maxAttempts, baseDelayMs: 3, factor: 2, maxDelayMs: 50), sleeper: sleeper, timeoutMs: 5_000)
    }

    func test_webhook_postsJSONSignedAsStandardWebhooks() throws {
        let server = try receiver(statuses: [200])
        let body = try Fixtures.invoice.jsonBytes()
        let result = delivery(RecordingSleeper()).deliver(body: body, to: .init(url: server.url, secret: server.secret), eventKind: "invoiceIssued", deliveryID: "d-1")
        XCTAssertTrue(result.delivered)
        XCTAssertEqual(result.attempts.map(\.status), [200])
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.path, "/cass/hook")
        XCTAssertTrue(request.signatureValid, "receiver could not verify \(request.headers["webhook-signature"] ?? "no signature")")
        XCTAssertTrue(request.timestampFresh)
        XCTAssertEqual(request.headers["content-type"], "application/json")
        XCTAssertEqual(request.headers["x-cass-event"], "invoiceIssued")
        XCTAssertEqual(request.headers["webhook-id"], "d-1")
        let stamp = try XCTUnwrap(Int64(request.headers["webhook-timestamp"] ?? ""))
        XCTAssertLessThan(abs(stamp - Int64(Date().timeIntervalSince1970)), 30)
        XCTAssertNil(request.headers["x-cass-signature"], "the unsigned-timestamp signature is gone")
        XCTAssertEqual(request.body, body)
        XCTAssertEqual(try NotificationEvent.decode(json: request.body), Fixtures.invoice)
    }

    func test_webhook_wrongSecretIsRefusedByReceiverAndNotRetried() throws {
        let server = try receiver(statuses: [200], secret: "the-real-secret")
        let result = delivery(RecordingSleeper()).deliver(body: Array("{}".utf8), to: .init(url: server.url, secret: "a-wrong-secret"), eventKind: "x", deliveryID: "d")
        XCTAssertFalse(result.delivered)
        XCTAssertEqual(result.attempts.map(\.status), [401])
        XCTAssertFalse(server.requests.first?.signatureValid ?? true)
    }

    func test_webhook_retriesOn500_thenSucceeds_threeAttemptsRecorded() throws {
        let server = try receiver(statuses: [500, 500, 200])
        let sleeper = RecordingSleeper()
        let result = delivery(sleeper).deliver(body: Array("{\"n\":1}".utf8), to: .init(url: server.url, secret: server.secret), eventKind: "x", deliveryID: "d")
        XCTAssertTrue(result.delivered)
        XCTAssertEqual(result.attempts.map(\.attempt), [1, 2, 3])
        XCTAssertEqual(result.attempts.map(\.status), [500, 500, 200])
        XCTAssertEqual(result.attempts.map(\.succeeded), [false, false, true])
        XCTAssertEqual(sleeper.delays, [3, 6], "exponential backoff: base, base × factor")
        XCTAssertEqual(server.requests.count, 3)
        XCTAssertTrue(server.requests.allSatisfy(\.signatureValid))
    }

    func test_webhook_exhaustedAfterMaxAttempts() throws {
        let server = try receiver(statuses: [503])
        let sleeper = RecordingSleeper()
        let result = delivery(sleeper, maxAttempts: 4).deliver(body: Array("{}".utf8), to: .init(url: server.url, secret: server.secret), eventKind: "x", deliveryID: "d")
        XCTAssertFalse(result.delivered)
        XCTAssertEqual(result.attempts.count, 4)
        XCTAssertEqual(server.requests.count, 4)
        XCTAssertEqual(sleeper.delays, [3, 6, 12], "no wait after the last attempt")
        XCTAssertTrue(result.attempts.last?.error?.contains("503") ?? false)
    }

    func test_webhook_clientError404IsFinal_but429IsRetried() throws {
        let notFound = try receiver(statuses: [404])
        let result = delivery(RecordingSleeper()).deliver(body: Array("{}".utf8), to: .init(url: notFound.url, secret: notFound.secret), eventKind: "x", deliveryID: "d")
        XCTAssertFalse(result.delivered)
        XCTAssertEqual(result.attempts.map(\.status), [404])

        let busy = try receiver(statuses: [429, 408, 204])
        let retried = delivery(RecordingSleeper()).deliver(body: Array("{}".utf8), to: .init(url: busy.url, secret: busy.secret), eventKind: "x", deliveryID: "d")
        XCTAssertTrue(retried.delivered)
        XCTAssertEqual(retried.attempts.map(\.status), [429, 408, 204])
    }

    func test_webhook_redirectIsNotFollowed_andIsFinal() throws {
        let server = try receiver(statuses: [307, 200])
        let result = delivery(RecordingSleeper()).deliver(body: Array("{}".utf8), to: .init(url: server.url, secret: server.secret), eventKind: "x", deliveryID: "d")
        XCTAssertFalse(result.delivered)
        XCTAssertEqual(result.attempts.map(\.status), [307])
        XCTAssertEqual(server.requests.map(\.path), ["/cass/hook"])
    }

    func test_webhook_connectionRefusedIsRetriedThenExhausted() throws {
        // A port that was just free: bind, learn the port, close.
        let server = try receiver(statuses: [200])
        let url = server.url
        server.stop()
        let result = delivery(RecordingSleeper(), maxAttempts: 2).deliver(body: Array("{}".utf8), to: .init(url: url, secret: "s"), eventKind: "x", deliveryID: "d")
        XCTAssertFalse(result.delivered)
        XCTAssertEqual(result.attempts.count, 2)
        XCTAssertNil(result.attempts[0].status)
        XCTAssertNotNil(result.attempts[0].error)
    }

    func test_backoff_isCappedAndNeverOverflows() {
        let policy = RetryPolicy(maxAttempts: 20, baseDelayMs: 500, factor: 10, maxDelayMs: 60_000)
        XCTAssertEqual((1...6).map(policy.delayMs(afterAttempt:)), [500, 5_000, 50_000, 60_000, 60_000, 60_000])
        XCTAssertEqual(RetryPolicy(maxAttempts: 20, baseDelayMs: 1, factor: Int.max, maxDelayMs: Int.max).delayMs(afterAttempt: 5), Int.max)
    }

    /// A receiver using the reference Standard Webhooks library (Python,
    /// scripts/check-webhook) accepts what we send, and refuses it altered.
    func test_theReferenceStandardWebhooksLibrary_verifiesOurRequests() throws {
        let secret = "whsec_" + Data("a 24-byte receiver key!!".utf8).base64EncodedString()
        let server = try receiver(statuses: [200], secret: secret)
        let body = try Fixtures.invoice.jsonBytes()
        XCTAssertTrue(delivery(RecordingSleeper()).deliver(body: body, to: .init(url: server.url, secret: secret), eventKind: "invoiceIssued", deliveryID: "msg-1").delivered)
        let request = try XCTUnwrap(server.requests.first)
        let headers = String(decoding: try JSONSerialization.data(withJSONObject: request.headers), as: UTF8.self)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func check(_ bytes: [UInt8]) throws -> Int32 {
            let file = folder.appendingPathComponent("body")
            try Data(bytes).write(to: file)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("scripts/check-webhook")
            process.arguments = [secret, headers, file.path]
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        let verdict = try check(request.body)
        if verdict == 3 {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("scripts/check-webhook could not install standardwebhooks in CI") }
            throw XCTSkip("standardwebhooks (PyPI) could not be installed here")
        }
        XCTAssertEqual(verdict, 0, "the reference library refused our signature")
        XCTAssertEqual(try check(request.body + Array(" ".utf8)), 1, "the reference library accepted an altered body")
    }
}
