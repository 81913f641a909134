import CASSDomain
import CASSEngine
import CASSLog
import CASSWorkers
import Foundation
import XCTest

/// The number stage alone: drafts from every settle partition, then
/// gapless numbers, invoices, the period's settlement and events; pending
/// drafts and counters survive a restart.
final class NumberStageTests: XCTestCase {
    func draft(agent: Int64, total: Int64, period yyyymmnn: Int = 20261101, country: String = "GB") -> Invoice {
        numberingDraft(agent: agent, total: total, period: yyyymmnn, country: country)
    }

    func test_a_period_is_numbered_once_every_settle_partition_sent_its_drafts_across_restarts() throws {
        let stage = try StageHarness(NumberStage.definition, environment: StageFixture.environment())
        let period = StageFixture.period()
        XCTAssertEqual(try stage.push(.drafts(period: period, source: 0, sourceCount: 2, invoices: [draft(agent: 30, total: 700)])).count, 0)
        try stage.restart()
        let out = try stage.push(.drafts(period: period, source: 1, sourceCount: 2, invoices: [draft(agent: 20, total: 300)]))
        let numbers = out.on(.invoices).messages.compactMap { message -> String? in
            if case .invoiceHeader(let invoice, _) = message { return invoice.number }
            return nil
        }
        XCTAssertEqual(numbers.sorted(), ["GB2026000001", "GB2026000002"], "gapless")
        let agents = out.on(.invoices).messages.compactMap { message -> (String, Int64)? in
            if case .invoiceHeader(let invoice, _) = message { return (invoice.number, invoice.agentCode) }
            return nil
        }.sorted { $0.0 < $1.0 }.map(\.1)
        XCTAssertEqual(agents, [20, 30], "numbered in agent order")
        guard case .periodClosed(_, let count, let total, let disbursements)? = out.on(.settlements).first?.message else { return XCTFail("settlement") }
        XCTAssertEqual(count, 2)
        XCTAssertEqual(total, 1_000)
        XCTAssertEqual(disbursements.reduce(0) { $0 + $1.amount }, 1_000)
        XCTAssertEqual(out.on(.events).count, 3, "two invoices issued and the period closed")
        try stage.restart()
        XCTAssertEqual(try stage.push(.drafts(period: period, source: 1, sourceCount: 2, invoices: [draft(agent: 20, total: 300)])).count, 0, "numbered once")
        let next = try stage.push(.drafts(period: StageFixture.period("GB", 20261102), source: 0, sourceCount: 1, invoices: [draft(agent: 20, total: 1, period: 20261102)]))
        XCTAssertTrue(next.on(.invoices).messages.contains { if case .invoiceHeader(let invoice, _) = $0 { return invoice.number == "GB2026000003" } else { return false } },
                      "the counter continues after the restart")
    }

    func numbers(_ out: [StageHarness.Emitted]) -> [String] {
        out.on(.invoices).messages.compactMap { message -> String? in
            if case .invoiceHeader(let invoice, _) = message { return invoice.number }
            return nil
        }.sorted()
    }

    /// Two operations on two partitions: the counter of one must not come
    /// back from the other's partition, older, when the worker restores
    /// (found by the file log crash test: GB's counter went back two
    /// periods, and the next period re-used issued invoice numbers).
    func test_an_operations_counter_never_goes_back_after_another_operation_was_numbered() throws {
        let stage = try StageHarness(NumberStage.definition, environment: StageFixture.environment())
        let partitions = try stage.log.partitionCount(of: Topic.drafts.name)
        let gb = Partitioner.partition(for: "GB", count: partitions), jp = Partitioner.partition(for: "JP", count: partitions)
        XCTAssertNotEqual(gb, jp, "the test needs the two operations on two partitions")
        XCTAssertEqual(numbers(try stage.push(.drafts(period: StageFixture.period("GB", 20261101), source: 0, sourceCount: 1,
                                                         invoices: [draft(agent: 20, total: 1), draft(agent: 30, total: 2)]), partition: gb)),
                       ["GB2026000001", "GB2026000002"])
        // Restored in both orders of the two partitions (the last restored wins a stale copy).
        for (period, expected) in [(20261102, "GB2026000003"), (20261103, "GB2026000004")] {
            XCTAssertEqual(numbers(try stage.push(.drafts(period: StageFixture.period("JP", period), source: 0, sourceCount: 1,
                                                             invoices: [draft(agent: 40, total: 5, period: period, country: "JP")]), partition: jp)).count, 1)
            XCTAssertEqual(numbers(try stage.push(.drafts(period: StageFixture.period("GB", period), source: 0, sourceCount: 1,
                                                             invoices: [draft(agent: 20, total: 1, period: period)]), partition: gb)), [expected])
            try stage.restart()
        }
        XCTAssertEqual(numbers(try stage.push(.drafts(period: StageFixture.period("GB", 20261104), source: 0, sourceCount: 1,
                                                         invoices: [draft(agent: 20, total: 1, period: 20261104)]), partition: gb)), ["GB2026000005"],
                       "numbers continue after every issued one, never re-used")
        for entry in try stage.stateEntries(partition: jp) {
            XCTAssertFalse(entry.key.hasPrefix("ctr/GB"), "GB's counter is journaled only in GB's partition, found \(entry.key) in JP's")
        }
    }

