import CASSDomain
import CASSEngine
import XCTest
@testable import CASSWorkers

/// The validate stage's compact `awbs/<offset>` entries (layout 3): every
/// entry reads back exactly, entries of layout 2 (fixed width) still read,
/// damage throws, and a restart from state written either way keeps the
/// same ledger.
final class ValidateLedgerEntriesTests: XCTestCase {
    typealias Entry = AWBLedger.Entry

    func entry(agent: Int64 = 91_200_040_002, weight: Int64 = 10_000, ordinal: Int64 = 3, sequence: Int32 = 7) -> Entry {
        Entry(firstAgent: agent, weightCharge: weight, valuationCharge: 0, otherChargesDueCarrier: 1_250, commission: -500, incentive: 0,
              netDue: weight + 750, issueDate: CivilDate(yyyymmdd: 20261103)!, lastOrdinal: ordinal, lastSequence: sequence)
    }

    /// Entries at the edges of every field, alternating so that the
    /// differences between neighbours are as large as they get.
    func extremes() -> [(prefix: Int32, serial: Int32, entry: Entry)] {
        let dates = [CivilDate(yyyymmdd: 10101)!, CivilDate(yyyymmdd: 99991231)!, CivilDate(yyyymmdd: 20240229)!]
        return (0..<12).map { index in
            let high = index % 2 == 0
            let entry = Entry(firstAgent: high ? .max : .min, weightCharge: high ? .min : .max, valuationCharge: high ? -1 : 0,
                              otherChargesDueCarrier: high ? .max : -1, commission: high ? .min : 1, incentive: high ? .min + 1 : .max - 1,
                              netDue: high ? .max : .min, issueDate: dates[index % 3], lastOrdinal: high ? .min : .max,
                              lastSequence: high ? .max : .min)
            return (high ? .max : .min, high ? .min : .max, entry)
        }
    }

    func compact(_ entries: [(prefix: Int32, serial: Int32, entry: Entry)], operation: ASCIICode = ASCIICode(operationText: "GB")) -> [UInt8] {
        var writer = ValidateLedgerEntries.Writer(operation: operation, capacity: 16)
        for (prefix, serial, entry) in entries { writer.add(prefix: prefix, serial: serial, entry) }
        return writer.finish()
    }

    /// Layout 2 as builds before this one wrote it.
    func fixed(_ entries: [(prefix: Int32, serial: Int32, entry: Entry)], operation: ASCIICode = ASCIICode(operationText: "GB")) -> [UInt8] {
        var w = BinaryWriter(capacity: 16)
        w.u8(2)
        w.i32(Int32(entries.count))
        for (prefix, serial, entry) in entries {
            w.code(operation); w.i32(prefix); w.i32(serial)
            entry.encode(into: &w)
        }
        return w.finish()
    }

    func decoded(_ bytes: [UInt8]) throws -> [(LedgerKey, Entry)] {
        var out: [(LedgerKey, Entry)] = []
        try ValidateLedgerEntries.decode(bytes) { out.append(($0, $1)) }
        return out
    }

    func test_entries_at_every_fields_extremes_read_back_exactly_in_either_layout() throws {
        let entries = extremes()
        for operation in [ASCIICode(operationText: "GB"), ASCIICode(rawPacked: .max, length: 8), ASCIICode("")] {
            let expected = entries.map { (LedgerKey(operation: operation, awb: AWBKey(prefix: $0.prefix, serial: $0.serial)), $0.entry) }
            for bytes in [compact(entries, operation: operation), fixed(entries, operation: operation)] {
                let read = try decoded(bytes)
                XCTAssertEqual(read.map(\.0), expected.map(\.0))
                XCTAssertEqual(read.map(\.1), expected.map(\.1))
            }
        }
        XCTAssertEqual(compact(entries).first, ValidateLedgerEntries.compactLayout)
        XCTAssertTrue(try decoded(compact([])).isEmpty)
    }

    func test_damaged_entries_throw_instead_of_reading_other_entries() throws {
        let bytes = compact(Array(extremes().prefix(2)))
        for cut in 0..<bytes.count {
            XCTAssertThrowsError(try decoded(Array(bytes[0..<cut])), "cut at \(cut)")
        }
        XCTAssertThrowsError(try decoded(bytes + [0]), "a byte after the last entry")
        XCTAssertThrowsError(try decoded(fixed(Array(extremes().prefix(2))) + [0]), "a byte after the last entry of layout 2")
        var future = bytes
        future[0] = ValidateLedgerEntries.compactLayout + 1
        XCTAssertThrowsError(try decoded(future))
        XCTAssertThrowsError(try decoded([1, 0, 0, 0, 0])) { XCTAssertTrue("\($0)".contains("layout 1"), "\($0)") }
        // A count no value of this size can hold.
        var huge = BinaryWriter(capacity: 16)
        huge.u8(ValidateLedgerEntries.compactLayout); huge.code(ASCIICode(operationText: "GB")); huge.varint(1 << 40)
        XCTAssertThrowsError(try decoded(huge.finish()))
    }

