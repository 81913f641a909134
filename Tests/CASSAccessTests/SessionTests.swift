import CASSAccess
import CASSCrypto
import XCTest

final class SessionTests: XCTestCase {
    private func token(_ result: LoginResult) -> LoginToken? { try? result.outcome.get() }

    private func status(_ result: LoginResult) -> Int? {
        if case .failure(let error) = result.outcome { return error.status }
        return nil
    }

    func test_login_givesA32ByteToken_validEightHours() throws {
        var world = World()
        let result = try world.login("root")
        guard let login = token(result) else { return XCTFail("login failed") }
        XCTAssertEqual(login.token.utf8.count, 43)
        XCTAssertEqual(Base64URL.decode(login.token)?.count, 32)
        XCTAssertEqual(login.expiresAt, AccessFixtures.t0.adding(hours: 8))
        XCTAssertEqual(world.state.authenticate(token: login.token, now: AccessFixtures.t0.adding(minutes: 479))?.principal.username, "root")
        XCTAssertNil(world.state.authenticate(token: login.token, now: AccessFixtures.t0.adding(hours: 8)))
    }

    func test_tokenStoredOnlyAsItsSHA256() throws {
        var world = World()
        let result = try world.login("root")
        guard let login = token(result) else { return XCTFail("login failed") }
        let expectedHash = Hex.encode(SHA256.hash(Base64URL.decode(login.token)!))
        for record in result.records {
            XCTAssertFalse(String(decoding: record.value, as: UTF8.self).contains(login.token))
            XCTAssertNotEqual(record.key, login.token)
        }
        guard case .sessionStarted(let session)? = result.records.first else { return XCTFail("no session record") }
        XCTAssertEqual(session.tokenHash, expectedHash)
        XCTAssertEqual(result.records.first?.key, expectedHash)
    }

    func test_wrongUsernameAndWrongPassword_getTheSame401() throws {
        var world = World()
        let unknown = try world.login("nobody", World.password)
        let wrong = try world.login("root", "not the password")
        XCTAssertEqual(unknown.outcome, wrong.outcome)
        XCTAssertEqual(status(unknown), 401)
        XCTAssertEqual(AccessError.unauthorized.description, "invalid credentials")
    }

    /// Not a timed test: the unknown user's login runs a full derivation
    /// against the dummy hash, with production-strength parameters.
    func test_unknownUser_isVerifiedAgainstTheDummyHash() throws {
        var world = World()
        _ = try world.login("nobody", World.password)
        XCTAssertEqual(world.hasher.verified.last, world.hasher.dummyHash)
        XCTAssertEqual(world.hasher.dummyHash.iterations, world.hasher.iterations)
        XCTAssertEqual(PBKDF2Passwords.production.dummyHash.iterations, 600_000)
        _ = try world.login("root", "wrong password!")
        XCTAssertEqual(world.hasher.verified.last, world.state.user("root")?.passwordHash)
        XCTAssertEqual(world.hasher.verified.count, 2, "exactly one derivation per login")
    }

    func test_migratedUserWithoutPassword_cannotLogIn_andIsCheckedAgainstTheDummy() throws {
        var world = World()
        let csv = "username,company,name,email,admin,rights,last_login\nmig.user,airline-125,M,m@x.org,no,1,2026-10-01\n"
        let plan = try LegacyImport.plan(csv: Array(csv.utf8), file: "u.csv", activeSince: .init(year: 2026, month: 1, day: 1)!, state: world.state,
                                         directory: AccessFixtures.directory, random: &world.random, context: AccessFixtures.context())
        world.apply(plan.records)
        let result = try world.login("mig.user", "")
        XCTAssertEqual(status(result), 401)
        XCTAssertEqual(world.hasher.verified.last, world.hasher.dummyHash)
    }

    func test_disabledUser_cannotLogIn() throws {
        var world = World()
        try world.create("user1", AccessFixtures.airline125, .input)
        _ = try world.patch("user1", UserPatch(disabled: true), by: world.root)
        XCTAssertEqual(status(try world.login("user1")), 401)
    }

