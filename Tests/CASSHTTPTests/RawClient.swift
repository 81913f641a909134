#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CASSHTTP
import Foundation
import XCTest

/// A blocking TCP client that speaks raw bytes, so tests can send exactly
/// what a hostile or broken client would (no URLSession in between).
final class RawClient {
    let descriptor: Int32
    private var pending: [UInt8] = []

    struct Failure: Error, CustomStringConvertible { let description: String }

    init(port: UInt16, receiveTimeoutSeconds: Int = 5) throws {
        #if canImport(Glibc)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw Failure(description: "socket failed") }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw Failure(description: "connect failed: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// False once the server has closed or reset the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// Reads at least one more byte into `pending`; false on EOF, reset or timeout.
    private func fill() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        pending += buffer[0..<count]
        return true
    }

    private func readLine() throws -> String {
        while true {
            if let index = pending.firstIndex(of: 0x0a), index > 0, pending[index - 1] == 0x0d {
                let line = String(decoding: pending[0..<(index - 1)], as: UTF8.self)
                pending.removeFirst(index + 1)
                return line
            }
            guard fill() else { throw Failure(description: "connection ended inside a line (have \(pending.count) bytes)") }
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while pending.count < count {
            guard fill() else { throw Failure(description: "connection ended after \(pending.count) of \(count) body bytes") }
        }
        defer { pending.removeFirst(count) }
        return Array(pending[0..<count])
    }

    /// One response. `headRequest`: no body follows whatever the headers say.
    func readResponse(headRequest: Bool = false) throws -> RawResponse {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else {
            throw Failure(description: "bad status line \(statusLine.debugDescription)")
        }
        var headers: [(String, String)] = []
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw Failure(description: "bad header line \(line)") }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
        }
        var response = RawResponse(status: status, reason: parts.count > 2 ? String(parts[2]) : "", headers: headers, body: [])
        if headRequest || status == 204 || status == 304 || status < 200 { return response }
        if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            while true {
                let sizeLine = try readLine()
                guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else { throw Failure(description: "bad chunk size \(sizeLine)") }
                if size == 0 {
                    while try !readLine().isEmpty {}
                    break
                }
                response.body += try readExactly(size)
                guard try readLine().isEmpty else { throw Failure(description: "chunk not followed by CRLF") }
            }
        } else if let length = response.header("Content-Length").flatMap(Int.init) {
            response.body = try readExactly(length)
        } else {
            while fill() {}
            response.body = pending
            pending = []
        }
        return response
    }

    /// Everything until the server closes (or the receive timeout).
    func readToEnd() -> [UInt8] {
        while fill() {}
        defer { pending = [] }
        return pending
    }

    /// Whether the server closed the connection within the receive timeout
    /// (EOF or reset, with nothing more sent).
    func serverClosed() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 { pending += buffer[0..<count]; continue }
            if count == 0 { return true }
            return errno == ECONNRESET
        }
    }

    /// Reads raw bytes until `marker` appears in what was received.
    func readUntil(_ marker: String) throws -> String {
        let needle = Array(marker.utf8)
        while true {
            if let range = find(needle) {
                let text = String(decoding: pending[0..<range.upperBound], as: UTF8.self)
                pending.removeFirst(range.upperBound)
                return text
            }
            guard fill() else { throw Failure(description: "no \(marker.debugDescription) before the end; got \(String(decoding: pending, as: UTF8.self).debugDescription)") }
        }
    }

    private func find(_ needle: [UInt8]) -> Range<Int>? {
        guard pending.count >= needle.count else { return nil }
        for start in 0...(pending.count - needle.count) where pending[start..<(start + needle.count)].elementsEqual(needle) {
            return start..<(start + needle.count)
        }
        return nil
    }
}

struct RawResponse {
    var status: Int
    var reason: String
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The problem document's members (type, title, status, detail, errors).
    func problem(file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        XCTAssertEqual(header("Content-Type"), "application/problem+json", file: file, line: line)
        let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        XCTAssertNotNil(object, "problem body is JSON: \(text)", file: file, line: line)
        return object ?? [:]
    }
}

/// Starts a server on a free port for one test; stops it in `tearDown`.
class ServerTestCase: XCTestCase {
    var server: HTTPServer?
    var log = LogRecorder()

    func startServer(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }, routes: (inout Router) -> Void) throws -> HTTPServer {
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        let log = self.log
        configuration.log = { log.append($0) }
        configure(&configuration)
        var router = Router()
        routes(&router)
        let server = try HTTPServer(configuration: configuration, router: router)
        server.start()
        self.server = server
        return server
    }

    override func tearDown() {
        server?.stop(timeoutMs: 2000)
        server = nil
        super.tearDown()
    }

    func request(_ text: String) -> String { text.replacingOccurrences(of: "\n", with: "\r\n") }
}

final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

/// A value several threads set and read in tests.
final class Shared<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
    func update(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}

/// Resident memory of this process in bytes (Linux /proc).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
