@testable import CASSHTTP
import Foundation
import XCTest

final class ChunkedDecoderTests: XCTestCase {
    /// Decodes `input` fed in pieces of `pieceSize`; returns data and trailers.
    private func decode(_ input: [UInt8], pieceSize: Int, limits: ChunkedDecoder.Limits = .init()) throws -> ([UInt8], HTTPHeaders, consumed: Int) {
        var decoder = ChunkedDecoder(limits: limits)
        var available = 0
        var position = 0
        var data: [UInt8] = []
        while true {
            let step = try input[position..<available].withUnsafeBytes { try decoder.step($0) }
            switch step {
            case .needMore:
                guard available < input.count else { throw HTTPError(.badRequest, detail: "ran out of input") }
                available = min(input.count, available + pieceSize)
            case .framing(let consumed): position += consumed
            case .data(let range):
                data += input[(position + range.lowerBound)..<(position + range.upperBound)]
                position += range.upperBound
            case .end(let consumed):
                return (data, decoder.trailers, position + consumed)
            }
        }
    }

    private let sample = Array("4\r\nWiki\r\n7;ext=\"v\"\r\npedia i\r\nB\r\nn \r\nchunks.\r\n0\r\nChecksum: abc\r\nX-Other: 1\r\n\r\nNEXT".utf8)

    func test_decodesWithTrailers_whateverThePieceSize() throws {
        for pieceSize in [1, 2, 3, 7, 1000] {
            let (data, trailers, consumed) = try decode(sample, pieceSize: pieceSize)
            XCTAssertEqual(String(decoding: data, as: UTF8.self), "Wikipedia in \r\nchunks.", "piece \(pieceSize)")
            XCTAssertEqual(trailers["checksum"], "abc")
            XCTAssertEqual(trailers["x-other"], "1")
            XCTAssertEqual(consumed, sample.count - 4, "the next request's bytes are left alone")
        }
    }

    func test_malformed_400() {
        let cases = [
            "4\r\nWikiXX0\r\n\r\n",          // no CRLF after data
            "g\r\nabc\r\n0\r\n\r\n",          // not hex
            "\r\n",                            // empty size
            "1000000000000000\r\n",            // 16 hex digits
            "4 x\r\nWiki\r\n0\r\n\r\n",        // garbage after size
            "4\nWiki\r\n0\r\n\r\n",            // bare LF
            "4\r\nWiki\r\n0\r\nBad Trailer\r\n\r\n",
            "4;\u{01}\r\nWiki\r\n0\r\n\r\n",   // control in extension
        ]
        for text in cases {
            XCTAssertThrowsError(try decode(Array(text.utf8), pieceSize: 3), text.debugDescription) { error in
                XCTAssertEqual((error as? HTTPError)?.status.code, 400, "\(text.debugDescription): \(error)")
            }
        }
    }

    func test_lineAndTrailerLimits() {
        var limits = ChunkedDecoder.Limits()
        limits.lineBytesMax = 16
        XCTAssertThrowsError(try decode(Array(("4;" + String(repeating: "x", count: 40) + "\r\nWiki\r\n0\r\n\r\n").utf8), pieceSize: 100, limits: limits))
        limits = ChunkedDecoder.Limits()
        limits.trailerBytesMax = 20
        XCTAssertThrowsError(try decode(Array("0\r\nA: 0123456789012345678\r\n\r\n".utf8), pieceSize: 100, limits: limits)) { error in
            XCTAssertEqual((error as? HTTPError)?.status.code, 431)
        }
    }
}

final class RouterTests: XCTestCase {
    private func router() -> Router {
        var router = Router()
        router.get("/api/v1/invoices") { _ in .text("list") }
        router.get("/api/v1/invoices/{number}") { request in .text("one \(request.parameter("number") ?? "")") }
        router.get("/api/v1/invoices/{number}/documents/{format}") { request in
            .text("doc \(request.parameter("number") ?? "") \(request.parameter("format") ?? "")")
        }
        router.delete("/api/v1/sessions/current") { _ in .text("logout") }
        router.get("/api/v1/sessions/{id}") { _ in .text("session") }
        router.post("/api/v1/files") { _ in .text("upload") }
        router.get("/static/{path...}") { request in .text("static \(request.parameter("path") ?? "")") }
        return router
    }

