import CASSAccess
import Foundation
import XCTest

final class UserCommandTests: XCTestCase {
    private func assertError(_ expected: Int, _ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("expected \(expected), got success", file: file, line: line)
        } catch let error as AccessError {
            XCTAssertEqual(error.status, expected, error.description, file: file, line: line)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }

    private func fields(_ body: () throws -> Void) -> [String] {
        do {
            try body()
        } catch AccessError.invalid(let errors) {
            return errors.map(\.field)
        } catch {
            return ["unexpected \(error)"]
        }
        return []
    }

    func test_createUser_byCassAdmin_inAnyCompany() throws {
        var world = World()
        let user = try world.create("ba.admin", AccessFixtures.airline125, .admin)
        XCTAssertEqual(user, UserView(username: "ba.admin", company: "airline-125", role: "admin", name: "Ba.Admin",
                                      email: "ba.admin@example.com", language: "en", operations: ["*"], disabled: false))
        XCTAssertEqual(world.state.user("ba.admin")?.company, AccessFixtures.airline125)
    }

    func test_companyAdmin_createsUsersOfItsOwnCompanyOnly_otherCompanyIs403() throws {
        var world = World()
        try world.create("ba.admin", AccessFixtures.airline125, .admin)
        let admin = world.principal("ba.admin")
        XCTAssertNoThrow(try world.create("ba.input", AccessFixtures.airline125, .input, by: admin))
        assertError(403) { try world.create("af.input", AccessFixtures.airline057, .input, by: admin) }
        assertError(403) { try world.create("sneaky", .cass, .admin, by: admin) }
        // A company that does not exist is "another company" too: no hint.
        assertError(403) { try world.create("ghost", .airline(prefix: "999"), .admin, by: admin) }
        XCTAssertNil(world.state.user("af.input"))
    }

    func test_createUser_nonAdmin_is403() throws {
        var world = World()
        try world.create("ba.input", AccessFixtures.airline125, .input)
        assertError(403) { try world.create("ba.more", AccessFixtures.airline125, .viewer, by: world.principal("ba.input")) }
    }

    func test_outputInAnAirline_orInputInAnAgentCompany_is422() throws {
        var world = World()
        XCTAssertEqual(fields { try world.create("xx1", AccessFixtures.airline125, .output) }, ["role"])
        XCTAssertEqual(fields { try world.create("xx2", AccessFixtures.agentGB, .input) }, ["role"])
        XCTAssertEqual(fields { try world.create("xx3", AccessFixtures.group, .input) }, ["role"])
        XCTAssertEqual(fields { try world.create("xx4", .cass, .input) }, ["role"])
        XCTAssertNoThrow(try world.create("xx5", AccessFixtures.group, .output))
    }

    func test_usernameTaken_is409() throws {
        var world = World()
        try world.create("someone", AccessFixtures.airline125, .viewer)
        assertError(409) { try world.create("someone", AccessFixtures.agentGB, .viewer) }
    }

    func test_username_3to64CharactersOfLowercaseDigitsDotUnderscoreDash() throws {
        var world = World()
        for bad in ["ab", String(repeating: "a", count: 65), "Upper", "with space", "émile", "a/b", "me", "a@b"] {
            XCTAssertEqual(fields { try world.create(bad, AccessFixtures.airline125, .viewer) }.first, "username", bad)
        }
        for good in ["abc", String(repeating: "z", count: 64), "j.smith_2-x", "007"] {
            XCTAssertNoThrow(try world.create(good, AccessFixtures.airline125, .viewer), good)
        }
    }

    func test_createUser_everyInvalidFieldIsListed() {
        var world = World()
        let request = NewUser(username: "X", company: "airline-125", role: "boss", name: "ok", email: "nope", language: "xx",
                              operations: ["GB", "ZZ"], password: "short")
        do {
            _ = try world.state.createUser(request, by: world.root, directory: AccessFixtures.directory, hasher: world.hasher,
                                           random: &world.random, context: AccessFixtures.context())
            XCTFail("accepted")
        } catch AccessError.invalid(let errors) {
            XCTAssertEqual(errors.map(\.field), ["username", "role", "email", "language", "operations", "password"])
        } catch {
            XCTFail("\(error)")
        }
    }

    func test_cassAdmin_unknownCompany_is422() {
        var world = World()
        XCTAssertEqual(fields { try world.create("xxx", .airline(prefix: "999"), .viewer) }, ["company"])
        let request = NewUser(username: "xyz", company: "nonsense", role: "viewer", password: World.password)
        assertError(422) {
            _ = try world.state.createUser(request, by: world.root, directory: AccessFixtures.directory, hasher: world.hasher,
                                           random: &world.random, context: AccessFixtures.context())
        }
    }

