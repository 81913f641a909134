/// How the billing-file writer emits the graph: RDF/XML (`XMLOutput`) or
/// JSON-LD (`JSONLDOutput`) from the same calls, so both serialisations
/// carry the same triples by construction.
protocol GraphOutput {
    /// The document and its one top-level node (`rdf:about` / `@id`).
    mutating func document(type: String, about: String, _ body: (inout Self) -> Void)
    /// A literal: `<p>text</p>` / `"p": "text"`.
    mutating func value(_ property: String, _ text: String)
    /// An IRI: `<p rdf:resource="iri"/>` / `"p": {"@id": "iri"}`.
    mutating func resource(_ property: String, _ iri: String)
    /// A property holding one typed node.
    mutating func node(_ property: String, _ type: String, _ attributes: [(String, String)], _ body: (inout Self) -> Void)
    /// Several values of one property, written by `body` (each with the
    /// property's name): repeated elements / one JSON array.
    mutating func repeated(_ property: String, _ body: (inout Self) -> Void)
    /// Layout only (one line in XML); JSON-LD ignores it.
    mutating func inline(_ body: (inout Self) -> Void)
}

extension GraphOutput {
    mutating func node(_ property: String, _ type: String, _ body: (inout Self) -> Void) {
        node(property, type, [], body)
    }
}

extension XMLOutput: GraphOutput {
    mutating func document(type: String, about: String, _ body: (inout XMLOutput) -> Void) {
        open("rdf:RDF", OneRecordWriter.rootAttributes)
        open(type, [("rdf:about", about)])
        body(&self)
        close(type)
        close("rdf:RDF")
    }

    mutating func repeated(_ property: String, _ body: (inout XMLOutput) -> Void) { body(&self) }
}

/// Writes JSON-LD 1.1 in the shape docs/onerecord-xml.md describes: the
/// inline context OpenCASS defines, compact IRIs (`cargo:`, `cass:`),
/// typed nodes with `@type` first, IRIs as `{"@id": ...}`, literals as
/// strings. One transaction per line.
struct JSONLDOutput: GraphOutput {
    private(set) var bytes: [UInt8] = []
    /// Per open object or array: whether something was written in it.
    private var nonEmpty: [Bool] = []
    /// Inside `repeated`: nodes are array elements, not keyed members.
    private var inArray = false

    static let contextURL = "https://opencass.org/ns/cass/context.jsonld"

    mutating func document(type: String, about: String, _ body: (inout JSONLDOutput) -> Void) {
        append("{\n  \"@context\": {\"rdf\": \"\(XMLNamespace.rdfURI)\", \"cargo\": \"\(XMLNamespace.cargoURI)\", \"cass\": \"\(XMLNamespace.cassURI)\"},\n  \"@id\": ")
        string(about)
        append(",\n  \"@type\": ")
        string(type)
        nonEmpty = [true]
        body(&self)
        append("\n}\n")
    }

    mutating func value(_ property: String, _ text: String) {
        key(property)
        string(text)
    }

    mutating func resource(_ property: String, _ iri: String) {
        key(property)
        append("{\"@id\": ")
        string(iri)
        append("}")
    }

    mutating func node(_ property: String, _ type: String, _ attributes: [(String, String)], _ body: (inout JSONLDOutput) -> Void) {
        if inArray { separator() } else { key(property) }
        let wasInArray = inArray
        inArray = false
        append("{\"@type\": ")
        string(type)
        for (name, value) in attributes where name == "rdf:about" {
            append(", \"@id\": ")
            string(value)
        }
        nonEmpty.append(true)
        body(&self)
        nonEmpty.removeLast()
        append("}")
        inArray = wasInArray
    }

    mutating func repeated(_ property: String, _ body: (inout JSONLDOutput) -> Void) {
        key(property)
        append("[")
        nonEmpty.append(false)
        let wasInArray = inArray
        inArray = true
        body(&self)
        inArray = wasInArray
        nonEmpty.removeLast()
        append("]")
    }

    mutating func inline(_ body: (inout JSONLDOutput) -> Void) { body(&self) }

    private mutating func key(_ property: String) {
        separator()
        string(property)
        append(": ")
    }

    /// A comma when the open object or array already holds something; a
    /// line break between the top-level members and between transactions.
    private mutating func separator() {
        if nonEmpty.last == true { append(",") }
        if !nonEmpty.isEmpty { nonEmpty[nonEmpty.count - 1] = true }
        if nonEmpty.count == 1 { append("\n  ") } else if nonEmpty.count == 2 && inArray { append("\n    ") } else if nonEmpty.last == true { append(" ") }
    }

    private mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// A JSON string: quote, backslash and control characters escaped.
    private mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                append("\\u00")
                bytes.append(hex[Int(b >> 4)])
                bytes.append(hex[Int(b & 0xF)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
