import CASSDomain
import CASSEngine
import XCTest

/// One test per record-level rule: a file whose only fault triggers exactly that code.
final class RecordRuleTests: XCTestCase {
    func rejectOne(_ record: BillingRecord, charges: [OtherCharge] = [], before: [BillingRecord] = [], patch: ((([UInt8]) -> [UInt8]))? = nil,
                   file: StaticString = #filePath, line: UInt = #line) -> [Rejection] {
        var bytes = Fixture.file(records: before + [record], charges: charges)
        if let patch { bytes = patch(bytes) }
        let run = Fixture.settle([("125_GB.cbf", bytes)])
        return run.rejections
    }

    func assertCode(_ rejections: [Rejection], _ code: RejectionCode, sequence: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(rejections.map(\.code), [code], "rejections: \(rejections.map { "\($0.code) \($0.problem.message)" })", file: file, line: line)
        XCTAssertEqual(rejections.first?.sequence, sequence, file: file, line: line)
    }

    func test_valid_file_has_no_rejection() {
        let run = Fixture.settle([("a.cbf", Fixture.file(records: [Fixture.awb(1000001), Fixture.awb(1000002)]))])
        XCTAssertEqual(run.rejections, [])
        XCTAssertEqual(run.invoices.count, 1)
        XCTAssertEqual(run.invoices.first?.lineCount, 2)
    }

    func test_R01_awbSerialCheckDigit() {
        var r = Fixture.awb(1000001)
        r.awbSerial += 1
        assertCode(rejectOne(r), .R01, sequence: 2)
    }

    func test_R02_agentCheckDigit() {
        var r = Fixture.awb(1000001)
        r.agentCode = Fixture.gbAgent + 1 - (Fixture.gbAgent % 10 == 9 ? 2 : 0)
        assertCode(rejectOne(r), .R02, sequence: 2)
    }

    func test_R02_agentNotActive() {
        assertCode(rejectOne(Fixture.awb(1000001, agent: Fixture.suspendedAgent)), .R02, sequence: 2)
    }

    func test_R02_agentOfAnotherOperation() {
        assertCode(rejectOne(Fixture.awb(1000001, agent: Fixture.jpAgent)), .R02, sequence: 2)
    }

    func test_R03_prefixDiffers() {
        assertCode(rejectOne(Fixture.awb(1000001, prefix: 131)), .R03, sequence: 2)
    }

    func test_R04_issueDateNotADate() {
        assertCode(rejectOne(Fixture.awb(1000001, issue: 20261131)), .R04, sequence: 2)
    }

    func test_R04_issueDateAfterCreation() {
        assertCode(rejectOne(Fixture.awb(1000001, issue: 20261108)), .R04, sequence: 2)
    }

    func test_R05_originEqualsDestination() {
        var r = Fixture.awb(1000001)
        r.destination = r.origin
        assertCode(rejectOne(r), .R05, sequence: 2)
    }

    func test_R05_airportNotLetters() {
        var r = Fixture.awb(1000001)
        r.origin = ASCIICode("L1R")
        assertCode(rejectOne(r), .R05, sequence: 2)
    }

    func test_R06_currencyDiffers() {
        assertCode(rejectOne(Fixture.awb(1000001, currency: "EUR")), .R06, sequence: 2)
    }

    func test_R07_commissionMismatch() {
        var r = Fixture.awb(1000001)
        r.commission += 1
        r.netDue = RecordChecks.expectedNetDue(r)
        let rejections = rejectOne(r)
        assertCode(rejections, .R07, sequence: 2)
        XCTAssertTrue(rejections.first?.problem.message.contains("5.00 %") ?? false, rejections.first?.problem.message ?? "")
    }

    func test_R08_netMismatch() {
        var r = Fixture.awb(1000001)
        r.netDue += 1
        assertCode(rejectOne(r), .R08, sequence: 2)
    }

    func test_R08_collectNetExcludesCharges() {
        var r = Fixture.awb(1000001, indicator: .collect)
        XCTAssertEqual(r.netDue, -r.commission)
        XCTAssertEqual(rejectOne(r), [])
        // A collect record whose net includes the weight charge is wrong.
        r.netDue = r.weightCharge - r.commission
        assertCode(rejectOne(r), .R08, sequence: 2)
    }

    func test_R08_memoWrongSign() {
        var memo = Fixture.awb(1000001, transaction: .dcm)
        memo.netDue = -500
        assertCode(rejectOne(memo, before: [Fixture.awb(1000001)]), .R08, sequence: 3)
    }