    func test_passwordAtLeast12Characters() {
        var world = World()
        func make(_ password: String) throws {
            let request = NewUser(username: "pw\(password.count)-\(password.utf8.count)", company: "airline-125", role: "viewer", password: password)
            let change = try world.state.createUser(request, by: world.root, directory: AccessFixtures.directory, hasher: world.hasher,
                                                    random: &world.random, context: AccessFixtures.context())
            world.apply(change.records)
        }
        assertError(422) { try make("elevenchars") }
        XCTAssertNoThrow(try make("twelve chars"))
        XCTAssertNoThrow(try make("日本語のパスワードです"  + "。"), "12 characters in any script")
        assertError(422) { try make(String(repeating: "x", count: 1025)) }
    }

    func test_regionalAdmin_cannotGrantOperationsBeyondItsOwn() throws {
        var world = World()
        try world.create("fr.admin", AccessFixtures.group, .admin, operations: ["FR"])
        let admin = world.principal("fr.admin")
        assertError(403) { try world.create("wide", AccessFixtures.group, .output, operations: ["*"], by: admin) }
        assertError(403) { try world.create("gbuser", AccessFixtures.group, .output, operations: ["GB"], by: admin) }
        // Not told: as regional as its maker.
        let user = try world.create("narrow", AccessFixtures.group, .output, by: admin)
        XCTAssertEqual(user.operations, ["FR"])
        assertError(403) { _ = try world.patch("narrow", UserPatch(operations: ["*"]), by: admin) }
        assertError(403) { _ = try world.patch("fr.admin", UserPatch(operations: ["*"]), by: admin) }
    }

