import CASSDomain
import CASSEngine
import CASSLog
import CASSWorkers
import Foundation
import XCTest

/// A memo billed without a file (an accepted dispute's `CCM`, `DSP-<id>`):
/// ingest makes it one checked memo record in its operation's processing
/// order, bills it once by name (across restarts too), and moves it past a
/// period its operation closed before it came.
final class InjectedMemoTests: XCTestCase {
    func harness() throws -> StageHarness {
        try StageHarness(IngestStage.definition, environment: StageFixture.environment())
    }

    static func memo(_ name: String = "DSP-GB2026000001-12510000007-1", period: Int = 20261102, amount: Int64 = -2_500) -> InjectedMemo {
        let serial = Int32(CheckDigit.awbSerial(from: 1_000_000))
        return InjectedMemo(name: name, country: "GB", period: period, transaction: "CCM", agent: StageFixture.agent("GB"), airline: 125,
                            serial: serial, amountMinor: amount, currency: "GBP", issueDate: 20261101, origin: "LHR", destination: "NRT",
                            reasonCode: "DSP")
    }

    func checked(_ out: [StageHarness.Emitted]) -> [CheckedBatch] {
        out.on(.records).compactMap { emitted in
            if case .checked(let batch)? = emitted.message { return batch }
            return nil
        }
    }

    func test_a_memo_becomes_one_checked_CCM_record_on_its_AWBs_partition_in_the_processing_order() throws {
        let stage = try harness()
        _ = try stage.push(.file(name: "a.cbf", bytes: StageFixture.file(records: [StageFixture.record(1_000_000)])))
        let memo = Self.memo()
        let out = try stage.push(.memo(memo))
        let batches = checked(out)
        XCTAssertEqual(batches.count, 1)
        let batch = try XCTUnwrap(batches.first)
        XCTAssertEqual(batch.fileName, memo.name)
        XCTAssertEqual(batch.fileOrdinal, 2, "its place on cass.files: after the file before it")
        XCTAssertEqual(batch.period, BillingPeriod(yyyymmnn: 20261102))
        let record = try XCTUnwrap(batch.records.first)
        XCTAssertEqual(record.record.transaction, .ccm)
        XCTAssertEqual(record.record.netDue, -2_500)
        XCTAssertEqual(record.record.weightCharge, 0)
        XCTAssertEqual(record.record.commission, 0)
        XCTAssertEqual(record.record.reasonCode.description, "DSP")
        XCTAssertEqual(record.record.agentCode, memo.agent)
        XCTAssertEqual(record.source.awbText, "125-\(memo.serial)")
        let route = AWBRoute(operation: ASCIICode("GB"), prefix: 125, serial: memo.serial)
        XCTAssertEqual(out.on(.records).first?.partition, IngestStage.records.partition(for: route, count: 8))
        XCTAssertEqual(out.on(.events).count, 0, "a memo is no file: no file outcome")
        XCTAssertEqual(out.on(.rejections).count, 0)
    }

    func test_the_same_memo_again_bills_nothing_even_after_a_restart() throws {
        let stage = try harness()
        XCTAssertEqual(checked(try stage.push(.memo(Self.memo()))).count, 1)
        XCTAssertEqual(checked(try stage.push(.memo(Self.memo()))).count, 0, "a copy (another serve process, a retried write)")
        XCTAssertTrue(try stage.stateEntries().contains { $0.key == "memo/DSP-GB2026000001-12510000007-1" })
        try stage.restart()
        XCTAssertEqual(checked(try stage.push(.memo(Self.memo()))).count, 0, "remembered across a restart")
        XCTAssertEqual(checked(try stage.push(.memo(Self.memo(amount: -100)))).count, 0, "the name is the identity")
        XCTAssertEqual(checked(try stage.push(.memo(Self.memo("DSP-other")))).count, 1, "another dispute's memo is billed")
    }

