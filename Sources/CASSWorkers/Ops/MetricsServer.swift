import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tiny HTTP/1.1 server for one worker: `GET /metrics` (Prometheus text
/// format 0.0.4) and `GET /healthz` (503 once the worker has not polled for
/// longer than `pollAgeLimitMs`). One connection at a time, each answered
/// and closed; requests are bounded in size and in time, so a stuck client
/// cannot hold it for long.
public final class MetricsServer: @unchecked Sendable {
    public let host: String
    /// The port bound (useful when asked for port 0).
    public private(set) var port: UInt16 = 0

    private let registry: MetricsRegistry
    private let lastPollAgeMs: @Sendable () -> Int?
    private let pollAgeLimitMs: Int
    private let listener: Int32
    private let stopped = NSLock()
    private var isStopped = false
    private var thread: Thread?

    static let requestBytesMax = 8 * 1024
    static let clientTimeoutSeconds = 2

    /// - Parameters:
    ///   - lastPollAgeMs: milliseconds since the worker last polled its
    ///     input; nil while it is still starting (then /healthz is 200).
    public init(registry: MetricsRegistry, host: String = "127.0.0.1", port: UInt16, pollAgeLimitMs: Int = 30_000,
                lastPollAgeMs: @escaping @Sendable () -> Int?) throws {
        self.registry = registry
        self.host = host
        self.pollAgeLimitMs = pollAgeLimitMs
        self.lastPollAgeMs = lastPollAgeMs
        listener = try MetricsServer.listen(host: host, port: port)
        self.port = MetricsServer.boundPort(listener)
    }

    deinit { stop() }

    /// Serves on a thread of its own until `stop`.
    public func start() {
        let thread = Thread { [self] in serve() }
        thread.name = "cass-metrics"
        self.thread = thread
        thread.start()
    }

    public func stop() {
        let first = stopped.withLock { () -> Bool in
            defer { isStopped = true }
            return !isStopped
        }
        guard first else { return }
        // Wakes the blocked accept, which then fails and ends the thread.
        _ = shutdown(listener, Int32(SHUT_RDWR))
        _ = close(listener)
    }

    private var stopping: Bool { stopped.withLock { isStopped } }

    private func serve() {
        while !stopping {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            handle(client)
            _ = close(client)
        }
    }

    private func handle(_ client: Int32) {
        var timeout = timeval(tv_sec: MetricsServer.clientTimeoutSeconds, tv_usec: 0)
        _ = setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        #if canImport(Darwin)
        var one: Int32 = 1
        _ = setsockopt(client, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        guard let request = readRequestHead(client) else {
            write(client, respond(status: "400 Bad Request", body: "bad request\n"))
            return
        }
        write(client, response(to: request))
    }

    /// The request line and headers, up to the blank line.
    private func readRequestHead(_ client: Int32) -> String? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while bytes.count < MetricsServer.requestBytesMax {
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            bytes += buffer.prefix(count)
            if MetricsServer.contains(bytes, end) {
                return String(decoding: bytes, as: UTF8.self)
            }
        }
        return nil
    }

    private static func contains(_ bytes: [UInt8], _ pattern: [UInt8]) -> Bool {
        guard bytes.count >= pattern.count else { return false }
        return (0...(bytes.count - pattern.count)).contains { start in bytes[start..<(start + pattern.count)].elementsEqual(pattern) }
    }

    func response(to request: String) -> [UInt8] {
        let requestLine = request.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = requestLine.split(separator: " ")
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else {
            return respond(status: "400 Bad Request", body: "bad request\n")
        }
        let path = parts[1].split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        guard parts[0] == "GET" || parts[0] == "HEAD" else {
            return respond(status: "405 Method Not Allowed", body: "only GET\n", extraHeaders: ["Allow: GET, HEAD"])
        }
        let head = parts[0] == "HEAD"
        switch path {
        case "/metrics":
            return respond(status: "200 OK", body: registry.render(), contentType: "text/plain; version=0.0.4; charset=utf-8", head: head)
        case "/healthz":
            guard let age = lastPollAgeMs() else { return respond(status: "200 OK", body: "starting\n", head: head) }
            if age > pollAgeLimitMs {
                return respond(status: "503 Service Unavailable",
                               body: "unhealthy: last poll \(age) ms ago, limit \(pollAgeLimitMs) ms\n", head: head)
            }
            return respond(status: "200 OK", body: "ok: last poll \(age) ms ago\n", head: head)
        default:
            return respond(status: "404 Not Found", body: "not found: try /metrics or /healthz\n", head: head)
        }
    }

    private func respond(status: String, body: String, contentType: String = "text/plain; charset=utf-8",
                         extraHeaders: [String] = [], head: Bool = false) -> [UInt8] {
        let bodyBytes = Array(body.utf8)
        var lines = ["HTTP/1.1 \(status)", "Content-Type: \(contentType)", "Content-Length: \(bodyBytes.count)", "Connection: close"]
        lines += extraHeaders
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + (head ? [] : bodyBytes)
    }

    private func write(_ client: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { buffer -> Int in
                #if canImport(Glibc)
                return send(client, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
                #else
                return send(client, buffer.baseAddress, buffer.count, 0)
                #endif
            }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    private static func listen(host: String, port: UInt16) throws -> Int32 {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw MetricsServerError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            _ = close(descriptor)
            throw MetricsServerError("metrics host \(host) is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            _ = close(descriptor)
            throw MetricsServerError("cannot listen on \(host):\(port) for metrics: \(reason) (choose another --metrics-port)")
        }
        guard Glibc_or_Darwin_listen(descriptor, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = close(descriptor)
            throw MetricsServerError("listen on \(host):\(port): \(reason)")
        }
        return descriptor
    }

    private static func boundPort(_ descriptor: Int32) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }
}

/// `listen` is shadowed by `MetricsServer.listen`; this reaches the C one.
private func Glibc_or_Darwin_listen(_ descriptor: Int32, _ backlog: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.listen(descriptor, backlog)
    #else
    return Darwin.listen(descriptor, backlog)
    #endif
}

public struct MetricsServerError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
