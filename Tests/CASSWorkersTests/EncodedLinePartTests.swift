import CASSDomain
import CASSEngine
import CASSLog
@testable import CASSWorkers
import XCTest

/// The number stage passes draft lines on as the bytes they came in: every
/// topic must get exactly what decoding the part and encoding it again
/// wrote, and what is not canonical must take the decoding path.
final class EncodedLinePartTests: XCTestCase {
    func line(_ awb: String, _ transaction: TransactionType, amount: Int64, file: String, reason: String = "",
              indicator: ChargesIndicator? = .prepaid, origin: String = "LHR") -> InvoiceLine {
        InvoiceLine(awb: awb, awbSerial: 1234567, transaction: transaction, issueDate: CivilDate(yyyymmdd: 20261103)!, origin: origin,
                    destination: "JFK", chargeableWeightTenthsKg: 12_345, weightCharge: amount, valuationCharge: Int64.max,
                    otherChargesDueCarrier: Int64.min, commission: amount / -3, incentive: 0, amount: amount, reasonCode: reason,
                    sourceFile: file, sourceSequence: Int32.max, chargesIndicator: indicator)
    }

    /// Escapes, extreme values, corrections, withdrawn lines, file names
    /// that change and come back, an empty first file name, no lines.
    var edgeParts: [LinePart] {
        [
            LinePart(index: 0, count: 3, airlinePrefix: 125, lines: [
                line("125-1234 5675", .awb, amount: 10_050, file: ""),
                line("quote\"back\\slash", .cca, amount: -Int64.max, file: "a \"b\"\\c\n\t\u{1}.cbf", reason: "R\"1", indicator: .collect),
                line("125-0000 0000", .dcm, amount: Int64.max, file: "other.cbf", indicator: nil),
                line("withdrawn", .ccm, amount: -1, file: "a \"b\"\\c\n\t\u{1}.cbf", reason: "WITHDRAWN", indicator: nil),
                line("same-file", .awb, amount: 0, file: "a \"b\"\\c\n\t\u{1}.cbf"),
            ]),
            LinePart(index: 2, count: 3, airlinePrefix: Int32.max, lines: []),
            LinePart(index: Int(Int64.max), count: -1, airlinePrefix: -5, lines: [line("", .awb, amount: Int64.min, file: "x", reason: "", origin: "")]),
        ]
    }

    func test_spliced_outputs_equal_the_decoded_and_encoded_ones() throws {
        let period = StageFixture.period(), date = CivilDate(yyyymmdd: 20261107)!
        for part in edgeParts {
            let message = StageMessage.draftLines(period: period, agent: 42, part: part).encoded()
            let header = 2 + 4 + period.country.utf8.count + 4 + 8
            guard let spliced = EncodedLinePart.canonical(in: message, at: header) else { return XCTFail("canonical part \(part.index) not recognised") }
            XCTAssertEqual(spliced.index, part.index)
            XCTAssertEqual(spliced.airlinePrefix, part.airlinePrefix)
            XCTAssertEqual(spliced.lineCount, part.lines.count)
            XCTAssertEqual(spliced.bytes.endIndex, message.count)
            XCTAssertEqual(Array(spliced.bytes), Array(EncodedLinePart(part).bytes))
            XCTAssertEqual(spliced.stateValue(), StateValue.encode(part))
            XCTAssertEqual(spliced.invoiceLinesMessage(number: "GB2026000001"), StageMessage.invoiceLines(number: "GB2026000001", part: part).encoded())
            XCTAssertEqual(spliced.issuedLinesMessage(country: "GB", invoiceDate: date, number: "GB2026000001"),
                           StageMessage.issuedLines(country: "GB", invoiceDate: date, number: "GB2026000001", part: part).encoded())
            let restored = try EncodedLinePart.restored(spliced.stateValue())
            XCTAssertEqual(Array(restored.bytes), Array(spliced.bytes))
            XCTAssertEqual(try StateValue.linePart(restored.stateValue()), part)
        }
    }

