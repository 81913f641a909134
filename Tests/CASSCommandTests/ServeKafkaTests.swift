import CASSDomain
import CASSEngine
import CASSWorkers
import Foundation
import XCTest

/// The API suite of the embedded default, again on the test broker with
/// two `cass serve` processes (issue 11: "the same API suite against the
/// embedded default and against the test broker with two `cass serve`
/// processes"). One scenario, `APIScenario`, the acceptance one of
/// FileActionRoutesTests: users made, every sample uploaded in processing
/// order (some by their airline, some by the operator, one by the wrong
/// airline), one validated before it is sent, one withdrawn (and the 409
/// cases), the periods closed, the three report CSVs compared with
/// `FolderSettlement` on the samples without the withdrawn file. It runs on
/// one embedded `cass serve`, then on two Kafka ones with the requests
/// spread over both; both runs must give the same answers.
final class ServeKafkaTests: XCTestCase {
    var brokers: String {
        get throws {
            if let brokers = ProcessInfo.processInfo.environment["CASS_BROKERS"], !brokers.isEmpty { return brokers }
            if ProcessInfo.processInfo.environment["CI"] != nil {
                XCTFail("CASS_BROKERS is not set in CI: scripts/test starts the test broker")
            }
            throw XCTSkip("NO BROKER: CASS_BROKERS is unset; run `eval \"$(scripts/test-broker env)\"` after `scripts/test-broker start`")
        }
    }

    static let reference = CommandRunner.repo.appendingPathComponent("samples/reference")

    /// Two serve processes on a fresh namespace of the cluster; `body` gets
    /// their ports; both are stopped and the namespace's topics deleted after.
    func withTwoKafkaServes(_ name: String, _ body: (_ ports: [UInt16], _ environment: [String: String], _ brokers: String) throws -> Void) throws {
        let brokers = try brokers
        let namespace = "\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))."
        let environment = ["CASS_NAMESPACE": namespace, "CASS_KAFKA_SESSION_TIMEOUT_MS": "6000", "CASS_KAFKA_HEARTBEAT_INTERVAL_MS": "1000"]
        let temporary = FileManager.default.temporaryDirectory
        let dataA = temporary.appendingPathComponent("cass-serve-a-\(UUID().uuidString)")
        let dataB = temporary.appendingPathComponent("cass-serve-b-\(UUID().uuidString)")
        let portA = try ServeProcess.freePort(), portB = try ServeProcess.freePort(), metricsA = try ServeProcess.freePort()
        let a = try ServeProcess.start(data: dataA, port: portA, extra: ["--brokers", brokers, "--reference", Self.reference.path, "--admin", "root",
                                                                        "--metrics-port", String(metricsA)],
                                       environment: environment)
        var b: ServeProcess?
        defer {
            for server in [a, b].compactMap({ $0 }) { Self.stop(server) }
            for folder in [dataA, dataB] { try? FileManager.default.removeItem(at: folder) }
            _ = try? CommandRunner.run(["topics", "delete", "--yes", "--brokers", brokers], environment: ["CASS_NAMESPACE": namespace])
        }
        try a.waitHealthy(seconds: 180)
        let second = try ServeProcess.start(data: dataB, port: portB, extra: ["--brokers", brokers], environment: environment)
        b = second
        try second.waitHealthy(seconds: 180)
        do {
            try body([portA, portB], environment, brokers)
        } catch {
            // A stall seen once in CI (a period closed on the cluster but not
            // read as closed on one process within 180 s) could not be
            // reproduced here: the next one is read from these.
            for server in [a, second] { print(Self.diagnosis(server)) }
            throw error
        }
        // The metrics of a serve on Kafka: its views' lag asks the cluster
        // for every partition's end, and comes to 0 once they caught up.
        let metrics = try APIScenario.eventually("serve's views caught up on Kafka, in its metrics") { () -> String? in
            let text = try ServeProcess.request(port: metricsA, "GET", "/metrics").body
            let lags = text.split(separator: "\n").filter { $0.hasPrefix("cass_serve_view_lag_offsets{") }
            return !lags.isEmpty && lags.allSatisfy({ $0.hasSuffix(" 0") }) ? text : nil
        }
        XCTAssertTrue(metrics.split(separator: "\n").contains { $0.hasPrefix("cass_serve_view_lag_offsets{topic=\"\(namespace)") && $0.hasSuffix("cass.invoices\"} 0") },
                      metrics)
        XCTAssertTrue(metrics.contains("cass_serve_http_requests_total{method=\"POST\",route=\"/api/v1/sessions\",status=\"201\"}"), metrics)
    }

