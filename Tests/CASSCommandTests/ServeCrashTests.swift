import CASSWorkers
import Foundation
import XCTest

/// `cass serve` killed (SIGKILL) while airlines upload and the pipeline
/// works: after a restart on the same data folder every acknowledged
/// upload is there once, a retried upload (same Idempotency-Key) is not
/// billed twice, and the settlement is byte for byte that of `cass settle`
/// on the same files.
final class ServeCrashTests: XCTestCase {
    func testSIGKILLDuringUploadsLosesAndDuplicatesNothing() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("cass-serve-crash-\(UUID().uuidString)")
        let expectedOut = FileManager.default.temporaryDirectory.appendingPathComponent("cass-settle-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: data)
            try? FileManager.default.removeItem(at: expectedOut)
        }
        let reference = CommandRunner.repo.appendingPathComponent("samples/reference")
        let input = CommandRunner.repo.appendingPathComponent("samples/input")
        let files = try FolderSettlement.inputFiles(in: input)
        let port = try ServeProcess.freePort()
        var server = try ServeProcess.start(data: data, port: port, extra: ["--reference", reference.path, "--admin", "root"])
        try server.waitHealthy()
        let token = try ServeProcess.login(port: port, "root", ServeProcess.adminPassword)

        // Uploads in processing order; the service is killed after a third
        // of them, while the next is on its way and the stages are busy.
        var acknowledged: [String: String] = [:]
        let killAt = files.count / 3
        var next = 0
        while next < files.count {
            if next == killAt {
                let victim = server.process
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: files[next].path)))
                let name = files[next].name
                let racing = Thread {
                    _ = try? ServeProcess.request(port: port, "POST", "/api/v1/files?name=\(name)", token: token,
                                                  body: bytes, headers: ["Idempotency-Key": "upload-\(name)"])
                }
                racing.start()
                usleep(UInt32.random(in: 0...20_000))
                kill(victim.processIdentifier, SIGKILL)
                victim.waitUntilExit()
                server = try ServeProcess.start(data: data, port: port, extra: [])
                try server.waitHealthy()
            }
            let file = files[next]
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path)))
            // The file in flight at the kill is sent again with its key: once it is, whatever the crash left.
            let answer = try ServeProcess.request(port: port, "POST", "/api/v1/files?name=\(file.name)", token: token,
                                                  body: bytes, headers: ["Idempotency-Key": "upload-\(file.name)"])
            XCTAssertEqual(answer.status, 201, "\(file.name): \(answer.body)")
            let id = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])?["id"] as? String)
            XCTAssertNil(acknowledged[id], "one id per file")
            acknowledged[id] = file.name
            next += 1
        }
        // Every file once, each with its outcome.
        let deadline = Date().addingTimeInterval(120)
        var listed: [[String: Any]] = []
        repeat {
            let list = try ServeProcess.request(port: port, "GET", "/api/v1/files?limit=1000", token: token)
            listed = ((try JSONSerialization.jsonObject(with: Data(list.body.utf8)) as? [String: Any])?["items"] as? [[String: Any]]) ?? []
            if listed.count == files.count, listed.allSatisfy({ $0["status"] as? String != "received" }) { break }
            usleep(100_000)
        } while Date() < deadline
        XCTAssertEqual(listed.count, files.count, "every acknowledged upload, once")
        XCTAssertEqual(Set(listed.compactMap { $0["id"] as? String }), Set(acknowledged.keys))

        // Closing, then killed again mid-close: the periods still close once.
        let periods = Set(listed.compactMap { file -> String? in
            guard let country = file["country"] as? String, let period = file["period"] as? String, !country.isEmpty, period.count == 8,
                  ["GB", "JP", "KW"].contains(country) else { return nil }
            return "\(country)/\(period)"
        }).sorted()
        for (index, period) in periods.enumerated() {
            let answer = try ServeProcess.request(port: port, "POST", "/api/v1/operations/\(period.prefix(2))/periods/\(period.suffix(8))/close", token: token)
            XCTAssertTrue([200, 202].contains(answer.status), "\(period): \(answer.status) \(answer.body)")
            if index == periods.count / 2 {
                kill(server.process.processIdentifier, SIGKILL)
                server.process.waitUntilExit()
                server = try ServeProcess.start(data: data, port: port, extra: [])
                try server.waitHealthy()
            }
        }
        let closedDeadline = Date().addingTimeInterval(120)
        for period in periods {
            while true {
                let answer = try ServeProcess.request(port: port, "GET", "/api/v1/operations/\(period.prefix(2))/periods?limit=1000", token: token)
                if answer.body.contains("\"period\":\"\(period.suffix(8))\",\"status\":\"closed\"") || answer.body.contains("\"status\":\"closed\",\"period\":\"\(period.suffix(8))\"") { break }
                let items = ((try? JSONSerialization.jsonObject(with: Data(answer.body.utf8))) as? [String: Any])?["items"] as? [[String: Any]] ?? []
                if items.contains(where: { $0["period"] as? String == String(period.suffix(8)) && $0["status"] as? String == "closed" }) { break }
                guard Date() < closedDeadline else { XCTFail("\(period) never closed: \(answer.body)"); return }
                usleep(100_000)
            }
        }

        let settled = try CommandRunner.run(["settle", "--reference", reference.path, "--input", input.path, "--output", expectedOut.path,
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
