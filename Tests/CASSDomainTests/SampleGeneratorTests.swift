import CASSDomain
import CASSSamples
import Foundation
import XCTest

final class SampleGeneratorTests: XCTestCase {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cass-samples-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func inMemory(_ config: SampleConfig) throws -> (files: [(String, [UInt8])], summary: SampleSummary) {
        var files: [(String, [UInt8])] = []
        let summary = try SampleGenerator.generate(config) { files.append(($0, $1)) }
        return (files, summary)
    }

    func test_sameSeedGivesTheSameBytes() throws {
        let config = SampleConfig(awbs: 400, seed: 42, errorRate: 0.05)
        let a = try inMemory(config), b = try inMemory(config)
        XCTAssertEqual(a.files.map(\.0), b.files.map(\.0))
        XCTAssertEqual(a.files.map(\.1), b.files.map(\.1))
        XCTAssertEqual(a.summary.expectedRejections, b.summary.expectedRejections)
    }

    func test_differentSeedGivesDifferentBytes() throws {
        let a = try inMemory(SampleConfig(awbs: 400, seed: 1, errorRate: 0.05))
        let b = try inMemory(SampleConfig(awbs: 400, seed: 2, errorRate: 0.05))
        XCTAssertNotEqual(a.files.flatMap(\.1), b.files.flatMap(\.1))
    }

    func test_referenceCSVsLoadAndMeetTheSpecMinimums() throws {
        let directory = try temporaryDirectory()
        _ = try SampleGenerator.generate(SampleConfig(awbs: 50, seed: 3, errorRate: 0), into: directory)
        let reference = try ReferenceLoader.load(directory: directory.appendingPathComponent("reference"))
        XCTAssertEqual(reference.operation("GB")?.currency, "GBP")
        XCTAssertEqual(reference.operation("JP")?.currency, "JPY")
        XCTAssertEqual(reference.operation("KW").map { ISO4217.minorDigits(of: $0.currency) }, 3)
        let gbRules = reference.taxRules(for: "GB")
        XCTAssertTrue(gbRules.contains { $0.base == .commission && $0.direction == .credited && $0.code == "VAT" })
        XCTAssertTrue(reference.taxRules(for: "JP").contains { $0.direction == .charged })
        XCTAssertTrue(reference.taxRules(for: "JP").contains { $0.validTo != nil && $0.validTo ?? $0.validFrom > CivilDate(year: 2026, month: 11, day: 1)! },
                      "a rule whose rate changes inside the generated range")
        let agents = reference.allAgents
        func script(_ range: ClosedRange<UInt32>) -> Bool {
            agents.contains { $0.name.unicodeScalars.contains { range.contains($0.value) } }
        }
        XCTAssertTrue(script(0x4E00...0x9FFF), "Han")
        XCTAssertTrue(script(0x3040...0x30FF), "Japanese kana")
        XCTAssertTrue(script(0x0600...0x06FF), "Arabic")
        XCTAssertTrue(script(0xAC00...0xD7AF), "Hangul")
        XCTAssertTrue(agents.contains { $0.language == "fr" && $0.name.contains("É") })
        XCTAssertTrue(agents.contains { $0.status == .suspended })
        XCTAssertTrue(agents.contains { $0.status == .terminated })
        let agentsText = try String(contentsOf: directory.appendingPathComponent("reference/agents.csv"), encoding: .utf8)
        XCTAssertTrue(agentsText.contains("\"\""), "a quote inside a quoted field")
        XCTAssertTrue(agents.contains { $0.name.contains(",") || $0.address.contains(",") })
    }

