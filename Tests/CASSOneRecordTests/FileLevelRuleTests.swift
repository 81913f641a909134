import CASSDomain
import CASSOneRecord
import Foundation
import XCTest

/// F06, F01, F05, F02 and F03 reached through XML, with the CBF's precedence.
final class FileLevelRuleTests: XCTestCase {
    let xml = Fixture.xml

    func test_validFixture_parses() throws {
        let file = try parsed(Fixture.read(xml))
        XCTAssertEqual(file.records.count, 3)
        XCTAssertNil(file.records.first { $0.malformed != nil })
        XCTAssertEqual(file.header.minorDigits, 2)
    }

    // MARK: F06

    func test_F06_sequenceNotInDocumentOrder() {
        let broken = xml.replacingOnce("<cass:sequence>2</cass:sequence>", with: "<cass:sequence>3</cass:sequence>")
        assertRejected(Fixture.read(broken), .F06)
        let missing = xml.replacingOnce("<cass:sequence>1</cass:sequence>", with: "")
        assertRejected(Fixture.read(missing), .F06)
    }

    func test_F06_memoWithOtherCharges() {
        // The first transaction carries an other charge: make it a debit memo.
        let broken = xml.replacingOnce("<cass:transactionType>AWB</cass:transactionType>", with: "<cass:transactionType>DCM</cass:transactionType>")
        let problem = fileProblem(Fixture.read(broken))
        XCTAssertEqual(problem?.code, .F06)
        XCTAssertEqual(problem?.field, "other charges")
    }

    func test_F06_unknownElementInOpenCASSNamespace() {
        let broken = xml.replacingOnce("<cass:operation>GB</cass:operation>", with: "<cass:operation>GB</cass:operation><cass:operatoin>GB</cass:operatoin>")
        assertRejected(Fixture.read(broken), .F06)
    }

    func test_F06_secondBillingFile() {
        let body = xml.components(separatedBy: "<cass:BillingFile ")[1].components(separatedBy: "</cass:BillingFile>")[0]
        let twice = xml.replacingOnce("</cass:BillingFile>", with: "</cass:BillingFile>\n<cass:BillingFile " + body + "</cass:BillingFile>")
        let problem = fileProblem(Fixture.read(twice))
        XCTAssertEqual(problem?.code, .F06)
        XCTAssertEqual(problem?.field, "cass:BillingFile")
    }

    func test_F06_noBillingFile_wrongNamespace() {
        let wrong = xml.replacingOnce("xmlns:cass=\"https://opencass.org/ns/cass#\"", with: "xmlns:cass=\"https://opencass.org/ns/cass\"")
        assertRejected(Fixture.read(wrong), .F06)
    }

    func test_F06_anotherRootElement() {
        assertRejected(Fixture.read("<?xml version=\"1.0\"?><invoice xmlns=\"urn:x\"><a/></invoice>"), .F06)
        let rdfInWrongNamespace = xml.replacingOnce("xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"", with: "xmlns:rdf=\"http://example.org/rdf#\"")
        assertRejected(Fixture.read(rdfInWrongNamespace), .F06)
    }

    func test_F06_notWellFormed() {
        assertRejected(Fixture.read(xml.replacingOnce("</cass:operation>", with: "")), .F06)
        assertRejected(Fixture.read(String(xml.dropLast(20))), .F06)
        assertRejected(Fixture.read(xml.replacingOnce("</cass:operation>", with: "</cass:Operation>")), .F06)
        assertRejected(Fixture.read(xml + "<rdf:RDF/>"), .F06)
        assertRejected(Fixture.read(xml.replacingOnce("<cass:operation>", with: "<cass:operation a='1' a='2'>")), .F06)
        assertRejected(Fixture.read(xml.replacingOnce("<cass:operation>", with: "<undeclared:operation>")), .F06)
        assertRejected(Fixture.read(xml.replacingOnce(">GB<", with: ">G&B<")), .F06)
        assertRejected(Fixture.read(xml.replacingOnce(">GB<", with: ">G\u{1}B<")), .F06)
        assertRejected(Fixture.read(""), .F06)
    }

