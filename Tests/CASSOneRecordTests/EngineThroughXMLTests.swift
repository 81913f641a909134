import CASSDomain
import CASSEngine
import CASSOneRecord
import CASSSamples
import Foundation
import XCTest

/// The engine does not know which format a file came in: every record
/// code is reached through XML, and a dataset settles to the same CSVs as
/// its XML twin.
final class EngineThroughXMLTests: XCTestCase {
    static let reference = ReferenceData(
        operations: [Operation(country: "GB", currency: "GBP", minorDigits: 2, periodsPerMonth: 4, remittanceDays: 10, disputeDays: 30, language: "en", entityName: "CASS UK", entityTaxID: "GB1")],
        airlines: [Airline(prefix: 125, name: "British", taxID: "X", operations: ["GB"])],
        agents: [Agent(country: "GB", code: Fixture.agent, name: "Agent One", taxID: "", address: "", language: "en", status: .active, guaranteeMinor: 0)],
        taxRules: [])

    func xml(_ records: [BillingRecord], charges: [OtherCharge] = [], header: FileHeader = Fixture.header()) -> String {
        let file = BillingFile(name: "x", identity: ReportedIdentity(), header: header, trailer: CBFWriter.controlTotals(of: records), records: records, otherCharges: charges)
        return String(decoding: OneRecordWriter.write(file), as: UTF8.self)
    }

    func settle(_ files: [(String, String)]) -> SettlementRun {
        var run = SettlementRun(reference: Self.reference, keepLines: true)
        for (name, text) in files {
            Array(text.utf8).withUnsafeBytes { buffer in
                // Test data: amounts far from the 64-bit limit.
                try! run.ingest(bytes: buffer, fileName: name) { OneRecordReader.read(bytes: $0, fileName: $1, periodsPerMonth: $2) }
            }
        }
        try! run.closeAll()
        return run
    }

    /// The codes of one file's records, in sequence order.
    func codes(_ text: String) -> [RejectionCode] {
        settle([("125_GB_2026110220.xml", Fixture.withControlTotals(text))]).rejections.sorted { $0.sequence < $1.sequence }.map(\.code)
    }

    let valid = Fixture.record(serial: Fixture.firstSerial)

    func test_validRecord_isBilled() {
        let run = settle([("a.xml", xml([valid]))])
        XCTAssertEqual(run.rejections.map(\.code), [])
        XCTAssertEqual(run.invoices.count, 1)
        XCTAssertEqual(run.invoices.first?.netDue, valid.netDue)
    }

    func test_R01_serialCheckDigit() {
        var r = valid
        r.awbSerial += 1
        XCTAssertEqual(codes(xml([r])), [.R01])
    }

    func test_R02_agentCheckDigit() {
        var r = valid
        r.agentCode += 1
        XCTAssertEqual(codes(xml([r])), [.R02])
    }

    func test_R03_prefixDiffersFromTheEnvelopes() {
        var r = valid
        r.airlinePrefix = 176
        XCTAssertEqual(codes(xml([r])), [.R03])
    }

    func test_R04_issueDateNotACalendarDate_orAfterCreation() {
        let text = xml([valid])
        XCTAssertEqual(codes(text.replacingOnce("2026-11-12T00:00:00Z", with: "2026-11-31")), [.R04])
        XCTAssertEqual(codes(text.replacingOnce("2026-11-12T00:00:00Z", with: "2026-11-20")), [.R04])
    }

    func test_R05_airports() {
        let text = xml([valid])
        XCTAssertEqual(codes(text.replacingOnce("<cargo:code>CDG</cargo:code>", with: "<cargo:code>MAN</cargo:code>")), [.R05])
        XCTAssertEqual(codes(text.replacingOnce("<cargo:code>CDG</cargo:code>", with: "<cargo:code>CD</cargo:code>")), [.R05])
    }

    func test_R06_recordCurrency_andOtherChargeCurrency() {
        var r = valid
        r.currency = ASCIICode("USD")
        XCTAssertEqual(codes(xml([r])), [.R06])
        var withCharge = Fixture.record(serial: Fixture.firstSerial, ocdc: 1_781)
        withCharge.otherChargesCount = 1
        let text = xml([withCharge], charges: [OtherCharge(code: ASCIICode("MY"), dueCarrier: true, amount: 1_781, sequence: 0)])
        XCTAssertEqual(codes(text), [])
        let tagged = text.replacingOnce("<cargo:numericalValue>17.81</cargo:numericalValue>",
                                        with: "<cargo:numericalValue>17.81</cargo:numericalValue><cargo:currencyUnit rdf:resource=\"https://onerecord.iata.org/ns/code-lists/CurrencyCode#EUR\"/>")
        XCTAssertEqual(codes(tagged), [.R06])
    }

    func test_R07_commission() {
        var r = valid
        r.commission += 1
        r.netDue -= 1
        XCTAssertEqual(codes(xml([r])), [.R07])
    }

