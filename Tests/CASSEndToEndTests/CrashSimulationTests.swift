import CASSDomain
import CASSEngine
import CASSLog
import CASSSamples
import CASSWorkers
import Foundation
import XCTest

/// Deterministic simulation: the real workers over the in-process log with
/// state journalled to the state topic; at random steps a worker "dies"
/// after its outputs (or its state) were written but before it committed
/// its inputs, and a fresh worker of the same stage takes its partitions,
/// restoring state from the state topic. The CSVs must be exactly those of
/// a run without crashes: nothing lost, nothing billed twice.
final class CrashSimulationTests: XCTestCase {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    final class Chaos: @unchecked Sendable {
        var random: SplitMix
        let oneIn: UInt64
        var crashes = 0
        init(seed: UInt64, oneIn: UInt64) { random = SplitMix(state: seed); self.oneIn = oneIn }
        func strike() -> Bool {
            guard random.next() % oneIn == 0 else { return false }
            crashes += 1
            return true
        }
    }

    func dataset(seed: UInt64) throws -> (ReferenceData, [(name: String, bytes: [UInt8])], [PeriodKey]) {
        let config = SampleConfig(awbs: 2500, seed: seed, errorRate: 0.05)
        var files: [(name: String, bytes: [UInt8])] = []
        _ = try SampleGenerator.generate(config) { files.append(($0, $1)) }
        files.sort { a, b in
            a.bytes.withUnsafeBytes { CBFReader.processingOrderKey(of: $0, fileName: a.name) } < b.bytes.withUnsafeBytes { CBFReader.processingOrderKey(of: $0, fileName: b.name) }
        }
        let reference = SampleGenerator.referenceData(config)
        var periods: Set<PeriodKey> = []
        for file in files where file.bytes.count >= 24 {
            let country = String(decoding: file.bytes[14..<16], as: UTF8.self)
            if reference.operation(country) != nil, let digits = Int(String(decoding: file.bytes[16..<24], as: UTF8.self)), let period = BillingPeriod(yyyymmnn: digits) {
                periods.insert(PeriodKey(country: country, period: period))
            }
        }
        return (reference, files, periods.sorted())
    }

    /// The three CSVs, then every invoice's lines (the CSVs hold sums only,
    /// which the settle stage keeps apart from the lines it journals): one
    /// row per line under its invoice, keyed without the invoice number.
    func csvs(_ outcome: SettlementOutcome) -> [String] {
        let lines = outcome.invoices.flatMap { invoice in
            invoice.sections.flatMap { section in
                section.lines.map { line in
                    "\(invoice.country)/\(invoice.period.yyyymmnn)/\(invoice.agentCode) \(section.airlinePrefix) \(line.awb) \(line.transaction.code) \(line.amount) \(line.sourceFile):\(line.sourceSequence)"
                }
            }
        }
        return [SettlementSummary.agentsCSV(outcome.invoices), SettlementSummary.airlinesCSV(outcome.disbursements), SettlementSummary.rejectionsCSV(outcome.rejections),
                lines.sorted().joined(separator: "\n")]
    }

    func runWithCrashes(seed: UInt64, oneIn: UInt64, workersPerStage: Int) throws -> ([String], Int) {
        let (csvs, crashes, _) = try runWithCrashes(seed: seed, oneIn: oneIn, workersPerStage: workersPerStage, withdrawing: false)
        return (csvs, crashes)
    }

    func runWithCrashes(seed: UInt64, oneIn: UInt64, workersPerStage: Int, withdrawing: Bool) throws -> ([String], Int, [String: WithdrawAnswer.Status]) {
        let (reference, files, periods) = try dataset(seed: 99)
        let pipeline = try EmbeddedPipeline(reference: reference, keepLines: true, persistState: true)
        let log = pipeline.log
        // Built from the same definitions as every worker, journalling state.
        let environment = StageEnvironment(reference: reference, persistState: true, keepLines: true)
        let chaos = Chaos(seed: seed, oneIn: oneIn)
        // The pipeline's own workers are left idle (never polled); ours do the work.
        var workers: [StageWorker] = []
        for stage in Pipeline.settlement {
            for _ in 0..<workersPerStage { workers.append(try StageWorker(stage, environment: environment, log: log)) }
        }
        for worker in workers {
            worker.faultInjector = { _, _ in chaos.strike() }
            // Small batches: many steps, many places to die.
            worker.maxBatch = 3
        }
        // Idle pipeline workers would hold partitions: hand them over.
        pipeline.closeWorkers()
        if withdrawing {
            try submitWithWithdrawals(pipeline, files, periods)
        } else {
            try pipeline.submit(files)
            try pipeline.close(periods)
        }
        var quietRounds = 0
        var rounds = 0
        while quietRounds < 2 {
            rounds += 1
            // A hard stop: an assertion alone would let a run that never
            // goes quiet spin until CI's time runs out.
            guard rounds < 200_000 else {
                XCTFail("the run did not go quiet in 200,000 rounds")
                break
            }
            var handled = 0
            for index in workers.indices {
                do {
                    handled += try workers[index].step()
                } catch is SimulatedCrash {
                    // Dies without committing; a fresh worker of the stage joins.
                    let stage = workers[index].definition
                    workers[index].abandon()
                    let replacement = try StageWorker(stage, environment: environment, log: log)
                    replacement.faultInjector = { _, _ in chaos.strike() }
                    replacement.maxBatch = 3
                    workers[index] = replacement
                    handled += 1
                }
            }
            quietRounds = handled == 0 ? quietRounds + 1 : 0
        }
        return (csvs(try pipeline.collect()), chaos.crashes, try withdrawals(log))
    }

