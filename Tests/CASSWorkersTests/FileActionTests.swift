import CASSDomain
import CASSEngine
import CASSLog
import CASSWorkers
import Foundation
import XCTest

/// The dry run and the withdrawal through the settlement stages, with
/// state journalled as `cass serve` runs them: what settles after a
/// withdrawal is what would have settled had the file never been sent.
final class FileActionTests: XCTestCase {
    /// The settlement stages on one in-process log, driven by hand.
    final class Run {
        let pipeline: EmbeddedPipeline
        let producer: any LogProducer
        var ordinals: [String: Int64] = [:]
        var requests = 0

        init() throws {
            pipeline = try EmbeddedPipeline(reference: StageFixture.reference, keepLines: true, persistState: true)
            producer = try pipeline.log.makeProducer()
        }

        func partition(_ operation: String) -> TopicPartition {
            TopicPartition(topic: Topic.files.name, partition: Partitioner.partition(for: operation, count: 4))
        }

        /// Submits a file and runs the stages; remembers its ordinal.
        func submit(_ name: String, _ bytes: [UInt8], operation: String = "GB") throws {
            ordinals[name] = try pipeline.log.endOffset(partition(operation)) + 1
            try pipeline.submit([(name, bytes)])
            try pipeline.drain()
        }

        func send(_ message: StageMessage, operation: String = "GB") throws {
            try producer.send([Submission.record(message, operation: operation, partitions: 4)])
            try pipeline.drain()
        }

        func nextRequest() -> String {
            requests += 1
            return String(format: "%032x", requests)
        }

        /// Withdraws a file and returns the answer.
        func withdraw(_ name: String, operation: String = "GB") throws -> WithdrawAnswer {
            let id = nextRequest()
            try send(.withdraw(WithdrawRequest(requestId: id, operation: operation, ordinal: ordinals[name] ?? -1)), operation: operation)
            let parts = try replies(id)
            XCTAssertEqual(parts.count, 1)
            guard let answer = parts.first?.withdrawal else { throw LogError("no answer to the withdrawal of \(name)") }
            return answer
        }

        /// A dry run's parts, summed as the service sums them.
        func validate(_ name: String, _ bytes: [UInt8], operation: String = "GB") throws -> (fileCode: String?, records: Int, rejections: [Rejection]) {
            let id = nextRequest()
            try send(.dryRun(DryRunRequest(requestId: id, name: name, bytes: bytes)), operation: operation)
            let parts = try replies(id)
            XCTAssertEqual(Int32(parts.count), parts.first?.parts, "every part of the answer came")
            XCTAssertEqual(Set(parts.map(\.part)).count, parts.count)
            let dry = parts.compactMap(\.dryRun)
            return (dry.compactMap(\.fileCode).first, dry.map(\.records).reduce(0, +),
                    SettlementSummary.sortedRejections(dry.flatMap(\.rejections)))
        }

        func replies(_ id: String) throws -> [StageReply] {
            var result: [StageReply] = []
            for partition in 0..<(try pipeline.log.partitionCount(of: Topic.replies.name)) {
                for record in try pipeline.log.readToEnd(TopicPartition(topic: Topic.replies.name, partition: partition)) {
                    if case .reply(let reply)? = try? StageMessage.decode(record.value), reply.requestId == id { result.append(reply) }
                }
            }
            return result
        }

        func close(_ period: PeriodKey = StageFixture.period()) throws {
            try pipeline.close([period])
            try pipeline.drain()
        }

        /// The three CSVs, without the rejections of `withdrawn` files.
        func csvs(withdrawn: Set<String> = []) throws -> [String] {
            let outcome = try pipeline.collect()
            return [SettlementSummary.agentsCSV(outcome.invoices), SettlementSummary.airlinesCSV(outcome.disbursements),
                    SettlementSummary.rejectionsCSV(outcome.rejections.filter { !withdrawn.contains($0.file) })]
        }

        func rejections(of file: String) throws -> [Rejection] {
            try pipeline.collect().rejections.filter { $0.file == file }
        }
    }

    typealias F = StageFixture

    static let first = F.file(sequence: 1, records: (1...5).map { F.record(1_000_000 + $0) })
    /// Bills five AWBs of its own, corrects one of the first file's, and has a record rejected (R02).
    static let withdrawn = F.file(sequence: 2, records: (10...14).map { F.record(1_000_000 + $0) }
        + [F.record(1_000_001, transaction: .cca, weightCharge: 20_000), F.record(1_000_050, agent: 12)])
    static let later = F.file(sequence: 3, records: (20...22).map { F.record(1_000_000 + $0) })
    static let corrected = F.file(sequence: 2, records: (10...12).map { F.record(1_000_000 + $0, weightCharge: 15_000) })

