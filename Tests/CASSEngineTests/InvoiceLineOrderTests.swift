import CASSDomain
@testable import CASSEngine
import XCTest

/// An invoice lists each section's lines by AWB serial, then in the order
/// they were applied (file ordinal, then sequence), whatever order they
/// reached the accumulator in.
final class InvoiceLineOrderTests: XCTestCase {
    static let period = BillingPeriod(yyyymmnn: 20261101)!

    func line(airline: Int32, serial7: Int, ordinal: Int64, sequence: Int32, amount: Int64) -> BilledLine {
        BilledLine(
            country: "GB", period: Self.period, agentCode: Fixture.gbAgent, airlinePrefix: airline, awbSerial: Int32(CheckDigit.awbSerial(from: serial7)),
            transaction: .awb, fileName: "f\(ordinal).cbf", fileOrdinal: ordinal, sequence: sequence, issueDate: CivilDate(iso: "2026-11-02")!,
            taxDate: CivilDate(iso: "2026-11-02")!, origin: ASCIICode("LHR"), destination: ASCIICode("JFK"), chargeableWeightTenthsKg: 10,
            weightCharge: amount, valuationCharge: 0, otherChargesDueCarrier: 0, commission: 0, incentive: 0, amount: amount,
            reasonCode: ASCIICode("   "))
    }

    func test_lines_by_awb_serial_then_file_then_sequence_in_every_arrival_order() throws {
        // (airline, serial, file ordinal, sequence); the amount names the line.
        let lines = [
            line(airline: 125, serial7: 1000005, ordinal: 2, sequence: 7, amount: 1),
            line(airline: 125, serial7: 1000001, ordinal: 3, sequence: 1, amount: 2),
            line(airline: 176, serial7: 1000003, ordinal: 1, sequence: 9, amount: 3),
            line(airline: 125, serial7: 1000005, ordinal: 1, sequence: 8, amount: 4),
            line(airline: 125, serial7: 1000005, ordinal: 2, sequence: 3, amount: 5),
            line(airline: 176, serial7: 1000002, ordinal: 2, sequence: 2, amount: 6),
            line(airline: 125, serial7: 1000001, ordinal: 1, sequence: 4, amount: 7),
            line(airline: 176, serial7: 1000003, ordinal: 1, sequence: 2, amount: 8),
        ]
        let operation = try XCTUnwrap(Fixture.reference().operation("GB"))
        var generator = SystemRandomNumberGenerator()
        for round in 0..<20 {
            var accumulator = SettlementAccumulator(keepLines: true)
            let arrival = round == 0 ? lines : round == 1 ? lines.reversed() : lines.shuffled(using: &generator)
            for line in arrival { accumulator.add(line, rules: []) }
            let invoice = try XCTUnwrap(try accumulator.close(PeriodKey(country: "GB", period: Self.period), operation: operation, rules: []).first)
            XCTAssertEqual(invoice.sections.map(\.airlinePrefix), [125, 176])
            XCTAssertEqual(invoice.sections.map { $0.lines.map(\.amount) }, [[7, 2, 4, 5, 1], [6, 8, 3]], "arrival \(arrival.map(\.amount))")
        }
    }
}
