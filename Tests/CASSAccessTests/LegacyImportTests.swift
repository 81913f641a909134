import CASSAccess
import CASSCrypto
import CASSDomain
import XCTest

final class LegacyImportTests: XCTestCase {
    static let header = "username,company,name,email,admin,rights,last_login\n"
    static let since = CivilDate(year: 2026, month: 6, day: 1)!

    private func plan(_ rows: String, world: inout World) throws -> LegacyImport.Plan {
        try LegacyImport.plan(csv: Array((Self.header + rows).utf8), file: "legacy.csv", activeSince: Self.since, state: world.state,
                              directory: AccessFixtures.directory, random: &world.random, context: AccessFixtures.context(from: "cli"))
    }

    private func problems(_ rows: String, world: inout World, header: String = LegacyImportTests.header) -> [LegacyImport.Problem] {
        do {
            _ = try LegacyImport.plan(csv: Array((header + rows).utf8), file: "legacy.csv", activeSince: Self.since, state: world.state,
                                      directory: AccessFixtures.directory, random: &world.random, context: AccessFixtures.context())
            return []
        } catch {
            return error.problems
        }
    }

    private func users(_ plan: LegacyImport.Plan) -> [UserRecord] {
        plan.records.compactMap { if case .userPut(let user) = $0 { return user }; return nil }
    }

    func test_usersWithoutALoginSinceTheDate_areNotMigrated() throws {
        var world = World()
        let result = try plan("""
            active,airline-125,A,a@x.org,no,1,2026-06-01
            stale,airline-125,S,s@x.org,no,1,2026-05-31
            never,airline-125,N,n@x.org,no,1,
            admin.one,airline-125,B,b@x.org,yes,1,2026-07-01

            """, world: &world)
        XCTAssertEqual(users(result).map(\.username), ["active", "admin.one"])
        XCTAssertEqual(result.counts, [LegacyImport.Counts(company: "airline-125", migrated: 2, skipped: 2, promoted: 0)])
    }

    func test_legacyAdminsBecomeAdmin_everyoneElseViewer_noPassword() throws {
        var world = World()
        let result = try plan("""
            boss,agent-GB-\(AgentCodeText.format(AccessFixtures.headOffice)),Boss,b@x.org,YES,3,2026-07-01
            clerk,agent-GB-\(AgentCodeText.format(AccessFixtures.headOffice)),Clerk,c@x.org,no,9,2026-07-01

            """, world: &world)
        let made = users(result)
        XCTAssertEqual(made.map(\.role), [.admin, .viewer])
        XCTAssertTrue(made.allSatisfy { $0.passwordHash == nil && $0.operations == .all && !$0.disabled })
        XCTAssertEqual(result.counts.first?.promoted, 0)
    }

    func test_companyLeftWithoutAnAdmin_getsItsThreeHighestRights_tiesByLatestLoginThenUsername() throws {
        var world = World()
        let result = try plan("""
            old.admin,airline-057,O,o@x.org,yes,9,2026-01-01
            rr9,airline-057,R9,,no,9,2026-06-02
            r7.late,airline-057,,,no,7,2026-09-01
            r7.early,airline-057,,,no,7,2026-06-05
            r7.b,airline-057,,,no,7,2026-06-05
            r7.a,airline-057,,,no,7,2026-06-05
            rr1,airline-057,,,no,1,2026-12-01

            """, world: &world)
        let roles = Dictionary(uniqueKeysWithValues: users(result).map { ($0.username, $0.role) })
        XCTAssertEqual(roles.filter { $0.value == .admin }.keys.sorted(), ["r7.a", "r7.late", "rr9"])
        XCTAssertEqual(result.counts, [LegacyImport.Counts(company: "airline-057", migrated: 6, skipped: 1, promoted: 3)])
    }

    func test_companyWithAnEnabledAdminAlready_promotesNobody() throws {
        var world = World()
        try world.create("af.admin", AccessFixtures.airline057, .admin)
        let result = try plan("viewer.one,airline-057,V,,no,9,2026-07-01\n", world: &world)
        XCTAssertEqual(users(result).map(\.role), [.viewer])
        XCTAssertEqual(result.counts.first?.promoted, 0)
    }

    func test_fewerThanThreeMigrated_allBecomeAdmins() throws {
        var world = World()
        let result = try plan("only.one,airline-125,V,,no,0,2026-07-01\n", world: &world)
        XCTAssertEqual(users(result).map(\.role), [.admin])
        XCTAssertEqual(result.counts.first?.promoted, 1)
    }

