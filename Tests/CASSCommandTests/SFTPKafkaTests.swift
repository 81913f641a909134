import Foundation
import XCTest

/// Distribution by SFTP in Kafka mode (issue 14, docs/sftp.md): a
/// `cass serve --brokers ... --sftp-listen` process on the test broker
/// fills the outbox trees from its views after a close: an agent company
/// that chose `sftp` gets its invoices in its formats under
/// `outbox/COUNTRY/PERIOD/`, an airline its rows of
/// `settlement-airlines.csv` and `management-statistics.pdf`. The files
/// are read on disk (the SFTP login itself is SFTPTests' subject).
final class SFTPKafkaTests: XCTestCase {
    static let sample = "125_GB_20261101_000001.cbf"

    /// The test broker (as ServeKafkaTests: skipped without it, failed in CI).
    var brokers: String {
        get throws {
            if let brokers = ProcessInfo.processInfo.environment["CASS_BROKERS"], !brokers.isEmpty { return brokers }
            if ProcessInfo.processInfo.environment["CI"] != nil {
                XCTFail("CASS_BROKERS is not set in CI: scripts/test starts the test broker")
            }
            throw XCTSkip("NO BROKER: CASS_BROKERS is unset; run `eval \"$(scripts/test-broker env)\"` after `scripts/test-broker start`")
        }
    }

