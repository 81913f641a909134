import CASSDomain
import CASSOneRecord
import XCTest

/// The converter and the readers at their edges (issue 17): what a round
/// trip must keep, what it must refuse, and well-formedness the reader had
/// let through.
final class ConverterEdgeTests: XCTestCase {
    /// CBF bytes with `edit` applied to the fixture's parsed file.
    func cbf(_ edit: (inout BillingFile) -> Void) -> [UInt8] {
        var file = Fixture.file()
        edit(&file)
        return CBFWriter.write(file)
    }

    func assertRoundTrip(_ original: [UInt8], _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let xml = try FileConverter.convert(bytes: original, fileName: "a.cbf", to: .xml)
        XCTAssertEqual(try FileConverter.convert(bytes: xml, fileName: "a.xml", to: .cbf), original, "CBF -> XML -> CBF: \(what)", file: file, line: line)
        XCTAssertEqual(try FileConverter.convert(bytes: xml, fileName: "a.xml", to: .xml), xml, "XML -> XML: \(what)", file: file, line: line)
    }

    func test_roundTrip_keepsAYearBelow1000() throws {
        try assertRoundTrip(cbf { file in
            file.header.creationDate = CivilDate(year: 999, month: 12, day: 31)!
            file.records[0].issueDateDigits = 9_990_101
        }, "year 0999")
    }

    func test_roundTrip_keepsSpacesInAirportCodes() throws {
        try assertRoundTrip(cbf { file in
            file.records[0].origin = ASCIICode("ST ")
            file.records[1].destination = ASCIICode(" AB")
        }, "airport codes with spaces")
    }

    func test_roundTrip_keepsTheSignOfMinusZero() throws {
        var original = Fixture.cbf
        // The second line's valuation charge (positions 72-83) and the trailer's weight total -> -0.
        let line = 161
        let valuation = line + 71
        original.replaceSubrange(valuation..<(valuation + 12), with: Array("-00000000000".utf8))
        guard case .parsed(let parsed) = CBFReader.read(bytes: original, fileName: "a.cbf", periodsPerMonth: { _ in 4 }) else { return XCTFail("fixture edit rejected") }
        XCTAssertEqual(parsed.records[0].negativeZeroAmounts, NegativeZero.valuationCharge)
        try assertRoundTrip(original, "-0 valuation charge")
    }

    func test_roundTrip_keepsMinusZeroOnOtherChargesAndTotals() throws {
        try assertRoundTrip(cbf { file in
            for index in file.otherCharges.indices { file.otherCharges[index].amountIsNegativeZero = file.otherCharges[index].amount == 0 }
            file.otherCharges[0].amount = 0
            file.otherCharges[0].amountIsNegativeZero = true
            let first = file.records[0]
            file.records[0].otherChargesDueCarrier -= file.otherCharges[Int(first.otherChargesStart)].amount
            file.records[0].negativeZeroAmounts = NegativeZero.incentive
        }, "-0 other charge and incentive")
    }

    func test_convert_refusesACurrencyISO4217DoesNotKnow() {
        let original = cbf { file in
            file.header.currency = "ZZZ"
            for index in file.records.indices { file.records[index].currency = ASCIICode("ZZZ") }
        }
        for target in [BillingFileFormat.xml, .cbf] {
            XCTAssertThrowsError(try FileConverter.convert(bytes: original, fileName: "a.cbf", to: target)) { error in
                XCTAssertEqual((error as? ConversionError)?.problem.code, .F07)
            }
        }
    }

    func test_xmlNeedingMoreCBFLinesThanTheSequenceField_isRefusedEarly() throws {
        let xml = Array(Fixture.xml.utf8)
        let result = xml.withUnsafeBytes { OneRecordReader.read(bytes: $0, fileName: "a.xml", periodsPerMonth: { _ in 4 }, maxCBFLines: 4) }
        guard case .rejected(_, _, let problem) = result else { return XCTFail("accepted") }
        XCTAssertEqual(problem.code, .F06)
        XCTAssertTrue(problem.message.contains("sequence field"), problem.message)
        XCTAssertEqual(FileConverter.maxCBFLines, 999_999)
    }