    func test_lockout_fiveFailuresWithin15Minutes_refuse429For15Minutes() throws {
        var world = World()
        let start = AccessFixtures.t0
        for minute in 0..<4 {
            XCTAssertEqual(status(try world.login("root", "wrong password", at: start.adding(minutes: Int64(minute * 3)))), 401)
        }
        XCTAssertNotNil(token(try world.login("root", at: start.adding(minutes: 10))), "4 failures: not locked")
        let fifth = start.adding(minutes: 14)
        XCTAssertEqual(status(try world.login("root", "wrong password", at: fifth)), 401)
        // Locked: even the right password is refused, and nothing is checked or recorded.
        let verifications = world.hasher.verified.count
        let locked = try world.login("root", at: fifth.adding(minutes: 1))
        XCTAssertEqual(status(locked), 429)
        XCTAssertEqual(locked.records, [])
        XCTAssertEqual(world.hasher.verified.count, verifications)
        XCTAssertEqual(status(try world.login("root", at: fifth.adding(milliseconds: 15 * 60_000 - 1))), 429)
        XCTAssertNotNil(token(try world.login("root", at: fifth.adding(minutes: 15))), "the lock lasts 15 minutes")
    }

    func test_lockout_failuresSpreadOverMoreThan15Minutes_doNotLock() throws {
        var world = World()
        for index in 0..<10 {
            XCTAssertEqual(status(try world.login("root", "wrong password", at: AccessFixtures.t0.adding(minutes: Int64(index * 4)))), 401)
        }
        XCTAssertNotNil(token(try world.login("root", at: AccessFixtures.t0.adding(minutes: 37))))
    }

    func test_lockout_appliesToUnknownUsernamesToo_soItRevealsNothing() throws {
        var world = World()
        for _ in 0..<5 { _ = try world.login("nobody", "guess guess guess") }
        XCTAssertEqual(status(try world.login("nobody", "guess guess guess")), 429)
        // A name no user can have is never recorded (a failure record stays small).
        let long = String(repeating: "x", count: 10_000)
        for _ in 0..<6 { XCTAssertEqual(status(try world.login(long, "guess")), 401) }
    }

    func test_lockoutWindow_ignoresFailuresRecordedWhileLocked() {
        var window = LockoutWindow()
        for minute in 0..<5 { window.record(failureAt: AccessFixtures.t0.adding(minutes: Int64(minute))) }
        let until = AccessFixtures.t0.adding(minutes: 19)
        XCTAssertEqual(window.lockedUntil, until)
        // Another process recorded one before it saw the lock: no extension.
        window.record(failureAt: AccessFixtures.t0.adding(minutes: 10))
        XCTAssertEqual(window.lockedUntil, until)
        window.record(failureAt: until)
        XCTAssertFalse(window.isLocked(at: until))
        XCTAssertEqual(window.recent, [until])
    }

    func test_logout_endsTheSession() throws {
        var world = World()
        guard let login = token(try world.login("root")) else { return XCTFail("login failed") }
        let caller = try XCTUnwrap(world.state.authenticate(token: login.token, now: world.now))
        world.apply(world.state.logout(caller, context: AccessFixtures.context()).records)
        XCTAssertNil(world.state.authenticate(token: login.token, now: world.now))
    }

    func test_forgedOrMalformedTokens_areRefused() throws {
        var world = World()
        guard let login = token(try world.login("root")) else { return XCTFail("login failed") }
        var forged = Array(login.token)
        forged[5] = forged[5] == "A" ? "B" : "A"
        for bad in [String(forged), "", "x", login.token + "A", login.token + "=", String(login.token.dropLast()),
                    login.token.uppercased(), Hex.encode(Base64URL.decode(login.token)!)] where bad != login.token {
            XCTAssertNil(world.state.authenticate(token: bad, now: world.now), bad)
        }
    }

    func test_sessionsPerUser_atMost50_theOldestEnds() throws {
        var world = World()
        var tokens: [String] = []
        for index in 0..<(Session.perUserMax + 1) {
            guard let login = token(try world.login("root", at: AccessFixtures.t0.adding(milliseconds: Int64(index)))) else { return XCTFail() }
            tokens.append(login.token)
        }
        XCTAssertEqual(world.state.liveSessions(of: "root", now: AccessFixtures.t0.adding(minutes: 1)).count, Session.perUserMax)
        XCTAssertNil(world.state.authenticate(token: tokens[0], now: AccessFixtures.t0.adding(minutes: 1)))
        XCTAssertNotNil(world.state.authenticate(token: tokens[1], now: AccessFixtures.t0.adding(minutes: 1)))
    }

