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
        for b in text.utf8 {
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
}
