import CASSDomain
import Foundation
import XCTest

final class CBFWriterTests: XCTestCase {
    private func header() -> FileHeader {
        FileHeader(
            formatVersion: 1, airlinePrefix: 125, operation: "GB",
            period: BillingPeriod(year: 2026, month: 11, number: 2) ?? BillingPeriod(yyyymmnn: 20260101)!,
            fileSequence: 17, creationDate: CivilDate(year: 2026, month: 11, day: 16)!, currency: "GBP", minorDigits: 2)
    }

    private func record(net: Int64 = 7_432, transaction: TransactionType = .awb) -> BillingRecord {
        DomainFixtures.record(net: net, transaction: transaction)
    }

    private func text(_ bytes: [UInt8], _ field: CBFLayoutField) -> String {
        String(decoding: bytes[field.range], as: UTF8.self)
    }

    func test_everyLineIs160CharactersAndSequenceIsTheLineNumber() {
        var first = record()
        first.otherChargesStart = 0
        first.otherChargesCount = 2
        first.sequence = 99 // must be ignored: sequence numbers are line numbers
        let charges = [
            OtherCharge(code: ASCIICode("MY"), dueCarrier: true, amount: 1_500, sequence: 0),
            OtherCharge(code: ASCIICode("AW"), dueCarrier: false, amount: 250, sequence: 0),
        ]
        let second = record(net: -2_000, transaction: .ccm)
        let file = BillingFile(name: "t.cbf", identity: ReportedIdentity(), header: header(),
                               trailer: CBFWriter.controlTotals(of: [first, second]), records: [first, second], otherCharges: charges)
        let bytes = CBFWriter.write(file)
        XCTAssertEqual(bytes.count, 6 * 161)
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, 6)
        XCTAssertEqual(bytes.last, UInt8(ascii: "\n"))
        for (index, line) in lines.enumerated() {
            XCTAssertEqual(line.count, 160)
            XCTAssertEqual(String(decoding: line.dropFirst(3).prefix(6), as: UTF8.self), String(format: "%06d", index + 1))
            XCTAssertTrue(line.allSatisfy { $0 >= 32 && $0 < 127 })
        }
        XCTAssertEqual(lines.map { String(decoding: $0.prefix(3), as: UTF8.self) }, ["HDR", "AWB", "OCH", "OCH", "AWB", "TRL"])
    }

    func test_headerFieldsAtTheirPositions() {
        let line = CBFWriter.headerLine(header())
        XCTAssertEqual(line.count, 160)
        typealias H = CBFLayout.Header
        XCTAssertEqual(text(line, CBFLayout.recordType), "HDR")
        XCTAssertEqual(text(line, CBFLayout.sequence), "000001")
        XCTAssertEqual(text(line, H.formatVersion), "01")
        XCTAssertEqual(text(line, H.airlinePrefix), "125")
        XCTAssertEqual(text(line, H.operation), "GB")
        XCTAssertEqual(text(line, H.period), "20261102")
        XCTAssertEqual(text(line, H.fileSequence), "000017")
        XCTAssertEqual(text(line, H.creationDate), "20261116")
        XCTAssertEqual(text(line, H.currency), "GBP")
        XCTAssertEqual(text(line, H.minorDigits), "2")
        XCTAssertTrue(line[42...].allSatisfy { $0 == 32 }, "unused positions 43-160 are spaces")
    }

    func test_recordFieldsAtTheirPositions_signedAmountsAreSignAnd11Digits() {
        let line = CBFWriter.recordLine(record(), sequence: 2)
        typealias R = CBFLayout.Record
        XCTAssertEqual(text(line, CBFLayout.recordType), "AWB")
        XCTAssertEqual(text(line, CBFLayout.sequence), "000002")
        XCTAssertEqual(text(line, R.airlinePrefix), "125")
        XCTAssertEqual(text(line, R.awbSerial), "12345675")
        XCTAssertEqual(text(line, R.transaction), "AWB")
        XCTAssertEqual(text(line, R.agentCode), "91200040002")
        XCTAssertEqual(text(line, R.issueDate), "20261109")
        XCTAssertEqual(text(line, R.origin), "LHR")
        XCTAssertEqual(text(line, R.destination), "JFK")
        XCTAssertEqual(text(line, R.indicator), "C")
        XCTAssertEqual(text(line, R.currency), "GBP")
        XCTAssertEqual(text(line, R.chargeableWeight), "0001234")
        XCTAssertEqual(text(line, R.weightCharge), "+00000008260")
        XCTAssertEqual(text(line, R.valuationCharge), "+00000000000")
        XCTAssertEqual(text(line, R.otherChargesDueCarrier), "+00000001500")
        XCTAssertEqual(text(line, R.otherChargesDueAgent), "+00000000250")
        XCTAssertEqual(text(line, R.commissionRate), "0500")
        XCTAssertEqual(text(line, R.commission), "+00000000413")
        XCTAssertEqual(text(line, R.incentive), "-00000000005")
        XCTAssertEqual(text(line, R.netDue), "+00000007432")
        XCTAssertEqual(text(line, R.reasonCode), "RTE")
        XCTAssertTrue(line[150...].allSatisfy { $0 == 32 }, "positions 151-160 are spaces")
    }

    func test_blankReasonCodeIsSpaces_andMemoTransactionIsWritten() {
        var memo = record(net: -123_456_789_01, transaction: .ccm)
        memo.reasonCode = ASCIICode(bytes: [])
        let line = CBFWriter.recordLine(memo, sequence: 5)
        XCTAssertEqual(text(line, CBFLayout.Record.transaction), "CCM")
        XCTAssertEqual(text(line, CBFLayout.Record.reasonCode), "   ")
        XCTAssertEqual(text(line, CBFLayout.Record.netDue), "-12345678901")
    }

    func test_otherChargeAndTrailerFields() {
        let och = CBFWriter.otherChargeLine(OtherCharge(code: ASCIICode("SC"), dueCarrier: false, amount: 99, sequence: 0), sequence: 3)
        XCTAssertEqual(String(decoding: och.prefix(24), as: UTF8.self), "OCH000003SCA+00000000099")
        XCTAssertTrue(och[24...].allSatisfy { $0 == 32 })
        let trl = CBFWriter.trailerLine(FileTrailer(recordCount: 2, netDueTotal: -1, weightChargeTotal: 99_999_999_999), sequence: 9)
        XCTAssertEqual(String(decoding: trl.prefix(39), as: UTF8.self), "TRL000009000002-00000000001+99999999999")
        XCTAssertTrue(trl[39...].allSatisfy { $0 == 32 })
    }

    func test_controlTotalsSumNetAndWeightCharge() {
        let totals = CBFWriter.controlTotals(of: [record(net: 100), record(net: -30)])
        XCTAssertEqual(totals.recordCount, 2)
        XCTAssertEqual(totals.netDueTotal, 70)
        XCTAssertEqual(totals.weightChargeTotal, 16_520)
    }

    func test_writtenFileReadsBackToTheSameValues() throws {
        var first = record()
        first.otherChargesCount = 1
        let charges = [OtherCharge(code: ASCIICode("MY"), dueCarrier: true, amount: 1_500, sequence: 0)]
        var memo = record(net: 2_000, transaction: .dcm)
        memo.weightCharge = 0; memo.otherChargesDueCarrier = 0; memo.otherChargesDueAgent = 0
        memo.commission = 0; memo.commissionRate = 0; memo.incentive = 0; memo.chargeableWeightTenthsKg = 0
        memo.otherChargesStart = 1
        let file = BillingFile(name: "125_GB_20261102_000017.cbf", identity: ReportedIdentity(), header: header(),
                               trailer: CBFWriter.controlTotals(of: [first, memo]), records: [first, memo], otherCharges: charges)
        let bytes = CBFWriter.write(file)
        guard case .parsed(let read) = CBFReader.read(bytes: bytes, fileName: file.name, periodsPerMonth: { _ in 4 }) else {
            return XCTFail("the reader rejected what the writer wrote")
        }
        XCTAssertEqual(read.header, file.header)
        XCTAssertEqual(read.trailer, file.trailer)
        XCTAssertEqual(read.records.count, 2)
        XCTAssertNil(read.records[0].malformed)
        XCTAssertNil(read.records[1].malformed)
        XCTAssertEqual(read.records[0].netDue, first.netDue)
        XCTAssertEqual(read.records[0].incentive, -5)
        XCTAssertEqual(read.records[0].awbText, "125-12345675")
        XCTAssertEqual(read.records[1].transaction, .dcm)
        XCTAssertEqual(Array(read.otherCharges(of: read.records[0])).map(\.amount), [1_500])
        XCTAssertEqual(read.records[1].sequence, 4)
    }
}
