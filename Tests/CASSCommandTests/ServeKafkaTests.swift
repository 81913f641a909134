import CASSWorkers
import Foundation
import XCTest

/// Two `cass serve` processes in front of one Kafka cluster (the test
/// broker): a session made on one is good on the other, files uploaded to
/// either settle as `cass settle` settles them, and both answer the same.
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

    func testTwoServeProcessesOnOneClusterGiveTheSameAnswers() throws {
        let brokers = try brokers
        let namespace = "serve-\(getpid())-\(UInt32.random(in: 0...UInt32.max))."
        let environment = ["CASS_NAMESPACE": namespace, "CASS_KAFKA_SESSION_TIMEOUT_MS": "6000", "CASS_KAFKA_HEARTBEAT_INTERVAL_MS": "1000"]
        let temporary = FileManager.default.temporaryDirectory
        let dataA = temporary.appendingPathComponent("cass-serve-a-\(UUID().uuidString)")
        let dataB = temporary.appendingPathComponent("cass-serve-b-\(UUID().uuidString)")
        let expectedOut = temporary.appendingPathComponent("cass-settle-\(UUID().uuidString)")
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
            for folder in [dataA, dataB, expectedOut] { try? FileManager.default.removeItem(at: folder) }
            _ = try? CommandRunner.run(["topics", "delete", "--yes", "--brokers", brokers], environment: ["CASS_NAMESPACE": namespace])
        }
        try a.waitHealthy(seconds: 180)
        let second = try ServeProcess.start(data: dataB, port: portB, extra: ["--brokers", brokers], environment: environment)
        b = second
        try second.waitHealthy(seconds: 180)

        let token = try ServeProcess.login(port: portA, "root", ServeProcess.adminPassword)
        XCTAssertEqual(try ServeProcess.request(port: portB, "GET", "/api/v1/users/me", token: token).status, 200, "a session of A is good on B")

        let files = try FolderSettlement.inputFiles(in: input)
        for (index, file) in files.enumerated() {
            let port = index % 2 == 0 ? portA : portB
            let answer = try ServeProcess.request(port: port, "POST", "/api/v1/files?name=\(file.name)", token: token,
                                                  body: try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path))))
            XCTAssertEqual(answer.status, 201, "\(file.name): \(answer.body)")
        }
        let listed = try waitForFiles(port: portB, token: token, count: files.count)
        let periods = Set(listed.compactMap { file -> String? in
            guard let country = file["country"] as? String, let period = file["period"] as? String, ["GB", "JP", "KW"].contains(country),
                  period.count == 8 else { return nil }
            return "\(country)/\(period)"
        }).sorted()
        for period in periods {
            let answer = try ServeProcess.request(port: portB, "POST", "/api/v1/operations/\(period.prefix(2))/periods/\(period.suffix(8))/close", token: token)
            XCTAssertEqual(answer.status, 202, "\(period): \(answer.body)")
        }
        for port in [portA, portB] {
            for period in periods { try waitClosed(port: port, token: token, period) }
        }
        let settled = try CommandRunner.run(["settle", "--reference", reference.path, "--input", input.path, "--output", expectedOut.path,
                                             "--no-documents", "--quiet"])
        XCTAssertEqual(settled.status, 0, settled.stderr)
        for report in ["settlement-agents.csv", "settlement-airlines.csv"] {
            let expected = try String(contentsOf: expectedOut.appendingPathComponent(report), encoding: .utf8)
            XCTAssertEqual(try ServeProcess.request(port: portA, "GET", "/api/v1/reports/\(report)", token: token).body, expected, "A: \(report)")
            XCTAssertEqual(try ServeProcess.request(port: portB, "GET", "/api/v1/reports/\(report)", token: token).body, expected, "B: \(report)")
        }
        let invoicesA = try ServeProcess.request(port: portA, "GET", "/api/v1/invoices?limit=1000", token: token).body
        XCTAssertEqual(invoicesA, try ServeProcess.request(port: portB, "GET", "/api/v1/invoices?limit=1000", token: token).body)
    }

    func waitForFiles(port: UInt16, token: String, count: Int) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(180)
        while true {
            let list = try ServeProcess.request(port: port, "GET", "/api/v1/files?limit=1000", token: token)
            let items = ((try? JSONSerialization.jsonObject(with: Data(list.body.utf8))) as? [String: Any])?["items"] as? [[String: Any]] ?? []
            if items.count == count, items.allSatisfy({ $0["status"] as? String != "received" }) { return items }
            guard Date() < deadline else { throw NSError(domain: "serve", code: 7, userInfo: [NSLocalizedDescriptionKey: "files not all processed: \(list.body.prefix(600))"]) }
            usleep(200_000)
        }
    }

    func waitClosed(port: UInt16, token: String, _ period: String) throws {
        let deadline = Date().addingTimeInterval(180)
        while true {
            let answer = try ServeProcess.request(port: port, "GET", "/api/v1/operations/\(period.prefix(2))/periods?limit=1000", token: token)
            let items = ((try? JSONSerialization.jsonObject(with: Data(answer.body.utf8))) as? [String: Any])?["items"] as? [[String: Any]] ?? []
            if items.contains(where: { $0["period"] as? String == String(period.suffix(8)) && $0["status"] as? String == "closed" }) { return }
            guard Date() < deadline else { throw NSError(domain: "serve", code: 8, userInfo: [NSLocalizedDescriptionKey: "\(period) not closed on :\(port): \(answer.body)"]) }
            usleep(200_000)
        }
    }
}
