/// Every limit of the server, with the service's defaults (portal.md,
/// "Errors and limits"). Durations are in milliseconds so tests can make
/// them short.
public struct HTTPServerConfiguration: Sendable {
    /// Numeric IPv4 or IPv6 address (or localhost). TLS is not spoken here:
    /// a reverse proxy in front terminates it.
    public var host = "127.0.0.1"
    /// 0 asks the kernel for a free port; `HTTPServer.port` tells which.
    public var port: UInt16 = 8080
    public var listenBacklog: Int32 = 128

    /// Request line plus header fields, CRLFs included (431 beyond).
    public var headBytesMax = 16 * 1024
    /// Header field lines in one request (431 beyond).
    public var headerCountMax = 100
    /// From a request's first byte to the end of its head (408 and close beyond).
    public var headTimeoutMs = 30_000
    /// A keep-alive connection waiting for its next request is closed after this.
    public var idleTimeoutMs = 30_000

    /// Slow-client rule for bodies, in both directions: in every window of
    /// `rateWindowMs` a body being received (or a response being sent)
    /// must move at least `minimumBytesPerSecond` × window, or the
    /// connection is cut off (408 when receiving). Defaults: 1 KiB/s over 30 s.
    public var minimumBytesPerSecond = 1024
    public var rateWindowMs = 30_000

    /// Open connections at most; one more is answered 503 and closed.
    /// Each connection has a thread while it is open (see docs/http.md).
    public var connectionsMax = 512
    /// Server-Sent Event streams open at most (503 beyond).
    public var eventStreamsMax = 256
    /// A comment line sent on an idle event stream so proxies keep it open.
    public var eventPingIntervalMs = 15_000
    /// How often an event stream with nothing to send checks that its client is still there.
    public var eventClientCheckMs = 1_000

    /// An unread request body up to this size is read and dropped after the
    /// answer so the connection can be kept; a larger one closes it.
    public var drainBytesMax = 64 * 1024
    /// After an answer that closes the connection (a 413, an error), what
    /// the client still sends is read and dropped, up to this many bytes
    /// and for at most `lingerMs`, before the socket is closed: closing
    /// with unread bytes resets the connection, and a client (or a proxy
    /// such as nginx, which then answers 502) still sending its body would
    /// lose the answer. 8 MiB covers a JSON body several times over its
    /// 1 MiB limit; a larger one is cut off (the answer may then be lost).
    public var lingerBytesMax = 8 << 20
    public var lingerMs = 1_000
    /// File and stream responses are sent in pieces of this size: the most
    /// the server buffers for one response.
    public var responseChunkBytes = 64 * 1024
    /// Chunk-size lines, trailer lines and trailer size of chunked bodies.
    public var chunkedLimits = ChunkedDecoder.Limits()

    /// Called with server-side failures (a handler's unexpected error, a
    /// socket error); never with request data beyond method and path.
    public var log: @Sendable (String) -> Void = { _ in }
    /// Called once per answered request (method, raw path, status, bytes, time).
    public var accessLog: (@Sendable (AccessRecord) -> Void)?

    public init() {}

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    var headLimits: RequestHeadParser.Limits { .init(headBytesMax: headBytesMax, headerCountMax: headerCountMax) }

    /// Bytes a body must move per rate window.
    var bytesPerWindowMin: Int { Int((Int64(minimumBytesPerSecond) * Int64(rateWindowMs) + 999) / 1000) }
}

/// One answered request, for access logs and metrics. Answers sent before
/// a request head was read whole (400, 408, 431, and 503 when the server
/// is full) are records too: method and path "-", no route, duration 0.
public struct AccessRecord: Sendable {
    public let method: String
    public let rawPath: String
    /// The matched route's pattern; nil when no route matched (404, 405)
    /// or no head was read.
    public let route: String?
    public let status: Int
    public let bytesSent: Int64
    public let durationNanoseconds: UInt64
    public let remoteAddress: String
    /// The user the handler authenticated (`Request.userForLog`); nil for
    /// anonymous requests and answers sent before a handler ran.
    public let user: String?

    public init(method: String, rawPath: String, route: String?, status: Int, bytesSent: Int64, durationNanoseconds: UInt64, remoteAddress: String,
                user: String? = nil) {
        self.user = user
        self.method = method
        self.rawPath = rawPath
        self.route = route
        self.status = status
        self.bytesSent = bytesSent
        self.durationNanoseconds = durationNanoseconds
        self.remoteAddress = remoteAddress
    }
}