    /// Reads every generated file the way the pipeline does and checks each
    /// record against an independent reading of the spec: correct records
    /// are accepted, each injected one fails with exactly its code first.
    func test_generatedDataObeysTheRulesAndEachInjectedErrorHasExactlyItsCode() throws {
        let config = SampleConfig(awbs: 2_000, seed: 7, errorRate: 0.05)
        let started = Date()
        let (files, summary) = try inMemory(config)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "2000 AWBs in debug must be quick")
        let reference = SampleGenerator.referenceData(config)
        var checker = SpecChecker(reference: reference)
        var found: [ExpectedRejection] = []
        var keyed: [(ProcessingOrderKey, String, [UInt8])] = []
        for (name, bytes) in files {
            let key = bytes.withUnsafeBytes { CBFReader.processingOrderKey(of: $0, fileName: name) }
            keyed.append((key, name, bytes))
        }
        keyed.sort { $0.0 < $1.0 }
        var acceptedRecords = 0
        for (_, name, bytes) in keyed {
            let result = CBFReader.read(bytes: bytes, fileName: name) { reference.operation($0)?.periodsPerMonth }
            switch result {
            case .rejected(_, let identity, let problem):
                found.append(ExpectedRejection(file: name, airline: identity.airline, country: identity.country, period: identity.period, sequence: 0, code: problem.code, awb: "", what: ""))
            case .parsed(let file):
                if let code = checker.fileCode(file) {
                    found.append(ExpectedRejection(file: name, airline: file.identity.airline, country: file.identity.country, period: file.identity.period, sequence: 0, code: code, awb: "", what: ""))
                    continue
                }
                for record in file.records {
                    if let code = checker.recordCode(record, in: file) {
                        found.append(ExpectedRejection(file: name, airline: String(file.header.airlinePrefix).leftPadded3, country: file.header.operation, period: String(file.header.period.yyyymmnn), sequence: Int(record.sequence), code: code, awb: record.awbText, what: ""))
                    } else {
                        acceptedRecords += 1
                    }
                }
            }
        }
        found.sort()
        let foundLines = found.map(\.csvLine), expectedLines = summary.expectedRejections.map(\.csvLine)
        XCTAssertEqual(foundLines.count, expectedLines.count)
        XCTAssertEqual(Set(expectedLines).subtracting(foundLines).sorted().prefix(10), [], "injected but not found so")
        XCTAssertEqual(Set(foundLines).subtracting(expectedLines).sorted().prefix(10), [], "found but not injected so")
        XCTAssertTrue(foundLines == expectedLines, "the same rows, but not in rejections.csv order")
        XCTAssertGreaterThan(acceptedRecords, 1_700)
        for code in RejectionCode.allCases {
            XCTAssertGreaterThan(summary.injected[code] ?? 0, 0, "no \(code.rawValue) injected")
        }
        XCTAssertEqual(summary.injectedTotal, summary.expectedRejections.count)
    }

    func test_recordCountIsExact_andFilesCrossAYearWithIncreasingFileSequence() throws {
        let (files, summary) = try inMemory(SampleConfig(awbs: 1_000, seed: 5, errorRate: 0))
        XCTAssertEqual(summary.brokenFiles, 0)
        XCTAssertTrue(summary.expectedRejections.isEmpty)
        XCTAssertEqual(summary.billingRecords, 1_000)
        XCTAssertEqual(summary.firstBillings + summary.corrections + summary.debitMemos + summary.creditMemos, 1_000)
        XCTAssertGreaterThan(summary.corrections, 0)
        XCTAssertGreaterThan(summary.debitMemos, 0)
        XCTAssertGreaterThan(summary.creditMemos, 0)
        var years: Set<Int> = []
        var lastSequence: [String: (period: Int, sequence: Int)] = [:]
        var sawCRLF = false, sawNoFinalNewline = false
        for (name, bytes) in files {
            guard case .parsed(let file) = CBFReader.read(bytes: bytes, fileName: name, periodsPerMonth: { _ in 4 }) else {
                return XCTFail("\(name) rejected")
            }
            years.insert(file.header.period.year)
            let lane = "\(file.header.airlinePrefix)/\(file.header.operation)"
            if let last = lastSequence[lane] {
                XCTAssertGreaterThan(file.header.period.yyyymmnn, last.period)
                XCTAssertEqual(file.header.fileSequence, last.sequence + 1, name)
            } else {
                XCTAssertEqual(file.header.fileSequence, 1, name)
            }
            lastSequence[lane] = (file.header.period.yyyymmnn, file.header.fileSequence)
            if bytes.contains(13) { sawCRLF = true }
            if bytes.last != 10 { sawNoFinalNewline = true }
        }
        XCTAssertGreaterThanOrEqual(years.count, 2, "numbering must restart in a new calendar year")
        XCTAssertTrue(sawCRLF)
        XCTAssertTrue(sawNoFinalNewline)
    }

    func test_writesTheFoldersAndRefusesAFolderWithBillingFiles() throws {
        let directory = try temporaryDirectory()
        let summary = try SampleGenerator.generate(SampleConfig(awbs: 200, seed: 9, errorRate: 0.1), into: directory)
        let input = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("input").path).sorted()
        XCTAssertEqual(input, summary.files.sorted())
        let expected = try String(contentsOf: directory.appendingPathComponent("expected-rejections.csv"), encoding: .utf8)
        XCTAssertTrue(expected.hasPrefix("file,airline,country,period,sequence,code,awb\n"))
        XCTAssertEqual(expected.split(separator: "\n").count, summary.expectedRejections.count + 1)
        XCTAssertThrowsError(try SampleGenerator.generate(SampleConfig(awbs: 10, seed: 9), into: directory))
    }

    func test_invalidConfigIsRefused() {
        XCTAssertThrowsError(try SampleGenerator.generate(SampleConfig(awbs: -1)) { _, _ in })
        XCTAssertThrowsError(try SampleGenerator.generate(SampleConfig(awbs: 10, errorRate: 1.5)) { _, _ in })
    }
}

private extension String {
    var leftPadded3: String { count >= 3 ? self : String(repeating: "0", count: 3 - count) + self }
}

/// The committed samples/ folder must be exactly what the generator makes,
/// so the README's promises and the code cannot drift apart.
final class ShippedSamplesTests: XCTestCase {
    private var samples: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("samples")
    }

    func test_shippedSamplesAreTheGeneratorsOutputForSeed1() throws {
        let input = samples.appendingPathComponent("input")
        guard FileManager.default.fileExists(atPath: input.path) else { throw XCTSkip("no samples folder at \(samples.path)") }
        let config = SampleConfig(awbs: 300, seed: 1, errorRate: 0.1)
        var generated: [String: [UInt8]] = [:]
        let summary = try SampleGenerator.generate(config) { generated[$0] = $1 }
        let shipped = try FileManager.default.contentsOfDirectory(atPath: input.path).filter { $0.hasSuffix(".cbf") }
        XCTAssertEqual(Set(shipped), Set(generated.keys))
        for name in shipped {
            let bytes = try [UInt8](Data(contentsOf: input.appendingPathComponent(name)))
            XCTAssertEqual(bytes, generated[name], name)
        }
        for (name, text) in SampleGenerator.referenceFiles(config) {
            XCTAssertEqual(try String(contentsOf: samples.appendingPathComponent("reference/\(name)"), encoding: .utf8), text, name)
        }
        let expected = try String(contentsOf: samples.appendingPathComponent("expected-rejections.csv"), encoding: .utf8)
        XCTAssertEqual(expected, (["file,airline,country,period,sequence,code,awb"] + summary.expectedRejections.map(\.csvLine)).joined(separator: "\n") + "\n")
    }
}