    func test_a_memo_whose_period_closed_before_it_came_goes_to_the_next_open_period() throws {
        let stage = try harness()
        _ = try stage.push(.closeMarker(period: StageFixture.period("GB", 20261102), source: 0, sourceCount: 1))
        _ = try stage.push(.closeMarker(period: StageFixture.period("GB", 20261103), source: 0, sourceCount: 1))
        let batch = try XCTUnwrap(checked(try stage.push(.memo(Self.memo()))).first)
        XCTAssertEqual(batch.period, BillingPeriod(yyyymmnn: 20261104))
        XCTAssertEqual(batch.records.first?.period, BillingPeriod(yyyymmnn: 20261104))
        XCTAssertEqual(batch.identity.period, "20261104")
    }

    func test_a_memo_that_is_not_billable_is_a_dead_letter_and_is_not_remembered() throws {
        let stage = try harness()
        var positive = Self.memo()
        positive.amountMinor = 10
        var foreign = Self.memo()
        foreign.currency = "JPY"
        var badPeriod = Self.memo()
        badPeriod.period = 20261105
        var badName = Self.memo()
        badName.name = "DSP/../x"
        var unknown = Self.memo()
        unknown.country = "ZZ"
        for memo in [positive, foreign, badPeriod, badName, unknown] {
            let out = try stage.push(.memo(memo))
            XCTAssertEqual(out.deadLetters.count, 1, "\(memo)")
            XCTAssertEqual(checked(out).count, 0)
        }
        XCTAssertEqual(checked(try stage.push(.memo(Self.memo()))).count, 1, "the refused copies did not take the name")
    }

    func test_the_message_and_the_state_key_read_back() throws {
        let memo = Self.memo()
        guard case .memo(let decoded) = try StageMessage.decode(StageMessage.memo(memo).encoded()) else { return XCTFail("a memo message") }
        XCTAssertEqual(decoded, memo)
        let key = IngestStage.StateKey.memo(memo.name)
        XCTAssertEqual(try IngestStage.StateKey(decoding: Substring(key.encoded)), key)
    }

