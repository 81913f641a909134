import CASSDomain
import CASSEngine

/// The value of a settle stage `in/<offset>` state entry: the lines of one
/// cass.billed record. Journalling the record's own bytes (132 fixed bytes
/// a line) made these entries the largest part of cass.state, and every
/// byte is copied, checksummed and synced; this layout keeps what restore
/// needs in about a third of that. Entries written by older builds (the
/// record's bytes, a `.lines` message) are still read: a data folder
/// outlives an upgrade.
///
/// Layout (docs/state.md): the tag byte, the version byte, the line count
/// (varint), then per line a flags byte (1: file name follows, 2: operation
/// follows, each a varint length and UTF-8), the transaction byte, then
/// varints: period, agent, airline, serial, file ordinal, sequence and issue
/// date as zigzag differences to the previous line (lines of a record share
/// most of them), the tax date as a zigzag difference to the issue date,
/// the seven amounts zigzag, the tax rule mask; and the origin, destination
/// and reason codes (a length byte up to 8 and that many bytes; 0xFF, a
/// length byte and the packed 8 bytes for a code that is not ASCII-packed
/// in its length, so every value reads back as it was).
enum SettleInputLines {
    /// Not a message kind: an older entry starts with `MessageKind.lines`.
    static let tag: UInt8 = 0xC5
    static let version: UInt8 = 1
    static let rawCode: UInt8 = 0xFF

    static func encode(_ lines: [BilledLine]) -> [UInt8] {
        var w = BinaryWriter(capacity: 16 + lines.count * 64)
        w.u8(tag); w.u8(version)
        w.varint(UInt64(lines.count))
        var lastFile = "", lastCountry = ""
        var period: Int64 = 0, agent: Int64 = 0, airline: Int64 = 0, serial: Int64 = 0
        var ordinal: Int64 = 0, sequence: Int64 = 0, issue: Int64 = 0
        func delta(_ previous: inout Int64, _ value: Int64) {
            // Wrapping: the difference of any two values round-trips exactly.
            w.zigzag(value &- previous)
            previous = value
        }
        for l in lines {
            var flags: UInt8 = 0
            if l.fileName != lastFile { flags |= 1 }
            if l.country != lastCountry { flags |= 2 }
            w.u8(flags)
            if flags & 1 != 0 { w.varString(l.fileName); lastFile = l.fileName }
            if flags & 2 != 0 { w.varString(l.country); lastCountry = l.country }
            w.u8(LineTransactionByte.encode(l.transaction, l.chargesIndicator))
            delta(&period, Int64(l.period.yyyymmnn)); delta(&agent, l.agentCode); delta(&airline, Int64(l.airlinePrefix))
            delta(&serial, Int64(l.awbSerial)); delta(&ordinal, l.fileOrdinal); delta(&sequence, Int64(l.sequence))
            let issueDate = Int64(l.issueDate.yyyymmdd)
            delta(&issue, issueDate)
            w.zigzag(Int64(l.taxDate.yyyymmdd) &- issueDate)
            w.zigzag(l.chargeableWeightTenthsKg); w.zigzag(l.weightCharge); w.zigzag(l.valuationCharge)
            w.zigzag(l.otherChargesDueCarrier); w.zigzag(l.commission); w.zigzag(l.incentive); w.zigzag(l.amount)
            w.varint(l.taxRuleMask)
            code(l.origin, &w); code(l.destination, &w); code(l.reasonCode, &w)
        }
        return w.finish()
    }

    static func code(_ value: ASCIICode, _ w: inout BinaryWriter) {
        let length = value.length
        guard length <= 8, length == 8 || value.packed >> (8 * UInt64(length)) == 0 else {
            w.u8(rawCode); w.u8(length); w.u64(value.packed)
            return
        }
        w.u8(length)
        var shift = 8 * Int(length)
        while shift > 0 {
            shift -= 8
            w.u8(UInt8(truncatingIfNeeded: value.packed >> UInt64(shift)))
        }
    }

    static func code(_ r: inout BinaryReader) throws(DecodingFailure) -> ASCIICode {
        let first = try r.u8()
        if first == rawCode {
            let length = try r.u8()
            return try BinaryReader.checked(ASCIICode(rawPacked: try r.u64(), length: length))
        }
        guard first <= 8 else { throw DecodingFailure("code length \(first) over 8") }
        var packed: UInt64 = 0
        for _ in 0..<first { packed = packed << 8 | UInt64(try r.u8()) }
        return ASCIICode(rawPacked: packed, length: first)
    }

