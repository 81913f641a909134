import CASSDomain
import CASSOneRecord
import Foundation
import XCTest

/// R12 for every kind of field, reached through XML, and the fields read
/// faithfully when their value is wrong only for the business rules.
final class RecordFieldRuleTests: XCTestCase {
    let xml = Fixture.xml

    func assertMalformed(_ target: String, _ replacement: String, field: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let problem = try firstRecordProblem(xml.replacingOnce(target, with: replacement, file: file, line: line), file: file, line: line)
        XCTAssertEqual(problem?.code, .R12, replacement, file: file, line: line)
        XCTAssertEqual(problem?.field, field, replacement, file: file, line: line)
    }

    func test_R12_prefixAndSerial() throws {
        try assertMalformed("<cargo:waybillPrefix>125</cargo:waybillPrefix>", "<cargo:waybillPrefix>12A</cargo:waybillPrefix>", field: "airline prefix")
        try assertMalformed("<cargo:waybillPrefix>125</cargo:waybillPrefix>", "", field: "airline prefix")
        try assertMalformed("<cargo:waybillNumber>68792614</cargo:waybillNumber>", "<cargo:waybillNumber>6879261</cargo:waybillNumber>", field: "AWB serial number")
        try assertMalformed("<cargo:waybillNumber>68792614</cargo:waybillNumber>", "<cargo:waybillNumber>68792614</cargo:waybillNumber><cargo:waybillNumber>68792614</cargo:waybillNumber>", field: "AWB serial number")
    }

    func test_R12_rawAWBTextForRejections() throws {
        let file = try parsed(Fixture.read(xml.replacingOnce("<cargo:waybillNumber>68792614</cargo:waybillNumber>", with: "<cargo:waybillNumber>6879-261</cargo:waybillNumber>")))
        XCTAssertEqual(file.records[0].awbText, "125-6879-261")
    }

    func test_R12_transactionType() throws {
        try assertMalformed("<cass:transactionType>AWB</cass:transactionType>", "<cass:transactionType>XYZ</cass:transactionType>", field: "transaction")
    }

    func test_R12_agentCodeAndLocation() throws {
        try assertMalformed("<cargo:iataCargoAgentCode>6101867</cargo:iataCargoAgentCode>", "<cargo:iataCargoAgentCode>61018672050</cargo:iataCargoAgentCode>", field: "CASS agent code")
        try assertMalformed("<cargo:iataCargoAgentLocationIdentifier>2050</cargo:iataCargoAgentLocationIdentifier>", "<cargo:iataCargoAgentLocationIdentifier>205</cargo:iataCargoAgentLocationIdentifier>", field: "CASS agent code")
        // No party with role AGT: the agent is missing.
        try assertMalformed("ParticipantIdentifier#AGT", "ParticipantIdentifier#SHP", field: "CASS agent code")
    }

    func test_agentCode_isCodeTimes10000PlusLocation() throws {
        let file = try parsed(Fixture.read(xml))
        XCTAssertEqual(file.records[0].agentCode, 61_018_672_050)
    }

    func test_R12_issueDate_malformedForm_butNonCalendarDateIsRead() throws {
        try assertMalformed("<cargo:awbExecutionDate>2026-11-12T00:00:00Z</cargo:awbExecutionDate>", "<cargo:awbExecutionDate>12/11/2026</cargo:awbExecutionDate>", field: "AWB issue date")
        try assertMalformed("<cargo:awbExecutionDate>2026-11-12T00:00:00Z</cargo:awbExecutionDate>", "<cargo:awbExecutionDate>2026-11-12T25</cargo:awbExecutionDate>", field: "AWB issue date")
        for form in ["2026-11-31", "2026-11-31T10:00:00+02:00", "2026-11-31T10:00:00.5Z", "2026-11-31T10:00"] {
            let file = try parsed(Fixture.read(xml.replacingOnce("2026-11-12T00:00:00Z", with: form)))
            XCTAssertNil(file.records[0].malformed, form)
            XCTAssertEqual(file.records[0].issueDateDigits, 20_261_131, form)
        }
    }