    func test_F06_notUTF8() {
        var bytes = Array(xml.utf8)
        if let index = bytes.firstIndex(of: UInt8(ascii: "G")) { bytes[index] = 0xC3 }
        assertRejected(OneRecordReader.read(bytes: bytes, fileName: "x.xml", periodsPerMonth: Fixture.periodsPerMonth), .F06)
        let latin1 = xml.replacingOnce("encoding=\"UTF-8\"", with: "encoding=\"ISO-8859-1\"")
        assertRejected(Fixture.read(latin1), .F06)
    }

    // MARK: F06, hostile input: refused quickly, nothing expanded, nothing fetched

    func test_F06_billionLaughs_refusedQuickly() {
        var bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
        bomb += "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        for level in 2...9 { bomb += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">\n" }
        bomb += "]>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">&lol9;</rdf:RDF>\n"
        let start = Date()
        let problem = fileProblem(Fixture.read(bomb))
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
        XCTAssertEqual(problem?.code, .F06)
        XCTAssertTrue(problem?.message.contains("DOCTYPE") ?? false, "\(String(describing: problem))")
    }

    func test_F06_externalEntity_neverFetched() {
        let xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"http://127.0.0.1:9/secret\">]><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">&x;</rdf:RDF>"
        assertRejected(Fixture.read(xxe), .F06)
        // Without a DTD an entity reference is simply undeclared.
        assertRejected(Fixture.read(xml.replacingOnce(">GB<", with: ">&x;<")), .F06)
    }

    func test_F06_deepNesting_refusedQuickly() {
        let depth = 100_000
        let deep = xml.replacingOnce("<cass:operation>GB</cass:operation>",
                                     with: "<cass:operation>GB</cass:operation>" + String(repeating: "<x:a xmlns:x=\"urn:x\">", count: depth) + String(repeating: "</x:a>", count: depth))
        let start = Date()
        let problem = fileProblem(Fixture.read(deep))
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
        XCTAssertEqual(problem?.code, .F06)
        XCTAssertTrue(problem?.found.contains("deeper") ?? false, "\(String(describing: problem))")
    }

    func test_F06_hugeTextNode_refusedQuickly() {
        let huge = xml.replacingOnce("<cass:operation>GB</cass:operation>", with: "<cass:operation>GB" + String(repeating: " ", count: 2_000_000) + "</cass:operation>")
        let start = Date()
        let problem = fileProblem(Fixture.read(huge))
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
        XCTAssertEqual(problem?.code, .F06)
        XCTAssertTrue(problem?.found.contains("text node") ?? false, "\(String(describing: problem))")
    }

    func test_F06_documentOverTheSizeLimit() {
        let small = XMLLimits(maxDocumentBytes: 1_000)
        assertRejected(Fixture.read(xml, limits: small), .F06)
    }

    func test_F06_tooManyElementsInOneTransaction() {
        let many = xml.replacingOnce("<cass:sequence>1</cass:sequence>", with: "<cass:sequence>1</cass:sequence>" + String(repeating: "<cargo:noise/>", count: 20_000))
        assertRejected(Fixture.read(many), .F06)
    }

    // MARK: F01, F05, F02, F03

    func test_F01_missingOrMalformedEnvelopeField() {
        let cases: [(String, String, String)] = [
            ("<cass:operation>GB</cass:operation>", "", "CASS operation"),
            ("<cass:operation>GB</cass:operation>", "<cass:operation>gb</cass:operation>", "CASS operation"),
            ("<cass:billingPeriod>20261102</cass:billingPeriod>", "<cass:billingPeriod>20261105</cass:billingPeriod>", "billing period"),
            ("<cass:billingPeriod>20261102</cass:billingPeriod>", "<cass:billingPeriod>2026-11-02</cass:billingPeriod>", "billing period"),
            ("<cass:fileSequenceNumber>20</cass:fileSequenceNumber>", "<cass:fileSequenceNumber>twenty</cass:fileSequenceNumber>", "file sequence number"),
            ("<cass:creationDate>2026-11-16</cass:creationDate>", "<cass:creationDate>2026-11-31</cass:creationDate>", "file creation date"),
            ("<cass:creationDate>2026-11-16</cass:creationDate>", "<cass:creationDate>20261116</cass:creationDate>", "file creation date"),
            ("<cargo:prefix>125</cargo:prefix>", "<cargo:prefix>12</cargo:prefix>", "airline prefix"),
            ("<cass:currency rdf:resource=\"https://onerecord.iata.org/ns/code-lists/CurrencyCode#GBP\"/>", "<cass:currency>GBP</cass:currency>", "billing currency"),
            ("<cass:formatVersion>01</cass:formatVersion>", "<cass:formatVersion>1.0</cass:formatVersion>", "format version"),
            ("<cass:formatVersion>01</cass:formatVersion>", "<cass:formatVersion>01</cass:formatVersion><cass:formatVersion>01</cass:formatVersion>", "format version"),
        ]
        for (target, replacement, field) in cases {
            let problem = fileProblem(Fixture.read(xml.replacingOnce(target, with: replacement)))
            XCTAssertEqual(problem?.code, .F01, "\(replacement)")
            XCTAssertEqual(problem?.field, field, "\(replacement)")
        }
    }

