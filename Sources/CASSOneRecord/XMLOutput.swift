import CASSDomain

/// Writes indented XML into a byte buffer. Text and attribute values are
/// escaped here, once, so no writer can produce markup from data.
struct XMLOutput {
    private(set) var bytes: [UInt8] = []
    private var depth = 0
    /// Inside `inline`, nothing is indented or broken: short chains of
    /// nodes stay on one line as in the spec's example.
    private var inlineLevel = 0

    init() {
        self.init(declaration: true)
    }

    /// Without the XML declaration: for pieces of a document.
    init(declaration: Bool) {
        if declaration { append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") }
    }

    /// `<name>` without attributes: most elements (no attribute list to
    /// pass or walk).
    mutating func open(_ name: String) {
        piece(indented: true, "<", name, ">", lineEnd: true)
        depth += 1
    }

    mutating func open(_ name: String, _ attributes: [(String, String)]) {
        indent()
        append("<"); append(name)
        appendAttributes(attributes)
        append(">")
        newline()
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        piece(indented: true, "</", name, ">", lineEnd: true)
    }

    /// `<name>value</name>` on one line.
    mutating func value(_ name: String, _ text: String) {
        piece(indented: true, "<", name, ">", lineEnd: false)
        appendEscaped(text, inAttribute: false)
        piece(indented: false, "</", name, ">", lineEnd: true)
    }

    /// `<name>text</name>` on one line, the text appended by `body` as it
    /// is, unescaped: for numbers and dates written straight into the
    /// buffer (DecimalBytes) without a String per value. The caller
    /// vouches that the bytes hold no markup (digits, '-', '.').
    mutating func value(_ name: String, unescaped body: (inout [UInt8]) -> Void) {
        piece(indented: true, "<", name, ">", lineEnd: false)
        body(&bytes)
        piece(indented: false, "</", name, ">", lineEnd: true)
    }

    /// A property holding one node whose only attribute's value is appended
    /// by `attributeValue`, unescaped (the caller vouches it holds no
    /// markup): an IRI made of constants and digits, without a String.
    mutating func node(_ property: String, _ type: String, attribute: String, unescaped attributeValue: (inout [UInt8]) -> Void,
                       _ body: (inout XMLOutput) -> Void) {
        open(property)
        indent()
        append("<"); append(type)
        append(" "); append(attribute); append("=\"")
        attributeValue(&bytes)
        append("\">")
        newline()
        depth += 1
        body(&self)
        close(type)
        close(property)
    }

    /// `<name rdf:resource="iri"/>`: a code-list value.
    /// Written as `empty(name, [("rdf:resource", iri)])` would, without
    /// making the attribute list.
    mutating func resource(_ name: String, _ iri: String) {
        indent()
        bytes.append(UInt8(ascii: "<")); append(name)
        append(" rdf:resource=\"")
        appendEscaped(iri, inAttribute: true)
        append("\"/>")
        newline()
    }

    /// `resource(name, iri)`'s element (no indent, no line break) made
    /// once, for values written on many lines: escaping a 60-byte IRI byte
    /// by byte on every line was most of what `resource` cost.
    static func preparedResource(_ name: String, _ iri: String) -> [UInt8] {
        var out = XMLOutput(declaration: false)
        out.inlineLevel = 1  // no indent, no line break
        out.resource(name, iri)
        return out.bytes
    }

    /// An element from `preparedResource`, indented and ended like
    /// `resource` does it. Same bytes.
    mutating func resource(prepared element: [UInt8]) {
        indent()
        bytes.append(contentsOf: element)
        newline()
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
        if attributes.isEmpty { open(type) } else { open(type, attributes) }
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

    /// The indent (when `indented` and not inline), `open`, `name`,
    /// `close` and the line break (when `lineEnd` and not inline) in one
    /// append: a tag was four to six appends to the array, each checking
    /// uniqueness and capacity, most of an element's cost. Same bytes as
    /// `indent(); append(open); append(name); append(close); newline()`;
    /// names without contiguous UTF-8 (bridged) or very deep indents take
    /// that path.
    private mutating func piece(indented: Bool, _ open: StaticString, _ name: String, _ close: StaticString, lineEnd: Bool) {
        let spaces = indented && inlineLevel == 0 ? depth * 2 : 0
        let lineBreak = lineEnd && inlineLevel == 0 ? 1 : 0
        let done: Bool? = name.utf8.withContiguousStorageIfAvailable { nameBytes -> Bool in
            guard spaces >= 0, spaces <= Self.pieceSpacesMax, open.hasPointerRepresentation, close.hasPointerRepresentation else { return false }
            let length = spaces + open.utf8CodeUnitCount + nameBytes.count + close.utf8CodeUnitCount + lineBreak
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length) { scratch in
                guard let base = scratch.baseAddress else { return }
                var k = 0
                (base + k).initialize(repeating: UInt8(ascii: " "), count: spaces); k += spaces
                (base + k).initialize(from: open.utf8Start, count: open.utf8CodeUnitCount); k += open.utf8CodeUnitCount
                if let start = nameBytes.baseAddress { (base + k).initialize(from: start, count: nameBytes.count) }
                k += nameBytes.count
                (base + k).initialize(from: close.utf8Start, count: close.utf8CodeUnitCount); k += close.utf8CodeUnitCount
                if lineBreak == 1 { base[k] = 0x0A }
                bytes.append(contentsOf: UnsafeBufferPointer(start: base, count: length))
            }
            return true
        }
        if done == true { return }
        if indented { indent() }
        open.withUTF8Buffer { bytes.append(contentsOf: $0) }
        append(name)
        close.withUTF8Buffer { bytes.append(contentsOf: $0) }
        if lineEnd { newline() }
    }

    /// The deepest indent `piece` lays out in its scratch buffer (documents
    /// here nest about ten levels).
    static let pieceSpacesMax = 256

    private mutating func newline() {
        if inlineLevel == 0 { bytes.append(0x0A) }
    }

    private mutating func indent() {
        guard inlineLevel == 0 else { return }
        DecimalBytes.appendSpaces(depth * 2, to: &bytes)
    }

    /// A String's UTF-8 in one copy from its contiguous storage (native
    /// strings, literals and small strings have it): appending the UTF8View
    /// as a sequence cost about 180 instructions per tag name.
    private mutating func append(_ text: String) {
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { bytes.append(contentsOf: $0) }
        if copied == nil { bytes.append(contentsOf: text.utf8) }
    }

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
