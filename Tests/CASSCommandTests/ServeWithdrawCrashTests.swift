import CASSWorkers
import Foundation
import XCTest

/// `cass serve` killed (SIGKILL) while a withdrawal is on its way through
/// the stages: after a restart the withdrawal is carried out once (or, if
/// the kill came before it was durable, a retry carries it out), and the
/// settlement is that of `cass settle` on the files without the withdrawn one.
final class ServeWithdrawCrashTests: XCTestCase {
    func json(_ body: String) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]) ?? [:]
    }

    func testSIGKILLDuringAWithdrawalLosesAndDuplicatesNothing() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("cass-serve-withdraw-\(UUID().uuidString)")
        let expectedIn = FileManager.default.temporaryDirectory.appendingPathComponent("cass-settle-in-\(UUID().uuidString)")
        let expectedOut = FileManager.default.temporaryDirectory.appendingPathComponent("cass-settle-out-\(UUID().uuidString)")
        defer {
            for folder in [data, expectedIn, expectedOut] { try? FileManager.default.removeItem(at: folder) }
        }
        let reference = CommandRunner.repo.appendingPathComponent("samples/reference")
        let input = CommandRunner.repo.appendingPathComponent("samples/input")
        let files = try FolderSettlement.inputFiles(in: input)
        // The last file of its operation: no later file can refer to it.
        let withdrawnName = "125_GB_20270104_000012.cbf"
        let port = try ServeProcess.freePort()
        var server = try ServeProcess.start(data: data, port: port, extra: ["--reference", reference.path, "--admin", "root"])
        try server.waitHealthy()
        let token = try ServeProcess.login(port: port, "root", ServeProcess.adminPassword)

        var ids: [String: String] = [:]
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path)))
            let answer = try ServeProcess.request(port: port, "POST", "/api/v1/files?name=\(file.name)", token: token, body: bytes)
            XCTAssertEqual(answer.status, 201, "\(file.name): \(answer.body)")
            ids[file.name] = json(answer.body)["id"] as? String
        }
        let withdrawnID = try XCTUnwrap(ids[withdrawnName])
        // Killed while the withdrawal is asked (its outcome may not be known yet).
        let victim = server.process
        let racing = Thread {
            _ = try? ServeProcess.request(port: port, "POST", "/api/v1/files/\(withdrawnID)/withdraw", token: token)
        }
        racing.start()
        usleep(UInt32.random(in: 0...30_000))
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        server = try ServeProcess.start(data: data, port: port, extra: [])
        try server.waitHealthy()

        // Asked again: carried out now, or already (409, already withdrawn).
        let again = try ServeProcess.request(port: port, "POST", "/api/v1/files/\(withdrawnID)/withdraw", token: token)
        XCTAssertTrue(again.status == 200 || (again.status == 409 && json(again.body)["reason"] as? String == "alreadyWithdrawn"),
                      "\(again.status) \(again.body)")
        XCTAssertEqual(json(try ServeProcess.request(port: port, "GET", "/api/v1/files/\(withdrawnID)", token: token).body)["status"] as? String,
                       "withdrawn")

        // Every file has its outcome; then every period closes.
        let deadline = Date().addingTimeInterval(120)
        var listed: [[String: Any]] = []
        repeat {
            let list = try ServeProcess.request(port: port, "GET", "/api/v1/files?limit=1000", token: token)
            listed = (json(list.body)["items"] as? [[String: Any]]) ?? []
            if listed.count == files.count, listed.allSatisfy({ $0["status"] as? String != "received" }) { break }
            usleep(100_000)
        } while Date() < deadline
        XCTAssertEqual(listed.count, files.count)
        let periods = Set(listed.compactMap { file -> String? in
            guard let country = file["country"] as? String, let period = file["period"] as? String, period.count == 8,
                  ["GB", "JP", "KW"].contains(country) else { return nil }
            return "\(country)/\(period)"
        }).sorted()
        for period in periods {
            let answer = try ServeProcess.request(port: port, "POST", "/api/v1/operations/\(period.prefix(2))/periods/\(period.suffix(8))/close", token: token)
            XCTAssertTrue([200, 202].contains(answer.status), "\(period): \(answer.status) \(answer.body)")
        }
        let closedDeadline = Date().addingTimeInterval(120)
        for period in periods {
            while true {
                let answer = try ServeProcess.request(port: port, "GET", "/api/v1/operations/\(period.prefix(2))/periods?limit=1000", token: token)
                let items = (json(answer.body)["items"] as? [[String: Any]]) ?? []
                if items.contains(where: { $0["period"] as? String == String(period.suffix(8)) && $0["status"] as? String == "closed" }) { break }
                guard Date() < closedDeadline else { return XCTFail("\(period) never closed: \(answer.body)") }
                usleep(100_000)
            }
        }

        // cass settle on the same files but the withdrawn one.
        try FileManager.default.createDirectory(at: expectedIn, withIntermediateDirectories: true)
        for file in files where file.name != withdrawnName {
            try FileManager.default.copyItem(atPath: file.path, toPath: expectedIn.appendingPathComponent(file.name).path)
        }
        let settled = try CommandRunner.run(["settle", "--reference", reference.path, "--input", expectedIn.path, "--output", expectedOut.path,
                                             "--no-documents", "--quiet"])
        XCTAssertEqual(settled.status, 0, settled.stderr)
        for report in ["settlement-agents.csv", "settlement-airlines.csv"] {
            let served = try ServeProcess.request(port: port, "GET", "/api/v1/reports/\(report)", token: token)
            XCTAssertEqual(served.body, try String(contentsOf: expectedOut.appendingPathComponent(report), encoding: .utf8), report)
        }
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        XCTAssertEqual(server.process.terminationStatus, 0, (try? server.stderr()) ?? "")
    }
}
