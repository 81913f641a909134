#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CASSCrypto

/// How a handler wants the body, decided from the head before any of it is
/// read (so a 401 or 403 costs no upload).
public enum BodyPolicy: Sendable {
    /// No body accepted: one that is sent is answered 413.
    case none
    /// Read into memory, at most `limit` bytes (413 beyond).
    case memory(limit: Int)
    /// Written to a new file in `folder` as it arrives, at most `limit`
    /// bytes (413 beyond, the partial file removed). Never in memory whole.
    case file(folder: String, limit: Int64)
}

public enum RequestBody: Sendable {
    case none
    case bytes([UInt8])
    case file(ReceivedFile)
}

/// A body written to disk under `.file`. The server removes the file once
/// the handler has returned: rename or link it to keep it.
public struct ReceivedFile: Sendable {
    public let path: String
    public let byteCount: Int64
}

/// What a handler receives: the parsed head, the path parameters, and the
/// body not yet read. Used by one thread (the connection's) only.
public final class Request: @unchecked Sendable {
    public let head: RequestHead
    public let pathParameters: [String: String]
    /// "address:port" of the client (the proxy's, behind a reverse proxy).
    public let remoteAddress: String

    private let io: ConnectionIO
    private let configuration: HTTPServerConfiguration
    private var bodyState: BodyState
    private var continueSent = false
    /// Files written under `.file`, removed after the handler returns.
    private(set) var receivedFiles: [String] = []
    public private(set) var trailers = HTTPHeaders()
    /// Who the request was authenticated as, for the access log line; set
    /// by the handler that authenticated it (nil: nobody, or not known).
    /// A request is handled on its connection's thread only.
    public var userForLog: String?

    enum BodyState {
        case unread
        case reading
        case finished
        /// The connection broke or the body was refused midway: close, no more requests.
        case broken
    }

    init(head: RequestHead, pathParameters: [String: String], remoteAddress: String, io: ConnectionIO, configuration: HTTPServerConfiguration) {
        self.head = head
        self.pathParameters = pathParameters
        self.remoteAddress = remoteAddress
        self.io = io
        self.configuration = configuration
        bodyState = head.hasBody ? .unread : .finished
    }

    public var method: HTTPMethod { head.method }
    public var headers: HTTPHeaders { head.headers }
    public var query: QueryParameters { head.query }
    public var pathSegments: [String] { head.pathSegments }

    /// A path parameter of the route (`{number}` → `parameter("number")`).
    public func parameter(_ name: String) -> String? { pathParameters[name] }

    /// All cookies of the request's Cookie headers.
    public var cookies: [String: String] { Cookies.parse(head.headers.values("Cookie").joined(separator: "; ")) }

