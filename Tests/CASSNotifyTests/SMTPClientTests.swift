import CASSNotify
import Foundation
import XCTest

/// SMTP conversations with a fake server the test runs on 127.0.0.1.
final class SMTPClientTests: XCTestCase {
    private var servers: [FakeSMTPServer] = []

    override func tearDown() {
        servers.forEach { $0.stop() }
        servers = []
    }

    private func server(rcptReplies: [String] = ["250 2.1.5 OK"]) throws -> FakeSMTPServer {
        let server = try FakeSMTPServer(rcptReplies: rcptReplies)
        servers.append(server)
        return server
    }

    private func message(body: String = "Line one\n.line starting with a dot\n..two dots\nend") -> EmailMessage {
        EmailMessage(from: Mailbox(name: "CASS", address: "cass@example.org"), to: [Mailbox(address: "agent@example.com")],
                     subject: "Facture CASS", body: body, attachments: [EmailAttachment(filename: "i.pdf", bytes: Fixtures.pdf)],
                     date: Date(timeIntervalSince1970: 1_795_966_314), messageID: "abc@example.org")
    }

    func test_smtp_conversation_EHLO_MAIL_RCPT_DATA_QUIT() throws {
        let server = try server()
        let client = SMTPClient(host: "127.0.0.1", port: server.port, helo: "cass.test", timeoutMs: 5_000)
        let code = try client.send(message())
        XCTAssertEqual(code, 250)
        XCTAssertEqual(server.commands, ["EHLO cass.test", "MAIL FROM:<cass@example.org>", "RCPT TO:<agent@example.com>", "DATA", "QUIT"])
    }

    func test_smtp_messageArrivesByteForByte_dotStuffingUndone() throws {
        let server = try server()
        // Put a dot at the start of a wire line: the QP body keeps "." as is.
        let sent = message()
        try SMTPClient(host: "127.0.0.1", port: server.port, timeoutMs: 5_000).send(sent)
        let received = try XCTUnwrap(server.receivedMessages.first)
        var expected = sent.rendered()
        if expected.suffix(2) != [13, 10] { expected += [13, 10] }
        XCTAssertEqual(received, expected)
        let reader = try XCTUnwrap(MIMEReader(received))
        XCTAssertEqual(MIMEReader.decodeQuotedPrintable(reader.parts[0].body), sent.body.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    func test_dotStuffing_doublesLeadingDotsAndTerminates() {
        let stuffed = SMTPClient.dotStuffed(Array(".a\r\nb\r\n..c\r\n.".utf8))
        XCTAssertEqual(String(decoding: stuffed, as: UTF8.self), "..a\r\nb\r\n...c\r\n..\r\n.\r\n")
        XCTAssertEqual(String(decoding: SMTPClient.dotStuffed(Array("x\ny".utf8)), as: UTF8.self), "x\r\ny\r\n.\r\n")
    }

    func test_smtp_permanentRefusalIs5xx_transientIs4xx() throws {
        let refusing = try server(rcptReplies: ["550 5.1.1 no such user"])
        do {
            try SMTPClient(host: "127.0.0.1", port: refusing.port, timeoutMs: 5_000).send(message())
            XCTFail("550 must fail")
        } catch {
            XCTAssertEqual(error.code, 550)
            XCTAssertFalse(error.isTransient)
            XCTAssertTrue(error.stage.hasPrefix("RCPT TO"))
        }
        let busy = try server(rcptReplies: ["451 4.3.0 try again later"])
        do {
            try SMTPClient(host: "127.0.0.1", port: busy.port, timeoutMs: 5_000).send(message())
            XCTFail("451 must fail")
        } catch {
            XCTAssertEqual(error.code, 451)
            XCTAssertTrue(error.isTransient)
        }
    }

    func test_smtpTransport_retriesTransientFailureThenDelivers() throws {
        let server = try server(rcptReplies: ["451 4.3.0 greylisted", "250 OK"])
        let transport = SMTPTransport(client: SMTPClient(host: "127.0.0.1", port: server.port, timeoutMs: 5_000))
        let sent = message()
        let result = withRetries(policy: RetryPolicy(maxAttempts: 3, baseDelayMs: 1, factor: 2, maxDelayMs: 10), sleeper: RecordingSleeper()) { _ in transport.send(sent) }
        XCTAssertTrue(result.delivered)
        XCTAssertEqual(result.attempts.map(\.status), [451, 250])
        XCTAssertEqual(server.receivedMessages.count, 1)
    }

    func test_smtp_noServerIsATransientConnectionFailure() throws {
        let server = try server()
        let port = server.port
        server.stop()
        do {
            try SMTPClient(host: "127.0.0.1", port: port, timeoutMs: 2_000).send(message())
            XCTFail("nobody listens")
        } catch {
            XCTAssertNil(error.code)
            XCTAssertTrue(error.isTransient)
            XCTAssertEqual(error.stage, "connect")
        }
    }
}
