/// How a request's body is delimited (RFC 9112 §6.3).
public enum BodyFraming: Sendable, Equatable {
    case none
    case length(Int64)
    case chunked
}

/// The request line and header fields, parsed and checked.
public struct RequestHead: Sendable {
    public var method: HTTPMethod
    /// The request-target exactly as sent.
    public var target: String
    /// The path as sent, still percent-encoded (unambiguous: `%2F` stays).
    public var rawPath: String
    /// The path's segments, percent-decoded: `/a/b%2Fc` → ["a", "b/c"].
    public var pathSegments: [String]
    public var query: QueryParameters
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var framing: BodyFraming
    /// False when the client asked to close (or spoke HTTP/1.0 without keep-alive).
    public var keepAlive: Bool
    /// `Expect: 100-continue`: the server sends 100 when the body is first read.
    public var expectsContinue: Bool

    public var hasBody: Bool { framing != .none && framing != .length(0) }
}

/// The pure parser of request heads: bytes in, `RequestHead` or an
/// `HTTPError` out (never a crash, whatever the bytes; the fuzz target
/// `fuzz-http-request` drives it).
public enum RequestHeadParser {
    public struct Limits: Sendable {
        /// Request line plus header fields, CRLFs included (431 beyond).
        public var headBytesMax: Int
        /// Header field lines at most (431 beyond).
        public var headerCountMax: Int

        public init(headBytesMax: Int = 16 * 1024, headerCountMax: Int = 100) {
            self.headBytesMax = headBytesMax
            self.headerCountMax = headerCountMax
        }
    }

    /// The result of scanning received bytes for the end of a head.
    public enum Scan: Equatable, Sendable {
        /// The head ends just before `bodyStart` (after CRLF CRLF).
        case complete(bodyStart: Int)
        /// Not yet; scanning can resume at `resumeAt`.
        case incomplete(resumeAt: Int)
        /// A bare LF (without CR): refused rather than guessed at.
        case bareLineFeed
    }

    /// Looks for CRLF CRLF in `bytes[from...]`, where `from` is what the
    /// previous scan returned (so each byte is looked at once).
    public static func scan(_ bytes: UnsafeRawBufferPointer, from: Int) -> Scan {
        var index = max(from, 0)
        let count = bytes.count
        while index < count {
            if bytes[index] == 0x0a {
                guard index > 0, bytes[index - 1] == 0x0d else { return .bareLineFeed }
                if index >= 3, bytes[index - 2] == 0x0a, bytes[index - 3] == 0x0d { return .complete(bodyStart: index + 1) }
            }
            index += 1
        }
        // A CR may be waiting for its LF: look at it again next time.
        return .incomplete(resumeAt: max(count - 3, 0))
    }

    public static func parse(_ bytes: [UInt8], limits: Limits = Limits()) throws(HTTPError) -> RequestHead {
        let result = bytes.withUnsafeBytes { buffer in Result { () throws(HTTPError) -> RequestHead in try parse(buffer, limits: limits) } }
        return try result.get()
    }

    /// Parses a complete head (through its CRLF CRLF; empty lines before
    /// the request line are skipped, RFC 9112 §2.2).
    public static func parse(_ head: UnsafeRawBufferPointer, limits: Limits = Limits()) throws(HTTPError) -> RequestHead {
        guard head.count <= limits.headBytesMax else {
            throw tooLarge("the request line and headers take \(head.count) bytes; at most \(limits.headBytesMax) are accepted")
        }
        var lines = Lines(head)
        var requestLine = lines.next()
        while let line = requestLine, line.isEmpty { requestLine = lines.next() }
        guard let requestLine, !requestLine.isEmpty else { throw bad("no request line") }
        let (method, target, version) = try parseRequestLine(head, requestLine)
        let (rawPath, rawQuery) = try splitTarget(head, target)

        var headers = HTTPHeaders()
        while let line = lines.next() {
            if line.isEmpty { break }
            guard headers.count < limits.headerCountMax else {
                throw tooLarge("more than \(limits.headerCountMax) header fields")
            }
            headers.add(contentsOf: try parseField(head, line))
        }

        let segments: [String]
        let query: QueryParameters
        do throws(PercentDecoding.Failure) {
            segments = try PercentDecoding.pathSegments(UnsafeRawBufferPointer(rebasing: head[rawPath]))
            if let rawQuery {
                query = try QueryParameters.parse(UnsafeRawBufferPointer(rebasing: head[rawQuery]))
            } else {
                query = QueryParameters()
            }
        } catch {
            throw bad("request target: \(error.description)")
        }
        let framing = try bodyFraming(headers, version: version)
        try checkHost(headers, version: version)
        let connection = headers.listElements("Connection").map(\.asciiLowercased)
        let keepAlive = version == .http11 ? !connection.contains("close") : connection.contains("keep-alive")
        var expectsContinue = false
        let expectations = headers.listElements("Expect")
        if !expectations.isEmpty {
            guard expectations.count == 1, expectations[0].caseInsensitiveEquals("100-continue") else {
                throw HTTPError(.expectationFailed, detail: "only Expect: 100-continue is supported", closesConnection: true)
            }
            expectsContinue = version == .http11
        }
        return RequestHead(
            method: method, target: string(head, target), rawPath: string(head, rawPath), pathSegments: segments,
            query: query, version: version, headers: headers, framing: framing, keepAlive: keepAlive,
            expectsContinue: expectsContinue)
    }

