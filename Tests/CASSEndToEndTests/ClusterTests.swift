import CASSDomain
import CASSEngine
import CASSKafka
import CASSLog
import CASSSamples
import CASSWorkers
import Foundation
import XCTest

/// The cluster on a real Kafka-protocol broker (the test broker, Tansu):
/// worker processes per stage through scripts/cluster-run, compared byte
/// for byte with `cass settle`'s embedded run.
final class ClusterTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    var brokers: String {
        get throws {
            if let brokers = ProcessInfo.processInfo.environment["CASS_BROKERS"], !brokers.isEmpty { return brokers }
            if ProcessInfo.processInfo.environment["CI"] != nil {
                XCTFail("CASS_BROKERS is not set in CI: scripts/test starts the test broker")
            }
            throw XCTSkip("NO BROKER: CASS_BROKERS is unset; run `eval \"$(scripts/test-broker env)\"` after `scripts/test-broker start` to run the Kafka tests")
        }
    }

    var cassBinary: URL {
        get throws {
            for candidate in [".build/debug/cass", ".build/release/cass"] {
                let url = Self.repo.appendingPathComponent(candidate)
                if FileManager.default.isExecutableFile(atPath: url.path) { return url }
            }
            throw XCTSkip("no built cass binary; run `swift build` first")
        }
    }

    func temporaryFolder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cass-cluster-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func embeddedCSVs(reference: URL, input: URL) throws -> [String: Data] {
        let data = try ReferenceLoader.load(directory: reference)
        let (outcome, _) = try FolderSettlement.run(reference: data, files: try FolderSettlement.inputFiles(in: input), keepLines: false)
        return [
            "settlement-agents.csv": Data(SettlementSummary.agentsCSV(outcome.invoices).utf8),
            "settlement-airlines.csv": Data(SettlementSummary.airlinesCSV(outcome.disbursements).utf8),
            "rejections.csv": Data(SettlementSummary.rejectionsCSV(outcome.rejections).utf8),
        ]
    }

    func clusterRun(reference: URL, input: URL, output: URL, workers: Int, documents: Bool = false, whileRunning: ((URL) -> Void)? = nil) throws -> Int32 {
        let process = Process()
        process.executableURL = Self.repo.appendingPathComponent("scripts/cluster-run")
        process.arguments = [reference.path, input.path, output.path, String(workers)]
        var environment = ProcessInfo.processInfo.environment
        environment["CASS_BIN"] = try cassBinary.path
        environment["CASS_BROKERS"] = try brokers
        environment["CASS_NO_DOCUMENTS"] = documents ? "0" : "1"
        environment["CASS_TIMEOUT"] = "600"
        process.environment = environment
        try process.run()
        whileRunning?(output)
        process.waitUntilExit()
        return process.terminationStatus
    }

    func assertSameCSVs(_ output: URL, _ expected: [String: Data], file: StaticString = #filePath, line: UInt = #line) {
        for (name, bytes) in expected {
            let got = FileManager.default.contents(atPath: output.appendingPathComponent(name).path)
            XCTAssertEqual(got, bytes, "\(name) differs from the embedded run", file: file, line: line)
        }
    }

    /// (a) The shipped samples through 2 worker processes per stage.
    func test_samples_through_two_workers_per_stage_equal_embedded_settle() throws {
        _ = try brokers
        let reference = Self.repo.appendingPathComponent("samples/reference")
        let input = Self.repo.appendingPathComponent("samples/input")
        let expected = try embeddedCSVs(reference: reference, input: input)
        let output = try temporaryFolder("samples")
        XCTAssertEqual(try clusterRun(reference: reference, input: input, output: output, workers: 2, documents: true), 0)
        assertSameCSVs(output, expected)
        // The render workers wrote every invoice's documents.
        let numbers = String(decoding: expected["settlement-agents.csv"] ?? Data(), as: UTF8.self)
            .split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[4]) }
        XCTAssertFalse(numbers.isEmpty)
        for number in numbers {
            for ext in ["pdf", "xlsx", "hot", "xml", "json"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("invoices/\(number).\(ext)").path), "\(number).\(ext)")
            }
        }
    }

    /// (b) SIGKILL random workers at random moments during a 50k-AWB run;
    /// the supervisor restarts them, they restore state from cass.state.
    func test_sigkilled_workers_lose_and_duplicate_nothing() throws {
        _ = try brokers
        let data = try temporaryFolder("kill-data")
        _ = try SampleGenerator.generate(SampleConfig(awbs: 50_000, seed: 77, errorRate: 0.02), into: data)
        let reference = data.appendingPathComponent("reference"), input = data.appendingPathComponent("input")
        let expected = try embeddedCSVs(reference: reference, input: input)
        let output = try temporaryFolder("kill-out")
        var kills = 0
        let status = try clusterRun(reference: reference, input: input, output: output, workers: 2) { output in
            var generator = SystemRandomNumberGenerator()
            let marker = output.appendingPathComponent(".cluster-run-workdir")
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline, kills < 8 {
                Thread.sleep(forTimeInterval: Double.random(in: 0.3...1.2, using: &generator))
                guard let text = try? String(contentsOf: marker, encoding: .utf8) else {
                    if kills > 0 { break } else { continue }
                }
                let workdir = URL(fileURLWithPath: text.trimmingCharacters(in: .whitespacesAndNewlines))
                let pidFiles = ((try? FileManager.default.contentsOfDirectory(atPath: workdir.path)) ?? []).filter { $0.hasSuffix(".pid") && $0.contains("-") }
                guard let victim = pidFiles.randomElement(using: &generator),
                      let pidText = try? String(contentsOf: workdir.appendingPathComponent(victim), encoding: .utf8),
                      let pid = Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)) else { continue }
                if kill(pid, SIGKILL) == 0 { kills += 1 }
            }
        }
        XCTAssertEqual(status, 0, "cluster-run must finish despite \(kills) kills")
        XCTAssertGreaterThanOrEqual(kills, 3, "workers must actually have been killed")
        assertSameCSVs(output, expected)
    }

    /// (d) AWBs billed in several operations of one airline (export and
    /// import) are no duplicates, and the result does not depend on how the
    /// operations' files interleave: 1, 2 and 4 workers per stage give the
    /// embedded run's bytes, and the embedded run rejects only what the
    /// generator injected.
    func test_AWBs_billed_in_several_operations_settle_the_same_with_1_2_4_workers() throws {
        _ = try brokers
        let data = try temporaryFolder("cross-data")
        let summary = try SampleGenerator.generate(SampleConfig(awbs: 12_000, seed: 31, errorRate: 0.02), into: data)
        XCTAssertGreaterThan(summary.crossOperationBillings, 100)
        let reference = data.appendingPathComponent("reference"), input = data.appendingPathComponent("input")
        let expected = try embeddedCSVs(reference: reference, input: input)
        let expectedRejections = try String(contentsOf: data.appendingPathComponent("expected-rejections.csv"), encoding: .utf8)
        XCTAssertEqual(String(decoding: expected["rejections.csv"] ?? Data(), as: UTF8.self), expectedRejections,
                       "only the injected rejections: no R10/R11 across operations")
        for workers in [1, 2, 4] {
            let output = try temporaryFolder("cross-out-\(workers)")
            XCTAssertEqual(try clusterRun(reference: reference, input: input, output: output, workers: workers), 0, "\(workers) workers per stage")
            assertSameCSVs(output, expected)
        }
    }

    /// (e) `cass export-settlement` writes a report per rejected file into
    /// rejections/ only, whatever names the messages on the cluster carry.
    func test_export_keeps_rejection_reports_inside_the_output_folder() throws {
        let brokers = try brokers
        let binary = try cassBinary
        let namespace = "export\(getpid())x\(UInt32.random(in: 0...UInt32.max))"
        var environment = ProcessInfo.processInfo.environment
        environment["CASS_BROKERS"] = brokers
        environment["CASS_NAMESPACE"] = namespace
        func cass(_ arguments: [String]) throws -> Int32 {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            process.environment = environment
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        XCTAssertEqual(try cass(["topics", "apply", "--replication", "1", "--allow-low-replication"]), 0)
        defer { _ = try? cass(["topics", "delete", "--yes"]) }
        let root = try temporaryFolder("export")
        let output = root.appendingPathComponent("out")
        let names = ["../../escaped", "/tmp/cass-escaped-\(namespace)", "ok.cbf", "bad\nname"]
        let problem = Problem(code: .F01, field: "header", location: "line 1", expected: "HDR", found: "x", message: "no header")
        let log = try KafkaLog(config: KafkaConfig(brokers: brokers))
        let producer = try log.makeProducer()
        try producer.send(names.map { name in
            OutgoingRecord(topic: "\(namespace).cass.rejections", partition: 0, key: Array(name.utf8),
                           value: StageMessage.rejections([Rejection(file: name, airline: "125", country: "GB", period: "20261101", sequence: 0, awb: "", problem: problem)]).encoded())
        })
        producer.close()
        XCTAssertEqual(try cass(["export-settlement", "--output", output.path]), 0)
        let reports = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("rejections").path)
        XCTAssertEqual(reports.count, 4)
        XCTAssertTrue(reports.contains("ok.cbf.txt"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), ["out"], "nothing beside the output folder")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/cass-escaped-\(namespace).txt"))
    }

    /// (f) `cass topics apply` keeps the critical topics at a production
    /// cluster's replication unless told otherwise: after a single-broker
    /// apply, an apply without --allow-low-replication names them.
    func test_topics_apply_refuses_under_replicated_critical_topics() throws {
        let brokers = try brokers
        let binary = try cassBinary
        var environment = ProcessInfo.processInfo.environment
        environment["CASS_BROKERS"] = brokers
        environment["CASS_NAMESPACE"] = "replication\(getpid())x\(UInt32.random(in: 0...UInt32.max))"
        func cass(_ arguments: [String]) throws -> (Int32, String) {
            let process = Process()
            let errors = Pipe()
            process.executableURL = binary
            process.arguments = arguments
            process.environment = environment
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }
        XCTAssertEqual(try cass(["topics", "apply", "--replication", "1", "--allow-low-replication"]).0, 0)
        defer { _ = try? cass(["topics", "delete", "--yes"]) }
        let (status, text) = try cass(["topics", "apply", "--replication", "1"])
        XCTAssertEqual(status, 1)
        XCTAssertTrue(text.contains("cass.state has 1 replicas, 3 are asked for"), text)
        XCTAssertTrue(text.contains("cass.invoices has 1 replicas, 3 are asked for"), text)
        XCTAssertFalse(text.contains("cass.records has 1 replicas"), "not a critical topic: \(text)")
        XCTAssertEqual(try cass(["topics", "apply", "--replication", "1", "--min-insync-replicas", "2"]).0, 2, "more in sync than copies")
    }

    /// (c) A poison record goes to the stage's dead-letter topic with its
    /// origin in headers, and the stage keeps going: a real `cass worker
    /// validate` process, in a namespace of its own.
    func test_poison_record_is_dead_lettered_and_the_stage_goes_on() throws {
        let brokers = try brokers
        let binary = try cassBinary
        let namespace = "poison\(getpid())x\(UInt32.random(in: 0...UInt32.max))"
        var environment = ProcessInfo.processInfo.environment
        environment["CASS_BROKERS"] = brokers
        environment["CASS_NAMESPACE"] = namespace
        environment["CASS_KAFKA_SESSION_TIMEOUT_MS"] = "6000"
        func cass(_ arguments: [String]) throws -> Process {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            process.environment = environment
            try process.run()
            return process
        }
        for arguments in [["topics", "apply", "--replication", "1", "--allow-low-replication"], ["reference", "load", Self.repo.appendingPathComponent("samples/reference").path]] {
            let process = try cass(arguments)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "cass \(arguments.joined(separator: " "))")
        }
        let worker = try cass(["worker", "validate"])
        defer {
            worker.terminate()
            worker.waitUntilExit()
        }
        let log = try KafkaLog(config: KafkaConfig(brokers: brokers))
        let records = TopicPartition(topic: "\(namespace).cass.records", partition: 0)
        let producer = try log.makeProducer()
        defer { producer.close() }
        let period = PeriodKey(country: "GB", period: BillingPeriod(yyyymmnn: 20261101)!)
        try producer.send([
            OutgoingRecord(topic: records.topic, partition: 0, key: Array("poison".utf8), value: [0xFF, 0x01, 0x02]),
            OutgoingRecord(topic: records.topic, partition: 0, key: Array("marker".utf8), value: StageMessage.closeMarker(period: period, source: 0, sourceCount: 1).encoded()),
        ])
        let deadline = Date().addingTimeInterval(60)
        var committed: Int64?
        while Date() < deadline {
            committed = try log.committedOffset(group: "\(namespace).cass-validate", partition: records)
            if committed == 2 { break }
            Thread.sleep(forTimeInterval: 0.3)
        }
        XCTAssertEqual(committed, 2, "both records handled and committed: the stage went on past the poison")
        let letters = try log.readToEnd(TopicPartition(topic: "\(namespace).cass.validate.dlq", partition: 0))
        XCTAssertEqual(letters.count, 1)
        XCTAssertEqual(letters.first?.value, [0xFF, 0x01, 0x02])
        XCTAssertEqual(letters.first.flatMap { $0.header("cass.source.topic") }.map { String(decoding: $0, as: UTF8.self) }, records.topic)
        XCTAssertEqual(letters.first.flatMap { $0.header("cass.source.offset") }.map { String(decoding: $0, as: UTF8.self) }, "0")
        XCTAssertTrue(letters.first.flatMap { $0.header("cass.error") }.map { !$0.isEmpty } ?? false)
        // The good record went through: the marker was forwarded to every lines partition.
        let forwarded = try log.readToEnd(TopicPartition(topic: "\(namespace).cass.lines", partition: 0))
        XCTAssertEqual(forwarded.count, 1)
    }
}
