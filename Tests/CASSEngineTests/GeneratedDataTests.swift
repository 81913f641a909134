import CASSDomain
import CASSEngine
import CASSSamples
import XCTest

/// The sample generator knows in advance which records and files it broke
/// and with which code. Settling its output with the engine must reject
/// exactly those, with exactly those codes, and bill everything else.
final class GeneratedDataTests: XCTestCase {
    private func settle(_ config: SampleConfig, keepLines: Bool = false) throws -> (run: SettlementRun, summary: SampleSummary) {
        var files: [(ProcessingOrderKey, String, [UInt8])] = []
        let summary = try SampleGenerator.generate(config) { name, bytes in
            files.append((bytes.withUnsafeBytes { CBFReader.processingOrderKey(of: $0, fileName: name) }, name, bytes))
        }
        files.sort { $0.0 < $1.0 }
        var run = SettlementRun(reference: SampleGenerator.referenceData(config), keepLines: keepLines)
        for (_, name, bytes) in files {
            bytes.withUnsafeBytes { buffer in
                try! run.ingest(bytes: buffer, fileName: name) { bytes, name, periodsPerMonth in
                    CBFReader.read(buffer: bytes, fileName: name, periodsPerMonth: periodsPerMonth)
                }
            }
        }
        try! run.closeAll()
        return (run, summary)
    }

    private func csvLines(_ rejections: [Rejection]) -> [String] {
        rejections.map { "\($0.file),\($0.airline),\($0.country),\($0.period),\($0.sequence),\($0.code.rawValue),\($0.awb)" }
            .sorted { a, b in
                let fa = a.split(separator: ",", omittingEmptySubsequences: false), fb = b.split(separator: ",", omittingEmptySubsequences: false)
                if fa[0] != fb[0] { return Array(fa[0].utf8).lexicographicallyPrecedes(Array(fb[0].utf8)) }
                return (Int(fa[4]) ?? 0) < (Int(fb[4]) ?? 0)
            }
    }

    func test_everyInjectedErrorIsRejectedWithItsCode_andNothingElseIs() throws {
        let (run, summary) = try settle(SampleConfig(awbs: 3_000, seed: 11, errorRate: 0.05))
        for code in RejectionCode.allCases {
            XCTAssertGreaterThan(summary.injected[code] ?? 0, 0, "the generator injected no \(code.rawValue)")
        }
        let expected = summary.expectedRejections.map(\.csvLine)
        let actual = csvLines(run.rejections)
        XCTAssertEqual(actual.count, expected.count)
        let missing = Set(expected).subtracting(actual).sorted()
        let unexpected = Set(actual).subtracting(expected).sorted()
        XCTAssertTrue(missing.isEmpty, "injected but not rejected so: \(missing.prefix(10))")
        XCTAssertTrue(unexpected.isEmpty, "rejected but not injected so: \(unexpected.prefix(10))")
        XCTAssertTrue(actual == expected, "the same rows, but not in rejections.csv order")
    }

    /// `extraAgents` spreads the same AWBs over more agents (the shape of a
    /// real period close: thousands of agents, a few dozen lines each): more
    /// invoices, every generated agent valid, unique and billed, the
    /// injected errors still exactly the rejections, the default unchanged.
    func test_extraAgentsGiveMoreSmallerInvoices_andStillOnlyTheInjectedRejections() throws {
        let plain = SampleConfig(awbs: 3_000, seed: 12, errorRate: 0.02)
        var wide = plain
        wide.extraAgents = 60
        let (plainRun, _) = try settle(plain)
        let (wideRun, wideSummary) = try settle(wide)
        let castAgents = SampleGenerator.referenceData(plain).allAgents
        let allAgents = SampleGenerator.referenceData(wide).allAgents
        XCTAssertEqual(castAgents.count, SampleGenerator.referenceData(SampleConfig()).allAgents.count, "the default is the fixed cast")
        XCTAssertEqual(allAgents.count, castAgents.count + 60)
        XCTAssertEqual(Set(allAgents.map { "\($0.country)/\($0.code)" }).count, allAgents.count, "codes are unique")
        XCTAssertTrue(allAgents.allSatisfy { CheckDigit.agentCodeIsValid(Int($0.code)) })
        let cast = Set(castAgents.map { "\($0.country)/\($0.code)" })
        let generated = allAgents.filter { !cast.contains("\($0.country)/\($0.code)") }
        XCTAssertEqual(Dictionary(grouping: generated, by: \.country).mapValues(\.count), ["GB": 30, "JP": 18, "KW": 12], "5:3:2 by billing weight")
        let billed = Set(wideRun.invoices.map { "\($0.country)/\($0.agentCode)" })
        XCTAssertTrue(generated.allSatisfy { billed.contains("\($0.country)/\($0.code)") }, "every generated agent is invoiced")
        XCTAssertGreaterThan(wideRun.invoices.count, plainRun.invoices.count * 3)
        XCTAssertEqual(csvLines(wideRun.rejections), wideSummary.expectedRejections.map(\.csvLine))
    }

    func test_generatedDataSettlesBalanced_withInvoicesInEveryOperation() throws {
        let (run, summary) = try settle(SampleConfig(awbs: 1_500, seed: 4, errorRate: 0.02))
        XCTAssertFalse(summary.expectedRejections.isEmpty)
        var invoiceTotals: [String: Int64] = [:]
        var disbursed: [String: Int64] = [:]
        for invoice in run.invoices { invoiceTotals["\(invoice.country)/\(invoice.period)", default: 0] += invoice.total }
        for disbursement in run.disbursements { disbursed["\(disbursement.country)/\(disbursement.period)", default: 0] += disbursement.amount }
        XCTAssertEqual(invoiceTotals, disbursed, "sum of invoices equals sum of disbursements per operation and period")
        XCTAssertEqual(Set(run.invoices.map(\.country)), ["GB", "JP", "KW"])
        XCTAssertEqual(Set(run.invoices.map(\.period.year)).count, 2, "the data crosses a year end")
        XCTAssertTrue(run.invoices.contains { $0.taxCredited > 0 }, "VAT credited on commission")
        XCTAssertTrue(run.invoices.contains { $0.taxCharged > 0 }, "a charged tax")
    }

    /// The generator bills some AWBs in two operations of one airline
    /// (legitimately: export and import), corrects and memos them in each,
    /// and injects R11s for corrections of AWBs billed only elsewhere. The
    /// test above pins that only the injected ones are rejected; this one
    /// that the data really has AWBs billed in several operations.
    func test_someAWBsAreBilledInSeveralOperations_noneRejectedForIt() throws {
        let (run, summary) = try settle(SampleConfig(awbs: 6_000, seed: 23, errorRate: 0.05), keepLines: true)
        XCTAssertGreaterThan(summary.crossOperationBillings, 20)
        var operations: [String: Set<String>] = [:]
        for invoice in run.invoices {
            for section in invoice.sections {
                for line in section.lines where line.transaction == .awb { operations[line.awb, default: []].insert(invoice.country) }
            }
        }
        let shared = operations.filter { $0.value.count > 1 }
        XCTAssertGreaterThan(shared.count, 20, "AWBs billed (and accepted) in two operations")
        XCTAssertTrue(summary.expectedRejections.contains { $0.code == .R11 && $0.what.contains("billed in operation") },
                      "an injected R11: a correction of an AWB billed only in another operation")
        let expected = Set(summary.expectedRejections.map(\.csvLine))
        XCTAssertEqual(Set(csvLines(run.rejections)), expected)
    }
}