    func test_a_typical_file_chunk_takes_under_half_the_fixed_layouts_bytes() {
        let airlines: [Int32] = [125, 157, 176]
        var entries: [(prefix: Int32, serial: Int32, entry: Entry)] = []
        for index in 0..<200 {
            let serial = Int32(1_000_001 + (index * 7_919) % 9_000_000)
            let agent: Int64 = 91_200_040_002 + Int64(index % 17) * 1_000_000
            entries.append((airlines[index % 3], serial, entry(agent: agent, weight: Int64(1_000 + index * 37), sequence: Int32(2 + index))))
        }
        let small = compact(entries).count, large = fixed(entries).count
        XCTAssertLessThan(small * 2, large, "\(small) bytes against \(large)")
    }

    /// The ledger a restart rebuilds from compact entries decides like the
    /// one it rebuilds from the same entries in layout 2: a duplicate is
    /// R10, a correction bills its difference, an unknown AWB's CCA is R11.
    func test_a_restart_from_entries_written_in_either_layout_keeps_the_same_ledger() throws {
        let ingest = try StageHarness(IngestStage.definition, environment: StageFixture.environment())
        func checked(_ bytes: [UInt8], name: String) throws -> [(partition: Int32, message: StageMessage)] {
            try ingest.push(.file(name: name, bytes: bytes)).on(.records).map { ($0.partition, $0.message!) }
        }
        func push(_ stage: StageHarness, _ messages: [(partition: Int32, message: StageMessage)]) throws -> [StageHarness.Emitted] {
            var out: [StageHarness.Emitted] = []
            for (partition, message) in messages { out += try stage.push(message, partition: partition) }
            return out
        }
        let first = try checked(StageFixture.file(records: [StageFixture.record(1_000_001, weightCharge: 10_000),
                                                             StageFixture.record(1_000_012, weightCharge: 30_000)]), name: "a.cbf")
        let later = try checked(StageFixture.file(sequence: 2, records: [
            StageFixture.record(1_000_001),
            StageFixture.record(1_000_012, transaction: .cca, weightCharge: 32_500),
            StageFixture.record(1_000_023, transaction: .cca),
        ]), name: "b.cbf")
        let written = try StageHarness(ValidateStage.definition, environment: StageFixture.environment())
        _ = try push(written, first)
        var states: [Int32: [(key: String, value: [UInt8])]] = [:]
        for partition in Set(first.map(\.partition)) { states[partition] = try written.stateEntries(partition: partition) }
        let ledgerValues = states.values.flatMap { $0 }.filter { $0.key.hasPrefix("awbs/") }.map(\.value)
        XCTAssertFalse(ledgerValues.isEmpty)
        XCTAssertTrue(ledgerValues.allSatisfy { $0.first == ValidateLedgerEntries.compactLayout }, "written in layout 3")

        // The same state with the ledger entries in layout 2, as an older build wrote them.
        let upgraded = try StageHarness(ValidateStage.definition, environment: StageFixture.environment())
        for (partition, entries) in states {
            for entry in entries {
                var value = entry.value
                if entry.key.hasPrefix("awbs/") {
                    var read: [(prefix: Int32, serial: Int32, entry: Entry)] = []
                    try ValidateLedgerEntries.decode(value) { read.append(($0.awb.prefix, $0.awb.serial, $1)) }
                    value = fixed(read)
                }
                // This harness's input starts empty: nothing in it was applied yet (-1).
                if entry.key == StageWorkerMarker.offset { value = [UInt8](repeating: 0xFF, count: 8) }
                try upgraded.writeState(key: entry.key, value: value, partition: partition)
            }
        }
        for stage in [written, upgraded] {
            try stage.restart()
            let out = try push(stage, later)
            let codes = out.on(.rejections).rejections.map(\.code)
            XCTAssertEqual(codes.count, 2)
            XCTAssertEqual(Set(codes), [.R10, .R11])
            let billed = out.on(.lines).messages.flatMap { message -> [BilledLine] in
                if case .lines(let batch) = message { return batch.lines }
                return []
            }
            XCTAssertEqual(billed.map(\.weightCharge), [2_500], "the difference to the restored version")
        }
    }
}
