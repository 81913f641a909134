import CASSDomain
import CASSEngine
import CASSLog

/// A line part held as its encoded bytes (`BinaryWriter.linePart`), with
/// the few fields the number stage reads of it. The stage passes a part
/// on three times (cass.invoices, cass.events, its state): decoding it
/// and encoding it again each time was most of the stage's work, and
/// copying the bytes writes the same thing.
struct EncodedLinePart {
    var index: Int
    var airlinePrefix: Int32
    var lineCount: Int
    /// Exactly the part's encoding (a slice of the record it came in).
    var bytes: ArraySlice<UInt8>

    init(_ part: LinePart) {
        var w = BinaryWriter(capacity: 64 + part.lines.count * 120)
        w.linePart(part)
        index = part.index
        airlinePrefix = part.airlinePrefix
        lineCount = part.lines.count
        bytes = ArraySlice(w.finish())
    }

    private init(index: Int, airlinePrefix: Int32, lineCount: Int, bytes: ArraySlice<UInt8>) {
        self.index = index
        self.airlinePrefix = airlinePrefix
        self.lineCount = lineCount
        self.bytes = bytes
    }

    /// The part encoded at `start` of `message` when decoding it and
    /// encoding it again would write the very same bytes; nil for anything
    /// else (damaged, non-ASCII text, a file name repeated where the writer
    /// would not repeat it): the caller then decodes, as before, which also
    /// rejects what is damaged.
    static func canonical(in message: [UInt8], at start: Int) -> EncodedLinePart? {
        var r = BinaryReader(message)
        r.position = start
        do {
            let index = Int(try r.i64())
            _ = try r.i64()
            let airline = try r.i32()
            let lineCount = try r.count(atLeast: 86)
            // The previous line's file name (the writer repeats a name only
            // when it changes, starting from "").
            var lastFile = 0..<0
            for _ in 0..<lineCount {
                switch try r.u8() {
                case 0: break
                case 1:
                    let file = try r.asciiRange()
                    guard !message[file].elementsEqual(message[lastFile]) else { return nil }
                    lastFile = file
                default: return nil
                }
                _ = try r.asciiRange()
                _ = try r.i32()
                _ = try LineTransactionByte.decode(try r.u8())
                _ = try r.date()
                _ = try r.asciiRange()
                _ = try r.asciiRange()
                try r.need(7 * 8)
                r.position += 7 * 8
                _ = try r.asciiRange()
                _ = try r.i32()
            }
            return EncodedLinePart(index: index, airlinePrefix: airline, lineCount: lineCount, bytes: message[start..<r.position])
        } catch {
            return nil
        }
    }

    /// A kept part (state value: the binary marker, then the part).
    func stateValue() -> [UInt8] {
        var w = BinaryWriter(capacity: 1 + bytes.count)
        w.u8(StateValue.binaryMarker)
        w.raw(bytes)
        return w.finish()
    }

    /// `StageMessage.invoiceLines(number:part:).encoded()`.
    func invoiceLinesMessage(number: String) -> [UInt8] {
        var w = BinaryWriter(capacity: 6 + number.utf8.count + bytes.count)
        w.u8(MessageKind.invoiceLines.rawValue)
        w.u8(StageMessage.version)
        w.string(number)
        w.raw(bytes)
        return w.finish()
    }

    /// `StageMessage.issuedLines(country:invoiceDate:number:part:).encoded()`.
    func issuedLinesMessage(country: String, invoiceDate: CivilDate, number: String) -> [UInt8] {
        var w = BinaryWriter(capacity: 14 + country.utf8.count + number.utf8.count + bytes.count)
        w.u8(MessageKind.issuedLines.rawValue)
        w.u8(StageMessage.version)
        w.string(country)
        w.date(invoiceDate)
        w.string(number)
        w.raw(bytes)
        return w.finish()
    }

    /// A kept part read back: the bytes themselves when they are canonical,
    /// else decoded (JSON of older folders, non-ASCII text) and encoded.
    static func restored(_ value: [UInt8]) throws -> EncodedLinePart {
        if value.first == StateValue.binaryMarker, let part = canonical(in: value, at: 1), part.bytes.endIndex == value.count { return part }
        return EncodedLinePart(try StateValue.linePart(value))
    }
}

extension BinaryWriter {
    mutating func raw(_ source: ArraySlice<UInt8>) {
        source.withUnsafeBytes { raw($0) }
    }
}

extension BinaryReader {
    /// Where a length-prefixed string lies, if all of it is ASCII (which
    /// decodes to a String and encodes back byte for byte).
    mutating func asciiRange() throws(DecodingFailure) -> Range<Int> {
        let count = Int(try i32())
        try need(count)
        let range = position..<(position + count)
        position += count
        let ascii = bytes.withUnsafeBufferPointer { buffer in
            var all: UInt8 = 0
            for index in range { all |= buffer[index] }
            return all < 0x80
        }
        guard ascii else { throw DecodingFailure("not ASCII") }
        return range
    }
}