    func test_activationCSV_andTokens_storedHashed_singleUse() throws {
        var world = World()
        let result = try plan("""
            ann,airline-125,"Ann, Jr.",ann@x.org,yes,1,2026-07-01
            bob,airline-125,Bob,,no,1,2026-07-01

            """, world: &world)
        let lines = result.activationCSV.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "username,email,activation_token")
        XCTAssertEqual(lines.count, 3)
        let tokens = result.activations.map(\.token)
        XCTAssertEqual(lines[1], "ann,ann@x.org,\(tokens[0])")
        XCTAssertEqual(lines[2], "bob,,\(tokens[1])")
        XCTAssertEqual(Set(tokens).count, 2)
        for (user, token) in zip(users(result), tokens) {
            XCTAssertEqual(user.activationTokenHash, Hex.encode(SHA256.hash(Base64URL.decode(token)!)))
            for record in result.records { XCTAssertFalse(String(decoding: record.value, as: UTF8.self).contains(token)) }
        }
        world.apply(result.records)

        // The token sets the password once; then the user logs in.
        let activate = { (world: inout World, token: String, password: String) throws(AccessError) -> AccessChange in
            try world.state.activate(ActivationRequest(token: token, password: password), hasher: world.hasher, random: &world.random,
                                     context: AccessFixtures.context())
        }
        XCTAssertThrowsError(try activate(&world, tokens[0], "short")) { XCTAssertEqual(($0 as? AccessError)?.status, 422) }
        let change = try activate(&world, tokens[0], "ann's new password")
        world.apply(change.records)
        XCTAssertNotNil(try? world.login("ann", "ann's new password").outcome.get())
        XCTAssertThrowsError(try activate(&world, tokens[0], "another new password")) { XCTAssertEqual(($0 as? AccessError)?.status, 404) }
        XCTAssertThrowsError(try activate(&world, "not-a-token", "another new password")) { XCTAssertEqual(($0 as? AccessError)?.status, 404) }
        XCTAssertThrowsError(try activate(&world, tokens[1].uppercased(), "another new password")) { XCTAssertEqual(($0 as? AccessError)?.status, 404) }
    }

    func test_reportPrintsCountsPerCompany() throws {
        var world = World()
        let result = try plan("""
            ba.one,airline-125,,,yes,1,2026-07-01
            ba.two,airline-125,,,no,1,2025-07-01
            af.one,airline-057,,,no,1,2026-07-01

            """, world: &world)
        XCTAssertEqual(result.report, """
            airline-057: 1 migrated, 0 skipped, 1 promoted
            airline-125: 1 migrated, 1 skipped, 0 promoted
            total: 2 migrated, 1 skipped, 1 promoted

            """)
    }

    func test_badRows_refuseTheImport_namingLineAndColumn() {
        var world = World()
        let found = problems("""
            ok.user,airline-125,,,no,1,2026-07-01
            bad.admin,airline-125,,,maybe,1,2026-07-01
            bad.rights,airline-125,,,no,10,2026-07-01
            bad.date,airline-125,,,no,1,01/07/2026
            short,airline-125,,,no,1
            ok.user,airline-125,,,no,1,2026-07-01

            """, world: &world)
        XCTAssertEqual(found.map(\.description), [
            "line 3, column 5 (admin): must be yes or no, found \"maybe\"",
            "line 4, column 6 (rights): must be an access level 0-9, found \"10\"",
            "line 5, column 7 (last_login): must be a date YYYY-MM-DD or empty, found \"01/07/2026\"",
            "line 6, column 7 (last_login): 6 fields, expected 7",
            "line 7, column 1 (username): username ok.user is also on line 2",
        ])
    }

    /// Decision: an active row naming an unknown company or carrying an
    /// invalid username refuses the import; an inactive one is only
    /// skipped.
    func test_unknownCompanyOrInvalidUsername_refusesWhenActive_isSkippedWhenNot() throws {
        var world = World()
        let found = problems("""
            Old.Name,airline-125,,,no,1,2026-07-01
            fine,airline-999,,,no,1,2026-07-01
            fine2,Air France,,,no,1,2026-07-01

            """, world: &world)
        XCTAssertEqual(found.map(\.description), [
            "line 2, column 1 (username): may contain only lower-case letters a-z, digits, '.', '_' and '-'",
            "line 3, column 2 (company): unknown company airline-999",
            "line 4, column 2 (company): not a company name (cass, airline-PPP, agent-CC-AAAAAAAAAAA, agent-group-AAAAAAA): Air France",
        ])
        let result = try plan("""
            Old.Name,airline-125,,,no,1,2020-07-01
            fine,airline-999,,,no,1,
            kept,airline-125,,,no,1,2026-07-01

            """, world: &world)
        XCTAssertEqual(users(result).map(\.username), ["kept"])
        XCTAssertEqual(result.counts.map(\.company), ["airline-125", "airline-999"])
    }

    func test_usernameOfAnotherCompanysUser_refuses_sameCompany_isLeftAsItIs() throws {
        var world = World()
        try world.create("taken", AccessFixtures.airline057, .viewer)
        XCTAssertEqual(problems("taken,airline-125,,,no,1,2026-07-01\n", world: &world).map(\.description),
                       ["line 2, column 1 (username): username taken is taken by a user of airline-057"])
        let again = try plan("taken,airline-057,,,yes,1,2026-07-01\n", world: &world)
        XCTAssertEqual(users(again), [])
        XCTAssertEqual(again.counts, [LegacyImport.Counts(company: "airline-057", migrated: 0, skipped: 0, promoted: 0, alreadyPresent: 1)])
    }

    func test_runningTheSameFileTwice_migratesNobodyTwice() throws {
        var world = World()
        let rows = "ann,airline-125,,,yes,1,2026-07-01\nbob,airline-125,,,no,1,2026-07-01\n"
        world.apply(try plan(rows, world: &world).records)
        let second = try plan(rows, world: &world)
        XCTAssertEqual(second.records, [])
        XCTAssertEqual(second.counts.first?.alreadyPresent, 2)
    }

    func test_header_mustBeTheSevenColumns() {
        var world = World()
        XCTAssertEqual(problems("a,b,c\n", world: &world, header: "username,company,name\n").first?.line, 1)
        XCTAssertEqual(problems("", world: &world, header: "").first?.description, "line 1: empty file: the header username,company,name,email,admin,rights,last_login is required")
        XCTAssertEqual(problems("\"broken,x\n", world: &world).first?.line, 2)
    }

    func test_importedUsers_areAudited() throws {
        var world = World()
        let result = try plan("ann,airline-125,,,yes,1,2026-07-01\n", world: &world)
        let audits = result.records.compactMap { if case .audit(let entry) = $0 { return entry }; return nil }
        XCTAssertEqual(audits.map(\.action), ["user.imported"])
        XCTAssertEqual(audits.first?.from, "cli")
        XCTAssertTrue(audits.first?.detail.contains("line 2 of legacy.csv") ?? false)
    }
}

