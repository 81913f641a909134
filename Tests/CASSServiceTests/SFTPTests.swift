import CASSAccess
import CASSDomain
import CASSEngine
import CASSLog
@testable import CASSService
import CASSWorkers
import Foundation
import XCTest

/// Distribution by SFTP with Debian's real sshd and OpenSSH's sftp client
/// on 127.0.0.1 (docs/sftp.md): logins by registered keys, read-only keys,
/// the chroot, another user's key, keys removed and users disabled, sshd
/// restarted when it dies, the outbox after a close.
final class SFTPTests: XCTestCase {
    /// Unique per run: the accounts are the host's, shared by every test run.
    let suffix = String(UInt32.random(in: 0x1000...0xFFFF), radix: 16)
    var keys: URL!
    var harness: ServiceHarness?
    var sftpPort: UInt16 = 0

    override func setUpWithError() throws {
        for tool in ["/usr/sbin/sshd", "/usr/bin/sftp", "/usr/bin/ssh-keygen"] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("\(tool) is missing: install openssh-server and openssh-client (scripts/install-deps) to run the SFTP tests")
        }
        guard geteuid() == 0 else { throw XCTSkip("the SFTP tests run sshd with chroots and system accounts: they need root") }
        keys = FileManager.default.temporaryDirectory.appendingPathComponent("cass-sftp-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        sftpPort = try Self.freePort()
        let port = sftpPort
        harness = try ServiceHarness { options in
            options.sftp = SFTPOptions(host: "127.0.0.1", port: port)
            options.sftp?.tickMs = 100
            options.sftp?.outboxEveryTicks = 2
            options.sftp?.inboxQuietMs = 300
        }
    }

    override func tearDownWithError() throws {
        let layout = harness?.service.sftp?.layout
        harness?.stop()
        if let layout { try SFTPAccounts.removeAll(layout: layout) }
        if let keys { try? FileManager.default.removeItem(at: keys) }
    }

    func name(_ base: String) -> String { "\(base)-\(suffix)" }

