@testable import CASSHTTP
import Foundation
import XCTest

/// The server's access hook (what `cass serve`'s request metrics count):
/// every answer is told once, labelled by its route's pattern, including
/// answers sent before a request head was read whole.
final class AccessRecordTests: ServerTestCase {
    private let seen = Locked([AccessRecord]())

    private func server(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws -> HTTPServer {
        let seen = seen
        return try startServer({ configuration in
            configuration.accessLog = { record in seen.withLock { $0.append(record) } }
            configure(&configuration)
        }) { router in
            router.get("/invoices/{number}") { request in .text("invoice \(request.pathParameters["number"] ?? "")") }
            router.post("/invoices/{number}") { request in
                // As the service's authenticator does, before refusing.
                request.userForLog = "ba.input"
                throw HTTPError(.conflict, detail: "no")
            }
        }
    }

    private func records(count: Int) -> [AccessRecord] {
        XCTAssertTrue(waitUntil { self.seen.withLock { $0.count } >= count })
        return seen.withLock { $0 }
    }

    func test_aMatchedRequestCarriesItsRoutePatternNotItsPath() throws {
        let server = try server()
        let client = try RawClient(port: server.port)
        client.send(request("GET /invoices/GB-1 HTTP/1.1\nHost: t\n\n"))
        XCTAssertEqual(try client.readResponse().status, 200)
        client.send(request("POST /invoices/GB-2 HTTP/1.1\nHost: t\nContent-Length: 0\n\n"))
        XCTAssertEqual(try client.readResponse().status, 409)
        let records = records(count: 2)
        XCTAssertEqual(records.map(\.route), ["/invoices/{number}", "/invoices/{number}"])
        XCTAssertEqual(records.map(\.status), [200, 409])
        XCTAssertEqual(records.map(\.method), ["GET", "POST"])
        XCTAssertEqual(records[0].rawPath, "/invoices/GB-1")
        XCTAssertGreaterThan(records[0].bytesSent, 0)
        // The user a handler named, also on a refusal; nil when none did.
        XCTAssertEqual(records.map(\.user), [nil, "ba.input"])
    }

    func test_unmatchedPathsAndMethodsHaveNoRoute() throws {
        let server = try server()
        let client = try RawClient(port: server.port)
        client.send(request("GET /elsewhere HTTP/1.1\nHost: t\n\n"))
        XCTAssertEqual(try client.readResponse().status, 404)
        client.send(request("DELETE /invoices/GB-1 HTTP/1.1\nHost: t\n\n"))
        XCTAssertEqual(try client.readResponse().status, 405)
        let records = records(count: 2)
        XCTAssertEqual(records.map(\.route), [nil, nil])
        XCTAssertEqual(records.map(\.status), [404, 405])
    }

    /// 431 and 400 before a head was parsed, and 503 when the server is
    /// full: each told once, with method and path "-".
    func test_answersBeforeAHeadAreToldToo() throws {
        let server = try server { $0.connectionsMax = 1 }
        let big = try RawClient(port: server.port)
        big.send(request("GET /invoices/1 HTTP/1.1\nHost: t\nX-Padding: " + String(repeating: "p", count: 16 * 1024) + "\n\n"))
        XCTAssertEqual(try big.readResponse().status, 431)
        XCTAssertTrue(big.serverClosed())
        XCTAssertTrue(waitUntil { server.openConnections == 0 })
        let bare = try RawClient(port: server.port)
        bare.send("GET /invoices/1 HTTP/1.1\nHost: t\n\n")
        XCTAssertEqual(try bare.readResponse().status, 400)
        XCTAssertTrue(waitUntil { server.openConnections == 0 })
        let held = try RawClient(port: server.port)
        XCTAssertTrue(waitUntil { server.openConnections == 1 })
        let extra = try RawClient(port: server.port)
        XCTAssertTrue(String(decoding: extra.readToEnd(), as: UTF8.self).hasPrefix("HTTP/1.1 503"))
        let records = records(count: 3)
        XCTAssertEqual(records.map(\.status), [431, 400, 503])
        XCTAssertEqual(Set(records.map(\.method)), ["-"])
        XCTAssertEqual(Set(records.map(\.rawPath)), ["-"])
        XCTAssertEqual(records.map(\.route), [nil, nil, nil])
        XCTAssertTrue(records.allSatisfy { $0.bytesSent > 0 })
        _ = held
    }
}
