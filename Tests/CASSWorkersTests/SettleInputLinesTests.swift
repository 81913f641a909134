import CASSDomain
import CASSEngine
import XCTest
@testable import CASSWorkers

/// The settle stage's compact `in/<offset>` entries: every line reads back
/// exactly, entries in the older layout (the record's own bytes) still read,
/// and a restart from state written either way gives the same invoices.
final class SettleInputLinesTests: XCTestCase {
    func line(serial: Int32 = 1_000_001, amount: Int64 = 1_000) -> BilledLine {
        let date = CivilDate(yyyymmdd: 20261101)!
        return BilledLine(country: "GB", period: BillingPeriod(yyyymmnn: 20261101)!, agentCode: StageFixture.agent("GB"), airlinePrefix: 125,
                          awbSerial: serial, transaction: .awb, fileName: "a.cbf", fileOrdinal: 1, sequence: 1,
                          issueDate: date, taxDate: date, origin: ASCIICode("LHR"), destination: ASCIICode("NRT"), chargeableWeightTenthsKg: 10,
                          weightCharge: amount, valuationCharge: 0, otherChargesDueCarrier: 0, commission: 0, incentive: 0, amount: amount,
                          reasonCode: ASCIICode("   "), chargesIndicator: .prepaid)
    }

    /// Lines at the edges of every field, in an order that makes the
    /// differences between neighbours as large as they get.
    func extremes() -> [BilledLine] {
        var lines: [BilledLine] = []
        let dates = [CivilDate(yyyymmdd: 10101)!, CivilDate(yyyymmdd: 99991231)!, CivilDate(yyyymmdd: 20240229)!]
        let periods = [BillingPeriod(yyyymmnn: 10101)!, BillingPeriod(yyyymmnn: 99991204)!, BillingPeriod(yyyymmnn: 20261101)!]
        let names = ["", String(repeating: "ß€𝄞x", count: 5_000), "a.cbf"]
        let codes = [ASCIICode(""), ASCIICode("ZZZZZZZZ"), ASCIICode(rawPacked: .max, length: 3), ASCIICode(rawPacked: .max, length: 8),
                     ASCIICode(rawPacked: 0x41, length: 0), ASCIICode("   ")]
        let indicators: [ChargesIndicator?] = [nil, .prepaid, .collect]
        for index in 0..<12 {
            var l = line()
            let high = index % 2 == 0
            l.country = names[index % 3]
            l.fileName = names[(index + 1) % 3]
            l.period = periods[index % 3]
            l.agentCode = high ? .max : .min
            l.airlinePrefix = high ? .max : .min
            l.awbSerial = high ? .min : .max
            l.fileOrdinal = high ? .min : .max
            l.sequence = high ? .max : .min
            l.issueDate = dates[index % 3]
            l.taxDate = dates[(index + 1) % 3]
            l.transaction = [.awb, .cca, .dcm, .ccm][index % 4]
            l.chargesIndicator = indicators[index % 3]
            l.chargeableWeightTenthsKg = high ? .max : .min
            l.weightCharge = high ? .min : .max
            l.valuationCharge = high ? -1 : 0
            l.otherChargesDueCarrier = high ? .max : -1
            l.commission = high ? .min : 1
            l.incentive = high ? .min + 1 : .max - 1
            l.amount = high ? .max : .min
            l.taxRuleMask = high ? .max : 0
            l.origin = codes[index % codes.count]
            l.destination = codes[(index + 2) % codes.count]
            l.reasonCode = codes[(index + 4) % codes.count]
            lines.append(l)
        }
        return lines
    }

    func test_lines_at_every_fields_extremes_read_back_exactly() throws {
        let lines = extremes()
        let bytes = SettleInputLines.encode(lines)
        XCTAssertEqual(bytes.first, SettleInputLines.tag)
        XCTAssertEqual(try SettleInputLines.decode(bytes), lines)
        XCTAssertEqual(try SettleInputLines.decode(SettleInputLines.encode([])), [])
    }

    func test_entries_in_the_older_layout_still_read() throws {
        let lines = extremes().filter { $0.origin.length <= 8 && $0.destination.length <= 8 && $0.reasonCode.length <= 8 }
        let older = StageMessage.lines(LineBatch(lines: lines, originPartition: 3, originOffset: 9)).encoded()
        XCTAssertEqual(try SettleInputLines.decode(older), lines)
    }

