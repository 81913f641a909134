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

    /// Property: over random disputes of the samples' first GB period
    /// (several AWBs and agents, amounts up to the whole AWB, copies of
    /// memos, and some memos written only after the next period's close
    /// was asked for), every memo is billed exactly once, in the period
    /// asked for or, when that closed before it came, the next; the CSVs
    /// equal an independent settlement that bills the same memos as `CCM`
    /// records of billing files, also with a tax on the net (a memo's only
    /// base); and without one, each agent's invoice and each airline's
    /// disbursement move by exactly the memos' amounts.
    func test_property_random_memos_are_billed_once_and_move_exactly_their_amounts() throws {
        let samples = try ReferenceLoader.load(directory: Self.samples.appendingPathComponent("reference"))
        let levy = TaxRule(country: "GB", code: "LEVY", description: "levy on the net, 5 %", base: .net, rateHundredthsPercent: 500,
                           direction: .charged, validFrom: CivilDate(yyyymmdd: 20000101)!, validTo: nil)
        let taxedNet = ReferenceData(operations: Array(samples.operations.values), airlines: Array(samples.airlines.values), agents: samples.allAgents,
                                     taxRules: samples.taxRules.values.flatMap { $0 } + [levy])
        let periods = [20261101, 20261102, 20261103].map { StageFixture.period("GB", $0) }
        let files = try FolderSettlement.inputFiles(in: Self.samples.appendingPathComponent("input")).filter {
            $0.summary.operation == "GB" && periods.map(\.period).contains($0.summary.period ?? periods[0].period)
        }
        let contents = try files.map { (name: $0.name, bytes: try [UInt8](Data(contentsOf: URL(fileURLWithPath: $0.path)))) }
        func settle(_ reference: ReferenceData, _ extra: [(name: String, bytes: [UInt8])]) throws -> SettlementOutcome {
            let pipeline = try EmbeddedPipeline(reference: reference, keepLines: true)
            try pipeline.submit(contents + extra)
            try pipeline.close(periods)
            try pipeline.drain()
            return try pipeline.collect()
        }
        for (seed, reference) in [(1, samples), (2, taxedNet), (3, samples), (4, taxedNet), (5, samples)] {
            var random = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15
            func next(_ bound: Int) -> Int {
                random = random &* 6364136223846793005 &+ 1442695040888963407
                return Int((random >> 33) % UInt64(max(1, bound)))
            }
            let pipeline = try EmbeddedPipeline(reference: reference, keepLines: true)
            try pipeline.submit(contents)
            try pipeline.close([periods[0]])
            try pipeline.drain()
            // Every (invoice, airline, AWB) of the first period whose lines sum above 0.
            var candidates: [(invoice: Invoice, airline: Int32, line: InvoiceLine, total: Int64)] = []
            for invoice in try pipeline.collect().invoices where invoice.period == periods[0].period {
                for section in invoice.sections {
                    for serial in Set(section.lines.map(\.awbSerial)).sorted() {
                        let lines = section.lines.filter { $0.awbSerial == serial }
                        let total = lines.reduce(0) { $0 + $1.amount }
                        if total > 0, let last = lines.last { candidates.append((invoice, section.airlinePrefix, last, total)) }
                    }
                }
            }
            XCTAssertGreaterThan(candidates.count, 3)
            var memos: [(memo: InjectedMemo, billed: Int)] = []
            let producer = try pipeline.log.makeProducer()
            let partitions = try pipeline.log.partitionCount(of: TopicCatalog.files)
            let lateFrom = 1 + next(3)
            for index in 0..<(2 + next(4)) {
                let pick = candidates.remove(at: next(candidates.count))
                let amount = 1 + Int64(next(Int(min(pick.total, 1_000_000))))
                let memo = InjectedMemo(name: "DSP-\(pick.invoice.number)-\(seed)-\(index)", country: "GB", period: 20261102, transaction: "CCM",
                                        agent: pick.invoice.agentCode, airline: pick.airline, serial: pick.line.awbSerial, amountMinor: -amount,
                                        currency: "GBP", issueDate: pick.line.issueDate.yyyymmdd, origin: pick.line.origin,
                                        destination: pick.line.destination, reasonCode: "DSP")
                // From `lateFrom` on, the next period's close was asked for first.
                if index == lateFrom { try pipeline.close([periods[1]]) }
                let copies = 1 + next(3)
                for _ in 0..<copies { try producer.send([Submission.record(.memo(memo), operation: "GB", partitions: partitions)]) }
                memos.append((memo, index >= lateFrom ? 20261103 : 20261102))
            }
            producer.close()
            try pipeline.close(Array(periods.dropFirst()))
            try pipeline.drain()
            XCTAssertEqual(pipeline.counters.reduce(0) { $0 + $1.1.deadLettered }, 0)
            let with = try pipeline.collect()
            let allLines = with.invoices.flatMap { invoice in invoice.sections.flatMap { section in section.lines.map { (invoice, section.airlinePrefix, $0) } } }
            for (memo, billed) in memos {
                let lines = allLines.filter { $0.2.sourceFile == memo.name }
                XCTAssertEqual(lines.count, 1, "seed \(seed): \(memo.name) billed once")
                XCTAssertEqual(lines.first?.0.period.yyyymmnn, billed, "seed \(seed): \(memo.name)")
                XCTAssertEqual(lines.first?.0.agentCode, memo.agent)
                XCTAssertEqual(lines.first?.1, memo.airline)
                XCTAssertEqual(lines.first?.2.amount, memo.amountMinor)
            }
            // The independent settlement: the memos as CCMs of billing files.
            var extra: [(name: String, bytes: [UInt8])] = []
            for (_, group) in Dictionary(grouping: memos, by: { "\($0.memo.airline)/\($0.billed)" }).sorted(by: { $0.key < $1.key }) {
                let records = group.map { entry -> BillingRecord in
                    var record = BillingRecord()
                    record.airlinePrefix = entry.memo.airline
                    record.awbSerial = entry.memo.serial
                    record.transaction = .ccm
                    record.agentCode = entry.memo.agent
                    record.issueDateDigits = Int32(entry.memo.issueDate)
                    record.origin = ASCIICode(entry.memo.origin)
                    record.destination = ASCIICode(entry.memo.destination)
                    record.currency = ASCIICode("GBP")
                    record.netDue = entry.memo.amountMinor
                    record.reasonCode = ASCIICode("DSP")
                    return record
                }
                let airline = group[0].memo.airline, billed = BillingPeriod(yyyymmnn: group[0].billed)!
                let header = FileHeader(formatVersion: 1, airlinePrefix: airline, operation: "GB", period: billed, fileSequence: 999_999,
                                        creationDate: billed.lastDay(periodsPerMonth: 4).adding(days: 1), currency: "GBP", minorDigits: 2)
                extra.append((name: "\(airline)_GB_\(billed.yyyymmnn)_999999.cbf",
                              bytes: CBFWriter.write(BillingFile(name: "memo", identity: ReportedIdentity(), header: header,
                                                                 trailer: CBFWriter.controlTotals(of: records), records: records, otherCharges: []))))
            }
            let expected = try settle(reference, extra)
            XCTAssertEqual(expected.rejections.count, try settle(reference, []).rejections.count, "seed \(seed): the memo files are accepted whole")
            XCTAssertEqual(SettlementSummary.agentsCSV(with.invoices), SettlementSummary.agentsCSV(expected.invoices), "seed \(seed)")
            XCTAssertEqual(SettlementSummary.airlinesCSV(with.disbursements), SettlementSummary.airlinesCSV(expected.disbursements), "seed \(seed)")
            XCTAssertEqual(with.invoices.reduce(0) { $0 + $1.total }, with.disbursements.reduce(0) { $0 + $1.amount })
            guard reference.taxRules["GB"]?.contains(where: { $0.base == .net }) != true else { continue }
            // No tax on the net: exactly the amounts move, per agent and per airline.
            let without = try settle(reference, [])
            for period in periods.dropFirst() {
                for agent in Set(memos.map(\.memo.agent)) {
                    let moved = memos.filter { $0.memo.agent == agent && $0.billed == period.period.yyyymmnn }.reduce(0) { $0 + $1.memo.amountMinor }
                    func total(_ outcome: SettlementOutcome) -> Int64 {
                        outcome.invoices.first { $0.period == period.period && $0.agentCode == agent }?.total ?? 0
                    }
                    XCTAssertEqual(total(with), total(without) + moved, "seed \(seed): agent \(agent) in \(period)")
                }
                for airline in Set(memos.map(\.memo.airline)) {
                    let moved = memos.filter { $0.memo.airline == airline && $0.billed == period.period.yyyymmnn }.reduce(0) { $0 + $1.memo.amountMinor }
                    func paid(_ outcome: SettlementOutcome) -> Int64 {
                        outcome.disbursements.first { $0.period == period.period && $0.airlinePrefix == airline }?.amount ?? 0
                    }
                    XCTAssertEqual(paid(with), paid(without) + moved, "seed \(seed): airline \(airline) in \(period)")
                }
            }
        }
    }

    static var samples: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples")
    }
}