    func test_R08_memoWithOtherAmount() {
        var memo = Fixture.awb(1000001, transaction: .ccm)
        memo.incentive = 5
        assertCode(rejectOne(memo, before: [Fixture.awb(1000001)]), .R08, sequence: 3)
    }

    func test_R09_otherChargesDoNotSum() {
        var r = Fixture.awb(1000001)
        r.otherChargesDueCarrier = 300
        r.netDue = RecordChecks.expectedNetDue(r)
        r.otherChargesCount = 1
        let charge = OtherCharge(code: ASCIICode("MY"), dueCarrier: true, amount: 299, sequence: 0)
        assertCode(rejectOne(r, charges: [charge]), .R09, sequence: 2)
    }

    func test_R09_matchingOtherChargesAccepted() {
        var r = Fixture.awb(1000001)
        r.otherChargesDueCarrier = 300
        r.otherChargesDueAgent = 50
        r.netDue = RecordChecks.expectedNetDue(r)
        r.otherChargesCount = 2
        let charges = [OtherCharge(code: ASCIICode("MY"), dueCarrier: true, amount: 300, sequence: 0),
                       OtherCharge(code: ASCIICode("AW"), dueCarrier: false, amount: 50, sequence: 0)]
        XCTAssertEqual(rejectOne(r, charges: charges), [])
    }

    func test_R10_duplicateAWBInOneFile() {
        assertCode(rejectOne(Fixture.awb(1000001), before: [Fixture.awb(1000001)]), .R10, sequence: 3)
    }

    func test_R10_duplicateAcrossFilesAndPeriods() {
        let first = Fixture.file(period: 20261101, sequence: 1, records: [Fixture.awb(1000001)])
        let second = Fixture.file(period: 20261102, sequence: 2, created: 20261115, records: [Fixture.awb(1000001)])
        let run = Fixture.settle([("a.cbf", first), ("b.cbf", second)])
        XCTAssertEqual(run.rejections.map(\.code), [.R10])
        XCTAssertEqual(run.rejections.first?.file, "b.cbf")
    }

    func test_R11_correctionForUnbilledAWB() {
        assertCode(rejectOne(Fixture.awb(1000001, transaction: .cca)), .R11, sequence: 2)
    }

    func test_R11_memoNamingAnotherAgent() {
        let memo = Fixture.awb(1000001, agent: Fixture.gbAgent2, transaction: .dcm)
        assertCode(rejectOne(memo, before: [Fixture.awb(1000001)]), .R11, sequence: 3)
    }

    func test_R12_nonDigitInNumericField() {
        let rejections = rejectOne(Fixture.awb(1000001), patch: { $0.patching(line: 2, position: 24, with: "X") })
        assertCode(rejections, .R12, sequence: 2)
        XCTAssertEqual(rejections.first?.problem.location, "pos 24-34")
    }

    func test_R12_badSign() {
        // The valuation charge is zero, so the control totals stay right.
        assertCode(rejectOne(Fixture.awb(1000001), patch: { $0.patching(line: 2, position: 72, with: "*") }), .R12, sequence: 2)
    }

    func test_R12_unknownTransaction() {
        assertCode(rejectOne(Fixture.awb(1000001), patch: { $0.patching(line: 2, position: 21, with: "ABW") }), .R12, sequence: 2)
    }

    func test_R12_memoWithoutReason() {
        var memo = Fixture.awb(1000001, transaction: .dcm)
        memo.reasonCode = ASCIICode("   ")
        assertCode(rejectOne(memo, before: [Fixture.awb(1000001)]), .R12, sequence: 3)
    }

    func test_precedence_R03_before_R07() {
        var r = Fixture.awb(1000001, prefix: 131)
        r.commission += 1
        r.netDue = RecordChecks.expectedNetDue(r)
        assertCode(rejectOne(r), .R03, sequence: 2)
    }

    func test_precedence_R12_before_R01() {
        var r = Fixture.awb(1000001)
        r.awbSerial += 1
        assertCode(rejectOne(r, patch: { $0.patching(line: 2, position: 21, with: "ABW") }), .R12, sequence: 2)
    }

    func test_precedence_R07_before_R08() {
        var r = Fixture.awb(1000001)
        r.commission += 1
        r.netDue += 7
        assertCode(rejectOne(r), .R07, sequence: 2)
    }

    func test_rejected_record_leaves_rest_of_file_billed() {
        var bad = Fixture.awb(1000002)
        bad.netDue += 1
        let run = Fixture.settle([("a.cbf", Fixture.file(records: [Fixture.awb(1000001), bad, Fixture.awb(1000003)]))])
        XCTAssertEqual(run.rejections.map(\.sequence), [3])
        XCTAssertEqual(run.invoices.first?.lineCount, 2)
    }
}
