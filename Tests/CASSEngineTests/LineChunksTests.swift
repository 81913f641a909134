import CASSDomain
@testable import CASSEngine
import XCTest

/// An open invoice's lines in fixed chunks: every way they are read gives
/// the lines in the order they came, across chunk boundaries.
final class LineChunksTests: XCTestCase {
    static let period = BillingPeriod(yyyymmnn: 20261101)!

    func line(_ sequence: Int, file: Int64 = 1) -> BilledLine {
        BilledLine(
            country: "GB", period: Self.period, agentCode: 91200040002, airlinePrefix: 125, awbSerial: Int32(1_000_000 + sequence),
            transaction: .awb, fileName: "125_GB_20261101_000001.cbf", fileOrdinal: file, sequence: Int32(sequence),
            issueDate: CivilDate(iso: "2026-11-02")!, taxDate: CivilDate(iso: "2026-11-02")!, origin: ASCIICode("LHR"),
            destination: ASCIICode("JFK"), chargeableWeightTenthsKg: 10, weightCharge: Int64(sequence), valuationCharge: 0,
            otherChargesDueCarrier: 0, commission: 0, incentive: 0, amount: Int64(sequence), reasonCode: ASCIICode("   "))
    }

    func test_lines_read_back_in_order_across_chunks() {
        for total in [0, 1, LineChunks.chunkLines - 1, LineChunks.chunkLines, LineChunks.chunkLines + 1, 3 * LineChunks.chunkLines + 7] {
            let expected = (0..<total).map { line($0) }
            var chunks = LineChunks()
            for line in expected { chunks.append(line) }
            XCTAssertEqual(chunks.count, total)
            XCTAssertEqual(chunks.isEmpty, total == 0)
            XCTAssertEqual(Array(chunks), expected, "iterated, \(total) lines")
            XCTAssertEqual((0..<total).map { chunks[$0] }, expected, "by index, \(total) lines")
            XCTAssertEqual(Array(chunks.reversed()), expected.reversed(), "backwards, \(total) lines")
            XCTAssertEqual(Array(LineChunks(expected)), expected, "made from an array, \(total) lines")
        }
    }

    func test_a_withdrawal_keeps_the_other_lines_in_order() {
        var chunks = LineChunks()
        var expected: [BilledLine] = []
        for sequence in 0..<(2 * LineChunks.chunkLines + 50) {
            let made = line(sequence, file: sequence % 3 == 0 ? 2 : 1)
            chunks.append(made)
            if made.fileOrdinal != 2 { expected.append(made) }
        }
        chunks.removeAll { $0.fileOrdinal == 2 }
        XCTAssertEqual(Array(chunks), expected)
        XCTAssertEqual(chunks.count, expected.count)
        // Appending after a withdrawal goes on from the kept lines.
        chunks.append(line(9_999))
        XCTAssertEqual(chunks.last, line(9_999))
        XCTAssertEqual(chunks.count, expected.count + 1)
    }

    func test_sorting_an_invoice_sees_every_line() {
        let lines = (0..<(LineChunks.chunkLines + 10)).reversed().map { line($0) }
        let chunks = LineChunks(lines)
        XCTAssertEqual(chunks.sorted { $0.sequence < $1.sequence }, lines.sorted { $0.sequence < $1.sequence })
    }
}
