import CASSAccounts
import CASSDomain
import CASSEngine
import CASSLog
import CASSRender
@testable import CASSService
import CASSWorkers
import Foundation
import XCTest

/// The money path of an accepted dispute, through the service with its
/// pipeline (portal.md "Disputes"): the agent disputes an AWB of its
/// invoice, the airline accepts a lower amount, the next period closes, and
/// the agent's next invoice carries the `DSP` credit memo; the airline's
/// disbursement gives exactly that; the disputed invoice never changes; a
/// restart, and a copy of the memo written by "another serve process",
/// bill nothing twice. The CSVs equal an independent settlement that bills
/// the same memo as a `CCM` record of a billing file.
final class DisputeMemoTests: XCTestCase {
    static let password = "correct horse battery"
    static var samples: URL { ServiceHarness.samplesReference.deletingLastPathComponent() }

    func testAnAcceptedDisputeIsBilledOnceAsAMemoOnTheNextInvoice() throws {
        let log = InProcessLog()
        let today = try XCTUnwrap(CivilDate(yyyymmdd: 20261110))
        var harness = try ServiceHarness(log: log, today: today)
        defer { harness.stop() }
        var root = try harness.login("root", ServiceHarness.adminPassword)
        let reference = try ReferenceLoader.load(directory: ServiceHarness.samplesReference)
        let first = PeriodKey(country: "GB", period: try XCTUnwrap(BillingPeriod(yyyymmnn: 20261101)))
        let second = PeriodKey(country: "GB", period: try XCTUnwrap(BillingPeriod(yyyymmnn: 20261102)))
        let files = try FolderSettlement.inputFiles(in: Self.samples.appendingPathComponent("input")).filter {
            $0.summary.operation == "GB" && [first.period, second.period].contains($0.summary.period)
        }
        let contents = try files.map { (name: $0.name, bytes: try [UInt8](Data(contentsOf: URL(fileURLWithPath: $0.path)))) }

        // Both periods' files; the first period closes.
        for file in contents {
            let answer = try root.request("POST", "/api/v1/files?name=\(file.name)", body: file.bytes, contentType: "application/octet-stream")
            XCTAssertEqual(answer.status, 201, "\(file.name): \(answer)")
            let id = try XCTUnwrap(answer.json["id"] as? String)
            _ = try waitFor(root, "/api/v1/files/\(id)") { $0["status"] as? String != "received" }
        }
        try close(first, root)

        // An invoice of the first period with an AWB of airline 125.
        let context = try XCTUnwrap(harness.service.context)
        let invoice = try XCTUnwrap(context.invoices.all().filter { $0.period == first.period }.sorted { $0.number < $1.number }
            .first { $0.sections.contains { $0.airlinePrefix == 125 && $0.lines.contains { $0.amount > 100 } } })
        let line = try XCTUnwrap(invoice.sections.first { $0.airlinePrefix == 125 }?.lines.first { $0.amount > 100 })
        let awbTotal = invoice.sections.first { $0.airlinePrefix == 125 }?.lines.filter { $0.awbSerial == line.awbSerial }.reduce(0) { $0 + $1.amount } ?? 0
        let accepted = max(1, awbTotal / 3)
        try waitUntil("the accounts know \(invoice.number)") { context.accounts.read { $0.invoice(invoice.number) } != nil }
        for (name, company, role) in [("agent.output", InvoicesView.agentCompany(invoice), "output"), ("ba.input", "airline-125", "input")] {
            let created = try root.post("/api/v1/users", json: ["username": name, "company": company, "role": role, "name": name,
                                                               "email": "\(name)@example.com", "language": "en", "password": Self.password])
            XCTAssertEqual(created.status, 201, created.description)
        }
        let before = try root.get("/api/v1/invoices/\(invoice.number)")
        XCTAssertEqual(before.status, 200, before.description)

        // Raised by the agent, accepted by the airline at a lower amount.
        let agent = try harness.login("agent.output", Self.password)
        let raised = try agent.post("/api/v1/disputes", json: ["invoice": invoice.number, "awb": line.awb, "reason": "weighed twice"])
        XCTAssertEqual(raised.status, 201, raised.description)
        let id = try XCTUnwrap(raised.json["id"] as? String)
        XCTAssertEqual((raised.json["amountMinor"] as? NSNumber)?.int64Value, awbTotal)
        let airline = try harness.login("ba.input", Self.password)
        let answer = try airline.post("/api/v1/disputes/\(id)/accept", json: ["amountMinor": accepted])
        XCTAssertEqual(answer.status, 200, answer.description)
        XCTAssertEqual(answer.json["memoPeriod"] as? String, "20261102")
        let memo = try XCTUnwrap(context.accounts.read { $0.memo(ofDispute: id) })
        XCTAssertTrue(context.files.hasMemo("DSP-\(id)"), "on cass.files when the acceptance is answered")

        // A restart, and a copy of the memo from "another serve process".
        harness.stop()
        harness = try ServiceHarness(log: log, admin: nil, today: today)
        root = try harness.login("root", ServiceHarness.adminPassword)
        let producer = try log.makeProducer()
        try producer.send([Submission.record(.memo(AccountsDesk.injected(memo)), operation: "GB", partitions: try log.partitionCount(of: TopicCatalog.files))])
        producer.close()
        try close(second, root)
        let restarted = try XCTUnwrap(harness.service.context)

        // The next invoice carries the memo once, at minus the accepted amount.
        let next = try XCTUnwrap(restarted.invoices.all().first { $0.period == second.period && $0.agentCode == invoice.agentCode })
        let memoLines = next.sections.flatMap { section in section.lines.map { (section.airlinePrefix, $0) } }.filter { $0.1.sourceFile == "DSP-\(id)" }
        XCTAssertEqual(memoLines.count, 1, "billed once")
        XCTAssertEqual(memoLines.first?.0, 125, "on the airline's section")
        XCTAssertEqual(memoLines.first?.1.amount, -accepted)
        XCTAssertEqual(memoLines.first?.1.transaction, .ccm)
        XCTAssertEqual(memoLines.first?.1.reasonCode, "DSP")
        XCTAssertEqual(memoLines.first?.1.awb, line.awb)
        // The next invoice's Cargo Sales Report lists the memo under the
        // agent's Additional Adjustments & Charges with its dispute's id.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/pdftotext"), restarted.documents.renderer != nil {
            let pdf = try root.get("/api/v1/invoices/\(next.number)/documents/pdf")
            XCTAssertEqual(pdf.status, 200)
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("memo-\(getpid())-\(UUID().uuidString).pdf")
            try Data(pdf.body).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            let text = try HostCommand.run("/usr/bin/pdftotext", ["-layout", url.path, "-"]).output
            let memos = Translations(language: restarted.documents.renderer?.language(of: next) ?? "en")["bta.memos"]
            XCTAssertTrue(text.contains(memos), "no '\(memos)' list on \(next.number)")
            XCTAssertTrue(text.contains(id), "dispute \(id) not named on \(next.number)")
        }
        // The disputed invoice never changes.
        XCTAssertEqual(restarted.invoices.invoice(invoice.number), invoice)
        let after = try root.get("/api/v1/invoices/\(invoice.number)")
        XCTAssertEqual(after.json["totalMinor"] as? NSNumber, before.json["totalMinor"] as? NSNumber)

