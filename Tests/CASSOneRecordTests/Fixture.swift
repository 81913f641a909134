import CASSDomain
import CASSOneRecord
import Foundation
import XCTest

/// A small, valid GB billing file (two AWBs with other charges and a debit
/// memo) in both formats, and helpers to break it one element at a time.
enum Fixture {
    static let firstSerial = Int32(CheckDigit.awbSerial(from: 6_879_261))   // 68792614
    static let secondSerial = Int32(CheckDigit.awbSerial(from: 6_879_262))  // 68792625
    static let agent = Int64(CheckDigit.agentCode(from: 6_101_867_205))     // 61018672050

    static func header(currency: String = "GBP", minorDigits: Int = 2) -> FileHeader {
        FileHeader(formatVersion: 1, airlinePrefix: 125, operation: "GB", period: period(20_261_102), fileSequence: 20,
                   creationDate: date(20_261_116), currency: currency, minorDigits: minorDigits)
    }

    static func period(_ value: Int) -> BillingPeriod {
        guard let period = BillingPeriod(yyyymmnn: value) else { preconditionFailure("fixture period \(value)") }
        return period
    }

    static func date(_ value: Int) -> CivilDate {
        guard let date = CivilDate(yyyymmdd: value) else { preconditionFailure("fixture date \(value)") }
        return date
    }

    static func record(serial: Int32, transaction: TransactionType = .awb, indicator: ChargesIndicator = .prepaid,
                       weightCharge: Int64 = 16_528, valuation: Int64 = 0, ocdc: Int64 = 0, ocda: Int64 = 0,
                       rate: Int32 = 500, incentive: Int64 = 0, reason: String = "   ") -> BillingRecord {
        var r = BillingRecord()
        r.airlinePrefix = 125
        r.awbSerial = serial
        r.awbPrefixText = ASCIICode("125")
        r.awbSerialText = ASCIICode(Padding.zeros(String(serial), to: 8))
        r.transaction = transaction
        r.agentCode = agent
        r.issueDateDigits = 20_261_112
        r.origin = ASCIICode("MAN")
        r.destination = ASCIICode("CDG")
        r.indicator = indicator
        r.currency = ASCIICode("GBP")
        r.reasonCode = ASCIICode(reason)
        if transaction.isMemo { return r }
        r.chargeableWeightTenthsKg = 810_842
        r.weightCharge = weightCharge
        r.valuationCharge = valuation
        r.otherChargesDueCarrier = ocdc
        r.otherChargesDueAgent = ocda
        r.commissionRate = rate
        r.commission = Money.applyRate(weightCharge, rateHundredthsPercent: Int64(rate))
        r.incentive = incentive
        let collected = indicator == .prepaid ? weightCharge + valuation + ocdc : 0
        r.netDue = collected - r.commission - incentive
        return r
    }

    /// AWB prepaid with one OCH due carrier; AWB collect with one due agent; a DCM.
    static func file() -> BillingFile {
        var first = record(serial: firstSerial, ocdc: 1_781)
        first.otherChargesStart = 0
        first.otherChargesCount = 1
        var second = record(serial: secondSerial, indicator: .collect, weightCharge: 10_000, valuation: 500, ocda: 300, rate: 1_000, incentive: 100)
        second.otherChargesStart = 1
        second.otherChargesCount = 1
        var memo = record(serial: firstSerial, transaction: .dcm, reason: "ADJ")
        memo.netDue = 5_000
        let charges = [OtherCharge(code: ASCIICode("MY"), dueCarrier: true, amount: 1_781, sequence: 0),
                       OtherCharge(code: ASCIICode("AW"), dueCarrier: false, amount: 300, sequence: 0)]
        let records = [first, second, memo]
        return BillingFile(name: "fixture", identity: ReportedIdentity(airline: "125", country: "GB", period: "20261102"),
                           header: header(), trailer: CBFWriter.controlTotals(of: records), records: records, otherCharges: charges)
    }

    static var cbf: [UInt8] { CBFWriter.write(file()) }
    static var xml: String { String(decoding: OneRecordWriter.write(file()), as: UTF8.self) }

    /// The document with its control totals set to what its records sum to
    /// (a malformed amount counting as zero), so a test of one record's
    /// field is not an F03.
    static func withControlTotals(_ xml: String) -> String {
        var text = xml
        for _ in 0..<2 {
            guard case .rejected(_, _, let problem) = read(text), problem.code == .F03, problem.field != "transaction count" else { return text }
            let element = problem.location.components(separatedBy: "/").last ?? ""
            text = text.replacingOccurrences(of: "<\(element)>\(problem.found)</\(element)>", with: "<\(element)>\(problem.expected)</\(element)>")
        }
        return text
    }

    /// Periods per month as the GB operation has them.
    static func periodsPerMonth(_ operation: String) -> Int? { operation == "GB" ? 4 : nil }

    static func read(_ xml: String, limits: XMLLimits = .standard) -> FileReadResult {
        OneRecordReader.read(bytes: Array(xml.utf8), fileName: "125_GB_2026110220.xml", periodsPerMonth: periodsPerMonth, limits: limits)
    }
}

extension String {
    /// Replaces the first occurrence, failing the test when the fixture no
    /// longer holds the text it means to break.
    func replacingOnce(_ target: String, with replacement: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        guard let range = range(of: target) else {
            XCTFail("fixture does not contain \(target)", file: file, line: line)
            return self
        }
        return replacingCharacters(in: range, with: replacement)
    }
}

extension XCTestCase {
    /// The file-level problem, failing the test when the file parsed.
    func fileProblem(_ result: FileReadResult, file: StaticString = #filePath, line: UInt = #line) -> Problem? {
        switch result {
        case .parsed:
            XCTFail("file parsed, a file-level rejection was expected", file: file, line: line)
            return nil
        case .rejected(_, _, let problem):
            return problem
        }
    }

    func assertRejected(_ result: FileReadResult, _ code: RejectionCode, file: StaticString = #filePath, line: UInt = #line) {
        guard let problem = fileProblem(result, file: file, line: line) else { return }
        XCTAssertEqual(problem.code, code, "\(problem)", file: file, line: line)
    }

    func parsed(_ result: FileReadResult, file: StaticString = #filePath, line: UInt = #line) throws -> BillingFile {
        switch result {
        case .parsed(let billingFile): return billingFile
        case .rejected(_, _, let problem):
            XCTFail("rejected: \(problem)", file: file, line: line)
            throw XCTSkip("not parsed")
        }
    }

    /// The R12 problem of the first record, failing when it has none.
    func firstRecordProblem(_ xml: String, file: StaticString = #filePath, line: UInt = #line) throws -> Problem? {
        let billingFile = try parsed(Fixture.read(Fixture.withControlTotals(xml)), file: file, line: line)
        guard let problem = billingFile.records.first?.malformed else {
            XCTFail("first record is not malformed", file: file, line: line)
            return nil
        }
        return problem
    }
}

extension FileReadResult {
    var problemCode: RejectionCode? {
        if case .rejected(_, _, let problem) = self { return problem.code }
        return nil
    }
}