    func test_airports_areReadAsWritten_R05IsTheEngines() throws {
        let file = try parsed(Fixture.read(xml.replacingOnce("<cargo:code>MAN</cargo:code>", with: "<cargo:code>M4</cargo:code>")))
        XCTAssertNil(file.records[0].malformed)
        XCTAssertEqual(file.records[0].origin.description, "M4")
        try assertMalformed("<cargo:departureLocation>", "<cargo:departureLocation><cargo:Location><cargo:locationCodes><cargo:CodeListElement><cargo:code>LHR</cargo:code></cargo:CodeListElement></cargo:locationCodes></cargo:Location></cargo:departureLocation><cargo:departureLocation>", field: "origin airport")
    }

    func test_R12_chargesIndicator() throws {
        try assertMalformed("PrepaidCollectIndicator#P", "PrepaidCollectIndicator#X", field: "charges indicator")
        try assertMalformed("<cargo:weightValuationIndicator rdf:resource=\"https://onerecord.iata.org/ns/code-lists/PrepaidCollectIndicator#P\"/>", "<cargo:weightValuationIndicator>P</cargo:weightValuationIndicator>", field: "charges indicator")
    }

    func test_recordCurrency_defaultsToTheFiles_andAnotherIsReadForR06() throws {
        let file = try parsed(Fixture.read(xml.replacingOnce("<cass:sequence>1</cass:sequence>", with: "<cass:sequence>1</cass:sequence><cass:currency rdf:resource=\"https://onerecord.iata.org/ns/code-lists/CurrencyCode#USD\"/>")))
        XCTAssertEqual(file.records[0].currency.description, "USD")
        XCTAssertEqual(file.records[1].currency.description, "GBP")
        XCTAssertNil(file.records[0].malformed)
    }

    func test_otherChargeCurrencyUnit_mismatchIsFlagged() throws {
        let tagged = xml.replacingOnce("<cargo:numericalValue>17.81</cargo:numericalValue>", with: "<cargo:numericalValue>17.81</cargo:numericalValue><cargo:currencyUnit rdf:resource=\"https://onerecord.iata.org/ns/code-lists/CurrencyCode#EUR\"/>")
        XCTAssertTrue(try parsed(Fixture.read(tagged)).records[0].otherChargeCurrencyMismatch)
        let same = tagged.replacingOnce("CurrencyCode#EUR", with: "CurrencyCode#GBP")
        XCTAssertFalse(try parsed(Fixture.read(same)).records[0].otherChargeCurrencyMismatch)
    }

    func test_R12_chargeableWeight() throws {
        try assertMalformed("<cargo:numericalValue>81084.2</cargo:numericalValue>", "<cargo:numericalValue>81084.25</cargo:numericalValue>", field: "chargeable weight")
        try assertMalformed("<cargo:numericalValue>81084.2</cargo:numericalValue>", "<cargo:numericalValue>-1</cargo:numericalValue>", field: "chargeable weight")
        try assertMalformed("MeasurementUnitCode#KGM", "MeasurementUnitCode#LBR", field: "chargeable weight")
        let whole = try parsed(Fixture.read(xml.replacingOnce("<cargo:numericalValue>81084.2</cargo:numericalValue>", with: "<cargo:numericalValue>81084</cargo:numericalValue>")))
        XCTAssertEqual(whole.records[0].chargeableWeightTenthsKg, 810_840)
    }

    func test_R12_amounts_wrongForms() throws {
        for bad in ["999999999999999.99", "99999999999999999999999.99", "999999999999.00", "165.2", "165.280", "1.6528E2", "1,165.28", "+165.28", " 165 .28", "165,28", ""] {
            try assertMalformed("<cargo:subTotal>165.28</cargo:subTotal>", "<cargo:subTotal>\(bad)</cargo:subTotal>", field: "weight charge")
        }
    }

    func test_R12_eachAmountField() throws {
        try assertMalformed("ChargeIdentifier#OC\"/><cargo:subTotal>17.81", "ChargeIdentifier#OC\"/><cargo:subTotal>17.8", field: "other charges due carrier")
        try assertMalformed("ChargeIdentifier#CO\"/><cargo:subTotal>8.26", "ChargeIdentifier#CO\"/><cargo:subTotal>8.260", field: "commission amount")
        try assertMalformed("ChargeIdentifier#CN\"/><cargo:subTotal>174.83", "ChargeIdentifier#CN\"/><cargo:subTotal>174", field: "net amount due")
        try assertMalformed("ChargeIdentifier#CO\"/>", "ChargeIdentifier#OC\"/>", field: "other charges due carrier")  // OC twice: repeated
        try assertMalformed("ChargeIdentifier#CO\"/>", "ChargeIdentifier#XX\"/>", field: "charge identifier")
    }

