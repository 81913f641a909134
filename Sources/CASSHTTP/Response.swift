#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An answer. The server adds Date, Content-Length or Transfer-Encoding,
/// and Connection itself; a handler sets the rest.
public struct Response: Sendable {
    public enum Body: Sendable {
        case empty
        case bytes([UInt8])
        /// A file, read and sent in pieces of `responseChunkBytes`.
        case file(path: String)
        /// Chunked output the closure writes, on the connection's thread.
        case stream(@Sendable (ResponseStream) throws -> Void)
        /// A Server-Sent Events stream fed through the channel.
        case events(EventChannel)
    }

    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: Body

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: Body = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func bytes(_ bytes: [UInt8], contentType: String, status: HTTPStatus = .ok) -> Response {
        Response(status: status, headers: ["Content-Type": contentType], body: .bytes(bytes))
    }

    public static func text(_ text: String, status: HTTPStatus = .ok) -> Response {
        .bytes(Array(text.utf8), contentType: "text/plain; charset=utf-8", status: status)
    }

    /// `json` is already-encoded JSON text.
    public static func json(_ json: String, status: HTTPStatus = .ok) -> Response {
        .bytes(Array(json.utf8), contentType: "application/json", status: status)
    }

    public static func json(_ json: [UInt8], status: HTTPStatus = .ok) -> Response {
        .bytes(json, contentType: "application/json", status: status)
    }

    public static func json<T: Encodable>(encoding value: T, status: HTTPStatus = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return .json(Array(try encoder.encode(value)), status: status)
    }

    public static func file(path: String, contentType: String, status: HTTPStatus = .ok) -> Response {
        Response(status: status, headers: ["Content-Type": contentType], body: .file(path: path))
    }

    public static func stream(contentType: String, status: HTTPStatus = .ok, _ write: @escaping @Sendable (ResponseStream) throws -> Void) -> Response {
        Response(status: status, headers: ["Content-Type": contentType], body: .stream(write))
    }

    /// `text/event-stream` fed by `channel` until the client goes, the
    /// channel is closed or the server stops.
    public static func eventStream(_ channel: EventChannel) -> Response {
        Response(status: .ok, headers: ["Content-Type": "text/event-stream", "Cache-Control": "no-store"], body: .events(channel))
    }

    public static func noContent() -> Response { Response(status: .noContent) }

    /// The one way errors are answered: `application/problem+json` (RFC 9457).
    public static func problem(_ error: HTTPError) -> Response {
        var headers = error.headers
        headers.set("Content-Type", "application/problem+json")
        return Response(status: error.status, headers: headers, body: .bytes(Array(error.problemJSON.utf8)))
    }
}

/// The writer a `.stream` response's closure gets: each write is one chunk
/// on the wire, sent before `write` returns (nothing accumulates).
public final class ResponseStream: @unchecked Sendable {
    private let io: ConnectionIO
    private let chunked: Bool

    init(io: ConnectionIO, chunked: Bool) {
        self.io = io
        self.chunked = chunked
    }

    public func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        do {
            if chunked {
                var framed = Array((String(bytes.count, radix: 16) + "\r\n").utf8)
                framed.reserveCapacity(framed.count + bytes.count + 2)
                framed += bytes
                framed += [0x0d, 0x0a]
                try io.send(framed)
            } else {
                try io.send(bytes)
            }
        } catch {
            throw StreamClosed()
        }
    }

    public func write(_ text: String) throws { try write(Array(text.utf8)) }

    func finish() throws(IOFailure) {
        if chunked { try io.send("0\r\n\r\n") }
    }
}

/// Thrown by `ResponseStream.write` once the client has gone.
public struct StreamClosed: Error, Sendable, CustomStringConvertible {
    public var description: String { "the client closed the connection" }
}

/// The Date header's value (RFC 9110 §5.6.7), computed at most once a second.
enum HTTPDate {
    private static let cache = NSLock()
    nonisolated(unsafe) private static var cachedSecond = 0
    nonisolated(unsafe) private static var cachedValue = ""

    static func now() -> String {
        var seconds = time(nil)
        return cache.withLock {
            if Int(seconds) == cachedSecond { return cachedValue }
            var parts = tm()
            gmtime_r(&seconds, &parts)
            let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
            let value = "\(days[Int(parts.tm_wday) % 7]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon) % 12]) \(parts.tm_year + 1900) "
                + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
            cachedSecond = Int(seconds)
            cachedValue = value
            return value
        }
    }
}
