@testable import CASSHTTP
import Foundation
import XCTest

/// Each limit, with a client that tries to break it.
final class ServerLimitsTests: ServerTestCase {
    private var folder: URL!

    override func setUp() {
        super.setUp()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("http-limits-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        super.tearDown()
        try? FileManager.default.removeItem(at: folder)
    }

    private func limitedServer(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws -> HTTPServer {
        let folder = self.folder.path
        return try startServer(configure) { router in
            router.get("/hello") { _ in .text("hello") }
            router.post("/json") { request in
                let body = try request.body(.memory(limit: 1 << 20))
                guard case .bytes(let bytes) = body else { return .text("none") }
                return .text("\(bytes.count)")
            }
            router.post("/files") { request in
                guard request.bearerToken == "airline" else { throw HTTPError(.unauthorized, detail: "log in") }
                guard case .file(let file) = try request.body(.file(folder: folder, limit: 256 << 20)) else { return .text("none") }
                let kept = file.path + ".kept"
                rename(file.path, kept)
                return .text("\(file.byteCount) \(kept)")
            }
            router.post("/small-files") { request in
                guard case .file(let file) = try request.body(.file(folder: folder, limit: 1000)) else { return .text("none") }
                return .text("\(file.byteCount)")
            }
            router.post("/nobody") { request in
                _ = try request.body(.none)
                return .text("ok")
            }
        }
    }

    // MARK: 431

    func test_headOver16KiB_431() throws {
        let server = try limitedServer()
        let client = try RawClient(port: server.port)
        client.send(request("GET /hello HTTP/1.1\nHost: t\nX-Padding: " + String(repeating: "p", count: 16 * 1024) + "\n\n"))
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 431)
        XCTAssertEqual(response.problem()["status"] as? Int, 431)
        XCTAssertTrue(client.serverClosed())
    }

    /// A head that never ends is cut at the limit, not read forever.
    func test_endlessHeader_431_withoutReadingMore() throws {
        let server = try limitedServer()
        let client = try RawClient(port: server.port)
        client.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Endless: ")
        var refused = false
        for _ in 0..<200 where !refused {
            refused = !client.send([UInt8](repeating: UInt8(ascii: "a"), count: 1024))
        }
        let text = String(decoding: client.readToEnd(), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 431"), text)
    }

    func test_headJustUnderTheLimit_isServed() throws {
        let server = try limitedServer()
        let client = try RawClient(port: server.port)
        let prefix = "GET /hello HTTP/1.1\r\nHost: t\r\nX-Padding: "
        let padding = String(repeating: "p", count: 16 * 1024 - prefix.utf8.count - 4)
        client.send(prefix + padding + "\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
    }

    // MARK: 413

    func test_jsonOver1MiB_413_fromTheDeclaredLength_beforeAnyBodyIsSent() throws {
        let server = try limitedServer()
        let client = try RawClient(port: server.port)
        client.send(request("POST /json HTTP/1.1\nHost: t\nContent-Type: application/json\nContent-Length: \((1 << 20) + 1)\n\n"))
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(response.problem()["detail"] as? String == "the body is 1048577 bytes; at most 1048576 are accepted here")
    }

    /// A client (or proxy) that sends its whole over-limit body before it
    /// reads gets the 413, not a reset: the server reads and drops what
    /// follows its answer (lingerBytesMax). nginx answered 502 here when
    /// the server stopped reading after 1 MiB.
    func test_jsonOver1MiB_sentWholeBeforeReading_stillGetsThe413() throws {
        let server = try limitedServer()
        for size in [(1 << 20) + 1, 1_100_000, 3 << 20] {
            let client = try RawClient(port: server.port)
            client.send(request("POST /json HTTP/1.1\nHost: t\nContent-Type: application/json\nContent-Length: \(size)\n\n"))
            let body = [UInt8](repeating: UInt8(ascii: " "), count: size)
            XCTAssertTrue(client.send(body), "the server stopped reading a \(size)-byte body before its answer was read")
            let response = try client.readResponse()
            XCTAssertEqual(response.status, 413, "\(size) bytes")
        }
    }

    func test_chunkedJSONOver1MiB_413() throws {
        let server = try limitedServer()
        let client = try RawClient(port: server.port)
        client.send(request("POST /json HTTP/1.1\nHost: t\nTransfer-Encoding: chunked\n\n"))
        let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 64 * 1024)
        for _ in 0..<17 {
            guard client.send(Array("10000\r\n".utf8) + chunk + Array("\r\n".utf8)) else { break }
        }
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 413)
    }

    func test_jsonExactly1MiB_isAccepted() throws {
        let server = try limitedServer()
        let client = try RawClient(port: server.port)
        client.send(request("POST /json HTTP/1.1\nHost: t\nContent-Length: \(1 << 20)\n\n"))
        client.send([UInt8](repeating: UInt8(ascii: " "), count: 1 << 20))
        XCTAssertEqual(try client.readResponse().text, "\(1 << 20)")
    }

    func test_fileOverItsLimit_413_andThePartialFileIsRemoved() throws {
        let server = try limitedServer()
        let client = try RawClient(port: server.port)
        client.send(request("POST /small-files HTTP/1.1\nHost: t\nTransfer-Encoding: chunked\n\n3e8\n" + String(repeating: "x", count: 1000) + "\n1\ny\n0\n\n"))
        XCTAssertEqual(try client.readResponse().status, 413)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [], "no partial upload left behind")
        let declared = try RawClient(port: server.port)
        declared.send(request("POST /files HTTP/1.1\nHost: t\nAuthorization: Bearer airline\nContent-Length: \((256 << 20) + 1)\n\n"))
        XCTAssertEqual(try declared.readResponse().status, 413)
    }