    /// A process's log and what it shows of every operation's periods.
    static func diagnosis(_ server: ServeProcess) -> String {
        var text = "cass serve on :\(server.port), \(server.process.isRunning ? "running" : "exited"); its log's end:\n"
        text += ((try? server.stderr()) ?? "(no log)").suffix(8000)
        guard let token = try? ServeProcess.login(port: server.port, "root", ServeProcess.adminPassword),
              let operations = try? APIScenario.items(server.port, token, "/api/v1/operations") else { return text + "\n(no answer)" }
        for country in operations.compactMap({ $0["country"] as? String }) {
            let periods = (try? APIScenario.items(server.port, token, "/api/v1/operations/\(country)/periods?limit=1000")) ?? []
            text += "\n\(country): " + periods.map { "\($0["period"] ?? "?") \($0["status"] ?? "?")" }.joined(separator: ", ")
        }
        return text
    }

    /// SIGTERM, then at most 40 s for the process to end: a serve that
    /// hangs while stopping (seen once in Kafka mode: "stopping" and no
    /// "stopped", its consumers leaving their groups at max.poll.interval.ms)
    /// fails the test instead of hanging the suite, and is killed.
    static func stop(_ server: ServeProcess, file: StaticString = #filePath, line: UInt = #line) {
        guard server.process.isRunning else { return }
        kill(server.process.processIdentifier, SIGTERM)
        // Shorter than serve's own 45 s deadline: a stuck process is caught
        // while it is stuck, and gdb shows where.
        let deadline = Date().addingTimeInterval(40)
        while server.process.isRunning && Date() < deadline { usleep(50_000) }
        if server.process.isRunning {
            XCTFail("cass serve did not stop within 40 s of SIGTERM: \((try? server.stderr())?.suffix(2000) ?? "")\n\(backtraces(server.process.processIdentifier))",
                    file: file, line: line)
            kill(server.process.processIdentifier, SIGKILL)
        }
        server.process.waitUntilExit()
        // Exit 3: serve's own deadline ended a stop stuck somewhere (its
        // message names the part); a defect to find, not a way to pass.
        if server.process.terminationStatus != 0 {
            // A crash report starts with "*** Program crashed": show it from
            // there (the registers at its end say little).
            let text = (try? server.stderr()) ?? ""
            let crash = text.range(of: "*** Program crashed").map { String(text[$0.lowerBound...].prefix(6000)) } ?? String(text.suffix(3000))
            XCTFail("cass serve's exit after SIGTERM: \(server.process.terminationStatus) (\(server.process.terminationReason == .uncaughtSignal ? "signal" : "exit code")): \(crash)",
                    file: file, line: line)
        }
    }

    /// Every thread's stack of a stuck process, when gdb is there: what
    /// the next occurrence of a hang needs to be understood.
    static func backtraces(_ pid: Int32) -> String {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/gdb") else { return "(no gdb for backtraces)" }
        let gdb = Process()
        gdb.executableURL = URL(fileURLWithPath: "/usr/bin/gdb")
        gdb.arguments = ["-p", String(pid), "-batch", "-ex", "thread apply all bt 15"]
        let pipe = Pipe()
        gdb.standardOutput = pipe
        gdb.standardError = pipe
        guard (try? gdb.run()) != nil else { return "(gdb did not start)" }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        gdb.waitUntilExit()
        return "backtraces:\n" + text.split(separator: "\n").filter { $0.hasPrefix("Thread") || $0.hasPrefix("#") }.joined(separator: "\n").suffix(12_000)
    }