    func test_what_is_not_canonical_is_left_to_decoding() throws {
        let part = edgeParts[0]
        let bytes = Array(EncodedLinePart(part).bytes)
        XCTAssertNotNil(EncodedLinePart.canonical(in: bytes, at: 0))
        // Non-ASCII text decodes (maybe repaired) and is left to the decoder.
        var accented = part
        accented.lines[0].origin = "Zürich"
        XCTAssertNil(EncodedLinePart.canonical(in: Array(EncodedLinePart(accented).bytes), at: 0))
        // Truncated anywhere.
        for cut in stride(from: 0, to: bytes.count, by: 7) { XCTAssertNil(EncodedLinePart.canonical(in: Array(bytes[0..<cut]), at: 0), "cut at \(cut)") }
        // A repeated file name the writer would not repeat: line 5 repeats line 4's file.
        var w = BinaryWriter()
        w.i64(0); w.i64(1); w.i32(125); w.i32(2)
        for _ in 0..<2 {
            w.u8(1); w.string("same.cbf"); w.string("a"); w.i32(1); w.u8(0); w.date(CivilDate(yyyymmdd: 20261103)!)
            w.string("LHR"); w.string("JFK"); for _ in 0..<7 { w.i64(1) }; w.string(""); w.i32(1)
        }
        let repeated = w.finish()
        XCTAssertNotNil(try? StateValue.linePart([StateValue.binaryMarker] + repeated), "decodes")
        XCTAssertNil(EncodedLinePart.canonical(in: repeated, at: 0))
        // A bad transaction byte and a bad date.
        var badTransaction = bytes
        // index, count, airline, line count; then "no new file", the AWB, its serial.
        let transactionAt = 8 + 8 + 4 + 4 + 1 + 4 + "125-1234 5675".utf8.count + 4
        XCTAssertEqual(badTransaction[transactionAt], LineTransactionByte.encode(.awb, .prepaid))
        badTransaction[transactionAt] = 0x3F
        XCTAssertNil(EncodedLinePart.canonical(in: badTransaction, at: 0))
        var badDate = bytes
        for offset in 1...4 { badDate[transactionAt + offset] = 0 }
        XCTAssertNil(EncodedLinePart.canonical(in: badDate, at: 0))
    }

    /// Through the worker: every topic's line records equal the
    /// decoded/encoded ones, across a restart after which the worker reads
    /// the parts again (they are not journaled), for canonical parts and
    /// one left to decoding.
    func test_the_stage_writes_the_same_bytes_as_decoding_and_encoding_would() throws {
        let stage = try StageHarness(NumberStage.definition, environment: StageFixture.environment())
        let period = StageFixture.period()
        var parts = edgeParts.filter { $0.index < 3 }
        var accented = parts[0]
        accented.index = 1
        accented.lines[1].reasonCode = "é\u{0}ß"
        parts.insert(accented, at: 1)
        for part in parts { XCTAssertEqual(try stage.pushUncommitted(.draftLines(period: period, agent: 20, part: part)).count, 0) }
        XCTAssertEqual(try stage.stateEntries().filter { $0.key.hasPrefix("lines/") }.count, 0, "parts are read again, not journaled")
        try stage.restart()
        let draft = numberingDraft(agent: 20, total: 300)
        let out = try stage.push(.drafts(period: period, source: 0, sourceCount: 1, invoices: [draft]))
        let lines = out.on(.invoices).filter { $0.value.first == MessageKind.invoiceLines.rawValue }
        XCTAssertEqual(lines.map(\.value), parts.map { StageMessage.invoiceLines(number: "GB2026000001", part: $0).encoded() })
        XCTAssertEqual(Set(lines.map(\.keyText)), ["GB2026000001"])
        let header = try XCTUnwrap(out.on(.invoices).first)
        XCTAssertEqual(Set(lines.map(\.partition)), [header.partition])
        let events = out.on(.events)
        let issued = events.filter { $0.value.first == MessageKind.issuedLines.rawValue }
        guard case .invoiceHeader(let invoice, _)? = header.message else { return XCTFail("invoiceHeader") }
        let invoiceDate = invoice.invoiceDate
        XCTAssertEqual(issued.map(\.value), parts.map {
            StageMessage.issuedLines(country: "GB", invoiceDate: invoiceDate, number: "GB2026000001", part: $0).encoded()
        })
        let issuedHeader = try XCTUnwrap(events.first { $0.value.first == MessageKind.invoiceIssued.rawValue })
        XCTAssertEqual(Set(issued.map(\.partition)), [issuedHeader.partition])
        XCTAssertEqual(Set(issued.map(\.keyText)), [issuedHeader.keyText])
        guard case .invoiceIssued(_, let count, let sectionLines)? = issuedHeader.message else { return XCTFail("invoiceIssued") }
        XCTAssertEqual(count, 3)
        XCTAssertEqual(sectionLines, [10], "the 125 parts' lines")
    }
}
