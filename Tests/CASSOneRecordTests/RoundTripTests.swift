import CASSDomain
import CASSOneRecord
import Foundation
import XCTest

/// One pipeline: the XML reader gives the CBF reader's records, and
/// converting either way loses nothing.
final class RoundTripTests: XCTestCase {
    func cbfParsed() throws -> BillingFile {
        try parsed(CBFReader.read(bytes: Fixture.cbf, fileName: "125_GB_2026110220.cbf", periodsPerMonth: Fixture.periodsPerMonth))
    }

    func test_xmlTwin_readsAsTheSameRecordsAsTheCBF() throws {
        if let dump = ProcessInfo.processInfo.environment["CASS_XML_DUMP"] {
            try Data(Fixture.xml.utf8).write(to: URL(fileURLWithPath: dump))
        }
        let cbf = try cbfParsed()
        let xml = try parsed(Fixture.read(Fixture.xml))
        XCTAssertEqual(xml.header, cbf.header)
        XCTAssertEqual(xml.trailer, cbf.trailer)
        XCTAssertEqual(xml.identity, cbf.identity)
        XCTAssertEqual(xml.records.count, cbf.records.count)
        for (x, c) in zip(xml.records, cbf.records) {
            var normalised = c
            // The CBF's sequence is the line number; the XML's is cass:sequence.
            normalised.sequence = x.sequence
            XCTAssertEqual(x, normalised)
        }
        XCTAssertEqual(xml.otherCharges.map(\.code), cbf.otherCharges.map(\.code))
        XCTAssertEqual(xml.otherCharges.map(\.amount), cbf.otherCharges.map(\.amount))
        XCTAssertEqual(xml.otherCharges.map(\.dueCarrier), cbf.otherCharges.map(\.dueCarrier))
        XCTAssertEqual(xml.records.map(\.sequence), [1, 2, 3])
    }

    func test_cbfToXMLToCBF_givesTheSameBytes() throws {
        let original = Fixture.cbf
        let xml = try FileConverter.convert(bytes: original, fileName: "a.cbf", to: .xml)
        XCTAssertEqual(BillingFileFormat.detect(xml), .xml)
        let back = try FileConverter.convert(bytes: xml, fileName: "a.xml", to: .cbf)
        XCTAssertEqual(back, original)
    }

    func test_xmlToXML_isStable() throws {
        let once = try FileConverter.convert(bytes: Array(Fixture.xml.utf8), fileName: "a.xml", to: .xml)
        XCTAssertEqual(String(decoding: once, as: UTF8.self), Fixture.xml)
    }

    func test_zeroAndThreeDecimalCurrencies_roundTrip() throws {
        for (currency, digits) in [("JPY", 0), ("KWD", 3)] {
            var file = Fixture.file()
            file.header = Fixture.header(currency: currency, minorDigits: digits)
            for index in file.records.indices { file.records[index].currency = ASCIICode(currency) }
            let cbf = CBFWriter.write(file)
            let xml = try FileConverter.convert(bytes: cbf, fileName: "a.cbf", to: .xml)
            let text = String(decoding: xml, as: UTF8.self)
            XCTAssertTrue(text.contains(digits == 0 ? "<cargo:subTotal>16528</cargo:subTotal>" : "<cargo:subTotal>16.528</cargo:subTotal>"), currency)
            XCTAssertEqual(try FileConverter.convert(bytes: xml, fileName: "a.xml", to: .cbf), cbf, currency)
        }
    }

    func test_formatDetection_byContent() {
        XCTAssertEqual(BillingFileFormat.detect(Array("<?xml version=\"1.0\"?><a/>".utf8)), .xml)
        XCTAssertEqual(BillingFileFormat.detect([0xEF, 0xBB, 0xBF] + Array("<rdf:RDF/>".utf8)), .xml)
        XCTAssertEqual(BillingFileFormat.detect(Fixture.cbf), .cbf)
        XCTAssertEqual(BillingFileFormat.detect([]), .cbf)
    }

    func test_billingFileReader_readsBothFormatsAlike() throws {
        let fromCBF = try parsed(BillingFileReader.read(bytes: Fixture.cbf, fileName: "f", periodsPerMonth: Fixture.periodsPerMonth))
        let fromXML = try parsed(BillingFileReader.read(bytes: Array(Fixture.xml.utf8), fileName: "f", periodsPerMonth: Fixture.periodsPerMonth))
        XCTAssertEqual(fromCBF.records.map(\.netDue), fromXML.records.map(\.netDue))
        let cbfKey = Fixture.cbf.withUnsafeBytes { BillingFileReader.processingOrderKey(of: $0, fileName: "f") }
        let xmlKey = Array(Fixture.xml.utf8).withUnsafeBytes { BillingFileReader.processingOrderKey(of: $0, fileName: "f") }
        XCTAssertEqual(cbfKey, xmlKey)
    }

    func test_malformedCBFRecord_staysMalformedInXML() throws {
        var file = Fixture.file()
        // A malformed amount counts as zero in the control totals.
        file.trailer.weightChargeTotal -= file.records[0].weightCharge
        var bytes = CBFWriter.write(file)
        // Line 2 is the first AWB; weight charge at positions 60-71.
        bytes[161 + 59 + 5] = UInt8(ascii: "X")
        let cbf = try parsed(CBFReader.read(bytes: bytes, fileName: "f.cbf", periodsPerMonth: Fixture.periodsPerMonth))
        XCTAssertEqual(cbf.records[0].malformed?.field, "weight charge")
        let xml = try FileConverter.convert(bytes: bytes, fileName: "f.cbf", to: .xml)
        let back = try parsed(OneRecordReader.read(bytes: xml, fileName: "f.xml", periodsPerMonth: Fixture.periodsPerMonth))
        XCTAssertEqual(back.records[0].malformed?.code, .R12)
        XCTAssertEqual(back.records[0].malformed?.field, "weight charge")
        XCTAssertNil(back.records[1].malformed)
    }