final class SSHKeysTests: XCTestCase {
    static let ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb7Q3lZ2vQm8mJx1p0Qe3xkq9o3Jt8b3Q1o5y8zq0Xh"

    func test_publicKeyLines_areKeptNormalised() throws {
        let keys = try SSHKeys.parse("# my keys\n\(Self.ed25519)   ann@laptop\r\n\n\(Self.ed25519)\n")
        XCTAssertEqual(keys, ["\(Self.ed25519) ann@laptop", Self.ed25519])
    }

    func test_optionsAndForgedKeys_areRefused() {
        for bad in ["command=\"/bin/sh\" \(Self.ed25519)", "from=\"*\" \(Self.ed25519)", "ssh-ed25519 notbase64!!",
                    "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIGb7Q3lZ2vQm8mJx1p0Qe3xkq9o3Jt8b3Q1o5y8zq0Xh", "ssh-dss AAAA", "\(Self.ed25519) x\u{0}y"] {
            XCTAssertThrowsError(try SSHKeys.parse(bad), bad) { XCTAssertEqual(($0 as? AccessError)?.status, 422) }
        }
        XCTAssertThrowsError(try SSHKeys.parse(Array(repeating: Self.ed25519, count: 33).joined(separator: "\n")))
    }

    func test_userOrItsAdmin_setsKeys_othersCannot() throws {
        var world = World()
        try world.create("ba.admin", AccessFixtures.airline125, .admin)
        try world.create("ba.input", AccessFixtures.airline125, .input)
        try world.create("af.admin", AccessFixtures.airline057, .admin)
        let mine = try world.state.setSSHKeys("me", body: Self.ed25519, by: world.principal("ba.input"), context: AccessFixtures.context())
        world.apply(mine.records)
        XCTAssertEqual(world.state.user("ba.input")?.sshKeys, [Self.ed25519])
        XCTAssertNoThrow(try world.state.setSSHKeys("ba.input", body: "", by: world.principal("ba.admin"), context: AccessFixtures.context()))
        XCTAssertThrowsError(try world.state.setSSHKeys("ba.input", body: "", by: world.principal("af.admin"), context: AccessFixtures.context())) {
            XCTAssertEqual(($0 as? AccessError)?.status, 404)
        }
        XCTAssertThrowsError(try world.state.setSSHKeys("ba.admin", body: "", by: world.principal("ba.input"), context: AccessFixtures.context())) {
            XCTAssertEqual(($0 as? AccessError)?.status, 403)
        }
    }
}