    private static func parseRequestLine(_ head: UnsafeRawBufferPointer, _ line: Range<Int>) throws(HTTPError) -> (HTTPMethod, Range<Int>, HTTPVersion) {
        let bytes = head[line]
        guard let firstSpace = bytes.firstIndex(of: 0x20) else { throw bad("the request line has no spaces") }
        let methodRange = line.lowerBound..<firstSpace
        guard !methodRange.isEmpty, head[methodRange].allSatisfy(ByteClass.isTokenCharacter) else {
            throw bad("the method is not a token")
        }
        guard let secondSpace = head[(firstSpace + 1)..<line.upperBound].firstIndex(of: 0x20) else {
            throw bad("the request line needs method, target and version separated by single spaces")
        }
        let target = (firstSpace + 1)..<secondSpace
        guard !target.isEmpty, head[target].allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw bad("the request target is empty or has a character outside visible ASCII")
        }
        let versionBytes = head[(secondSpace + 1)..<line.upperBound]
        let version: HTTPVersion
        if versionBytes.elementsEqual("HTTP/1.1".utf8) {
            version = .http11
        } else if versionBytes.elementsEqual("HTTP/1.0".utf8) {
            version = .http10
        } else if versionBytes.count == 8, versionBytes.starts(with: "HTTP/".utf8),
                  versionBytes.dropFirst(5).enumerated().allSatisfy({ $0.offset == 1 ? $0.element == UInt8(ascii: ".") : ($0.element >= 48 && $0.element <= 57) }) {
            throw HTTPError(.versionNotSupported, detail: "only HTTP/1.1 and HTTP/1.0 are served", closesConnection: true)
        } else {
            throw bad("the request line must end with HTTP/1.1 after single spaces")
        }
        let method = HTTPMethod(string(head, methodRange))
        return (method, target, version)
    }

    /// Origin form (`/path?query`) or absolute form (`http://host/path?query`).
    private static func splitTarget(_ head: UnsafeRawBufferPointer, _ target: Range<Int>) throws(HTTPError) -> (Range<Int>, Range<Int>?) {
        var start = target.lowerBound
        if head[start] != UInt8(ascii: "/") {
            let text = string(head, target).asciiLowercased
            let schemeLength = text.hasPrefix("http://") ? 7 : text.hasPrefix("https://") ? 8 : 0
            guard schemeLength > 0,
                  let slash = head[(start + schemeLength)..<target.upperBound].firstIndex(of: UInt8(ascii: "/")) else {
                throw bad("the request target must be an absolute path (origin form) or an http(s) URL")
            }
            start = slash
        }
        guard !head[start..<target.upperBound].contains(UInt8(ascii: "#")) else { throw bad("a request target has no fragment") }
        guard let question = head[start..<target.upperBound].firstIndex(of: UInt8(ascii: "?")) else {
            return (start..<target.upperBound, nil)
        }
        return (start..<question, (question + 1)..<target.upperBound)
    }

    private static func parseField(_ head: UnsafeRawBufferPointer, _ line: Range<Int>) throws(HTTPError) -> (name: String, value: String) {
        guard head[line.lowerBound] != 0x20, head[line.lowerBound] != 0x09 else {
            throw bad("a header line starts with white space (obsolete line folding is refused)")
        }
        guard let colon = head[line].firstIndex(of: UInt8(ascii: ":")) else { throw bad("a header line has no colon") }
        let nameRange = line.lowerBound..<colon
        guard !nameRange.isEmpty, head[nameRange].allSatisfy(ByteClass.isTokenCharacter) else {
            throw bad("a header name is empty, not a token, or followed by white space before the colon")
        }
        var valueStart = colon + 1, valueEnd = line.upperBound
        while valueStart < valueEnd, head[valueStart] == 0x20 || head[valueStart] == 0x09 { valueStart += 1 }
        while valueEnd > valueStart, head[valueEnd - 1] == 0x20 || head[valueEnd - 1] == 0x09 { valueEnd -= 1 }
        let valueBytes = head[valueStart..<valueEnd]
        let name = string(head, nameRange)
        guard valueBytes.allSatisfy({ ByteClass.isFieldValueByte($0) }) else {
            throw bad("header \(name) has a control character in its value")
        }
        guard let value = String(validating: valueBytes, as: UTF8.self) else {
            throw bad("header \(name) is not UTF-8")
        }
        return (name, value)
    }

    private static func bodyFraming(_ headers: HTTPHeaders, version: HTTPVersion) throws(HTTPError) -> BodyFraming {
        let encodings = headers.values("Transfer-Encoding")
        let lengths = headers.values("Content-Length")
        if !encodings.isEmpty {
            // Both, or a list, is how requests are smuggled past proxies.
            guard lengths.isEmpty else { throw bad("both Transfer-Encoding and Content-Length are given") }
            guard version == .http11 else { throw bad("Transfer-Encoding needs HTTP/1.1") }
            let codings = headers.listElements("Transfer-Encoding")
            guard codings.count == 1, encodings.count == 1 else {
                throw HTTPError(.notImplemented, detail: "only Transfer-Encoding: chunked is supported, alone", closesConnection: true)
            }
            guard codings[0].caseInsensitiveEquals("chunked") else {
                throw HTTPError(.notImplemented, detail: "transfer coding \(codings[0]) is not supported; use chunked", closesConnection: true)
            }
            return .chunked
        }
        guard let text = lengths.first else { return .none }
        guard lengths.count == 1 else { throw bad("Content-Length is given \(lengths.count) times") }
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let length = Int64(text) else {
            throw bad("Content-Length must be a decimal number of at most 18 digits")
        }
        return .length(length)
    }

    private static func checkHost(_ headers: HTTPHeaders, version: HTTPVersion) throws(HTTPError) {
        let hosts = headers.values("Host")
        if version == .http11, hosts.count != 1 { throw bad("an HTTP/1.1 request needs exactly one Host header") }
        guard hosts.count <= 1 else { throw bad("Host is given \(hosts.count) times") }
        if let host = hosts.first {
            let allowed: (UInt8) -> Bool = { byte in
                PercentDecoding.isPathCharacter(byte) || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "%")
            }
            guard host.utf8.allSatisfy(allowed) else { throw bad("the Host header is not a host name with an optional port") }
        }
    }

    private static func string(_ head: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: head[range], as: UTF8.self)
    }

    static func bad(_ detail: String) -> HTTPError { HTTPError(.badRequest, detail: detail, closesConnection: true) }

    static func tooLarge(_ detail: String) -> HTTPError {
        HTTPError(.headerFieldsTooLarge, detail: detail, closesConnection: true)
    }
}

/// Lines of a head, each without its CRLF; a lone CR inside a line stays
/// in it (and is then refused as a control character).
private struct Lines {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func next() -> Range<Int>? {
        guard position < bytes.count else { return nil }
        var index = position
        while index + 1 < bytes.count, !(bytes[index] == 0x0d && bytes[index + 1] == 0x0a) { index += 1 }
        guard index + 1 < bytes.count else {
            // No CRLF: the rest is a line the caller will find malformed.
            defer { position = bytes.count }
            return position..<bytes.count
        }
        defer { position = index + 2 }
        return position..<index
    }
}

extension HTTPHeaders {
    mutating func add(contentsOf field: (name: String, value: String)) { add(field.name, field.value) }
}
