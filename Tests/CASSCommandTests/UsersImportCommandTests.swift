import Foundation
import XCTest

/// `cass users import` as an operator runs it (portal.md "Users",
/// "Migration from the legacy system"): on a data folder a first
/// `cass serve` prepared, then served again, the migrated users activated
/// through the API.
final class UsersImportCommandTests: XCTestCase {
    static let agent = "agent-GB-91200040002"
    /// frank, the agent's only legacy admin, last logged in before the date:
    /// the agent is left without an admin, so its three highest rights are
    /// promoted: alice (9), then the 7s by latest login (carol and dave on
    /// the same day, by username), not bob (7, earlier) nor erin (3).
    static let legacy = """
        username,company,name,email,admin,rights,last_login
        ba.admin,airline-125,BA Admin,admin@ba.example,yes,5,2026-07-01
        ba.clerk,airline-125,BA Clerk,clerk@ba.example,no,9,2026-09-15
        ba.gone,airline-125,Gone,gone@ba.example,yes,9,2025-12-31
        alice,\(agent),Alice,alice@thames.example,no,9,2026-06-01
        bob,\(agent),Bob,bob@thames.example,no,7,2026-10-01
        dave,\(agent),Dave,dave@thames.example,no,7,2026-11-01
        carol,\(agent),"Carol, Jr.",carol@thames.example,no,7,2026-11-01
        erin,\(agent),Erin,erin@thames.example,no,3,2026-11-20
        frank,\(agent),Frank,frank@thames.example,yes,9,2026-05-31
        grace,\(agent),Grace,grace@thames.example,no,9,

        """

    private func importArgs(_ file: URL, data: URL, activations: URL) -> [String] {
        ["users", "import", file.path, "--active-since", "2026-06-01", "--data", data.path, "--activations", activations.path]
    }

    func testImportIntoAServedFolder_thenActivateAndLogIn_promotionRules_badFileRefused_secondRunChangesNothing() throws {
        let folder = try CommandRunner.temporaryFolder(self, "users-import")
        let data = folder.appendingPathComponent("data")
        let legacy = folder.appendingPathComponent("legacy.csv")
        let activations = folder.appendingPathComponent("activation.csv")
        try Self.legacy.write(to: legacy, atomically: true, encoding: .utf8)
        let port = try ServeProcess.freePort()

        // A data folder prepared by a first start of the service.
        var server = try ServeProcess.start(data: data, port: port, extra: ["--reference", CommandRunner.repo.appendingPathComponent("samples/reference").path,
                                                                             "--admin", "root"])
        try server.waitHealthy()
        // While it runs, the import is refused and says why.
        let busy = try CommandRunner.run(importArgs(legacy, data: data, activations: activations), timeoutSeconds: 120)
        XCTAssertEqual(busy.status, 1, busy.stderr)
        XCTAssertTrue(busy.stderr.contains("in use by another process") && busy.stderr.contains("stop it first"), busy.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: activations.path))
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        XCTAssertEqual(server.process.terminationStatus, 0)

