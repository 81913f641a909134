@testable import CASSHTTP
import Foundation
import XCTest

/// The server through real sockets: framing, keep-alive, routing answers.
final class ServerBasicsTests: ServerTestCase {
    private func echoServer(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws -> HTTPServer {
        try startServer(configure) { router in
            router.get("/hello") { _ in .text("hello") }
            router.get("/invoices/{number}/documents/{format}") { request in
                .text("\(request.parameter("number") ?? "?")|\(request.parameter("format") ?? "?")|\(request.query["lang"] ?? "-")")
            }
            router.post("/echo") { request in
                let body = try request.readBody(limit: 1 << 20)
                var response = Response.bytes(body, contentType: "application/octet-stream")
                for (name, value) in request.trailers { response.headers.add("X-Trailer-" + name, value) }
                return response
            }
            router.post("/ignore-body") { _ in .text("ignored") }
            router.get("/boom") { _ in throw CocoaError(.fileNoSuchFile) }
            router.get("/bad-header") { _ in Response(headers: ["X-Evil": "a\r\nSet-Cookie: x=y"], body: .bytes([])) }
            router.get("/refuse") { _ in throw HTTPError(.forbidden, detail: "not yours", errors: [.init(field: "x", message: "y")]) }
            router.get("/stream") { _ in
                .stream(contentType: "text/csv") { stream in
                    for index in 0..<5 { try stream.write("row \(index)\n") }
                }
            }
        }
    }

    func test_keepAlive_threeRequestsOneConnection() throws {
        let server = try echoServer()
        let client = try RawClient(port: server.port)
        for _ in 0..<3 {
            client.send(request("GET /hello HTTP/1.1\nHost: t\n\n"))
            let response = try client.readResponse()
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.text, "hello")
            XCTAssertNil(response.header("Connection"))
            XCTAssertNotNil(response.header("Date"))
        }
        XCTAssertEqual(server.openConnections, 1)
    }

    func test_pipelinedRequests_answeredInOrder() throws {
        let server = try echoServer()
        let client = try RawClient(port: server.port)
        client.send(request("GET /invoices/1/documents/pdf HTTP/1.1\nHost: t\n\nPOST /echo HTTP/1.1\nHost: t\nContent-Length: 5\n\nabcdeGET /invoices/3/documents/xml?lang=fr HTTP/1.1\nHost: t\n\n"))
        XCTAssertEqual(try client.readResponse().text, "1|pdf|-")
        XCTAssertEqual(try client.readResponse().text, "abcde")
        XCTAssertEqual(try client.readResponse().text, "3|xml|fr")
    }

    func test_pathParametersArePercentDecoded() throws {
        let server = try echoServer()
        let client = try RawClient(port: server.port)
        client.send(request("GET /invoices/GB%2F2026%20%C3%A9/documents/pdf HTTP/1.1\nHost: t\n\n"))
        XCTAssertEqual(try client.readResponse().text, "GB/2026 é|pdf|-")
    }

    func test_head_sendsHeadersOnly() throws {
        let server = try echoServer()
        let client = try RawClient(port: server.port)
        client.send(request("HEAD /hello HTTP/1.1\nHost: t\n\nGET /hello HTTP/1.1\nHost: t\n\n"))
        let head = try client.readResponse(headRequest: true)
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Length"), "5")
        XCTAssertEqual(try client.readResponse().text, "hello", "no body bytes were sent for HEAD")
    }

