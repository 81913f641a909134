import CASSAccounts
import CASSDomain
@testable import CASSService
import Foundation
import XCTest

/// Every accounts route × every role × own or other company, over HTTP.
/// Probes that pass authorization are made to fail just after it (an
/// amount the reducer refuses, a dispute already resolved), so the table
/// reads 422 or 409 for "allowed" and nothing changes while it runs.
final class AccountsAuthorizationTests: XCTestCase {
    typealias W = AccountsWorld

    func testEveryRouteRoleAndCompany() throws {
        let world = try W(today: "2026-11-10")
        try world.issue(W.invoiceA, W.invoiceB)
        let open = try XCTUnwrap(try world.client("a.output").post("/api/v1/disputes", json: [
            "invoice": "GB2026000001", "awb": W.awbA125, "amountMinor": 1_000, "reason": "x"]).string("id"))
        let resolved = try XCTUnwrap(try world.client("a.output").post("/api/v1/disputes", json: [
            "invoice": "GB2026000001", "awb": W.awbA157, "amountMinor": 1_000, "reason": "x"]).string("id"))
        XCTAssertEqual(try world.client("a.output").post("/api/v1/disputes/\(resolved)/withdraw", json: [:]).status, 200)
        let recordsBefore = try world.accountsRecords().count

        let users = ["cass.viewer", "root", "ba.viewer", "ba.input", "ba.admin", "qr.input", "a.viewer", "a.output", "a.admin",
                     "b.output", "b.admin", "ga.output"]
        typealias Probe = (name: String, run: (APIClient) throws -> APIClient.Answer, expected: [Int])
        let probes: [Probe] = [
            ("GET /disputes/{id}", { try $0.get("/api/v1/disputes/\(open)") },
             [200, 200, 200, 200, 200, 404, 200, 200, 200, 404, 404, 200]),
            ("POST /disputes (raise)", { try $0.post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA125b, "amountMinor": 99_999_999, "reason": "x"]) },
             [403, 403, 404, 404, 404, 404, 403, 422, 422, 404, 404, 422]),
            ("POST /disputes/{id}/accept (open)", { try $0.post("/api/v1/disputes/\(open)/accept", json: ["amountMinor": 99_999_999]) },
             [403, 403, 403, 422, 422, 404, 403, 403, 403, 404, 404, 403]),
            ("POST /disputes/{id}/reject (open)", { try $0.post("/api/v1/disputes/\(open)/reject", json: ["reason": ""]) },
             [403, 403, 403, 422, 422, 404, 403, 403, 403, 404, 404, 403]),
            // On airline 157's AWB; a.output withdrew it today: its withdrawal
            // again is the same step, answered as done.
            ("POST /disputes/{id}/withdraw (resolved)", { try $0.post("/api/v1/disputes/\(resolved)/withdraw", json: [:]) },
             [403, 403, 404, 404, 404, 403, 403, 200, 409, 404, 404, 409]),
            ("POST /invoices/{n}/payments", { try $0.post("/api/v1/invoices/GB2026000001/payments", json: ["amountMinor": 1, "method": "card", "date": "2026-12-31", "reference": ""]) },
             [403, 422, 404, 404, 404, 404, 403, 422, 422, 404, 404, 422]),
            ("POST /wallet/topups", { try $0.post("/api/v1/wallet/topups", json: ["country": "GB", "amountMinor": 0, "reference": "", "company": W.companyA]) },
             [403, 422, 404, 404, 404, 404, 403, 422, 422, 404, 404, 422]),
            ("GET /wallet?company=A", { try $0.get("/api/v1/wallet?company=\(W.companyA)") },
             [200, 200, 404, 404, 404, 404, 200, 200, 200, 404, 404, 200]),
            ("GET /risk", { try $0.get("/api/v1/risk") },
             [200, 200, 403, 403, 403, 403, 200, 200, 200, 200, 200, 200]),
            ("GET /disputes", { try $0.get("/api/v1/disputes") },
             [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        ]
        for probe in probes {
            var got: [Int] = []
            for user in users { got.append(try probe.run(try world.client(user)).status) }
            XCTAssertEqual(got, probe.expected, "\(probe.name) for \(users)")
        }
        XCTAssertEqual(try world.accountsRecords().count, recordsBefore, "no refused request wrote anything")

        // Lists are filtered item by item: who sees A's wallet and risk row.
        XCTAssertEqual(try world.client("b.output").get("/api/v1/wallet").items.compactMap { $0["company"] as? String }, [W.companyB])
        XCTAssertEqual(try world.client("ga.output").get("/api/v1/wallet").items.compactMap { $0["company"] as? String }, [W.companyA])
        XCTAssertEqual(try world.client("ba.input").get("/api/v1/wallet").items.count, 0)
        XCTAssertEqual(try world.client("root").get("/api/v1/wallet?country=GB").items.count, 10)
        XCTAssertEqual(try world.client("a.output").get("/api/v1/disputes").items.count, 2)
        XCTAssertEqual(try world.client("b.admin").get("/api/v1/disputes").items.count, 0)
        // No credentials: 401 everywhere.
        let anonymous = APIClient(port: world.harness.port)
        for path in ["/api/v1/disputes", "/api/v1/disputes/\(open)", "/api/v1/wallet", "/api/v1/risk", "/api/v1/settings"] {
            XCTAssertEqual(try anonymous.get(path).status, 401, path)
        }
        XCTAssertEqual(try anonymous.post("/api/v1/invoices/GB2026000001/payments", json: [:]).status, 401)
    }
}

/// The OpenAPI document describes every accounts route as routed.
final class AccountsOpenAPITests: XCTestCase {
    func testEveryAccountsRouteIsDescribed() throws {
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let paths = try XCTUnwrap(document["paths"] as? [String: [String: Any]])
        let routes: [(String, String)] = [
            ("get", "/api/v1/disputes"), ("post", "/api/v1/disputes"), ("get", "/api/v1/disputes/{id}"),
            ("post", "/api/v1/disputes/{id}/accept"), ("post", "/api/v1/disputes/{id}/reject"), ("post", "/api/v1/disputes/{id}/withdraw"),
            ("post", "/api/v1/invoices/{number}/payments"), ("get", "/api/v1/wallet"), ("post", "/api/v1/wallet/topups"),
            ("get", "/api/v1/risk"), ("get", "/api/v1/settings"), ("put", "/api/v1/settings"),
        ]
        for (method, path) in routes {
            XCTAssertNotNil(paths[path]?[method], "\(method.uppercased()) \(path) is not in the OpenAPI document")
        }
        let schemas = try XCTUnwrap((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let dispute = try XCTUnwrap(schemas["Dispute"] as? [String: Any])
        XCTAssertEqual(Set((dispute["required"] as? [String]) ?? []),
                       ["id", "country", "invoice", "awb", "agent", "airline", "amountMinor", "acceptedMinor", "status", "reason",
                        "raisedOn", "escalatesOn", "memoPeriod", "history"], "the document's Dispute is the engine's")
    }
}