    /// The memo through the whole pipeline, against the samples: the
    /// disputed period's invoices do not change; the next period's invoice
    /// of the agent and the airline's disbursement move by exactly the
    /// memo (GB taxes commission, and a memo's base is only its net); the
    /// CSVs equal those of an independent settlement that bills the same
    /// memo as a `CCM` record of a billing file; a second copy bills nothing.
    func test_through_the_pipeline_the_memo_moves_exactly_its_amount_and_equals_a_billed_CCM() throws {
        let reference = try ReferenceLoader.load(directory: Self.samples.appendingPathComponent("reference"))
        let files = try FolderSettlement.inputFiles(in: Self.samples.appendingPathComponent("input")).filter {
            $0.summary.operation == "GB" && ["20261101", "20261102"].contains($0.summary.period.map { String($0.yyyymmnn) } ?? "")
        }
        XCTAssertFalse(files.isEmpty)
        let first = StageFixture.period("GB", 20261101), second = StageFixture.period("GB", 20261102)
        func pipeline(_ extra: [(name: String, bytes: [UInt8])] = []) throws -> EmbeddedPipeline {
            let pipeline = try EmbeddedPipeline(reference: reference, keepLines: true)
            var submitted = try files.map { (name: $0.name, bytes: try [UInt8](Data(contentsOf: URL(fileURLWithPath: $0.path)))) }
            submitted += extra
            try pipeline.submit(submitted)
            return pipeline
        }
        // Without the memo.
        let plain = try pipeline()
        try plain.close([first, second])
        try plain.drain()
        let without = try plain.collect()

        // With it: the first period closes, an AWB of an invoice is disputed.
        let disputed = try pipeline()
        try disputed.close([first])
        try disputed.drain()
        let invoice = try XCTUnwrap(try disputed.collect().invoices.first {
            $0.sections.contains { $0.airlinePrefix == 125 && $0.lines.contains { $0.amount > 100 } }
        })
        let line = try XCTUnwrap(invoice.sections.first { $0.airlinePrefix == 125 }?.lines.first { $0.amount > 100 })
        let amount = line.amount / 2
        let memo = InjectedMemo(name: "DSP-\(invoice.number)-1", country: "GB", period: 20261102, transaction: "CCM", agent: invoice.agentCode,
                                airline: 125, serial: line.awbSerial, amountMinor: -amount, currency: "GBP", issueDate: line.issueDate.yyyymmdd,
                                origin: line.origin, destination: line.destination, reasonCode: "DSP")
        let producer = try disputed.log.makeProducer()
        let partitions = try disputed.log.partitionCount(of: TopicCatalog.files)
        try producer.send([Submission.record(.memo(memo), operation: "GB", partitions: partitions)])
        try producer.send([Submission.record(.memo(memo), operation: "GB", partitions: partitions)])
        producer.close()
        try disputed.close([second])
        try disputed.drain()
        XCTAssertEqual(disputed.counters.reduce(0) { $0 + $1.1.deadLettered }, 0)
        let with = try disputed.collect()

        XCTAssertEqual(with.invoices.filter { $0.period == first.period }, without.invoices.filter { $0.period == first.period },
                       "the disputed period never changes")
        let next = try XCTUnwrap(with.invoices.first { $0.period == second.period && $0.agentCode == invoice.agentCode })
        let memoLines = next.sections.flatMap(\.lines).filter { $0.sourceFile == memo.name }
        XCTAssertEqual(memoLines.count, 1, "billed once")
        XCTAssertEqual(memoLines.first?.amount, -amount)
        XCTAssertEqual(memoLines.first?.transaction, .ccm)
        XCTAssertEqual(memoLines.first?.reasonCode, "DSP")
        let before = without.invoices.first { $0.period == second.period && $0.agentCode == invoice.agentCode }?.total ?? 0
        XCTAssertEqual(next.total, before - amount, "the agent gets exactly the accepted amount")
        func disbursement(_ outcome: SettlementOutcome) -> Int64 {
            outcome.disbursements.first { $0.country == "GB" && $0.period == second.period && $0.airlinePrefix == 125 }?.amount ?? 0
        }
        XCTAssertEqual(disbursement(with), disbursement(without) - amount, "the airline gives exactly the accepted amount")
        XCTAssertEqual(with.invoices.reduce(0) { $0 + $1.total }, with.disbursements.reduce(0) { $0 + $1.amount })

        // An independent settlement: the same memo as a CCM of a billing file.
        var record = BillingRecord()
        record.airlinePrefix = 125
        record.awbSerial = line.awbSerial
        record.transaction = .ccm
        record.agentCode = invoice.agentCode
        record.issueDateDigits = Int32(line.issueDate.yyyymmdd)
        record.origin = ASCIICode(line.origin)
        record.destination = ASCIICode(line.destination)
        record.currency = ASCIICode("GBP")
        record.netDue = -amount
        record.reasonCode = ASCIICode("DSP")
        let header = FileHeader(formatVersion: 1, airlinePrefix: 125, operation: "GB", period: second.period, fileSequence: 999_999,
                                creationDate: CivilDate(yyyymmdd: 20261201)!, currency: "GBP", minorDigits: 2)
        let cbf = CBFWriter.write(BillingFile(name: "memo", identity: ReportedIdentity(), header: header,
                                              trailer: CBFWriter.controlTotals(of: [record]), records: [record], otherCharges: []))
        let independent = try pipeline([(name: "125_GB_20261102_999999.cbf", bytes: cbf)])
        try independent.close([first, second])
        try independent.drain()
        let expected = try independent.collect()
        XCTAssertEqual(expected.rejections.filter { $0.file.contains("999999") }.count, 0)
        XCTAssertEqual(SettlementSummary.agentsCSV(with.invoices), SettlementSummary.agentsCSV(expected.invoices))
        XCTAssertEqual(SettlementSummary.airlinesCSV(with.disbursements), SettlementSummary.airlinesCSV(expected.disbursements))
    }

    static var samples: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples")
    }
}