    func test_notFound_and_methodNotAllowed_areProblems() throws {
        let server = try echoServer()
        let client = try RawClient(port: server.port)
        client.send(request("GET /nowhere HTTP/1.1\nHost: t\n\n"))
        let missing = try client.readResponse()
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.problem()["status"] as? Int, 404)
        client.send(request("DELETE /hello HTTP/1.1\nHost: t\n\n"))
        let wrong = try client.readResponse()
        XCTAssertEqual(wrong.status, 405)
        XCTAssertEqual(wrong.header("Allow"), "GET, HEAD")
        XCTAssertEqual(wrong.problem()["title"] as? String, "Method Not Allowed")
        client.send(request("GET /hello HTTP/1.1\nHost: t\n\n"))
        XCTAssertEqual(try client.readResponse().status, 200, "the connection survives 404 and 405")
    }

    func test_handlerErrors() throws {
        let server = try echoServer()
        let client = try RawClient(port: server.port)
        client.send(request("GET /refuse HTTP/1.1\nHost: t\n\n"))
        let refused = try client.readResponse()
        XCTAssertEqual(refused.status, 403)
        let problem = refused.problem()
        XCTAssertEqual(problem["detail"] as? String, "not yours")
        XCTAssertEqual((problem["errors"] as? [[String: String]])?.first?["field"], "x")
        client.send(request("GET /boom HTTP/1.1\nHost: t\n\n"))
        let failed = try client.readResponse()
        XCTAssertEqual(failed.status, 500)
        XCTAssertFalse(failed.text.contains("NSCocoaErrorDomain"), "internals are logged, not sent")
        XCTAssertTrue(log.all.contains { $0.contains("/boom") })
        client.send(request("GET /bad-header HTTP/1.1\nHost: t\n\n"))
        let split = try client.readResponse()
        XCTAssertEqual(split.status, 500, "a header with CRLF never reaches the wire")
        XCTAssertNil(split.header("Set-Cookie"))
    }

    func test_contentLengthAndChunkedBodies_withTrailers() throws {
        let server = try echoServer()
        let client = try RawClient(port: server.port)
        client.send(request("POST /echo HTTP/1.1\nHost: t\nContent-Length: 11\n\nhello world"))
        XCTAssertEqual(try client.readResponse().text, "hello world")
        client.send(request("POST /echo HTTP/1.1\nHost: t\nTransfer-Encoding: chunked\n\n5\nhello\n1;ext=1\n \n5\nworld\n0\nDigest: sha-256=abc\n\n"))
        let chunked = try client.readResponse()
        XCTAssertEqual(chunked.text, "hello world")
        XCTAssertEqual(chunked.header("X-Trailer-Digest"), "sha-256=abc")
    }

    func test_streamResponse_isChunked() throws {
        let server = try echoServer()
        let client = try RawClient(port: server.port)
        client.send(request("GET /stream HTTP/1.1\nHost: t\n\n"))
        let response = try client.readResponse()
        XCTAssertEqual(response.header("Transfer-Encoding"), "chunked")
        XCTAssertEqual(response.text, (0..<5).map { "row \($0)\n" }.joined())
        client.send(request("GET /hello HTTP/1.1\nHost: t\n\n"))
        XCTAssertEqual(try client.readResponse().text, "hello")
    }

    func test_unreadSmallBody_isDrained_largeOneCloses() throws {
        let server = try echoServer()
        let client = try RawClient(port: server.port)
        client.send(request("POST /ignore-body HTTP/1.1\nHost: t\nContent-Length: 10\n\n0123456789GET /hello HTTP/1.1\nHost: t\n\n"))
        XCTAssertEqual(try client.readResponse().text, "ignored")
        XCTAssertEqual(try client.readResponse().text, "hello", "the drained body did not become a request")
        let big = try RawClient(port: server.port)
        big.send(request("POST /ignore-body HTTP/1.1\nHost: t\nContent-Length: 1000000\n\n"))
        let answer = try big.readResponse()
        XCTAssertEqual(answer.header("Connection"), "close")
        XCTAssertTrue(big.serverClosed())
    }

    func test_http10_closesAfterAnswer() throws {
        let server = try echoServer()
        let client = try RawClient(port: server.port)
        client.send(request("GET /hello HTTP/1.0\n\n"))
        let response = try client.readResponse()
        XCTAssertEqual(response.text, "hello")
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(client.serverClosed())
    }

    func test_connectionClose_isHonoured() throws {
        let server = try echoServer()
        let client = try RawClient(port: server.port)
        client.send(request("GET /hello HTTP/1.1\nHost: t\nConnection: close\n\n"))
        XCTAssertEqual(try client.readResponse().header("Connection"), "close")
        XCTAssertTrue(client.serverClosed())
    }

    func test_halfClosedClient_stillGetsItsAnswer() throws {
        let server = try echoServer()
        let client = try RawClient(port: server.port)
        client.send(request("POST /echo HTTP/1.1\nHost: t\nContent-Length: 3\n\nabc"))
        client.shutdownWrite()
        XCTAssertEqual(try client.readResponse().text, "abc")
        XCTAssertTrue(client.serverClosed(), "then the server closes: the client can send nothing more")
        XCTAssertTrue(waitUntil { server.openConnections == 0 })
    }

    func test_expect100Continue_sentOnlyWhenTheBodyIsRead() throws {
        let server = try startServer { router in
            router.put("/upload") { request in
                guard request.bearerToken == "good" else { throw HTTPError(.unauthorized, detail: "log in first") }
                return .text(String(decoding: try request.readBody(limit: 100), as: UTF8.self))
            }
        }
        let client = try RawClient(port: server.port)
        client.send(request("PUT /upload HTTP/1.1\nHost: t\nAuthorization: Bearer good\nExpect: 100-continue\nContent-Length: 4\n\n"))
        let interim = try client.readResponse()
        XCTAssertEqual(interim.status, 100)
        client.send("data")
        XCTAssertEqual(try client.readResponse().text, "data")

        let refused = try RawClient(port: server.port)
        refused.send(request("PUT /upload HTTP/1.1\nHost: t\nAuthorization: Bearer bad\nExpect: 100-continue\nContent-Length: 4\n\n"))
        let answer = try refused.readResponse()
        XCTAssertEqual(answer.status, 401, "a final answer instead of 100: the body is never invited")
        XCTAssertEqual(answer.header("Connection"), "close")
    }

    func test_bearerToken_andCookies() throws {
        let server = try startServer { router in
            router.get("/who") { request in .text("\(request.bearerToken ?? "-")|\(request.cookies["cass_session"] ?? "-")") }
        }
        let client = try RawClient(port: server.port)
        client.send(request("GET /who HTTP/1.1\nHost: t\nAuthorization: bearer abc-_.~+/==\nCookie: a=1\nCookie: cass_session=s1\n\n"))
        XCTAssertEqual(try client.readResponse().text, "abc-_.~+/==|s1")
        client.send(request("GET /who HTTP/1.1\nHost: t\nAuthorization: Bearer a b\n\n"))
        XCTAssertEqual(try client.readResponse().text, "-|-")
        client.send(request("GET /who HTTP/1.1\nHost: t\nAuthorization: Basic dXNlcjpw\n\n"))
        XCTAssertEqual(try client.readResponse().text, "-|-")
    }

    func test_fileResponse_streamedWithLength() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("http-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let content = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let path = folder.appendingPathComponent("doc.pdf").path
        try Data(content).write(to: URL(fileURLWithPath: path))
        let server = try startServer({ $0.responseChunkBytes = 8192 }) { router in
            router.get("/doc") { _ in .file(path: path, contentType: "application/pdf") }
            router.get("/missing") { _ in .file(path: path + ".nope", contentType: "application/pdf") }
            router.get("/fifo") { _ in .file(path: path + ".fifo", contentType: "application/pdf") }
        }
        XCTAssertEqual(mkfifo(path + ".fifo", 0o600), 0)
        let client = try RawClient(port: server.port)
        client.send(request("GET /doc HTTP/1.1\nHost: t\n\n"))
        let response = try client.readResponse()
        XCTAssertEqual(response.header("Content-Length"), "300000")
        XCTAssertEqual(response.body, content)
        client.send(request("HEAD /doc HTTP/1.1\nHost: t\n\n"))
        XCTAssertEqual(try client.readResponse(headRequest: true).header("Content-Length"), "300000")
        client.send(request("GET /missing HTTP/1.1\nHost: t\n\n"))
        XCTAssertEqual(try client.readResponse().status, 500)
        client.send(request("GET /fifo HTTP/1.1\nHost: t\n\n"))
        XCTAssertEqual(try client.readResponse().status, 500, "a FIFO is refused without waiting for a writer")
    }

    func test_listenOnIPv6Loopback_andRefusesNames() throws {
        var configuration = HTTPServerConfiguration(host: "::1", port: 0)
        configuration.log = { _ in }
        if let server = try? HTTPServer(configuration: configuration, router: Router()) {
            XCTAssertGreaterThan(server.port, 0)
            server.stop()
        }
        XCTAssertThrowsError(try HTTPServer(configuration: HTTPServerConfiguration(host: "example.com", port: 0), router: Router())) { error in
            XCTAssertTrue("\(error)".contains("numeric"), "\(error)")
        }
        let first = try echoServer()
        XCTAssertThrowsError(try HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: first.port), router: Router())) { error in
            XCTAssertTrue("\(error)".contains("\(first.port)"), "\(error)")
        }
    }
}

/// Polls `condition` for up to `seconds`.
func waitUntil(seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}