    func test_absentCharges_areZero() throws {
        let file = try parsed(Fixture.read(xml))
        XCTAssertEqual(file.records[0].valuationCharge, 0)
        XCTAssertEqual(file.records[0].otherChargesDueAgent, 0)
        XCTAssertEqual(file.records[0].incentive, 0)
        XCTAssertEqual(file.records[1].otherChargesDueAgent, 300)
        XCTAssertEqual(file.records[1].netDue, -1_100)
    }

    func test_R12_commissionRate() throws {
        try assertMalformed("<cargo:commissionPercentage>5.00</cargo:commissionPercentage>", "<cargo:commissionPercentage>5.005</cargo:commissionPercentage>", field: "commission rate")
        try assertMalformed("<cargo:commissionPercentage>5.00</cargo:commissionPercentage>", "<cargo:commissionPercentage>5%</cargo:commissionPercentage>", field: "commission rate")
        let short = try parsed(Fixture.read(xml.replacingOnce("<cargo:commissionPercentage>5.00</cargo:commissionPercentage>", with: "<cargo:commissionPercentage>5.5</cargo:commissionPercentage>")))
        XCTAssertEqual(short.records[0].commissionRate, 550)
    }

    func test_R12_reasonCode() throws {
        try assertMalformed("<cass:sequence>1</cass:sequence>", "<cass:sequence>1</cass:sequence><cass:reasonCode>TOOLONG</cass:reasonCode>", field: "reason code")
        // A memo needs a reason code.
        let memo = xml.replacingOnce("<cass:reasonCode>ADJ</cass:reasonCode>", with: "")
        let file = try parsed(Fixture.read(memo))
        XCTAssertEqual(file.records[2].malformed?.code, .R12)
        XCTAssertEqual(file.records[2].malformed?.field, "reason code")
        XCTAssertEqual(try parsed(Fixture.read(xml)).records[2].reasonCode.description, "ADJ")
        XCTAssertEqual(try parsed(Fixture.read(xml)).records[0].reasonCode.description, "   ")
    }

    func test_R12_otherChargeFields() throws {
        let code = try firstRecordProblem(xml.replacingOnce("OtherChargeCode#MY", with: "OtherChargeCode#M1"))
        XCTAssertEqual(code?.field, "other-charge code")
        let entitlement = try firstRecordProblem(xml.replacingOnce("EntitlementCode#C", with: "EntitlementCode#X"))
        XCTAssertEqual(entitlement?.field, "entitlement")
        let amount = try firstRecordProblem(xml.replacingOnce("<cargo:numericalValue>17.81</cargo:numericalValue>", with: "<cargo:numericalValue>17.810</cargo:numericalValue>"))
        XCTAssertEqual(amount?.field, "other-charge amount")
    }

    func test_R12_firstMalformedField_inTheCBFsFieldOrder() throws {
        var broken = xml.replacingOnce("<cargo:subTotal>165.28</cargo:subTotal>", with: "<cargo:subTotal>x</cargo:subTotal>")
        broken = broken.replacingOnce("OtherChargeCode#MY", with: "OtherChargeCode#1")
        broken = broken.replacingOnce("<cargo:commissionPercentage>5.00</cargo:commissionPercentage>", with: "<cargo:commissionPercentage>x</cargo:commissionPercentage>")
        XCTAssertEqual(try firstRecordProblem(broken)?.field, "weight charge")
        XCTAssertEqual(Fixture.read(broken).problemCode, .F03, "the malformed weight charge counts as zero")
        broken = broken.replacingOnce("<cargo:waybillNumber>68792614</cargo:waybillNumber>", with: "<cargo:waybillNumber>x</cargo:waybillNumber>")
        XCTAssertEqual(try firstRecordProblem(broken)?.field, "AWB serial number")
        let problem = try firstRecordProblem(broken)
        XCTAssertTrue(problem?.location.contains("cargo:waybillNumber") ?? false)
        XCTAssertEqual(problem?.found, "'x'")
    }

    func test_otherCharges_areIndexedPerRecord() throws {
        let file = try parsed(Fixture.read(xml))
        XCTAssertEqual(file.otherCharges(of: file.records[0]).map(\.amount), [1_781])
        XCTAssertEqual(file.otherCharges(of: file.records[1]).map(\.dueCarrier), [false])
        XCTAssertEqual(file.records[2].otherChargesCount, 0)
    }
}
