import CASSAccess
import CASSDomain
import CASSLog
@testable import CASSService
import Foundation
import XCTest

/// The identity routes over real HTTP on the in-process log: sessions,
/// users, rights, lockout, SSH keys, audit, restart from the log.
final class IdentityRoutesTests: XCTestCase {
    func testAdminLogsInCreatesUsersAndRolesAreEnforced() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        var admin = try harness.login("root", ServiceHarness.adminPassword)

        var created = try admin.post("/api/v1/users", json: [
            "username": "ba.input", "company": "airline-125", "role": "input", "name": "BA input",
            "email": "input@example.com", "language": "en", "password": "correct horse battery",
        ])
        XCTAssertEqual(created.status, 201, created.description)
        XCTAssertEqual(created.json["company"] as? String, "airline-125")
        XCTAssertNil(created.json["password"])
        created = try admin.post("/api/v1/users", json: [
            "username": "ba.input", "company": "airline-125", "role": "viewer", "name": "again",
            "email": "x@example.com", "language": "en", "password": "correct horse battery",
        ])
        XCTAssertEqual(created.status, 409, created.description)
        let wrongKind = try admin.post("/api/v1/users", json: [
            "username": "ba.output", "company": "airline-125", "role": "output", "name": "no",
            "email": "x@example.com", "language": "en", "password": "correct horse battery",
        ])
        XCTAssertEqual(wrongKind.status, 422, wrongKind.description)
        XCTAssertEqual(wrongKind.header("Content-Type"), "application/problem+json")

        let airline = try harness.login("ba.input", "correct horse battery")
        XCTAssertEqual(try airline.get("/api/v1/users/ba.input").status, 200)
        XCTAssertEqual(try airline.get("/api/v1/users/root").status, 404, "another company's user is as missing")
        XCTAssertEqual(try airline.get("/api/v1/users").status, 403, "an input user does not manage users")
        XCTAssertEqual(try airline.get("/api/v1/audit").status, 403)
        XCTAssertEqual(try admin.get("/api/v1/audit").status, 200)
        admin.token = "not-a-token"
        XCTAssertEqual(try admin.get("/api/v1/users").status, 401)
    }

    func testWrongUsernameAndWrongPasswordAnswerAlikeAndLockOut() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let client = APIClient(port: harness.port)
        let unknown = try client.post("/api/v1/sessions", json: ["username": "nobody", "password": "whatever whatever"])
        let wrong = try client.post("/api/v1/sessions", json: ["username": "root", "password": "whatever whatever"])
        XCTAssertEqual(unknown.status, 401)
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(unknown.json["detail"] as? String, wrong.json["detail"] as? String)
        for _ in 0..<4 { _ = try client.post("/api/v1/sessions", json: ["username": "root", "password": "whatever whatever"]) }
        let locked = try client.post("/api/v1/sessions", json: ["username": "root", "password": ServiceHarness.adminPassword])
        XCTAssertEqual(locked.status, 429, locked.description)
        XCTAssertNotNil(locked.header("Retry-After"))
    }

    func testLogoutEndsTheTokenAndStateSurvivesARestart() throws {
        let log = InProcessLog()
        var harness: ServiceHarness? = try ServiceHarness(log: log)
        var admin = try XCTUnwrap(harness).login("root", ServiceHarness.adminPassword)
        let keys = try admin.request("PUT", "/api/v1/users/root/ssh-keys",
                                     body: Array("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@host\n".utf8),
                                     contentType: "text/plain")
        XCTAssertEqual(keys.status, 200, keys.description)
        XCTAssertEqual((keys.items.first?["fingerprint"] as? String)?.hasPrefix("SHA256:"), true)
        harness?.stop()
        harness = nil

        // A second process on the same log: the session and the keys are there.
        let again = try ServiceHarness(log: log, admin: nil)
        defer { again.stop() }
        admin = APIClient(port: again.port, token: admin.token)
        XCTAssertEqual(try admin.get("/api/v1/users/me").status, 200)
        XCTAssertEqual(try admin.get("/api/v1/users/root/ssh-keys").items.count, 1)
        XCTAssertEqual(try admin.delete("/api/v1/sessions/current").status, 204)
        XCTAssertEqual(try admin.get("/api/v1/users/me").status, 401)
    }

    func testMalformedAndOversizedBodies() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let client = APIClient(port: harness.port)
        XCTAssertEqual(try client.request("POST", "/api/v1/sessions", body: Array("{not json".utf8), contentType: "application/json").status, 400)
        XCTAssertEqual(try client.request("POST", "/api/v1/sessions", body: Array("[]".utf8), contentType: "application/json").status, 400)
        XCTAssertEqual(try client.request("POST", "/api/v1/sessions", body: Array("{}".utf8), contentType: "text/html").status, 415)
        let big = [UInt8](repeating: UInt8(ascii: " "), count: (1 << 20) + 10)
        XCTAssertEqual(try client.request("POST", "/api/v1/sessions", body: big, contentType: "application/json").status, 413)
        XCTAssertEqual(try client.get("/api/v1/openapi.json").status, 200)
        XCTAssertEqual(try client.get("/healthz").status, 200)
    }
}