    func test_dropStale_changesNoAnswer() throws {
        var world = World()
        guard let old = token(try world.login("root")) else { return XCTFail() }
        let later = AccessFixtures.t0.adding(hours: 7)
        guard let fresh = token(try world.login("root", at: later)) else { return XCTFail() }
        for _ in 0..<5 { _ = try world.login("someone", "wrong password", at: AccessFixtures.t0) }
        let check = AccessFixtures.t0.adding(hours: 9)
        XCTAssertEqual(world.state.expiredSessions(now: check).count, 1)
        var pruned = world.state
        pruned.dropStale(now: check)
        for state in [world.state, pruned] {
            XCTAssertNil(state.authenticate(token: old.token, now: check))
            XCTAssertNotNil(state.authenticate(token: fresh.token, now: check))
            XCTAssertNil(state.lockedUntil(username: "someone", now: check))
        }
        XCTAssertEqual(pruned.expiredSessions(now: check), [])
    }
}

final class PasswordTests: XCTestCase {
    func test_passwordsStoredAsPBKDF2SHA256_600000Iterations_16ByteSalt() throws {
        XCTAssertEqual(PBKDF2Passwords.production.iterations, 600_000)
        var random = SeededRandom()
        let hasher = PBKDF2Passwords(iterations: 2)
        let hash = try hasher.hash("correct horse battery", random: &random)
        XCTAssertEqual(hash.salt.count, 16)
        XCTAssertEqual(hash.digest.count, 32)
        // PBKDF2-HMAC-SHA256, as CASSCrypto derives it.
        XCTAssertEqual(hash.digest, try PBKDF2.deriveKey(password: "correct horse battery", salt: hash.salt, iterations: 2))
        XCTAssertTrue(hash.description.hasPrefix("pbkdf2-sha256$2$"))
        XCTAssertEqual(PasswordHash(encoded: hash.description), hash)
    }

    func test_verify_acceptsOnlyThePassword() throws {
        var random = SeededRandom()
        let hasher = PBKDF2Passwords(iterations: 10)
        let hash = try hasher.hash("correct horse battery", random: &random)
        XCTAssertTrue(hasher.verify("correct horse battery", against: hash))
        XCTAssertFalse(hasher.verify("correct horse batterY", against: hash))
        XCTAssertFalse(hasher.verify("", against: hash))
        // The stored count is used, so raising it later keeps old hashes valid.
        XCTAssertTrue(PBKDF2Passwords(iterations: 99).verify("correct horse battery", against: hash))
        XCTAssertFalse(hasher.verify("correct horse battery", against: hasher.dummyHash))
    }

    func test_eachHash_hasItsOwnSalt() throws {
        var random = SeededRandom()
        let hasher = PBKDF2Passwords(iterations: 2)
        let first = try hasher.hash("same password here", random: &random)
        let second = try hasher.hash("same password here", random: &random)
        XCTAssertNotEqual(first.salt, second.salt)
        XCTAssertNotEqual(first.digest, second.digest)
    }

    func test_storedHashText_strictlyParsed() {
        for bad in ["", "pbkdf2-sha256$0$AAAAAAAAAAAAAAAAAAAAAA$" + String(repeating: "A", count: 43),
                    "pbkdf2-sha1$1000$AAAAAAAAAAAAAAAAAAAAAA$" + String(repeating: "A", count: 43),
                    "pbkdf2-sha256$1000$AAAA$" + String(repeating: "A", count: 43),
                    "pbkdf2-sha256$99999999$AAAAAAAAAAAAAAAAAAAAAA$" + String(repeating: "A", count: 43)] {
            XCTAssertNil(PasswordHash(encoded: bad), bad)
        }
        XCTAssertNotNil(PasswordHash(encoded: "pbkdf2-sha256$600000$AAAAAAAAAAAAAAAAAAAAAA$" + String(repeating: "A", count: 43)))
    }
}
