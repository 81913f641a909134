import CASSNotify
import Foundation
import XCTest

/// The e-mail wire format, read back with an independent parser.
final class EmailMessageTests: XCTestCase {
    /// 2026-11-26 15:31:54 UTC, a Thursday.
    private let date = Date(timeIntervalSince1970: Double(20_783 * 86_400 + 15 * 3600 + 31 * 60 + 54))

    private func sample(subject: String = "CASS 请求书 GB-2026110201-000042（账期 2026110201）— Rechnung für Zeitraum",
                        body: String = "Agent 12345678903,\n\nMontant total : 12345.67 GBP — ça coûte ≈ très cher.\n.leading dot line\nTrailing space \nA very long line " + String(repeating: "é abcdefgh ", count: 20)) -> EmailMessage {
        EmailMessage(
            from: Mailbox(name: "CASS Opérations", address: "cass@example.org"),
            to: [Mailbox(name: "株式会社 カーゴ", address: "agent@example.jp")],
            subject: subject, body: body,
            attachments: [EmailAttachment(filename: "GB-2026110201-000042.pdf", bytes: Fixtures.pdf)],
            date: date, messageID: "0123abcd@example.org",
            extraHeaders: [("X-CASS-Event", "invoiceIssued")])
    }

    func test_email_linesEndInCRLF_areAtMost78Chars_andAre7Bit() {
        let bytes = sample().rendered()
        XCTAssertTrue(bytes.allSatisfy { $0 < 128 }, "8-bit byte in the message")
        for (index, byte) in bytes.enumerated() where byte == 10 {
            XCTAssertEqual(index > 0 ? bytes[index - 1] : 0, 13, "bare LF at \(index)")
        }
        for (index, byte) in bytes.enumerated() where byte == 13 {
            XCTAssertEqual(index + 1 < bytes.count ? bytes[index + 1] : 0, 10, "bare CR at \(index)")
        }
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        for line in lines { XCTAssertLessThanOrEqual(line.count, 78, line) }
    }

    func test_email_headers_dateMessageIDMIMEAndEncodedSubject() throws {
        let message = sample()
        let reader = try XCTUnwrap(MIMEReader(message.rendered()))
        XCTAssertEqual(reader.headers["date"], "Thu, 26 Nov 2026 15:31:54 +0000")
        XCTAssertEqual(MIMEEncoding.rfc5322Date(Date(timeIntervalSince1970: 0)), "Thu, 01 Jan 1970 00:00:00 +0000")
        XCTAssertEqual(MIMEEncoding.rfc5322Date(Date(timeIntervalSince1970: 951_782_400)), "Tue, 29 Feb 2000 00:00:00 +0000")
        XCTAssertEqual(reader.headers["message-id"], "<0123abcd@example.org>")
        XCTAssertEqual(reader.headers["mime-version"], "1.0")
        XCTAssertEqual(reader.headers["x-cass-event"], "invoiceIssued")
        XCTAssertTrue(reader.headers["content-type"]?.hasPrefix("multipart/mixed; boundary=") ?? false)
        let subject = try XCTUnwrap(reader.headers["subject"])
        XCTAssertTrue(subject.hasPrefix("=?UTF-8?B?"), subject)
        XCTAssertEqual(MIMEReader.decodeEncodedWords(subject), message.subject)
        XCTAssertEqual(MIMEReader.decodeEncodedWords(reader.headers["from"] ?? ""), "CASS Opérations <cass@example.org>")
        XCTAssertEqual(MIMEReader.decodeEncodedWords(reader.headers["to"] ?? ""), "株式会社 カーゴ <agent@example.jp>")
        XCTAssertEqual(Array(reader.headerOrder.prefix(5)), ["date", "from", "to", "subject", "message-id"])
    }

    func test_email_asciiSubjectStaysReadable() throws {
        let reader = try XCTUnwrap(MIMEReader(sample(subject: "CASS invoice GB-1 for period 2026110201").rendered()))
        XCTAssertEqual(reader.headers["subject"], "CASS invoice GB-1 for period 2026110201")
    }

    func test_email_textPartIsUTF8QuotedPrintable_andDecodesToTheBody() throws {
        let message = sample()
        let reader = try XCTUnwrap(MIMEReader(message.rendered()))
        XCTAssertEqual(reader.parts.count, 2)
        let text = reader.parts[0]
        XCTAssertEqual(text.headers["content-type"], "text/plain; charset=UTF-8")
        XCTAssertEqual(text.headers["content-transfer-encoding"], "quoted-printable")
        XCTAssertEqual(MIMEReader.decodeQuotedPrintable(text.body), message.body.replacingOccurrences(of: "\n", with: "\r\n"))
        XCTAssertTrue(text.body.contains("Trailing space=20"), "trailing whitespace must be encoded")
    }

