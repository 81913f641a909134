import CASSDomain
import Foundation

/// The bytes of an accounts record on the accounts topic.
///
/// `invoice.issued` records are binary (layout below): there is one per
/// issued invoice with an entry per AWB, written by the service after
/// every close and read back by every view, and as JSON they cost more
/// CPU to encode and decode than the stages spent settling the lines
/// (about a quarter of the service's CPU time from upload to close in a
/// profile at 100,000 AWBs) and four times the bytes on the log. The
/// other records are few (one per request or scheduled action) and stay
/// JSON, readable as docs/accounts.md shows them.
///
/// Decoding takes both: a value whose first byte is `binaryMark` is
/// binary, anything else JSON (which starts with `{`), so records written
/// before the binary layout existed are read as they are.
///
/// Binary layout 1, little-endian (`s`: u16 byte count, then UTF-8):
///
///     u8  0x01 (binaryMark)   u8 1 (invoice.issued)
///     s number, s country, u32 period YYYYMMNN, s currency, i64 agent,
///     u32 invoiceDate YYYYMMDD, u32 remittanceDate YYYYMMDD, i64 totalMinor,
///     u8 periodsPerMonth, i32 disputeDays, u32 AWB count, then per AWB:
///     u16 airline, i32 serial, i64 amountMinor, u32 issueDate YYYYMMDD,
///     s origin, s destination
///
/// Every field is checked as the JSON decoding checks it (real dates and
/// periods, 11-digit agent codes, 3-digit airline prefixes, UTF-8 text),
/// and the bytes must end where the layout ends.
public enum AccountsRecordCoding {
    /// The first byte of a binary record: never the first byte of JSON.
    public static let binaryMark: UInt8 = 0x01
    static let invoiceIssuedType: UInt8 = 1
    /// A text field's limit (its length is a u16).
    public static let textBytesMax = Int(UInt16.max)
    /// AWBs per invoice record (its count is a u32; a record is also bound
    /// by the log's record size, 16 MiB on the file log: about 600,000 AWBs).
    public static let awbsMax = Int(UInt32.max)

    static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The record's bytes: binary for `invoice.issued`, JSON (sorted keys)
    /// for the others.
    public static func encode(_ record: AccountsRecord) throws -> [UInt8] {
        guard case .invoiceIssued(let invoice) = record else { return Array(try jsonEncoder.encode(record)) }
        return try encodeBinary(invoice)
    }

    /// The record's bytes, once they are known to decode to the same record.
    /// The accounts view stops the service on a record it cannot read (its
    /// state would be wrong), and replays it at every start: a value that
    /// encodes but does not read back (a period of the year 17 written as
    /// six digits once did) must fail its request, not reach the log.
    public static func encodeReadingBack(_ record: AccountsRecord) throws -> [UInt8] {
        let bytes = try encode(record)
        let back: AccountsRecord
        do {
            back = try decode(bytes)
        } catch {
            throw AccountsRecordCodingError("a \(record.type) record would not read back (\(error)); not written")
        }
        guard back == record else { throw AccountsRecordCodingError("a \(record.type) record would read back changed; not written") }
        return bytes
    }

    /// The record in `bytes`, binary or JSON. Throws `AccountsRecordCodingError`
    /// (binary) or a `DecodingError` (JSON) naming what is wrong.
    public static func decode(_ bytes: [UInt8]) throws -> AccountsRecord {
        guard bytes.first == binaryMark else { return try JSONDecoder().decode(AccountsRecord.self, from: Data(bytes)) }
        return try bytes.withUnsafeBytes { raw in
            var reader = Reader(raw)
            _ = try reader.u8()
            let type = try reader.u8()
            guard type == invoiceIssuedType else { throw AccountsRecordCodingError("unknown binary record type \(type)") }
            let invoice = try decodeInvoice(&reader)
            guard reader.position == raw.count else {
                throw AccountsRecordCodingError("\(raw.count - reader.position) bytes after the invoice record's end")
            }
            return .invoiceIssued(invoice)
        }
    }

    static func encodeBinary(_ invoice: IssuedInvoice) throws -> [UInt8] {
        guard invoice.awbs.count <= awbsMax else { throw AccountsRecordCodingError("\(invoice.awbs.count) AWBs, more than \(awbsMax)") }
        var writer = Writer(capacity: 64 + invoice.number.utf8.count + invoice.awbs.count * 28)
        writer.u8(binaryMark)
        writer.u8(invoiceIssuedType)
        try writer.text(invoice.number)
        try writer.text(invoice.country)
        try writer.u32(invoice.period.yyyymmnn, "period")
        try writer.text(invoice.currency)
        writer.i64(invoice.agent)
        try writer.u32(invoice.invoiceDate.yyyymmdd, "invoice date")
        try writer.u32(invoice.remittanceDate.yyyymmdd, "remittance date")
        writer.i64(invoice.totalMinor)
        guard let periodsPerMonth = UInt8(exactly: invoice.periodsPerMonth) else {
            throw AccountsRecordCodingError("\(invoice.periodsPerMonth) periods a month")
        }
        writer.u8(periodsPerMonth)
        guard let disputeDays = Int32(exactly: invoice.disputeDays) else { throw AccountsRecordCodingError("a dispute window of \(invoice.disputeDays) days") }
        writer.i32(disputeDays)
        writer.bytes.appendLittleEndian(UInt32(invoice.awbs.count))
        for awb in invoice.awbs {
            guard let airline = UInt16(exactly: awb.airline), airline <= 999 else { throw AccountsRecordCodingError("airline prefix \(awb.airline)") }
            writer.bytes.appendLittleEndian(airline)
            writer.i32(awb.serial)
            writer.i64(awb.amountMinor)
            try writer.u32(awb.issueDate.yyyymmdd, "issue date")
            try writer.text(awb.origin)
            try writer.text(awb.destination)
        }
        return writer.bytes
    }

