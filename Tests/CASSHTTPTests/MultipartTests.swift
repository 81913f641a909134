@testable import CASSHTTP
import Foundation
import XCTest

/// The multipart/form-data reader: what browsers and curl send is read in
/// pieces of any size; every deviation is refused; limits hold.
final class MultipartTests: ServerTestCase {
    struct Part: Equatable {
        var head: MultipartPartHead
        var data: [UInt8]
    }

    /// Parses `body` fed in pieces of `step` bytes.
    func parse(_ body: [UInt8], boundary: String = "XyZ", step: Int, limits: MultipartLimits = MultipartLimits()) throws -> [Part] {
        var parser = MultipartParser(boundary: boundary, limits: limits)
        var parts: [Part] = []
        var index = 0
        while index < body.count {
            let end = min(body.count, index + step)
            let piece = Array(body[index..<end])
            var failure: HTTPError?
            piece.withUnsafeBytes { piece in
                do throws(HTTPError) {
                    try parser.feed(piece) { (event) throws(HTTPError) in
                    switch event {
                    case .begin(let head): parts.append(Part(head: head, data: []))
                    case .data(let bytes): parts[parts.count - 1].data.append(contentsOf: bytes)
                    case .end: break
                    }
                    }
                } catch { failure = error }
            }
            if let failure { throw failure }
            index = end
        }
        try parser.finish()
        return parts
    }

