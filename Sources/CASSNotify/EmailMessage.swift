import CASSCrypto
import Foundation

/// A file attached to an e-mail (the invoice PDF).
public struct EmailAttachment: Sendable, Hashable {
    public var filename: String
    public var contentType: String
    public var bytes: [UInt8]

    public init(filename: String, contentType: String = "application/pdf", bytes: [UInt8]) {
        self.filename = filename
        self.contentType = contentType
        self.bytes = bytes
    }
}

/// An RFC 5322 message with a MIME multipart/mixed body: the text part in
/// UTF-8 (quoted-printable, or base64 for mostly non-Latin text),
/// attachments in base64. Every line ends in CRLF
/// and all content is 7-bit, so any SMTP relay can carry it unchanged.
public struct EmailMessage: Sendable, Hashable {
    public var from: Mailbox
    public var to: [Mailbox]
    public var subject: String
    public var body: String
    public var attachments: [EmailAttachment]
    public var date: Date
    /// Without angle brackets: `3f2a...@example.org`.
    public var messageID: String
    /// Extra `X-` headers (event kind, delivery id), in this order.
    public var extraHeaders: [(name: String, value: String)]

    public init(from: Mailbox, to: [Mailbox], subject: String, body: String, attachments: [EmailAttachment] = [], date: Date, messageID: String, extraHeaders: [(name: String, value: String)] = []) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.attachments = attachments
        self.date = date
        self.messageID = messageID
        self.extraHeaders = extraHeaders
    }

    public static func == (lhs: EmailMessage, rhs: EmailMessage) -> Bool { lhs.rendered() == rhs.rendered() }
    public func hash(into hasher: inout Hasher) { hasher.combine(rendered()) }

    /// Derived from the message id, and made of characters (`=_`) that
    /// neither base64 nor quoted-printable output can contain, so it can
    /// never occur inside a part.
    public var boundary: String {
        "=_cass_" + Hex.encode(SHA256.hash(messageID).prefix(12))
    }

    /// The message as it goes on the wire or into a `.eml` file.
    public func rendered() -> [UInt8] {
        var lines: [String] = []
        lines.append("Date: " + MIMEEncoding.rfc5322Date(date))
        lines.append("From: " + MIMEEncoding.mailbox(name: from.name, address: from.address, nameLength: "From".count))
        // One mailbox per line: each starts a folded line after the first.
        lines.append("To: " + to.enumerated().map { index, mailbox in
            MIMEEncoding.mailbox(name: mailbox.name, address: mailbox.address, nameLength: index == 0 ? "To".count : -1)
        }.joined(separator: ",\r\n "))
        lines.append("Subject: " + MIMEEncoding.headerText(subject, nameLength: "Subject".count))
        lines.append("Message-ID: <\(messageID)>")
        for header in extraHeaders {
            let value = header.value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            lines.append(header.name + ": " + value)
        }
        lines.append("MIME-Version: 1.0")
        lines.append("Content-Type: multipart/mixed; boundary=\"\(boundary)\"")
        lines.append("")
        lines.append("This is a MIME message.")
        lines.append("--" + boundary)
        lines.append("Content-Type: text/plain; charset=UTF-8")
        if EmailMessage.prefersBase64(body) {
            // Mostly CJK or Arabic: quoted-printable would triple the size.
            lines.append("Content-Transfer-Encoding: base64")
            lines.append("")
            var encoded = MIMEEncoding.base64Lines(Array(body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8))
            if encoded.hasSuffix("\r\n") { encoded.removeLast() }
            lines.append(encoded)
        } else {
            lines.append("Content-Transfer-Encoding: quoted-printable")
            lines.append("")
            lines.append(MIMEEncoding.quotedPrintable(body))
        }
        for attachment in attachments {
            let name = EmailMessage.safeFilename(attachment.filename)
            lines.append("--" + boundary)
            lines.append("Content-Type: \(attachment.contentType); name=\"\(name)\"")
            lines.append("Content-Disposition: attachment; filename=\"\(name)\"")
            lines.append("Content-Transfer-Encoding: base64")
            lines.append("")
            // base64Lines ends in CRLF already; drop it so the join adds one.
            var encoded = MIMEEncoding.base64Lines(attachment.bytes)
            if encoded.hasSuffix("\r\n") { encoded.removeLast() }
            lines.append(encoded)
        }
        lines.append("--" + boundary + "--")
        lines.append("")
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    /// Base64 when more than a third of the bytes are outside ASCII:
    /// readable quoted-printable for Latin scripts, compact base64 otherwise.
    static func prefersBase64(_ text: String) -> Bool {
        let bytes = text.utf8
        let high = bytes.reduce(0) { $0 + ($1 >= 128 ? 1 : 0) }
        return high * 3 > bytes.count
    }

    /// Attachment names are invoice numbers in practice; anything outside
    /// printable ASCII, quotes and path separators becomes `_`.
    static func safeFilename(_ name: String) -> String {
        let mapped = name.unicodeScalars.map { scalar -> Character in
            let v = scalar.value
            if v < 33 || v > 126 || scalar == "\"" || scalar == "\\" || scalar == "/" { return "_" }
            return Character(scalar)
        }
        return mapped.isEmpty ? "attachment" : String(mapped)
    }
}
