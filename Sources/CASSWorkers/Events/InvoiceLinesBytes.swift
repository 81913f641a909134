import CASSDomain
import CASSLog

extension PublishStage: RawStageLogic {
    /// `issuedLines` messages (nearly all of the stage's input bytes after
    /// a close) go from their bytes to the event's bytes without decoding
    /// the lines into strings and building the JSON key by key: the same
    /// bytes (tested against `events(for:)`), a fraction of the work. What
    /// the byte path does not take (a text to escape, a message it cannot
    /// read, an event over the size limit) is decoded as usual, which
    /// gives the same event or the same error.
    public func handleRaw(_ record: LogRecord, output: inout StageOutput) throws -> Bool {
        guard let event = InvoiceLinesBytes.event(record.value) else { return false }
        output.emit(Self.events, routedBy: event.key, key: event.key, bytes: event.bytes, headers: Self.contentType)
        return true
    }
}

/// The `invoice.lines` event of an encoded `issuedLines` message, written
/// straight from the message's bytes: what `PublicEvents.invoiceLines`
/// and `PublicEvent.envelopeBytes` write for the decoded message. Nil for
/// anything it leaves to that path: another message, a message that does
/// not read, a text that is not printable ASCII without quotes or
/// backslashes (the only texts copied as they are), an event over
/// `PublicEvent.bytesMax`.
enum InvoiceLinesBytes {
    /// The envelope up to the invoice number of the id.
    static let head = Array(("{\"specversion\":\"" + PublicEvent.specVersion + "\",\"id\":\"" + PublicEventType.invoiceLines.rawValue + ":").utf8)
    static let source = Array("\",\"source\":\"urn:opencass:operation:".utf8)
    static let type = Array(("\",\"type\":\"" + PublicEventType.invoiceLines.cloudEventType + "\",\"subject\":\"").utf8)
    static let time = Array("\",\"time\":\"".utf8)
    static let afterTime = Array(("T00:00:00Z\",\"datacontenttype\":\"application/json\",\"dataschema\":\""
        + PublicEventType.invoiceLines.dataSchema + "\",\"data\":{\"number\":\"").utf8)

    static func event(_ message: [UInt8]) -> (key: String, bytes: [UInt8])? {
        guard message.count >= 2, message[0] == MessageKind.issuedLines.rawValue, (1...StageMessage.version).contains(message[1]) else { return nil }
        return message.withUnsafeBytes { event(in: $0) }
    }

    private static func event(in message: UnsafeRawBufferPointer) -> (key: String, bytes: [UInt8])? {
        var r = RawReader(message, at: 2)
        guard let country = r.plainText(), let dateValue = r.i32(), let date = CivilDate(yyyymmdd: Int(dateValue)),
              (0...9999).contains(date.year), let number = r.plainText(),
              let index = r.i64(), index < Int64.max, let parts = r.i64(), let airline = r.i32(),
              let lineCount = r.count(atLeast: 86), lineCount <= LinePart.linesMax else { return nil }
        let airlineText = Array(PublicEvents.airlineText(airline).utf8)
        guard RawReader.isPlain(airlineText) else { return nil }

        var out = ByteSink(capacity: 1024 + lineCount * 420)
        out.write(upTo: 640 + 3 * number.count + country.count) { w in
            w.bytes(head); w.bytes(number); w.byte(UInt8(ascii: ":")); w.decimal(index + 1)
            w.bytes(source); w.bytes(country)
            w.bytes(type); w.bytes(number)
            w.bytes(time); w.date(date)
            w.bytes(afterTime); w.bytes(number)
            w.literal("\",\"part\":"); w.decimal(index + 1)
            w.literal(",\"parts\":"); w.decimal(parts)
            w.literal(",\"lines\":[")
        }
        var file = UnsafeRawBufferPointer(start: nil, count: 0)
        for line in 0..<lineCount {
            guard let fileFlag = r.u8() else { return nil }
            if fileFlag != 0 {
                guard let name = r.plainText() else { return nil }
                file = name
            }
            guard let awb = r.plainText(), r.i32() != nil, let transactionByte = r.u8(),
                  let decoded = try? LineTransactionByte.decode(transactionByte),
                  let issueValue = r.i32(), let issueDate = CivilDate(yyyymmdd: Int(issueValue)), (0...9999).contains(issueDate.year),
                  let origin = r.plainText(), let destination = r.plainText(),
                  let weight = r.i64(), let weightCharge = r.i64(), let valuation = r.i64(), let otherCharges = r.i64(),
                  let commission = r.i64(), let incentive = r.i64(), let amount = r.i64(),
                  let reason = r.plainText(), let sequence = r.i32() else { return nil }
            let (transaction, known) = decoded
            // As `PublicEvents.chargesIndicator`: lines kept before the
            // indicator was have it inferred from their amounts.
            let collect: Bool
            if let known {
                collect = known == .collect
            } else {
                let charges = weightCharge &+ valuation &+ otherCharges
                collect = charges != 0 && amount == 0 &- commission &- incentive
            }
            let texts = awb.count + origin.count + destination.count + reason.count + file.count
            out.write(upTo: 600 + texts + airlineText.count) { w in
                if line > 0 { w.byte(UInt8(ascii: ",")) }
                w.literal("{\"airline\":\""); w.bytes(airlineText)
                w.literal("\",\"awb\":\""); w.bytes(awb)
                w.literal("\",\"transaction\":\""); w.bytes(transaction.code)
                w.literal("\",\"issueDate\":\""); w.date(issueDate)
                w.literal("\",\"origin\":\""); w.bytes(origin)
                w.literal("\",\"destination\":\""); w.bytes(destination)
                w.literal(collect ? "\",\"chargesIndicator\":\"C\",\"chargeableWeightTenthsKg\":" : "\",\"chargesIndicator\":\"P\",\"chargeableWeightTenthsKg\":")
                w.decimal(weight)
                w.literal(",\"weightChargeMinor\":"); w.decimal(weightCharge)
                w.literal(",\"valuationChargeMinor\":"); w.decimal(valuation)
                w.literal(",\"otherChargesDueCarrierMinor\":"); w.decimal(otherCharges)
                w.literal(",\"commissionMinor\":"); w.decimal(commission)
                w.literal(",\"incentiveMinor\":"); w.decimal(incentive)
                w.literal(",\"amountMinor\":"); w.decimal(amount)
                w.literal(",\"reasonCode\":\""); w.bytes(reason)
                w.literal("\",\"file\":\""); w.bytes(file)
                w.literal("\",\"sequence\":"); w.decimal(Int64(sequence))
                w.byte(UInt8(ascii: "}"))
            }
        }
        out.write(upTo: 3) { w in w.literal("]}}") }
        let bytes = out.finish()
        guard bytes.count <= PublicEvent.bytesMax else { return nil }
        return (String(decoding: number, as: UTF8.self), bytes)
    }
}