    func test_userView_neverCarriesPasswordOrHash() throws {
        var world = World()
        let view = try world.create("ba.admin", AccessFixtures.airline125, .admin)
        let json = String(decoding: try JSONEncoder().encode(view), as: UTF8.self)
        XCTAssertFalse(json.contains("password"))
        XCTAssertFalse(json.contains("pbkdf2"))
        XCTAssertFalse(json.lowercased().contains("hash"))
        XCTAssertEqual(Set((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?.keys ?? [:].keys),
                       ["username", "company", "role", "name", "email", "language", "operations", "disabled"])
    }

    func test_everyUser_changesOwnNameEmailLanguagePassword() throws {
        var world = World()
        try world.create("viewer1", AccessFixtures.agentGB, .viewer)
        let me = world.principal("viewer1")
        let change = try world.patch("me", UserPatch(name: "Ann", email: "ann@example.org", language: "fr", password: "a new password!"), by: me)
        XCTAssertEqual(change.user?.name, "Ann")
        XCTAssertEqual(world.state.user("viewer1")?.language, "fr")
        XCTAssertEqual(try world.login("viewer1", "a new password!").outcome.map { _ in true }, .success(true))
        // Not their own role, operations or disabled.
        assertError(403) { _ = try world.patch("me", UserPatch(role: "admin"), by: me) }
        assertError(403) { _ = try world.patch("viewer1", UserPatch(disabled: false), by: me) }
        assertError(403) { _ = try world.patch("viewer1", UserPatch(operations: ["GB"]), by: me) }
    }

    func test_nonAdmin_changingAColleague_is403_anotherCompanysUser_is404() throws {
        var world = World()
        try world.create("agent1", AccessFixtures.agentGB, .output)
        try world.create("agent2", AccessFixtures.agentGB, .viewer)
        try world.create("other1", AccessFixtures.otherAgent, .viewer)
        let a1 = world.principal("agent1")
        assertError(403) { _ = try world.patch("agent2", UserPatch(name: "x"), by: a1) }
        assertError(404) { _ = try world.patch("other1", UserPatch(name: "x"), by: a1) }
        assertError(404) { _ = try world.patch("nobody", UserPatch(name: "x"), by: a1) }
        assertError(404) { _ = try world.state.readUser("other1", by: a1) }
        assertError(404) { _ = try world.state.deleteUser("other1", by: a1, context: AccessFixtures.context()) }
        assertError(403) { _ = try world.state.readUser("agent2", by: a1) }
        XCTAssertEqual(try world.state.readUser("me", by: a1).username, "agent1")
    }

    func test_lastEnabledAdmin_cannotBeDisabledDeletedOrDemoted_409() throws {
        var world = World()
        try world.create("boss", AccessFixtures.airline125, .admin)
        let boss = world.principal("boss")
        assertError(409) { _ = try world.patch("boss", UserPatch(disabled: true), by: boss) }
        assertError(409) { _ = try world.patch("boss", UserPatch(role: "input"), by: boss) }
        assertError(409) { _ = try world.state.deleteUser("boss", by: boss, context: AccessFixtures.context()) }
        assertError(409) { _ = try world.patch("boss", UserPatch(role: "viewer"), by: world.root) }
        // With a second admin, the first may go.
        try world.create("boss2", AccessFixtures.airline125, .admin, by: boss)
        XCTAssertNoThrow(try world.patch("boss", UserPatch(role: "input"), by: boss))
        assertError(409) { _ = try world.state.deleteUser("boss2", by: world.principal("boss2"), context: AccessFixtures.context()) }
        // The operator keeps its last admin too.
        assertError(409) { _ = try world.state.deleteUser("root", by: world.root, context: AccessFixtures.context()) }
    }

    func test_companyWithoutAnEnabledAdmin_isNotHeldToOne() throws {
        var world = World()
        try world.create("only", AccessFixtures.airline057, .input)
        XCTAssertNoThrow(try world.patch("only", UserPatch(disabled: true), by: world.root))
        let change = try world.state.deleteUser("only", by: world.root, context: AccessFixtures.context())
        world.apply(change.records)
        XCTAssertNil(world.state.user("only"))
    }

    func test_patch_validatesFields_andRoleAgainstTheCompany() throws {
        var world = World()
        try world.create("user1", AccessFixtures.airline125, .viewer)
        XCTAssertEqual(fields { _ = try world.patch("user1", UserPatch(role: "output"), by: world.root) }, ["role"])
        XCTAssertEqual(fields { _ = try world.patch("user1", UserPatch(email: "a b@c"), by: world.root) }, ["email"])
        XCTAssertEqual(fields { _ = try world.patch("user1", UserPatch(operations: []), by: world.root) }, ["operations"])
        XCTAssertEqual(fields { _ = try world.patch("user1", UserPatch(name: "bad\u{7}name"), by: world.root) }, ["name"])
        XCTAssertEqual(world.state.user("user1")?.role, .viewer, "nothing changed by a refused request")
    }

    func test_patch_withNoChange_writesNothing() throws {
        var world = World()
        try world.create("user1", AccessFixtures.airline125, .viewer)
        let change = try world.patch("user1", UserPatch(role: "viewer", name: "User1"), by: world.root)
        XCTAssertEqual(change.records, [])
    }

    func test_everyChange_isAudited_withWhoWhatWhenAndFromWhere() throws {
        var world = World()
        let request = NewUser(username: "ba.admin", company: "airline-125", role: "admin", password: World.password)
        let change = try world.state.createUser(request, by: world.root, directory: AccessFixtures.directory, hasher: world.hasher,
                                                random: &world.random, context: AccessFixtures.context(from: "203.0.113.9"))
        guard case .audit(let entry)? = change.records.last else { return XCTFail("no audit entry") }
        XCTAssertEqual(entry.actor, "root")
        XCTAssertEqual(entry.actorCompany, "cass")
        XCTAssertEqual(entry.action, "user.created")
        XCTAssertEqual(entry.target, "user:ba.admin")
        XCTAssertEqual(entry.at, AccessFixtures.t0)
        XCTAssertEqual(entry.from, "203.0.113.9")
        world.apply(change.records)
        let patch = try world.patch("ba.admin", UserPatch(password: "another password"), by: world.root)
        guard case .audit(let patchEntry)? = patch.records.last else { return XCTFail("no audit entry") }
        XCTAssertEqual(patchEntry.detail, "password")
        XCTAssertFalse(String(decoding: AccessRecord.audit(patchEntry).value, as: UTF8.self).contains("another password"))
    }

    func test_listUsers_adminSeesItsCompany_cassAdminAll_filteredByCompany() throws {
        var world = World()
        try world.create("ba.one", AccessFixtures.airline125, .admin)
        try world.create("ba.two", AccessFixtures.airline125, .viewer)
        try world.create("af.one", AccessFixtures.airline057, .admin)
        try world.create("grp.one", AccessFixtures.group, .admin)
        try world.create("fr.one", AccessFixtures.agentFR, .viewer)
        XCTAssertEqual(try world.state.listUsers(by: world.principal("ba.one")).map(\.username), ["ba.one", "ba.two"])
        XCTAssertEqual(try world.state.listUsers(by: world.principal("grp.one")).map(\.username), ["fr.one", "grp.one"], "a group admin manages its members' users")
        XCTAssertEqual(try world.state.listUsers(by: world.root).map(\.username), ["af.one", "ba.one", "ba.two", "fr.one", "grp.one", "root"])
        XCTAssertEqual(try world.state.listUsers(by: world.root, company: AccessFixtures.airline057).map(\.username), ["af.one"])
        assertError(403) { _ = try world.state.listUsers(by: world.principal("ba.two")) }
        assertError(404) { _ = try world.state.listUsers(by: world.principal("ba.one"), company: AccessFixtures.airline057) }
    }

    func test_disablingAUser_endsItsSessions() throws {
        var world = World()
        try world.create("user1", AccessFixtures.airline125, .input)
        guard case .success(let login) = try world.login("user1").outcome else { return XCTFail("login failed") }
        XCTAssertNotNil(world.state.authenticate(token: login.token, now: world.now))
        _ = try world.patch("user1", UserPatch(disabled: true), by: world.root)
        XCTAssertNil(world.state.authenticate(token: login.token, now: world.now))
        // Enabling again does not bring the old session back.
        _ = try world.patch("user1", UserPatch(disabled: false), by: world.root)
        XCTAssertNil(world.state.authenticate(token: login.token, now: world.now))
        XCTAssertNotNil(try? world.login("user1").outcome.get())
    }

    func test_deletedUser_madeAgain_doesNotInheritOldSessions() throws {
        var world = World()
        try world.create("user1", AccessFixtures.airline125, .input)
        guard case .success(let login) = try world.login("user1").outcome else { return XCTFail("login failed") }
        // Replay without the session tombstones the deletion writes: the
        // user's identity alone must end the session.
        let deletion = try world.state.deleteUser("user1", by: world.root, context: AccessFixtures.context())
        world.apply(deletion.records.filter { if case .sessionEnded = $0 { return false }; return true })
        try world.create("user1", AccessFixtures.airline125, .admin)
        XCTAssertNil(world.state.authenticate(token: login.token, now: world.now))
    }

    func test_roleChange_countsFromTheNextRequest() throws {
        var world = World()
        try world.create("user1", AccessFixtures.airline125, .viewer)
        guard case .success(let login) = try world.login("user1").outcome else { return XCTFail("login failed") }
        XCTAssertEqual(world.state.authenticate(token: login.token, now: world.now)?.principal.role, .viewer)
        _ = try world.patch("user1", UserPatch(role: "input"), by: world.root)
        XCTAssertEqual(world.state.authenticate(token: login.token, now: world.now)?.principal.role, .input)
    }

    func test_bootstrap_makesTheCassAdminOnce() throws {
        var world = World(bootstrap: false)
        let first = try world.state.bootstrap(admin: "root", password: World.password, hasher: world.hasher, random: &world.random,
                                              context: AccessFixtures.context())
        world.apply(first.records)
        XCTAssertEqual(world.state.user("root")?.role, .admin)
        XCTAssertEqual(world.state.user("root")?.company, .cass)
        let again = try world.state.bootstrap(admin: "other", password: "different password", hasher: world.hasher, random: &world.random,
                                              context: AccessFixtures.context())
        XCTAssertEqual(again.records, [], "later starts ignore --admin")
        var empty = World(bootstrap: false)
        assertError(422) { _ = try empty.state.bootstrap(admin: "root", password: "short", hasher: empty.hasher, random: &empty.random, context: AccessFixtures.context()) }
    }

    func test_requestBodies_wrongTypesAndUnknownFieldsAre422_nonObjectIs400() {
        XCTAssertEqual(try? NewUser.decode(json: Array(#"{"username":"abc","role":"viewer","password":"x","operations":["GB"]}"#.utf8)),
                       NewUser(username: "abc", role: "viewer", operations: ["GB"], password: "x"))
        assertError(400) { _ = try NewUser.decode(json: Array("[1]".utf8)) }
        assertError(400) { _ = try NewUser.decode(json: Array("{".utf8)) }
        XCTAssertEqual(fields { _ = try NewUser.decode(json: Array(#"{"username":5,"disabled":"no","passwordHash":"x","operations":"GB"}"#.utf8)) },
                       ["passwordHash", "username", "operations", "disabled"])
        XCTAssertEqual(fields { _ = try UserPatch.decode(json: Array(#"{"username":"rename","disabled":1}"#.utf8)) }, ["username", "disabled"])
        XCTAssertEqual(fields { _ = try UserPatch.decode(json: Array(#"{"email":null}"#.utf8)) }, ["email"])
        XCTAssertEqual(fields { _ = try LoginRequest.decode(json: Array(#"{"username":"a"}"#.utf8)) }, ["password"])
    }
}
