import CASSDomain
import CASSWorkers
import Foundation
import XCTest

/// An accepted dispute's memo with two `cass serve` processes on one Kafka
/// cluster (the test broker): the agent raises the dispute on one, the
/// airline accepts it on the other, both processes see the acceptance (each
/// may write the memo; ingest bills it once), the next period closes, and
/// the CSVs of both equal `cass settle` on the same files plus a billing
/// file holding the same memo as a `CCM`. Then payments on the cluster:
/// part paid on one process, overdue and default on the other restarted
/// days later, the rest paid.
final class ServeKafkaDisputeTests: XCTestCase {
    static let password = "correct horse battery"

    func testAMemoAcceptedOnOneProcessIsBilledOnceOnTheCluster() throws {
        guard let brokers = ProcessInfo.processInfo.environment["CASS_BROKERS"], !brokers.isEmpty else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("CASS_BROKERS is not set in CI: scripts/test starts the test broker") }
            throw XCTSkip("NO BROKER: CASS_BROKERS is unset; run `eval \"$(scripts/test-broker env)\"` after `scripts/test-broker start`")
        }
        let namespace = "dsp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))."
        let environment = ["CASS_NAMESPACE": namespace, "CASS_KAFKA_SESSION_TIMEOUT_MS": "6000", "CASS_KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
                           "CASS_TODAY": "2026-11-10"]
        let temporary = FileManager.default.temporaryDirectory
        let dataA = temporary.appendingPathComponent("cass-dsp-a-\(UUID().uuidString)")
        let dataB = temporary.appendingPathComponent("cass-dsp-b-\(UUID().uuidString)")
        let expectedIn = temporary.appendingPathComponent("cass-dsp-in-\(UUID().uuidString)")
        let expectedOut = temporary.appendingPathComponent("cass-dsp-out-\(UUID().uuidString)")
        let reference = CommandRunner.repo.appendingPathComponent("samples/reference")
        let input = CommandRunner.repo.appendingPathComponent("samples/input")
        let portA = try ServeProcess.freePort(), portB = try ServeProcess.freePort()
        let a = try ServeProcess.start(data: dataA, port: portA, extra: ["--brokers", brokers, "--reference", reference.path, "--admin", "root"],
                                       environment: environment)
        var b: ServeProcess?
        defer {
            for server in [a, b].compactMap({ $0 }) where server.process.isRunning {
                kill(server.process.processIdentifier, SIGTERM)
                server.process.waitUntilExit()
            }
            for folder in [dataA, dataB, expectedIn, expectedOut] { try? FileManager.default.removeItem(at: folder) }
            _ = try? CommandRunner.run(["topics", "delete", "--yes", "--brokers", brokers], environment: ["CASS_NAMESPACE": namespace])
        }
        try a.waitHealthy(seconds: 180)
        let second = try ServeProcess.start(data: dataB, port: portB, extra: ["--brokers", brokers], environment: environment)
        b = second
        try second.waitHealthy(seconds: 180)
        let root = try ServeProcess.login(port: portA, "root", ServeProcess.adminPassword)

        // GB's first two periods, uploaded to either process; the first closes.
        let files = try FolderSettlement.inputFiles(in: input).filter {
            $0.summary.operation == "GB" && [20261101, 20261102].contains($0.summary.period?.yyyymmnn ?? 0)
        }
        try FileManager.default.createDirectory(at: expectedIn, withIntermediateDirectories: true)
        for (index, file) in files.enumerated() {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path)))
            try Data(bytes).write(to: expectedIn.appendingPathComponent(file.name))
            let answer = try ServeProcess.request(port: index % 2 == 0 ? portA : portB, "POST", "/api/v1/files?name=\(file.name)", token: root, body: bytes)
            XCTAssertEqual(answer.status, 201, "\(file.name): \(answer.body)")
        }
        let filesDeadline = Date().addingTimeInterval(180)
        while try items(portB, root, "/api/v1/files?limit=1000").filter({ $0["status"] as? String != "received" }).count < files.count {
            guard Date() < filesDeadline else { return XCTFail("the files were not all processed") }
            usleep(200_000)
        }
        try close(portB, root, "20261101", ports: [portA, portB])

        // An invoice of that period with an AWB of airline 125.
        var found: (number: String, agent: String, line: [String: Any], awbTotal: Int64)?
        for item in try items(portA, root, "/api/v1/invoices?limit=1000") where item["period"] as? String == "20261101" {
            guard let number = item["number"] as? String, let agent = item["agent"] as? String else { continue }
            let invoice = try object(portA, root, "/api/v1/invoices/\(number)")
            let section = (invoice["sections"] as? [[String: Any]] ?? []).first { $0["airline"] as? String == "125" }
            let lines = section?["lines"] as? [[String: Any]] ?? []
            // An AWB whose lines sum to a positive amount; its last line
            // carries the issue date and route a memo repeats.
            let awbs = Dictionary(grouping: lines) { $0["awb"] as? String ?? "" }
            if let (_, awbLines) = awbs.sorted(by: { $0.key < $1.key }).first(where: { $0.value.reduce(0) { $0 + int($1["amountMinor"]) } > 100 }),
               let last = awbLines.last {
                found = (number, agent, last, awbLines.reduce(0) { $0 + int($1["amountMinor"]) })
                break
            }
        }
        let disputed = try XCTUnwrap(found)
        let awb = try XCTUnwrap(disputed.line["awb"] as? String)
        let accepted = max(1, disputed.awbTotal / 3)
        for (name, company, role) in [("agent.output", "agent-GB-\(disputed.agent)", "output"), ("ba.input", "airline-125", "input")] {
            let created = try ServeProcess.request(port: portA, "POST", "/api/v1/users", token: root, json: """
                {"username":"\(name)","company":"\(company)","role":"\(role)","name":"\(name)","email":"\(name)@example.com","language":"en","password":"\(Self.password)"}
                """)
            XCTAssertEqual(created.status, 201, created.body)
        }
        let agent = try ServeProcess.login(port: portA, "agent.output", Self.password)
        let airline = try ServeProcess.login(port: portB, "ba.input", Self.password)

        // Raised on A (once the accounts know the invoice), accepted on B.
        var raised = ServeProcess.Answer(status: 0, body: "")
        let deadline = Date().addingTimeInterval(120)
        repeat {
            raised = try ServeProcess.request(port: portA, "POST", "/api/v1/disputes", token: agent,
                                              json: "{\"invoice\":\"\(disputed.number)\",\"awb\":\"\(awb)\",\"reason\":\"weighed twice\"}")
            if raised.status != 201 { usleep(200_000) }
        } while raised.status == 404 && Date() < deadline
        XCTAssertEqual(raised.status, 201, raised.body)
        let id = try XCTUnwrap(try json(raised.body)["id"] as? String)
        var answer = ServeProcess.Answer(status: 0, body: "")
        repeat {
            answer = try ServeProcess.request(port: portB, "POST", "/api/v1/disputes/\(id)/accept", token: airline, json: "{\"amountMinor\":\(accepted)}")
            if answer.status == 404 { usleep(200_000) }
        } while answer.status == 404 && Date() < deadline
        XCTAssertEqual(answer.status, 200, answer.body)
        XCTAssertEqual(try json(answer.body)["memoPeriod"] as? String, "20261102")
        // A sees the acceptance too (its scheduler may write the memo again).
        repeat { usleep(200_000) } while try object(portA, root, "/api/v1/disputes/\(id)")["status"] as? String != "accepted" && Date() < deadline
        try close(portA, root, "20261102", ports: [portA, portB])

        // The next invoice of the agent carries the memo once.
        let next = try XCTUnwrap(try items(portB, root, "/api/v1/invoices?limit=1000").first {
            $0["period"] as? String == "20261102" && $0["agent"] as? String == disputed.agent
        })
        let nextInvoice = try object(portB, root, "/api/v1/invoices/\(try XCTUnwrap(next["number"] as? String))")
        let memoLines = (nextInvoice["sections"] as? [[String: Any]] ?? []).flatMap { $0["lines"] as? [[String: Any]] ?? [] }
            .filter { $0["reasonCode"] as? String == "DSP" }
        XCTAssertEqual(memoLines.count, 1, "billed once: \(memoLines)")
        XCTAssertEqual(memoLines.first.map { int($0["amountMinor"]) }, -accepted)
        XCTAssertEqual(memoLines.first?["transaction"] as? String, "CCM")

        // cass settle on the same files and the memo as a CCM of a billing file.
        var record = BillingRecord()
        record.airlinePrefix = 125
        record.awbSerial = try XCTUnwrap(Int32(awb.suffix(8)))
        record.transaction = .ccm
        record.agentCode = try XCTUnwrap(Int64(disputed.agent))
        record.issueDateDigits = try XCTUnwrap(Int32((disputed.line["issueDate"] as? String ?? "").replacingOccurrences(of: "-", with: "")))
        record.origin = ASCIICode(disputed.line["origin"] as? String ?? "")
        record.destination = ASCIICode(disputed.line["destination"] as? String ?? "")
        record.currency = ASCIICode("GBP")
        record.netDue = -accepted
        record.reasonCode = ASCIICode("DSP")
        let period = try XCTUnwrap(BillingPeriod(yyyymmnn: 20261102))
        let header = FileHeader(formatVersion: 1, airlinePrefix: 125, operation: "GB", period: period, fileSequence: 999_999,
                                creationDate: period.lastDay(periodsPerMonth: 4).adding(days: 1), currency: "GBP", minorDigits: 2)
        let cbf = CBFWriter.write(BillingFile(name: "memo", identity: ReportedIdentity(), header: header,
                                              trailer: CBFWriter.controlTotals(of: [record]), records: [record], otherCharges: []))
        try Data(cbf).write(to: expectedIn.appendingPathComponent("125_GB_20261102_999999.cbf"))
        let settled = try CommandRunner.run(["settle", "--reference", reference.path, "--input", expectedIn.path, "--output", expectedOut.path,
                                             "--no-documents", "--quiet"])
        XCTAssertEqual(settled.status, 0, settled.stderr)
        for report in ["settlement-agents.csv", "settlement-airlines.csv"] {
            let expected = try String(contentsOf: expectedOut.appendingPathComponent(report), encoding: .utf8)
            XCTAssertEqual(try ServeProcess.request(port: portA, "GET", "/api/v1/reports/\(report)", token: root).body, expected, "A: \(report)")
            XCTAssertEqual(try ServeProcess.request(port: portB, "GET", "/api/v1/reports/\(report)", token: root).body, expected, "B: \(report)")
        }

        // Payments on the cluster: part paid by card on A shows on B; B
        // restarted 3 and 11 days past the remittance date sees the invoice
        // overdue, then in default (A, still on an earlier day, partly paid);
        // the rest paid on B is paid on both. Accounts disputes and payments
        // are one record stream on cass.accounts, so both processes agree.
        let before = try object(portB, root, "/api/v1/invoices/\(disputed.number)")
        let total = int(before["totalMinor"])
        XCTAssertEqual(before["status"] as? String, "open", "the dispute never changes the invoice")
        XCTAssertGreaterThan(total, 1)
        let part = total / 2
        let paid = try ServeProcess.request(port: portA, "POST", "/api/v1/invoices/\(disputed.number)/payments", token: agent,
                                            json: "{\"amountMinor\":\(part),\"method\":\"card\"}")
        XCTAssertEqual(paid.status, 201, paid.body)
        let seen = Date().addingTimeInterval(60)
        while try object(portB, root, "/api/v1/invoices/\(disputed.number)")["status"] as? String != "partly-paid" {
            guard Date() < seen else { return XCTFail("B never saw A's payment") }
            usleep(200_000)
        }
        XCTAssertEqual(int(try object(portB, root, "/api/v1/invoices/\(disputed.number)")["outstandingMinor"]), total - part)
        let remittance = try XCTUnwrap(CivilDate(yyyymmdd: Int(try XCTUnwrap((before["remittanceDate"] as? String)?.replacingOccurrences(of: "-", with: ""))) ?? 0))
        var rootB = root
        for (days, status) in [(3, "overdue"), (11, "default")] {
            if let running = b { ServeKafkaTests.stop(running) }
            var later = environment
            later["CASS_TODAY"] = remittance.adding(days: days).description
            let restarted = try ServeProcess.start(data: dataB, port: portB, extra: ["--brokers", brokers], environment: later)
            b = restarted
            try restarted.waitHealthy(seconds: 180)
            // Days later the sessions of today have expired: sign in again.
            rootB = try ServeProcess.login(port: portB, "root", ServeProcess.adminPassword)
            let invoice = try object(portB, rootB, "/api/v1/invoices/\(disputed.number)")
            XCTAssertEqual(invoice["status"] as? String, status, "\(days) days past the remittance date (today \(later["CASS_TODAY"] ?? ""))")
            XCTAssertEqual(int(invoice["outstandingMinor"]), total - part, "a restart changes no amount")
        }
        XCTAssertEqual(try object(portA, root, "/api/v1/invoices/\(disputed.number)")["status"] as? String, "partly-paid", "A's today is earlier")
        let agentB = try ServeProcess.login(port: portB, "agent.output", Self.password)
        let rest = try ServeProcess.request(port: portB, "POST", "/api/v1/invoices/\(disputed.number)/payments", token: agentB,
                                            json: "{\"amountMinor\":\(total - part),\"method\":\"bank-transfer\"}")
        XCTAssertEqual(rest.status, 201, rest.body)
        let paidDeadline = Date().addingTimeInterval(60)
        while try object(portB, rootB, "/api/v1/invoices/\(disputed.number)")["status"] as? String != "paid" {
            guard Date() < paidDeadline else { return XCTFail("B never saw the invoice paid") }
            usleep(200_000)
        }
        // (A, whose today is before that payment's date, reads the invoice
        // as of its own today: statuses and payments are as of a date.)
    }

    // MARK: - Helpers

    func close(_ port: UInt16, _ token: String, _ period: String, ports: [UInt16]) throws {
        let answer = try ServeProcess.request(port: port, "POST", "/api/v1/operations/GB/periods/\(period)/close", token: token)
        XCTAssertEqual(answer.status, 202, answer.body)
        let deadline = Date().addingTimeInterval(180)
        for each in ports {
            while try !items(each, token, "/api/v1/operations/GB/periods?limit=1000").contains(where: {
                $0["period"] as? String == period && $0["status"] as? String == "closed"
            }) {
                guard Date() < deadline else { throw NSError(domain: "serve", code: 8, userInfo: [NSLocalizedDescriptionKey: "GB/\(period) not closed on :\(each)"]) }
                usleep(200_000)
            }
        }
    }

    func json(_ body: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], body)
    }

    func object(_ port: UInt16, _ token: String, _ path: String) throws -> [String: Any] {
        let answer = try ServeProcess.request(port: port, "GET", path, token: token)
        XCTAssertEqual(answer.status, 200, "\(path): \(answer.body)")
        return try json(answer.body)
    }

    func items(_ port: UInt16, _ token: String, _ path: String) throws -> [[String: Any]] {
        try object(port, token, path)["items"] as? [[String: Any]] ?? []
    }

    func int(_ value: Any?) -> Int64 {
        switch value {
        case let number as Int: Int64(number)
        case let number as Int64: number
        case let number as NSNumber: number.int64Value
        default: 0
        }
    }
}