        // Exactly the accepted amount moves; the CSVs are an independent
        // settlement's that bills the memo as a CCM of a billing file.
        let without = try settle(reference, contents, [first, second])
        let expected = try settle(reference, contents + [memoFile(memo, period: second.period)], [first, second])
        let agentsCSV = try root.get("/api/v1/reports/settlement-agents.csv").text
        let airlinesCSV = try root.get("/api/v1/reports/settlement-airlines.csv").text
        XCTAssertEqual(agentsCSV, SettlementSummary.agentsCSV(expected.invoices))
        XCTAssertEqual(airlinesCSV, SettlementSummary.airlinesCSV(expected.disbursements))
        let plainNext = without.invoices.first { $0.period == second.period && $0.agentCode == invoice.agentCode }?.total ?? 0
        XCTAssertEqual(next.total, plainNext - accepted, "the agent gets the accepted amount (a memo's tax base is its net; GB taxes commission)")
        func disbursement(_ list: [Disbursement]) -> Int64 {
            list.first { $0.country == "GB" && $0.period == second.period && $0.airlinePrefix == 125 }?.amount ?? 0
        }
        let served = restarted.invoices.closedPeriods().first { $0.period == second }
        XCTAssertNotNil(served)
        XCTAssertEqual(disbursement(expected.disbursements), disbursement(without.disbursements) - accepted, "the airline gives exactly that")