    func test_bodyPolicyNone_refusesABody() throws {
        let server = try limitedServer()
        let client = try RawClient(port: server.port)
        client.send(request("POST /nobody HTTP/1.1\nHost: t\nContent-Length: 0\n\n"))
        XCTAssertEqual(try client.readResponse().text, "ok")
        client.send(request("POST /nobody HTTP/1.1\nHost: t\nContent-Length: 2\n\nhi"))
        XCTAssertEqual(try client.readResponse().status, 413)
    }

    /// 401 is decided from the head: the 256 MiB the client announced is never read.
    func test_unauthorizedUpload_answeredWithoutReadingTheBody() throws {
        let server = try limitedServer()
        let client = try RawClient(port: server.port)
        client.send(request("POST /files HTTP/1.1\nHost: t\nContent-Length: \(200 << 20)\n\n"))
        client.send([UInt8](repeating: 1, count: 1000))
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 401)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(client.serverClosed())
    }

    // MARK: streaming to disk

    /// 48 MiB in chunks straight to a file; the process's resident memory
    /// grows far less than the upload (sampled throughout).
    func test_chunkedUploadOfSeveralMB_streamedToDisk_notHeldInMemory() throws {
        let server = try limitedServer()
        let client = try RawClient(port: server.port, receiveTimeoutSeconds: 60)
        let piece = (0..<(256 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let pieces = 192
        let baseline = residentBytes()
        let peak = Shared(baseline)
        let sampling = Shared(true)
        let sampler = Thread {
            while sampling.value {
                let now = residentBytes()
                peak.update { $0 = max($0, now) }
                usleep(2_000)
            }
        }
        sampler.start()
        client.send(request("POST /files HTTP/1.1\nHost: t\nAuthorization: Bearer airline\nTransfer-Encoding: chunked\n\n"))
        for _ in 0..<pieces {
            XCTAssertTrue(client.send(Array("40000\r\n".utf8) + piece + Array("\r\n".utf8)))
        }
        client.send("0\r\n\r\n")
        let response = try client.readResponse()
        sampling.value = false
        let parts = response.text.split(separator: " ")
        XCTAssertEqual(parts.first, "\(pieces * piece.count)", response.text)
        let kept = String(parts.last ?? "")
        let stored = try Data(contentsOf: URL(fileURLWithPath: kept))
        XCTAssertEqual(stored.count, pieces * piece.count)
        let expected = Data(piece)
        XCTAssertTrue((0..<pieces).allSatisfy { stored[($0 * piece.count)..<(($0 + 1) * piece.count)] == expected },
                      "the file holds exactly the bytes sent")
        let growth = peak.value - baseline
        XCTAssertLessThan(growth, 24 << 20, "resident memory grew \(growth >> 20) MiB for a \(pieces * piece.count >> 20) MiB upload")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".part") }, [],
                       "the server removes what the handler did not keep")
    }

    // MARK: slow clients

    /// Slowloris on the head: a byte every 50 ms never completes the head;
    /// cut at the head deadline with 408, while others are served meanwhile.
    func test_slowHead_cutAtTheHeadDeadline_othersServed() throws {
        let server = try limitedServer { $0.headTimeoutMs = 400 }
        let slow = try RawClient(port: server.port)
        let began = Date()
        let text = "GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        var cut = false
        for byte in text.utf8 {
            if !slow.send([byte]) { cut = true; break }
            let other = try RawClient(port: server.port)
            other.send(request("GET /hello HTTP/1.1\nHost: t\n\n"))
            XCTAssertEqual(try other.readResponse().status, 200)
            usleep(50_000)
            if Date().timeIntervalSince(began) > 1.5 { break }
        }
        let rest = String(decoding: slow.readToEnd(), as: UTF8.self)
        XCTAssertTrue(cut || rest.hasPrefix("HTTP/1.1 408"), "got \(rest.debugDescription)")
        XCTAssertLessThan(Date().timeIntervalSince(began), 3)
    }

    /// Slowloris on the body: 64 bytes every 100 ms (640 B/s) is below
    /// 1 KiB/s over the (shortened) 300 ms window: cut off with 408.
    func test_slowBody_cutOffBelowTheMinimumRate() throws {
        let server = try limitedServer { $0.rateWindowMs = 300 }
        let client = try RawClient(port: server.port)
        client.send(request("POST /json HTTP/1.1\nHost: t\nContent-Length: 100000\n\n"))
        let began = Date()
        var sentAll = true
        for _ in 0..<30 {
            guard client.send([UInt8](repeating: 0x20, count: 64)) else { sentAll = false; break }
            usleep(100_000)
        }
        let text = String(decoding: client.readToEnd(), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 408"), "\(text.debugDescription) (sent all: \(sentAll))")
        XCTAssertLessThan(Date().timeIntervalSince(began), 2.5)
    }

    /// The same trickle above the minimum (2 KiB/s) is not cut.
    func test_bodyAboveTheMinimumRate_isAccepted() throws {
        let server = try limitedServer { $0.rateWindowMs = 300 }
        let client = try RawClient(port: server.port)
        client.send(request("POST /json HTTP/1.1\nHost: t\nContent-Length: 2560\n\n"))
        for _ in 0..<10 {
            XCTAssertTrue(client.send([UInt8](repeating: 0x20, count: 256)))
            usleep(100_000)
        }
        XCTAssertEqual(try client.readResponse().text, "2560")
    }

    func test_idleKeepAliveConnection_closedAfterIdleTimeout() throws {
        let server = try limitedServer { $0.idleTimeoutMs = 200 }
        let client = try RawClient(port: server.port)
        client.send(request("GET /hello HTTP/1.1\nHost: t\n\n"))
        XCTAssertEqual(try client.readResponse().status, 200)
        let began = Date()
        XCTAssertTrue(client.serverClosed())
        XCTAssertLessThan(Date().timeIntervalSince(began), 2)
        XCTAssertTrue(waitUntil { server.openConnections == 0 })
    }

    /// A connection that sends nothing at all is closed at the head deadline.
    func test_silentConnection_closed() throws {
        let server = try limitedServer { $0.headTimeoutMs = 200 }
        let client = try RawClient(port: server.port)
        XCTAssertTrue(client.serverClosed())
        XCTAssertTrue(waitUntil { server.openConnections == 0 })
    }

    // MARK: connections

    func test_connectionLimit_503_thenRecovers() throws {
        let server = try limitedServer { $0.connectionsMax = 3 }
        let held = try (0..<3).map { _ in try RawClient(port: server.port) }
        XCTAssertTrue(waitUntil { server.openConnections == 3 })
        let extra = try RawClient(port: server.port)
        let text = String(decoding: extra.readToEnd(), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 503"), text)
        XCTAssertTrue(text.contains("Retry-After: 1"))
        held[0].send(request("GET /hello HTTP/1.1\nHost: t\nConnection: close\n\n"))
        XCTAssertEqual(try held[0].readResponse().status, 200)
        XCTAssertTrue(waitUntil { server.openConnections == 2 })
        let again = try RawClient(port: server.port)
        again.send(request("GET /hello HTTP/1.1\nHost: t\n\n"))
        XCTAssertEqual(try again.readResponse().status, 200)
    }

    // MARK: garbage

    /// Malformed requests get 400 and a closed connection; the server goes on.
    func test_garbage_400_andTheServerGoesOn() throws {
        let server = try limitedServer()
        let samples: [[UInt8]] = [
            Array("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\u{03}\u{03}\r\n\r\n".utf8), // a TLS hello, more or less
            Array("GET / HTTP/1.1\nHost: t\n\n".utf8),
            Array("GET /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc".utf8),
            Array("POST /json HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8),
            [0, 0, 0, 0, 13, 10, 13, 10],
            Array("GET /hello%ZZ HTTP/1.1\r\nHost: t\r\n\r\n".utf8),
        ]
        for sample in samples {
            let client = try RawClient(port: server.port)
            client.send(sample)
            let text = String(decoding: client.readToEnd(), as: UTF8.self)
            XCTAssertTrue(text.hasPrefix("HTTP/1.1 400"), "\(sample) → \(text.debugDescription)")
            XCTAssertTrue(text.contains("Connection: close"))
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let client = try RawClient(port: server.port, receiveTimeoutSeconds: 2)
            client.send((0..<Int.random(in: 1..<600, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) } + [13, 10, 13, 10])
            let text = String(decoding: client.readToEnd(), as: UTF8.self)
            XCTAssertTrue(text.isEmpty || text.hasPrefix("HTTP/1.1 4") || text.hasPrefix("HTTP/1.1 50"), text)
        }
        let client = try RawClient(port: server.port)
        client.send(request("GET /hello HTTP/1.1\nHost: t\n\n"))
        XCTAssertEqual(try client.readResponse().status, 200)
    }
}
