import CASSDomain
import CASSEngine
import CASSLog
import CASSService
import CASSWorkers
import Foundation
import XCTest

/// Billing files and periods through the HTTP API, with the pipeline
/// running inside the service: the results must be those of `cass settle`
/// on the same files.
final class FileRoutesTests: XCTestCase {
    static var samplesInput: URL { ServiceHarness.samplesReference.deletingLastPathComponent().appendingPathComponent("input") }

    func testUploadedSamplesSettleAsTheEmbeddedRunDoes() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let admin = try harness.login("root", ServiceHarness.adminPassword)
        let files = try FolderSettlement.inputFiles(in: Self.samplesInput)
        var ids: [String] = []
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path)))
            let answer = try admin.request("POST", "/api/v1/files?name=\(file.name)", body: bytes, contentType: "application/octet-stream")
            XCTAssertEqual(answer.status, 201, "\(file.name): \(answer)")
            XCTAssertEqual(answer.json["status"] as? String, "received")
            ids.append(try XCTUnwrap(answer.json["id"] as? String))
        }
        // Every file gets its outcome.
        for (id, file) in zip(ids, files) {
            let status: [String: Any]
            do {
                status = try waitFor(admin, "/api/v1/files/\(id)") { ($0["status"] as? String) != "received" }
            } catch {
                for stage in Pipeline.settlement {
                    for record in try harness.service.log.readTopicToEnd(stage.deadLetter.name) {
                        print("dead letter of \(stage.name):", record.header("cass.error").map { String(decoding: $0, as: UTF8.self) } ?? "")
                    }
                }
                throw error
            }
            XCTAssertTrue(["accepted", "rejected"].contains(status["status"] as? String ?? ""), "\(file.name): \(status)")
            let content = try admin.get("/api/v1/files/\(id)/content")
            XCTAssertEqual(content.body, try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path))), "content of \(file.name) as uploaded")
        }
        let reference = try ReferenceLoader.load(directory: ServiceHarness.samplesReference)
        let periods = FolderSettlement.periodsPresent(files, reference: reference)
        for period in periods {
            let closing = try admin.request("POST", "/api/v1/operations/\(period.country)/periods/\(period.period.yyyymmnn)/close")
            XCTAssertEqual(closing.status, 202, closing.description)
        }
        for period in periods {
            _ = try waitFor(admin, "/api/v1/operations/\(period.country)/periods?limit=1000") { json in
                ((json["items"] as? [[String: Any]]) ?? []).contains { $0["period"] as? String == String(period.period.yyyymmnn) && $0["status"] as? String == "closed" }
            }
        }
        let again = try admin.request("POST", "/api/v1/operations/\(periods[0].country)/periods/\(periods[0].period.yyyymmnn)/close")
        XCTAssertEqual(again.status, 200, "closing a closed period changes nothing")

        let (expected, _) = try FolderSettlement.run(reference: reference, files: files, keepLines: true)
        XCTAssertEqual(try admin.get("/api/v1/reports/settlement-agents.csv").text, SettlementSummary.agentsCSV(expected.invoices))
        XCTAssertEqual(try admin.get("/api/v1/reports/settlement-airlines.csv").text, SettlementSummary.airlinesCSV(expected.disbursements))
        XCTAssertEqual(try admin.get("/api/v1/reports/rejections.csv").text, SettlementSummary.rejectionsCSV(expected.rejections),
                       "every period closed: every rejection, as cass settle lists them")
        // An accepted file's counts include what validate rejected later
        // (R10, R11...), each record once: they add up to its rejection rows.
        var laterCodes: Set<String> = []
        for id in ids {
            let file = try admin.get("/api/v1/files/\(id)")
            guard file.json["status"] as? String == "accepted" else { continue }
            let rows = try admin.get("/api/v1/files/\(id)/rejections?limit=1000").items
            let sequences = Set(rows.compactMap { $0["sequence"] as? Int })
            laterCodes.formUnion(rows.compactMap { $0["code"] as? String }.filter { ["R10", "R11"].contains($0) })
            XCTAssertEqual(file.json["rejected"] as? Int, sequences.count, "\(file.json["name"] ?? id): \(rows.count) rows")
            XCTAssertEqual((file.json["accepted"] as? Int ?? -1) + (file.json["rejected"] as? Int ?? -1), file.json["records"] as? Int)
        }
        XCTAssertEqual(laterCodes, ["R10", "R11"], "the samples have records validate rejects")
        // The file-level rejections show on their files.
        let rejectedFile = try XCTUnwrap(zip(ids, files).first { $0.1.name.contains("F05") })
        let file = try admin.get("/api/v1/files/\(rejectedFile.0)")
        XCTAssertEqual(file.json["status"] as? String, "rejected")
        XCTAssertEqual(file.json["fileCode"] as? String, "F05")
        XCTAssertEqual(try admin.get("/api/v1/files/\(rejectedFile.0)/rejections").items.first?["code"] as? String, "F05")
        // Invoices reached the accounts: an invoice answers with its standing.
        let invoices = try admin.get("/api/v1/invoices?limit=5")
        XCTAssertEqual(invoices.status, 200)
        XCTAssertFalse(invoices.items.isEmpty)
        XCTAssertNotNil(invoices.items.first?["outstandingMinor"])
    }

    func testAirlinesUploadTheirOwnFilesAndSeeNoOthers() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let admin = try harness.login("root", ServiceHarness.adminPassword)
        for (username, company, role) in [("ba.input", "airline-125", "input"), ("jl.input", "airline-131", "input"), ("ba.viewer", "airline-125", "viewer"),
                                          ("thames", "agent-GB-91200040002", "output")] {
            let created = try admin.post("/api/v1/users", json: [
                "username": username, "company": company, "role": role, "name": username, "email": "\(username)@example.com",
                "language": "en", "password": "correct horse battery",
            ])
            XCTAssertEqual(created.status, 201, created.description)
        }
        let ba = try harness.login("ba.input", "correct horse battery")
        let jl = try harness.login("jl.input", "correct horse battery")
        let viewer = try harness.login("ba.viewer", "correct horse battery")
        let agent = try harness.login("thames", "correct horse battery")
        let name = "125_GB_20261101_000001.cbf"
        let bytes = try [UInt8](Data(contentsOf: Self.samplesInput.appendingPathComponent(name)))

        let foreign = try jl.request("POST", "/api/v1/files?name=\(name)", body: bytes, contentType: "application/octet-stream")
        XCTAssertEqual(foreign.status, 403, "a file naming another airline: \(foreign)")
        XCTAssertEqual(try viewer.request("POST", "/api/v1/files?name=\(name)", body: bytes, contentType: "application/octet-stream").status, 403)
        XCTAssertEqual(try agent.request("POST", "/api/v1/files?name=\(name)", body: bytes, contentType: "application/octet-stream").status, 403)
        XCTAssertEqual(try ba.request("POST", "/api/v1/files?name=../etc/passwd", body: bytes, contentType: "application/octet-stream").status, 422)
        XCTAssertEqual(try ba.request("POST", "/api/v1/files", body: bytes, contentType: "application/octet-stream").status, 422)
        XCTAssertEqual(try admin.get("/api/v1/files").items.count, 0, "nothing of the refused uploads was kept")

        let uploaded = try ba.request("POST", "/api/v1/files?name=\(name)", body: bytes, contentType: "application/octet-stream")
        XCTAssertEqual(uploaded.status, 201, uploaded.description)
        let id = try XCTUnwrap(uploaded.json["id"] as? String)
        let file = try waitFor(ba, "/api/v1/files/\(id)") { $0["status"] as? String == "accepted" }
        XCTAssertEqual(file["submittedBy"] as? String, "ba.input")
        XCTAssertEqual(file["airline"] as? String, "125")
        XCTAssertEqual(file["country"] as? String, "GB")
        XCTAssertEqual(file["period"] as? String, "20261101")
        XCTAssertEqual(file["fileSequence"] as? Int, 1)
        XCTAssertEqual(try viewer.get("/api/v1/files").items.count, 1, "the airline's viewer sees its files")
        XCTAssertEqual(try viewer.get("/api/v1/files/\(id)/content").status, 403, "a viewer does not download content")
        for other in [jl, agent] {
            XCTAssertEqual(try other.get("/api/v1/files/\(id)").status, 404, "another company's file is as missing")
            XCTAssertEqual(try other.get("/api/v1/files/\(id)/content").status, 404)
            XCTAssertEqual(try other.get("/api/v1/files/\(id)/rejections").status, 404)
            XCTAssertEqual(try other.get("/api/v1/files").items.count, 0)
        }
        XCTAssertEqual(try ba.get("/api/v1/files?status=rejected").items.count, 0)
        XCTAssertEqual(try ba.get("/api/v1/files?status=nonsense").status, 422)
        XCTAssertEqual(try ba.request("POST", "/api/v1/operations/GB/periods/20261101/close").status, 403, "only the operator closes")
        XCTAssertEqual(try admin.request("POST", "/api/v1/operations/GB/periods/20261105/close").status, 422)
        XCTAssertEqual(try admin.request("POST", "/api/v1/operations/ZZ/periods/20261101/close").status, 404)
        let periods = try ba.get("/api/v1/operations/GB/periods")
        XCTAssertEqual(periods.items.first?["period"] as? String, "20261101")
        XCTAssertEqual(periods.items.first?["status"] as? String, "open")
        XCTAssertEqual(periods.items.first?["files"] as? Int, 1)
        XCTAssertEqual(try jl.get("/api/v1/operations/GB/periods").items.count, 0, "another airline's files do not count for it")
        XCTAssertEqual(try jl.get("/api/v1/operations/ZZ/periods").status, 404)
    }

    func testStateSurvivesARestartOnTheSameLog() throws {
        let log = InProcessLog()
        var harness: ServiceHarness? = try ServiceHarness(log: log)
        let admin = try XCTUnwrap(harness).login("root", ServiceHarness.adminPassword)
        let name = "125_GB_20261101_000001.cbf"
        let bytes = try [UInt8](Data(contentsOf: Self.samplesInput.appendingPathComponent(name)))
        let id = try XCTUnwrap(try admin.request("POST", "/api/v1/files?name=\(name)", body: bytes, contentType: "application/octet-stream").json["id"] as? String)
        _ = try waitFor(admin, "/api/v1/files/\(id)") { $0["status"] as? String == "accepted" }
        harness?.stop()
        harness = nil

        let again = try ServiceHarness(log: log, admin: nil)
        defer { again.stop() }
        let client = APIClient(port: again.port, token: admin.token)
        XCTAssertEqual(try client.get("/api/v1/files/\(id)").json["status"] as? String, "accepted")
        // The same file again is F04 (the registry came back from the state topic).
        let second = try XCTUnwrap(try client.request("POST", "/api/v1/files?name=\(name)", body: bytes, contentType: "application/octet-stream").json["id"] as? String)
        let outcome = try waitFor(client, "/api/v1/files/\(second)") { $0["status"] as? String != "received" }
        XCTAssertEqual(outcome["fileCode"] as? String, "F04", "\(outcome)")
    }
}