    func test_after_a_withdrawal_what_settles_is_what_would_have_settled_had_the_file_never_been_sent() throws {
        let run = try Run()
        try run.submit("a.cbf", Self.first)
        try run.submit("w.cbf", Self.withdrawn)
        try run.submit("b.cbf", Self.later)
        XCTAssertEqual(try run.rejections(of: "w.cbf").map(\.code), [.R02])
        let answer = try run.withdraw("w.cbf")
        XCTAssertEqual(answer.status, .withdrawn, answer.message)
        XCTAssertEqual(answer.fileName, "w.cbf")
        // Its sequence number is free again (F04), its AWBs can be billed again.
        try run.submit("w2.cbf", Self.corrected)
        XCTAssertEqual(try run.rejections(of: "w2.cbf"), [], "a corrected file with the same sequence is accepted, its AWBs billed")
        try run.close()

        let clean = try Run()
        try clean.submit("a.cbf", Self.first)
        try clean.submit("b.cbf", Self.later)
        try clean.submit("w2.cbf", Self.corrected)
        try clean.close()
        let expected = try clean.csvs()
        XCTAssertEqual(try run.csvs(withdrawn: ["w.cbf"]), expected)
        XCTAssertFalse(expected[0].isEmpty)
        // The invoices themselves, lines and all, match too.
        let invoices = try run.pipeline.collect().invoices, cleanInvoices = try clean.pipeline.collect().invoices
        XCTAssertEqual(invoices.map(\.total), cleanInvoices.map(\.total))
        XCTAssertEqual(invoices.flatMap { $0.sections.flatMap(\.lines) }.map(\.awb), cleanInvoices.flatMap { $0.sections.flatMap(\.lines) }.map(\.awb))
    }

    func test_a_file_whose_AWB_a_later_file_corrected_cannot_go_and_the_answer_names_that_file() throws {
        let run = try Run()
        try run.submit("a.cbf", Self.first)
        try run.submit("w.cbf", Self.withdrawn)
        // A CCA of one of w's AWBs, and one with another agent (R11: not accepted, no conflict).
        try run.submit("c.cbf", F.file(sequence: 3, records: [F.record(1_000_011, transaction: .cca, weightCharge: 11_000)]))
        try run.submit("r.cbf", F.file(sequence: 4, records: [F.record(1_000_012, agent: F.agent("GB", 1), transaction: .cca)]))
        XCTAssertEqual(try run.rejections(of: "r.cbf").map(\.code), [.R11])
        let answer = try run.withdraw("w.cbf")
        XCTAssertEqual(answer.status, .refused)
        XCTAssertEqual(answer.reason, .conflict)
        XCTAssertEqual(answer.conflicts, [FileMention(ordinal: run.ordinals["c.cbf"] ?? 0, name: "c.cbf")])
        // Nothing changed: the sequence number is still taken, later files still go through.
        try run.submit("dup.cbf", Self.corrected)
        XCTAssertEqual(try run.rejections(of: "dup.cbf").map(\.code), [.F04])
        try run.submit("d.cbf", F.file(sequence: 5, records: [F.record(1_000_030)]))
        XCTAssertEqual(try run.rejections(of: "d.cbf"), [])
        // A memo on the first file's AWB that w corrected is a conflict as well.
        let memo = try Run()
        try memo.submit("a.cbf", Self.first)
        try memo.submit("w.cbf", Self.withdrawn)
        try memo.submit("m.cbf", F.file(sequence: 3, records: [F.record(1_000_001, transaction: .dcm, weightCharge: 500)]))
        let refused = try memo.withdraw("w.cbf")
        XCTAssertEqual(refused.reason, .conflict)
        XCTAssertEqual(refused.conflicts.map(\.name), ["m.cbf"])
    }

    func test_a_closed_period_an_already_withdrawn_file_and_a_rejected_file_are_refused() throws {
        let run = try Run()
        try run.submit("a.cbf", Self.first)
        try run.submit("w.cbf", Self.withdrawn)
        try run.submit("bad.cbf", F.file(sequence: 1, records: [F.record(1_000_090)]))
        XCTAssertEqual(try run.rejections(of: "bad.cbf").map(\.code), [.F04])
        XCTAssertEqual(try run.withdraw("w.cbf").status, .withdrawn)
        let twice = try run.withdraw("w.cbf")
        XCTAssertEqual(twice.status, .refused)
        XCTAssertEqual(twice.reason, .alreadyWithdrawn)
        XCTAssertEqual(try run.withdraw("bad.cbf").reason, .notAccepted)
        try run.close()
        let closed = try run.withdraw("a.cbf")
        XCTAssertEqual(closed.reason, .periodClosed)
        XCTAssertEqual(closed.fileName, "a.cbf")
    }

