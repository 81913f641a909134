import CASSDomain
import CASSNotify
import Foundation
import XCTest

/// The whole path: event → recipients → messages in their languages →
/// webhook, outbox and SMTP, with outcomes for the stage worker.
final class NotifierTests: XCTestCase {
    private var stops: [() -> Void] = []
    private var folders: [String] = []

    override func tearDown() {
        stops.forEach { $0() }
        stops = []
        folders.forEach { try? FileManager.default.removeItem(atPath: $0) }
        folders = []
    }

    private let fixedClock: @Sendable () -> Date = { Date(timeIntervalSince1970: 1_790_000_000) }
    private let fastRetry = RetryPolicy(maxAttempts: 3, baseDelayMs: 2, factor: 2, maxDelayMs: 20)

    private func outboxFolder() throws -> String {
        let folder = try Fixtures.temporaryFolder()
        folders.append(folder)
        return folder + "/outbox"
    }

    private func agent(_ code: String = Fixtures.agent, language: String, webhook: Recipient.Webhook? = nil, email: Recipient.Email? = nil) -> Recipient {
        Recipient(kind: .agent, id: code, language: language, channels: .init(webhook: webhook, email: email))
    }

    func test_invoiceIssued_reachesAgentByWebhookAndOutbox_inItsLanguage_withPDF() throws {
        let receiver = try HTTPReceiver(secret: "agent-secret", statuses: [200])
        stops.append(receiver.stop)
        let outbox = try outboxFolder()
        let config = RecipientsConfiguration(from: "CASS GB <cass@cass.example.org>", outbox: outbox, retry: fastRetry, recipients: [
            agent(language: "fr", webhook: .init(url: receiver.url, secret: "agent-secret"), email: .init(address: "agent@example.fr", name: "Transitaire Élysée")),
            agent("91200420006", language: "zh-Hans", email: .init(address: "other@example.cn")),
        ])
        let notifier = Notifier(configuration: config, templates: try MessageTemplates(), sleeper: RecordingSleeper(), clock: fixedClock)
        let outcomes = notifier.deliver(Fixtures.invoice, attachments: [EmailAttachment(filename: "GB-2026110201-000042.pdf", bytes: Fixtures.pdf)])

        XCTAssertEqual(outcomes.map(\.channel), [.webhook, .email])
        XCTAssertEqual(outcomes.map(\.status), [.delivered, .delivered])
        XCTAssertEqual(Set(outcomes.map(\.recipientID)), [Fixtures.agent], "only the invoice's agent")
        XCTAssertNotEqual(outcomes[0].deliveryID, outcomes[1].deliveryID)

        let request = try XCTUnwrap(receiver.requests.first)
        XCTAssertTrue(request.signatureValid)
        XCTAssertEqual(request.headers["webhook-id"], outcomes[0].deliveryID)
        let body = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        let message = try XCTUnwrap(body["message"] as? [String: Any])
        XCTAssertEqual(message["language"] as? String, "fr")
        XCTAssertTrue((message["subject"] as? String ?? "").hasPrefix("Facture CASS"))
        XCTAssertEqual(body["deliveryId"] as? String, outcomes[0].deliveryID)

        let files = try FileManager.default.contentsOfDirectory(atPath: outbox)
        XCTAssertEqual(files, [outcomes[1].deliveryID + "@cass.example.org.eml"])
        let eml = try XCTUnwrap(FileManager.default.contents(atPath: outbox + "/" + files[0]))
        let reader = try XCTUnwrap(MIMEReader(Array(eml)))
        XCTAssertTrue(MIMEReader.decodeEncodedWords(reader.headers["subject"] ?? "").hasPrefix("Facture CASS GB-2026110201-000042"))
        XCTAssertEqual(reader.headers["content-language"], "fr")
        XCTAssertEqual(reader.headers["x-cass-delivery-id"], outcomes[1].deliveryID)
        XCTAssertTrue(reader.parts[0].text.contains("Date d'échéance : 2026-12-10"))
        let pdf = reader.parts[1].body.components(separatedBy: "\r\n").joined()
        XCTAssertEqual(Data(base64Encoded: pdf).map { Array($0) }, Fixtures.pdf)
    }