    func test_email_pdfAttachmentIsBase64In76CharLines_andDecodesToTheOriginalBytes() throws {
        let reader = try XCTUnwrap(MIMEReader(sample().rendered()))
        let pdf = reader.parts[1]
        XCTAssertEqual(pdf.headers["content-type"], "application/pdf; name=\"GB-2026110201-000042.pdf\"")
        XCTAssertEqual(pdf.headers["content-disposition"], "attachment; filename=\"GB-2026110201-000042.pdf\"")
        XCTAssertEqual(pdf.headers["content-transfer-encoding"], "base64")
        let lines = pdf.body.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertTrue(lines.dropLast().allSatisfy { $0.count == 76 })
        XCTAssertLessThanOrEqual(lines.last?.count ?? 0, 76)
        let decoded = try XCTUnwrap(Data(base64Encoded: lines.joined()))
        XCTAssertEqual(Array(decoded), Fixtures.pdf)
    }

    func test_email_mostlyCJKText_isBase64_andDecodesToTheBody() throws {
        let body = "代理人 91200420006：\n\nCASS GB 已开具账期 20261102 的发票。\n总金额：12345.67 GBP"
        let reader = try XCTUnwrap(MIMEReader(sample(body: body).rendered()))
        XCTAssertEqual(reader.parts[0].headers["content-transfer-encoding"], "base64")
        XCTAssertEqual(reader.parts[0].text, body.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    func test_attemptTimes_areUTCISO8601WithMilliseconds_andRoundTrip() throws {
        let time = Date(timeIntervalSince1970: 1_795_966_314.872)
        XCTAssertEqual(NotificationJSON.isoText(time), "2026-11-29T15:31:54.872Z")
        XCTAssertEqual(NotificationJSON.isoText(Date(timeIntervalSince1970: -0.5)), "1969-12-31T23:59:59.500Z")
        XCTAssertEqual(NotificationJSON.parseISO("2026-11-29T15:31:54.872Z").map(NotificationJSON.isoText), "2026-11-29T15:31:54.872Z")
        XCTAssertNil(NotificationJSON.parseISO("2026-11-29 15:31:54"))
    }

    func test_quotedPrintable_softBreaksNeverSplitAnEscape() {
        let text = String(repeating: "é", count: 100)
        let encoded = MIMEEncoding.quotedPrintable(text)
        for line in encoded.components(separatedBy: "\r\n") {
            XCTAssertLessThanOrEqual(line.count, 76)
            XCTAssertTrue(line.hasSuffix("=") || line == encoded.components(separatedBy: "\r\n").last)
        }
        XCTAssertEqual(MIMEReader.decodeQuotedPrintable(encoded), text)
    }

    func test_outbox_writesMessageIdNamedFileAtomically_andReplacesOnRedelivery() throws {
        let folder = try Fixtures.temporaryFolder() + "/outbox"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let message = sample()
        let path = try Outbox.write(message, folder: folder)
        XCTAssertEqual(path, folder + "/0123abcd@example.org.eml")
        XCTAssertEqual(FileManager.default.contents(atPath: path).map { Array($0) }, message.rendered())
        try Outbox.write(message, folder: folder)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["0123abcd@example.org.eml"], "no temporary files left, no duplicates")
        XCTAssertEqual(Outbox.fileName(for: "../../etc/passwd"), "m.._.._etc_passwd.eml")
    }

    func test_outbox_unwritableFolderIsAnError() throws {
        let file = try Fixtures.temporaryFolder() + "/plain-file"
        _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        XCTAssertThrowsError(try Outbox.write(sample(), folder: file + "/outbox"))
    }

    func test_mailbox_parsesNameAndAddress_andRefusesHeaderInjection() {
        XCTAssertEqual(Mailbox(parsing: "CASS Ops <cass@example.org>"), Mailbox(name: "CASS Ops", address: "cass@example.org"))
        XCTAssertEqual(Mailbox(parsing: "\"CASS, Ops\" <cass@example.org>")?.name, "CASS, Ops")
        XCTAssertEqual(Mailbox(parsing: "cass@example.org"), Mailbox(address: "cass@example.org"))
        XCTAssertNil(Mailbox(parsing: "victim@example.org\r\nBcc: all@example.org"))
        XCTAssertNil(Mailbox(parsing: "no-at-sign"))
    }
}