    /// The files, then withdrawals of every fifth accepted-looking file
    /// (some refused: later files corrected their AWBs), then the closes;
    /// the withdrawals' answers by request.
    func submitWithWithdrawals(_ pipeline: EmbeddedPipeline, _ files: [(name: String, bytes: [UInt8])], _ periods: [PeriodKey]) throws {
        let producer = try pipeline.log.makeProducer()
        defer { producer.close() }
        let partitions = try pipeline.log.partitionCount(of: Topic.files.name)
        var ordinals: [(operation: String, ordinal: Int64)] = []
        for file in files {
            let operation = RoutingKey.operation(ofFile: file.bytes)
            let partition = TopicPartition(topic: Topic.files.name, partition: Partitioner.partition(for: operation, count: partitions))
            ordinals.append((operation, try pipeline.log.endOffset(partition) + 1))
            try pipeline.submit([file])
        }
        for (index, file) in ordinals.enumerated() where index % 5 == 2 {
            let request = WithdrawRequest(requestId: String(format: "%032x", index), operation: file.operation, ordinal: file.ordinal)
            try producer.send([Submission.record(.withdraw(request), operation: file.operation, partitions: partitions)])
        }
        try pipeline.close(periods)
    }

    func withdrawals(_ log: InProcessLog) throws -> [String: WithdrawAnswer.Status] {
        var answers: [String: WithdrawAnswer.Status] = [:]
        for partition in 0..<(try log.partitionCount(of: Topic.replies.name)) {
            for record in try log.readToEnd(TopicPartition(topic: Topic.replies.name, partition: partition)) {
                if case .reply(let reply)? = try? StageMessage.decode(record.value), let answer = reply.withdrawal {
                    XCTAssertEqual(answers[reply.requestId] ?? answer.status, answer.status, "a replayed answer is the same answer")
                    answers[reply.requestId] = answer.status
                }
            }
        }
        return answers
    }

    func test_crashes_during_withdrawals_lose_and_duplicate_nothing() throws {
        let (reference, files, periods) = try dataset(seed: 99)
        let clean = try EmbeddedPipeline(reference: reference, keepLines: true, persistState: true)
        try submitWithWithdrawals(clean, files, periods)
        try clean.drain()
        let expected = csvs(try clean.collect())
        let decided = try withdrawals(clean.log)
        XCTAssertGreaterThan(decided.values.filter { $0 == .withdrawn }.count, 3, "some files are withdrawn")
        XCTAssertGreaterThan(expected[3].split(separator: "\n").count, 100, "the clean run has invoice lines")
        for (seed, workers) in [(UInt64(4), 1), (5, 2), (6, 3)] {
            let (got, crashes, answers) = try runWithCrashes(seed: seed, oneIn: 25, workersPerStage: workers, withdrawing: true)
            XCTAssertGreaterThan(crashes, 5, "the simulation must actually crash workers")
            XCTAssertEqual(answers, decided, "the same withdrawals decided the same way, seed \(seed)")
            XCTAssertEqual(got[0], expected[0], "agents CSV, seed \(seed), \(crashes) crashes")
            XCTAssertEqual(got[1], expected[1], "airlines CSV, seed \(seed)")
            XCTAssertEqual(got[2], expected[2], "rejections CSV, seed \(seed)")
            XCTAssertEqual(got[3], expected[3], "invoice lines, seed \(seed)")
        }
    }

    func test_crashes_at_random_moments_lose_and_duplicate_nothing() throws {
        let (reference, files, periods) = try dataset(seed: 99)
        let clean = try EmbeddedPipeline(reference: reference, keepLines: true)
        try clean.submit(files)
        try clean.close(periods)
        try clean.drain()
        let expected = csvs(try clean.collect())
        XCTAssertGreaterThan(expected[0].split(separator: "\n").count, 20)
        for (seed, workers) in [(UInt64(1), 1), (2, 2), (3, 3)] {
            let (got, crashes) = try runWithCrashes(seed: seed, oneIn: 25, workersPerStage: workers)
            XCTAssertGreaterThan(crashes, 5, "the simulation must actually crash workers")
            XCTAssertEqual(got[0], expected[0], "agents CSV, seed \(seed), \(crashes) crashes")
            XCTAssertEqual(got[1], expected[1], "airlines CSV, seed \(seed)")
            XCTAssertEqual(got[2], expected[2], "rejections CSV, seed \(seed)")
            XCTAssertEqual(got[3], expected[3], "invoice lines, seed \(seed)")
        }
    }
}