    /// A period numbered in the checkpoint that brought its lines and
    /// drafts journals neither (restore drops a numbered period's lines,
    /// drafts and sources); a restart still numbers it once, and a period
    /// numbered later keeps its drafts journaled until then.
    func test_a_period_numbered_in_the_checkpoint_of_its_lines_and_drafts_journals_neither() throws {
        let stage = try StageHarness(NumberStage.definition, environment: StageFixture.environment())
        let period = StageFixture.period(), partition: Int32 = 0
        let input = TopicPartition(topic: NumberStage.definition.input.name, partition: partition)
        let part = LinePart(index: 0, count: 1, airlinePrefix: 125, lines: [])
        try stage.log.makeProducer().send([
            OutgoingRecord(topic: input.topic, partition: partition, key: Array("GB".utf8), value: StageMessage.draftLines(period: period, agent: 20, part: part).encoded()),
            OutgoingRecord(topic: input.topic, partition: partition, key: Array("GB".utf8),
                           value: StageMessage.drafts(period: period, source: 0, sourceCount: 1, invoices: [draft(agent: 20, total: 300)]).encoded()),
        ])
        var rounds = 0
        while (try stage.log.committedOffset(group: NumberStage.definition.name.group, partition: input) ?? 0) < 2, rounds < 100 {
            rounds += 1
            try stage.worker.step()
        }
        let out = try stage.drain()
        XCTAssertEqual(numbers(out), ["GB2026000001"])
        XCTAssertTrue(out.on(.invoices).messages.contains { if case .invoiceLines = $0 { return true } else { return false } }, "the lines went out")
        let keys = try stage.stateEntries(partition: partition).map(\.key)
        XCTAssertTrue(keys.contains { $0.hasPrefix("numbered/") }, "\(keys)")
        XCTAssertFalse(keys.contains { $0.hasPrefix("lines/") || $0.hasPrefix("draft/") || $0.hasPrefix("src/") }, "\(keys)")
        try stage.restart()
        XCTAssertEqual(try stage.push(.drafts(period: period, source: 0, sourceCount: 1, invoices: [draft(agent: 20, total: 300)]), partition: partition).count, 0,
                       "numbered once")
        // Drafts of a period still waiting for a source are journaled.
        let later = StageFixture.period("GB", 20261102)
        XCTAssertEqual(try stage.push(.drafts(period: later, source: 0, sourceCount: 2, invoices: [draft(agent: 20, total: 1, period: 20261102)]), partition: partition).count, 0)
        XCTAssertTrue(try stage.stateEntries(partition: partition).contains { $0.key.hasPrefix("draft/") })
    }