    func test_F01_periodAboveTheOperationsPeriodsPerMonth() {
        let broken = xml.replacingOnce("<cass:billingPeriod>20261102</cass:billingPeriod>", with: "<cass:billingPeriod>20261103</cass:billingPeriod>")
        let twoPeriods = OneRecordReader.read(bytes: Array(broken.utf8), fileName: "x.xml", periodsPerMonth: { _ in 2 })
        assertRejected(twoPeriods, .F01)
        XCTAssertNoThrow(try parsed(Fixture.read(broken.replacingOnce("<cass:netDueTotal>", with: "<cass:netDueTotal>"))))
    }

    func test_F05_unsupportedFormatVersion() {
        assertRejected(Fixture.read(xml.replacingOnce("<cass:formatVersion>01</cass:formatVersion>", with: "<cass:formatVersion>02</cass:formatVersion>")), .F05)
    }

    func test_F02_missingOrMalformedControlTotal() {
        let cases: [(String, String)] = [
            ("<cass:transactionCount>3</cass:transactionCount>", ""),
            ("<cass:transactionCount>3</cass:transactionCount>", "<cass:transactionCount>three</cass:transactionCount>"),
            ("<cass:netDueTotal>213.83</cass:netDueTotal>", "<cass:netDueTotal>213.8</cass:netDueTotal>"),
            ("<cass:netDueTotal>213.83</cass:netDueTotal>", "<cass:netDueTotal>9999999999999999999999.99</cass:netDueTotal>"),
            ("<cass:transactionCount>3</cass:transactionCount>", "<cass:transactionCount>1000000</cass:transactionCount>"),
            ("<cass:weightChargeTotal>265.28</cass:weightChargeTotal>", "<cass:weightChargeTotal>2.6528E2</cass:weightChargeTotal>"),
        ]
        for (target, replacement) in cases {
            assertRejected(Fixture.read(xml.replacingOnce(target, with: replacement)), .F02)
        }
    }

    func test_F03_controlTotalsDisagree() {
        assertRejected(Fixture.read(xml.replacingOnce("<cass:transactionCount>3</cass:transactionCount>", with: "<cass:transactionCount>4</cass:transactionCount>")), .F03)
        assertRejected(Fixture.read(xml.replacingOnce("<cass:netDueTotal>213.83</cass:netDueTotal>", with: "<cass:netDueTotal>213.84</cass:netDueTotal>")), .F03)
        assertRejected(Fixture.read(xml.replacingOnce("<cass:weightChargeTotal>265.28</cass:weightChargeTotal>", with: "<cass:weightChargeTotal>265.27</cass:weightChargeTotal>")), .F03)
    }

    func test_F03_malformedAmountCountsAsZero() throws {
        let broken = xml.replacingOnce("<cargo:subTotal>165.28</cargo:subTotal>", with: "<cargo:subTotal>165.2</cargo:subTotal>")
        assertRejected(Fixture.read(broken), .F03)
        let fixed = broken.replacingOnce("<cass:weightChargeTotal>265.28</cass:weightChargeTotal>", with: "<cass:weightChargeTotal>100.00</cass:weightChargeTotal>")
        let file = try parsed(Fixture.read(fixed))
        XCTAssertEqual(file.records[0].malformed?.code, .R12)
    }

    // MARK: precedence F06 > F01 > F05 > F02 > F03

