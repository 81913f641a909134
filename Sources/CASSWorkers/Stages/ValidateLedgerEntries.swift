import CASSDomain
import CASSEngine

/// The value of a validate stage `awbs/<offset>` state entry: the AWB
/// ledger entries one input message changed. Layout 2 wrote each entry in
/// fixed width (the operation's 9 bytes, prefix and serial, then 77 bytes
/// of entry: 94 bytes an AWB), which made these entries the largest part
/// of cass.state at 1,000,000 AWBs (88 MB); layout 3 keeps the same values
/// in about a third. Entries of layout 2 are still read: a data folder
/// outlives an upgrade.
///
/// Layout 3 (docs/decisions.md): the layout byte, the operation (a code,
/// once: one message is one operation's), the entry count (varint), then
/// per entry varints: prefix, serial, first agent, issue date (yyyymmdd),
/// last file ordinal and last sequence as zigzag differences (wrapping) to
/// the previous entry's (entries of one message share the file and mostly
/// the period), the six charges and the net due zigzag.
enum ValidateLedgerEntries {
    static let fixedLayout: UInt8 = 2
    static let compactLayout: UInt8 = 3

    /// Collects one message's changed entries in layout 3.
    struct Writer {
        let operation: ASCIICode
        private var body: BinaryWriter
        private(set) var count = 0
        private var prefix: Int64 = 0, serial: Int64 = 0, agent: Int64 = 0
        private var issue: Int64 = 0, ordinal: Int64 = 0, sequence: Int64 = 0

        init(operation: ASCIICode, capacity: Int) {
            self.operation = operation
            body = BinaryWriter(capacity: capacity)
        }

        mutating func add(prefix entryPrefix: Int32, serial entrySerial: Int32, _ entry: AWBLedger.Entry) {
            func delta(_ previous: inout Int64, _ value: Int64) {
                body.zigzag(value &- previous)
                previous = value
            }
            delta(&prefix, Int64(entryPrefix)); delta(&serial, Int64(entrySerial)); delta(&agent, entry.firstAgent)
            delta(&issue, Int64(entry.issueDate.yyyymmdd)); delta(&ordinal, entry.lastOrdinal); delta(&sequence, Int64(entry.lastSequence))
            body.zigzag(entry.weightCharge); body.zigzag(entry.valuationCharge); body.zigzag(entry.otherChargesDueCarrier)
            body.zigzag(entry.commission); body.zigzag(entry.incentive); body.zigzag(entry.netDue)
            count += 1
        }

        /// The entry's value.
        mutating func finish() -> [UInt8] {
            let entries = body.finish()
            var w = BinaryWriter(capacity: entries.count + 24)
            w.u8(ValidateLedgerEntries.compactLayout)
            w.code(operation)
            w.varint(UInt64(count))
            w.raw(entries)
            return w.finish()
        }
    }

    /// Hands every entry of a value of either layout to `each`, in order.
    static func decode(_ bytes: [UInt8], _ each: (LedgerKey, AWBLedger.Entry) throws -> Void) throws {
        var r = BinaryReader(bytes)
        switch try r.u8() {
        case fixedLayout:
            let count = Int(try r.i32())
            guard count >= 0 else { throw DecodingFailure("negative entry count") }
            for _ in 0..<count {
                let operation = try r.code(), prefix = try r.i32(), serial = try r.i32()
                try each(LedgerKey(operation: operation, awb: AWBKey(prefix: prefix, serial: serial)), try AWBLedger.Entry(from: &r))
            }
        case compactLayout:
            let operation = try r.code()
            let count = try r.varint()
            // Every entry takes at least 13 bytes: a count beyond the value's size is damage.
            guard count <= UInt64(bytes.count) else { throw DecodingFailure("\(count) ledger entries in \(bytes.count) bytes") }
            var prefix: Int64 = 0, serial: Int64 = 0, agent: Int64 = 0, issue: Int64 = 0, ordinal: Int64 = 0, sequence: Int64 = 0
            for _ in 0..<count {
                let entryPrefix = try BinaryReader.narrow(try r.delta(from: &prefix), "airline prefix"), entrySerial = try BinaryReader.narrow(try r.delta(from: &serial), "AWB serial")
                let firstAgent = try r.delta(from: &agent)
                let issueDate = try BinaryReader.checkedDate(try BinaryReader.narrow(try r.delta(from: &issue), "issue date"))
                let lastOrdinal = try r.delta(from: &ordinal), lastSequence = try BinaryReader.narrow(try r.delta(from: &sequence), "sequence")
                let entry = AWBLedger.Entry(firstAgent: firstAgent, weightCharge: try r.zigzag(), valuationCharge: try r.zigzag(),
                                            otherChargesDueCarrier: try r.zigzag(), commission: try r.zigzag(), incentive: try r.zigzag(),
                                            netDue: try r.zigzag(), issueDate: issueDate, lastOrdinal: lastOrdinal, lastSequence: lastSequence)
                try each(LedgerKey(operation: operation, awb: AWBKey(prefix: entryPrefix, serial: entrySerial)), entry)
            }
        case 1:
            throw DecodingFailure("ledger entries written before AWBs were keyed by operation (layout 1); settle that run again in a fresh namespace")
        case let layout:
            throw DecodingFailure("ledger entries of layout \(layout); this build reads 2 and 3")
        }
        guard r.isAtEnd else { throw DecodingFailure("\(bytes.count - r.position) bytes after the last entry") }
    }
}