    func testKeysRolesChrootAndOtherUsersKeys() throws {
        let harness = try XCTUnwrap(harness)
        let root = try harness.login("root", ServiceHarness.adminPassword)
        let writer = try makeUser(root, name("ba.in"), "airline-125", "input")
        let viewer = try makeUser(root, name("ba.view"), "airline-125", "viewer")
        let other = try makeUser(root, name("qr.in"), "airline-157", "input")

        // A writer puts into its inbox; the name ending in .part stays.
        let local = keys.appendingPathComponent("125_GB_2026110101.cbf")
        try Data("not really a billing file\n".utf8).write(to: local)
        var run = try sftp(writer, ["put \(local.path) inbox/upload.part", "ls -1 inbox"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("upload.part"), run.output)

        // A viewer's key is read-only: no put, no remove, no rename, no mkdir.
        run = try sftp(viewer, ["ls -1 outbox", "ls -1 inbox", "get inbox/upload.part \(keys.path)/viewer-got"])
        XCTAssertEqual(run.status, 0, "a viewer lists and gets: \(run.output)")
        XCTAssertTrue(run.output.contains("upload.part"), run.output)
        for command in ["put \(local.path) inbox/x.cbf", "put \(local.path) outbox/x.cbf", "mkdir outbox/x", "rm inbox/upload.part",
                        "rename inbox/upload.part inbox/upload.cbf"] {
            run = try sftp(viewer, [command])
            XCTAssertNotEqual(run.status, 0, "\(command): \(run.output)")
        }
        XCTAssertEqual(try sftp(writer, ["ls -1 inbox/upload.part"]).status, 0, "the viewer changed nothing")

        // The chroot: / is the company's tree; nothing above it, nothing of others.
        run = try sftp(writer, ["cd /..", "ls -1 /", "pwd"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("inbox") && run.output.contains("outbox"), run.output)
        XCTAssertFalse(run.output.contains("airline-157"), run.output)
        for command in ["get /etc/passwd \(keys.path)/passwd", "ls /airline-157", "ls ../airline-157/inbox", "cd /proc",
                        "get ../../../../etc/shadow \(keys.path)/shadow", "symlink /etc/passwd inbox/link", "ln -s / inbox/all",
                        "ln inbox/upload.part inbox/hard"] {
            run = try sftp(writer, [command])
            XCTAssertNotEqual(run.status, 0, "\(command) should fail: \(run.output)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: keys.appendingPathComponent("passwd").path))
        run = try sftp(other, ["ls -1 inbox"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertFalse(run.output.contains("upload.part"), "another airline sees only its own inbox: \(run.output)")

        // No shell, no command, no forwarding: SFTP only.
        let shell = try ssh(writer, ["-T", "echo", "escaped"])
        XCTAssertFalse(shell.output.contains("escaped") && !shell.output.contains("echo"), shell.output)
        XCTAssertNotEqual(shell.status, 0, shell.output)

        // Another user's key does not log in under this name.
        run = try sftp(User(name: other.name, key: writer.key), ["ls"])
        XCTAssertNotEqual(run.status, 0, run.output)
        // Nor does any host account (AllowGroups) or root.
        run = try sftp(User(name: "root", key: writer.key), ["ls"])
        XCTAssertNotEqual(run.status, 0, run.output)
    }

    func testRemovedKeysAndDisabledUsersLoseAccessAndSSHDComesBack() throws {
        let harness = try XCTUnwrap(harness)
        let root = try harness.login("root", ServiceHarness.adminPassword)
        let writer = try makeUser(root, name("ba.in"), "airline-125", "input")
        let agent = try makeUser(root, name("a.out"), "agent-GB-91200040002", "output")
        XCTAssertEqual(try sftp(writer, ["ls"]).status, 0)
        XCTAssertEqual(try sftp(agent, ["ls -1 /"]).status, 0)

        // An open session of a user whose keys are removed ends.
        let host = try HostAccounts.read()
        let uid = try XCTUnwrap(host.users[writer.name]?.uid)
        let ends = try HostCommand.pipe()
        let session = try HostCommand.spawn("/bin/sh", ["-c", "sleep 15 | exec /usr/bin/sftp " + (clientOptions + [
            "-i", writer.key.path, "-P", String(sftpPort), "\(writer.name)@127.0.0.1"]).joined(separator: " ")], output: ends.write)
        close(ends.write)
        defer {
            kill(session, SIGKILL)
            _ = HostCommand.wait(session)
            close(ends.read)
        }
        XCTAssertTrue(try eventually { Self.processes(uid: uid) > 0 }, "the session never started")

        // Keys removed: no login, at once.
        let cleared = try root.request("PUT", "/api/v1/users/\(writer.name)/ssh-keys", body: [], contentType: "text/plain")
        XCTAssertEqual(cleared.status, 200, cleared.description)
        XCTAssertNotEqual(try sftp(writer, ["ls"]).status, 0, "a removed key still logs in after the PUT was answered")
        XCTAssertTrue(try eventually { Self.processes(uid: uid) == 0 }, "the open session of a removed key goes on")
        // Disabled: no login; enabled again: the key works again.
        let disabled = try root.request("PATCH", "/api/v1/users/\(agent.name)", body: Array(#"{"disabled":true}"#.utf8), contentType: "application/json")
        XCTAssertEqual(disabled.status, 200, disabled.description)
        XCTAssertNotEqual(try sftp(agent, ["ls"]).status, 0, "a disabled user still logs in after the PATCH was answered")
        _ = try root.request("PATCH", "/api/v1/users/\(agent.name)", body: Array(#"{"disabled":false}"#.utf8), contentType: "application/json")
        XCTAssertEqual(try sftp(agent, ["ls"]).status, 0, "enabled again, the key logs in")

        // sshd killed: cass starts it again.
        let sftpService = try XCTUnwrap(harness.service.sftp)
        let pid = try XCTUnwrap(sftpService.supervisor.pid)
        kill(pid, SIGKILL)
        XCTAssertTrue(try eventually(seconds: 10) { try (sftpService.supervisor.pid ?? pid) != pid && self.sftp(agent, ["ls"]).status == 0 },
                      "sshd was not started again")

        // A deleted user's system account goes, also after a disable.
        _ = try root.request("PATCH", "/api/v1/users/\(agent.name)", body: Array(#"{"disabled":true}"#.utf8), contentType: "application/json")
        XCTAssertEqual(try root.delete("/api/v1/users/\(agent.name)").status, 204)
        XCTAssertNil(try HostAccounts.read().users[agent.name], "the deleted user's account is still on the host")
    }

    func testOutboxAfterClose() throws {
        let harness = try XCTUnwrap(harness)
        let root = try harness.login("root", ServiceHarness.adminPassword)
        let agent = try makeUser(root, name("a.out"), "agent-GB-91200040002", "output")
        let saved = try root.put("/api/v1/settings?company=agent-GB-91200040002", json: [
            "language": "en", "formats": ["xml"], "distribution": ["download", "sftp"], "webhooks": [], "emails": [], "directDebit": false,
        ] as [String: Any])
        XCTAssertEqual(saved.status, 200, saved.description)

        // B never saved settings: its SFTP user gets the default PDF. C
        // saved settings without sftp: nothing.
        let agentB = try makeUser(root, name("b.out"), "agent-GB-91200170003", "output")
        let agentC = try makeUser(root, name("c.out"), "agent-GB-91200210010", "output")
        XCTAssertEqual(try root.put("/api/v1/settings?company=agent-GB-91200210010", json: [
            "language": "en", "formats": ["xml"], "distribution": ["download"], "webhooks": [], "emails": [], "directDebit": false,
        ] as [String: Any]).status, 200)

        let context = try XCTUnwrap(harness.service.context)
        let invoice = Self.invoice(number: "GB2026000001", agent: 91200040002)
        let invoiceB = Self.invoice(number: "GB2026000002", agent: 91200170003)
        let invoiceC = Self.invoice(number: "GB2026000003", agent: 91200210010)
        let period = PeriodKey(country: "GB", period: invoice.period)
        let writer = context.writer
        let records = [
            try writer.record(TopicCatalog.invoices, key: invoice.number, value: StageMessage.invoice(invoice).encoded()),
            try writer.record(TopicCatalog.invoices, key: invoiceB.number, value: StageMessage.invoice(invoiceB).encoded()),
            try writer.record(TopicCatalog.invoices, key: invoiceC.number, value: StageMessage.invoice(invoiceC).encoded()),
            try writer.record(TopicCatalog.settlements, key: "GB", value: StageMessage.periodClosed(
                period: period, invoices: 3, total: invoice.total * 3,
                disbursements: [Disbursement(country: "GB", period: invoice.period, airlinePrefix: 125, currency: "GBP", agents: 1, amount: invoice.total)]).encoded()),
        ]
        try context.feed.wait(for: try writer.write(records))

        let target = keys.appendingPathComponent("got.xml")
        XCTAssertTrue(try eventually(seconds: 10) {
            try self.sftp(agent, ["get outbox/GB/20261101/GB2026000001.xml \(target.path)"]).status == 0
        }, "the invoice never reached the agent's outbox")
        let xml = try String(contentsOf: target, encoding: .utf8)
        XCTAssertTrue(xml.contains("GB2026000001"), xml)
        let run = try sftp(agent, ["rm outbox/GB/20261101/GB2026000001.xml"])
        XCTAssertNotEqual(run.status, 0, "an output user's key is read-only: \(run.output)")
        if context.documents.renderer != nil {
            XCTAssertTrue(try eventually(seconds: 10) { try self.sftp(agentB, ["ls outbox/GB/20261101/GB2026000002.pdf"]).status == 0 },
                          "a company with SFTP users and no saved settings gets its PDFs")
        }
        XCTAssertNotEqual(try sftp(agentC, ["ls outbox/GB/20261101/GB2026000003.xml"]).status, 0,
                          "a company whose settings leave out sftp gets nothing")
    }

    func testInboxTakesCompleteFilesOnceAndTheOutboxFollowsTheClose() throws {
        let harness = try XCTUnwrap(harness)
        let root = try harness.login("root", ServiceHarness.adminPassword)
        let writer = try makeUser(root, name("ba.in"), "airline-125", "input")
        let other = try makeUser(root, name("qr.in"), "airline-157", "input")
        let saved = try root.put("/api/v1/settings?company=airline-125", json: [
            "language": "en", "formats": ["pdf"], "distribution": ["sftp"], "webhooks": [], "emails": [],
        ] as [String: Any])
        XCTAssertEqual(saved.status, 200, saved.description)

        // A .part file is never taken; renamed, it is taken once and leaves the inbox.
        let name = "125_GB_20261101_000001.cbf"
        let local = ServiceHarness.samplesReference.deletingLastPathComponent().appendingPathComponent("input/\(name)")
        var run = try sftp(writer, ["put \(local.path) inbox/\(name).part"])
        XCTAssertEqual(run.status, 0, run.output)
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertTrue(try sftp(writer, ["ls -1 inbox"]).output.contains("\(name).part"), "a .part file was taken")
        XCTAssertEqual(try root.get("/api/v1/files").items.count, 0)
        run = try sftp(writer, ["rename inbox/\(name).part inbox/\(name)"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(try eventually(seconds: 10) { !(try self.sftp(writer, ["ls -1 inbox"]).output.contains(name)) }, "never taken")
        var file: [String: Any] = [:]
        XCTAssertTrue(try eventually(seconds: 30) {
            let items = try root.get("/api/v1/files").items
            file = items.first ?? [:]
            return items.count == 1 && (file["status"] as? String) == "accepted"
        }, "the file never got accepted: \(file)")
        XCTAssertEqual(file["name"] as? String, name)
        XCTAssertEqual(file["submittedBy"] as? String, writer.name)
        // Its rejection report, in the airline's outbox.
        XCTAssertTrue(try eventually(seconds: 10) {
            let listing = try self.sftp(writer, ["ls -1 outbox/reports"]).output
            return listing.contains("\(name).") && listing.contains(".rejections.csv")
        }, "no rejection report")

        // Another airline's file put by QR: refused, reported, gone.
        run = try sftp(other, ["put \(local.path) inbox/\(name)"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(try eventually(seconds: 10) { try self.sftp(other, ["ls -1 outbox/reports"]).output.contains("\(name).refused.txt") },
                      "no refusal report")
        XCTAssertFalse(try sftp(other, ["ls -1 inbox"]).output.contains(name))
        XCTAssertEqual(try root.get("/api/v1/files").items.count, 1, "a refused file is not kept")

        // The close: the agents' invoices and the airline's settlement in the outboxes.
        XCTAssertEqual(try root.request("POST", "/api/v1/operations/GB/periods/20261101/close").status, 202)
        var invoices: [[String: Any]] = []
        XCTAssertTrue(try eventually(seconds: 30) {
            invoices = try root.get("/api/v1/invoices?country=GB&period=20261101").items
            return !invoices.isEmpty
        }, "no invoices after the close")
        let invoice = try XCTUnwrap(invoices.first)
        let number = try XCTUnwrap(invoice["number"] as? String)
        let company = "agent-GB-\(try XCTUnwrap(invoice["agent"] as? String))"
        let agent = try makeUser(root, self.name("ag.out"), company, "output")
        XCTAssertEqual(try root.put("/api/v1/settings?company=\(company)", json: [
            "language": "en", "formats": ["xml", "hot"], "distribution": ["sftp"], "webhooks": [], "emails": [], "directDebit": false,
        ] as [String: Any]).status, 200)
        let target = keys.appendingPathComponent("invoice.xml")
        XCTAssertTrue(try eventually(seconds: 20) {
            try self.sftp(agent, ["get outbox/GB/20261101/\(number).xml \(target.path)", "ls outbox/GB/20261101/\(number).hot"]).status == 0
        }, "the invoice never reached the agent's outbox")
        XCTAssertTrue(try String(contentsOf: target, encoding: .utf8).contains(number))
        let settlement = keys.appendingPathComponent("settlement.csv")
        XCTAssertTrue(try eventually(seconds: 20) {
            try self.sftp(writer, ["get outbox/GB/20261101/settlement-airlines.csv \(settlement.path)"]).status == 0
        }, "the settlement never reached the airline's outbox")
        XCTAssertTrue(try String(contentsOf: settlement, encoding: .utf8).contains(",125,"))
        let statistics = keys.appendingPathComponent("statistics.pdf")
        run = try sftp(writer, ["get outbox/GB/20261101/management-statistics.pdf \(statistics.path)"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertEqual(Array(try Data(contentsOf: statistics).prefix(5)), Array("%PDF-".utf8))
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/pdftotext") {
            let text = try HostCommand.run("/usr/bin/pdftotext", [statistics.path, "-"]).output
            XCTAssertTrue(text.contains("Management Statistics") && text.contains("Billed by agent"), text)
        }
    }

    /// cass stopped after moving a file out of the inbox (before or after
    /// submitting it): the next start submits it, once.
    func testAFileBeingTakenWhenCassStopsIsSubmittedOnceAfterRestarts() throws {
        // setUp's service goes (its groups and runtime folder with it).
        let first = harness?.service.sftp?.layout
        harness?.stop()
        if let first { try SFTPAccounts.removeAll(layout: first) }
        let log = InProcessLog()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cass-sftp-root-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let port = sftpPort
        let configure: (inout ServiceOptions) -> Void = { options in
            options.sftp = SFTPOptions(host: "127.0.0.1", port: port, root: root)
            options.sftp?.tickMs = 100
        }
        harness = try ServiceHarness(log: log, configure: configure)
        var admin = try XCTUnwrap(harness).login("root", ServiceHarness.adminPassword)
        let writer = try makeUser(admin, name("ba.in"), "airline-125", "input")
        let layout = try XCTUnwrap(harness?.service.sftp?.layout)
        let name = "125_GB_20261101_000001.cbf"
        let bytes = try Data(contentsOf: ServiceHarness.samplesReference.deletingLastPathComponent().appendingPathComponent("input/\(name)"))
        let id = try ServiceContext.newFileID()
        func leaveInSpool() throws {
            try bytes.write(to: layout.spool.appendingPathComponent(id))
            try JSONEncoder().encode(SFTPInbox.Taking(id: id, company: "airline-125", username: writer.name, name: name))
                .write(to: layout.spool.appendingPathComponent("\(id).json"))
            // A note whose file never left the inbox: dropped.
            try Data("{}".utf8).write(to: layout.spool.appendingPathComponent("0123.json"))
        }
        for round in 1...2 {
            harness?.stop()
            try leaveInSpool()
            harness = try ServiceHarness(log: log, admin: nil, configure: configure)
            admin = try XCTUnwrap(harness).login("root", ServiceHarness.adminPassword)
            let files = try admin.get("/api/v1/files").items
            XCTAssertEqual(files.count, 1, "round \(round): \(files)")
            XCTAssertEqual(files.first?["id"] as? String, id)
            XCTAssertEqual(files.first?["submittedBy"] as? String, writer.name)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: layout.spool.path), [], "round \(round): the spool is left empty")
        }
    }

    // MARK: - Helpers

    struct User {
        var name: String
        var key: URL
    }

    /// A user with a fresh ed25519 key registered through the API.
    func makeUser(_ root: APIClient, _ username: String, _ company: String, _ role: String) throws -> User {
        let created = try root.post("/api/v1/users", json: [
            "username": username, "company": company, "role": role, "name": username, "email": "\(username)@example.com",
            "language": "en", "password": "correct horse battery",
        ])
        XCTAssertEqual(created.status, 201, created.description)
        let key = keys.appendingPathComponent(username)
        try HostCommand.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", username, "-f", key.path])
        let put = try root.request("PUT", "/api/v1/users/\(username)/ssh-keys",
                                   body: Array(try Data(contentsOf: URL(fileURLWithPath: key.path + ".pub"))), contentType: "text/plain")
        XCTAssertEqual(put.status, 200, put.description)
        let user = User(name: username, key: key)
        // At once: the key applies before the PUT is answered.
        let run = try sftp(user, ["ls"])
        XCTAssertEqual(run.status, 0, "\(username) cannot log in right after registering a key: \(run.output)")
        return user
    }

    var clientOptions: [String] {
        ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
         "-o", "IdentityAgent=none", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10"]
    }

    /// `sftp -b` with these commands: status 0 only when every one worked.
    func sftp(_ user: User, _ commands: [String]) throws -> (status: Int32, output: String) {
        let batch = keys.appendingPathComponent("batch-\(UUID().uuidString)")
        try Data((commands.joined(separator: "\n") + "\n").utf8).write(to: batch)
        defer { try? FileManager.default.removeItem(at: batch) }
        return try HostCommand.run("/usr/bin/sftp", clientOptions + ["-i", user.key.path, "-P", String(sftpPort), "-b", batch.path,
                                                                     "\(user.name)@127.0.0.1"], allowing: Set(0...255))
    }

    func ssh(_ user: User, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try HostCommand.run("/usr/bin/ssh", clientOptions + ["-i", user.key.path, "-p", String(sftpPort), "\(user.name)@127.0.0.1"] + arguments,
                            allowing: Set(0...255))
    }

    func eventually(seconds: Double = 5, _ condition: () throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.2)
        } while Date() < deadline
        return false
    }

    /// How many processes run as this uid.
    static func processes(uid: UInt32) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { entry in
            var info = stat()
            return Int32(entry) != nil && stat("/proc/\(entry)", &info) == 0 && info.st_uid == uid
        }.count
    }

    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw XCTSkip("no free port") }
        return UInt16(bigEndian: address.sin_port)
    }

    static func invoice(number: String, agent: Int64) -> Invoice {
        let period = BillingPeriod(yyyymmnn: 20261101)!
        let date = CivilDate(iso: "2026-11-09")!
        let line = InvoiceLine(awb: "125-12345675", awbSerial: 12345675, transaction: .awb, issueDate: CivilDate(iso: "2026-11-03")!,
                               origin: "LHR", destination: "JFK", chargeableWeightTenthsKg: 1000, weightCharge: 10_000, valuationCharge: 0,
                               otherChargesDueCarrier: 0, commission: 500, incentive: 0, amount: 9_500, reasonCode: "",
                               sourceFile: "125_GB_2026110101.cbf", sourceSequence: 1)
        let section = InvoiceSection(airlinePrefix: 125, lines: [line], taxes: [], netDue: 9_500, taxCharged: 0, taxCredited: 0, total: 9_500)
        return Invoice(number: number, country: "GB", period: period, currency: "GBP", minorDigits: 2, invoiceDate: date,
                       remittanceDate: date.adding(days: 10), agentCode: agent, sections: [section], lineCount: 1, netDue: 9_500,
                       taxCharged: 0, taxCredited: 0, total: 9_500)
    }
}

/// `cass serve --drop DIR`: the inbox without SSH.
final class DropFolderTests: XCTestCase {
    func testFilesInADropInboxAreTakenOnceAsDrop() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cass-drop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let inbox = folder.appendingPathComponent("airline-125/inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let harness = try ServiceHarness { options in options.drop = folder }
        defer { harness.stop() }
        let root = try harness.login("root", ServiceHarness.adminPassword)
        let name = "125_GB_20261101_000001.cbf"
        let bytes = try Data(contentsOf: ServiceHarness.samplesReference.deletingLastPathComponent().appendingPathComponent("input/\(name)"))
        try bytes.write(to: inbox.appendingPathComponent("\(name).part"))
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertEqual(try root.get("/api/v1/files").items.count, 0, "a .part file was taken")
        XCTAssertEqual(rename(inbox.appendingPathComponent("\(name).part").path, inbox.appendingPathComponent(name).path), 0)
        var file: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            file = try root.get("/api/v1/files").items.first ?? [:]
            if (file["status"] as? String) == "accepted" { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTAssertEqual(file["status"] as? String, "accepted", "\(file)")
        XCTAssertEqual(file["submittedBy"] as? String, "drop")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: inbox.path), [], "the file left the inbox")
        let reports = folder.appendingPathComponent("airline-125/outbox/reports")
        var listing: [String] = []
        for _ in 0..<50 {
            listing = (try? FileManager.default.contentsOfDirectory(atPath: reports.path)) ?? []
            if listing.contains(where: { $0.hasSuffix(".rejections.csv") }) { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTAssertTrue(listing.contains { $0.hasPrefix("\(name).") && $0.hasSuffix(".rejections.csv") }, "\(listing)")
        XCTAssertEqual(try root.get("/api/v1/files").items.count, 1)
    }
}