    func test_precedence_F06_F01_F05_F02_F03() {
        let f03 = xml.replacingOnce("<cass:netDueTotal>213.83</cass:netDueTotal>", with: "<cass:netDueTotal>1.00</cass:netDueTotal>")
        let f02 = f03.replacingOnce("<cass:transactionCount>3</cass:transactionCount>", with: "")
        let f05 = f02.replacingOnce("<cass:formatVersion>01</cass:formatVersion>", with: "<cass:formatVersion>02</cass:formatVersion>")
        let f01 = f05.replacingOnce("<cass:creationDate>2026-11-16</cass:creationDate>", with: "")
        let f06 = f01.replacingOnce("<cass:sequence>2</cass:sequence>", with: "<cass:sequence>7</cass:sequence>")
        assertRejected(Fixture.read(f03), .F03)
        assertRejected(Fixture.read(f02), .F02)
        assertRejected(Fixture.read(f05), .F05)
        assertRejected(Fixture.read(f01), .F01)
        assertRejected(Fixture.read(f06), .F06)
    }

    func test_rejection_reportsTheEnvelopesIdentity() {
        // The envelope's values as written, even when they come after the error.
        let broken = xml.replacingOnce("<cass:sequence>2</cass:sequence>", with: "<cass:sequence>9</cass:sequence>")
        guard case .rejected(let name, let identity, _) = Fixture.read(broken) else { return XCTFail("not rejected") }
        XCTAssertEqual(name, "125_GB_2026110220.xml")
        XCTAssertEqual(identity, ReportedIdentity(airline: "125", country: "GB", period: "20261102"))
        guard case .rejected(_, let partial, _) = Fixture.read(xml.replacingOnce("<cass:operation>GB</cass:operation>", with: "")) else { return XCTFail("not rejected") }
        XCTAssertEqual(partial, ReportedIdentity(airline: "125", country: "", period: "20261102"))
        guard case .rejected(_, let unsafe, _) = Fixture.read(xml.replacingOnce("<cass:operation>GB</cass:operation>", with: "<cass:operation>G,\"B</cass:operation>")) else { return XCTFail("not rejected") }
        XCTAssertEqual(unsafe.country, "G??B", "rejections.csv is unquoted: no commas or quotes from the file")
    }

    // MARK: what the reader must accept

    func test_namespacePrefixesOrderCommentsAndForeignData_areFree() throws {
        var free = xml.replacingOccurrences(of: "cargo:", with: "o:").replacingOccurrences(of: "xmlns:o=", with: "xmlns:o=")
        free = free.replacingOnce("xmlns:cargo=", with: "xmlns:o=")
        free = free.replacingOnce("<cass:operation>GB</cass:operation>", with: "<!-- moved --><?pi data?>")
        free = free.replacingOnce("<cass:creationDate>", with: "<cass:operation><![CDATA[GB]]></cass:operation>\n<cass:creationDate>")
        free = free.replacingOnce("<o:waybillPrefix>", with: "<o:goodsDescription>books &amp; &#x4E66;</o:goodsDescription><ext:note xmlns:ext=\"urn:other\"><ext:deep/></ext:note><o:waybillPrefix>")
        free = free.replacingOnce("https://onerecord.iata.org/ns/code-lists/CurrencyCode#GBP", with: "https://vocabulary.uncefact.org/CurrencyCodeList#GBP")
        free = free.replacingOnce("<o:Carrier>", with: "<o:Carrier xmlns:o=\"https://onerecord.iata.org/ns/cargo#\" >")
        let file = try parsed(Fixture.read(free))
        let reference = try parsed(Fixture.read(xml))
        XCTAssertEqual(file.records, reference.records)
        XCTAssertEqual(file.header, reference.header)
    }

    func test_defaultNamespace_isUnderstood() throws {
        let defaulted = xml.replacingOnce("<cass:BillingFile rdf:about", with: "<BillingFile xmlns=\"https://opencass.org/ns/cass#\" rdf:about")
            .replacingOnce("</cass:BillingFile>", with: "</BillingFile>")
        XCTAssertNoThrow(try parsed(Fixture.read(defaulted)))
    }

    func test_unknownCurrency_readsWithTheTotalsDecimals_forTheEngineToSayF07() throws {
        let unknown = xml.replacingOnce("CurrencyCode#GBP", with: "CurrencyCode#XXQ")
        let file = try parsed(Fixture.read(unknown))
        XCTAssertEqual(file.header.currency, "XXQ")
        XCTAssertEqual(file.header.minorDigits, 2)
    }
}