    func test_records_of_other_files_rejected_while_the_file_stood_stay_rejected() throws {
        let run = try Run()
        try run.submit("w.cbf", F.file(sequence: 1, records: [F.record(1_000_010), F.record(1_000_011)]))
        try run.submit("b.cbf", F.file(sequence: 2, records: [F.record(1_000_010), F.record(1_000_020)]))
        XCTAssertEqual(try run.rejections(of: "b.cbf").map(\.code), [.R10])
        XCTAssertEqual(try run.withdraw("w.cbf").status, .withdrawn)
        try run.submit("c.cbf", F.file(sequence: 3, records: [F.record(1_000_010)]))
        XCTAssertEqual(try run.rejections(of: "c.cbf"), [], "the AWB can be billed again")
        try run.close()
        XCTAssertEqual(try run.rejections(of: "b.cbf").map(\.code), [.R10], "b's record stays rejected")
        let lines = try run.pipeline.collect().invoices.flatMap { $0.sections.flatMap(\.lines) }
        XCTAssertEqual(lines.map(\.awbSerial).sorted(), [F.record(1_000_010).awbSerial, F.record(1_000_020).awbSerial], "c's AWB and b's other one")
    }

    func test_a_dry_run_answers_what_the_file_would_get_now_and_keeps_nothing() throws {
        let run = try Run()
        try run.submit("a.cbf", Self.first)
        // R10 (already billed), R11 (a CCA of an AWB never billed), R02, and a
        // duplicate within the file itself; the rest passes.
        let records = [F.record(1_000_001), F.record(1_000_060, transaction: .cca), F.record(1_000_061, agent: 12),
                       F.record(1_000_062), F.record(1_000_062), F.record(1_000_063)]
        let bytes = F.file(sequence: 2, records: records)
        let dry = try run.validate("v.cbf", bytes)
        XCTAssertNil(dry.fileCode)
        XCTAssertEqual(dry.records, 6)
        XCTAssertEqual(dry.rejections.map(\.code).sorted { $0.rawValue < $1.rawValue }, [.R02, .R10, .R10, .R11])
        // Nothing was kept: the same file, sent, gets the same answer (no F04, no R10 of its own).
        try run.submit("v.cbf", bytes)
        XCTAssertEqual(try run.rejections(of: "v.cbf").map(\.code).sorted { $0.rawValue < $1.rawValue }, [.R02, .R10, .R10, .R11])
        // Now it would be a duplicate file.
        let again = try run.validate("v2.cbf", bytes)
        XCTAssertEqual(again.fileCode, "F04")
        XCTAssertEqual(again.rejections.map(\.code), [.F04])
        try run.close()
        XCTAssertEqual(try run.pipeline.collect().invoices.flatMap { $0.sections.flatMap(\.lines) }.count, 7, "five of a.cbf, two of v.cbf")
    }

    func test_files_sent_while_a_withdrawal_waits_for_its_votes_are_held_and_keep_their_order_across_a_restart() throws {
        let ingest = try StageHarness(IngestStage.definition, environment: F.environment())
        _ = try ingest.push(.file(name: "w.cbf", bytes: F.file(sequence: 1, records: [F.record(1_000_001)])))
        let check = try ingest.push(.withdraw(WithdrawRequest(requestId: String(repeating: "a", count: 32), operation: "GB", ordinal: 1)))
        XCTAssertEqual(check.on(.records).count, 8, "the check goes to every validate partition")
        guard case .withdrawCheck(let step)? = check.on(.records).first?.message else { return XCTFail("a check") }
        // The corrected file comes while the votes are out: it waits.
        XCTAssertEqual(try ingest.push(.file(name: "w2.cbf", bytes: F.file(sequence: 1, records: [F.record(1_000_002)]))).count, 0)
        try ingest.restart()
        var out: [StageHarness.Emitted] = []
        for source in 0..<8 {
            out += try ingest.push(.withdrawVote(WithdrawVote(requestId: step.requestId, operation: "GB", ordinal: 1, source: Int32(source), sourceCount: 8, conflicts: [])))
            if source == 3 { try ingest.restart() }
        }
        let messages = out.on(.records).messages
        XCTAssertEqual(messages.filter { if case .withdrawCommit = $0 { true } else { false } }.count, 8)
        let batches = messages.compactMap { message -> CheckedBatch? in if case .checked(let batch) = message { batch } else { nil } }
        XCTAssertEqual(batches.map(\.fileName), ["w2.cbf"], "released after the commit, accepted (F04 no longer counts w.cbf)")
        XCTAssertEqual(batches.first?.fileOrdinal, 3, "with its own ordinal")
        XCTAssertEqual(out.on(.rejections).count, 0)
        guard case .fileOutcome(let outcome)? = out.on(.events).first?.message else { return XCTFail("the withdrawn outcome") }
        XCTAssertEqual(outcome.withdrawn, true)
        XCTAssertEqual(outcome.file, "w.cbf")
        let event = PublicEvents.file(outcome)
        XCTAssertEqual(event.type, .fileWithdrawn)
        XCTAssertEqual(event.subject, "w.cbf")
    }