    static func decodeInvoice(_ reader: inout Reader) throws -> IssuedInvoice {
        let number = try reader.text("number")
        let country = try reader.text("country")
        let periodDigits = try reader.u32()
        guard let period = BillingPeriod(yyyymmnn: Int(periodDigits)) else { throw AccountsRecordCodingError("not a YYYYMMNN period: \(periodDigits)") }
        let currency = try reader.text("currency")
        let agent = try reader.i64()
        guard agent >= 0, agent <= 99_999_999_999 else { throw AccountsRecordCodingError("not an 11-digit agent code: \(agent)") }
        let invoiceDate = try reader.date("invoice date")
        let remittanceDate = try reader.date("remittance date")
        let totalMinor = try reader.i64()
        let periodsPerMonth = Int(try reader.u8())
        let disputeDays = Int(try reader.i32())
        let count = Int(try reader.u32())
        // Each AWB takes at least 22 bytes: a count the bytes cannot hold is
        // refused before anything is reserved for it.
        guard count <= reader.remaining / 22 else { throw AccountsRecordCodingError("\(count) AWBs in \(reader.remaining) bytes") }
        var awbs: [InvoiceAWB] = []
        awbs.reserveCapacity(count)
        for _ in 0..<count {
            let airline = try reader.u16()
            guard airline <= 999 else { throw AccountsRecordCodingError("not a 3-digit airline prefix: \(airline)") }
            let serial = try reader.i32()
            let amountMinor = try reader.i64()
            let issueDate = try reader.date("issue date")
            let origin = try reader.text("origin")
            let destination = try reader.text("destination")
            awbs.append(InvoiceAWB(airline: Int32(airline), serial: serial, amountMinor: amountMinor, issueDate: issueDate,
                                   origin: origin, destination: destination))
        }
        return IssuedInvoice(number: number, country: country, period: period, currency: currency, agent: agent, invoiceDate: invoiceDate,
                             remittanceDate: remittanceDate, totalMinor: totalMinor, periodsPerMonth: periodsPerMonth, disputeDays: disputeDays,
                             awbs: awbs)
    }

    struct Writer {
        var bytes: [UInt8] = []

        init(capacity: Int) { bytes.reserveCapacity(capacity) }

        mutating func u8(_ value: UInt8) { bytes.append(value) }
        mutating func i32(_ value: Int32) { bytes.appendLittleEndian(value) }
        mutating func i64(_ value: Int64) { bytes.appendLittleEndian(value) }

        mutating func u32(_ value: Int, _ what: String) throws {
            guard let value = UInt32(exactly: value) else { throw AccountsRecordCodingError("\(what) \(value) does not fit 32 bits") }
            bytes.appendLittleEndian(value)
        }

        mutating func text(_ value: String) throws {
            let count = value.utf8.count
            guard count <= AccountsRecordCoding.textBytesMax else { throw AccountsRecordCodingError("a text of \(count) bytes, more than \(AccountsRecordCoding.textBytesMax)") }
            bytes.appendLittleEndian(UInt16(count))
            bytes.append(contentsOf: value.utf8)
        }
    }

    struct Reader {
        let raw: UnsafeRawBufferPointer
        var position = 0

        init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

        var remaining: Int { raw.count - position }

        private mutating func take<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
            let size = MemoryLayout<T>.size
            guard remaining >= size else { throw AccountsRecordCodingError("the record ends inside a field at byte \(position)") }
            let value = T(littleEndian: raw.loadUnaligned(fromByteOffset: position, as: T.self))
            position += size
            return value
        }

        mutating func u8() throws -> UInt8 { try take(UInt8.self) }
        mutating func u16() throws -> UInt16 { try take(UInt16.self) }
        mutating func u32() throws -> UInt32 { try take(UInt32.self) }
        mutating func i32() throws -> Int32 { try take(Int32.self) }
        mutating func i64() throws -> Int64 { try take(Int64.self) }

        mutating func date(_ what: String) throws -> CivilDate {
            let digits = try u32()
            guard let date = CivilDate(yyyymmdd: Int(digits)) else { throw AccountsRecordCodingError("\(what) \(digits) is not a YYYYMMDD date") }
            return date
        }

        mutating func text(_ what: String) throws -> String {
            let count = Int(try u16())
            guard remaining >= count else { throw AccountsRecordCodingError("the \(what) runs past the record's end") }
            let bytes = UnsafeRawBufferPointer(rebasing: raw[position..<(position + count)]).assumingMemoryBound(to: UInt8.self)
            let text: String
            // ASCII (codes, numbers: two texts per AWB) is UTF-8 as it
            // stands: `String(decoding:)` repairs nothing in it and costs a
            // third of the generic validation (~300 instructions, not ~900).
            if bytes.allSatisfy({ $0 < 0x80 }) {
                text = String(decoding: bytes, as: UTF8.self)
            } else {
                guard let valid = String(validating: bytes, as: UTF8.self) else { throw AccountsRecordCodingError("the \(what) is not UTF-8") }
                text = valid
            }
            position += count
            return text
        }
    }
}

/// A binary accounts record that cannot be read.
public struct AccountsRecordCodingError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension [UInt8] {
    @inline(__always)
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
