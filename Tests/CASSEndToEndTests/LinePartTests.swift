import CASSDomain
import CASSWorkers
import XCTest

/// Invoices travel without their lines; lines follow in bounded parts.
final class LinePartTests: XCTestCase {
    func invoice(sections: [(Int32, Int)]) -> Invoice {
        let date = CivilDate(yyyymmdd: 20261130)!
        let built = sections.map { prefix, count in
            InvoiceSection(airlinePrefix: prefix, lines: (0..<count).map { index in
                InvoiceLine(awb: "\(prefix)-\(index)", awbSerial: Int32(index), transaction: .awb, issueDate: date, origin: "LHR", destination: "JFK",
                            chargeableWeightTenthsKg: 10, weightCharge: 100, valuationCharge: 0, otherChargesDueCarrier: 0, commission: 5,
                            incentive: 0, amount: 95, reasonCode: "", sourceFile: "f", sourceSequence: Int32(index + 2))
            }, taxes: [], netDue: Int64(95 * count), taxCharged: 0, taxCredited: 0, total: Int64(95 * count))
        }
        return Invoice(number: "GB2026000001", country: "GB", period: BillingPeriod(yyyymmnn: 20261104)!, currency: "GBP", minorDigits: 2,
                       invoiceDate: date, remittanceDate: date, agentCode: 12345670001, sections: built,
                       lineCount: sections.reduce(0) { $0 + $1.1 }, netDue: 0, taxCharged: 0, taxCredited: 0, total: 0)
    }

    func test_split_and_join_give_back_the_invoice() {
        let original = invoice(sections: [(125, 2500), (157, 3), (176, 0)])
        let (header, parts) = LinePart.split(original)
        XCTAssertTrue(header.sections.allSatisfy { $0.lines.isEmpty })
        XCTAssertEqual(parts.count, 4, "2500 lines in parts of 1000, then 3")
        XCTAssertTrue(parts.allSatisfy { $0.lines.count <= LinePart.linesMax })
        XCTAssertEqual(LinePart.join(header, parts.reversed()), original)
        XCTAssertNil(LinePart.join(header, Array(parts.dropLast())), "not complete yet")
    }

    /// Sections of one part, of several, and empty ones; the parts in any
    /// order; a part of a section the header does not have.
    func test_join_of_every_shape() {
        let shapes: [[(Int32, Int)]] = [[(125, 1)], [(125, 1000)], [(125, 1001), (157, 999)], [(176, 0), (125, 3000), (157, 1), (220, 2001)]]
        for shape in shapes {
            let original = invoice(sections: shape)
            let (header, parts) = LinePart.split(original)
            XCTAssertEqual(LinePart.join(header, parts), original, "\(shape)")
            XCTAssertEqual(LinePart.join(header, parts.shuffled()), original, "\(shape), shuffled")
        }
        let (header, parts) = LinePart.split(invoice(sections: [(125, 10)]))
        var stray = parts
        stray[0].airlinePrefix = 999
        XCTAssertNil(LinePart.join(header, stray), "a part of no section of the header")
    }

    /// The service's invoices view keeps parts as their messages and
    /// decodes them once, into the sections: the same invoice as decoding
    /// each part and joining them, for every shape and order, and for a mix
    /// of encoded and decoded parts.
    func test_arriving_parts_join_as_decoded_parts_do() throws {
        let shapes: [[(Int32, Int)]] = [[(125, 1)], [(125, 1000)], [(125, 1001), (157, 999)], [(176, 0), (125, 3000), (157, 1), (220, 2001)]]
        for shape in shapes {
            let original = invoice(sections: shape)
            let (header, parts) = LinePart.split(original)
            let arriving = try parts.map { part in
                let message = StageMessage.invoiceLines(number: original.number, part: part).encoded()
                let (number, encoded) = try XCTUnwrap(ArrivingLinePart.encoded(message))
                XCTAssertEqual(number, original.number)
                XCTAssertEqual(encoded.index, part.index)
                XCTAssertEqual(encoded.lineCount, part.lines.count)
                return encoded
            }
            XCTAssertEqual(try ArrivingLinePart.join(header, arriving), original, "\(shape)")
            XCTAssertEqual(try ArrivingLinePart.join(header, arriving.shuffled()), original, "\(shape), shuffled")
            let mixed = arriving.indices.map { $0 % 2 == 0 ? arriving[$0] : ArrivingLinePart(parts[$0]) }
            XCTAssertEqual(try ArrivingLinePart.join(header, mixed.shuffled()), original, "\(shape), some parts decoded")
            if arriving.count > 1 {
                XCTAssertNil(try ArrivingLinePart.join(header, Array(arriving.dropLast())), "\(shape): not complete yet")
            }
        }
        let (header, parts) = LinePart.split(invoice(sections: [(125, 10)]))
        var stray = parts[0]
        stray.airlinePrefix = 999
        XCTAssertNil(try ArrivingLinePart.join(header, [ArrivingLinePart(stray)]), "a part of no section of the header")
    }

    /// Only binary invoiceLines messages are kept encoded; a damaged one
    /// is read as far as its line count and refused when its lines decode.
    func test_arriving_part_refuses_what_is_not_its_message() throws {
        let original = invoice(sections: [(125, 5)])
        let (header, parts) = LinePart.split(original)
        let message = StageMessage.invoiceLines(number: original.number, part: parts[0]).encoded()
        XCTAssertNil(ArrivingLinePart.encoded(StageMessage.invoiceHeader(header, parts: 1).encoded()), "another kind")
        XCTAssertNil(ArrivingLinePart.encoded(Array(message.prefix(10))), "cut before the line count")
        var wrongVersion = message
        wrongVersion[1] = StageMessage.version &+ 1
        XCTAssertNil(ArrivingLinePart.encoded(wrongVersion))
        let cut = Array(message.dropLast(20))
        let (_, part) = try XCTUnwrap(ArrivingLinePart.encoded(cut), "the line count is still there")
        XCTAssertThrowsError(try ArrivingLinePart.join(header, [part]), "lines cut short")
    }

    func test_parts_fit_a_kafka_message() {
        let (_, parts) = LinePart.split(invoice(sections: [(125, 1000)]))
        let encoded = StageMessage.invoiceLines(number: "GB2026000001", part: parts[0]).encoded()
        XCTAssertLessThan(encoded.count, 900_000)
    }
}
