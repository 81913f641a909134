import CASSDomain

/// Writes indented XML into a byte buffer. Text and attribute values are
/// escaped here, once, so no writer can produce markup from data.
struct XMLOutput {
    /// The document so far, written through a pointer (`ByteBuffer`).
    /// Shared by copies of this value: a writer passes its output `inout`
    /// and never copies it.
    private let storage: ByteBuffer
    /// The document written so far, copied out.
    var bytes: [UInt8] { storage.array() }
    private var depth = 0
    /// Inside `inline`, nothing is indented or broken: short chains of
    /// nodes stay on one line as in the spec's example.
    private var inlineLevel = 0

    init(capacity: Int = 4096) {
        self.init(declaration: true, capacity: capacity)
    }

    /// Without the XML declaration: for pieces of a document. `capacity`:
    /// the bytes expected, so that the buffer need not grow (each growth
    /// copies what was written so far).
    init(declaration: Bool, capacity: Int = 4096) {
        storage = ByteBuffer(capacity: capacity)
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

    /// The same for a tag made once (`XMLTag`): the writers' most repeated
    /// elements, each tag copied in one piece.
    mutating func open(_ tag: XMLTag) {
        piece(indented: true, tag.start, lineEnd: true)
        depth += 1
    }

    mutating func close(_ tag: XMLTag) {
        depth -= 1
        piece(indented: true, tag.end, lineEnd: true)
    }

    mutating func value(_ tag: XMLTag, _ text: String) {
        piece(indented: true, tag.start, lineEnd: false)
        appendEscaped(text, inAttribute: false)
        piece(indented: false, tag.end, lineEnd: true)
    }

    mutating func value(_ tag: XMLTag, unescaped body: (inout ByteBuffer) -> Void) {
        piece(indented: true, tag.start, lineEnd: false)
        var buffer = storage
        body(&buffer)
        piece(indented: false, tag.end, lineEnd: true)
    }

    mutating func node(_ property: XMLTag, _ type: XMLTag, _ body: (inout XMLOutput) -> Void) {
        open(property)
        open(type)
        body(&self)
        close(type)
        close(property)
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
    mutating func value(_ name: String, unescaped body: (inout ByteBuffer) -> Void) {
        piece(indented: true, "<", name, ">", lineEnd: false)
        var buffer = storage
        body(&buffer)
        piece(indented: false, "</", name, ">", lineEnd: true)
    }

    /// A property holding one node whose only attribute's value is appended
    /// by `attributeValue`, unescaped (the caller vouches it holds no
    /// markup): an IRI made of constants and digits, without a String.
    mutating func node(_ property: String, _ type: String, attribute: String, unescaped attributeValue: (inout ByteBuffer) -> Void,
                       _ body: (inout XMLOutput) -> Void) {
        open(property)
        indent()
        append("<"); append(type)
        append(" "); append(attribute); append("=\"")
        var buffer = storage
        attributeValue(&buffer)
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
        storage.append(UInt8(ascii: "<")); append(name)
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
        element.withUnsafeBufferPointer { storage.append($0) }
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
    /// `close` and the line break (when `lineEnd` and not inline) written
    /// at once into room made for them: a tag was four to six appends to
    /// an array, then one append of a scratch copy, each append about 110
    /// instructions of uniqueness, capacity and generic copying (most of an
    /// element's cost). Same bytes as `indent(); append(open);
    /// append(name); append(close); newline()`; names without contiguous
    /// UTF-8 (bridged) take that path.
    private mutating func piece(indented: Bool, _ open: StaticString, _ name: String, _ close: StaticString, lineEnd: Bool) {
        let spaces = indented && inlineLevel == 0 ? depth * 2 : 0
        let lineBreak = lineEnd && inlineLevel == 0 ? 1 : 0
        let done: Bool? = name.utf8.withContiguousStorageIfAvailable { nameBytes -> Bool in
            guard spaces >= 0, spaces <= Self.pieceSpacesMax, open.hasPointerRepresentation, close.hasPointerRepresentation else { return false }
            let length = spaces + open.utf8CodeUnitCount + nameBytes.count + close.utf8CodeUnitCount + lineBreak
            let base = storage.room(length)
            var k = 0
            (base + k).initialize(repeating: UInt8(ascii: " "), count: spaces); k += spaces
            (base + k).initialize(from: open.utf8Start, count: open.utf8CodeUnitCount); k += open.utf8CodeUnitCount
            if let start = nameBytes.baseAddress { (base + k).initialize(from: start, count: nameBytes.count) }
            k += nameBytes.count
            (base + k).initialize(from: close.utf8Start, count: close.utf8CodeUnitCount); k += close.utf8CodeUnitCount
            if lineBreak == 1 { base[k] = 0x0A }
            return true
        }
        if done == true { return }
        if indented { indent() }
        open.withUTF8Buffer { storage.append($0) }
        append(name)
        close.withUTF8Buffer { storage.append($0) }
        if lineEnd { newline() }
    }

    /// A prepared tag, with the indent and line break `piece` would write
    /// around it.
    private mutating func piece(indented: Bool, _ tag: UnsafeBufferPointer<UInt8>, lineEnd: Bool) {
        let spaces = indented && inlineLevel == 0 ? depth * 2 : 0
        let lineBreak = lineEnd && inlineLevel == 0 ? 1 : 0
        let base = storage.room(spaces + tag.count + lineBreak)
        if spaces > 0 { base.initialize(repeating: UInt8(ascii: " "), count: spaces) }
        if let start = tag.baseAddress { (base + spaces).initialize(from: start, count: tag.count) }
        if lineBreak == 1 { base[spaces + tag.count] = 0x0A }
    }

    /// The deepest indent `piece` writes in one go (documents here nest
    /// about ten levels); deeper ones take the general path.
    static let pieceSpacesMax = 256

    private mutating func newline() {
        if inlineLevel == 0 { storage.append(0x0A) }
    }

    private mutating func indent() {
        guard inlineLevel == 0, depth > 0 else { return }
        storage.room(depth * 2).initialize(repeating: UInt8(ascii: " "), count: depth * 2)
    }

    /// A String's UTF-8 in one copy from its contiguous storage (native
    /// strings, literals and small strings have it): appending the UTF8View
    /// as a sequence cost about 180 instructions per tag name.
    private mutating func append(_ text: String) {
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { storage.append($0) }
        if copied == nil { for byte in text.utf8 { storage.append(byte) } }
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
                storage.append(UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                appendEscaped(byte: b, inAttribute: inAttribute)
                runStart = index + 1
            }
            storage.append(UnsafeBufferPointer(rebasing: utf8[runStart...]))
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
        default: storage.append(b)
        }
    }
}

/// An element's start and end tags, `<name>` and `</name>`, made once: the
/// invoice writer's line elements (forty-odd tags a line) are each copied
/// in one piece rather than as `<`, the name and `>` (three copies and a
/// look at the name's storage, about 150 instructions a tag). The bytes
/// are never freed: tags are static constants, made once per process, and
/// reading them retains nothing.
struct XMLTag: @unchecked Sendable {
    let start: UnsafeBufferPointer<UInt8>
    let end: UnsafeBufferPointer<UInt8>

    init(_ name: String) {
        start = Self.constant("<" + name + ">")
        end = Self.constant("</" + name + ">")
    }

    private static func constant(_ text: String) -> UnsafeBufferPointer<UInt8> {
        let bytes = Array(text.utf8)
        let memory = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
        _ = memory.initialize(from: bytes)
        return UnsafeBufferPointer(memory)
    }
}