    /// The token of `Authorization: Bearer TOKEN` (RFC 6750 §2.1), nil if absent or malformed.
    public var bearerToken: String? {
        guard let value = head.headers["Authorization"], value.utf8.count > 7 else { return nil }
        let scheme = String(value.prefix(7))
        guard scheme.caseInsensitiveEquals("Bearer ") else { return nil }
        let token = value.dropFirst(7)
        // b64token (RFC 6750): ALPHA DIGIT - . _ ~ + / then any number of =.
        let body = token.utf8.prefix { $0 != UInt8(ascii: "=") }
        let isB64Character: (UInt8) -> Bool = { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                true
            default:
                false
            }
        }
        guard !body.isEmpty, body.allSatisfy(isB64Character),
              token.utf8.dropFirst(body.count).allSatisfy({ $0 == UInt8(ascii: "=") }) else { return nil }
        return String(token)
    }

    /// The media type of Content-Type, lower-cased, without parameters.
    public var mediaType: String? {
        guard let value = head.headers["Content-Type"] else { return nil }
        return String(value.split(separator: ";", maxSplits: 1).first ?? "").trimmingOWS().asciiLowercased
    }

    /// Content-Length when given (nil for chunked bodies and none).
    public var declaredBodyLength: Int64? {
        if case .length(let length) = head.framing { return length }
        return nil
    }

    var bodyFinished: Bool { bodyState == .finished }
    var connectionBroken: Bool { bodyState == .broken }

    // MARK: - Reading the body

    public func body(_ policy: BodyPolicy) throws(HTTPError) -> RequestBody {
        switch policy {
        case .none:
            guard head.hasBody else { return .none }
            throw refuse(HTTPError(.contentTooLarge, detail: "this request takes no body", closesConnection: true))
        case .memory(let limit):
            return .bytes(try readBody(limit: limit))
        case .file(let folder, let limit):
            return .file(try saveBody(in: folder, limit: limit))
        }
    }

    /// The whole body in memory; at most `limit` bytes (413 beyond).
    public func readBody(limit: Int) throws(HTTPError) -> [UInt8] {
        var bytes: [UInt8] = []
        if let declared = declaredBodyLength, declared <= Int64(limit) { bytes.reserveCapacity(Int(declared)) }
        try streamBody(limit: Int64(limit)) { (chunk) throws(HTTPError) in bytes.append(contentsOf: chunk) }
        return bytes
    }

    /// The body written to a new file in `folder` (mode 0600), at most
    /// `limit` bytes; 413 beyond, and the partial file is removed.
    public func saveBody(in folder: String, limit: Int64) throws(HTTPError) -> ReceivedFile {
        try checkDeclaredLength(limit)
        let name: String
        do { name = "upload-" + Hex.encode(try SecureRandom.bytes(12)) + ".part" } catch {
            throw HTTPError(.internalServerError, detail: "no random name for the upload: \(error.description)", closesConnection: true)
        }
        let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw refuse(HTTPError(.internalServerError, detail: "cannot create the upload file: \(reason)", closesConnection: true))
        }
        receivedFiles.append(path)
        var written: Int64 = 0
        do throws(HTTPError) {
            defer { close(descriptor) }
            try streamBody(limit: limit) { (chunk) throws(HTTPError) in
                var offset = 0
                while offset < chunk.count {
                    let count = write(descriptor, chunk.baseAddress.unsafelyUnwrapped + offset, chunk.count - offset)
                    if count < 0 {
                        if errno == EINTR { continue }
                        let reason = String(cString: strerror(errno))
                        throw HTTPError(HTTPStatus(507, "Insufficient Storage"), detail: "the upload could not be stored: \(reason)", closesConnection: true)
                    }
                    offset += count
                }
                written += Int64(chunk.count)
            }
        } catch {
            unlink(path)
            throw error
        }
        return ReceivedFile(path: path, byteCount: written)
    }

    /// Calls `consume` with each piece of the body as it arrives (at most
    /// 64 KiB each; the bytes are valid only during the call). At most
    /// `limit` bytes (413 beyond). The slow-client rule applies.
    public func streamBody(limit: Int64, _ consume: (UnsafeRawBufferPointer) throws(HTTPError) -> Void) throws(HTTPError) {
        switch bodyState {
        case .finished where !head.hasBody: return
        case .unread: break
        case .finished, .reading, .broken:
            throw HTTPError(.internalServerError, detail: "the request body was already read", closesConnection: true)
        }
        try checkDeclaredLength(limit)
        bodyState = .reading
        sendContinueIfAsked()
        var window = RateWindow(configuration)
        var received: Int64 = 0
        do throws(HTTPError) {
            switch head.framing {
            case .none:
                break
            case .length(let length):
                while received < length {
                    if io.unread == 0 { try fill(&window) }
                    let take = Int(min(Int64(io.unread), length - received))
                    try consume(UnsafeRawBufferPointer(rebasing: io.unreadBytes[0..<take]))
                    io.consume(take)
                    received += Int64(take)
                }
            case .chunked:
                var decoder = ChunkedDecoder(limits: configuration.chunkedLimits)
                decoding: while true {
                    let step = try decoder.step(io.unreadBytes)
                    switch step {
                    case .needMore:
                        try fill(&window)
                    case .framing(let consumed):
                        io.consume(consumed)
                    case .data(let range):
                        received += Int64(range.count)
                        guard received <= limit else {
                            throw HTTPError(.contentTooLarge, detail: "the body is larger than \(limit) bytes", closesConnection: true)
                        }
                        try consume(UnsafeRawBufferPointer(rebasing: io.unreadBytes[range]))
                        io.consume(range.upperBound)
                    case .end(let consumed):
                        io.consume(consumed)
                        trailers = decoder.trailers
                        break decoding
                    }
                }
            }
        } catch {
            bodyState = .broken
            throw error
        }
        bodyState = .finished
    }

    private func checkDeclaredLength(_ limit: Int64) throws(HTTPError) {
        if let declared = declaredBodyLength, declared > limit {
            throw refuse(HTTPError(.contentTooLarge, detail: "the body is \(declared) bytes; at most \(limit) are accepted here", closesConnection: true))
        }
    }

    /// Marks the body unread-for-good: the connection closes after the answer.
    private func refuse(_ error: HTTPError) -> HTTPError {
        bodyState = .broken
        return error
    }

    private func fill(_ window: inout RateWindow) throws(HTTPError) {
        while true {
            do {
                let count = try io.receive(deadline: window.end)
                window.record(count)
                try window.check()
                return
            } catch .timedOut {
                do { try window.check() } catch { throw slowClient() }
            } catch .tooSlow {
                throw slowClient()
            } catch {
                throw HTTPError(.badRequest, detail: "the connection ended inside the request body", closesConnection: true)
            }
        }
    }

    private func slowClient() -> HTTPError {
        HTTPError(.requestTimeout, detail: "the body arrived slower than \(configuration.minimumBytesPerSecond) bytes/s over \(configuration.rateWindowMs) ms",
                  closesConnection: true)
    }

    private func sendContinueIfAsked() {
        guard head.expectsContinue, !continueSent else { return }
        continueSent = true
        // A short, single write on a fresh connection: the kernel buffer takes it.
        try? io.send("HTTP/1.1 100 Continue\r\n\r\n")
    }

    /// After the handler: reads and drops a small unread body so the
    /// connection can serve the next request. False when it must close.
    func drainForKeepAlive() -> Bool {
        switch bodyState {
        case .finished: return true
        case .broken, .reading: return false
        case .unread: break
        }
        // The client waits for 100 Continue before sending: it may or may not send.
        guard !head.expectsContinue, let declared = declaredBodyLength, declared <= Int64(configuration.drainBytesMax) else { return false }
        do {
            try streamBody(limit: declared) { _ in }
            return true
        } catch {
            return false
        }
    }

    /// A file written for this request (a multipart file part), removed
    /// with the others once the handler returns.
    func track(_ path: String) { receivedFiles.append(path) }

    func removeReceivedFiles() {
        for path in receivedFiles { unlink(path) }
        receivedFiles.removeAll()
    }
}
