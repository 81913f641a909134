/// The namespaces OpenCASS reads. Every other namespace is `.other`: its
/// elements are skipped, whatever prefix they use.
public enum XMLNamespace: UInt8, Sendable, Hashable {
    case none, xml, rdf, cargo, cass, other

    public static let rdfURI = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    public static let cargoURI = "https://onerecord.iata.org/ns/cargo#"
    public static let cassURI = "https://opencass.org/ns/cass#"
    public static let xmlURI = "http://www.w3.org/XML/1998/namespace"

    init(uri: [UInt8]) {
        switch String(decoding: uri, as: UTF8.self) {
        case "": self = .none
        case Self.rdfURI: self = .rdf
        case Self.cargoURI: self = .cargo
        case Self.cassURI: self = .cass
        case Self.xmlURI: self = .xml
        default: self = .other
        }
    }

    /// The prefix OpenCASS writes, for messages and element paths.
    public var conventionalPrefix: String {
        switch self {
        case .none: ""
        case .xml: "xml:"
        case .rdf: "rdf:"
        case .cargo: "cargo:"
        case .cass: "cass:"
        case .other: "?:"
        }
    }
}

/// A namespace-resolved name: what the document means, not how it spelled it.
public struct XMLName: Sendable, Hashable, CustomStringConvertible {
    public var namespace: XMLNamespace
    public var local: String

    public init(_ namespace: XMLNamespace, _ local: String) {
        self.namespace = namespace
        self.local = local
    }

    public var description: String { namespace.conventionalPrefix + local }
}

public struct XMLAttribute: Sendable, Hashable {
    public var name: XMLName
    public var value: String
}

public enum XMLEvent: Sendable {
    case start(XMLName, [XMLAttribute])
    case end(XMLName)
    /// Character data between tags, entities resolved, CDATA included.
    case text(String)
    case endOfDocument
}

/// Every bound is stated: a hostile file meets one of these long before it
/// meets the machine's memory.
public struct XMLLimits: Sendable {
    public var maxDocumentBytes: Int
    public var maxDepth: Int
    public var maxTextBytes: Int
    public var maxNameBytes: Int
    public var maxAttributes: Int

    public init(maxDocumentBytes: Int = 1 << 30, maxDepth: Int = 32, maxTextBytes: Int = 65_536, maxNameBytes: Int = 256, maxAttributes: Int = 32) {
        self.maxDocumentBytes = maxDocumentBytes
        self.maxDepth = maxDepth
        self.maxTextBytes = maxTextBytes
        self.maxNameBytes = maxNameBytes
        self.maxAttributes = maxAttributes
    }

    public static let standard = XMLLimits()
}

/// Not well-formed, or refused for safety: the file is F06.
public struct XMLSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var line: Int

    public var description: String { "line \(line): \(message)" }
}

/// A small pull parser over UTF-8 bytes. It knows the five predefined
/// entities and numeric character references and nothing else: a DOCTYPE is
/// refused outright, so no entity can ever be declared, expanded or fetched.
public struct XMLTokenizer {
    private let bytes: [UInt8]
    private let limits: XMLLimits
    private var index = 0
    private var openElements: [(qname: ArraySlice<UInt8>, name: XMLName)] = []
    /// Prefix bindings, innermost last; `scopeStarts[d]` is where depth d's begin.
    private var bindings: [(prefix: ArraySlice<UInt8>, namespace: XMLNamespace)] = [(Array("xml".utf8)[...], .xml)]
    private var scopeStarts: [Int] = []
    private var pendingEnd: XMLName?
    private var rootSeen = false
    private var prologRead = false
    private var finished = false
    /// Reused between events: one buffer, not one allocation per text node.
    private var textBuffer: [UInt8] = []
    private static let xmlnsName = Array("xmlns".utf8)[...]
    private static let xmlnsPrefix = Array("xmlns:".utf8)[...]

    public init(bytes: [UInt8], limits: XMLLimits = .standard) {
        self.bytes = bytes
        self.limits = limits
    }

    public var depth: Int { openElements.count }

    // MARK: - Events