    private func parameters(_ method: HTTPMethod, _ segments: [String]) -> [String: String]? {
        if case .found(_, let parameters, _) = router().match(method, segments) { return parameters }
        return nil
    }

    func test_parametersBind() {
        XCTAssertEqual(parameters(.GET, ["api", "v1", "invoices", "GB-2026-1"]), ["number": "GB-2026-1"])
        XCTAssertEqual(parameters(.GET, ["api", "v1", "invoices", "a/b", "documents", "pdf"]), ["number": "a/b", "format": "pdf"])
        XCTAssertEqual(parameters(.GET, ["api", "v1", "invoices"]), [:])
        XCTAssertEqual(parameters(.GET, ["static", "css", "site.css"]), ["path": "css/site.css"])
    }

    func test_noMatch_404_andEmptySegmentsNeverBind() {
        for segments in [["api", "v1", "invoices", ""], ["api", "v1", "invoices", "x", "documents"], ["nothing"], ["static"], ["static", "", "x"], [""]] {
            guard case .notFound = router().match(.GET, segments) else { return XCTFail("\(segments) should be 404") }
        }
    }

    func test_wrongMethod_405_withAllow() {
        guard case .methodNotAllowed(let allowed) = router().match(.POST, ["api", "v1", "invoices"]) else { return XCTFail() }
        XCTAssertEqual(Set(allowed.map(\.rawValue)), ["GET", "HEAD"])
        guard case .methodNotAllowed(let filesAllowed) = router().match(.GET, ["api", "v1", "files"]) else { return XCTFail() }
        XCTAssertEqual(filesAllowed.map(\.rawValue), ["POST"])
    }

    func test_literalBeatsParameter_andHEADUsesGET() {
        guard case .found = router().match(.DELETE, ["api", "v1", "sessions", "current"]) else { return XCTFail() }
        // The literal path owns /sessions/current under every method: GET
        // there is not the session "current" of /sessions/{id} but 405.
        guard case .methodNotAllowed(let allowed) = router().match(.GET, ["api", "v1", "sessions", "current"]) else { return XCTFail() }
        XCTAssertEqual(allowed.map(\.rawValue), ["DELETE"])
        XCTAssertEqual(parameters(.GET, ["api", "v1", "sessions", "other"]), ["id": "other"])
        XCTAssertEqual(parameters(.HEAD, ["api", "v1", "invoices", "7"]), ["number": "7"])
    }

    func test_problemDocument_shape() throws {
        let error = HTTPError(.badRequest, detail: "bad \"input\"\n", errors: [.init(field: "limit", message: "at most 1000")])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(error.problemJSON.utf8)) as? [String: Any])
        XCTAssertEqual(object["type"] as? String, "about:blank")
        XCTAssertEqual(object["title"] as? String, "Bad Request")
        XCTAssertEqual(object["status"] as? Int, 400)
        XCTAssertEqual(object["detail"] as? String, "bad \"input\"\n")
        let errors = try XCTUnwrap(object["errors"] as? [[String: String]])
        XCTAssertEqual(errors, [["field": "limit", "message": "at most 1000"]])
        XCTAssertNil((try JSONSerialization.jsonObject(with: Data(HTTPError.notFound().problemJSON.utf8)) as? [String: Any])?["errors"])
    }

    func test_serverSentEvent_wireFormat() {
        XCTAssertEqual(ServerSentEvent(id: "7", event: "file.accepted", data: "{\"a\":1}").wireText, "id: 7\nevent: file.accepted\ndata: {\"a\":1}\n\n")
        XCTAssertEqual(ServerSentEvent(event: "x\ny", data: "line1\r\nline2\rline3").wireText, "event: x y\ndata: line1\ndata: line2\ndata: line3\n\n")
    }
}
