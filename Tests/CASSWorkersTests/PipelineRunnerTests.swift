import CASSDomain
import CASSEngine
import CASSLog
import CASSSamples
import CASSWorkers
import Foundation
import XCTest

/// The stages running inside a process on threads (what the service
/// does), on a log of any kind: the same results as the embedded run.
final class PipelineRunnerTests: XCTestCase {
    func dataset() throws -> (ReferenceData, [(name: String, bytes: [UInt8])], [PeriodKey]) {
        let config = SampleConfig(awbs: 1500, seed: 44, errorRate: 0.03)
        var files: [(name: String, bytes: [UInt8])] = []
        _ = try SampleGenerator.generate(config) { files.append(($0, $1)) }
        files.sort { a, b in
            a.bytes.withUnsafeBytes { CBFReader.processingOrderKey(of: $0, fileName: a.name) } < b.bytes.withUnsafeBytes { CBFReader.processingOrderKey(of: $0, fileName: b.name) }
        }
        let reference = SampleGenerator.referenceData(config)
        var periods: Set<PeriodKey> = []
        for file in files {
            let summary = file.bytes.withUnsafeBytes { BillingFileReaderSummary.of($0) }
            if let summary, reference.operation(summary.country) != nil { periods.insert(summary) }
        }
        return (reference, files, periods.sorted())
    }

    func csvs(_ outcome: SettlementOutcome) -> [String] {
        [SettlementSummary.agentsCSV(outcome.invoices), SettlementSummary.airlinesCSV(outcome.disbursements), SettlementSummary.rejectionsCSV(outcome.rejections)]
    }

    func test_the_stages_on_threads_settle_like_the_embedded_run() throws {
        let (reference, files, periods) = try dataset()
        let embedded = try EmbeddedPipeline(reference: reference, keepLines: false)
        try embedded.submit(files)
        try embedded.close(periods)
        try embedded.drain()
        let expected = csvs(try embedded.collect())

        let log = InProcessLog()
        try log.createTopics(TopicCatalog.specs())
        var options = PipelineRunner.Options()
        options.workersPerStage = 2
        let runner = PipelineRunner(log: log, stages: Pipeline.settlement, environment: StageEnvironment(reference: reference, persistState: true, keepLines: false),
                                    options: options)
        XCTAssertNil(runner.lastRoundAgeMs, "no round before the threads start")
        try runner.start()
        #if os(Linux)
        let named = Date().addingTimeInterval(10)
        while !ProcessMemoryTests.threadNames().contains("cass-pipeline"), Date() < named { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertTrue(ProcessMemoryTests.threadNames().contains("cass-pipeline"), "the kernel knows the threads' name (top -H): \(ProcessMemoryTests.threadNames())")
        #endif
        let producer = try log.makeProducer()
        let partitions = try log.partitionCount(of: Topic.files.name)
        for file in files {
            try producer.send([Submission.record(.file(name: file.name, bytes: file.bytes), operation: RoutingKey.operation(ofFile: file.bytes), partitions: partitions)])
        }
        for period in periods { try producer.send([Submission.record(.closeMarker(period: period, source: 0, sourceCount: 1), operation: period.country, partitions: partitions)]) }
        let deadline = Date().addingTimeInterval(120)
        while try ClusterStatus.closedPeriods(from: log).count < periods.count, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let health = runner.health()
        let roundAge = try XCTUnwrap(runner.lastRoundAgeMs, "the threads go round")
        XCTAssertLessThan(roundAge, 30_000)
        runner.stop()
        XCTAssertEqual(csvs(try SettlementExport.collect(from: log)), expected)
        XCTAssertEqual(health.map(\.stage), Pipeline.settlement.map(\.name))
        XCTAssertTrue(health.allSatisfy { $0.failing == nil && $0.workers == 2 && $0.recordsIn > 0 }, "\(health)")
        XCTAssertTrue(runner.health().allSatisfy { $0.workers == 0 }, "stopped: every worker closed")
    }

    /// A stage whose worker fails is replaced (and keeps failing visibly).
    func test_a_lowered_thread_runs_at_the_background_priority_and_the_thread_that_started_it_keeps_its_own() throws {
        #if os(Linux)
        let before = ThreadPriority.current()
        let seen = Locked<Int32?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            ThreadPriority.lowerCurrent()
            seen.withLock { $0 = ThreadPriority.current() }
            done.signal()
        }
        thread.start()
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(seen.withLock { $0 }, ThreadPriority.background, "the thread itself is lowered")
        XCTAssertEqual(ThreadPriority.current(), before, "per thread: the process's other threads keep their priority")
        #endif
    }

    func test_a_failing_worker_is_replaced_and_its_failure_reported() throws {
        let log = InProcessLog()
        try log.createTopics(TopicCatalog.specs(definitions: Pipeline.definitions + [StageWorkerTests.rogue]))
        var options = PipelineRunner.Options()
        options.restartBackoff = Backoff(delayInitialMs: 1, delayMaxMs: 5)
        let runner = PipelineRunner(log: log, stages: [StageWorkerTests.rogue], environment: StageFixture.environment(), options: options)
        try runner.start()
        let producer = try log.makeProducer()
        try producer.send([Submission.record(.closeMarker(period: StageFixture.period(), source: 0, sourceCount: 1), operation: "GB", partitions: 4)])
        let deadline = Date().addingTimeInterval(10)
        while (runner.health().first?.restarts ?? 0) < 2, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        runner.stop()
        XCTAssertGreaterThanOrEqual(runner.health().first?.restarts ?? 0, 2)
        XCTAssertTrue(runner.health().first?.failing?.contains("does not declare") == true)
    }
}

/// The (operation, period) a CBF header names, for closing what the files name.
enum BillingFileReaderSummary {
    static func of(_ bytes: UnsafeRawBufferPointer) -> PeriodKey? {
        guard bytes.count >= 24, bytes[0] == UInt8(ascii: "H") else { return nil }
        let country = String(decoding: bytes[14..<16], as: UTF8.self)
        guard let digits = Int(String(decoding: bytes[16..<24], as: UTF8.self)), let period = BillingPeriod(yyyymmnn: digits) else { return nil }
        return PeriodKey(country: country, period: period)
    }
}
