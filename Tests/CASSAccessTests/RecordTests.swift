import CASSAccess
import XCTest

final class RecordTests: XCTestCase {
    /// A history with every kind of record: users made, changed and
    /// deleted, sessions started and ended, failures, audit entries.
    private func history() throws -> (records: [AccessRecord], world: World) {
        var world = World()
        var records: [AccessRecord] = []
        func keep(_ change: [AccessRecord]) { records += change }
        keep(try world.state.bootstrap(admin: "root", password: World.password, hasher: world.hasher, random: &world.random,
                                       context: AccessFixtures.context()).records)
        var replay = World(bootstrap: false)
        replay.apply(records)
        world = replay
        func create(_ name: String, _ company: CompanyID, _ role: Role) throws {
            let change = try world.state.createUser(NewUser(username: name, company: company.description, role: role.rawValue, password: World.password),
                                                    by: world.root, directory: AccessFixtures.directory, hasher: world.hasher,
                                                    random: &world.random, context: AccessFixtures.context())
            world.apply(change.records)
            keep(change.records)
        }
        try create("ba.admin", AccessFixtures.airline125, .admin)
        try create("ba.input", AccessFixtures.airline125, .input)
        try create("gone.soon", AccessFixtures.agentGB, .viewer)
        let login = try world.login("ba.input")
        keep(login.records)
        let failed = try world.login("ba.admin", "wrong password")
        keep(failed.records)
        let patch = try world.patch("ba.input", UserPatch(disabled: true), by: world.root)
        keep(patch.records)
        let deletion = try world.state.deleteUser("gone.soon", by: world.root, context: AccessFixtures.context())
        world.apply(deletion.records)
        keep(deletion.records)
        return (records, world)
    }

    func test_everyRecord_roundTripsThroughItsTopicEncoding() throws {
        let (records, _) = try history()
        XCTAssertEqual(Set(records.map(\.topic)), Set(AccessTopic.allCases))
        for record in records {
            let decoded = try AccessRecord.decode(topic: record.topic, key: record.key, value: record.value)
            XCTAssertEqual(decoded, record)
            // Same record, same bytes (sorted keys): replays compare equal.
            XCTAssertEqual(decoded.value, record.value)
        }
    }

    func test_deletions_areEmptyValues_tombstonesForCompaction() {
        XCTAssertEqual(AccessRecord.userDeleted(username: "someone").value, [])
        XCTAssertEqual(AccessRecord.sessionEnded(tokenHash: "ab").value, [])
        XCTAssertEqual(try AccessRecord.decode(topic: .users, key: "someone", value: []), .userDeleted(username: "someone"))
        XCTAssertTrue(AccessTopic.users.compacted)
        XCTAssertTrue(AccessTopic.sessions.compacted)
        XCTAssertFalse(AccessTopic.loginFailures.compacted)
        XCTAssertFalse(AccessTopic.audit.compacted)
    }

    func test_undecodableRecord_isAnErrorNamingTopicAndKey() {
        XCTAssertThrowsError(try AccessRecord.decode(topic: .users, key: "ann", value: Array("{}".utf8))) { error in
            XCTAssertTrue("\(error)".hasPrefix("topic cass.users, key ann:"), "\(error)")
        }
        let mismatched = AccessRecord.userPut(UserRecord(
            username: "bob", company: .cass, role: .admin, name: "", email: "", language: "en", operations: .all, disabled: false,
            userID: "1", passwordHash: nil, createdAt: AccessFixtures.t0, updatedAt: AccessFixtures.t0))
        XCTAssertThrowsError(try AccessRecord.decode(topic: .users, key: "ann", value: mismatched.value))
    }

    func test_userRecordJSON_namesItsFields() throws {
        let (_, world) = try history()
        let value = String(decoding: AccessRecord.userPut(world.state.user("ba.admin")!).value, as: UTF8.self)
        for field in ["\"username\":\"ba.admin\"", "\"company\":\"airline-125\"", "\"role\":\"admin\"", "\"operations\":[\"*\"]",
                      "\"passwordHash\":\"pbkdf2-sha256$200$", "\"createdAt\":\"2026-11-02T09:00:00.000Z\""] {
            XCTAssertTrue(value.contains(field), "\(field) in \(value)")
        }
    }

