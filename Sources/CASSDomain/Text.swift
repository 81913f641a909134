/// Text that reference data and names may hold: UTF-8, and no control
/// characters (Unicode category Cc: C0 U+0000-U+001F, DEL U+007F, C1
/// U+0080-U+009F). A NUL or an escape sequence in an agent's name would
/// reach invoices, dashboards and terminals; bytes that are not UTF-8 would
/// be silently replaced by U+FFFD. Both are refused, never repaired.
public enum Text {
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// 1-based character position of the offending character (or of the
        /// character before which the bad bytes start).
        public var position: Int
        public var description: String
    }

    /// The bytes as a String, or the first problem with its position.
    public static func checked(_ bytes: [UInt8], allowingLineBreaks: Bool = false) throws(Problem) -> String {
        // ASCII without controls is the common case: one pass, no decoding.
        var ascii = true
        for (offset, byte) in bytes.enumerated() {
            if byte >= 0x80 { ascii = false; break }
            if byte < 0x20 || byte == 0x7F {
                if allowingLineBreaks && (byte == 10 || byte == 13) { continue }
                throw Problem(position: offset + 1, description: "control character \(hex(UInt32(byte))) at character \(offset + 1); text must not hold control characters")
            }
        }
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        var position = 0
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var consumed = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                position += 1
                let width = UTF8.width(scalar)
                consumed += width
                let value = scalar.value
                let control = value < 0x20 || (value >= 0x7F && value <= 0x9F)
                if control && !(allowingLineBreaks && (value == 10 || value == 13)) {
                    throw Problem(position: position, description: "control character \(hex(value)) at character \(position); text must not hold control characters")
                }
            case .emptyInput:
                return String(decoding: bytes, as: UTF8.self)
            case .error:
                throw Problem(position: position + 1, description: "bytes that are not UTF-8 at character \(position + 1) (byte \(consumed + 1)); text must be UTF-8")
            }
        }
    }

    /// Whether a String (already valid Unicode) holds a control character.
    public static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || ($0.value >= 0x7F && $0.value <= 0x9F) }
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
