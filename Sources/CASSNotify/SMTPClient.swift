/// A plain SMTP client (RFC 5321): EHLO, MAIL FROM, RCPT TO, DATA, QUIT.
/// No TLS and no AUTH: it is meant for a relay on the same host or network
/// that takes over from there.
public struct SMTPClient: Sendable {
    public var host: String
    public var port: Int
    public var helo: String
    public var timeoutMs: Int

    public init(host: String, port: Int, helo: String = "localhost", timeoutMs: Int = 10_000) {
        self.host = host
        self.port = port
        self.helo = helo
        self.timeoutMs = timeoutMs
    }

    public init(settings: SMTPSettings) {
        self.init(host: settings.host, port: settings.port, helo: settings.helo ?? "localhost", timeoutMs: settings.timeoutMs ?? 10_000)
    }

    /// What the server said last, and whether trying later may help
    /// (4xx replies and broken connections) or not (5xx).
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public var code: Int?
        public var stage: String
        public var text: String
        public var isTransient: Bool

        public var description: String {
            "SMTP \(stage): " + (code.map { "\($0) " } ?? "") + text
        }
    }

    /// Sends `message` from `envelopeFrom` to every recipient; returns the
    /// server's final reply code on success.
    @discardableResult
    public func send(_ message: EmailMessage, envelopeFrom: String? = nil, recipients: [String]? = nil) throws(Failure) -> Int {
        let sender = envelopeFrom ?? message.from.address
        let targets = recipients ?? message.to.map(\.address)
        for address in [sender] + targets where !EmailAddress.isPlausible(address) {
            throw Failure(code: nil, stage: "envelope", text: "address \(address) is not name@domain", isTransient: false)
        }
        let connection: TCPConnection
        do {
            connection = try TCPConnection(host: host, port: port, timeoutMs: timeoutMs)
        } catch {
            throw Failure(code: nil, stage: "connect", text: "\(error)", isTransient: true)
        }
        defer { connection.disconnect() }
        try expect(connection, stage: "greeting", 220)
        do {
            try command(connection, "EHLO \(helo)", stage: "EHLO", 250)
        } catch where error.code.map({ $0 >= 500 }) ?? false {
            // A server from before ESMTP: HELO is all it knows.
            try command(connection, "HELO \(helo)", stage: "HELO", 250)
        }
        try command(connection, "MAIL FROM:<\(sender)>", stage: "MAIL FROM", 250)
        for target in targets {
            try command(connection, "RCPT TO:<\(target)>", stage: "RCPT TO \(target)", 250, 251)
        }
        try command(connection, "DATA", stage: "DATA", 354)
        do {
            try connection.send(SMTPClient.dotStuffed(message.rendered()))
        } catch {
            throw Failure(code: nil, stage: "message", text: "\(error)", isTransient: true)
        }
        let code = try expect(connection, stage: "end of data", 250)
        // The message is accepted; a failed QUIT changes nothing.
        _ = try? command(connection, "QUIT", stage: "QUIT", 221)
        return code
    }

    /// The DATA payload: lines starting with `.` get a second one (RFC 5321
    /// 4.5.2), line ends become CRLF, and `CRLF . CRLF` ends it.
    public static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 64 + 5)
        var atLineStart = true
        var previous: UInt8 = 0
        for byte in message {
            if byte == 10, previous != 13 { out.append(13) }
            if atLineStart, byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out.append(byte)
            atLineStart = byte == 10
            previous = byte
        }
        if !atLineStart { out += [13, 10] }
        out += [UInt8(ascii: "."), 13, 10]
        return out
    }

    @discardableResult
    private func command(_ connection: TCPConnection, _ line: String, stage: String, _ accepted: Int...) throws(Failure) -> Int {
        do {
            try connection.send(Array((line + "\r\n").utf8))
        } catch {
            throw Failure(code: nil, stage: stage, text: "\(error)", isTransient: true)
        }
        return try expectAny(connection, stage: stage, accepted)
    }

    @discardableResult
    private func expect(_ connection: TCPConnection, stage: String, _ accepted: Int...) throws(Failure) -> Int {
        try expectAny(connection, stage: stage, accepted)
    }

    /// Reads one reply (continuation lines `250-...` up to `250 ...`).
    private func expectAny(_ connection: TCPConnection, stage: String, _ accepted: [Int]) throws(Failure) -> Int {
        var text: [String] = []
        var code = 0
        for _ in 0..<100 {
            let line: String
            do {
                line = try connection.readLine()
            } catch {
                throw Failure(code: nil, stage: stage, text: "\(error)", isTransient: true)
            }
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let parsed = Int(String(decoding: bytes[0..<3], as: UTF8.self)) else {
                throw Failure(code: nil, stage: stage, text: "not an SMTP reply: \(line)", isTransient: true)
            }
            code = parsed
            text.append(String(decoding: bytes.dropFirst(4), as: UTF8.self))
            if bytes.count == 3 || bytes[3] != UInt8(ascii: "-") {
                guard accepted.contains(code) else {
                    throw Failure(code: code, stage: stage, text: text.joined(separator: " "), isTransient: code < 500)
                }
                return code
            }
        }
        throw Failure(code: code, stage: stage, text: "reply longer than 100 lines", isTransient: true)
    }
}
