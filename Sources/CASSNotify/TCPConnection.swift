#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking TCP client socket with send/receive timeouts and a line
/// reader: all SMTP needs. Used from one thread at a time.
final class TCPConnection {
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    static let lineLengthMax = 64 * 1024

    /// Connects to the first address of `host` that answers.
    init(host: String, port: Int, timeoutMs: Int) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw NotifyError.connection("cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var current: UnsafeMutablePointer<addrinfo>? = first
        var connected: Int32 = -1
        while let entry = current {
            let fd = socket(entry.pointee.ai_family, entry.pointee.ai_socktype, entry.pointee.ai_protocol)
            if fd >= 0 {
                TCPConnection.setTimeouts(fd, milliseconds: timeoutMs)
                if connect(fd, entry.pointee.ai_addr, entry.pointee.ai_addrlen) == 0 {
                    connected = fd
                    break
                }
                lastError = String(cString: strerror(errno))
                closeDescriptor(fd)
            } else {
                lastError = String(cString: strerror(errno))
            }
            current = entry.pointee.ai_next
        }
        guard connected >= 0 else { throw NotifyError.connection("cannot connect to \(host):\(port): \(lastError)") }
        descriptor = connected
    }

    deinit { disconnect() }

    func disconnect() {
        if descriptor >= 0 {
            closeDescriptor(descriptor)
            descriptor = -1
        }
    }

    private static func setTimeouts(_ fd: Int32, milliseconds: Int) {
        var value = timeval(tv_sec: milliseconds / 1000, tv_usec: .init((milliseconds % 1000) * 1000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                #if canImport(Darwin)
                return Darwin.send(descriptor, base + sent, raw.count - sent, 0)
                #else
                return Glibc.send(descriptor, base + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                #endif
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw NotifyError.connection("send failed: \(String(cString: strerror(errno)))")
            }
            sent += result
        }
    }

    /// One line without its CRLF (or LF).
    func readLine() throws -> String {
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard buffer.count < TCPConnection.lineLengthMax else {
                throw NotifyError.connection("line longer than \(TCPConnection.lineLengthMax) bytes")
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return recv(descriptor, base, raw.count, 0)
            }
            if count < 0 {
                if errno == EINTR { continue }
                let reason = errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : String(cString: strerror(errno))
                throw NotifyError.connection("receive failed: \(reason)")
            }
            if count == 0 { throw NotifyError.connection("connection closed by the server") }
            buffer += chunk[..<count]
        }
    }
}

func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