        // Another restart bills nothing more.
        harness.stop()
        harness = try ServiceHarness(log: log, admin: nil, today: today)
        root = try harness.login("root", ServiceHarness.adminPassword)
        XCTAssertEqual(try root.get("/api/v1/reports/settlement-agents.csv").text, agentsCSV)
        XCTAssertEqual(try root.get("/api/v1/reports/settlement-airlines.csv").text, airlinesCSV)
    }

    /// A process that wrote an acceptance and died before its memo: the
    /// next start writes the memo (the scheduler runs before the first
    /// request), and the next period's invoice carries it once.
    func testAnAcceptanceWhoseMemoWasNeverWrittenIsBilledAfterARestart() throws {
        let log = InProcessLog()
        let today = try XCTUnwrap(CivilDate(yyyymmdd: 20261110))
        var harness = try ServiceHarness(log: log, today: today)
        defer { harness.stop() }
        var root = try harness.login("root", ServiceHarness.adminPassword)
        let first = PeriodKey(country: "GB", period: try XCTUnwrap(BillingPeriod(yyyymmnn: 20261101)))
        let second = PeriodKey(country: "GB", period: try XCTUnwrap(BillingPeriod(yyyymmnn: 20261102)))
        for file in try FolderSettlement.inputFiles(in: Self.samples.appendingPathComponent("input"))
            where file.summary.operation == "GB" && file.summary.period == first.period {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path)))
            let answer = try root.request("POST", "/api/v1/files?name=\(file.name)", body: bytes, contentType: "application/octet-stream")
            _ = try waitFor(root, "/api/v1/files/\(try XCTUnwrap(answer.json["id"] as? String))") { $0["status"] as? String != "received" }
        }
        try close(first, root)
        let context = try XCTUnwrap(harness.service.context)
        // An AWB whose lines sum to more than the disputed 10.00.
        let invoice = try XCTUnwrap(context.invoices.all().filter { $0.period == first.period }.sorted { $0.number < $1.number }.first { invoice in
            invoice.sections.contains { section in section.lines.contains { line in section.lines.filter { $0.awb == line.awb }.reduce(0) { $0 + $1.amount } > 1_000 } }
        })
        let line = try XCTUnwrap(invoice.sections.lazy.compactMap { section in
            section.lines.first { line in section.lines.filter { $0.awb == line.awb }.reduce(0) { $0 + $1.amount } > 1_000 }
        }.first)
        try waitUntil("the accounts know \(invoice.number)") { context.accounts.read { $0.invoice(invoice.number) } != nil }
        let created = try root.post("/api/v1/users", json: ["username": "agent.output", "company": InvoicesView.agentCompany(invoice), "role": "output",
                                                           "name": "agent", "email": "agent@example.com", "language": "en", "password": Self.password])
        XCTAssertEqual(created.status, 201, created.description)
        let agent = try harness.login("agent.output", Self.password)
        let raised = try agent.post("/api/v1/disputes", json: ["invoice": invoice.number, "awb": line.awb, "amountMinor": 1_000, "reason": "x"])
        XCTAssertEqual(raised.status, 201, raised.description)
        let id = try XCTUnwrap(raised.json["id"] as? String)

        // The acceptance reaches the log; the process dies before its memo.
        harness.stop()
        let accept = AccountsRecord.disputeAccept(AcceptDispute(dispute: id, amountMinor: 1_000, by: "ba.input", party: .airline, on: today))
        let producer = try log.makeProducer()
        try producer.send([OutgoingRecord(topic: ServiceTopics.accounts, partition: 0, key: Array(InvoicesView.agentCompany(invoice).utf8),
                                          value: Array(try JSONEncoder().encode(accept)))])
        producer.close()
        harness = try ServiceHarness(log: log, admin: nil, today: today)
        root = try harness.login("root", ServiceHarness.adminPassword)
        let restarted = try XCTUnwrap(harness.service.context)
        XCTAssertEqual(restarted.accounts.read { $0.memo(ofDispute: id) }?.amountMinor, -1_000)
        XCTAssertTrue(restarted.files.hasMemo("DSP-\(id)"), "written by the start's scheduler run")
        try close(second, root)
        let next = try XCTUnwrap(restarted.invoices.all().first { $0.period == second.period && $0.agentCode == invoice.agentCode })
        let memoLines = next.sections.flatMap(\.lines).filter { $0.sourceFile == "DSP-\(id)" }
        XCTAssertEqual(memoLines.map(\.amount), [-1_000])
        XCTAssertEqual(restarted.invoices.invoice(invoice.number), invoice, "the disputed invoice never changes")
    }

    // MARK: - Helpers

    /// The memo as an airline would bill it: a `CCM` of a billing file of
    /// its period (for the independent settlement).
    func memoFile(_ memo: DisputeMemo, period: BillingPeriod) -> (name: String, bytes: [UInt8]) {
        var record = BillingRecord()
        record.airlinePrefix = memo.airline
        record.awbSerial = memo.awbSerial
        record.transaction = .ccm
        record.agentCode = memo.agent
        record.issueDateDigits = Int32(memo.issueDate.yyyymmdd)
        record.origin = ASCIICode(memo.origin)
        record.destination = ASCIICode(memo.destination)
        record.currency = ASCIICode(memo.currency)
        record.netDue = memo.amountMinor
        record.reasonCode = ASCIICode("DSP")
        let header = FileHeader(formatVersion: 1, airlinePrefix: memo.airline, operation: memo.country, period: period, fileSequence: 999_999,
                                creationDate: period.lastDay(periodsPerMonth: 4).adding(days: 1), currency: memo.currency, minorDigits: 2)
        let file = BillingFile(name: "memo", identity: ReportedIdentity(), header: header, trailer: CBFWriter.controlTotals(of: [record]),
                               records: [record], otherCharges: [])
        return ("\(memo.airline)_\(memo.country)_\(period.yyyymmnn)_999999.cbf", CBFWriter.write(file))
    }

    func settle(_ reference: ReferenceData, _ files: [(name: String, bytes: [UInt8])], _ periods: [PeriodKey]) throws -> SettlementOutcome {
        let pipeline = try EmbeddedPipeline(reference: reference, keepLines: true)
        try pipeline.submit(files)
        try pipeline.close(periods)
        try pipeline.drain()
        return try pipeline.collect()
    }

    func close(_ period: PeriodKey, _ root: APIClient) throws {
        let closing = try root.request("POST", "/api/v1/operations/\(period.country)/periods/\(period.period.yyyymmnn)/close")
        XCTAssertEqual(closing.status, 202, closing.description)
        _ = try waitFor(root, "/api/v1/operations/\(period.country)/periods?limit=1000") { json in
            ((json["items"] as? [[String: Any]]) ?? []).contains { $0["period"] as? String == String(period.period.yyyymmnn) && $0["status"] as? String == "closed" }
        }
    }

    func waitUntil(_ what: String, _ done: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(60)
        while !done() {
            guard Date() < deadline else { throw APIClient.Failure(description: "\(what) never happened") }
            usleep(20_000)
        }
    }
}