    func test_validate_puts_back_the_entries_a_withdrawn_file_replaced_even_after_a_restart() throws {
        let ingest = try StageHarness(IngestStage.definition, environment: F.environment())
        let validate = try StageHarness(ValidateStage.definition, environment: F.environment())
        /// The file through ingest, its batches into validate on their partitions.
        func send(_ name: String, sequence: Int, _ records: [BillingRecord]) throws -> [StageHarness.Emitted] {
            var out: [StageHarness.Emitted] = []
            for emitted in try ingest.push(.file(name: name, bytes: F.file(sequence: sequence, records: records))).on(.records) {
                out += try validate.push(raw: emitted.value, partition: emitted.partition)
            }
            return out
        }
        let record = F.record(1_000_001)
        let partition = IngestStage.records.partition(for: AWBRoute(operation: ASCIICode("GB"), prefix: 125, serial: record.awbSerial), count: 8)
        _ = try send("a.cbf", sequence: 1, [record])
        _ = try send("w.cbf", sequence: 2, [F.record(1_000_001, transaction: .cca, weightCharge: 30_000)])
        try validate.restart()
        let step = WithdrawStep(requestId: String(repeating: "b", count: 32), operation: "GB", ordinal: 2, period: 20261101, fileName: "w.cbf", replyPartition: 0)
        let vote = try validate.push(.withdrawCheck(step), partition: partition)
        guard case .withdrawVote(let answer)? = vote.first(where: { $0.topic == Topic.files.name })?.message else { return XCTFail("a vote") }
        XCTAssertEqual(answer.conflicts, [])
        XCTAssertEqual(answer.source, partition)
        let committed = try validate.push(.withdrawCommit(step), partition: partition)
        XCTAssertEqual(committed.on(.lines).count, 8, "the lines' marker goes to every lines partition")
        try validate.restart()
        // The AWB is back at a.cbf's version: a CCA of it bills the difference from 10 000.
        let cca = try send("c.cbf", sequence: 3, [F.record(1_000_001, transaction: .cca, weightCharge: 12_000)])
        let lines = cca.on(.lines).messages.flatMap { message -> [BilledLine] in if case .lines(let batch) = message { batch.lines } else { [] } }
        XCTAssertEqual(lines.map(\.weightCharge), [2_000])
    }

    func test_the_exported_rejections_leave_out_a_withdrawn_uploads_rows() throws {
        let run = try Run()
        let id = String(repeating: "c", count: 32)
        let partition = run.partition("GB")
        run.ordinals["w.cbf"] = try run.pipeline.log.endOffset(partition) + 1
        // As the service sends an upload: its id in the cass-file header.
        try run.producer.send([OutgoingRecord(topic: Topic.files.name, partition: partition.partition, key: Array("GB".utf8),
                                              value: StageMessage.file(name: "w.cbf", bytes: Self.withdrawn).encoded(),
                                              headers: [LogHeader(name: FileReference.fileHeader, text: id)])])
        try run.pipeline.drain()
        // R11 from validate (its CCA's AWB was never billed here), R02 from ingest: both carry the id.
        XCTAssertEqual(Set(try run.rejections(of: "w.cbf").map(\.code)), [.R02, .R11])
        try run.send(.withdraw(WithdrawRequest(requestId: run.nextRequest(), operation: "GB", ordinal: run.ordinals["w.cbf"] ?? 0, fileId: id)))
        XCTAssertEqual(try run.rejections(of: "w.cbf"), [], "gone from the export")
    }
}
