import CASSDomain
import CASSWorkers
import Foundation
import XCTest

/// Every route of the OpenAPI document, walked by every role of an own and
/// of another company, as portal.md's rules say: no credentials is 401;
/// another company's object answers exactly as a missing one (404, same
/// body); a role without the right is 403 and changes nothing; viewers
/// never change anything; no route answers 5xx.
final class AuthorizationWalkTests: XCTestCase {
    struct Route: Hashable, CustomStringConvertible {
        var method: String
        var path: String
        var description: String { "\(method) \(path)" }
    }

    static let password = "correct horse battery"

    func testEveryRouteByEveryRoleOfOwnAndOtherCompanies() throws {
        // A fixed today inside the sample invoices' dispute windows: on the
        // wall clock the walk's dispute was refused from 2026-12-08, when
        // the window of period 20261101's invoices (issued 2026-11-07,
        // 30 days) had closed.
        let harness = try ServiceHarness(today: CivilDate(iso: "2026-11-20"))
        defer { harness.stop() }
        let root = try harness.login("root", ServiceHarness.adminPassword)
        // Company A's objects: a file of airline 125, an invoice of an agent
        // with a line to dispute, a dispute on it.
        let input = ServiceHarness.samplesReference.deletingLastPathComponent().appendingPathComponent("input")
        let files = try FolderSettlement.inputFiles(in: input).filter { $0.name.hasPrefix("125_GB_202611") }
        var fileID = ""
        for file in files {
            let answer = try root.request("POST", "/api/v1/files?name=\(file.name)", body: try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path))),
                                          contentType: "application/octet-stream")
            XCTAssertEqual(answer.status, 201, answer.description)
            fileID = answer.json["id"] as? String ?? fileID
        }
        try waitUntil { try root.get("/api/v1/files?status=received").items.isEmpty }
        for period in ["20261101", "20261102"] {
            XCTAssertEqual(try root.request("POST", "/api/v1/operations/GB/periods/\(period)/close").status, 202)
        }
        try waitUntil { try root.get("/api/v1/operations/GB/periods").items.filter { $0["status"] as? String == "closed" }.count == 2 }
        var chosen: (number: String, agent: String, awb: String)?
        for item in try root.get("/api/v1/invoices?limit=1000").items {
            guard let number = item["number"] as? String, let agent = item["agent"] as? String else { continue }
            let lines = ((try root.get("/api/v1/invoices/\(number)").json["sections"] as? [[String: Any]]) ?? []).flatMap { ($0["lines"] as? [[String: Any]]) ?? [] }
            if let line = lines.first(where: { (($0["amountMinor"] as? Int) ?? 0) > 0 }), let awb = line["awb"] as? String {
                chosen = (number, agent, awb)
                break
            }
        }
        let (invoiceNumber, agentA, awb) = try XCTUnwrap(chosen, "an invoice with a line to dispute")
        let agentB = agentA == "91200170003" ? "91200040002" : "91200170003"
        // Company A: airline 125 and agent A; company B: airline 131 and agent B.
        let users: [(String, String, String)] = [
            ("a.input", "airline-125", "input"), ("a.viewer", "airline-125", "viewer"), ("a.admin", "airline-125", "admin"),
            ("g.output", "agent-GB-\(agentA)", "output"), ("g.viewer", "agent-GB-\(agentA)", "viewer"), ("g.admin", "agent-GB-\(agentA)", "admin"),
            ("b.input", "airline-131", "input"), ("b.admin", "airline-131", "admin"),
            ("h.output", "agent-GB-\(agentB)", "output"), ("h.admin", "agent-GB-\(agentB)", "admin"),
            ("c.viewer", "cass", "viewer"),
        ]
        for (username, company, role) in users {
            let created = try root.post("/api/v1/users", json: [
                "username": username, "company": company, "role": role, "name": username, "email": "\(username)@example.com",
                "language": "en", "password": Self.password,
            ])
            XCTAssertEqual(created.status, 201, "\(username): \(created)")
        }
        var clients: [String: APIClient] = ["root": root]
        for (username, _, _) in users { clients[username] = try harness.login(username, Self.password) }
        let raised = try clients["g.output"]!.post("/api/v1/disputes", json: ["invoice": invoiceNumber, "awb": awb, "amountMinor": 1, "reason": "walk"])
        XCTAssertEqual(raised.status, 201, raised.description)
        let disputeID = try XCTUnwrap(raised.json["id"] as? String)

        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.openAPIFile)) as? [String: Any]
        let paths = try XCTUnwrap(document?["paths"] as? [String: Any])
        var routes: [Route] = []
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] where (item as? [String: Any])?[method] != nil {
                routes.append(Route(method: method.uppercased(), path: path))
            }
        }
        routes.sort { $0.description < $1.description }
        XCTAssertGreaterThan(routes.count, 40)

        // Path parameters: A's objects, and objects that do not exist.
        let own: [String: String] = ["id": fileID, "number": invoiceNumber, "username": "a.input", "country": "GB", "period": "20261102", "format": "pdf"]
        let missing: [String: String] = ["id": "0123456789abcdef0123456789abcdef", "number": "GB2099999999", "username": "nobody.here", "country": "GB",
                                         "period": "20261102", "format": "pdf"]
        func concrete(_ route: Route, _ values: [String: String]) -> String {
            var path = route.path
            var values = values
            if route.path.hasPrefix("/api/v1/disputes/") { values["id"] = values["id"] == own["id"] ? disputeID : "d-missing" }
            for (name, value) in values { path = path.replacingOccurrences(of: "{\(name)}", with: value) }
            return path
        }
        func body(_ route: Route) -> (bytes: [UInt8], type: String?) {
            let json: String?
            switch (route.method, route.path) {
            case ("POST", "/api/v1/sessions"): json = #"{"username":"nobody","password":"wrong wrong wrong"}"#
            case ("POST", "/api/v1/activations"): json = #"{"token":"nope","password":"a long enough password"}"#
            case ("POST", "/api/v1/users"): json = #"{"username":"walk.new","company":"airline-125","role":"viewer","name":"n","email":"n@example.com","language":"en","password":"a long enough password"}"#
            case ("PATCH", _): json = #"{"name":"Walked"}"#
            case ("POST", "/api/v1/disputes"): json = "{\"invoice\":\"\(invoiceNumber)\",\"awb\":\"\(awb)\",\"amountMinor\":1,\"reason\":\"walk\"}"
            case ("POST", "/api/v1/disputes/{id}/reject"): json = #"{"reason":"no"}"#
            case ("POST", "/api/v1/invoices/{number}/payments"): json = #"{"amountMinor":1,"method":"bank-transfer","date":"2026-12-01","reference":"walk"}"#
            case ("POST", "/api/v1/wallet/topups"): json = #"{"amountMinor":1,"reference":"walk"}"#
            case ("PUT", "/api/v1/settings"): json = #"{"language":"en","formats":["pdf"],"distribution":["download"],"webhooks":[],"emails":[]}"#
            case ("PUT", _): return (Array("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl walk\n".utf8), "text/plain")
            case ("POST", "/api/v1/files"), ("POST", "/api/v1/files/validate"):
                return ((try? [UInt8](Data(contentsOf: URL(fileURLWithPath: files[0].path)))) ?? [], "application/octet-stream")
            default: json = nil
            }
            return (json.map { Array($0.utf8) } ?? [], json == nil ? nil : "application/json")
        }
        func call(_ client: APIClient, _ route: Route, _ path: String) throws -> APIClient.Answer {
            var target = path
            if route.path == "/api/v1/files" && route.method == "POST" || route.path == "/api/v1/files/validate" { target += "?name=\(files[0].name)" }
            if route.path == "/api/v1/events" { return APIClient.Answer(status: -1, headers: [], body: []) }   // a stream: checked below
            let (bytes, type) = body(route)
            return try client.request(route.method, target, body: bytes, contentType: type)
        }
        let open: Set<String> = ["/healthz", "/api/v1/openapi.json", "/api/v1/sessions", "/api/v1/activations"]
        let others = ["b.input", "b.admin", "h.output", "h.admin"]
        let viewers = ["a.viewer", "g.viewer", "c.viewer"]
        // Routes a viewer may use to change its own things.
        let ownChanges: Set<String> = ["PATCH /api/v1/users/me", "DELETE /api/v1/sessions/current", "POST /api/v1/sessions", "POST /api/v1/activations",
                                       "PUT /api/v1/users/{username}/ssh-keys"]
        var cells = 0
        for route in routes {
            let ownPath = concrete(route, own), missingPath = concrete(route, missing)
            // No credentials, and a forged token: 401.
            if !open.contains(route.path) && route.path != "/api/v1/events" {
                for client in [APIClient(port: harness.port), APIClient(port: harness.port, token: "forged-token-walk")] {
                    let answer = try call(client, route, ownPath)
                    XCTAssertEqual(answer.status, 401, "\(route) without valid credentials: \(answer)")
                    cells += 1
                }
            }
            // Signing out would end the walkers' own sessions: checked for 401 above only.
            if route.path == "/api/v1/sessions/current" { continue }
            for name in others {
                let client = clients[name]!
                let onOwn = try call(client, route, ownPath)
                XCTAssertLessThan(onOwn.status, 500, "\(name) \(route): \(onOwn)")
                if route.path.contains("{") && route.path != "/api/v1/operations/{country}/periods" && route.path != "/api/v1/operations/{country}/periods/{period}/close" {
                    let onMissing = try call(client, route, missingPath)
                    XCTAssertEqual(onOwn.status, onMissing.status, "\(name) \(route): company A's object must answer as a missing one: \(onOwn) vs \(onMissing)")
                    XCTAssertEqual(onOwn.json["detail"] as? String, onMissing.json["detail"] as? String, "\(name) \(route): same words as for a missing one")
                    if route.path != "/api/v1/users/{username}" || route.method == "GET" {
                        XCTAssertTrue([403, 404, 422].contains(onOwn.status), "\(name) \(route) on company A's object: \(onOwn)")
                    }
                }
                cells += 1
            }
            for name in viewers where route.method != "GET" && !ownChanges.contains(route.description) {
                let answer = try call(clients[name]!, route, ownPath)
                XCTAssertFalse((200..<300).contains(answer.status), "viewer \(name) changed something with \(route): \(answer)")
                XCTAssertLessThan(answer.status, 500, "\(name) \(route): \(answer)")
                cells += 1
            }
        }
        // A's own objects are still there and unchanged after the walk.
        XCTAssertEqual(try clients["a.input"]!.get("/api/v1/files/\(fileID)").json["status"] as? String, "accepted")
        XCTAssertEqual(try clients["g.output"]!.get("/api/v1/disputes/\(disputeID)").json["status"] as? String, "open")
        XCTAssertEqual(try root.get("/api/v1/users/a.input").json["name"] as? String, "a.input")
        XCTAssertGreaterThan(cells, 200)
    }

    static var openAPIFile: URL {
        ServiceHarness.samplesReference.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/openapi.json")
    }

    func waitUntil(_ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(60)
        while try !condition() {
            guard Date() < deadline else { throw APIClient.Failure(description: "timed out") }
            usleep(20_000)
        }
    }
}