/// Reads a message's fields in place; nil where `BinaryReader` would throw.
private struct RawReader {
    let bytes: UnsafeRawBufferPointer
    var position: Int

    init(_ bytes: UnsafeRawBufferPointer, at position: Int) {
        self.bytes = bytes
        self.position = position
    }

    @inline(__always) mutating func load<T: FixedWidthInteger>(_: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard position + size <= bytes.count else { return nil }
        defer { position += size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    @inline(__always) mutating func u8() -> UInt8? { load(UInt8.self) }
    @inline(__always) mutating func i32() -> Int32? { load(Int32.self) }
    @inline(__always) mutating func i64() -> Int64? { load(Int64.self) }

    /// As `BinaryReader.count(atLeast:)`.
    mutating func count(atLeast bytesPerItem: Int) -> Int? {
        guard let value = i32().map(Int.init), value >= 0, value <= (bytes.count - position) / bytesPerItem else { return nil }
        return value
    }

    /// A length-prefixed text whose bytes JSON takes as they are.
    @inline(__always) mutating func plainText() -> UnsafeRawBufferPointer? {
        guard let length = i32().map(Int.init), length >= 0, position + length <= bytes.count else { return nil }
        let text = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + length)])
        position += length
        return Self.isPlain(text) ? text : nil
    }

    /// What `JSONBytes.quote` copies without escaping.
    @inline(__always) static func isPlain<C: Collection>(_ text: C) -> Bool where C.Element == UInt8 {
        text.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }
}

/// A growing byte buffer written through a pointer: each piece is bounded
/// up front, so the pieces of one line cost one capacity check.
private struct ByteSink {
    var storage: [UInt8]
    var count = 0

    init(capacity: Int) { storage = [UInt8](repeating: 0, count: capacity) }

    mutating func write(upTo bound: Int, _ body: (inout ByteCursor) -> Void) {
        if count + bound > storage.count {
            storage.append(contentsOf: repeatElement(0, count: max(storage.count, bound)))
        }
        let start = count
        count = storage.withUnsafeMutableBufferPointer { buffer -> Int in
            // The buffer is never empty here (capacity at least `bound` > 0).
            var cursor = ByteCursor(base: buffer.baseAddress.unsafelyUnwrapped, at: start)
            body(&cursor)
            precondition(cursor.at - start <= bound, "a piece of the event wrote past its bound")
            return cursor.at
        }
    }

    mutating func finish() -> [UInt8] {
        storage.removeLast(storage.count - count)
        return storage
    }
}

private struct ByteCursor {
    let base: UnsafeMutablePointer<UInt8>
    var at: Int

    @inline(__always) mutating func byte(_ value: UInt8) {
        base[at] = value
        at += 1
    }

    @inline(__always) mutating func bytes(_ source: UnsafeRawBufferPointer) {
        guard let from = source.baseAddress, source.count > 0 else { return }
        UnsafeMutableRawPointer(base + at).copyMemory(from: from, byteCount: source.count)
        at += source.count
    }

    @inline(__always) mutating func bytes(_ source: [UInt8]) {
        source.withUnsafeBytes { bytes($0) }
    }

    @inline(__always) mutating func bytes(_ source: String) {
        var source = source
        source.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always) mutating func literal(_ text: StaticString) {
        bytes(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// As `JSONBytes.decimal`.
    @inline(__always) mutating func decimal(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits = 1
        var scale: UInt64 = 10
        while digits < 20, magnitude >= scale {
            digits += 1
            scale = digits == 20 ? 0 : scale &* 10
        }
        var end = at + digits
        at = end
        repeat {
            end -= 1
            base[end] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
    }

    /// `CivilDate.description` of a date in years 0 to 9999: `YYYY-MM-DD`.
    @inline(__always) mutating func date(_ date: CivilDate) {
        func two(_ value: Int) {
            base[at] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / 10)
            base[at + 1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
            at += 2
        }
        two(date.year / 100); two(date.year % 100)
        byte(UInt8(ascii: "-")); two(date.month)
        byte(UInt8(ascii: "-")); two(date.day)
    }
}
