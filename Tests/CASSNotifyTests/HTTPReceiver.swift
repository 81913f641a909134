import CASSNotify
import Foundation

/// A webhook receiver: a real HTTP/1.1 server on 127.0.0.1 that checks each
/// request's signature with the shared secret and answers with the next
/// status of its script (the last one repeats).
final class HTTPReceiver: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: [UInt8]
        /// The Standard Webhooks signature matches (whatever the time).
        var signatureValid: Bool
        /// Its timestamp is within the tolerance of this machine's clock.
        var timestampFresh: Bool
    }

    private let lock = NSLock()
    private var script: [Int]
    private var received: [Request] = []
    private var server: LocalServer?
    let secret: String

    init(secret: String, statuses: [Int]) throws {
        self.secret = secret
        self.script = statuses
        server = try LocalServer { [weak self] connection in self?.serve(connection) }
    }

    var url: String { "http://127.0.0.1:\(server?.port ?? 0)/cass/hook" }
    var requests: [Request] { lock.withLock { received } }

    func stop() { server?.stop() }

    private func serve(_ connection: Connection) {
        guard let head = connection.readUntil(Array("\r\n\r\n".utf8)) else { return }
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        var headers: [String: String] = [:]
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if headers["expect"]?.lowercased() == "100-continue" { connection.write("HTTP/1.1 100 Continue\r\n\r\n") }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let body = connection.read(count: length) ?? []
        // The signature is judged apart from the time: notifier tests run on
        // a fixed clock. A receiver in production checks both.
        let valid = WebhookDelivery.verify(headers: headers, body: body, secret: secret, toleranceSeconds: Int.max) == .valid
        let fresh = WebhookDelivery.verify(headers: headers, body: body, secret: secret) == .valid
        let status = lock.withLock { () -> Int in
            received.append(Request(method: requestLine.first.map(String.init) ?? "", path: requestLine.dropFirst().first.map(String.init) ?? "", headers: headers, body: body, signatureValid: valid, timestampFresh: fresh))
            return script.count > 1 ? script.removeFirst() : (script.first ?? 200)
        }
        // A receiver that cannot verify the signature refuses the request.
        let answer = valid ? status : 401
        let location = (300...399).contains(answer) ? "Location: \(url)/moved\r\n" : ""
        connection.write("HTTP/1.1 \(answer) Status\r\n\(location)Content-Length: 2\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nok")
    }
}
