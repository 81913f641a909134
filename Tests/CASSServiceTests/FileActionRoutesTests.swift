import CASSDomain
import CASSEngine
import CASSLog
import CASSService
import CASSWorkers
import Foundation
import XCTest

/// The dry-run validate and the withdrawal through the HTTP API, with the
/// pipeline running inside the service (portal.md "Billing files").
final class FileActionRoutesTests: XCTestCase {
    static var samplesInput: URL { FileRoutesTests.samplesInput }

    func upload(_ client: APIClient, _ file: FolderSettlement.InputFile) throws -> String {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path)))
        let answer = try client.request("POST", "/api/v1/files?name=\(file.name)", body: bytes, contentType: "application/octet-stream")
        XCTAssertEqual(answer.status, 201, "\(file.name): \(answer)")
        return try XCTUnwrap(answer.json["id"] as? String)
    }

    func outcome(_ client: APIClient, _ id: String) throws -> [String: Any] {
        try waitFor(client, "/api/v1/files/\(id)") { ($0["status"] as? String) != "received" }
    }

    /// The acceptance scenario: every sample uploaded in processing order,
    /// one validated before it is sent, one withdrawn; the reports equal
    /// `cass settle` on the samples without the withdrawn file.
    func testWhatSettlesAfterAWithdrawalIsWhatSettlesWithoutTheFile() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let admin = try harness.login("root", ServiceHarness.adminPassword)
        let files = try FolderSettlement.inputFiles(in: Self.samplesInput)
        // The last GB file: no later file of its operation can refer to it.
        let withdrawnName = "125_GB_20270104_000012.cbf"
        let validatedName = "131_JP_20261101_900101_showcase-R07-R09-R12-with-correction-and-memos.cbf"
        var ids: [String: String] = [:]
        var dryRun: [String: Any] = [:]
        for file in files {
            if file.name == validatedName {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path)))
                let answer = try admin.request("POST", "/api/v1/files/validate?name=\(file.name)", body: bytes, contentType: "application/octet-stream")
                XCTAssertEqual(answer.status, 200, answer.description)
                dryRun = answer.json
            }
            ids[file.name] = try upload(admin, file)
        }
        for file in files { _ = try outcome(admin, try XCTUnwrap(ids[file.name])) }

        // The dry run said what the file then got.
        let validated = try XCTUnwrap(ids[validatedName])
        let sent = try admin.get("/api/v1/files/\(validated)").json
        XCTAssertTrue(dryRun["fileCode"] is NSNull, "\(dryRun)")
        XCTAssertEqual(dryRun["records"] as? Int, sent["records"] as? Int)
        XCTAssertEqual(dryRun["accepted"] as? Int, sent["accepted"] as? Int)
        let sentRejections = try admin.get("/api/v1/files/\(validated)/rejections?limit=1000").items
        let dryRejections = try XCTUnwrap(dryRun["rejections"] as? [[String: Any]])
        XCTAssertFalse(dryRejections.isEmpty)
        XCTAssertEqual(dryRejections.map { "\($0["sequence"] ?? "") \($0["code"] ?? "")" }.sorted(),
                       sentRejections.map { "\($0["sequence"] ?? "") \($0["code"] ?? "")" }.sorted())
        // A dry run of a file already sent: F04, and still nothing kept.
        let again = try admin.request("POST", "/api/v1/files/validate?name=x.cbf",
                                      body: try [UInt8](Data(contentsOf: Self.samplesInput.appendingPathComponent("125_GB_20261101_000001.cbf"))),
                                      contentType: "application/octet-stream")
        XCTAssertEqual(again.json["fileCode"] as? String, "F04", again.description)
        XCTAssertEqual(try admin.get("/api/v1/files?limit=1000").items.count, files.count, "a dry run keeps no file")

        let withdrawnID = try XCTUnwrap(ids[withdrawnName])
        let withdrawn = try admin.request("POST", "/api/v1/files/\(withdrawnID)/withdraw")
        XCTAssertEqual(withdrawn.status, 200, withdrawn.description)
        XCTAssertEqual(withdrawn.json["status"] as? String, "withdrawn")
        XCTAssertEqual(try admin.get("/api/v1/files/\(withdrawnID)").json["status"] as? String, "withdrawn")
        let twice = try admin.request("POST", "/api/v1/files/\(withdrawnID)/withdraw")
        XCTAssertEqual(twice.status, 409)
        XCTAssertEqual(twice.header("Content-Type"), "application/problem+json")
        let rejected = try XCTUnwrap(ids["125_GB_20261102_900005_F05-format-version-02.cbf"])
        XCTAssertEqual(try admin.request("POST", "/api/v1/files/\(rejected)/withdraw").status, 409, "only an accepted file")

        let reference = try ReferenceLoader.load(directory: ServiceHarness.samplesReference)
        let periods = FolderSettlement.periodsPresent(files, reference: reference)
        for period in periods {
            XCTAssertEqual(try admin.request("POST", "/api/v1/operations/\(period.country)/periods/\(period.period.yyyymmnn)/close").status, 202)
        }
        for period in periods {
            _ = try waitFor(admin, "/api/v1/operations/\(period.country)/periods?limit=1000") { json in
                ((json["items"] as? [[String: Any]]) ?? []).contains { $0["period"] as? String == String(period.period.yyyymmnn) && $0["status"] as? String == "closed" }
            }
        }
        let (expected, _) = try FolderSettlement.run(reference: reference, files: files.filter { $0.name != withdrawnName }, keepLines: true)
        XCTAssertEqual(try admin.get("/api/v1/reports/settlement-agents.csv").text, SettlementSummary.agentsCSV(expected.invoices))
        XCTAssertEqual(try admin.get("/api/v1/reports/settlement-airlines.csv").text, SettlementSummary.airlinesCSV(expected.disbursements))
        XCTAssertEqual(try admin.get("/api/v1/reports/rejections.csv").text, SettlementSummary.rejectionsCSV(expected.rejections))

        // Its period is closed now: no file of it can go.
        let late = try admin.request("POST", "/api/v1/files/\(try XCTUnwrap(ids["125_GB_20261101_000001.cbf"]))/withdraw")
        XCTAssertEqual(late.status, 409, late.description)
        XCTAssertEqual(late.json["reason"] as? String, "periodClosed")
    }

    /// A file with one CCA (amounts unchanged) of the first record without
    /// other charges of `bytes`, as file sequence `sequence`.
    func correction(of bytes: [UInt8], sequence: Int) throws -> [UInt8] {
        guard case .parsed(var file) = CBFReader.read(bytes: bytes, fileName: "x.cbf", periodsPerMonth: { _ in 2 }) else {
            throw APIClient.Failure(description: "the sample does not read")
        }
        var record = try XCTUnwrap(file.records.first { $0.otherChargesCount == 0 && $0.transaction == .awb })
        record.transaction = .cca
        record.sequence = 1
        record.otherChargesStart = 0
        file.records = [record]
        file.otherCharges = []
        file.header.fileSequence = sequence
        file.trailer = CBFWriter.controlTotals(of: file.records)
        return CBFWriter.write(file)
    }

    func testAFileWhoseAWBsALaterFileCorrectedStaysAndItsSequenceComesBackAfterAWithdrawal() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let admin = try harness.login("root", ServiceHarness.adminPassword)
        for (username, company, role) in [("jl.input", "airline-131", "input"), ("jl.viewer", "airline-131", "viewer"), ("ba.input", "airline-125", "input")] {
            let created = try admin.post("/api/v1/users", json: [
                "username": username, "company": company, "role": role, "name": username, "email": "\(username)@example.com",
                "language": "en", "password": "correct horse battery",
            ])
            XCTAssertEqual(created.status, 201, created.description)
        }
        let jl = try harness.login("jl.input", "correct horse battery")
        let viewer = try harness.login("jl.viewer", "correct horse battery")
        let ba = try harness.login("ba.input", "correct horse battery")
        let all = try FolderSettlement.inputFiles(in: Self.samplesInput)
        let first = try XCTUnwrap(all.first { $0.name == "131_JP_20261101_000001.cbf" })
        let firstID = try upload(jl, first)
        XCTAssertEqual(try outcome(jl, firstID)["status"] as? String, "accepted")
        let cca = try correction(of: try [UInt8](Data(contentsOf: URL(fileURLWithPath: first.path))), sequence: 50)
        let ccaName = "131_JP_20261101_000050.cbf"
        let ccaAnswer = try jl.request("POST", "/api/v1/files?name=\(ccaName)", body: cca, contentType: "application/octet-stream")
        let ccaID = try XCTUnwrap(ccaAnswer.json["id"] as? String)
        let ccaOutcome = try outcome(jl, ccaID)
        XCTAssertEqual(ccaOutcome["accepted"] as? Int, 1, "\(ccaOutcome)")

        XCTAssertEqual(try ba.request("POST", "/api/v1/files/\(firstID)/withdraw").status, 404, "another airline's file is as missing")
        XCTAssertEqual(try viewer.request("POST", "/api/v1/files/\(firstID)/withdraw").status, 403)
        XCTAssertEqual(try viewer.request("POST", "/api/v1/files/validate?name=v.cbf", body: Array("x".utf8)).status, 403)

        // The later CCA refers to one of the first file's AWBs.
        let refused = try jl.request("POST", "/api/v1/files/\(firstID)/withdraw")
        XCTAssertEqual(refused.status, 409, refused.description)
        XCTAssertEqual(refused.json["reason"] as? String, "conflict")
        let named = try XCTUnwrap(refused.json["files"] as? [[String: Any]])
        XCTAssertEqual(named.map { $0["id"] as? String }, [ccaID])
        XCTAssertTrue((refused.json["detail"] as? String ?? "").contains(ccaName))
        XCTAssertEqual(try jl.get("/api/v1/files/\(firstID)").json["status"] as? String, "accepted")
        let showcaseID = ccaID

        // The later file can go; then the first one can, and a corrected
        // file with its sequence number is accepted.
        XCTAssertEqual(try jl.request("POST", "/api/v1/files/\(showcaseID)/withdraw").status, 200)
        XCTAssertEqual(try jl.request("POST", "/api/v1/files/\(firstID)/withdraw").status, 200)
        let resentID = try upload(jl, first)
        let resent = try outcome(jl, resentID)
        XCTAssertEqual(resent["status"] as? String, "accepted", "\(resent)")
        XCTAssertEqual(resent["accepted"] as? Int, 5, "its AWBs billed again (no R10)")
        // Withdrawn at once, before its outcome is known: the request follows
        // the file through ingest.
        let quickID = try upload(jl, try XCTUnwrap(all.first { $0.name == "131_JP_20261102_000002.cbf" }))
        let quick = try jl.request("POST", "/api/v1/files/\(quickID)/withdraw")
        XCTAssertEqual(quick.status, 200, quick.description)
        XCTAssertEqual(try jl.get("/api/v1/files/\(quickID)").json["status"] as? String, "withdrawn")
    }

    /// A file over 512 KiB travels to ingest as chunks on cass.uploads; its
    /// records spread over every validate partition.
    func testADryRunOfALargeFileAnswersForAllOfItAndKeepsNothing() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let admin = try harness.login("root", ServiceHarness.adminPassword)
        let firstURL = Self.samplesInput.appendingPathComponent("125_GB_20261101_000001.cbf")
        let firstBytes = try [UInt8](Data(contentsOf: firstURL))
        let firstID = try XCTUnwrap(try admin.request("POST", "/api/v1/files?name=125_GB_20261101_000001.cbf", body: firstBytes,
                                                      contentType: "application/octet-stream").json["id"] as? String)
        XCTAssertEqual(try outcome(admin, firstID)["status"] as? String, "accepted")
        guard case .parsed(var file) = CBFReader.read(bytes: firstBytes, fileName: "x.cbf", periodsPerMonth: { _ in 4 }) else {
            return XCTFail("the sample does not read")
        }
        let model = try XCTUnwrap(file.records.first { $0.otherChargesCount == 0 && $0.transaction == .awb })
        var records: [BillingRecord] = []
        for index in 0..<5000 {
            var record = model
            record.awbSerial = Int32(CheckDigit.awbSerial(from: 3_000_000 + index))
            record.sequence = Int32(index + 1)
            record.otherChargesStart = 0
            records.append(record)
        }
        // And one AWB the first file billed: R10.
        var duplicate = model
        duplicate.sequence = 5001
        duplicate.otherChargesStart = 0
        records.append(duplicate)
        file.records = records
        file.otherCharges = []
        file.header.fileSequence = 40
        file.trailer = CBFWriter.controlTotals(of: records)
        let bytes = CBFWriter.write(file)
        XCTAssertGreaterThan(bytes.count, Submission.inlineBytesMax)
        let name = "125_GB_20261101_000040.cbf"
        let dry = try admin.request("POST", "/api/v1/files/validate?name=\(name)", body: bytes, contentType: "application/octet-stream")
        XCTAssertEqual(dry.status, 200, dry.description)
        XCTAssertTrue(dry.json["fileCode"] is NSNull)
        XCTAssertEqual(dry.json["records"] as? Int, 5001)
        XCTAssertEqual(dry.json["accepted"] as? Int, 5000)
        let rejections = try XCTUnwrap(dry.json["rejections"] as? [[String: Any]])
        XCTAssertEqual(rejections.map { $0["code"] as? String }, ["R10"])
        XCTAssertEqual(rejections.first?["sequence"] as? Int, 5002, "the CBF sequence counts the header line")
        XCTAssertEqual(try admin.get("/api/v1/files").items.count, 1, "nothing kept")
        // Sent for real, it gets what the dry run said.
        let sentID = try XCTUnwrap(try admin.request("POST", "/api/v1/files?name=\(name)", body: bytes, contentType: "application/octet-stream").json["id"] as? String)
        XCTAssertEqual(try outcome(admin, sentID)["status"] as? String, "accepted")
        _ = try waitFor(admin, "/api/v1/files/\(sentID)/rejections") { (($0["items"] as? [[String: Any]]) ?? []).count == 1 }
        XCTAssertEqual(try admin.get("/api/v1/files/\(sentID)/rejections").items.map { $0["code"] as? String }, ["R10"])
    }
}