        // A bad file: every problem by file, line and column; nothing imported.
        let bad = folder.appendingPathComponent("bad.csv")
        try """
            username,company,name,email,admin,rights,last_login
            newbie,airline-125,New,new@ba.example,no,1,2026-07-01
            bad.rights,airline-125,B,b@ba.example,no,high,2026-07-01
            short,airline-125

            """.write(to: bad, atomically: true, encoding: .utf8)
        let refused = try CommandRunner.run(importArgs(bad, data: data, activations: activations), timeoutSeconds: 120)
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("\(bad.path) line 3, column 6 (rights): must be an access level 0-9"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("\(bad.path) line 4, column 3 (name): 2 fields, expected 7"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("nothing imported"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: activations.path))

        // A dry run: the counts, nothing written.
        let dry = try CommandRunner.run(importArgs(legacy, data: data, activations: activations) + ["--dry-run"], timeoutSeconds: 120)
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.hasPrefix("\(Self.agent): 5 migrated, 2 skipped, 3 promoted\n"), dry.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: activations.path))

        // The import.
        let first = try CommandRunner.run(importArgs(legacy, data: data, activations: activations), timeoutSeconds: 120)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout, """
            \(Self.agent): 5 migrated, 2 skipped, 3 promoted
            airline-125: 2 migrated, 1 skipped, 0 promoted
            total: 7 migrated, 3 skipped, 3 promoted

            """)
        let attributes = try FileManager.default.attributesOfItem(atPath: activations.path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let csv = try String(contentsOf: activations, encoding: .utf8)
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(rows.first, ["username", "email", "activation_token"])
        XCTAssertEqual(rows.dropFirst().map { $0[0] }, ["ba.admin", "ba.clerk", "alice", "bob", "dave", "carol", "erin"])
        XCTAssertEqual(rows.dropFirst().map { $0[1] }.last, "erin@thames.example")
        var tokens: [String: String] = [:]
        for row in rows.dropFirst() where row.count == 3 { tokens[row[0]] = row[2] }

        // Twice: nobody made again, the activation file left as it is (no --force needed).
        let second = try CommandRunner.run(importArgs(legacy, data: data, activations: activations), timeoutSeconds: 120)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(second.stdout, """
            \(Self.agent): 0 migrated, 2 skipped, 0 promoted, 5 already present
            airline-125: 0 migrated, 1 skipped, 0 promoted, 2 already present
            total: 0 migrated, 3 skipped, 0 promoted, 7 already present

            """)
        XCTAssertEqual(try String(contentsOf: activations, encoding: .utf8), csv)

        // A newcomer in the file: the activation file is not replaced without --force.
        try (Self.legacy + "ba.new,airline-125,New,new@ba.example,no,1,2026-11-30\n").write(to: legacy, atomically: true, encoding: .utf8)
        let kept = try CommandRunner.run(importArgs(legacy, data: data, activations: activations), timeoutSeconds: 120)
        XCTAssertEqual(kept.status, 1, kept.stderr)
        XCTAssertTrue(kept.stderr.contains("already exists") && kept.stderr.contains("--force"), kept.stderr)
        XCTAssertEqual(try String(contentsOf: activations, encoding: .utf8), csv)
        let forced = try CommandRunner.run(importArgs(legacy, data: data, activations: activations) + ["--force"], timeoutSeconds: 120)
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(forced.stdout.contains("airline-125: 1 migrated, 1 skipped, 0 promoted, 2 already present"), forced.stdout)
        XCTAssertEqual(try String(contentsOf: activations, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.prefix(7) }, ["ba.new,"])
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: activations.path)[.posixPermissions] as? NSNumber)?.intValue, 0o600)

        // Served again: a migrated user sets a password once, then logs in.
        server = try ServeProcess.start(data: data, port: port, extra: [])
        try server.waitHealthy()
        defer {
            kill(server.process.processIdentifier, SIGTERM)
            server.process.waitUntilExit()
        }
        let carolToken = try XCTUnwrap(tokens["carol"])
        let activation = "{\"token\":\"\(carolToken)\",\"password\":\"carol's long new password\"}"
        XCTAssertEqual(try ServeProcess.request(port: port, "POST", "/api/v1/activations", json: activation).status, 204)
        XCTAssertEqual(try ServeProcess.request(port: port, "POST", "/api/v1/activations", json: activation).status, 404, "a token sets the password once")
        let carol = try ServeProcess.login(port: port, "carol", "carol's long new password")
        let me = try ServeProcess.request(port: port, "GET", "/api/v1/users/me", token: carol)
        XCTAssertEqual(me.status, 200, me.body)
        XCTAssertEqual(try Self.field(me.body, "role"), "admin")
        XCTAssertEqual(try Self.field(me.body, "name"), "Carol, Jr.")
        XCTAssertThrowsError(try ServeProcess.login(port: port, "bob", "anything at all, no password"), "not activated: no password")

        let root = try ServeProcess.login(port: port, "root", ServeProcess.adminPassword)
        let roles = ["ba.new": "viewer", "ba.admin": "admin", "ba.clerk": "viewer", "alice": "admin", "carol": "admin", "dave": "admin", "bob": "viewer", "erin": "viewer"]
        for (username, role) in roles {
            let user = try ServeProcess.request(port: port, "GET", "/api/v1/users/\(username)", token: root)
            XCTAssertEqual(user.status, 200, "\(username): \(user.body)")
            XCTAssertEqual(try Self.field(user.body, "role"), role, username)
        }
        for absent in ["ba.gone", "frank", "grace", "newbie"] {
            XCTAssertEqual(try ServeProcess.request(port: port, "GET", "/api/v1/users/\(absent)", token: root).status, 404, absent)
        }
    }

    func testCommandLineAndDataFolderErrors() throws {
        let folder = try CommandRunner.temporaryFolder(self, "users-import-args")
        let legacy = folder.appendingPathComponent("legacy.csv")
        try Self.legacy.write(to: legacy, atomically: true, encoding: .utf8)
        let help = try CommandRunner.run(["help", "users"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("Usage: cass users import FILE --active-since YYYY-MM-DD --data DIR"), help.stdout)
        XCTAssertTrue(help.stdout.contains("Exit codes"), help.stdout)
        XCTAssertEqual(try CommandRunner.run(["users", "import", legacy.path, "--data", folder.path]).status, 2, "--active-since is required")
        let badDate = try CommandRunner.run(["users", "import", legacy.path, "--active-since", "2026-02-30", "--data", folder.path])
        XCTAssertEqual(badDate.status, 2)
        XCTAssertTrue(badDate.stderr.contains("--active-since takes a date YYYY-MM-DD"), badDate.stderr)
        XCTAssertEqual(try CommandRunner.run(["users", "export"]).status, 2)
        // A folder no service ever ran on: refused, and left without a log.
        let empty = folder.appendingPathComponent("never-served")
        let never = try CommandRunner.run(["users", "import", legacy.path, "--active-since", "2026-06-01", "--data", empty.path,
                                           "--activations", folder.appendingPathComponent("a.csv").path])
        XCTAssertEqual(never.status, 1)
        XCTAssertTrue(never.stderr.contains("holds no service data"), never.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: empty.appendingPathComponent("log").path))
    }

    private static func field(_ json: String, _ name: String) throws -> String? {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return object?[name] as? String
    }
}