    func test_damaged_entries_throw_instead_of_reading_other_lines() throws {
        let bytes = SettleInputLines.encode(Array(extremes().filter { $0.country.utf8.count < 100 && $0.fileName.utf8.count < 100 }.prefix(2)))
        for cut in 0..<bytes.count where cut != 0 {
            XCTAssertThrowsError(try SettleInputLines.decode(Array(bytes[0..<cut])), "cut at \(cut)")
        }
        XCTAssertThrowsError(try SettleInputLines.decode(bytes + [0]), "a byte after the last line")
        var future = bytes
        future[1] = SettleInputLines.version + 1
        XCTAssertThrowsError(try SettleInputLines.decode(future))
        // Eleven continuation bytes: more than 64 bits.
        XCTAssertThrowsError(try SettleInputLines.decode([SettleInputLines.tag, SettleInputLines.version] + Array(repeating: 0xFF, count: 10) + [1]))
    }

    func test_a_typical_line_takes_under_half_the_older_layouts_bytes() {
        var lines: [BilledLine] = []
        for index in 0..<100 {
            let serial = Int32(1_000_001 + index * 11)
            lines.append(line(serial: serial, amount: Int64(1_000 + index * 37)))
        }
        let compact = SettleInputLines.encode(lines).count
        let older = StageMessage.lines(LineBatch(lines: lines)).encoded().count
        XCTAssertLessThan(compact * 2, older, "\(compact) bytes against \(older)")
    }

    func closeAll(_ stage: StageHarness, partition: Int32) throws -> (invoices: [Invoice], lines: [InvoiceLine]) {
        var out: [StageHarness.Emitted] = []
        for source: Int32 in 0..<8 { out += try stage.push(.closeMarker(period: StageFixture.period(), source: source, sourceCount: 8), partition: partition) }
        var invoices: [Invoice] = [], lines: [InvoiceLine] = []
        for message in out.on(.drafts).messages {
            if case .drafts(_, _, _, let some) = message { invoices += some }
            if case .draftLines(_, _, let part) = message { lines += part.lines }
        }
        return (invoices, lines)
    }

    func test_a_restart_from_entries_written_in_either_layout_gives_the_same_invoices() throws {
        let first = [line(serial: 1_000_001, amount: 1_000), line(serial: 1_000_012, amount: -250)]
        var second = [line(serial: 1_000_023, amount: 2_500)]
        second[0].chargesIndicator = .collect
        let written = try StageHarness(SettleStage.definition, environment: StageFixture.environment())
        try written.push(.lines(LineBatch(lines: first, originPartition: 0, originOffset: 4)), partition: 2)
        try written.push(.lines(LineBatch(lines: second, originPartition: 1, originOffset: 4)), partition: 2)
        let entries = try written.stateEntries(partition: 2)
        let inputs = entries.filter { $0.key.hasPrefix("in/") }
        XCTAssertEqual(inputs.count, 2)
        XCTAssertTrue(inputs.allSatisfy { $0.value.first == SettleInputLines.tag }, "written in the compact layout")
        try written.restart()
        let expected = try closeAll(written, partition: 2)
        XCTAssertEqual(expected.invoices.first?.netDue, 3_250)
        XCTAssertEqual(expected.lines.count, 3)

        // A folder an older build wrote the first record's entry in, and this build the second's.
        let upgraded = try StageHarness(SettleStage.definition, environment: StageFixture.environment())
        var seenInput = false
        for entry in entries {
            var value = entry.value
            if entry.key.hasPrefix("in/"), !seenInput {
                seenInput = true
                value = StageMessage.lines(LineBatch(lines: try SettleInputLines.decode(value), originPartition: 0, originOffset: 4)).encoded()
                XCTAssertEqual(value.first, MessageKind.lines.rawValue)
            }
            // This harness's input starts empty: nothing in it was applied yet (-1).
            if entry.key == StageWorkerMarker.offset { value = [UInt8](repeating: 0xFF, count: 8) }
            try upgraded.writeState(key: entry.key, value: value, partition: 2)
        }
        try upgraded.restart()
        let restored = try closeAll(upgraded, partition: 2)
        XCTAssertEqual(restored.invoices, expected.invoices)
        XCTAssertEqual(restored.lines, expected.lines)
    }
}