/// A period of a year before 1000 (found by schemathesis: `00170101` is
/// eight digits and a valid YYYYMMNN) is closed like any other: its text
/// keeps its eight digits wherever it is written, so the accounts record
/// of the close reads back, and the service goes on answering, also after
/// a restart that replays it.
final class EarlyYearPeriodTests: XCTestCase {
    func testAPeriodOfTheYear17ClosesAndTheServiceGoesOnAnsweringAfterARestart() throws {
        let log = InProcessLog()
        let first = try ServiceHarness(log: log)
        let admin = try first.login("root", ServiceHarness.adminPassword)
        XCTAssertEqual(try admin.request("POST", "/api/v1/operations/GB/periods/00170101/close").status, 202)
        _ = try waitFor(admin, "/api/v1/operations/GB/periods") { json in
            ((json["items"] as? [[String: Any]]) ?? []).contains { $0["period"] as? String == "00170101" && $0["status"] as? String == "closed" }
        }
        XCTAssertEqual(try APIClient(port: first.port).get("/healthz").status, 200)
        let user = try admin.post("/api/v1/users", json: ["username": "ba.input", "company": "airline-125", "role": "input", "name": "BA",
                                                            "email": "ba@example.com", "language": "en", "password": "a long enough password"])
        XCTAssertEqual(user.status, 201, user.description)
        first.service.stop(timeoutMs: 2_000)

        let second = try ServiceHarness(log: log, admin: nil)
        defer {
            second.stop()
            try? FileManager.default.removeItem(at: first.directory)
        }
        XCTAssertEqual(try APIClient(port: second.port).get("/healthz").status, 200)
        let again = try second.login("root", ServiceHarness.adminPassword)
        let close = try again.request("POST", "/api/v1/operations/GB/periods/00170101/close")
        XCTAssertEqual(close.status, 200, close.description)
        XCTAssertEqual(close.json["period"] as? String, "00170101")
        XCTAssertEqual(close.json["status"] as? String, "closed")
    }
}