    /// The lines of an entry in either layout.
    static func decode(_ bytes: [UInt8]) throws -> [BilledLine] {
        guard bytes.first == tag else {
            guard case .lines(let batch) = try StageMessage.decode(bytes) else {
                throw DecodingFailure("an input record's lines entry holds another kind of message")
            }
            return batch.lines
        }
        var r = BinaryReader(bytes)
        _ = try r.u8()
        let found = try r.u8()
        guard found == version else { throw DecodingFailure("input lines entry of version \(found); this build reads \(version)") }
        let count = try r.varint()
        // Every line takes bytes: a count beyond the entry's size is damage, not a reason to reserve memory.
        guard count <= UInt64(bytes.count) else { throw DecodingFailure("\(count) lines in \(bytes.count) bytes") }
        var lines: [BilledLine] = []
        lines.reserveCapacity(Int(count))
        var file = "", country = ""
        var period: Int64 = 0, agent: Int64 = 0, airline: Int64 = 0, serial: Int64 = 0
        var ordinal: Int64 = 0, sequence: Int64 = 0, issue: Int64 = 0
        for _ in 0..<count {
            let flags = try r.u8()
            if flags & 1 != 0 { file = try r.varString() }
            if flags & 2 != 0 { country = try r.varString() }
            let (transaction, indicator) = try LineTransactionByte.decode(try r.u8())
            let linePeriod = try BinaryReader.checkedPeriod(try BinaryReader.narrow(try r.delta(from: &period), "period"))
            let lineAgent = try r.delta(from: &agent)
            let lineAirline = try BinaryReader.narrow(try r.delta(from: &airline), "airline")
            let lineSerial = try BinaryReader.narrow(try r.delta(from: &serial), "serial")
            let lineOrdinal = try r.delta(from: &ordinal)
            let lineSequence = try BinaryReader.narrow(try r.delta(from: &sequence), "sequence")
            let issueRaw = try r.delta(from: &issue)
            let issueDate = try BinaryReader.checkedDate(try BinaryReader.narrow(issueRaw, "issue date"))
            let taxDate = try BinaryReader.checkedDate(try BinaryReader.narrow(issueRaw &+ (try r.zigzag()), "tax date"))
            let weight = try r.zigzag(), wc = try r.zigzag(), vc = try r.zigzag(), ocdc = try r.zigzag()
            let commission = try r.zigzag(), incentive = try r.zigzag(), amount = try r.zigzag()
            let mask = try r.varint()
            let origin = try code(&r), destination = try code(&r), reason = try code(&r)
            lines.append(BilledLine(
                country: country, period: linePeriod, agentCode: lineAgent, airlinePrefix: lineAirline, awbSerial: lineSerial,
                transaction: transaction, fileName: file, fileOrdinal: lineOrdinal, sequence: lineSequence, issueDate: issueDate,
                taxDate: taxDate, origin: origin, destination: destination, chargeableWeightTenthsKg: weight, weightCharge: wc,
                valuationCharge: vc, otherChargesDueCarrier: ocdc, commission: commission, incentive: incentive, amount: amount,
                reasonCode: reason, taxRuleMask: mask, chargesIndicator: indicator))
        }
        guard r.isAtEnd else { throw DecodingFailure("bytes after the last input line") }
        return lines
    }
}

extension BinaryWriter {
    /// LEB128: seven bits a byte, low first.
    mutating func varint(_ value: UInt64) {
        reserve(10)
        var rest = value
        let start = count
        var at = start
        storage.withUnsafeMutableBufferPointer { buffer in
            while rest >= 0x80 {
                buffer[at] = UInt8(truncatingIfNeeded: rest) | 0x80
                rest >>= 7
                at += 1
            }
            buffer[at] = UInt8(truncatingIfNeeded: rest)
            at += 1
        }
        count = at
    }

    /// Small magnitudes of either sign in few bytes (every Int64, Int64.min included).
    mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value &<< 1) ^ (value >> 63)))
    }

    mutating func varString(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            raw(UnsafeRawBufferPointer(utf8))
        }
    }
}

extension BinaryReader {
    mutating func varint() throws(DecodingFailure) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try u8()
            // The tenth byte holds the top bit only: anything more is damage.
            guard shift < 63 || byte <= 1 else { throw DecodingFailure("varint over 64 bits") }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    mutating func zigzag() throws(DecodingFailure) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// The next value of a column written as differences to the value
    /// before it (`previous`, updated): the compact state layouts' columns.
    mutating func delta(from previous: inout Int64) throws(DecodingFailure) -> Int64 {
        previous = previous &+ (try zigzag())
        return previous
    }

    /// A decoded column value that must fit 32 bits, named in the error.
    static func narrow(_ value: Int64, _ what: String) throws(DecodingFailure) -> Int32 {
        guard let narrow = Int32(exactly: value) else { throw DecodingFailure("\(what) \(value) out of range") }
        return narrow
    }

    mutating func varString() throws(DecodingFailure) -> String {
        let length = try varint()
        guard length <= UInt64(Int32.max) else { throw DecodingFailure("string of \(length) bytes") }
        let count = Int(length)
        try need(count)
        defer { position += count }
        return String(decoding: bytes[position..<(position + count)], as: UTF8.self)
    }
}