    /// sshd and root for `--sftp-listen`.
    func requireSSHD() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") else {
            throw XCTSkip("/usr/sbin/sshd is missing: install openssh-server (scripts/install-deps)")
        }
        guard geteuid() == 0 else { throw XCTSkip("--sftp-listen runs sshd with chroots: the test needs root") }
    }

    /// What the scenario left in the cluster, for the checks.
    struct Closed {
        var port: UInt16
        var token: String
        var agent: String
        var numbers: [String]
        var airlineRows: String
    }

    /// A Kafka serve (with `--sftp-listen` when `sftp`): settings saved, the sample file
    /// uploaded, GB 20261101 closed; `body` gets the outcome and the trees'
    /// root. Everything (process, topics, groups, folders) goes after.
    func withClosedPeriodOnKafka(_ name: String, sftp: Bool, _ body: (_ closed: Closed, _ sftpRoot: URL, _ brokers: String, _ environment: [String: String]) throws -> Void) throws {
        let brokers = try brokers
        let namespace = "\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))."
        let environment = ["CASS_NAMESPACE": namespace, "CASS_KAFKA_SESSION_TIMEOUT_MS": "6000", "CASS_KAFKA_HEARTBEAT_INTERVAL_MS": "1000"]
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cass-sftp-kafka-\(UUID().uuidString)")
        let data = folder.appendingPathComponent("data"), sftpRoot = folder.appendingPathComponent("sftp")
        let port = try ServeProcess.freePort(), sftpPort = try ServeProcess.freePort()
        let serve = try ServeProcess.start(data: data, port: port, extra: [
            "--brokers", brokers, "--reference", ServeKafkaTests.reference.path, "--admin", "root",
        ] + (sftp ? ["--sftp-listen", "127.0.0.1:\(sftpPort)", "--sftp-root", sftpRoot.path] : []), environment: environment)
        defer {
            ServeKafkaTests.stop(serve)
            if sftp { Self.removeGroups(sftpRoot: sftpRoot) }
            try? FileManager.default.removeItem(at: folder)
            _ = try? CommandRunner.run(["topics", "delete", "--yes", "--brokers", brokers], environment: ["CASS_NAMESPACE": namespace])
        }
        try serve.waitHealthy(seconds: 180)
        if sftp { XCTAssertTrue(try serve.stderr().contains("sftp: listening on sftp://127.0.0.1:\(sftpPort)")) }
        let root = try ServeProcess.login(port: port, "root", ServeProcess.adminPassword)

        let airline = try ServeProcess.request(port: port, "PUT", "/api/v1/settings?company=airline-125", token: root, json: """
            {"language":"en","formats":["pdf"],"distribution":["sftp"],"webhooks":[],"emails":[]}
            """)
        XCTAssertEqual(airline.status, 200, airline.body)
        let input = CommandRunner.repo.appendingPathComponent("samples/input")
        let uploaded = try ServeProcess.request(port: port, "POST", "/api/v1/files?name=\(Self.sample)", token: root,
                                                body: try APIScenario.bytes(input.appendingPathComponent(Self.sample).path))
        XCTAssertEqual(uploaded.status, 201, uploaded.body)
        _ = try APIScenario.eventually("the file accepted") { () -> Bool? in
            try APIScenario.items(port, root, "/api/v1/files?limit=10").first?["status"] as? String == "accepted" ? true : nil
        }
        let close = try ServeProcess.request(port: port, "POST", "/api/v1/operations/GB/periods/20261101/close", token: root)
        XCTAssertEqual(close.status, 202, close.body)
        let invoices = try APIScenario.eventually("the invoices of the close") { () -> [[String: Any]]? in
            let items = try APIScenario.items(port, root, "/api/v1/invoices?country=GB&period=20261101&limit=1000")
            return items.isEmpty ? nil : items
        }
        // The agent turns sftp on after the close: it gets the closed period too.
        let agent = "agent-GB-\(try XCTUnwrap(invoices.first?["agent"] as? String))"
        let numbers = invoices.filter { "agent-GB-\($0["agent"] as? String ?? "")" == agent }.compactMap { $0["number"] as? String }.sorted()
        XCTAssertFalse(numbers.isEmpty)
        let saved = try ServeProcess.request(port: port, "PUT", "/api/v1/settings?company=\(agent)", token: root, json: """
            {"language":"en","formats":["xml","hot"],"distribution":["sftp"],"webhooks":[],"emails":[],"directDebit":false}
            """)
        XCTAssertEqual(saved.status, 200, saved.body)

        // The airline's rows of the cluster's own report.
        let report = try ServeProcess.request(port: port, "GET", "/api/v1/reports/settlement-airlines.csv", token: root)
        XCTAssertEqual(report.status, 200, report.body)
        let lines = report.body.split(separator: "\n", omittingEmptySubsequences: true)
        let rows = lines.dropFirst().filter { $0.hasPrefix("GB,20261101,125,") }
        XCTAssertEqual(rows.count, 1, report.body)
        let closed = Closed(port: port, token: root, agent: agent, numbers: numbers,
                            airlineRows: ([lines.first ?? ""] + rows).joined(separator: "\n") + "\n")
        try body(closed, sftpRoot, brokers, environment)
    }

    func testKafkaServeWithSFTPFillsTheOutboxAfterAClose() throws {
        try requireSSHD()
        try withClosedPeriodOnKafka("sftpkafka", sftp: true) { closed, sftpRoot, _, _ in
            try Self.checkOutbox(closed, root: sftpRoot)
        }
    }

    /// `cass distribute` (no HTTP service) on the same cluster writes the
    /// same trees; killed with SIGKILL and started again, it writes only
    /// what is missing: a document removed comes back, one already there
    /// is not written again, a temporary name left by a crash goes.
    func testDistributeWorkerWritesTheOutboxAndResumesAfterSIGKILL() throws {
        try withClosedPeriodOnKafka("distribute", sftp: false) { closed, sftpRoot, brokers, environment in
            let root = sftpRoot.deletingLastPathComponent().appendingPathComponent("distributed")
            var worker = try Self.startDistribute(root: root, brokers: brokers, environment: environment)
            defer { if worker.isRunning { kill(worker.processIdentifier, SIGKILL); worker.waitUntilExit() } }
            try Self.checkOutbox(closed, root: root)

            let agentFolder = root.appendingPathComponent("\(closed.agent)/outbox/GB/20261101")
            let airlineFolder = root.appendingPathComponent("airline-125/outbox/GB/20261101")
            let number = try XCTUnwrap(closed.numbers.first)
            let hot = agentFolder.appendingPathComponent("\(number).hot")
            let hotInode = try XCTUnwrap((try FileManager.default.attributesOfItem(atPath: hot.path)[.systemFileNumber] as? NSNumber)?.intValue)
            kill(worker.processIdentifier, SIGKILL)
            worker.waitUntilExit()

            // What a crash can leave, and what a client may have fetched.
            try FileManager.default.removeItem(at: agentFolder.appendingPathComponent("\(number).xml"))
            let leftover = agentFolder.appendingPathComponent(".\(number).xml.12345.tmp")
            try Data("half a docu".utf8).write(to: leftover)
            let settlement = airlineFolder.appendingPathComponent("settlement-airlines.csv")
            try Data("as fetched\n".utf8).write(to: settlement)

            let errors = root.deletingLastPathComponent().appendingPathComponent("distribute-metrics.err")
            worker = try Self.startDistribute(root: root, brokers: brokers, environment: environment,
                                              extra: ["--metrics-port", "0"], errorFile: errors)
            _ = try APIScenario.eventually("\(number).xml written again") { () -> Bool? in
                FileManager.default.fileExists(atPath: agentFolder.appendingPathComponent("\(number).xml").path) ? true : nil
            }
            XCTAssertTrue(try String(contentsOf: agentFolder.appendingPathComponent("\(number).xml"), encoding: .utf8).contains(number))
            XCTAssertFalse(FileManager.default.fileExists(atPath: leftover.path), "the temporary name left by the crash")
            XCTAssertEqual(try String(contentsOf: settlement, encoding: .utf8), "as fetched\n", "a document already there was written again")
            XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: hot.path)[.systemFileNumber] as? NSNumber)?.intValue, hotInode,
                           "a document already there was replaced")
            let info = try FileManager.default.attributesOfItem(atPath: hot.path)
            XCTAssertEqual((info[.posixPermissions] as? NSNumber).map { $0.intValue & 0o777 }, 0o640)

            // One writer per root: a second worker on it is refused, naming the first.
            let second = try CommandRunner.run(["distribute", "--root", root.path, "--every-ms", "200", "--brokers", brokers],
                                               environment: environment, timeoutSeconds: 60)
            XCTAssertEqual(second.status, 1, second.stderr)
            XCTAssertTrue(second.stderr.contains("another process (pid \(worker.processIdentifier))"), second.stderr)

            // Its metrics: what the restarted worker wrote (the .xml removed above).
            let port = try APIScenario.eventually("the metrics port in \(errors.path)") { () -> Int? in
                let text = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
                guard let range = text.range(of: "metrics on http://127.0.0.1:") else { return nil }
                return Int(text[range.upperBound...].prefix { $0.isNumber })
            }
            let metrics = try APIScenario.eventually("a pass in the metrics") { () -> String? in
                guard let data = try? Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/metrics")!),
                      let text = String(data: data, encoding: .utf8), !text.contains("cass_distribute_passes_total 0\n") else { return nil }
                return text
            }
            XCTAssertTrue(metrics.contains("cass_distribute_documents_written_total 1\n"), metrics)
            XCTAssertTrue(metrics.contains("cass_distribute_closed_periods 1\n"), metrics)
            XCTAssertTrue(metrics.contains("cass_distribute_failures_total 0\n"), metrics)
            let health = try String(contentsOf: URL(string: "http://127.0.0.1:\(port)/healthz")!, encoding: .utf8)
            XCTAssertTrue(health.hasPrefix("ok:"), health)

            // SIGTERM: stops, exit 0.
            kill(worker.processIdentifier, SIGTERM)
            worker.waitUntilExit()
            XCTAssertEqual(worker.terminationStatus, 0)
        }
    }

    func testDistributeCommandLine() throws {
        XCTAssertEqual(try CommandRunner.run(["distribute", "--brokers", "127.0.0.1:1"]).status, 2, "no --root")
        XCTAssertEqual(try CommandRunner.run(["distribute", "--root", "/tmp/x", "--every-ms", "5", "--brokers", "127.0.0.1:1"]).status, 2)
        let help = try CommandRunner.run(["distribute", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("Usage: cass distribute --root DIR"), help.stdout)
    }

    /// `cass distribute --root ROOT` on the test's namespace; its stderr in
    /// ROOT's sibling `distribute.err`.
    static func startDistribute(root: URL, brokers: String, environment: [String: String], extra: [String] = [],
                                errorFile: URL? = nil) throws -> Process {
        let err = errorFile ?? root.deletingLastPathComponent().appendingPathComponent("distribute-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = try CommandRunner.cass
        process.arguments = ["distribute", "--root", root.path, "--every-ms", "200", "--brokers", brokers] + extra
        process.environment = CommandRunner.inheritedEnvironment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return process
    }

    /// The agent's invoices in its two formats, the airline's settlement
    /// rows and its statistics, under `outbox/GB/20261101/`, complete.
    static func checkOutbox(_ closed: Closed, root: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let agentFolder = root.appendingPathComponent("\(closed.agent)/outbox/GB/20261101")
        let airlineFolder = root.appendingPathComponent("airline-125/outbox/GB/20261101")
        let expected = closed.numbers.flatMap { ["\($0).hot", "\($0).xml"] }.sorted()
        let listed = try APIScenario.eventually("the agent's documents in \(agentFolder.path)") { () -> [String]? in
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: agentFolder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
            return names == expected ? names : nil
        }
        XCTAssertEqual(listed, expected, file: file, line: line)
        for number in closed.numbers {
            let xml = try String(contentsOf: agentFolder.appendingPathComponent("\(number).xml"), encoding: .utf8)
            XCTAssertTrue(xml.contains(number), "\(number).xml", file: file, line: line)
            XCTAssertGreaterThan(try Data(contentsOf: agentFolder.appendingPathComponent("\(number).hot")).count, 0, file: file, line: line)
        }
        _ = try APIScenario.eventually("the airline's documents in \(airlineFolder.path)") { () -> Bool? in
            let names = Set((try? FileManager.default.contentsOfDirectory(atPath: airlineFolder.path)) ?? [])
            return names.isSuperset(of: ["settlement-airlines.csv", "management-statistics.pdf"]) ? true : nil
        }
        XCTAssertEqual(try String(contentsOf: airlineFolder.appendingPathComponent("settlement-airlines.csv"), encoding: .utf8), closed.airlineRows,
                       file: file, line: line)
        let pdf = try Data(contentsOf: airlineFolder.appendingPathComponent("management-statistics.pdf"))
        XCTAssertEqual(Array(pdf.prefix(5)), Array("%PDF-".utf8), file: file, line: line)
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/pdftotext") {
            let text = try Self.shell("/usr/bin/pdftotext '\(airlineFolder.appendingPathComponent("management-statistics.pdf").path)' -")
            XCTAssertTrue(text.contains("Management Statistics") && text.contains("Billed by agent"), text, file: file, line: line)
        }
        // No other company chose sftp: no other outbox has a period folder.
        let companies = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { !$0.hasPrefix(".") }
        for company in companies where company != closed.agent && company != "airline-125" {
            XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("\(company)/outbox/GB").path), company,
                           file: file, line: line)
        }
    }

    /// The system groups serve made for the trees of `sftpRoot` (named
    /// after 6 hex digits of the root's SHA-256, docs/sftp.md): the host's
    /// groups are shared by every test run.
    static func removeGroups(sftpRoot: URL) {
        let path = sftpRoot.standardizedFileURL.resolvingSymlinksInPath().path
        guard let tag = try? Self.shell("printf %s '\(path)' | sha256sum | cut -c1-6").trimmingCharacters(in: .whitespacesAndNewlines),
              tag.count == 6, let groups = try? String(contentsOfFile: "/etc/group", encoding: .utf8) else { return }
        for line in groups.split(separator: "\n") {
            let name = String(line.prefix { $0 != ":" })
            if name.hasPrefix("c\(tag)-") || name.hasPrefix("w\(tag)-") { _ = try? Self.shell("groupdel '\(name)'") }
        }
    }

    /// `sh -c COMMAND`'s standard output (its error output is dropped).
    static func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self)
    }
}