    func test_convertToCBF_refusesWhatTheCBFCannotSay() {
        let malformed = Fixture.xml.replacingOnce("<cargo:waybillNumber>68792614</cargo:waybillNumber>", with: "<cargo:waybillNumber>6879261X</cargo:waybillNumber>")
        XCTAssertThrowsError(try FileConverter.convert(bytes: Array(malformed.utf8), fileName: "m.xml", to: .cbf)) { error in
            XCTAssertEqual((error as? ConversionError)?.problem.code, .R12)
        }
        let longAirport = Fixture.xml.replacingOnce("<cargo:code>MAN</cargo:code>", with: "<cargo:code>MANX</cargo:code>")
        XCTAssertThrowsError(try FileConverter.convert(bytes: Array(longAirport.utf8), fileName: "m.xml", to: .cbf))
        let rejected = Fixture.xml.replacingOnce("<cass:operation>GB</cass:operation>", with: "")
        XCTAssertThrowsError(try FileConverter.convert(bytes: Array(rejected.utf8), fileName: "m.xml", to: .cbf)) { error in
            XCTAssertEqual((error as? ConversionError)?.problem.code, .F01)
        }
    }

    func test_convertToXML_refusesMinorDigitsThatDisagreeWithISO4217() {
        var file = Fixture.file()
        file.header.minorDigits = 3
        XCTAssertThrowsError(try FileConverter.convert(bytes: CBFWriter.write(file), fileName: "d.cbf", to: .xml)) { error in
            XCTAssertEqual((error as? ConversionError)?.problem.code, .F07)
        }
    }
}

/// What the job reads before a file: its place in the processing order.
final class FileSummaryTests: XCTestCase {
    func test_summary_sameForBothFormats_andStopsBeforeTransactions() {
        let cbf = Fixture.cbf.withUnsafeBytes { BillingFileReader.summary(of: $0, fileName: "f") }
        let xml = Array(Fixture.xml.utf8).withUnsafeBytes { BillingFileReader.summary(of: $0, fileName: "f") }
        XCTAssertEqual(cbf, xml)
        XCTAssertEqual(xml.operation, "GB")
        XCTAssertEqual(xml.period, Fixture.period(20_261_102))
        XCTAssertEqual(xml.key, ProcessingOrderKey(period: 20_261_102, airline: 125, fileSequence: 20, fileName: "f"))
        // A broken transaction far down does not matter: the scan stopped.
        let broken = Fixture.xml.replacingOnce("<cass:sequence>3</cass:sequence>", with: "<cass:sequence>3<")
        XCTAssertEqual(Array(broken.utf8).withUnsafeBytes { BillingFileReader.summary(of: $0, fileName: "f") }, xml)
        let unreadable = Array("<rdf:RDF".utf8).withUnsafeBytes { BillingFileReader.summary(of: $0, fileName: "g") }
        XCTAssertEqual(unreadable.key, ProcessingOrderKey(period: 0, airline: 0, fileSequence: 0, fileName: "g"))
    }

    func test_convertFile_writesBesideTheInput_neverOverIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cass-convert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("125_GB_2026110220.cbf")
        try Data(Fixture.cbf).write(to: input)
        let xml = try FileConverter.convertFile(input, to: .xml)
        XCTAssertEqual(xml.lastPathComponent, "125_GB_2026110220.xml")
        let back = try FileConverter.convertFile(xml, to: .cbf, output: directory.appendingPathComponent("back.cbf"))
        XCTAssertEqual(try [UInt8](Data(contentsOf: back)), Fixture.cbf)
        XCTAssertThrowsError(try FileConverter.convertFile(input, to: .cbf))
    }
}

/// Every shipped CBF sample that converts comes back byte for byte.
final class SampleRoundTripTests: XCTestCase {
    func test_shippedCBFSamples_roundTripThroughXML() throws {
        let input = XMLSamplesTests.samples.appendingPathComponent("input")
        guard FileManager.default.fileExists(atPath: input.path) else { throw XCTSkip("no samples folder") }
        let names = try FileManager.default.contentsOfDirectory(atPath: input.path).filter { $0.hasSuffix(".cbf") }.sorted()
        var converted = 0
        for name in names {
            let bytes = try [UInt8](Data(contentsOf: input.appendingPathComponent(name)))
            guard let xml = try? FileConverter.convert(bytes: bytes, fileName: name, to: .xml) else { continue }
            guard let back = try? FileConverter.convert(bytes: xml, fileName: name, to: .cbf) else {
                // Only files with malformed records stay malformed in XML and cannot come back.
                guard case .parsed(let file) = CBFReader.read(bytes: bytes, fileName: name, periodsPerMonth: { _ in nil }) else { continue }
                XCTAssertTrue(file.records.contains { $0.malformed != nil }, name)
                continue
            }
            converted += 1
            // CRLF line ends and a missing final line end are accepted but not kept.
            let canonical = !bytes.contains(13) && bytes.last == 10
            if canonical {
                XCTAssertEqual(back, bytes, name)
            } else if case .parsed(let file) = CBFReader.read(bytes: bytes, fileName: name, periodsPerMonth: { _ in nil }) {
                XCTAssertEqual(back, CBFWriter.write(file), name)
            }
        }
        XCTAssertGreaterThan(converted, 60)
    }
}
