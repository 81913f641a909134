@testable import CASSAccounts
import CASSDomain
import Foundation
import XCTest

/// Records go to topics (JSON, `invoice.issued` binary) and come back
/// unchanged; views encode in the shapes portal.md gives.
final class RecordCodingTests: XCTestCase {
    typealias F = Fixture

    private func json(_ value: some Encodable) throws -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try JSONSerialization.jsonObject(with: encoder.encode(value)) as! [String: Any]
    }

    private func text(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    func test_everyRecord_roundTripsThroughJSON() throws {
        let row = RiskRow(country: "GB", agent: F.agent, exposureMinor: 1, guaranteeMinor: 3, ratioTenthsPercent: 333, delayDays: 2, grade: .B)
        let records: [AccountsRecord] = [
            .invoiceIssued(F.invoice()),
            .periodClosed(OperationPeriod(country: "GB", period: F.period(20261102))),
            F.raise(), F.raise(amountMinor: 5), F.accept(), F.accept(amountMinor: 7, party: .operator), F.reject(), F.withdraw(),
            F.pay("p1", amountMinor: 5, method: .card), F.topUp("t1", amountMinor: 9), F.directDebit(true),
            .scheduled(ScheduledAction(kind: .escalate, subject: "d1", date: F.date("2026-12-06"))),
            .riskAssessed(RiskAssessment(row: row, on: F.date("2026-11-20"), sequence: 1)),
            .riskAssessed(RiskAssessment(row: RiskRow(country: "GB", agent: F.agent, exposureMinor: 1, guaranteeMinor: 0, ratioTenthsPercent: nil, delayDays: 0, grade: .D), on: F.date("2026-11-20"), sequence: 2)),
        ]
        for record in records {
            let data = try JSONEncoder().encode(record)
            XCTAssertEqual(try JSONDecoder().decode(AccountsRecord.self, from: data), record, String(decoding: data, as: UTF8.self))
            XCTAssertEqual(try json(record)["type"] as? String, record.type)
        }
    }

    /// `invoice.issued` goes to the topic binary, the others as the JSON
    /// above; both come back unchanged through `AccountsRecordCoding`.
    func test_everyRecord_roundTripsThroughTheTopicsCoding() throws {
        var awbs = F.standardAWBs
        awbs.append(InvoiceAWB(airline: 0, serial: -1, amountMinor: .min, issueDate: F.date("2028-02-29"), origin: "Zürich 東京", destination: ""))
        awbs.append(InvoiceAWB(airline: 999, serial: .max, amountMinor: .max, issueDate: F.date("9999-12-31"), origin: "\u{0}\"", destination: "KIX"))
        let invoices: [AccountsRecord] = [
            .invoiceIssued(F.invoice()),
            .invoiceIssued(F.invoice(number: "X", period: 20261204, agent: 0, totalMinor: -5, periodsPerMonth: 4, disputeDays: 0, awbs: [])),
            .invoiceIssued(F.invoice(agent: 99_999_999_999, totalMinor: .min, awbs: awbs)),
        ]
        for record in invoices {
            let bytes = try AccountsRecordCoding.encode(record)
            XCTAssertEqual(bytes.first, AccountsRecordCoding.binaryMark)
            XCTAssertEqual(try AccountsRecordCoding.decode(bytes), record)
            XCTAssertLessThan(bytes.count * 3, try JSONEncoder().encode(record).count, "a third of the JSON's bytes or less")
        }
        let others: [AccountsRecord] = [
            .periodClosed(OperationPeriod(country: "GB", period: F.period(20261102))), F.raise(amountMinor: 5), F.accept(), F.pay("p1", amountMinor: 5, method: .card),
            .scheduled(ScheduledAction(kind: .escalate, subject: "d1", date: F.date("2026-12-06"))),
        ]
        for record in others {
            let bytes = try AccountsRecordCoding.encode(record)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), try text(record), "JSON as documented")
            XCTAssertEqual(try AccountsRecordCoding.decode(bytes), record)
        }
    }

    /// Data folders written before the binary layout hold `invoice.issued`
    /// as JSON: it is read as it is.
    func test_invoiceIssued_asJSON_isStillRead() throws {
        let record = AccountsRecord.invoiceIssued(F.invoice())
        XCTAssertEqual(try AccountsRecordCoding.decode(Array(try JSONEncoder().encode(record))), record)
    }

    /// A binary record is refused, never read wrong, when it is cut
    /// anywhere, has bytes after its end, or holds a value the JSON would
    /// not hold.
    func test_binaryInvoiceIssued_refusesDamagedBytes() throws {
        let bytes = try AccountsRecordCoding.encode(.invoiceIssued(F.invoice()))
        for count in 1..<bytes.count {
            XCTAssertThrowsError(try AccountsRecordCoding.decode(Array(bytes.prefix(count))), "cut at \(count)")
        }
        XCTAssertThrowsError(try AccountsRecordCoding.decode(bytes + [0]), "a byte after the end")
        var unknown = bytes
        unknown[1] = 2
        XCTAssertThrowsError(try AccountsRecordCoding.decode(unknown), "unknown type")
        // Offsets in F.invoice(): mark, type, "GB2026000001" (2 + 12), "GB" (2 + 2), period at 20, "GBP" (2 + 3), agent at 29,
        // invoice date at 37, remittance at 41, total at 45, periods a month at 53, dispute days at 54, count at 58, first AWB at 62.
        func damaged(_ at: Int, _ value: [UInt8]) -> [UInt8] {
            var copy = bytes
            copy.replaceSubrange(at..<(at + value.count), with: value)
            return copy
        }
        XCTAssertEqual(try AccountsRecordCoding.decode(damaged(62, [0x7D, 0])), .invoiceIssued(F.invoice()), "the offsets above are right (airline 125)")
        let cases: [(String, [UInt8])] = [
            ("period 20261199", damaged(20, le(UInt32(20_261_199)))),
            ("agent -1", damaged(29, le(Int64(-1)))),
            ("agent of 12 digits", damaged(29, le(Int64(100_000_000_000)))),
            ("invoice date 20260230", damaged(37, le(UInt32(20_260_230)))),
            ("airline 1000", damaged(62, le(UInt16(1_000)))),
            ("AWB count past the bytes", damaged(58, le(UInt32(1_000_000)))),
            ("number not UTF-8", damaged(4, [0xFF])),
            // The first AWB's origin "LHR" is at 82 (after its length at 80).
            ("origin with a lone lead byte", damaged(82, [0xC3])),
            ("origin with a lone continuation byte", damaged(83, [0x80])),
            ("origin overlong", damaged(82, [0xC1, 0x81])),
        ]
        XCTAssertEqual(try AccountsRecordCoding.decode(damaged(82, [0x7F, 0x00, 0x41])), .invoiceIssued(F.invoice(awbs: [
            InvoiceAWB(airline: 125, serial: 11_111_112, amountMinor: 3_000, issueDate: F.date("2026-11-02"), origin: "\u{7F}\u{0}A", destination: "JFK"),
        ] + F.standardAWBs.dropFirst())), "ASCII at its edges is read as it is")
        XCTAssertEqual(try AccountsRecordCoding.decode(damaged(82, [0xC3, 0xA9, 0x41])), .invoiceIssued(F.invoice(awbs: [
            InvoiceAWB(airline: 125, serial: 11_111_112, amountMinor: 3_000, issueDate: F.date("2026-11-02"), origin: "éA", destination: "JFK"),
        ] + F.standardAWBs.dropFirst())), "two-byte UTF-8 is read")
        for (what, damaged) in cases {
            XCTAssertThrowsError(try AccountsRecordCoding.decode(damaged), what)
        }
        XCTAssertThrowsError(try AccountsRecordCoding.encode(.invoiceIssued(F.invoice(awbs: [
            InvoiceAWB(airline: 1_000, serial: 1, amountMinor: 1, issueDate: F.date("2026-11-02"), origin: "LHR", destination: "JFK"),
        ]))), "an airline prefix of 4 digits is not written")
    }

    /// An AWB listed twice is refused whatever the order (ascending, as the
    /// pipeline lists them, is checked without a set; any other order by set).
    func test_issuedInvoice_refusesAnAWBListedTwiceInAnyOrder() throws {
        func awb(_ airline: Int32, _ serial: Int32) -> InvoiceAWB {
            InvoiceAWB(airline: airline, serial: serial, amountMinor: 1, issueDate: F.date("2026-11-02"), origin: "LHR", destination: "JFK")
        }
        let unique: [[InvoiceAWB]] = [[], [awb(125, 1)], [awb(125, 1), awb(125, 2), awb(176, 1)], [awb(176, 1), awb(125, 2), awb(125, 1)],
                                      [awb(125, 2), awb(176, 1), awb(125, 1)]]
        let twice: [[InvoiceAWB]] = [[awb(125, 1), awb(125, 1)], [awb(125, 1), awb(125, 2), awb(125, 2), awb(176, 1)],
                                     [awb(125, 1), awb(176, 1), awb(125, 1)], [awb(176, 1), awb(125, 2), awb(176, 1)]]
        for awbs in unique {
            XCTAssertNoThrow(try F.invoice(awbs: awbs).validate(), "\(awbs.map(\.awbText))")
        }
        for awbs in twice {
            XCTAssertThrowsError(try F.invoice(awbs: awbs).validate(), "\(awbs.map(\.awbText))") { error in
                XCTAssertTrue("\(error)".contains("listed twice"), "\(error)")
            }
        }
    }

    private func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    func test_record_readsAsDocumented() throws {
        XCTAssertEqual(try text(F.pay("p1", amountMinor: 5, method: .bankTransfer)),
                       #"{"amountMinor":5,"by":"agent.user","date":"2026-11-20","id":"p1","invoice":"GB2026000001","method":"bank-transfer","on":"2026-11-20","reference":"ref p1","type":"payment.record"}"#)
        XCTAssertEqual(try text(F.raise()),
                       #"{"awb":"125-12345675","by":"agent.user","id":"d1","invoice":"GB2026000001","on":"2026-11-20","reason":"weight overstated","type":"dispute.raise"}"#)
        XCTAssertEqual(try text(AccountsRecord.periodClosed(OperationPeriod(country: "GB", period: F.period(20261102)))),
                       #"{"country":"GB","period":"20261102","type":"period.closed"}"#)
    }

    func test_records_refuseWhatIsNotOneOfThem() {
        let bad = [
            #"{"type":"payment.refund","id":"x"}"#,
            #"{"type":"period.closed","country":"GB","period":"2026110"}"#,
            #"{"type":"wallet.topup","id":"t","account":{"country":"GB","agent":"1234"},"amountMinor":1,"reference":"","by":"a","on":"2026-11-20"}"#,
            #"{"type":"dispute.raise","id":"d","invoice":"I","awb":"12512345675","reason":"r","by":"a","on":"2026-11-20"}"#,
            #"{"type":"payment.record","id":"p","invoice":"I","amountMinor":1,"method":"cash","date":"2026-11-20","reference":"","by":"a","on":"2026-11-20"}"#,
            #"{"type":"scheduled","kind":"collect","subject":"I","date":"2026-02-30"}"#,
        ]
        for text in bad {
            XCTAssertThrowsError(try JSONDecoder().decode(AccountsRecord.self, from: Data(text.utf8)), text)
        }
    }

    func test_dispute_hasTheSharedShape() throws {
        var state = F.issued()
        _ = applied(&state, F.raise())
        let object = try json(state.dispute("d1", asOf: F.date("2026-11-20"))!)
        XCTAssertEqual(Set(object.keys), ["id", "country", "invoice", "awb", "agent", "airline", "amountMinor", "acceptedMinor", "status", "reason",
                                          "raisedOn", "escalatesOn", "memoPeriod", "history"])
        XCTAssertEqual(object["agent"] as? String, "12345670002")
        XCTAssertEqual(object["airline"] as? String, "125")
        XCTAssertEqual(object["awb"] as? String, "125-12345675")
        XCTAssertEqual(object["status"] as? String, "open")
        XCTAssertTrue(object["memoPeriod"] is NSNull)
        let step = (object["history"] as! [[String: Any]])[0]
        XCTAssertEqual(Set(step.keys), ["at", "by", "action", "amountMinor", "reason"])
        XCTAssertEqual(step["at"] as? String, "2026-11-20")
        XCTAssertEqual(step["action"] as? String, "raised")
        _ = applied(&state, F.withdraw())
        let withdrawn = (try json(state.dispute("d1", asOf: F.date("2026-11-22"))!)["history"] as! [[String: Any]])[1]
        XCTAssertTrue(withdrawn["amountMinor"] is NSNull)
        XCTAssertTrue(withdrawn["reason"] is NSNull)
    }

    func test_riskRow_hasTheSharedShape_ratioOneDecimalOrNull() throws {
        let row = RiskRow(country: "GB", agent: F.agent, exposureMinor: 10_500, guaranteeMinor: 12_600, ratioTenthsPercent: 833, delayDays: 3, grade: .C)
        XCTAssertEqual(try text(row), #"{"agent":"12345670002","country":"GB","delayDays":3,"exposureMinor":10500,"grade":"C","guaranteeMinor":12600,"ratioPercent":83.3}"#)
        var infinite = row
        infinite.ratioTenthsPercent = nil
        XCTAssertTrue(try json(infinite)["ratioPercent"] is NSNull)
        var whole = row
        whole.ratioTenthsPercent = 1_000
        XCTAssertTrue(try text(whole).contains(#""ratioPercent":100"#))
        var huge = row
        huge.ratioTenthsPercent = 922_337_203_685_477_580
        let hugeText = try text(huge)
        XCTAssertTrue(hugeText.contains(#""ratioPercent":92233720368547758"#), hugeText)
        XCTAssertEqual(try JSONDecoder().decode(RiskRow.self, from: JSONEncoder().encode(huge)), huge)
    }

    func test_events_encodeTheirPayload() throws {
        var state = F.issued()
        let event = applied(&state, F.pay("p1", amountMinor: 2_000, method: .card)).events[0]
        guard case .payment = event.data else { return XCTFail("payment event expected") }
        XCTAssertEqual(try text(event.data),
                       #"{"agent":"12345670002","amountMinor":2000,"country":"GB","date":"2026-11-20","id":"p1","invoice":"GB2026000001","method":"card","outstandingMinor":10000,"paidMinor":2000,"reference":"ref p1","status":"partly-paid","totalMinor":12000}"#)
        let flag = RiskFlag(row: RiskRow(country: "GB", agent: F.agent, exposureMinor: 1, guaranteeMinor: 0, ratioTenthsPercent: nil, delayDays: 0, grade: .D), previousGrade: nil)
        XCTAssertEqual(try text(flag), #"{"agent":"12345670002","country":"GB","delayDays":0,"exposureMinor":1,"grade":"D","guaranteeMinor":0,"previousGrade":null,"ratioPercent":null}"#)
    }

    func test_issuedInvoice_summarisesTheDomainInvoicePerAWB() throws {
        func line(_ serial: Int32, _ transaction: TransactionType, _ amount: Int64, _ day: String, _ to: String) -> InvoiceLine {
            InvoiceLine(awb: "", awbSerial: serial, transaction: transaction, issueDate: F.date(day), origin: "LHR", destination: to,
                        chargeableWeightTenthsKg: 0, weightCharge: 0, valuationCharge: 0, otherChargesDueCarrier: 0, commission: 0, incentive: 0,
                        amount: amount, reasonCode: "", sourceFile: "f", sourceSequence: 1)
        }
        let sections = [
            InvoiceSection(airlinePrefix: 125, lines: [line(11_111_112, .awb, 3_000, "2026-11-02", "JFK"), line(12_345_675, .awb, 9_000, "2026-11-03", "NRT"),
                                                       line(12_345_675, .cca, 1_500, "2026-11-05", "KIX"), line(12_345_675, .dcm, -500, "2026-11-05", "KIX")],
                           taxes: [], netDue: 13_000, taxCharged: 0, taxCredited: 0, total: 13_000),
            InvoiceSection(airlinePrefix: 176, lines: [line(22_222_224, .ccm, -1_000, "2026-11-04", "DXB")], taxes: [], netDue: -1_000, taxCharged: 0, taxCredited: 0, total: -1_000),
        ]
        let invoice = Invoice(number: "GB2026000001", country: "GB", period: F.period(20261101), currency: "GBP", minorDigits: 2, invoiceDate: F.date("2026-11-15"),
                              remittanceDate: F.date("2026-11-25"), agentCode: F.agent, sections: sections, lineCount: 5, netDue: 12_000, taxCharged: 0, taxCredited: 0, total: 12_000)
        let operation = Operation(country: "GB", currency: "GBP", minorDigits: 2, periodsPerMonth: 2, remittanceDays: 10, disputeDays: 15, language: "en", entityName: "", entityTaxID: "")
        let issued = try IssuedInvoice(invoice, operation: operation)
        XCTAssertEqual(issued.awbs.map(\.awbText), ["125-11111112", "125-12345675", "176-22222224"])
        XCTAssertEqual(issued.awbs.map(\.amountMinor), [3_000, 10_000, -1_000])
        XCTAssertEqual(issued.awbs[1].destination, "KIX", "the AWB's latest line")
        XCTAssertEqual(issued.totalMinor, 12_000)
        XCTAssertEqual(issued.disputeDays, 15)
        XCTAssertEqual(issued.lastDisputeDay, F.date("2026-11-30"))
    }

    func test_billingPeriod_next_followsTheOperationsSequence() {
        XCTAssertEqual(F.period(20261101).next(periodsPerMonth: 2), F.period(20261102))
        XCTAssertEqual(F.period(20261102).next(periodsPerMonth: 2), F.period(20261201))
        XCTAssertEqual(F.period(20261202).next(periodsPerMonth: 2), F.period(20270101))
        XCTAssertEqual(F.period(20261102).next(periodsPerMonth: 4), F.period(20261103))
        XCTAssertEqual(F.period(20261204).next(periodsPerMonth: 4), F.period(20270101))
        XCTAssertNil(F.period(20261103).next(periodsPerMonth: 2), "not a period of that operation")
        XCTAssertNil(F.period(99991204).next(periodsPerMonth: 4))
    }
}
