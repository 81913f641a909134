import CASSDomain
import CASSEngine
import XCTest

/// One test per file-level rule, and the precedence between them.
final class FileRuleTests: XCTestCase {
    let valid = Fixture.file(records: [Fixture.awb(1000001), Fixture.awb(1000002)])

    func fileCode(_ bytes: [UInt8], reference: ReferenceData = Fixture.reference(), file: StaticString = #filePath, line: UInt = #line) -> Rejection? {
        let run = Fixture.settle([("f.cbf", bytes)], reference: reference)
        XCTAssertLessThanOrEqual(run.rejections.count, 1, file: file, line: line)
        if let rejection = run.rejections.first {
            XCTAssertEqual(rejection.sequence, 0, file: file, line: line)
            XCTAssertEqual(rejection.awb, "", file: file, line: line)
            XCTAssertTrue(run.invoices.isEmpty, "nothing of a rejected file is billed", file: file, line: line)
        }
        return run.rejections.first
    }

    func test_valid_file_passes() { XCTAssertNil(fileCode(valid)) }

    func test_CRLF_line_ends_accepted() {
        var crlf: [UInt8] = []
        for byte in valid { if byte == 10 { crlf.append(13) }; crlf.append(byte) }
        XCTAssertNil(fileCode(crlf))
        XCTAssertNil(fileCode(Array(valid.dropLast())), "a final line end is optional")
    }

    func test_F06_recordLength() {
        var bytes = valid
        bytes.remove(at: 200)
        XCTAssertEqual(fileCode(bytes)?.code, .F06)
    }

    func test_F06_nonASCII() {
        let bytes = valid.patching(line: 2, position: 155, with: "é")
        let rejection = fileCode(Array(bytes.prefix(bytes.count)))
        XCTAssertEqual(rejection?.code, .F06)
        XCTAssertEqual(rejection?.airline, "", "identity is empty for a non-ASCII file")
    }

    func test_F06_loneCarriageReturnAtTheEnd() {
        // The valid file ends in LF; a CR instead of that LF is no line end the spec allows.
        var bytes = valid
        bytes[bytes.count - 1] = 13
        XCTAssertEqual(fileCode(bytes)?.code, .F06)
        var crlf = valid
        crlf.insert(13, at: crlf.count - 1)
        XCTAssertNil(fileCode(crlf), "CR LF at the end is a line end")
        XCTAssertNil(fileCode(Array(valid.dropLast())), "no final line end is allowed")
    }

    func test_F06_tab() { XCTAssertEqual(fileCode(valid.patching(line: 2, position: 155, with: "\t"))?.code, .F06) }

    func test_F06_unknownRecordType() { XCTAssertEqual(fileCode(valid.patching(line: 2, position: 1, with: "XYZ"))?.code, .F06) }

    func test_F06_sequenceGap() { XCTAssertEqual(fileCode(valid.patching(line: 3, position: 4, with: "000004"))?.code, .F06) }

    func test_F06_secondHeader() {
        let header = Array(valid.prefix(161))
        let bytes = header + header.patching(line: 1, position: 4, with: "000002") + Array(valid.dropFirst(161))
        XCTAssertEqual(fileCode(bytes)?.code, .F06)
    }

    func test_F06_otherChargeAfterMemo() {
        let memo = Fixture.awb(1000001, transaction: .dcm)
        var bytes = Fixture.file(records: [Fixture.awb(1000001), memo])
        let och = CBFWriter.otherChargeLine(OtherCharge(code: ASCIICode("MY"), dueCarrier: true, amount: 0, sequence: 4), sequence: 4)
        let trailerStart = bytes.count - 161
        let trailer = Array(bytes[trailerStart...]).patching(line: 1, position: 4, with: "000005")
        bytes = Array(bytes[..<trailerStart]) + och + [10] + trailer
        XCTAssertEqual(fileCode(bytes)?.code, .F06)
    }

    func test_F01_headerMissing() { XCTAssertEqual(fileCode(Array(valid.dropFirst(161)).patching(line: 1, position: 4, with: "000001"))?.code, .F06, "renumbered lines still lack a header; sequence breaks first") }

    func test_F01_firstLineNotHeader() {
        let bytes = valid.patching(line: 1, position: 1, with: "AWB")
        XCTAssertEqual(fileCode(bytes)?.code, .F01)
    }

    func test_F01_emptyFile() {
        let rejection = fileCode([])
        XCTAssertEqual(rejection?.code, .F01)
        XCTAssertEqual(rejection?.country, "")
    }

    func test_F01_periodNumberAboveOperationPeriods() {
        let bytes = Fixture.file(country: "JP", currency: "JPY", digits: 0, period: 20261103, records: [])
        XCTAssertEqual(fileCode(bytes)?.code, .F01)
    }