    func testTheEmbeddedAPIScenarioGivesTheSameAnswersOnTwoServeProcessesOnKafka() throws {
        _ = try brokers
        // The embedded default: one process, its own log.
        let data = try CommandRunner.temporaryFolder(self, "serve-embedded")
        let port = try ServeProcess.freePort()
        let embeddedServe = try ServeProcess.start(data: data.appendingPathComponent("data"), port: port,
                                                   extra: ["--reference", Self.reference.path, "--admin", "root"])
        let embedded: APIScenario.Outcome
        do {
            defer { Self.stop(embeddedServe) }
            try embeddedServe.waitHealthy()
            embedded = try APIScenario.run(ports: [port])
        }

        try withTwoKafkaServes("serve") { ports, _, _ in
            let kafka = try APIScenario.run(ports: ports)
            XCTAssertEqual(kafka.reports, embedded.reports, "the three report CSVs")
            XCTAssertEqual(kafka.statuses, embedded.statuses, "every file's status")
            XCTAssertEqual(kafka.rejections, embedded.rejections, "every file's rejections")
            XCTAssertEqual(kafka.dryRun, embedded.dryRun, "the dry run")
            XCTAssertEqual(kafka.invoices, embedded.invoices, "the invoices (number, agent, amounts, status)")
            // Both processes list the invoices alike, byte for byte.
            let token = try ServeProcess.login(port: ports[0], "root", ServeProcess.adminPassword)
            XCTAssertEqual(try ServeProcess.request(port: ports[0], "GET", "/api/v1/invoices?limit=1000", token: token).body,
                           try ServeProcess.request(port: ports[1], "GET", "/api/v1/invoices?limit=1000", token: token).body)
        }
    }

    /// `cass users import` in Kafka mode (UsersImportCommandTests is the
    /// embedded one): run while both processes serve, the migrated users
    /// appear on both, a token activates on one and the login works on the
    /// other; a second run makes nobody twice.
    func testUsersImportOnKafkaWhileTwoServeProcessesRun() throws {
        let folder = try CommandRunner.temporaryFolder(self, "users-import-kafka")
        let legacy = folder.appendingPathComponent("legacy.csv"), activations = folder.appendingPathComponent("activation.csv")
        try UsersImportCommandTests.legacy.write(to: legacy, atomically: true, encoding: .utf8)
        try withTwoKafkaServes("usersimport") { ports, environment, brokers in
            let arguments = ["users", "import", legacy.path, "--active-since", "2026-06-01", "--data", folder.appendingPathComponent("cache").path,
                             "--activations", activations.path, "--brokers", brokers]
            let first = try CommandRunner.run(arguments, environment: environment, timeoutSeconds: 180)
            XCTAssertEqual(first.status, 0, first.stderr)
            XCTAssertEqual(first.stdout, """
                \(UsersImportCommandTests.agent): 5 migrated, 2 skipped, 3 promoted
                airline-125: 2 migrated, 1 skipped, 0 promoted
                total: 7 migrated, 3 skipped, 3 promoted

                """)
            let rows = try String(contentsOf: activations, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
            XCTAssertEqual(rows.dropFirst().map { $0[0] }, ["ba.admin", "ba.clerk", "alice", "bob", "dave", "carol", "erin"])
            let carolToken = try XCTUnwrap(rows.first { $0.first == "carol" }?.last)

            // Both processes see the migrated users (each consumes the topic).
            let root = try APIScenario.eventually("root's session on both") { () -> String? in
                let token = try ServeProcess.login(port: ports[0], "root", ServeProcess.adminPassword)
                return try ServeProcess.request(port: ports[1], "GET", "/api/v1/users/me", token: token).status == 200 ? token : nil
            }
            for port in ports {
                let roles = ["ba.admin": "admin", "ba.clerk": "viewer", "alice": "admin", "carol": "admin", "dave": "admin", "bob": "viewer", "erin": "viewer"]
                for (username, role) in roles {
                    let user = try APIScenario.eventually("\(username) on :\(port)") { () -> ServeProcess.Answer? in
                        let answer = try ServeProcess.request(port: port, "GET", "/api/v1/users/\(username)", token: root)
                        return answer.status == 200 ? answer : nil
                    }
                    XCTAssertEqual(try APIScenario.object(user.body)["role"] as? String, role, "\(username) on :\(port)")
                }
                for absent in ["ba.gone", "frank", "grace"] {
                    XCTAssertEqual(try ServeProcess.request(port: port, "GET", "/api/v1/users/\(absent)", token: root).status, 404, absent)
                }
            }
            // Activated on B, logged in on A; the token is spent on both.
            let activation = "{\"token\":\"\(carolToken)\",\"password\":\"carol's long new password\"}"
            XCTAssertEqual(try ServeProcess.request(port: ports[1], "POST", "/api/v1/activations", json: activation).status, 204)
            let carol = try APIScenario.eventually("carol's login on A") {
                try? ServeProcess.login(port: ports[0], "carol", "carol's long new password")
            }
            XCTAssertEqual(try APIScenario.object(try ServeProcess.request(port: ports[0], "GET", "/api/v1/users/me", token: carol).body)["name"] as? String,
                           "Carol, Jr.")
            XCTAssertEqual(try ServeProcess.request(port: ports[0], "POST", "/api/v1/activations", json: activation).status, 404,
                           "a token sets the password once, on either process")

            // Again: nobody made twice, even with the services up.
            let second = try CommandRunner.run(arguments, environment: environment, timeoutSeconds: 180)
            XCTAssertEqual(second.status, 0, second.stderr)
            XCTAssertTrue(second.stdout.hasSuffix("total: 0 migrated, 3 skipped, 0 promoted, 7 already present\n"), second.stdout)
            XCTAssertEqual(try ServeProcess.request(port: ports[1], "GET", "/api/v1/users?limit=1000", token: root).status, 200)
        }
    }
}

/// The acceptance scenario over HTTP, against one or more `cass serve`
/// processes of one service: request i goes to `ports[i % ports.count]`
/// where it does not matter, and each check of state is made on a process
/// other than the one that changed it, once it has seen the change.
enum APIScenario {
    static let password = "correct horse battery"
    /// The last GB file: no later file of its operation refers to it.
    static let withdrawnName = "125_GB_20270104_000012.cbf"
    static let validatedName = "131_JP_20261101_900101_showcase-R07-R09-R12-with-correction-and-memos.cbf"
    static let rejectedName = "125_GB_20261102_900005_F05-format-version-02.cbf"

