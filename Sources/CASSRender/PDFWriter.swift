/// The PDF file structure: numbered objects, streams, the cross-reference
/// table and the trailer (PDF 1.7, ISO 32000-1, section 7). Knows nothing
/// about pages or fonts.
struct PDFWriter {
    private var objects: [[UInt8]] = []

    /// Reserves an object number to fill in later (for forward references).
    mutating func reserve() -> Int {
        objects.append([])
        return objects.count
    }

    mutating func set(_ id: Int, _ body: String) { objects[id - 1] = Array(body.utf8) }

    mutating func add(_ body: String) -> Int {
        objects.append(Array(body.utf8))
        return objects.count
    }

    /// A stream; `compress` applies FlateDecode (our own deflate), `extra`
    /// goes into the stream dictionary.
    mutating func addStream(_ data: [UInt8], extra: String = "", compress: Bool = true) -> Int {
        objects.append(Self.streamObject(data, extra: extra, compress: compress))
        return objects.count
    }

    /// A piece of an object body: bytes made beforehand, a literal, or an
    /// object number (in decimal, as interpolation writes it).
    enum Piece {
        case bytes([UInt8])
        case text(StaticString)
        case number(Int)
    }

    /// An object whose body is `pieces` one after the other: the same
    /// bytes as interpolating them into a String, without the String.
    mutating func add(_ pieces: Piece...) -> Int {
        var body: [UInt8] = []
        body.reserveCapacity(pieces.reduce(0) { total, piece in
            switch piece {
            case .bytes(let bytes): total + bytes.count
            case .text(let text): total + text.utf8CodeUnitCount
            case .number: total + 20
            }
        })
        for piece in pieces {
            switch piece {
            case .bytes(let bytes): body.append(contentsOf: bytes)
            case .text(let text): body.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
            case .number(let value):
                if value < 0 { body.append(UInt8(ascii: "-")) }
                Self.appendDigits(value.magnitude, to: &body)
            }
        }
        objects.append(body)
        return objects.count
    }

    /// An object body made beforehand (a prepared font file stream).
    mutating func add(bytes body: [UInt8]) -> Int {
        objects.append(body)
        return objects.count
    }

    /// The body of a stream object: dictionary, then the (deflated) data.
    static func streamObject(_ data: [UInt8], extra: String = "", compress: Bool = true) -> [UInt8] {
        let payload = compress ? Deflate.zlib(data) : data
        var body = Array("<< /Length \(payload.count)\(compress ? " /Filter /FlateDecode" : "")\(extra.isEmpty ? "" : " " + extra) >>\nstream\n".utf8)
        body.reserveCapacity(body.count + payload.count + 10)
        body.append(contentsOf: payload)
        body.append(contentsOf: "\nendstream".utf8)
        return body
    }

    func finish(root: Int, info: Int) -> [UInt8] {
        var out: [UInt8] = Array("%PDF-1.7\n%".utf8) + [0xE2, 0xE3, 0xCF, 0xD3, 0x0A]
        out.reserveCapacity(objects.reduce(64 + 20 * objects.count) { $0 + $1.count + 24 } + 128)
        var offsets: [Int] = []
        for (index, body) in objects.enumerated() {
            offsets.append(out.count)
            out.append(contentsOf: String(index + 1).utf8)
            out.append(contentsOf: " 0 obj\n".utf8)
            out.append(contentsOf: body)
            out.append(contentsOf: "\nendobj\n".utf8)
        }
        let xref = out.count
        out.append(contentsOf: "xref\n0 ".utf8)
        Self.appendDigits(UInt(objects.count + 1), to: &out)
        out.append(contentsOf: "\n0000000000 65535 f \n".utf8)
        // Each entry is 20 bytes: the offset in ten digits, zero-padded.
        for offset in offsets {
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (48, 48, 48, 48, 48, 48, 48, 48, 48, 48)
            var rest = offset
            withUnsafeMutableBytes(of: &digits) { ten in
                var at = 9
                while rest > 0 && at >= 0 {
                    ten[at] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                    at -= 1
                }
                out.append(contentsOf: ten)
            }
            out.append(contentsOf: " 00000 n \n".utf8)
        }
        out.append(contentsOf: "trailer\n<< /Size ".utf8)
        Self.appendDigits(UInt(objects.count + 1), to: &out)
        out.append(contentsOf: " /Root ".utf8)
        Self.appendDigits(UInt(root), to: &out)
        out.append(contentsOf: " 0 R /Info ".utf8)
        Self.appendDigits(UInt(info), to: &out)
        out.append(contentsOf: " 0 R >>\nstartxref\n".utf8)
        Self.appendDigits(UInt(xref), to: &out)
        out.append(contentsOf: "\n%%EOF\n".utf8)
        return out
    }

    /// A text string for the document information dictionary: UTF-16BE with BOM, in hex.
    static func textString(_ text: String) -> String {
        String(decoding: textStringBytes(text), as: UTF8.self)
    }

    /// `textString` as bytes (a String per unit, through `hex4`, cost
    /// about 1,500 instructions per character of every PDF's title).
    static func textStringBytes(_ text: String) -> [UInt8] {
        var hex: [UInt8] = []
        hex.reserveCapacity(7 + 4 * text.utf8.count)
        hex.append(contentsOf: "<FEFF".utf8)
        for unit in text.utf16 { append(hex4: unit, to: &hex) }
        hex.append(UInt8(ascii: ">"))
        return hex
    }

    static func hex4(_ value: UInt16) -> String {
        let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]
        return String([digits[Int(value >> 12)], digits[Int((value >> 8) & 0xF)], digits[Int((value >> 4) & 0xF)], digits[Int(value & 0xF)]])
    }

    /// `number(_:)` appended as bytes: content streams write thousands.
    static func append(number value: Double, to out: inout [UInt8]) {
        let hundredths = Int((value * 100).rounded())
        if hundredths < 0 { out.append(UInt8(ascii: "-")) }
        let magnitude = hundredths.magnitude
        appendDigits(magnitude / 100, to: &out)
        let fraction = magnitude % 100
        if fraction != 0 {
            out.append(UInt8(ascii: "."))
            out.append(UInt8(ascii: "0") + UInt8(fraction / 10))
            out.append(UInt8(ascii: "0") + UInt8(fraction % 10))
        }
    }

    static func appendDigits(_ value: UInt, to out: inout [UInt8]) {
        if value >= 10 { appendDigits(value / 10, to: &out) }
        out.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    static func append(hex4 value: UInt16, to out: inout [UInt8]) {
        for shift in stride(from: 12, through: 0, by: -4) {
            let nibble = UInt8((value >> UInt16(shift)) & 0xF)
            out.append(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10)
        }
    }

    /// Upper-case hex digits by value.
    static let hexDigits: StaticString = "0123456789ABCDEF"

    /// A coordinate with at most two decimals, no exponent (what PDF accepts).
    static func number(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = abs(hundredths)
        let fraction = magnitude % 100
        if fraction == 0 { return sign + String(magnitude / 100) }
        return sign + String(magnitude / 100) + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }
}