    func test_redelivery_isIdempotent_sameIDsSameBytes() throws {
        let receiver = try HTTPReceiver(secret: "s", statuses: [200])
        stops.append(receiver.stop)
        let outbox = try outboxFolder()
        let config = RecipientsConfiguration(from: "cass@cass.example.org", outbox: outbox, retry: fastRetry, recipients: [
            Recipient(kind: .airline, id: "125", language: "de", channels: .init(webhook: .init(url: receiver.url, secret: "s"), email: .init(address: "a@example.de"))),
        ])
        let notifier = Notifier(configuration: config, templates: try MessageTemplates(), sleeper: RecordingSleeper(), clock: fixedClock)
        let first = notifier.deliver(Fixtures.accepted)
        let second = notifier.deliver(Fixtures.accepted)
        XCTAssertEqual(first.map(\.deliveryID), second.map(\.deliveryID))
        XCTAssertEqual(receiver.requests.count, 2)
        XCTAssertEqual(receiver.requests[0].body, receiver.requests[1].body, "replays sign the same bytes")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outbox).count, 1, "a replay replaces the outbox file")
    }

    func test_deadReceiver_givesExhaustedOutcome_withEveryAttemptAndTheEvent() throws {
        let receiver = try HTTPReceiver(secret: "s", statuses: [500])
        stops.append(receiver.stop)
        let config = RecipientsConfiguration(retry: fastRetry, recipients: [
            Recipient(kind: .operator, id: "monitor", language: "en", channels: .init(webhook: .init(url: receiver.url, secret: "s"))),
        ])
        let sleeper = RecordingSleeper()
        let outcomes = Notifier(configuration: config, templates: try MessageTemplates(), sleeper: sleeper, clock: fixedClock).deliver(Fixtures.closed)
        let outcome = try XCTUnwrap(outcomes.first)
        XCTAssertEqual(outcomes.count, 1)
        XCTAssertEqual(outcome.status, .exhausted)
        XCTAssertEqual(outcome.attempts.map(\.status), [500, 500, 500])
        XCTAssertEqual(sleeper.delays, [2, 4])
        XCTAssertEqual(outcome.event, Fixtures.closed)
        XCTAssertTrue(outcome.lastError?.contains("500") ?? false)
        // What the worker writes to the dead-letter topic reads back whole.
        let decoded = try DeliveryOutcome.decode(json: outcome.jsonBytes())
        XCTAssertEqual(decoded.event, Fixtures.closed)
        XCTAssertEqual(decoded.attempts.count, 3)
    }

    func test_emailWithNowhereToGo_isExhaustedNotDropped() throws {
        let config = RecipientsConfiguration(recipients: [agent(language: "en", email: .init(address: "a@example.com"))])
        let outcomes = Notifier(configuration: config, templates: try MessageTemplates(), sleeper: RecordingSleeper(), clock: fixedClock).deliver(Fixtures.invoice)
        XCTAssertEqual(outcomes.map(\.status), [.exhausted])
        XCTAssertTrue(outcomes.first?.lastError?.contains("no smtp or outbox") ?? false)
    }

    func test_email_overSMTP_toLocalServer_inJapanese() throws {
        let server = try FakeSMTPServer()
        stops.append(server.stop)
        let config = RecipientsConfiguration(smtp: SMTPSettings(host: "127.0.0.1", port: server.port, from: "CASS Japan <cass-jp@cass.example.org>", timeoutMs: 5_000), retry: fastRetry, recipients: [
            agent("43300120006", language: "ja", email: .init(address: "cass@nittsu.example.jp", name: "日本通運株式会社")),
        ])
        let event = NotificationEvent.invoiceIssued(.init(number: "JP-1", country: "JP", period: Fixtures.period, agentCode: "43300120006", totalMinor: 1_500_000, currency: "JPY", minorDigits: 0, dueDate: Fixtures.due))
        let outcomes = Notifier(configuration: config, templates: try MessageTemplates(), sleeper: RecordingSleeper(), clock: fixedClock)
            .deliver(event, attachments: [EmailAttachment(filename: "JP-1.pdf", bytes: Fixtures.pdf)])
        XCTAssertEqual(outcomes.map(\.status), [.delivered])
        XCTAssertEqual(outcomes.first?.attempts.map(\.status), [250])
        XCTAssertTrue(server.commands.contains("MAIL FROM:<cass-jp@cass.example.org>"))
        XCTAssertTrue(server.commands.contains("RCPT TO:<cass@nittsu.example.jp>"))
        let reader = try XCTUnwrap(server.receivedMessages.first.flatMap(MIMEReader.init))
        XCTAssertEqual(MIMEReader.decodeEncodedWords(reader.headers["subject"] ?? ""), "CASS 請求書 JP-1（請求期間 20261102）")
        XCTAssertTrue(reader.parts[0].text.contains("合計金額：1500000 JPY"))
    }

    func test_smtpRefusal_isExhaustedAfterOneAttempt_transientIsRetried() throws {
        let refusing = try FakeSMTPServer(rcptReplies: ["550 5.1.1 mailbox unknown"])
        stops.append(refusing.stop)
        let config = RecipientsConfiguration(smtp: SMTPSettings(host: "127.0.0.1", port: refusing.port, from: "cass@cass.example.org", timeoutMs: 5_000), retry: fastRetry, recipients: [
            Recipient(kind: .airline, id: "125", language: "en", channels: .init(email: .init(address: "gone@example.com"))),
        ])
        let sleeper = RecordingSleeper()
        let outcomes = Notifier(configuration: config, templates: try MessageTemplates(), sleeper: sleeper, clock: fixedClock).deliver(Fixtures.accepted)
        XCTAssertEqual(outcomes.map(\.status), [.exhausted])
        XCTAssertEqual(outcomes.first?.attempts.map(\.status), [550])
        XCTAssertEqual(sleeper.delays, [])
    }

    func test_fileEvents_carryNoAttachment() throws {
        let outbox = try outboxFolder()
        let config = RecipientsConfiguration(from: "cass@cass.example.org", outbox: outbox, recipients: [
            Recipient(kind: .airline, id: "125", language: "ko", channels: .init(email: .init(address: "a@example.kr"))),
        ])
        let outcomes = Notifier(configuration: config, templates: try MessageTemplates(), sleeper: RecordingSleeper(), clock: fixedClock)
            .deliver(Fixtures.rejected, attachments: [EmailAttachment(filename: "x.pdf", bytes: [1, 2, 3])])
        XCTAssertEqual(outcomes.map(\.status), [.delivered])
        let file = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: outbox).first)
        let reader = try XCTUnwrap(FileManager.default.contents(atPath: outbox + "/" + file).flatMap { MIMEReader(Array($0)) })
        XCTAssertEqual(reader.parts.count, 1)
        XCTAssertTrue(MIMEReader.decodeEncodedWords(reader.headers["subject"] ?? "").contains("거부됨 (F03)"))
    }
}
