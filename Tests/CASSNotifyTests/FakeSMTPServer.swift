import Foundation

/// A tiny SMTP server on 127.0.0.1: enough of RFC 5321 to receive one
/// message per connection, record the conversation and the message (dots
/// un-stuffed), and answer RCPT TO with a scripted code.
final class FakeSMTPServer: @unchecked Sendable {
    private let lock = NSLock()
    private var commandLog: [String] = []
    private var messages: [[UInt8]] = []
    private var rcptReplies: [String]
    private var server: LocalServer?

    /// `rcptReplies`: replies to successive RCPT TO commands (the last one
    /// repeats), e.g. `["451 4.3.0 try later", "250 OK"]`.
    init(rcptReplies: [String] = ["250 2.1.5 OK"]) throws {
        self.rcptReplies = rcptReplies
        server = try LocalServer { [weak self] connection in self?.serve(connection) }
    }

    var port: Int { server?.port ?? 0 }
    var commands: [String] { lock.withLock { commandLog } }
    var receivedMessages: [[UInt8]] { lock.withLock { messages } }

    func stop() { server?.stop() }

    private func record(_ line: String) { lock.withLock { commandLog.append(line) } }

    private func serve(_ connection: Connection) {
        connection.write("220 fake.smtp.test ESMTP ready\r\n")
        while let line = connection.readLine() {
            record(line)
            let verb = line.split(separator: " ").first.map { $0.uppercased() } ?? ""
            switch verb {
            case "EHLO":
                connection.write("250-fake.smtp.test greets you\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
            case "HELO", "RSET", "NOOP":
                connection.write("250 OK\r\n")
            case "MAIL":
                connection.write("250 2.1.0 OK\r\n")
            case "RCPT":
                let reply = lock.withLock { rcptReplies.count > 1 ? rcptReplies.removeFirst() : (rcptReplies.first ?? "250 OK") }
                connection.write(reply + "\r\n")
            case "DATA":
                connection.write("354 End data with <CR><LF>.<CR><LF>\r\n")
                guard let raw = connection.readUntil(Array("\r\n.\r\n".utf8)) else { return }
                let message = FakeSMTPServer.unstuff(Array(raw.dropLast(3)))
                lock.withLock { messages.append(message) }
                connection.write("250 2.0.0 queued as 1\r\n")
            case "QUIT":
                connection.write("221 2.0.0 bye\r\n")
                return
            default:
                connection.write("502 5.5.2 command not recognized\r\n")
            }
        }
    }

    /// Removes the extra dot of lines that start with `..` (RFC 5321 4.5.2).
    static func unstuff(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var atLineStart = true
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if atLineStart, byte == UInt8(ascii: "."), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ".") {
                index += 1
                atLineStart = false
                out.append(byte)
                index += 1
                continue
            }
            out.append(byte)
            atLineStart = byte == 10
            index += 1
        }
        return out
    }
}