    /// Line parts are not journaled: the worker commits no offset past the
    /// first part of a period waiting to be numbered, and a worker started
    /// after a crash reads the parts again. Only the parts are replayed
    /// (drafts read again are in the state already and issue nothing);
    /// once the period is numbered the commit moves past everything.
    func test_line_parts_waiting_for_their_period_are_read_again_after_a_crash_not_journaled() throws {
        let stage = try StageHarness(NumberStage.definition, environment: StageFixture.environment())
        let period = StageFixture.period(), partition: Int32 = 0
        let input = TopicPartition(topic: NumberStage.definition.input.name, partition: partition)
        func committed() throws -> Int64 { try stage.log.committedOffset(group: NumberStage.definition.name.group, partition: input) ?? 0 }
        let date = CivilDate(yyyymmdd: 20261102)!
        func line(_ serial: Int32) -> InvoiceLine {
            InvoiceLine(awb: "125-\(serial)", awbSerial: serial, transaction: .awb, issueDate: date, origin: "LHR", destination: "JFK",
                        chargeableWeightTenthsKg: 10, weightCharge: 100, valuationCharge: 0, otherChargesDueCarrier: 0, commission: 0,
                        incentive: 0, amount: 100, reasonCode: "", sourceFile: "f.cbf", sourceSequence: serial)
        }
        let parts = [LinePart(index: 0, count: 2, airlinePrefix: 125, lines: [line(1), line(2)]),
                     LinePart(index: 1, count: 2, airlinePrefix: 125, lines: [line(3)])]
        // An earlier period numbered at once moves the commit as before.
        let earlier = StageFixture.period("GB", 20261004)
        XCTAssertEqual(numbers(try stage.push(.drafts(period: earlier, source: 0, sourceCount: 1, invoices: [draft(agent: 20, total: 1, period: 20261004)]))),
                       ["GB2026000001"])
        let firstPart = try committed()
        try stage.pushUncommitted(.draftLines(period: period, agent: 30, part: parts[0]))
        // Drafts of one of two settle partitions: the period still waits.
        XCTAssertEqual(try stage.pushUncommitted(.drafts(period: period, source: 0, sourceCount: 2, invoices: [])).count, 0)
        try stage.pushUncommitted(.draftLines(period: period, agent: 30, part: parts[1]))
        XCTAssertEqual(try committed(), firstPart, "the commit waits at the first part")
        XCTAssertFalse(try stage.stateEntries(partition: partition).contains { $0.key.hasPrefix("lines/") })
        XCTAssertTrue(try stage.stateEntries(partition: partition).contains { $0.key.hasPrefix("src/") }, "the source that finished is journaled")

        try stage.restart()
        XCTAssertEqual(try stage.drain().count, 0, "reading the parts and the first source's drafts again writes nothing")
        let out = try stage.push(.drafts(period: period, source: 1, sourceCount: 2, invoices: [draft(agent: 30, total: 300)]))
        XCTAssertEqual(numbers(out), ["GB2026000002"])
        let sent = out.on(.invoices).messages.compactMap { message -> LinePart? in
            if case .invoiceLines(_, let part) = message { return part }
            return nil
        }
        XCTAssertEqual(sent, parts, "every part, once, after the crash")
        XCTAssertEqual(try committed(), try stage.log.endOffset(input), "numbered: the commit moves past every record")
        try stage.restart()
        XCTAssertEqual(try stage.drain().count, 0, "nothing is read again once the period is numbered")
    }

    func test_state_keys_read_back_what_they_write() throws {
        let period = StageFixture.period()
        let keys: [NumberStage.StateKey] = [.counter("GB2026"), .numbered(period), .draft(period, agent: 4), .source(period, settlePartition: 2), .lines(period, agent: 4, part: 3)]
        for key in keys { XCTAssertEqual(try NumberStage.StateKey(decoding: Substring(key.encoded)), key) }
        for bad in ["ctr/", "numbered/GB", "draft/GB/20261101/x", "src/GB/20261101", "lines/GB/20261101/4", "other/1"] {
            XCTAssertThrowsError(try NumberStage.StateKey(decoding: Substring(bad)), bad)
        }
    }
}

/// A one-section draft invoice as a settle partition sends it.
func numberingDraft(agent: Int64, total: Int64, period yyyymmnn: Int = 20261101, country: String = "GB") -> Invoice {
    let period = BillingPeriod(yyyymmnn: yyyymmnn)!
    let section = InvoiceSection(airlinePrefix: 125, lines: [], taxes: [], netDue: total, taxCharged: 0, taxCredited: 0, total: total)
    return Invoice(number: "", country: country, period: period, currency: "GBP", minorDigits: 2, invoiceDate: CivilDate(yyyymmdd: 20261107)!,
                   remittanceDate: CivilDate(yyyymmdd: 20261117)!, agentCode: agent, sections: [section], lineCount: 1, netDue: total,
                   taxCharged: 0, taxCredited: 0, total: total)
}

/// The export refuses two invoices under one number instead of keeping
/// the later one: re-used numbers were how the counter defect hid.
final class SettlementExportNumberTests: XCTestCase {
    func test_two_invoices_under_one_number_stop_the_export_and_a_replay_does_not() throws {
        let log = InProcessLog()
        try log.createTopics(TopicCatalog.specs())
        let producer = try log.makeProducer()
        var first = numberingDraft(agent: 20, total: 1)
        first.number = "GB2026000001"
        let replayed = first
        try producer.send([OutgoingRecord(topic: TopicCatalog.invoices, partition: 0, key: Array(first.number.utf8), value: StageMessage.invoiceHeader(first, parts: 0).encoded()),
                           OutgoingRecord(topic: TopicCatalog.invoices, partition: 0, key: Array(first.number.utf8), value: StageMessage.invoiceHeader(replayed, parts: 0).encoded())])
        XCTAssertEqual(try SettlementExport.collect(from: log).invoices.count, 1, "a replay of the same invoice is one invoice")
        var other = numberingDraft(agent: 30, total: 2, period: 20261102)
        other.number = first.number
        try producer.send([OutgoingRecord(topic: TopicCatalog.invoices, partition: 1, key: Array(other.number.utf8), value: StageMessage.invoiceHeader(other, parts: 0).encoded())])
        XCTAssertThrowsError(try SettlementExport.collect(from: log)) { error in
            XCTAssertTrue("\(error)".contains("GB2026000001"), "\(error)")
        }
    }
}
