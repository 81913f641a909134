@testable import CASSHTTP
import XCTest

final class RequestHeadParserTests: XCTestCase {
    private func parse(_ text: String, limits: RequestHeadParser.Limits = .init()) throws -> RequestHead {
        try RequestHeadParser.parse(Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8), limits: limits)
    }

    private func assertRefused(_ text: String, _ status: Int, _ detailPart: String? = nil, limits: RequestHeadParser.Limits = .init(),
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(text, limits: limits), file: file, line: line) { error in
            guard let error = error as? HTTPError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(error.status.code, status, error.detail, file: file, line: line)
            XCTAssertTrue(error.closesConnection, file: file, line: line)
            if let detailPart { XCTAssertTrue(error.detail.contains(detailPart), error.detail, file: file, line: line) }
        }
    }

    func test_simpleGet() throws {
        let head = try parse("GET /api/v1/invoices/2026-0001?limit=10&after=x%20y HTTP/1.1\nHost: example\nAccept: */*\n\n")
        XCTAssertEqual(head.method, .GET)
        XCTAssertEqual(head.version, .http11)
        XCTAssertEqual(head.pathSegments, ["api", "v1", "invoices", "2026-0001"])
        XCTAssertEqual(head.rawPath, "/api/v1/invoices/2026-0001")
        XCTAssertEqual(head.query["limit"], "10")
        XCTAssertEqual(head.query["after"], "x y")
        XCTAssertEqual(head.headers["accept"], "*/*")
        XCTAssertEqual(head.framing, .none)
        XCTAssertTrue(head.keepAlive)
        XCTAssertFalse(head.expectsContinue)
    }

    func test_leadingEmptyLinesAreSkipped() throws {
        XCTAssertEqual(try parse("\nGET / HTTP/1.1\nHost: a\n\n").pathSegments, [""])
    }

    func test_requestLine_malformed_400() {
        assertRefused("GET  / HTTP/1.1\nHost: a\n\n", 400)
        assertRefused("GET / HTTP/1.1 \nHost: a\n\n", 400)
        assertRefused("GET /\nHost: a\n\n", 400)
        assertRefused("G(T / HTTP/1.1\nHost: a\n\n", 400, "token")
        assertRefused("GET / http/1.1\nHost: a\n\n", 400)
        assertRefused("GET /a\u{7f} HTTP/1.1\nHost: a\n\n", 400)
        assertRefused("GET foo HTTP/1.1\nHost: a\n\n", 400, "origin form")
        assertRefused("GET /#frag HTTP/1.1\nHost: a\n\n", 400, "fragment")
        assertRefused("\n\n", 400)
    }

    func test_otherHTTPVersions_505() {
        assertRefused("GET / HTTP/2.0\nHost: a\n\n", 505)
        assertRefused("GET / HTTP/0.9\nHost: a\n\n", 505)
    }

    func test_absoluteForm_takesThePath() throws {
        let head = try parse("GET http://example.com:8080/a/b?x=1 HTTP/1.1\nHost: example.com:8080\n\n")
        XCTAssertEqual(head.pathSegments, ["a", "b"])
        XCTAssertEqual(head.query["x"], "1")
    }

    func test_headerSyntax_400() {
        assertRefused("GET / HTTP/1.1\nHost: a\nX-A : b\n\n", 400, "before the colon")
        assertRefused("GET / HTTP/1.1\nHost: a\nX-A: b\n continued\n\n", 400, "folding")
        assertRefused("GET / HTTP/1.1\nHost: a\nNoColon\n\n", 400, "colon")
        assertRefused("GET / HTTP/1.1\nHost: a\nX-A: b\u{01}c\n\n", 400, "control")
        assertRefused("GET / HTTP/1.1\nHost: a\nX-A: b\rc\n\n", 400, "control")
        assertRefused("GET / HTTP/1.1\nHost: a\n: empty\n\n", 400)
    }

    func test_headerValues_trimmedAndUTF8Checked() throws {
        let head = try parse("GET / HTTP/1.1\nHost: a\nX-Name: \t  Zoë  \t\n\n")
        XCTAssertEqual(head.headers["x-name"], "Zoë")
        var bytes = Array("GET / HTTP/1.1\r\nHost: a\r\nX-A: ".utf8)
        bytes += [0xff, 0xfe]
        bytes += Array("\r\n\r\n".utf8)
        XCTAssertThrowsError(try RequestHeadParser.parse(bytes)) { XCTAssertEqual(($0 as? HTTPError)?.status.code, 400) }
    }

    func test_host_exactlyOneForHTTP11() throws {
        assertRefused("GET / HTTP/1.1\n\n", 400, "Host")
        assertRefused("GET / HTTP/1.1\nHost: a\nHost: b\n\n", 400, "Host")
        assertRefused("GET / HTTP/1.1\nHost: a b\n\n", 400, "Host")
        XCTAssertNoThrow(try parse("GET / HTTP/1.0\n\n"))
        XCTAssertNoThrow(try parse("GET / HTTP/1.1\nHost: [::1]:8080\n\n"))
    }

    func test_contentLength() throws {
        XCTAssertEqual(try parse("POST / HTTP/1.1\nHost: a\nContent-Length: 42\n\n").framing, .length(42))
        XCTAssertEqual(try parse("POST / HTTP/1.1\nHost: a\nContent-Length: 0\n\n").hasBody, false)
        assertRefused("POST / HTTP/1.1\nHost: a\nContent-Length: -1\n\n", 400)
        assertRefused("POST / HTTP/1.1\nHost: a\nContent-Length: 1e3\n\n", 400)
        assertRefused("POST / HTTP/1.1\nHost: a\nContent-Length: 5, 5\n\n", 400)
        assertRefused("POST / HTTP/1.1\nHost: a\nContent-Length: 5\nContent-Length: 5\n\n", 400)
        assertRefused("POST / HTTP/1.1\nHost: a\nContent-Length: 99999999999999999999\n\n", 400)
        assertRefused("POST / HTTP/1.1\nHost: a\nContent-Length: \n\n", 400)
    }

    /// The request-smuggling shapes: both framings, lists, unknown codings.
    func test_transferEncoding() throws {
        XCTAssertEqual(try parse("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n").framing, .chunked)
        XCTAssertEqual(try parse("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: Chunked\n\n").framing, .chunked)
        assertRefused("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\nContent-Length: 3\n\n", 400, "both")
        assertRefused("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: gzip, chunked\n\n", 501)
        assertRefused("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\nTransfer-Encoding: chunked\n\n", 501)
        assertRefused("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: gzip\n\n", 501)
        assertRefused("POST / HTTP/1.0\nTransfer-Encoding: chunked\n\n", 400)
    }

    func test_connectionAndKeepAlive() throws {
        XCTAssertFalse(try parse("GET / HTTP/1.1\nHost: a\nConnection: Close\n\n").keepAlive)
        XCTAssertFalse(try parse("GET / HTTP/1.0\n\n").keepAlive)
        XCTAssertTrue(try parse("GET / HTTP/1.0\nConnection: keep-alive\n\n").keepAlive)
    }

    func test_expect() throws {
        XCTAssertTrue(try parse("PUT / HTTP/1.1\nHost: a\nExpect: 100-continue\nContent-Length: 3\n\n").expectsContinue)
        assertRefused("PUT / HTTP/1.1\nHost: a\nExpect: something-else\n\n", 417)
    }

    func test_limits_431() {
        let many = (0..<101).map { "X-\($0): v\n" }.joined()
        assertRefused("GET / HTTP/1.1\nHost: a\n" + many + "\n", 431, "header fields")
        let big = "GET / HTTP/1.1\nHost: a\nX-Big: " + String(repeating: "a", count: 17_000) + "\n\n"
        assertRefused(big, 431)
        XCTAssertNoThrow(try parse("GET / HTTP/1.1\nHost: a\n" + (0..<99).map { "X-\($0): v\n" }.joined() + "\n"))
    }

    func test_path_percentDecodingRules() throws {
        XCTAssertEqual(try parse("GET /a%2Fb/c%20d/%C3%A9 HTTP/1.1\nHost: a\n\n").pathSegments, ["a/b", "c d", "é"])
        XCTAssertEqual(try parse("GET /a//b/ HTTP/1.1\nHost: a\n\n").pathSegments, ["a", "", "b", ""])
        assertRefused("GET /a%2 HTTP/1.1\nHost: a\n\n", 400, "two hex")
        assertRefused("GET /a%zz HTTP/1.1\nHost: a\n\n", 400, "two hex")
        assertRefused("GET /a%00b HTTP/1.1\nHost: a\n\n", 400, "control")
        assertRefused("GET /a%0A HTTP/1.1\nHost: a\n\n", 400, "control")
        assertRefused("GET /a%FF HTTP/1.1\nHost: a\n\n", 400, "UTF-8")
        assertRefused("GET /a/../b HTTP/1.1\nHost: a\n\n", 400, "dot")
        assertRefused("GET /a/%2e%2E/b HTTP/1.1\nHost: a\n\n", 400, "dot")
        assertRefused("GET /./b HTTP/1.1\nHost: a\n\n", 400, "dot")
        assertRefused("GET /a\"b HTTP/1.1\nHost: a\n\n", 400)
        assertRefused("GET /a{b} HTTP/1.1\nHost: a\n\n", 400)
    }

    func test_query_parsing() throws {
        let query = try parse("GET /?a=1&b=&c&a=2&d=x+y%2Bz&&e=%E2%9C%88 HTTP/1.1\nHost: a\n\n").query
        XCTAssertEqual(query.all("a"), ["1", "2"])
        XCTAssertEqual(query["b"], "")
        XCTAssertEqual(query["c"], "")
        XCTAssertEqual(query["d"], "x y+z")
        XCTAssertEqual(query["e"], "✈")
        XCTAssertEqual(query.unknownNames(["a", "b"]), ["c", "d", "e"])
        assertRefused("GET /?a=%G0 HTTP/1.1\nHost: a\n\n", 400)
        assertRefused("GET /?a=%00 HTTP/1.1\nHost: a\n\n", 400)
        assertRefused("GET /?a=<b> HTTP/1.1\nHost: a\n\n", 400)
    }

    func test_query_integerHelper() throws {
        let query = try parse("GET /?limit=50&bad=5x&neg=-3&twice=1&twice=2 HTTP/1.1\nHost: a\n\n").query
        XCTAssertEqual(try query.integer("limit", in: 1...1000), 50)
        XCTAssertNil(try query.integer("absent", in: 1...1000))
        XCTAssertThrowsError(try query.integer("bad", in: 1...1000)) { XCTAssertEqual(($0 as? HTTPError)?.errors.first?.field, "bad") }
        XCTAssertThrowsError(try query.integer("neg", in: 1...1000))
        XCTAssertThrowsError(try query.integer("twice", in: 1...1000))
        XCTAssertThrowsError(try query.integer("limit", in: 1...10))
    }

    func test_scan_findsHeadEndAcrossCalls_andRefusesBareLF() {
        let bytes = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY".utf8)
        var resume = 0
        var found: Int?
        for end in 1...bytes.count {
            let scan = bytes[0..<end].withUnsafeBytes { RequestHeadParser.scan($0, from: resume) }
            switch scan {
            case .complete(let bodyStart): found = bodyStart
            case .incomplete(let next): resume = next
            case .bareLineFeed: XCTFail("no bare LF here")
            }
            if found != nil { break }
        }
        XCTAssertEqual(found, bytes.count - 4)
        let bare = Array("GET / HTTP/1.1\nHost: a\n\n".utf8)
        XCTAssertEqual(bare.withUnsafeBytes { RequestHeadParser.scan($0, from: 0) }, .bareLineFeed)
    }

    func test_cookies() {
        let cookies = Cookies.parse("session=abc123; theme=\"dark\"; bad name=x; empty=; sp=a b; session=second; =novalue")
        XCTAssertEqual(cookies["session"], "abc123")
        XCTAssertEqual(cookies["theme"], "dark")
        XCTAssertEqual(cookies["empty"], "")
        XCTAssertNil(cookies["sp"])
        XCTAssertNil(cookies["bad name"])
        XCTAssertEqual(cookies.count, 3)
        XCTAssertEqual(Cookies.setCookie(name: "cass_session", value: "tok-_1", maxAgeSeconds: 28800),
                       "cass_session=tok-_1; Path=/; Max-Age=28800; HttpOnly; Secure; SameSite=Strict")
        XCTAssertNil(Cookies.setCookie(name: "a", value: "x;y"))
        XCTAssertNil(Cookies.setCookie(name: "a b", value: "x"))
    }

    /// Random bytes, and mutations of a valid head: always a value or an
    /// HTTPError, never a crash (the fuzz target does this at scale).
    func test_garbage_neverCrashes() {
        var generator = SystemRandomNumberGenerator()
        let valid = Array("POST /a/b?c=d HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nCookie: a=b\r\n\r\n".utf8)
        for round in 0..<3000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0..<200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                bytes = valid
                for _ in 0..<Int.random(in: 1...6, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            _ = try? RequestHeadParser.parse(bytes)
            _ = bytes.withUnsafeBytes { RequestHeadParser.scan($0, from: 0) }
        }
    }
}
