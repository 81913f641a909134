/// Writes indented XML into a byte buffer. Text and attribute values are
/// escaped here, once, so no writer can produce markup from data.
struct XMLOutput {
    private(set) var bytes: [UInt8] = []
    private var depth = 0
    /// Inside `inline`, nothing is indented or broken: short chains of
    /// nodes stay on one line as in the spec's example.
    private var inlineLevel = 0

    init() {
        append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
    }

    mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        indent()
        append("<"); append(name)
        appendAttributes(attributes)
        append(">")
        newline()
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        indent()
        append("</"); append(name); append(">")
        newline()
    }

    /// `<name>value</name>` on one line.
    mutating func value(_ name: String, _ text: String) {
        indent()
        append("<"); append(name); append(">")
        appendEscaped(text, inAttribute: false)
        append("</"); append(name); append(">")
        newline()
    }

    /// `<name rdf:resource="iri"/>`: a code-list value.
    mutating func resource(_ name: String, _ iri: String) {
        empty(name, [("rdf:resource", iri)])
    }

    mutating func empty(_ name: String, _ attributes: [(String, String)]) {
        indent()
        append("<"); append(name)
        appendAttributes(attributes)
        append("/>")
        newline()
    }

    /// A property holding one node: `<property><Node>...</Node></property>`.
    mutating func node(_ property: String, _ type: String, _ attributes: [(String, String)] = [], _ body: (inout XMLOutput) -> Void) {
        open(property)
        open(type, attributes)
        body(&self)
        close(type)
        close(property)
    }

    private mutating func appendAttributes(_ attributes: [(String, String)]) {
        for (name, value) in attributes {
            append(" "); append(name); append("=\"")
            appendEscaped(value, inAttribute: true)
            append("\"")
        }
    }

    /// Writes `body` on one line.
    mutating func inline(_ body: (inout XMLOutput) -> Void) {
        indent()
        inlineLevel += 1
        body(&self)
        inlineLevel -= 1
        newline()
    }

    private mutating func newline() {
        if inlineLevel == 0 { bytes.append(0x0A) }
    }

    private mutating func indent() {
        guard inlineLevel == 0 else { return }
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
    }

    private mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    private mutating func appendEscaped(_ text: String, inAttribute: Bool) {
        // Runs of bytes needing no escape go in with one append each: byte
        // by byte, every byte paid the array's capacity and uniqueness
        // checks (3 % of a period close with documents). Same bytes out.
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let b = utf8[index]
                // Only these bytes are escaped below: '&', '<', '>', '"' (in attributes) and controls.
                guard b < 0x20 || b == 0x26 || b == 0x3C || b == 0x3E || (b == 0x22 && inAttribute) else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                appendEscaped(byte: b, inAttribute: inAttribute)
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        if copied != nil { return }
        for b in text.utf8 { appendEscaped(byte: b, inAttribute: inAttribute) }
    }

    private mutating func appendEscaped(byte b: UInt8, inAttribute: Bool) {
        switch b {
        case UInt8(ascii: "&"): append("&amp;")
        case UInt8(ascii: "<"): append("&lt;")
        case UInt8(ascii: ">"): append("&gt;")
        case UInt8(ascii: "\"") where inAttribute: append("&quot;")
        case 0x09: append("&#9;")
        case 0x0A: append("&#10;")
        case 0x0D: append("&#13;")
        case 0..<0x20: append("\u{FFFD}")
        default: bytes.append(b)
        }
    }
}