    struct Outcome: Equatable {
        var reports: [String: String] = [:]
        var statuses: [String: String] = [:]
        var rejections: [String: [String]] = [:]
        var dryRun: [String] = []
        var invoices: [String] = []
    }

    static func run(ports: [UInt16]) throws -> Outcome {
        let first = ports[0], last = ports[ports.count - 1]
        var outcome = Outcome()
        let root = try ServeProcess.login(port: first, "root", ServeProcess.adminPassword)
        _ = try eventually("root's session on :\(last)") { try ServeProcess.request(port: last, "GET", "/api/v1/users/me", token: root).status == 200 ? true : nil }
        for (username, company) in [("ba.input", "airline-125"), ("jl.input", "airline-131")] {
            let created = try ServeProcess.request(port: first, "POST", "/api/v1/users", token: root, json: """
                {"username":"\(username)","company":"\(company)","role":"input","name":"\(username)","email":"\(username)@example.com","language":"en","password":"\(password)"}
                """)
            XCTAssertEqual(created.status, 201, created.body)
        }
        // Users made on the first process log in on the last.
        let ba = try eventually("ba.input's login on :\(last)") { try? ServeProcess.login(port: last, "ba.input", password) }
        let jl = try eventually("jl.input's login on :\(last)") { try? ServeProcess.login(port: last, "jl.input", password) }

        let input = CommandRunner.repo.appendingPathComponent("samples/input")
        let files = try FolderSettlement.inputFiles(in: input)
        let wrong = try ServeProcess.request(port: first, "POST", "/api/v1/files?name=125_GB_20261101_000001.cbf", token: jl,
                                             body: try bytes(input.appendingPathComponent("125_GB_20261101_000001.cbf").path))
        XCTAssertEqual(wrong.status, 403, "a file of airline 125 uploaded by airline 131: \(wrong.body)")

        var ids: [String: String] = [:]
        var dryRun: [String: Any] = [:]
        for (index, file) in files.enumerated() {
            let port = ports[index % ports.count]
            let content = try bytes(file.path)
            // The regular files by their airline, the showcase and error files by the operator.
            let regular = file.name.range(of: #"^[0-9]{3}_[A-Z]{2}_[0-9]{8}_0[0-9]{5}\.cbf$"#, options: .regularExpression) != nil
            let token = !regular ? root : file.name.hasPrefix("125_") ? ba : file.name.hasPrefix("131_") ? jl : root
            if file.name == validatedName {
                let answer = try ServeProcess.request(port: last, "POST", "/api/v1/files/validate?name=\(file.name)", token: token, body: content)
                XCTAssertEqual(answer.status, 200, answer.body)
                dryRun = try object(answer.body)
            }
            let answer = try ServeProcess.request(port: port, "POST", "/api/v1/files?name=\(file.name)", token: token, body: content)
            XCTAssertEqual(answer.status, 201, "\(file.name) on :\(port): \(answer.body)")
            ids[file.name] = try object(answer.body)["id"] as? String
        }
        // Every process has every outcome.
        for port in ports {
            _ = try eventually("every file processed, on :\(port)") { () -> Bool? in
                let items = try self.items(port, root, "/api/v1/files?limit=1000")
                return items.count == files.count && items.allSatisfy { $0["status"] as? String != "received" } ? true : nil
            }
        }

        // The dry run said what the file then got.
        let validated = try XCTUnwrap(ids[validatedName])
        let sent = try object(try ServeProcess.request(port: first, "GET", "/api/v1/files/\(validated)", token: root).body)
        XCTAssertTrue(dryRun["fileCode"] is NSNull, "\(dryRun)")
        XCTAssertEqual(dryRun["records"] as? Int, sent["records"] as? Int)
        XCTAssertEqual(dryRun["accepted"] as? Int, sent["accepted"] as? Int)
        let dryRejections = ((dryRun["rejections"] as? [[String: Any]]) ?? []).map { "\($0["sequence"] ?? "") \($0["code"] ?? "")" }.sorted()
        XCTAssertFalse(dryRejections.isEmpty)
        outcome.dryRun = ["records \(dryRun["records"] ?? "")", "accepted \(dryRun["accepted"] ?? "")"] + dryRejections
        let again = try ServeProcess.request(port: last, "POST", "/api/v1/files/validate?name=x.cbf", token: root,
                                             body: try bytes(input.appendingPathComponent("125_GB_20261101_000001.cbf").path))
        XCTAssertEqual(try object(again.body)["fileCode"] as? String, "F04", "a dry run of a file already sent: \(again.body)")
        XCTAssertEqual(try items(first, root, "/api/v1/files?limit=1000").count, files.count, "a dry run keeps no file")

        // The withdrawal, by its airline on the first process, seen on the last.
        let withdrawnID = try XCTUnwrap(ids[withdrawnName])
        let withdrawn = try ServeProcess.request(port: first, "POST", "/api/v1/files/\(withdrawnID)/withdraw", token: ba)
        XCTAssertEqual(withdrawn.status, 200, withdrawn.body)
        XCTAssertEqual(try object(withdrawn.body)["status"] as? String, "withdrawn")
        _ = try eventually("the withdrawal on :\(last)") { () -> Bool? in
            try object(try ServeProcess.request(port: last, "GET", "/api/v1/files/\(withdrawnID)", token: root).body)["status"] as? String == "withdrawn" ? true : nil
        }
        XCTAssertEqual(try ServeProcess.request(port: last, "POST", "/api/v1/files/\(withdrawnID)/withdraw", token: root).status, 409, "withdrawn twice")
        XCTAssertEqual(try ServeProcess.request(port: last, "POST", "/api/v1/files/\(try XCTUnwrap(ids[rejectedName]))/withdraw", token: root).status, 409,
                       "only an accepted file")

        let reference = try ReferenceLoader.load(directory: ServeKafkaTests.reference)
        let periods = FolderSettlement.periodsPresent(files, reference: reference)
        XCTAssertFalse(periods.isEmpty)
        for period in periods {
            let closed = try ServeProcess.request(port: last, "POST", "/api/v1/operations/\(period.country)/periods/\(period.period.yyyymmnn)/close", token: root)
            XCTAssertEqual(closed.status, 202, "\(period): \(closed.body)")
        }
        for port in ports {
            for period in periods {
                _ = try eventually("\(period) closed on :\(port)") { () -> Bool? in
                    try self.items(port, root, "/api/v1/operations/\(period.country)/periods?limit=1000").contains {
                        $0["period"] as? String == String(period.period.yyyymmnn) && $0["status"] as? String == "closed"
                    } ? true : nil
                }
            }
        }

        // The three reports, on every process, as the settlement of the samples without the withdrawn file.
        let (expected, _) = try FolderSettlement.run(reference: reference, files: files.filter { $0.name != withdrawnName }, keepLines: true)
        let expectedReports = ["settlement-agents.csv": SettlementSummary.agentsCSV(expected.invoices),
                               "settlement-airlines.csv": SettlementSummary.airlinesCSV(expected.disbursements),
                               "rejections.csv": SettlementSummary.rejectionsCSV(expected.rejections)]
        for port in ports {
            for (report, text) in expectedReports {
                let answer = try ServeProcess.request(port: port, "GET", "/api/v1/reports/\(report)", token: root)
                XCTAssertEqual(answer.status, 200, "\(report) on :\(port)")
                XCTAssertEqual(answer.body, text, "\(report) on :\(port)")
                if port == first { outcome.reports[report] = answer.body }
            }
        }

        // Its period is closed now: no file of it can go.
        let late = try ServeProcess.request(port: first, "POST", "/api/v1/files/\(try XCTUnwrap(ids["125_GB_20261101_000001.cbf"]))/withdraw", token: ba)
        XCTAssertEqual(late.status, 409, late.body)
        XCTAssertEqual(try object(late.body)["reason"] as? String, "periodClosed")

        for (index, file) in files.enumerated() {
            let id = try XCTUnwrap(ids[file.name])
            let port = ports[(index + 1) % ports.count]
            outcome.statuses[file.name] = try object(try ServeProcess.request(port: port, "GET", "/api/v1/files/\(id)", token: root).body)["status"] as? String
            outcome.rejections[file.name] = try items(port, root, "/api/v1/files/\(id)/rejections?limit=1000").map {
                "\($0["sequence"] ?? "") \($0["code"] ?? "") \($0["awb"] ?? "") \($0["field"] ?? "") \($0["message"] ?? "")"
            }.sorted()
        }
        outcome.invoices = try items(last, root, "/api/v1/invoices?limit=1000").map { invoice in
            ["number", "country", "period", "agent", "currency", "totalMinor", "status", "paidMinor", "outstandingMinor"].compactMap { key in invoice[key].map { "\(key)=\($0)" } }
                .joined(separator: " ")
        }.sorted()
        XCTAssertFalse(outcome.invoices.isEmpty)
        return outcome
    }

    static func bytes(_ path: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) }

    static func object(_ json: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw NSError(domain: "serve", code: 9, userInfo: [NSLocalizedDescriptionKey: "not a JSON object: \(json.prefix(400))"])
        }
        return object
    }

    static func items(_ port: UInt16, _ token: String, _ path: String) throws -> [[String: Any]] {
        let answer = try ServeProcess.request(port: port, "GET", path, token: token)
        guard answer.status == 200 else {
            throw NSError(domain: "serve", code: 10, userInfo: [NSLocalizedDescriptionKey: "GET \(path) on :\(port): \(answer.status) \(answer.body.prefix(400))"])
        }
        return try object(answer.body)["items"] as? [[String: Any]] ?? []
    }

    /// Polls `attempt` until it gives a value (at most 180 s): another
    /// process sees a change once it has consumed it from the cluster.
    static func eventually<T>(_ what: String, _ attempt: () throws -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(180)
        while true {
            if let value = try attempt() { return value }
            guard Date() < deadline else { throw NSError(domain: "serve", code: 11, userInfo: [NSLocalizedDescriptionKey: "\(what): not in 180 s"]) }
            usleep(200_000)
        }
    }
}