    /// Two processes replaying the same topics agree, whatever order the
    /// topics interleave in (each topic's own order is the log's).
    func test_replayingTheTopics_inAnyInterleaving_givesTheSameState() throws {
        let (records, _) = try history()
        let byTopic = Dictionary(grouping: records, by: \.topic)
        func answers(_ state: AccessState) -> String {
            let now = AccessFixtures.t0.adding(minutes: 1)
            var lines: [String] = []
            for name in state.users.keys.sorted() { lines.append(String(decoding: AccessRecord.userPut(state.users[name]!).value, as: UTF8.self)) }
            for name in ["ba.admin", "ba.input", "gone.soon", "root"] {
                lines.append("\(name) sessions \(state.liveSessions(of: name, now: now).map(\.tokenHash)) locked \(String(describing: state.lockedUntil(username: name, now: now)))")
                lines.append("failures \(state.lockout(of: name).recent)")
            }
            return lines.joined(separator: "\n")
        }
        var inOrder = AccessState()
        for record in records { inOrder.apply(record) }
        let expected = answers(inOrder)
        var generator = SeededRandom(seed: 7)
        for _ in 0..<50 {
            var queues = AccessTopic.allCases.map { byTopic[$0] ?? [] }
            var state = AccessState()
            while queues.contains(where: { !$0.isEmpty }) {
                let nonEmpty = queues.indices.filter { !queues[$0].isEmpty }
                let pick = nonEmpty[Int(try generator.bytes(1)[0]) % nonEmpty.count]
                state.apply(queues[pick].removeFirst())
            }
            XCTAssertEqual(answers(state), expected)
        }
    }

    func test_sessionStarted_beforeItsUserIsReplayed_isValidOnceTheUserArrives() throws {
        var world = World()
        try world.create("user1", AccessFixtures.airline125, .input)
        let result = try world.login("user1")
        guard let login = try? result.outcome.get() else { return XCTFail() }
        var state = AccessState()
        for record in result.records { state.apply(record) }
        XCTAssertNil(state.authenticate(token: login.token, now: world.now))
        state.apply(.userPut(world.state.user("user1")!))
        XCTAssertNotNil(state.authenticate(token: login.token, now: world.now))
    }
}

final class InstantTests: XCTestCase {
    func test_rfc3339_roundTripsWithMilliseconds() {
        let instant = Instant(millisecondsSince1970: 1_793_615_730_123)
        XCTAssertEqual(instant.description, "2026-11-02T10:35:30.123Z")
        XCTAssertEqual(Instant(rfc3339: instant.description), instant)
        XCTAssertEqual(Instant(rfc3339: "2026-11-02T10:35:30Z"), Instant(millisecondsSince1970: 1_793_615_730_000))
        XCTAssertEqual(Instant(rfc3339: "2026-11-02T11:35:30.1+01:00"), Instant(millisecondsSince1970: 1_793_615_730_100))
        XCTAssertEqual(Instant(rfc3339: "2026-11-02T10:35:30.123456Z"), instant)
        XCTAssertEqual(Instant(millisecondsSince1970: 0).description, "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(Instant(millisecondsSince1970: -1).description, "1969-12-31T23:59:59.999Z")
        for bad in ["", "2026-11-02", "2026-11-02T25:00:00Z", "2026-13-02T10:00:00Z", "2026-11-02T10:35:30", "2026-11-02T10:35:30.Z",
                    "2026-11-02T10:35:30Zjunk"] {
            XCTAssertNil(Instant(rfc3339: bad), bad)
        }
    }
}

final class AuditTrailTests: XCTestCase {
    private func entry(_ index: Int) -> AuditEntry {
        AuditEntry(at: AccessFixtures.t0.adding(milliseconds: Int64(index)), actor: "root", actorCompany: "cass", action: index % 2 == 0 ? "user.created" : "session.started",
                   target: "user:u\(index)", detail: "", from: "cli")
    }

    func test_pages_followTheCursor_toTheEnd() {
        var trail = AuditTrail(capacity: 1000)
        for index in 0..<25 { trail.append(entry(index)) }
        var cursor: Int?
        var seen: [AuditEntry] = []
        repeat {
            let page = trail.page(after: cursor, limit: 10)
            seen += page.items
            cursor = page.next
        } while cursor != nil
        XCTAssertEqual(seen, (0..<25).map(entry))
        let created = trail.page(after: nil, limit: 100) { $0.action == "user.created" }
        XCTAssertEqual(created.items.count, 13)
        XCTAssertNil(created.next)
    }

    func test_capacity_keepsTheNewest_cursorsStayValid() {
        var trail = AuditTrail(capacity: 8)
        for index in 0..<100 { trail.append(entry(index)) }
        XCTAssertLessThanOrEqual(trail.entries.count, 10)
        XCTAssertEqual(trail.entries.last, entry(99))
        let page = trail.page(after: 95, limit: 10)
        XCTAssertEqual(page.items, [entry(96), entry(97), entry(98), entry(99)])
        XCTAssertNil(page.next)
    }
}
