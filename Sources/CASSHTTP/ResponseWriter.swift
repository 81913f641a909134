#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Puts responses on the wire: the status line and headers, then the body
/// by kind, never buffering more than `responseChunkBytes` of a file or stream.
enum ResponseWriter {
    /// Headers the server alone writes; a handler's are dropped.
    static let framingHeaders = ["Content-Length", "Transfer-Encoding", "Connection", "Date"]

    /// Writes the answer; returns the status actually sent.
    static func write(_ response: Response, for head: RequestHead, keepAlive: Bool, io: ConnectionIO,
                      configuration: HTTPServerConfiguration) throws(IOFailure) -> Int {
        guard let response = checked(response, configuration: configuration) else {
            let error = HTTPError(.internalServerError, detail: "the server built an invalid answer")
            return try write(.problem(error), for: head, keepAlive: keepAlive, io: io, configuration: configuration)
        }
        let sendsBody = head.method != .HEAD && response.status.allowsBody
        switch response.body {
        case .empty:
            try writeHead(response, status: response.status, length: response.status.allowsBody ? 0 : nil, chunked: false, keepAlive: keepAlive, io: io)
        case .bytes(let bytes):
            var message = headBytes(response, status: response.status, length: response.status.allowsBody ? Int64(bytes.count) : nil, chunked: false, keepAlive: keepAlive)
            if sendsBody {
                if bytes.count <= configuration.responseChunkBytes {
                    message += bytes
                    try io.send(message)
                } else {
                    try io.send(message)
                    try io.send(bytes)
                }
            } else {
                try io.send(message)
            }
        case .file(let path):
            // O_NONBLOCK: opening a FIFO must not wait for a writer (it is then refused below).
            let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            var info = stat()
            guard descriptor >= 0, fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                let reason = String(cString: strerror(errno))
                if descriptor >= 0 { _ = close(descriptor) }
                configuration.log("http: cannot send file \(path): \(reason)")
                let error = HTTPError(.internalServerError, detail: "the server could not read the document")
                return try write(.problem(error), for: head, keepAlive: keepAlive, io: io, configuration: configuration)
            }
            defer { _ = close(descriptor) }
            let size = Int64(info.st_size)
            try writeHead(response, status: response.status, length: size, chunked: false, keepAlive: keepAlive, io: io)
            if sendsBody { try sendFile(descriptor, size: size, io: io, chunkBytes: configuration.responseChunkBytes) }
        case .stream(let produce):
            let chunked = head.version == .http11
            try writeHead(response, status: response.status, length: nil, chunked: chunked && sendsBody, keepAlive: keepAlive && chunked, io: io)
            guard sendsBody else { break }
            let stream = ResponseStream(io: io, chunked: chunked)
            do {
                try produce(stream)
            } catch {
                // The status is already sent: ending the connection without the
                // last chunk is how the client learns the body is incomplete.
                if !(error is StreamClosed) { configuration.log("http: \(head.method) \(head.rawPath): stream failed: \(error)") }
                throw .failed("stream ended early")
            }
            try stream.finish()
            if !chunked { throw .closed }
        case .events(let channel):
            // HEAD of an event stream: the headers only, and no stream.
            channel.close(.clientGone)
            try writeHead(response, status: response.status, length: nil, chunked: false, keepAlive: false, io: io)
        }
        return response.status.code
    }

    private static func sendFile(_ descriptor: Int32, size: Int64, io: ConnectionIO, chunkBytes: Int) throws(IOFailure) {
        var buffer = [UInt8](repeating: 0, count: max(chunkBytes, 4096))
        var remaining = size
        while remaining > 0 {
            let want = Int(min(Int64(buffer.count), remaining))
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, want) }
            if count < 0, errno == EINTR { continue }
            // Shorter than announced (the file shrank): the connection must end.
            guard count > 0 else { throw .failed("file ended early") }
            let sent = buffer.withUnsafeBytes { raw in Result { () throws(IOFailure) in try io.send(UnsafeRawBufferPointer(rebasing: raw[0..<count])) } }
            try sent.get()
            remaining -= Int64(count)
        }
    }

    static func writeHead(_ response: Response, status: HTTPStatus, length: Int64?, chunked: Bool, keepAlive: Bool, io: ConnectionIO) throws(IOFailure) {
        try io.send(headBytes(response, status: status, length: length, chunked: chunked, keepAlive: keepAlive))
    }

    static func headBytes(_ response: Response, status: HTTPStatus, length: Int64?, chunked: Bool, keepAlive: Bool) -> [UInt8] {
        var text = "HTTP/1.1 \(status.code) \(status.reason)\r\nDate: \(HTTPDate.now())\r\n"
        for field in response.headers { text += field.name + ": " + field.value + "\r\n" }
        if let length { text += "Content-Length: \(length)\r\n" }
        if chunked { text += "Transfer-Encoding: chunked\r\n" }
        if !keepAlive { text += "Connection: close\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// A whole small answer as bytes (for error answers sent without waiting).
    static func serialize(_ response: Response, keepAlive: Bool) -> [UInt8] {
        guard case .bytes(let bytes) = response.body else {
            return headBytes(response, status: response.status, length: 0, chunked: false, keepAlive: keepAlive)
        }
        return headBytes(response, status: response.status, length: Int64(bytes.count), chunked: false, keepAlive: keepAlive) + bytes
    }

    /// The response without framing headers, or nil when a header could
    /// split the response (a name that is not a token, a CR, LF or NUL in a value).
    static func checked(_ response: Response, configuration: HTTPServerConfiguration) -> Response? {
        var response = response
        for name in framingHeaders where response.headers.contains(name) { response.headers.remove(name) }
        for field in response.headers {
            guard ByteClass.isToken(field.name), field.value.utf8.allSatisfy({ $0 == 0x09 || $0 >= 0x20 && $0 != 0x7f }) else {
                configuration.log("http: a handler set an invalid header \(field.name.debugDescription)")
                return nil
            }
        }
        return response
    }
}
