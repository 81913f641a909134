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
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            let digits = String(offset)
            table += String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
        }
        table += "trailer\n<< /Size \(objects.count + 1) /Root \(root) 0 R /Info \(info) 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        out.append(contentsOf: Array(table.utf8))
        return out
    }

    /// A text string for the document information dictionary: UTF-16BE with BOM, in hex.
    static func textString(_ text: String) -> String {
        var hex = "<FEFF"
        for unit in text.utf16 { hex += hex4(unit) }
        return hex + ">"
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