/// A service on the in-process log with the samples' reference data, on
/// a free port, with a fast password hash (the cost is a parameter).
final class ServiceHarness {
    static let adminPassword = "the operator's long password"
    let service: Service
    let directory: URL

    var port: UInt16 { service.port ?? 0 }

    init(log: any Log = InProcessLog(), admin: String? = "root", today: CivilDate? = nil,
         configure: (inout ServiceOptions) -> Void = { _ in }) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cass-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var options = ServiceOptions(dataDirectory: directory)
        options.referenceDirectory = ServiceHarness.samplesReference
        options.port = 0
        options.admin = admin
        options.adminPassword = Self.adminPassword
        options.passwordIterations = 1_000
        configure(&options)
        service = Service(options: options, log: log, clock: ServiceClock(todayOverride: today))
        try service.start()
    }

    static var samplesReference: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples/reference")
    }

    func login(_ username: String, _ password: String) throws -> APIClient {
        let answer = try APIClient(port: port).post("/api/v1/sessions", json: ["username": username, "password": password])
        guard answer.status == 201, let token = answer.json["token"] as? String else {
            throw APIClient.Failure(description: "login of \(username) failed: \(answer)")
        }
        return APIClient(port: port, token: token)
    }

    func stop() {
        service.stop(timeoutMs: 2_000)
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Upper limits of text fields count Unicode scalars, as the API
/// document's maxLength does (found by schemathesis: a 200-letter name
/// whose letters carry combining marks is more than 200 scalars, and was
/// taken).
final class TextLimitScalarTests: XCTestCase {
    func testANameOverItsLimitInScalarsIsRefusedThoughItHasFewerLetters() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let admin = try harness.login("root", ServiceHarness.adminPassword)
        // 150 letters, each with a combining mark: 150 characters as a reader counts them, 300 scalars.
        let marked = String(repeating: "e\u{0301}", count: 150)
        XCTAssertEqual(marked.count, 150)
        let refused = try admin.patch("/api/v1/users/me", json: ["name": marked])
        XCTAssertEqual(refused.status, 422, refused.description)
        let atTheLimit = String(repeating: "e\u{0301}", count: 100)
        XCTAssertEqual(try admin.patch("/api/v1/users/me", json: ["name": atTheLimit]).status, 200)
        let created = try admin.post("/api/v1/users", json: ["username": "marks", "company": "airline-125", "role": "input", "name": marked,
                                                             "email": "", "language": "en", "password": "a long enough password"])
        XCTAssertEqual(created.status, 422, created.description)
    }
}

/// Access records are read back before they are written: one the identity
/// view could not read (it would stop the views at every start) fails its
/// request and is not written.
final class AccessRecordReadBackTests: XCTestCase {
    func testAUserRecordThatWouldNotReadBackIsNotWritten() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let context = try XCTUnwrap(harness.service.context)
        let now = Instant(millisecondsSince1970: 1_800_000_000_000)
        // A company the parser does not take back ("agent-G-1": a
        // one-letter country): encodes, but no reader takes it.
        let user = UserRecord(username: "odd", company: .agent(country: "G", code: "1"), role: .viewer, name: "Odd", email: "",
                              language: "en", operations: .all, disabled: false, userID: "u-odd", passwordHash: nil,
                              createdAt: now, updatedAt: now)
        XCTAssertThrowsError(try context.commit([.userPut(user)])) { error in
            XCTAssertTrue("\(error)".contains("would not read back"), "\(error)")
        }
        let admin = try harness.login("root", ServiceHarness.adminPassword)
        XCTAssertEqual(try admin.get("/api/v1/users/odd").status, 404)
        XCTAssertEqual(try APIClient(port: harness.port).get("/healthz").status, 200)
        let fine = UserRecord(username: "fine", company: .airline(prefix: "125"), role: .viewer, name: "Fine", email: "",
                              language: "en", operations: .all, disabled: false, userID: "u-fine", passwordHash: nil,
                              createdAt: now, updatedAt: now)
        try context.commit([.userPut(fine)])
        XCTAssertEqual(try admin.get("/api/v1/users/fine").status, 200)
    }
}