    func test_R08_netDue() {
        var r = valid
        r.netDue += 1
        XCTAssertEqual(codes(xml([r])), [.R08])
    }

    func test_R09_otherChargesDoNotSum() {
        var r = Fixture.record(serial: Fixture.firstSerial, ocdc: 1_781)
        r.otherChargesCount = 1
        XCTAssertEqual(codes(xml([r], charges: [OtherCharge(code: ASCIICode("MY"), dueCarrier: true, amount: 1_780, sequence: 0)])), [.R09])
    }

    func test_R10_duplicateAWB_inOneFile() {
        XCTAssertEqual(codes(xml([valid, valid])), [.R10])
    }

    func test_R11_correctionForAnAWBNeverBilled() {
        let cca = Fixture.record(serial: Fixture.secondSerial, transaction: .cca)
        XCTAssertEqual(codes(xml([valid, cca])), [.R11])
    }

    func test_R12_malformedField_throughTheEngine() {
        let text = xml([valid]).replacingOnce("<cargo:waybillPrefix>125</cargo:waybillPrefix>", with: "<cargo:waybillPrefix>1X5</cargo:waybillPrefix>")
        let run = settle([("a.xml", text)])
        XCTAssertEqual(run.rejections.map(\.code), [.R12])
        XCTAssertEqual(run.rejections.first?.awb, "1X5-68792614")
        XCTAssertEqual(run.rejections.first?.sequence, 1)
    }

    func test_F07_F08_F04_fromTheEnvelope() {
        let text = xml([valid])
        XCTAssertEqual(codes(text.replacingOnce("CurrencyCode#GBP\"/>", with: "CurrencyCode#USD\"/>")), [.F07])
        XCTAssertEqual(codes(text.replacingOnce("<cass:operation>GB</cass:operation>", with: "<cass:operation>FR</cass:operation>")), [.F08])
        let twice = settle([("a.xml", text), ("b.xml", text)])
        XCTAssertEqual(twice.rejections.map(\.code), [.F04])
        XCTAssertEqual(twice.rejections.first?.file, "b.xml")
        XCTAssertEqual(twice.rejections.first?.country, "GB")
    }

    /// A generated dataset (every error kind injected) and its XML twin:
    /// the same invoices and disbursements, the same record rejections.
    func test_datasetAndItsXMLTwin_settleToTheSameCSVs() throws {
        let config = SampleConfig(awbs: 150, seed: 11, errorRate: 0.15, months: 2)
        var cbfFiles: [(String, [UInt8])] = []
        _ = try SampleGenerator.generate(config) { name, bytes in
            if name.hasSuffix(".cbf") { cbfFiles.append((name, bytes)) }
        }
        let reference = SampleGenerator.referenceData(config)
        var xmlFiles: [(String, [UInt8])] = []
        var twins = 0
        for (name, bytes) in cbfFiles {
            guard case .parsed(let file) = CBFReader.read(bytes: bytes, fileName: name, periodsPerMonth: { reference.operation($0)?.periodsPerMonth }),
                  ISO4217.minorDigits(of: file.header.currency) == file.header.minorDigits else {
                continue // rejected whole in either format: nothing of it is billed
            }
            xmlFiles.append((String(name.dropLast(4)) + ".xml", OneRecordWriter.write(file)))
            twins += 1
        }
        XCTAssertGreaterThan(twins, 10)
        let fromCBF = Self.settleInOrder(cbfFiles, reference: reference)
        let fromXML = Self.settleInOrder(xmlFiles, reference: reference)
        XCTAssertFalse(fromCBF.invoices.isEmpty)
        XCTAssertEqual(SettlementSummary.agentsCSV(fromXML.invoices), SettlementSummary.agentsCSV(fromCBF.invoices))
        XCTAssertEqual(SettlementSummary.airlinesCSV(fromXML.disbursements), SettlementSummary.airlinesCSV(fromCBF.disbursements))
        func recordRejections(_ run: SettlementRun) -> [String] {
            run.rejections.filter { !$0.code.isFileLevel }.map { "\($0.code.rawValue) \($0.awb)" }.sorted()
        }
        XCTAssertEqual(recordRejections(fromXML), recordRejections(fromCBF))
        XCTAssertGreaterThan(recordRejections(fromCBF).count, 5)
    }

    static func settleInOrder(_ files: [(String, [UInt8])], reference: ReferenceData) -> SettlementRun {
        let ordered = files.map { file in (file, file.1.withUnsafeBytes { BillingFileReader.processingOrderKey(of: $0, fileName: file.0) }) }
            .sorted { $0.1 < $1.1 }.map(\.0)
        var run = SettlementRun(reference: reference)
        for (name, bytes) in ordered {
            bytes.withUnsafeBytes { buffer in
                // Test data: amounts far from the 64-bit limit.
                try! run.ingest(bytes: buffer, fileName: name) { BillingFileReader.read(bytes: $0, fileName: $1, periodsPerMonth: $2) }
            }
        }
        try! run.closeAll()
        return run
    }
}