    func test_F01_creationDateNotADate() { XCTAssertEqual(fileCode(valid.patching(line: 1, position: 31, with: "20261131"))?.code, .F01) }

    func test_F05_version() { XCTAssertEqual(fileCode(valid.patching(line: 1, position: 10, with: "02"))?.code, .F05) }

    func test_F02_trailerMissing() { XCTAssertEqual(fileCode(Array(valid.dropLast(161)))?.code, .F02) }

    func test_F02_trailerMalformed() { XCTAssertEqual(fileCode(valid.patching(line: 4, position: 16, with: "*"))?.code, .F02) }

    func test_F03_controlTotals() {
        XCTAssertEqual(fileCode(valid.patching(line: 4, position: 10, with: "000003"))?.code, .F03)
        XCTAssertEqual(fileCode(valid.patching(line: 4, position: 27, with: "9"))?.code, .F03)
    }

    func test_F03_malformedAmountCountsAsZero() {
        // Breaking a record's net due: the trailer must then count it as zero.
        var bytes = valid.patching(line: 2, position: 136, with: "*")
        XCTAssertEqual(fileCode(bytes)?.code, .F03)
        let netOfFirst = Fixture.awb(1000001).netDue
        let total = Fixture.awb(1000002).netDue
        XCTAssertGreaterThan(netOfFirst, 0)
        bytes = bytes.patching(line: 4, position: 16, with: "+" + String(repeating: "0", count: 11 - String(total).count) + String(total))
        let run = Fixture.settle([("f.cbf", bytes)])
        XCTAssertEqual(run.rejections.map(\.code), [.R12])
    }

    func test_F07_currencyUnknown() { XCTAssertEqual(fileCode(Fixture.file(currency: "XXQ", records: []))?.code, .F07) }

    func test_F07_minorDigits() { XCTAssertEqual(fileCode(Fixture.file(digits: 3, records: []))?.code, .F07) }

    func test_F07_notOperationCurrency() { XCTAssertEqual(fileCode(Fixture.file(currency: "EUR", records: []))?.code, .F07) }

    func test_F08_unknownOperation() { XCTAssertEqual(fileCode(Fixture.file(country: "FR", records: []))?.code, .F08) }

    func test_F08_airlineNotParticipant() { XCTAssertEqual(fileCode(Fixture.file(prefix: 131, records: [Fixture.awb(1000001, prefix: 131)]))?.code, .F08) }

    func test_F08_periodClosed() {
        var run = SettlementRun(reference: Fixture.reference())
        try! run.close(PeriodKey(country: "GB", period: BillingPeriod(yyyymmnn: 20261101)!))
        valid.withUnsafeBytes { try! run.ingest(bytes: $0, fileName: "late.cbf") { CBFReader.read(buffer: $0, fileName: $1, periodsPerMonth: $2) } }
        XCTAssertEqual(run.rejections.map(\.code), [.F08])
    }

    func test_F04_duplicateFile() {
        let run = Fixture.settle([("a.cbf", valid), ("b.cbf", Fixture.file(records: [Fixture.awb(1000003)]))])
        XCTAssertEqual(run.rejections.map(\.code), [.F04])
        XCTAssertEqual(run.rejections.first?.file, "b.cbf")
    }

    func test_F04_rejectedFileDoesNotBlockItsResubmission() {
        let broken = valid.patching(line: 4, position: 10, with: "000009")
        let run = Fixture.settle([("a.cbf", broken), ("b.cbf", valid)])
        XCTAssertEqual(run.rejections.map(\.code), [.F03])
        XCTAssertEqual(run.invoices.count, 1)
    }

    func test_precedence_F06_over_F01() {
        var bytes = valid.patching(line: 1, position: 1, with: "AWB")
        bytes.remove(at: 300)
        XCTAssertEqual(fileCode(bytes)?.code, .F06)
    }

    func test_precedence_F01_over_F05_and_F02() {
        let bytes = Array(valid.patching(line: 1, position: 10, with: "02").patching(line: 1, position: 31, with: "2026X107").dropLast(161))
        XCTAssertEqual(fileCode(bytes)?.code, .F01)
    }

    func test_precedence_F05_over_F03() {
        XCTAssertEqual(fileCode(valid.patching(line: 1, position: 10, with: "02").patching(line: 4, position: 10, with: "000009"))?.code, .F05)
    }

    func test_precedence_F07_over_F08() {
        XCTAssertEqual(fileCode(Fixture.file(country: "FR", currency: "XXQ", records: []))?.code, .F07)
    }

    func test_identity_columns_come_from_first_line_as_they_stand() {
        let rejection = fileCode(valid.patching(line: 1, position: 10, with: "02"))
        XCTAssertEqual(rejection?.airline, "125")
        XCTAssertEqual(rejection?.country, "GB")
        XCTAssertEqual(rejection?.period, "20261101")
    }
}