    public mutating func next() throws(XMLSyntaxError) -> XMLEvent {
        if let name = pendingEnd {
            pendingEnd = nil
            try closeScope()
            return .end(name)
        }
        if finished { return .endOfDocument }
        if !prologRead {
            prologRead = true
            try readProlog()
        }
        var text = textBuffer
        textBuffer = []
        defer { textBuffer = text }
        text.removeAll(keepingCapacity: true)
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "<") {
                let marker = index + 1 < bytes.count ? bytes[index + 1] : 0
                if marker == UInt8(ascii: "!") {
                    if startsWith("<!--") { try skipComment(); continue }
                    if startsWith("<![CDATA[") { try readCDATA(into: &text); continue }
                    throw fail(startsWith("<!DOCTYPE") ? "DOCTYPE refused: no DTD, no entity declarations" : "markup declaration refused")
                }
                if marker == UInt8(ascii: "?") { try skipProcessingInstruction(); continue }
                // Whitespace between tags means nothing in this format: values are trimmed.
                if !text.isEmpty, !isWhitespace(text) {
                    if !openElements.isEmpty { return .text(String(decoding: text, as: UTF8.self)) }
                    throw fail("text outside the root element")
                }
                text.removeAll(keepingCapacity: true)
                if marker == UInt8(ascii: "/") { return try readEndTag() }
                return try readStartTag()
            }
            if byte == UInt8(ascii: "&") {
                try readReference(into: &text)
            } else {
                text.append(byte)
                index += 1
            }
            if text.count > limits.maxTextBytes { throw fail("text node longer than \(limits.maxTextBytes) bytes") }
        }
        if !text.isEmpty, openElements.isEmpty, !isWhitespace(text) { throw fail("text outside the root element") }
        if !openElements.isEmpty { throw fail("document ends inside <\(String(decoding: openElements[openElements.count - 1].qname, as: UTF8.self))>: unclosed element") }
        if !rootSeen { throw fail("no root element") }
        finished = true
        return .endOfDocument
    }

    // MARK: - Prolog and misc

    private mutating func readProlog() throws(XMLSyntaxError) {
        if bytes.count > limits.maxDocumentBytes { throw fail("document larger than \(limits.maxDocumentBytes) bytes") }
        try validateCharacters()
        if startsWith("\u{FEFF}") { index = 3 }
        if startsWith("<?xml"), index + 5 < bytes.count, isWhitespace(bytes[index + 5]) {
            guard let end = find(Array("?>".utf8), from: index) else { throw fail("unterminated XML declaration") }
            let declaration = String(decoding: bytes[index..<end], as: UTF8.self).lowercased()
            if let range = declaration.range(of: "encoding") {
                let rest = declaration[range.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" }
                let encoding = rest.prefix { $0 != "\"" && $0 != "'" }
                guard encoding == "utf-8" || encoding == "utf8" else { throw fail("encoding \(encoding) refused: only UTF-8") }
            }
            index = end + 2
        }
    }

    /// Valid UTF-8 and no control characters XML 1.0 forbids, checked once
    /// for the whole document so the scanner can trust every byte.
    private func validateCharacters() throws(XMLSyntaxError) {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                if b < 0x20, b != 0x09, b != 0x0A, b != 0x0D { throw failAt(i, "control character 0x\(String(b, radix: 16)) not allowed") }
                i += 1
                continue
            }
            let length: Int
            var minimum: UInt32
            var scalar: UInt32
            switch b {
            case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(b & 0x1F)
            case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(b & 0x0F)
            case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(b & 0x07)
            default: throw failAt(i, "not UTF-8")
            }
            guard i + length <= n else { throw failAt(i, "truncated UTF-8 sequence") }
            for k in 1..<length {
                let c = bytes[i + k]
                guard c & 0xC0 == 0x80 else { throw failAt(i, "not UTF-8") }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar), scalar != 0xFFFE, scalar != 0xFFFF else {
                throw failAt(i, "not a valid XML character")
            }
            i += length
        }
    }

    private mutating func skipComment() throws(XMLSyntaxError) {
        guard let end = find(Array("-->".utf8), from: index + 4) else { throw fail("unterminated comment") }
        index = end + 3
    }

    private mutating func skipProcessingInstruction() throws(XMLSyntaxError) {
        let targetStart = index + 2
        guard let end = find(Array("?>".utf8), from: targetStart) else { throw fail("unterminated processing instruction") }
        var targetEnd = targetStart
        while targetEnd < end, !isWhitespace(bytes[targetEnd]) { targetEnd += 1 }
        if String(decoding: bytes[targetStart..<targetEnd], as: UTF8.self).lowercased() == "xml" {
            throw fail("XML declaration not at the start of the document")
        }
        index = end + 2
    }

    private mutating func readCDATA(into text: inout [UInt8]) throws(XMLSyntaxError) {
        guard !openElements.isEmpty else { throw fail("CDATA outside the root element") }
        let start = index + 9
        guard let end = find(Array("]]>".utf8), from: start) else { throw fail("unterminated CDATA section") }
        guard text.count + (end - start) <= limits.maxTextBytes else { throw fail("text node longer than \(limits.maxTextBytes) bytes") }
        text.append(contentsOf: bytes[start..<end])
        index = end + 3
    }

    // MARK: - Tags

    private mutating func readStartTag() throws(XMLSyntaxError) -> XMLEvent {
        if openElements.isEmpty && rootSeen { throw fail("a second root element") }
        index += 1
        let qname = try readName()
        var rawAttributes: [(qname: ArraySlice<UInt8>, value: String)] = []
        var selfClosing = false
        while true {
            let hadSpace = skipWhitespace()
            guard index < bytes.count else { throw fail("unterminated start tag <\(String(decoding: qname, as: UTF8.self))>") }
            if bytes[index] == UInt8(ascii: ">") { index += 1; break }
            if startsWith("/>") { index += 2; selfClosing = true; break }
            guard hadSpace else { throw fail("whitespace expected between attributes") }
            let attributeName = try readName()
            _ = skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { throw fail("'=' expected after attribute name") }
            index += 1
            _ = skipWhitespace()
            let value = try readAttributeValue()
            if rawAttributes.contains(where: { $0.qname == attributeName }) { throw fail("attribute \(String(decoding: attributeName, as: UTF8.self)) repeated") }
            rawAttributes.append((attributeName, value))
            if rawAttributes.count > limits.maxAttributes { throw fail("more than \(limits.maxAttributes) attributes") }
        }
        if openElements.count >= limits.maxDepth { throw fail("elements nested deeper than \(limits.maxDepth)") }

        scopeStarts.append(bindings.count)
        var attributes: [XMLAttribute] = []
        for attribute in rawAttributes {
            if attribute.qname == Self.xmlnsName {
                bindings.append(([][...], XMLNamespace(uri: Array(attribute.value.utf8))))
            } else if attribute.qname.starts(with: Self.xmlnsPrefix) {
                let prefix = attribute.qname.dropFirst(6)
                guard !attribute.value.isEmpty else { throw fail("namespace prefix cannot be unbound in XML 1.0") }
                bindings.append((prefix, XMLNamespace(uri: Array(attribute.value.utf8))))
            }
        }
        for attribute in rawAttributes where attribute.qname != Self.xmlnsName && !attribute.qname.starts(with: Self.xmlnsPrefix) {
            attributes.append(XMLAttribute(name: try resolve(attribute.qname, isAttribute: true), value: attribute.value))
        }
        let name = try resolve(qname, isAttribute: false)
        openElements.append((qname, name))
        rootSeen = true
        if selfClosing { pendingEnd = name }
        return .start(name, attributes)
    }

    private mutating func readEndTag() throws(XMLSyntaxError) -> XMLEvent {
        index += 2
        let qname = try readName()
        _ = skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else { throw fail("'>' expected in end tag") }
        index += 1
        guard let open = openElements.last else { throw fail("end tag </\(String(decoding: qname, as: UTF8.self))> without a start tag") }
        guard open.qname == qname else {
            throw fail("end tag </\(String(decoding: qname, as: UTF8.self))> does not match <\(String(decoding: open.qname, as: UTF8.self))>")
        }
        try closeScope()
        return .end(open.name)
    }

    private mutating func closeScope() throws(XMLSyntaxError) {
        guard openElements.popLast() != nil, let start = scopeStarts.popLast() else { throw fail("unbalanced end tag") }
        if bindings.count > start { bindings.removeSubrange(start...) }
        if openElements.isEmpty {
            // Only comments, PIs and whitespace may follow the root.
            while index < bytes.count {
                if isWhitespace(bytes[index]) { index += 1; continue }
                if startsWith("<!--") { try skipComment(); continue }
                if startsWith("<?") { try skipProcessingInstruction(); continue }
                if bytes[index] == UInt8(ascii: "<") { throw fail("a second root element") }
                throw fail("text after the root element")
            }
        }
    }

    private func resolve(_ qname: ArraySlice<UInt8>, isAttribute: Bool) throws(XMLSyntaxError) -> XMLName {
        if let colon = qname.firstIndex(of: UInt8(ascii: ":")) {
            let prefix = qname[..<colon]
            let local = String(decoding: qname[(colon + 1)...], as: UTF8.self)
            guard let binding = bindings.last(where: { $0.prefix == prefix }) else {
                throw fail("namespace prefix \(String(decoding: prefix, as: UTF8.self)) is not declared")
            }
            return XMLName(binding.namespace, local)
        }
        let local = String(decoding: qname, as: UTF8.self)
        if isAttribute { return XMLName(.none, local) }
        let namespace = bindings.last(where: { $0.prefix.isEmpty })?.namespace ?? .none
        return XMLName(namespace, local)
    }

    private mutating func readName() throws(XMLSyntaxError) -> ArraySlice<UInt8> {
        let start = index
        var colons = 0
        while index < bytes.count {
            let b = bytes[index]
            let isStart = (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == UInt8(ascii: "_") || b >= 0x80
            let isOther = (b >= 48 && b <= 57) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
            if index == start { guard isStart else { break } } else if !(isStart || isOther) { break }
            if b == UInt8(ascii: ":") { colons += 1 }
            index += 1
            if index - start > limits.maxNameBytes { throw fail("name longer than \(limits.maxNameBytes) bytes") }
        }
        guard index > start else { throw fail("name expected") }
        let name = bytes[start..<index]
        guard colons <= 1, name.last != UInt8(ascii: ":") else { throw fail("malformed qualified name \(String(decoding: name, as: UTF8.self))") }
        return name
    }

    private mutating func readAttributeValue() throws(XMLSyntaxError) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
            throw fail("quoted attribute value expected")
        }
        let quote = bytes[index]
        index += 1
        var value: [UInt8] = []
        while true {
            guard index < bytes.count else { throw fail("unterminated attribute value") }
            let b = bytes[index]
            if b == quote { index += 1; break }
            if b == UInt8(ascii: "<") { throw fail("'<' in attribute value") }
            if b == UInt8(ascii: "&") {
                try readReference(into: &value)
            } else {
                value.append(b == 0x09 || b == 0x0A || b == 0x0D ? 0x20 : b)
                index += 1
            }
            if value.count > limits.maxTextBytes { throw fail("attribute value longer than \(limits.maxTextBytes) bytes") }
        }
        return String(decoding: value, as: UTF8.self)
    }

    /// `&lt;` `&gt;` `&amp;` `&apos;` `&quot;` `&#N;` `&#xH;`: nothing else.
    private mutating func readReference(into out: inout [UInt8]) throws(XMLSyntaxError) {
        let start = index + 1
        var end = start
        while end < bytes.count, end - start <= 10, bytes[end] != UInt8(ascii: ";") { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: ";") else { throw fail("malformed entity or character reference") }
        let body = bytes[start..<end]
        index = end + 1
        switch String(decoding: body, as: UTF8.self) {
        case "lt": out.append(UInt8(ascii: "<"))
        case "gt": out.append(UInt8(ascii: ">"))
        case "amp": out.append(UInt8(ascii: "&"))
        case "apos": out.append(UInt8(ascii: "'"))
        case "quot": out.append(UInt8(ascii: "\""))
        default:
            guard body.first == UInt8(ascii: "#") else {
                throw fail("entity &\(String(decoding: body, as: UTF8.self)); refused: only the five predefined entities")
            }
            var digits = body.dropFirst()
            var radix: UInt32 = 10
            if digits.first == UInt8(ascii: "x") { radix = 16; digits = digits.dropFirst() }
            guard !digits.isEmpty, digits.count <= 8, let value = UInt32(String(decoding: digits, as: UTF8.self), radix: Int(radix)),
                  value == 0x9 || value == 0xA || value == 0xD || (0x20...0xD7FF).contains(value) || (0xE000...0xFFFD).contains(value) || (0x10000...0x10FFFF).contains(value),
                  let scalar = Unicode.Scalar(value) else {
                throw fail("character reference &\(String(decoding: body, as: UTF8.self)); is not an XML character")
            }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
    }

    // MARK: - Bytes

    private func startsWith(_ literal: String) -> Bool {
        var i = index
        for b in literal.utf8 {
            guard i < bytes.count, bytes[i] == b else { return false }
            i += 1
        }
        return true
    }

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, needle.count <= bytes.count else { return nil }
        var i = start
        let last = bytes.count - needle.count
        while i <= last {
            if bytes[i] == first {
                var k = 1
                while k < needle.count, bytes[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = index
        while index < bytes.count, isWhitespace(bytes[index]) { index += 1 }
        return index > start
    }

    private func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    private func isWhitespace(_ text: [UInt8]) -> Bool { text.allSatisfy { isWhitespace($0) } }

    private func fail(_ message: String) -> XMLSyntaxError { failAt(index, message) }

    private func failAt(_ offset: Int, _ message: String) -> XMLSyntaxError {
        var line = 1
        var i = 0
        let end = min(offset, bytes.count)
        while i < end {
            if bytes[i] == 0x0A { line += 1 }
            i += 1
        }
        return XMLSyntaxError(message: message, line: line)
    }
}
