import CASSDomain

/// The pieces of JSON text Foundation's `JSONEncoder` writes with
/// `[.sortedKeys, .withoutEscapingSlashes]` that the
/// invoice JSON writer (InvoiceJSONWriter) shares: string literals with
/// their escapes, and the key order (UTF-8 bytes). The generic Encodable
/// encoder that lived here was replaced by that writer.
enum PrettyJSON {
    static func appendString(_ text: String, to out: inout some DecimalSink) {
        out.append(UInt8(ascii: "\""))
        // Runs needing no escape go in with one append each (byte by byte,
        // every byte paid the array's capacity and uniqueness checks). Same bytes out.
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                // Only these are escaped below: '"', '\\' and controls.
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                out.append(UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                appendEscaped(byte, to: &out)
                runStart = index + 1
            }
            out.append(UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        if copied == nil {
            for byte in text.utf8 { appendEscaped(byte, to: &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendEscaped(_ byte: UInt8, to out: inout some DecimalSink) {
        func two(_ second: UInt8) {
            out.append(92)
            out.append(second)
        }
        switch byte {
        case UInt8(ascii: "\""): two(34)
        case UInt8(ascii: "\\"): two(92)
        case 0x08: two(UInt8(ascii: "b"))
        case 0x0C: two(UInt8(ascii: "f"))
        case 0x0A: two(UInt8(ascii: "n"))
        case 0x0D: two(UInt8(ascii: "r"))
        case 0x09: two(UInt8(ascii: "t"))
        case 0..<0x20:
            let hex: StaticString = "0123456789abcdef"
            two(UInt8(ascii: "u"))
            out.append(UInt8(ascii: "0")); out.append(UInt8(ascii: "0"))
            out.append(hex.utf8Start[Int(byte >> 4)]); out.append(hex.utf8Start[Int(byte & 0xF)])
        default: out.append(byte)
        }
    }

    /// Byte order of two keys' UTF-8 (what `.sortedKeys` sorts by), over
    /// unsafe buffers when both have contiguous UTF-8 (native strings do): the
    /// generic `lexicographicallyPrecedes` over two UTF8Views was 1.4 % of
    /// a period close with documents, every line's keys being sorted.
    static func bytesPrecede(_ a: String, _ b: String) -> Bool {
        let fast: Bool?? = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                let common = min(x.count, y.count)
                var index = 0
                while index < common {
                    if x[index] != y[index] { return x[index] < y[index] }
                    index += 1
                }
                return x.count < y.count
            }
        }
        if let known = fast, let result = known { return result }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
