import CASSDomain
import CASSEngine
import CASSOneRecord
import Foundation
import XCTest

/// The XML files in samples/input: XML versions of two clean CBF samples
/// (renumbered so they bill AWBs of their own, not R10 duplicates) and one
/// deliberately bad file. This test is also their generator:
/// `CASS_WRITE_XML_SAMPLES=1 swift test --filter XMLSamplesTests` rewrites them.
final class XMLSamplesTests: XCTestCase {
    static let samples = RDFXMLValidityTests.repository.appendingPathComponent("samples")

    struct Derived {
        var name: String
        var source: String
        var fileSequence: Int
        var serialBase: Int
        var records: Int?
        var breakCommissionOf: Int?
    }

    static let derived = [
        Derived(name: "125_JP_20261101_900201_xml-version-of-000001.xml", source: "125_JP_20261101_000001.cbf", fileSequence: 900_201, serialBase: 8_000_000),
        Derived(name: "157_KW_20261102_900202_xml-version-of-000002.xml", source: "157_KW_20261102_000002.cbf", fileSequence: 900_202, serialBase: 8_000_000),
        Derived(name: "157_KW_20261101_900203_R07-commission-wrong.xml", source: "157_KW_20261101_000001.cbf", fileSequence: 900_203, serialBase: 7_000_000, records: 2, breakCommissionOf: 1),
    ]

    /// The source file with new AWB serials (`serialBase` + the old first
    /// seven digits' last six, check digit recomputed) and a new file
    /// sequence number; optionally cut and with one commission off by one
    /// minor unit (its net due following it, so it is R07 and nothing else).
    static func derive(_ spec: Derived, reference: ReferenceData) throws -> [UInt8] {
        let bytes = try [UInt8](Data(contentsOf: samples.appendingPathComponent("input").appendingPathComponent(spec.source)))
        guard case .parsed(var file) = CBFReader.read(bytes: bytes, fileName: spec.source, periodsPerMonth: { reference.operation($0)?.periodsPerMonth }) else {
            throw XCTSkip("\(spec.source) does not parse")
        }
        file.header.fileSequence = spec.fileSequence
        if let count = spec.records {
            file.records = Array(file.records.prefix(count))
            let charges = file.records.reduce(0) { $0 + Int($1.otherChargesCount) }
            file.otherCharges = Array(file.otherCharges.prefix(charges))
        }
        for index in file.records.indices {
            let seven = Int(file.records[index].awbSerial) / 10
            file.records[index].awbSerial = Int32(CheckDigit.awbSerial(from: spec.serialBase + seven % 1_000_000))
        }
        if let index = spec.breakCommissionOf {
            file.records[index].commission += 1
            file.records[index].netDue -= 1
        }
        file.trailer = CBFWriter.controlTotals(of: file.records)
        return OneRecordWriter.write(file)
    }

    func test_xmlSamples_areWhatTheirDerivationWrites() throws {
        let input = Self.samples.appendingPathComponent("input")
        guard FileManager.default.fileExists(atPath: input.path) else { throw XCTSkip("no samples folder") }
        let reference = try ReferenceLoader.load(directory: Self.samples.appendingPathComponent("reference"))
        let write = ProcessInfo.processInfo.environment["CASS_WRITE_XML_SAMPLES"] != nil
        for spec in Self.derived {
            let expected = try Self.derive(spec, reference: reference)
            let url = input.appendingPathComponent(spec.name)
            if write { try Data(expected).write(to: url) }
            XCTAssertEqual(try [UInt8](Data(contentsOf: url)), expected, "\(spec.name) drifted from its derivation; rerun with CASS_WRITE_XML_SAMPLES=1")
        }
    }

    func test_xmlSamples_settle_withTheirStatedRejections() throws {
        let input = Self.samples.appendingPathComponent("input")
        guard FileManager.default.fileExists(atPath: input.path) else { throw XCTSkip("no samples folder") }
        let reference = try ReferenceLoader.load(directory: Self.samples.appendingPathComponent("reference"))
        var files: [(String, [UInt8])] = []
        for spec in Self.derived {
            files.append((spec.name, try [UInt8](Data(contentsOf: input.appendingPathComponent(spec.name)))))
        }
        let run = EngineThroughXMLTests.settleInOrder(files, reference: reference)
        XCTAssertEqual(SettlementSummary.rejectionsCSV(run.rejections).split(separator: "\n").dropFirst().map(String.init),
                       ["157_KW_20261101_900203_R07-commission-wrong.xml,157,KW,20261101,2,R07,157-71482180"])
        XCTAssertFalse(run.invoices.isEmpty)
    }
}