    static func body(_ text: String) -> [UInt8] { Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) }

    static let chromeLike = body("""
    --XyZ
    Content-Disposition: form-data; name="csrf"

    tok-123
    --XyZ
    Content-Disposition: form-data; name="file"; filename="125_GB_2026110201.cbf"
    Content-Type: application/octet-stream

    line one
    -XyZ --XyZ
    --XyY\r--XyZ
    --XyZ--

    """)

    func test_readsFieldsAndFile_inPiecesOfEverySize() throws {
        let whole = try parse(Self.chromeLike, step: Self.chromeLike.count)
        XCTAssertEqual(whole.count, 2)
        XCTAssertEqual(whole[0].head, MultipartPartHead(name: "csrf", filename: nil, contentType: nil))
        XCTAssertEqual(String(decoding: whole[0].data, as: UTF8.self), "tok-123")
        XCTAssertEqual(whole[1].head.filename, "125_GB_2026110201.cbf")
        XCTAssertEqual(whole[1].head.contentType, "application/octet-stream")
        // Data that looks like a boundary but is not one stays data.
        XCTAssertEqual(String(decoding: whole[1].data, as: UTF8.self), "line one\r\n-XyZ --XyZ\r\n--XyY\r--XyZ")
        for step in 1...40 {
            XCTAssertEqual(try parse(Self.chromeLike, step: step), whole, "pieces of \(step) bytes")
        }
    }

    func test_utf8FileNamesAndQuotedPairs() throws {
        let body = Self.body("--XyZ\nContent-Disposition: form-data; name=\"file\"; filename=\"請求\\\"書.cbf\"\n\nx\n--XyZ--")
        let parts = try parse(body, step: 7)
        XCTAssertEqual(parts.first?.head.filename, "請求\"書.cbf")
        let empty = Self.body("--XyZ\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\nContent-Type: application/octet-stream\n\n\n--XyZ--\n")
        let none = try parse(empty, step: 3)
        XCTAssertEqual(none.first?.head.filename, "")
        XCTAssertEqual(none.first?.data, [])
    }

    func test_refusesWhatIsNotStrictlyFormData() {
        let cases: [(String, String)] = [
            ("preamble", "hello\n--XyZ\nContent-Disposition: form-data; name=\"a\"\n\n1\n--XyZ--"),
            ("bare LF", "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\n1\n--XyZ--"),
            ("padding after boundary", "--XyZ  \nContent-Disposition: form-data; name=\"a\"\n\n1\n--XyZ--"),
            ("no disposition", "--XyZ\nContent-Type: text/plain\n\n1\n--XyZ--"),
            ("no headers", "--XyZ\n\n1\n--XyZ--"),
            ("not form-data", "--XyZ\nContent-Disposition: attachment; name=\"a\"\n\n1\n--XyZ--"),
            ("no name", "--XyZ\nContent-Disposition: form-data; filename=\"a\"\n\n1\n--XyZ--"),
            ("filename*", "--XyZ\nContent-Disposition: form-data; name=\"a\"; filename*=UTF-8''x\n\n1\n--XyZ--"),
            ("repeated header", "--XyZ\nContent-Disposition: form-data; name=\"a\"\nContent-Disposition: form-data; name=\"b\"\n\n1\n--XyZ--"),
            ("unclosed quote", "--XyZ\nContent-Disposition: form-data; name=\"a\n\n1\n--XyZ--"),
            ("control in header", "--XyZ\nContent-Disposition: form-data; name=\"a\u{01}\"\n\n1\n--XyZ--"),
            ("base64 transfer encoding", "--XyZ\nContent-Disposition: form-data; name=\"a\"\nContent-Transfer-Encoding: base64\n\nMQ==\n--XyZ--"),
            ("the delimiter inside data", "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\n1\n--XyZ-more\n--XyZ--"),
            ("truncated", "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\n1\n--Xy"),
            ("no closing boundary", "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\n1\n--XyZ\n"),
        ]
        for (label, text) in cases {
            var bytes = Self.body(text)
            if label == "bare LF" { bytes = Array(text.utf8) }
            XCTAssertThrowsError(try parse(bytes, step: 5), label) { error in
                XCTAssertTrue([400, 501].contains((error as? HTTPError)?.status.code ?? 0), "\(label): \(error)")
            }
        }
    }

    func test_limits() {
        var limits = MultipartLimits()
        limits.partsMax = 2
        let three = Self.body((0..<3).map { "--XyZ\nContent-Disposition: form-data; name=\"f\($0)\"\n\nv\n" }.joined() + "--XyZ--")
        XCTAssertThrowsError(try parse(three, step: 9, limits: limits)) { XCTAssertEqual(($0 as? HTTPError)?.status.code, 413) }
        limits = MultipartLimits()
        limits.partHeadBytesMax = 100
        let longHead = Self.body("--XyZ\nContent-Disposition: form-data; name=\"" + String(repeating: "a", count: 200) + "\"\n\nv\n--XyZ--")
        XCTAssertThrowsError(try parse(longHead, step: 9, limits: limits)) { XCTAssertEqual(($0 as? HTTPError)?.status.code, 431) }
        let endless = Self.body("--XyZ\nContent-Disposition: form-data; name=\"a\"; x=\"" + String(repeating: "a", count: 10_000))
        XCTAssertThrowsError(try parse(endless, step: 512)) { XCTAssertEqual(($0 as? HTTPError)?.status.code, 431) }
        let epilogue = Self.body("--XyZ\nContent-Disposition: form-data; name=\"a\"\n\n1\n--XyZ--\n") + [UInt8](repeating: 65, count: 2000)
        XCTAssertThrowsError(try parse(epilogue, step: 100)) { XCTAssertEqual(($0 as? HTTPError)?.status.code, 400) }
    }

    func test_boundaryFromContentType() {
        XCTAssertEqual(MultipartParser.boundary(contentType: "multipart/form-data; boundary=----WebKitFormBoundaryA1b2"), "----WebKitFormBoundaryA1b2")
        XCTAssertEqual(MultipartParser.boundary(contentType: "Multipart/Form-Data; charset=utf-8; boundary=\"a b\""), "a b")
        XCTAssertNil(MultipartParser.boundary(contentType: "multipart/form-data"))
        XCTAssertNil(MultipartParser.boundary(contentType: "multipart/mixed; boundary=x"))
        XCTAssertNil(MultipartParser.boundary(contentType: "multipart/form-data; boundary=" + String(repeating: "a", count: 71)))
        XCTAssertNil(MultipartParser.boundary(contentType: "multipart/form-data; boundary=a; boundary=b"))
        XCTAssertNil(MultipartParser.boundary(contentType: "multipart/form-data; boundary=a<b"))
    }

    // MARK: - Through the server

    func uploadServer(folder: String, limit: Int64, seen: Shared<[String]>) throws -> HTTPServer {
        try startServer { router in
            router.post("/upload") { request in
                var limits = MultipartLimits()
                limits.fieldBytesMax = 1024
                let form = try request.readMultipart(limit: limit, folder: folder, limits: limits)
                var lines = form.fields.items.map { "\($0.name)=\($0.value)" }
                for file in form.files {
                    let bytes = (try? Data(contentsOf: URL(fileURLWithPath: file.path))) ?? Data()
                    lines.append("\(file.name):\(file.filename):\(file.byteCount):\(bytes.count):\(FNV.of(Array(bytes)))")
                    seen.value.append(file.path)
                }
                return .text(lines.joined(separator: "\n"))
            }
        }
    }

    func test_largeFileStreamedToDisk_andRemovedAfterTheHandler() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("multipart-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let seen = Shared<[String]>([])
        let server = try uploadServer(folder: folder, limit: 8 << 20, seen: seen)
        // 3 MiB of bytes that include CR, LF and dashes.
        var content = [UInt8](repeating: 0, count: 3 << 20)
        for index in content.indices { content[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 7) }
        let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
        var body = Self.body("--\(boundary)\nContent-Disposition: form-data; name=\"csrf\"\n\nabc\n--\(boundary)\nContent-Disposition: form-data; name=\"file\"; filename=\"big.cbf\"\nContent-Type: application/octet-stream\n\n")
        body += content
        body += Self.body("\n--\(boundary)--\n")
        let client = try RawClient(port: server.port)
        client.send(request("POST /upload HTTP/1.1\nHost: t\nContent-Type: multipart/form-data; boundary=\(boundary)\nContent-Length: \(body.count)\n\n"))
        client.send(body)
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(response.text, "csrf=abc\nfile:big.cbf:\(content.count):\(content.count):\(FNV.of(content))")
        XCTAssertEqual(seen.value.count, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: seen.value[0]), "the part file is removed after the handler")
    }

    func test_overLimit_refusedAndNothingLeft() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("multipart-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = try uploadServer(folder: folder, limit: 1000, seen: Shared([]))
        // Declared too large: refused from the head.
        var client = try RawClient(port: server.port)
        client.send(request("POST /upload HTTP/1.1\nHost: t\nContent-Type: multipart/form-data; boundary=XyZ\nContent-Length: 5000\n\n"))
        XCTAssertEqual(try client.readResponse().status, 413)
        // Chunked, growing past the limit: refused midway, the partial file removed.
        client = try RawClient(port: server.port)
        let head = Self.body("--XyZ\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\n\n")
        client.send(request("POST /upload HTTP/1.1\nHost: t\nContent-Type: multipart/form-data; boundary=XyZ\nTransfer-Encoding: chunked\n\n"))
        let payload = head + [UInt8](repeating: 65, count: 2000)
        client.send(String(payload.count, radix: 16) + "\r\n")
        client.send(payload)
        client.send("\r\n0\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 413)
        // A field over its own limit.
        client = try RawClient(port: server.port)
        let field = Self.body("--XyZ\nContent-Disposition: form-data; name=\"x\"\n\n") + [UInt8](repeating: 65, count: 1500) + Self.body("\n--XyZ--")
        let big = try uploadServer(folder: folder, limit: 1 << 20, seen: Shared([]))
        client = try RawClient(port: big.port)
        client.send(request("POST /upload HTTP/1.1\nHost: t\nContent-Type: multipart/form-data; boundary=XyZ\nContent-Length: \(field.count)\n\n"))
        client.send(field)
        XCTAssertEqual(try client.readResponse().status, 413)
        big.stop(timeoutMs: 1000)
        // Other media types and missing boundaries.
        client = try RawClient(port: server.port)
        client.send(request("POST /upload HTTP/1.1\nHost: t\nContent-Type: application/x-www-form-urlencoded\nContent-Length: 3\n\na=b"))
        XCTAssertEqual(try client.readResponse().status, 415)
        client = try RawClient(port: server.port)
        client.send(request("POST /upload HTTP/1.1\nHost: t\nContent-Type: multipart/form-data\nContent-Length: 3\n\na=b"))
        XCTAssertEqual(try client.readResponse().status, 400)
        let left = try FileManager.default.contentsOfDirectory(atPath: folder)
        XCTAssertEqual(left, [], "no part file is left behind")
    }
}

/// FNV-1a 64 (hex) of bytes, for the tests' comparisons.
enum FNV {
    static func of(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return String(hash, radix: 16)
    }
}
