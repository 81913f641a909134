import CASSDomain
import CASSEngine
import CASSLog
import CASSSamples
import CASSWorkers
import Foundation
import XCTest

/// Properties on generated data: the worker pipeline over the in-process
/// log gives exactly what the direct composition gives; runs are
/// deterministic; the same records split over more files settle the same.
final class PipelinePropertyTests: XCTestCase {
    struct Dataset {
        var reference: ReferenceData
        var files: [(name: String, bytes: [UInt8])]
    }

    func generate(awbs: Int, seed: UInt64, errorRate: Double) throws -> Dataset {
        var files: [(String, [UInt8])] = []
        _ = try SampleGenerator.generate(SampleConfig(awbs: awbs, seed: seed, errorRate: errorRate)) { name, bytes in
            files.append((name, bytes))
        }
        let sorted = files.map { file in (key: file.1.withUnsafeBytes { CBFReader.processingOrderKey(of: $0, fileName: file.0) }, file: file) }
            .sorted { $0.key < $1.key }.map { (name: $0.file.0, bytes: $0.file.1) }
        return Dataset(reference: SampleGenerator.referenceData(SampleConfig(awbs: awbs, seed: seed, errorRate: errorRate)), files: sorted)
    }

    func periods(_ dataset: Dataset) -> [PeriodKey] {
        var set: Set<PeriodKey> = []
        for file in dataset.files where file.bytes.count >= 24 {
            let country = String(decoding: file.bytes[14..<16], as: UTF8.self)
            if dataset.reference.operation(country) != nil, let digits = Int(String(decoding: file.bytes[16..<24], as: UTF8.self)), let period = BillingPeriod(yyyymmnn: digits) {
                set.insert(PeriodKey(country: country, period: period))
            }
        }
        return set.sorted()
    }

    func direct(_ dataset: Dataset) -> (String, String, String) {
        var run = SettlementRun(reference: dataset.reference)
        for file in dataset.files {
            file.bytes.withUnsafeBytes { try! run.ingest(bytes: $0, fileName: file.name, reader: DefaultReaders.cbf) }
        }
        for period in periods(dataset) { try! run.close(period) }
        return (SettlementSummary.agentsCSV(run.invoices), SettlementSummary.airlinesCSV(run.disbursements), SettlementSummary.rejectionsCSV(run.rejections))
    }

    func pipeline(_ dataset: Dataset, partitions: TopicCatalog.Partitions = TopicCatalog.Partitions()) throws -> (String, String, String) {
        let pipeline = try EmbeddedPipeline(reference: dataset.reference, keepLines: false, partitions: partitions)
        try pipeline.submit(dataset.files)
        try pipeline.close(periods(dataset))
        try pipeline.drain()
        let outcome = try pipeline.collect()
        return (SettlementSummary.agentsCSV(outcome.invoices), SettlementSummary.airlinesCSV(outcome.disbursements), SettlementSummary.rejectionsCSV(outcome.rejections))
    }

    func test_pipeline_equals_direct_composition() throws {
        let dataset = try generate(awbs: 3000, seed: 11, errorRate: 0.05)
        let expected = direct(dataset)
        XCTAssertGreaterThan(expected.0.split(separator: "\n").count, 10)
        XCTAssertGreaterThan(expected.2.split(separator: "\n").count, 10)
        let got = try pipeline(dataset)
        XCTAssertEqual(got.0, expected.0)
        XCTAssertEqual(got.1, expected.1)
        XCTAssertEqual(got.2, expected.2)
    }

    func test_two_threads_give_the_same_results_as_one() throws {
        let dataset = try generate(awbs: 4000, seed: 17, errorRate: 0.05)
        let sequential = try pipeline(dataset)
        for _ in 0..<3 {
            let pipeline = try EmbeddedPipeline(reference: dataset.reference, keepLines: false)
            try pipeline.submit(dataset.files)
            try pipeline.close(periods(dataset))
            try pipeline.drainInParallel()
            let outcome = try pipeline.collect()
            XCTAssertEqual(SettlementSummary.agentsCSV(outcome.invoices), sequential.0)
            XCTAssertEqual(SettlementSummary.airlinesCSV(outcome.disbursements), sequential.1)
            XCTAssertEqual(SettlementSummary.rejectionsCSV(outcome.rejections), sequential.2)
        }
    }

    func test_partition_counts_do_not_change_results() throws {
        let dataset = try generate(awbs: 1500, seed: 5, errorRate: 0.05)
        var one = TopicCatalog.Partitions()
        one.files = 1; one.records = 1; one.lines = 1; one.billed = 1; one.drafts = 1
        var many = TopicCatalog.Partitions()
        many.files = 3; many.records = 7; many.lines = 5; many.billed = 5; many.drafts = 2
        let a = try pipeline(dataset, partitions: one)
        let b = try pipeline(dataset, partitions: many)
        XCTAssertEqual(a.0, b.0)
        XCTAssertEqual(a.1, b.1)
        XCTAssertEqual(a.2, b.2)
    }

    func test_running_twice_gives_identical_bytes() throws {
        let dataset = try generate(awbs: 800, seed: 3, errorRate: 0.1)
        let first = try pipeline(dataset)
        let second = try pipeline(try generate(awbs: 800, seed: 3, errorRate: 0.1))
        XCTAssertEqual(first.0, second.0)
        XCTAssertEqual(first.1, second.1)
        XCTAssertEqual(first.2, second.2)
    }

    func test_sum_of_invoices_equals_sum_of_disbursements() throws {
        let dataset = try generate(awbs: 2000, seed: 21, errorRate: 0.05)
        let csv = try pipeline(dataset)
        func sum(_ text: String, column: Int) -> Int64 {
            text.split(separator: "\n").dropFirst().reduce(0) { $0 + (Int64($1.split(separator: ",")[column]) ?? 0) }
        }
        XCTAssertEqual(sum(csv.0, column: 9), sum(csv.1, column: 5))
    }

    func test_same_records_split_over_more_files_settle_the_same() throws {
        // Split every error-free regular file in two: same records, more files.
        let dataset = try generate(awbs: 1200, seed: 9, errorRate: 0)
        var split: [(name: String, bytes: [UInt8])] = []
        for file in dataset.files {
            guard case .parsed(let parsed) = CBFReader.read(bytes: file.bytes, fileName: file.name, periodsPerMonth: { dataset.reference.operation($0)?.periodsPerMonth }) else {
                split.append(file)
                continue
            }
            let half = parsed.records.count / 2
            // Keep OCH lines with their records: cut between records only.
            for (part, range) in [(1, 0..<half), (2, half..<parsed.records.count)] {
                var header = parsed.header
                header.fileSequence = parsed.header.fileSequence * 10 + part
                var records: [BillingRecord] = []
                var charges: [OtherCharge] = []
                for record in parsed.records[range] {
                    var copy = record
                    copy.otherChargesStart = Int32(charges.count)
                    charges.append(contentsOf: parsed.otherCharges(of: record))
                    records.append(copy)
                }
                let piece = BillingFile(name: file.name, identity: parsed.identity, header: header, trailer: CBFWriter.controlTotals(of: records), records: records, otherCharges: charges)
                split.append((file.name.replacingOccurrences(of: ".cbf", with: "-\(part).cbf"), CBFWriter.write(piece)))
            }
        }
        let original = direct(dataset)
        let splitResult = direct(Dataset(reference: dataset.reference, files: split))
        XCTAssertEqual(original.0, splitResult.0)
        XCTAssertEqual(original.1, splitResult.1)
    }
}