    func test_aDeclaredCountTheSequenceFieldCannotNumber_isRefusedBeforeTheTransactions() throws {
        // The count comes before the transactions (as the writer puts it):
        // 999,998 transactions plus header and trailer are 1,000,000 lines.
        let declared = Fixture.xml.replacingOccurrences(of: #"<cass:transactionCount>(\d+)</cass:transactionCount>"#,
                                                        with: "<cass:transactionCount>999998</cass:transactionCount>", options: .regularExpression)
        XCTAssertNotEqual(declared, Fixture.xml)
        let result = Array(declared.utf8).withUnsafeBytes {
            OneRecordReader.read(bytes: $0, fileName: "a.xml", periodsPerMonth: { _ in 4 }, maxCBFLines: FileConverter.maxCBFLines)
        }
        guard case .rejected(_, _, let problem) = result else { return XCTFail("accepted") }
        XCTAssertEqual(problem.code, .F06)
        XCTAssertTrue(problem.message.contains("declares 999998 transactions"), problem.message)
        XCTAssertThrowsError(try FileConverter.convert(bytes: Array(declared.utf8), fileName: "a.xml", to: .cbf))
        // 999,997 fit: the count is then only checked against the transactions (F03).
        let fits = declared.replacingOccurrences(of: ">999998<", with: ">999997<")
        let fitting = Array(fits.utf8).withUnsafeBytes {
            OneRecordReader.read(bytes: $0, fileName: "a.xml", periodsPerMonth: { _ in 4 }, maxCBFLines: FileConverter.maxCBFLines)
        }
        guard case .rejected(_, _, let other) = fitting else { return XCTFail("accepted") }
        XCTAssertEqual(other.code, .F03, other.message)
    }

    // MARK: well-formedness

    func rejectedF06(_ xml: String, file: StaticString = #filePath, line: UInt = #line) {
        guard case .rejected(_, _, let problem) = Fixture.read(xml) else { return XCTFail("accepted", file: file, line: line) }
        XCTAssertEqual(problem.code, .F06, problem.message, file: file, line: line)
    }

    func test_F06_declarationWithoutVersion() {
        rejectedF06(Fixture.xml.replacingOccurrences(of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", with: "<?xml encoding=\"UTF-8\"?>"))
    }

    func test_F06_standaloneMaybe() {
        rejectedF06(Fixture.xml.replacingOccurrences(of: "encoding=\"UTF-8\"?>", with: "encoding=\"UTF-8\" standalone=\"maybe\"?>"))
        if case .rejected(_, _, let problem) = Fixture.read(Fixture.xml.replacingOccurrences(of: "encoding=\"UTF-8\"?>", with: "encoding=\"UTF-8\" standalone=\"yes\"?>")) {
            XCTFail("standalone=\"yes\" is well-formed: \(problem)")
        }
    }

    func test_F06_doubleHyphenInsideAComment() {
        rejectedF06(Fixture.xml.replacingOccurrences(of: "<cass:BillingFile ", with: "<!-- a -- b --><cass:BillingFile "))
        if case .rejected(_, _, let problem) = Fixture.read(Fixture.xml.replacingOccurrences(of: "<cass:BillingFile ", with: "<!-- a - b --><cass:BillingFile ")) {
            XCTFail("a comment with single hyphens is well-formed: \(problem)")
        }
    }

    func test_F06_nonNameCharactersInNames() {
        rejectedF06(Fixture.xml.replacingOccurrences(of: "<rdf:RDF ", with: "<rdf:RDF\u{00D7} "))
        rejectedF06(Fixture.xml.replacingOccurrences(of: "<cass:BillingFile ", with: "<x\u{2200}y/><cass:BillingFile "))
        rejectedF06(Fixture.xml.replacingOccurrences(of: "<cass:BillingFile ", with: "<_:-a/><cass:BillingFile "))
        // Letters beyond ASCII are name characters: a foreign element named so is skipped.
        let foreign = Fixture.xml.replacingOccurrences(of: "<cass:BillingFile ", with: "<données xmlns=\"urn:x\">é</données><cass:BillingFile ")
        if case .rejected(_, _, let problem) = Fixture.read(foreign) { XCTFail("non-ASCII letters are name characters: \(problem)") }
    }

    func test_whitespaceBetweenElements_isLayoutWhateverItsLength() throws {
        let spaces = String(repeating: " ", count: 70_000) + "\n"
        let xml = Fixture.xml.replacingOccurrences(of: "<cass:transaction>", with: spaces + "<cass:transaction>")
        _ = try parsed(Fixture.read(xml))
    }

    func test_textBeyondTheLimit_isStillRefused() {
        let long = String(repeating: "1", count: 70_000)
        rejectedF06(Fixture.xml.replacingOccurrences(of: "<cass:operation>GB</cass:operation>", with: "<cass:operation>\(long)</cass:operation>"))
    }
}
