#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-pass XML 1.0 scanner over bytes in place (a mapped file): no
/// DOM, no `String` and no allocation per element. Events carry offsets
/// into the buffer; the element just started and its attributes stay
/// readable until the next event.
///
/// It checks well-formedness as XML 1.0 and Namespaces in XML define it
/// (declaration, names, comments, references, nesting, one root) and
/// refuses what could be used against a reader: a DOCTYPE (so no entity is
/// ever declared, expanded or fetched), nesting, names, text, attributes
/// and documents beyond `XMLLimits`.
public struct XMLScanner {
    public enum Event: Equatable {
        /// A start tag: `namespace`, `localName` and `attributes` describe it.
        case start
        case end
        /// Character data from `start` to `end` of the buffer. With
        /// `references`, `&...;` in it must be decoded (`decode`); CDATA
        /// sections come as their content, `references` false.
        case text(start: Int, end: Int, references: Bool, whitespace: Bool)
        case endOfDocument
    }

    /// One attribute of the current start tag, as offsets into the buffer.
    public struct Attribute {
        public var nameStart: Int
        public var nameEnd: Int
        /// The colon's offset, or -1 for an unprefixed name.
        public var colon: Int
        public var valueStart: Int
        public var valueEnd: Int
        public var references: Bool
        public var namespace: XMLNamespace = .none
    }

    struct OpenElement {
        var nameStart: Int
        var nameEnd: Int
        var bindingsCount: Int
    }

    struct Binding {
        var prefixStart: Int
        var prefixEnd: Int
        var namespace: XMLNamespace
        /// The prefix's first (up to) eight bytes as one word: a prefix of
        /// at most eight bytes is matched by one comparison, no `memcmp`.
        var key: UInt64 = 0
    }

    public let bytes: UnsafeRawBufferPointer
    /// The same bytes as a typed pointer: hot loops index it without the
    /// buffer's bounds checks (every index is checked against `count` first).
    private let p: UnsafePointer<UInt8>
    private let count: Int
    /// `XMLCharacters.nameTable`, held here: a static's lazy initialiser
    /// would be checked on every name.
    private let nameTable: UnsafePointer<UInt8>
    /// `XMLCharacters.textTable`, held here for the same reason.
    private let textTable: UnsafePointer<UInt8>
    let limits: XMLLimits
    public private(set) var index = 0
    private var stack: [OpenElement] = []
    private var bindings: [Binding] = []
    public private(set) var attributes: [Attribute] = []
    /// The element of the last `.start`.
    public private(set) var namespace: XMLNamespace = .none
    public private(set) var localStart = 0
    public private(set) var localEnd = 0
    private var pendingEnd = false
    private var rootSeen = false
    private var prologRead = false
    private var finished = false
    private var scratch: [UInt8] = []
    /// The last prefix resolved (at most eight bytes) and the number of
    /// bindings then: bindings are only ever added or removed at the end,
    /// and removing then adding changes which are in force, so the cache
    /// is dropped whenever any is removed (`resolvedBindingsCount` = -1).
    private var resolvedKey: UInt64 = 0
    private var resolvedLength = -1
    private var resolvedNamespace: XMLNamespace = .none
    private var resolvedBindingsCount = -1
    /// Off only for a reader that wants the envelope's identity and stops
    /// there (processing order): the full read checks every byte.
    public var checksCharacters = true
    /// When on, whitespace inside the root element that runs up to a start
    /// or end tag (indentation, most of the text events of a billing file)
    /// comes with that tag's `.start` or `.end`, as `leadingWhitespace`,
    /// instead of as a `.text` event of its own: one event, not two. Off by
    /// default: a caller that joins text pieces (`XMLTokenizer`) gets every
    /// piece as an event.
    public var fusesWhitespace = false
    /// With `fusesWhitespace`: the whitespace just before the tag of the
    /// last `.start` or `.end` (empty when there was none), offsets into
    /// the buffer; the same bytes a `.text(whitespace: true)` event would
    /// have given, just before that event.
    public private(set) var leadingWhitespaceStart = 0
    public private(set) var leadingWhitespaceEnd = 0
    /// Start-tag names seen before, so a name repeated (nearly all of them)
    /// is matched by a few word comparisons against its earlier occurrence
    /// instead of the per-byte name loop. 256 sets of 4, chosen by the eight
    /// bytes after `<` (64 sets let the 60-odd names of a billing file evict
    /// each other: 9,500 misses in a 1,881-transaction file); each entry packs the earlier occurrence's offset
    /// (40 bits), its length (12 bits) and its colon's offset in it plus
    /// one (12 bits, 0 for none); 0 is an empty entry. The bytes compared
    /// are the document's own, which outlive the scan. A name equal byte
    /// for byte to one already checked, followed by a byte that cannot
    /// continue a name, is that same valid name: nothing is skipped.
    private var nameCache = [UInt64](repeating: 0, count: XMLScanner.nameCacheSets * 4)
    private static let nameCacheSets = 256
    /// The offset of the earlier occurrence the last start tag's name
    /// matched or was stored as (-1: not cached): equal offsets, equal names.
    public private(set) var nameIdentity = -1
    /// The name of the last lone prefixed attribute read the long way
    /// (`rdf:resource` on nearly every element that has one): the same
    /// bytes, under the same bindings, are the same valid name in the same
    /// namespace, so a tag with one such attribute skips the name, binding
    /// and resolution passes. Length 0: none (dropped when a binding goes).
    private var attributeNameStart = 0
    private var attributeNameLength = 0
    private var attributeColonOffset = 0
    private var attributeNamespace: XMLNamespace = .none
    private var attributeBindingsCount = -1

    public init(bytes: UnsafeRawBufferPointer, limits: XMLLimits = .standard) {
        self.bytes = bytes
        self.count = bytes.count
        self.p = bytes.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? XMLScanner.empty
        self.limits = limits
        self.nameTable = XMLCharacters.nameTable
        self.textTable = XMLCharacters.textTable
        stack.reserveCapacity(limits.maxDepth + 1)
        bindings.reserveCapacity(16)
        attributes.reserveCapacity(8)
    }

    public var depth: Int { stack.count }

    // One zero byte, never written: the pointer an empty buffer scans.
    nonisolated(unsafe) private static let empty: UnsafePointer<UInt8> = {
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return UnsafePointer(pointer)
    }()

    /// The local name of the last start tag.
    public var localName: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[localStart..<localEnd]) }

    /// The qualified name of the innermost open element, for messages.
    public var openQualifiedName: String {
        guard let open = stack.last else { return "" }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[open.nameStart..<open.nameEnd]), as: UTF8.self)
    }

    // MARK: - Events

    public mutating func next() throws(XMLSyntaxError) -> Event {
        leadingWhitespaceEnd = leadingWhitespaceStart
        if pendingEnd {
            pendingEnd = false
            try closeElement()
            return .end
        }
        if finished { return .endOfDocument }
        if !prologRead {
            prologRead = true
            try readProlog()
        }
        let n = bytes.count
        while index < n {
            if p[index] != UInt8(ascii: "<") {
                guard fusesWhitespace, !stack.isEmpty else { return try readText() }
                // Whitespace up to a start or end tag goes with the tag;
                // anything else (a value, whitespace before a comment, a
                // CDATA section or a PI, or at the end) is read as text.
                let start = index
                let end = whitespaceEnd(from: start)
                guard end + 1 < n, p[end] == UInt8(ascii: "<"), p[end + 1] != UInt8(ascii: "!"), p[end + 1] != UInt8(ascii: "?") else {
                    return try readText()
                }
                leadingWhitespaceStart = start
                leadingWhitespaceEnd = end
                index = end
            }
            let marker = index + 1 < n ? p[index + 1] : 0
            switch marker {
            case UInt8(ascii: "/"):
                try readEndTag()
                return .end
            case UInt8(ascii: "!"):
                if startsWith("<!--") { try skipComment(); continue }
                if startsWith("<![CDATA[") { return try readCDATA() }
                throw fail(startsWith("<!DOCTYPE") ? "DOCTYPE refused: no DTD, no entity declarations" : "markup declaration refused")
            case UInt8(ascii: "?"):
                try skipProcessingInstruction()
                continue
            default:
                try readStartTag()
                return .start
            }
        }
        if !stack.isEmpty { throw fail("document ends inside <\(openQualifiedName)>: unclosed element") }
        if !rootSeen { throw fail("no root element") }
        finished = true
        return .endOfDocument
    }

    /// Character data up to the next `<`, checked: references well-formed,
    /// no `]]>`, nothing but whitespace outside the root element.
    private mutating func readText() throws(XMLSyntaxError) -> Event {
        let start = index
        let n = count
        guard let base = bytes.baseAddress else { return .endOfDocument }
        // Most character data is indentation between tags: whitespace up
        // to a '<' is found without searching further.
        let i = whitespaceEnd(from: start)
        if i == n || p[i] == UInt8(ascii: "<") {
            index = i
            return .text(start: start, end: i, references: false, whitespace: true)
        }
        // A value (mostly a few bytes) is read in one pass up to its '<',
        // noting whether it holds '&' or '>' (both rare): a table load per
        // byte rather than three `memchr` calls. Past 64 bytes the rest is
        // searched with `memchr` (vectorised) and both are looked for.
        var end = i
        var seen: UInt8 = 0
        let table = textTable
        let shortEnd = min(n, i + 64)
        while end < shortEnd {
            let kind = table[Int(p[end])]
            if kind == 0 { end += 1; continue }
            if kind == XMLCharacters.textLess { break }
            seen |= kind
            end += 1
        }
        if end == shortEnd, end < n {
            end = memchr(base + end, 0x3C, n - end).map { base.distance(to: UnsafeRawPointer($0)) } ?? n
            seen = XMLCharacters.textAmpersand | XMLCharacters.textGreater
        }
        index = end
        if stack.isEmpty { throw failAt(start, rootSeen ? "text after the root element" : "text outside the root element") }
        let length = end - start
        let references = seen & XMLCharacters.textAmpersand != 0 && memchr(base + start, 0x26, length) != nil
        if references {
            var k = start
            while k < end {
                if bytes[k] == UInt8(ascii: "&") { k = try checkReference(at: k) } else { k += 1 }
            }
        }
        if seen & XMLCharacters.textGreater != 0, var gt = memchr(base + start, 0x3E, length).map({ base.distance(to: UnsafeRawPointer($0)) }) {
            while gt < end {
                if bytes[gt] == UInt8(ascii: ">"), gt >= start + 2, bytes[gt - 1] == UInt8(ascii: "]"), bytes[gt - 2] == UInt8(ascii: "]") {
                    index = gt
                    throw fail("']]>' in character data")
                }
                gt += 1
            }
        }
        if length > limits.maxTextBytes, !references || decodedLength(start, end) > limits.maxTextBytes {
            throw failAt(start, "text node longer than \(limits.maxTextBytes) bytes")
        }
        return .text(start: start, end: end, references: references, whitespace: false)
    }

    /// The offset of the first byte from `start` on that is not XML
    /// whitespace (or the end of the document).
    @inline(__always)
    private func whitespaceEnd(from start: Int) -> Int {
        let n = count
        var i = start
        while i < n {
            // Indentation (a line feed, then spaces): the first byte that
            // is not a space in the next eight is found from one word (its
            // lowest nonzero byte after XOR with spaces), not byte by byte.
            if i + 8 <= n {
                let notSpace = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) ^ 0x2020_2020_2020_2020
                if notSpace == 0 { i += 8; continue }
                i += notSpace.trailingZeroBitCount >> 3
            }
            guard isWhitespace(p[i]) else { break }
            i += 1
        }
        return i
    }

    private mutating func readCDATA() throws(XMLSyntaxError) -> Event {
        guard !stack.isEmpty else { throw fail("CDATA outside the root element") }
        let start = index + 9
        guard let end = find("]]>", from: start) else { throw fail("unterminated CDATA section") }
        guard end - start <= limits.maxTextBytes else { throw fail("text node longer than \(limits.maxTextBytes) bytes") }
        index = end + 3
        var whitespace = true
        for i in start..<end where !isWhitespace(bytes[i]) { whitespace = false; break }
        return .text(start: start, end: end, references: false, whitespace: whitespace)
    }

    // MARK: - Prolog, comments, processing instructions

    private mutating func readProlog() throws(XMLSyntaxError) {
        if bytes.count > limits.maxDocumentBytes { throw fail("document larger than \(limits.maxDocumentBytes) bytes") }
        if checksCharacters { try XMLCharacters.validate(bytes) }
        if startsWith("\u{FEFF}") { index = 3 }
        if startsWith("<?xml"), index + 5 < bytes.count, isWhitespace(bytes[index + 5]) {
            try readDeclaration()
        }
    }

    /// `<?xml version="1.x" [encoding="UTF-8"] [standalone="yes|no"] ?>`,
    /// in that order, nothing else.
    private mutating func readDeclaration() throws(XMLSyntaxError) {
        guard let end = find("?>", from: index) else { throw fail("unterminated XML declaration") }
        index += 5
        var seen = 0
        while true {
            let hadSpace = skipWhitespace()
            if index == end { break }
            guard hadSpace else { throw fail("whitespace expected in the XML declaration") }
            let nameStart = index
            while index < end, isASCIILetter(bytes[index]) { index += 1 }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<index]), as: UTF8.self)
            skipWhitespace()
            guard index < end, bytes[index] == UInt8(ascii: "=") else { throw fail("'=' expected after \(name) in the XML declaration") }
            index += 1
            skipWhitespace()
            guard index < end, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                throw fail("quoted value expected for \(name) in the XML declaration")
            }
            let quote = bytes[index]
            let valueStart = index + 1
            var valueEnd = valueStart
            while valueEnd < end, bytes[valueEnd] != quote { valueEnd += 1 }
            guard valueEnd < end else { throw fail("unterminated value of \(name) in the XML declaration") }
            let value = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]), as: UTF8.self)
            index = valueEnd + 1
            switch name {
            case "version" where seen == 0:
                let digits = value.utf8.dropFirst(2)
                guard value.hasPrefix("1."), !digits.isEmpty, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                    throw fail("XML version '\(value)' refused: 1.x expected")
                }
                seen = 1
            case "encoding" where seen == 1:
                let lowered = value.lowercased()
                guard lowered == "utf-8" || lowered == "utf8" else { throw fail("encoding \(value) refused: only UTF-8") }
                seen = 2
            case "standalone" where seen == 1 || seen == 2:
                guard value == "yes" || value == "no" else { throw fail("standalone='\(value)' refused: yes or no") }
                seen = 3
            default:
                throw fail(seen == 0 ? "the XML declaration must start with version" : "'\(name)' out of place in the XML declaration")
            }
        }
        guard seen >= 1 else { throw fail("the XML declaration has no version") }
        index = end + 2
    }

    /// `<!-- ... -->`, whose text may not hold `--`.
    private mutating func skipComment() throws(XMLSyntaxError) {
        guard let dashes = find("--", from: index + 4) else { throw fail("unterminated comment") }
        guard dashes + 2 < bytes.count, bytes[dashes + 2] == UInt8(ascii: ">") else {
            index = dashes
            throw fail(dashes + 2 < bytes.count ? "'--' inside a comment" : "unterminated comment")
        }
        index = dashes + 3
    }

    private mutating func skipProcessingInstruction() throws(XMLSyntaxError) {
        let targetStart = index + 2
        guard let end = find("?>", from: targetStart) else { throw fail("unterminated processing instruction") }
        index = targetStart
        let target = try readName(until: end)
        guard target.colon < 0 else { throw fail("a processing instruction's target has no colon") }
        let name = UnsafeRawBufferPointer(rebasing: bytes[target.start..<index])
        if name.count == 3, name[0] | 0x20 == UInt8(ascii: "x"), name[1] | 0x20 == UInt8(ascii: "m"), name[2] | 0x20 == UInt8(ascii: "l") {
            throw fail("XML declaration not at the start of the document")
        }
        guard index == end || isWhitespace(bytes[index]) else { throw fail("whitespace expected after a processing instruction's target") }
        index = end + 2
    }

    // MARK: - Tags

    private mutating func readStartTag() throws(XMLSyntaxError) {
        if stack.isEmpty && rootSeen { throw fail("a second root element") }
        if stack.count >= limits.maxDepth { throw fail("elements nested deeper than \(limits.maxDepth)") }
        index += 1
        let name = try readStartTagName()
        // Most elements have no attribute: `>` or `/>` right after the name
        // opens them without the attribute and binding passes.
        if index < count, p[index] == UInt8(ascii: ">") || (p[index] == UInt8(ascii: "/") && index + 1 < count && p[index + 1] == UInt8(ascii: ">")) {
            if !attributes.isEmpty { attributes.removeAll(keepingCapacity: true) }
            let selfClosing = p[index] == UInt8(ascii: "/")
            index += selfClosing ? 2 : 1
            try open(name, selfClosing: selfClosing, bindingsCount: bindings.count)
            return
        }
        // Most others have one attribute, named as before: ` name="value"`
        // then `>` or `/>`. Anything else is read the long way, from here.
        let afterName = index
        let length = attributeNameLength
        if length > 0, bindings.count == attributeBindingsCount, afterName + length + 3 < count, p[afterName] == UInt8(ascii: " "),
           Self.equal(p + afterName + 1, p + attributeNameStart, length), p[afterName + 1 + length] == UInt8(ascii: "="),
           p[afterName + 2 + length] == UInt8(ascii: "\"") || p[afterName + 2 + length] == UInt8(ascii: "'") {
            index = afterName + 2 + length
            let value = try readAttributeValue()
            if index < count, p[index] == UInt8(ascii: ">") || (p[index] == UInt8(ascii: "/") && index + 1 < count && p[index + 1] == UInt8(ascii: ">")) {
                let selfClosing = p[index] == UInt8(ascii: "/")
                index += selfClosing ? 2 : 1
                let nameStart = afterName + 1
                let attribute = Attribute(nameStart: nameStart, nameEnd: nameStart + length, colon: nameStart + attributeColonOffset,
                                          valueStart: value.start, valueEnd: value.end, references: value.references, namespace: attributeNamespace)
                if attributes.count == 1 {
                    attributes[0] = attribute
                } else {
                    attributes.removeAll(keepingCapacity: true)
                    attributes.append(attribute)
                }
                try open(name, selfClosing: selfClosing, bindingsCount: bindings.count)
                return
            }
            index = afterName
        }
        if !attributes.isEmpty { attributes.removeAll(keepingCapacity: true) }
        var selfClosing = false
        while true {
            let hadSpace = skipWhitespace()
            guard index < count else { throw fail("unterminated start tag") }
            let b = p[index]
            if b == UInt8(ascii: ">") { index += 1; break }
            if b == UInt8(ascii: "/") {
                guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ">") else { throw fail("'>' expected after '/'") }
                index += 2
                selfClosing = true
                break
            }
            guard hadSpace else { throw fail("whitespace expected between attributes") }
            let attributeName = try readName(until: bytes.count)
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { throw fail("'=' expected after attribute name") }
            index += 1
            skipWhitespace()
            let value = try readAttributeValue()
            guard attributes.count < limits.maxAttributes else { throw fail("more than \(limits.maxAttributes) attributes") }
            for other in attributes where equalBytes(other.nameStart, other.nameEnd, attributeName.start, attributeName.end) {
                throw fail("attribute \(text(attributeName.start, attributeName.end)) repeated")
            }
            attributes.append(Attribute(nameStart: attributeName.start, nameEnd: attributeName.end, colon: attributeName.colon,
                                        valueStart: value.start, valueEnd: value.end, references: value.references))
        }

        let bindingsCount = bindings.count
        for attribute in attributes {
            let length = attribute.nameEnd - attribute.nameStart
            guard length >= 5, isXMLNS(attribute.nameStart) else { continue }
            if length == 5 {
                bindings.append(Binding(prefixStart: 0, prefixEnd: 0, namespace: try namespaceOf(attribute), key: 0))
            } else if attribute.colon == attribute.nameStart + 5 {
                guard attribute.valueEnd > attribute.valueStart else { throw fail("namespace prefix cannot be unbound in XML 1.0") }
                bindings.append(Binding(prefixStart: attribute.colon + 1, prefixEnd: attribute.nameEnd, namespace: try namespaceOf(attribute),
                                        key: prefixKey(attribute.colon + 1, attribute.nameEnd)))
            }
        }
        for k in attributes.indices where attributes[k].colon >= 0 {
            if attributes[k].colon == attributes[k].nameStart + 5, isXMLNS(attributes[k].nameStart) { continue }
            attributes[k].namespace = try resolve(prefixStart: attributes[k].nameStart, prefixEnd: attributes[k].colon)
        }
        if attributes.count == 1, bindings.count == bindingsCount, attributes[0].colon >= 0,
           !(attributes[0].colon == attributes[0].nameStart + 5 && isXMLNS(attributes[0].nameStart)),
           attributes[0].nameEnd - attributes[0].nameStart < 256 {
            attributeNameStart = attributes[0].nameStart
            attributeNameLength = attributes[0].nameEnd - attributes[0].nameStart
            attributeColonOffset = attributes[0].colon - attributes[0].nameStart
            attributeNamespace = attributes[0].namespace
            attributeBindingsCount = bindings.count
        }
        if attributes.count > 1 {
            // Namespaces in XML: no two attributes with the same expanded name.
            for a in 1..<attributes.count where attributes[a].colon >= 0 {
                for b in 0..<a where attributes[b].colon >= 0 && attributes[a].namespace == attributes[b].namespace
                    && attributes[a].namespace != .other
                    && equalBytes(attributes[a].colon + 1, attributes[a].nameEnd, attributes[b].colon + 1, attributes[b].nameEnd) {
                    throw fail("attribute \(text(attributes[a].colon + 1, attributes[a].nameEnd)) repeated in one namespace")
                }
            }
        }
        try open(name, selfClosing: selfClosing, bindingsCount: bindingsCount)
    }

    /// The element named `name` is open: its namespace resolved, pushed.
    @inline(__always)
    private mutating func open(_ name: Name, selfClosing: Bool, bindingsCount: Int) throws(XMLSyntaxError) {
        if name.colon >= 0 {
            if name.colon == name.start + 5, isXMLNS(name.start) { throw fail("the prefix xmlns is reserved") }
            // The prefix of the last element, while no binding changed,
            // means what it meant then: one comparison, no search.
            let length = name.colon - name.start
            if length <= 8, bindings.count == resolvedBindingsCount, length == resolvedLength, prefixKey(name.start, name.colon) == resolvedKey {
                namespace = resolvedNamespace
            } else {
                namespace = try resolve(prefixStart: name.start, prefixEnd: name.colon)
                if length <= 8 {
                    resolvedKey = prefixKey(name.start, name.colon)
                    resolvedLength = length
                    resolvedNamespace = namespace
                    resolvedBindingsCount = bindings.count
                }
            }
            localStart = name.colon + 1
        } else {
            namespace = defaultNamespace
            localStart = name.start
        }
        localEnd = name.end
        stack.append(OpenElement(nameStart: name.start, nameEnd: name.end, bindingsCount: bindingsCount))
        rootSeen = true
        pendingEnd = selfClosing
    }

    private mutating func readEndTag() throws(XMLSyntaxError) {
        index += 2
        // The common case: the open element's name, then '>'.
        if let open = stack.last {
            let length = open.nameEnd - open.nameStart
            let after = index + length
            if after < count, p[after] == UInt8(ascii: ">"), Self.equal(p + index, p + open.nameStart, length) {
                index = after + 1
                try closeElement()
                return
            }
        }
        let name = try readName(until: bytes.count)
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else { throw fail("'>' expected in end tag") }
        index += 1
        guard let open = stack.last else { throw fail("end tag </\(text(name.start, name.end))> without a start tag") }
        guard equalBytes(open.nameStart, open.nameEnd, name.start, name.end) else {
            throw fail("end tag </\(text(name.start, name.end))> does not match <\(text(open.nameStart, open.nameEnd))>")
        }
        try closeElement()
    }

    private mutating func closeElement() throws(XMLSyntaxError) {
        guard let open = stack.last else { throw fail("unbalanced end tag") }
        stack.removeLast()
        if bindings.count > open.bindingsCount {
            bindings.removeSubrange(open.bindingsCount...)
            resolvedBindingsCount = -1
            attributeBindingsCount = -1
        }
        if stack.isEmpty {
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

    private var defaultNamespace: XMLNamespace {
        var k = bindings.count - 1
        while k >= 0 {
            if bindings[k].prefixEnd == bindings[k].prefixStart { return bindings[k].namespace }
            k -= 1
        }
        return .none
    }

    private mutating func resolve(prefixStart: Int, prefixEnd: Int) throws(XMLSyntaxError) -> XMLNamespace {
        let length = prefixEnd - prefixStart
        let key = prefixKey(prefixStart, prefixEnd)
        var k = bindings.count - 1
        while k >= 0 {
            let binding = bindings[k]
            if binding.key == key, binding.prefixEnd - binding.prefixStart == length, length > 0,
               length <= 8 || memcmp(p + binding.prefixStart + 8, p + prefixStart + 8, length - 8) == 0 {
                return binding.namespace
            }
            k -= 1
        }
        if length == 3, startsWith("xml", at: prefixStart) { return .xml }
        throw fail("namespace prefix \(text(prefixStart, prefixEnd)) is not declared")
    }

    private mutating func namespaceOf(_ attribute: Attribute) throws(XMLSyntaxError) -> XMLNamespace {
        if !attribute.references {
            return XMLNamespace(uri: UnsafeRawBufferPointer(rebasing: bytes[attribute.valueStart..<attribute.valueEnd]))
        }
        var value: [UInt8] = []
        decode(attribute.valueStart, attribute.valueEnd, attributeValue: true, into: &value)
        return value.withUnsafeBytes { XMLNamespace(uri: $0) }
    }

    // MARK: - Names, values, references

    struct Name {
        var start: Int
        var end: Int
        var colon: Int
    }

    /// A start tag's name: from the name cache when the same bytes were a
    /// name before, else read (and remembered).
    @inline(__always)
    private mutating func readStartTagName() throws(XMLSyntaxError) -> Name {
        let start = index
        guard start + 8 <= count else {
            nameIdentity = -1
            return try readName(until: count)
        }
        let word = UnsafeRawPointer(p + start).loadUnaligned(as: UInt64.self)
        let set = Int(truncatingIfNeeded: (word &* 0x9E37_79B9_7F4A_7C15) >> 56) &* 4
        var way = 0
        while way < 4 {
            let entry = nameCache[set &+ way]
            if entry == 0 { break }
            let earlier = Int(truncatingIfNeeded: entry & 0xFF_FFFF_FFFF)
            let length = Int(truncatingIfNeeded: (entry >> 40) & 0xFFF)
            let after = start + length
            if after < count, Self.equal(p + start, p + earlier, length) {
                let b = p[after]
                if b < 0x80, nameTable[Int(b)] == 0 {
                    let colon = Int(truncatingIfNeeded: entry >> 52) - 1
                    index = after
                    nameIdentity = earlier
                    return Name(start: start, end: after, colon: colon >= 0 ? start + colon : -1)
                }
            }
            way += 1
        }
        let name = try readName(until: count)
        let length = name.end - name.start
        if length < 0xFFF, start < 0xFF_FFFF_FFFF {
            let colon = name.colon >= 0 ? UInt64(name.colon - start + 1) : 0
            nameCache[set + 3] = nameCache[set + 2]
            nameCache[set + 2] = nameCache[set + 1]
            nameCache[set + 1] = nameCache[set]
            nameCache[set] = UInt64(start) | UInt64(length) << 40 | colon << 52
            nameIdentity = start
        } else {
            nameIdentity = -1
        }
        return name
    }

    /// A QName: an NCName, or two joined by one colon. Non-ASCII name
    /// characters are checked against XML 1.0's NameStartChar / NameChar.
    private mutating func readName(until limit: Int) throws(XMLSyntaxError) -> Name {
        let start = index
        // The common case: ASCII letters, digits, '-', '.', '_' and at most
        // one colon, tested against two bit masks per byte.
        var i = start
        let end = min(limit, start + limits.maxNameBytes + 1)
        let table = nameTable
        var colon = -1
        while i < end {
            let kind = table[Int(p[i])]
            if kind == 1 { i += 1; continue }
            guard kind == 2 else { break }
            if colon >= 0 { return try readNameSlowly(until: limit) }
            colon = i
            i += 1
        }
        if i < end, p[i] >= 0x80 { return try readNameSlowly(until: limit) }
        // Each part starts with a letter or '_', and neither part is empty.
        guard i > start, i - start <= limits.maxNameBytes, XMLCharacters.isASCIINameStart(p[start]),
              colon < 0 || (colon + 1 < i && XMLCharacters.isASCIINameStart(p[colon + 1])) else {
            return try readNameSlowly(until: limit)
        }
        index = i
        return Name(start: start, end: i, colon: colon)
    }

    /// Names with non-ASCII characters, and every malformed name: checked
    /// character by character for a precise message.
    private mutating func readNameSlowly(until limit: Int) throws(XMLSyntaxError) -> Name {
        let start = self.index
        var colon = -1
        var partStart = true
        while self.index < limit {
            let b = bytes[self.index]
            if b < 0x80 {
                if XMLCharacters.isASCIINameStart(b) {
                    self.index += 1
                } else if XMLCharacters.isASCIINameOther(b), !partStart {
                    self.index += 1
                } else if b == UInt8(ascii: ":"), colon < 0, !partStart {
                    colon = self.index
                    self.index += 1
                    partStart = true
                    continue
                } else {
                    break
                }
            } else {
                let (scalar, length) = XMLCharacters.scalar(bytes, at: self.index)
                if partStart ? !XMLCharacters.isNameStart(scalar) : !XMLCharacters.isNameChar(scalar) {
                    throw fail("U+\(String(scalar, radix: 16, uppercase: true)) is not a name character")
                }
                self.index += length
            }
            partStart = false
            if self.index - start > limits.maxNameBytes { throw fail("name longer than \(limits.maxNameBytes) bytes") }
        }
        guard self.index > start else {
            throw fail(self.index < bytes.count ? "name expected, found '\(printable(bytes[self.index]))'" : "name expected")
        }
        if partStart { throw fail("malformed qualified name \(text(start, self.index))") }
        if self.index < limit, bytes[self.index] == UInt8(ascii: ":") { throw fail("malformed qualified name \(text(start, self.index + 1))") }
        return Name(start: start, end: self.index, colon: colon)
    }

    private mutating func readAttributeValue() throws(XMLSyntaxError) -> (start: Int, end: Int, references: Bool) {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
            throw fail("quoted attribute value expected")
        }
        let quote = bytes[index]
        let start = index + 1
        // The common case: no '<' and no '&' before the closing quote,
        // found with memchr (vectorised) rather than byte by byte.
        if let base = bytes.baseAddress {
            let span = min(bytes.count - start, limits.maxTextBytes + 1)
            if span > 0, let found = memchr(base + start, Int32(quote), span) {
                let end = base.distance(to: UnsafeRawPointer(found))
                let length = end - start
                if length == 0 || (memchr(base + start, 0x3C, length) == nil && memchr(base + start, 0x26, length) == nil) {
                    index = end + 1
                    return (start, end, false)
                }
            }
        }
        var i = start
        var references = false
        while true {
            guard i < bytes.count else { index = i; throw fail("unterminated attribute value") }
            let b = bytes[i]
            if b == quote { break }
            if b == UInt8(ascii: "<") { index = i; throw fail("'<' in attribute value") }
            if b == UInt8(ascii: "&") {
                references = true
                i = try checkReference(at: i)
                continue
            }
            i += 1
            if i - start > limits.maxTextBytes { index = i; throw fail("attribute value longer than \(limits.maxTextBytes) bytes") }
        }
        index = i + 1
        return (start, i, references)
    }

    /// Checks the reference at `position` (`&`) and returns the offset
    /// after its `;`. `&lt;` `&gt;` `&amp;` `&apos;` `&quot;` `&#N;`
    /// `&#xH;` naming an XML character; nothing else.
    private mutating func checkReference(at position: Int) throws(XMLSyntaxError) -> Int {
        guard let (_, end) = XMLCharacters.reference(bytes, at: position) else {
            index = position
            var close = position + 1
            while close < bytes.count, close - position <= 12, bytes[close] != UInt8(ascii: ";") { close += 1 }
            if close < bytes.count, bytes[close] == UInt8(ascii: ";") {
                let body = text(position + 1, close)
                throw fail(body.hasPrefix("#") ? "character reference &\(body); is not an XML character" : "entity &\(body); refused: only the five predefined entities")
            }
            throw fail("malformed entity or character reference")
        }
        return end
    }

    /// The bytes from `start` to `end` with references replaced (checked
    /// when scanned). In attribute values, tab, CR and LF become spaces.
    public func decode(_ start: Int, _ end: Int, attributeValue: Bool = false, into out: inout [UInt8]) {
        var i = start
        while i < end {
            let b = bytes[i]
            if b == UInt8(ascii: "&"), let (scalar, next) = XMLCharacters.reference(bytes, at: i) {
                XMLCharacters.appendUTF8(scalar, to: &out)
                i = next
                continue
            }
            out.append(attributeValue && (b == 0x09 || b == 0x0A || b == 0x0D) ? 0x20 : b)
            i += 1
        }
    }

    private func decodedLength(_ start: Int, _ end: Int) -> Int {
        var out: [UInt8] = []
        decode(start, end, into: &out)
        return out.count
    }

    /// An attribute's value, references decoded.
    public func value(of attribute: Attribute, into out: inout [UInt8]) {
        decode(attribute.valueStart, attribute.valueEnd, attributeValue: true, into: &out)
    }

    public func isAttribute(_ attribute: Attribute, _ namespace: XMLNamespace, _ local: StaticString) -> Bool {
        guard attribute.namespace == namespace, attribute.colon >= 0 || namespace == .none else { return false }
        let localStart = attribute.colon >= 0 ? attribute.colon + 1 : attribute.nameStart
        return equals(localStart, attribute.nameEnd, local)
    }

    // MARK: - Bytes

    /// Whether `length` bytes at `a` and `b` are equal: words, not a call.
    @inline(__always) static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        if length < 8 {
            var k = 0
            while k < length { if a[k] != b[k] { return false }; k += 1 }
            return true
        }
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var k = 0
        while k + 8 <= length {
            if ra.loadUnaligned(fromByteOffset: k, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: k, as: UInt64.self) { return false }
            k += 8
        }
        // The last eight bytes (overlapping those compared already).
        return k == length || ra.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self) == rb.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
    }

    /// `xmlns` at `position` (the caller knows five bytes follow).
    @inline(__always) private func isXMLNS(_ position: Int) -> Bool {
        position + 5 <= count && p[position] == UInt8(ascii: "x") && p[position + 1] == UInt8(ascii: "m") && p[position + 2] == UInt8(ascii: "l")
            && p[position + 3] == UInt8(ascii: "n") && p[position + 4] == UInt8(ascii: "s")
    }

    /// The first (up to) eight bytes of a prefix, little-endian, zero-filled.
    @inline(__always) private func prefixKey(_ start: Int, _ end: Int) -> UInt64 {
        let length = min(end - start, 8)
        // One load, the bytes past the prefix masked off (little-endian:
        // the prefix is the low `length` bytes), when eight bytes are there
        // to load; byte by byte only near the end of the document.
        if start + 8 <= count {
            let word = UInt64(littleEndian: UnsafeRawPointer(p + start).loadUnaligned(as: UInt64.self))
            return length >= 8 ? word : length <= 0 ? 0 : word & (UInt64.max >> UInt64(64 - 8 * length))
        }
        var key: UInt64 = 0
        var k = 0
        while k < length { key |= UInt64(p[start + k]) << UInt64(8 * k); k += 1 }
        return key
    }

    private func startsWith(_ literal: StaticString) -> Bool { startsWith(literal, at: index) }

    private func startsWith(_ literal: StaticString, at position: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        let base = literal.utf8Start
        for k in 0..<count where bytes[position + k] != base[k] { return false }
        return true
    }

    func equals(_ start: Int, _ end: Int, _ literal: StaticString) -> Bool {
        end - start == literal.utf8CodeUnitCount && startsWith(literal, at: start)
    }

    private func equalBytes(_ a: Int, _ aEnd: Int, _ b: Int, _ bEnd: Int) -> Bool {
        let count = aEnd - a
        guard count == bEnd - b else { return false }
        guard count > 0, let base = bytes.baseAddress else { return true }
        return memcmp(base + a, base + b, count) == 0
    }

    private func find(_ needle: StaticString, from start: Int) -> Int? {
        let count = needle.utf8CodeUnitCount
        let base = needle.utf8Start
        let first = base[0]
        var i = start
        let last = bytes.count - count
        while i <= last {
            if bytes[i] == first {
                var k = 1
                while k < count, bytes[i + k] == base[k] { k += 1 }
                if k == count { return i }
            }
            i += 1
        }
        return nil
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = index
        while index < count, isWhitespace(p[index]) { index += 1 }
        return index > start
    }

    @inline(__always) private func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D }

    private func isASCIILetter(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }

    private func text(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<min(end, start + 64, bytes.count)]), as: UTF8.self)
    }

    private func printable(_ b: UInt8) -> String {
        b >= 0x20 && b < 0x7F ? String(UnicodeScalar(b)) : "0x" + String(b, radix: 16)
    }

    func fail(_ message: String) -> XMLSyntaxError { failAt(index, message) }

    func failAt(_ offset: Int, _ message: String) -> XMLSyntaxError {
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

/// Character-level rules of XML 1.0, shared by the scanner and its checks.
enum XMLCharacters {
    /// Valid UTF-8 and no character XML 1.0 forbids, checked once for the
    /// whole document so the scanner can trust every byte. Thirty-two or
    /// eight ASCII bytes at a time: printable ASCII is the common case.
    static func validate(_ bytes: UnsafeRawBufferPointer, json: Bool = false) throws(XMLSyntaxError) {
        let n = bytes.count
        var i = 0
        // Eight ASCII bytes at a time (the words and bytes left by the
        // vector loop below): exact per byte for ASCII, no carries.
        let seven: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let high: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func allowed(_ word: UInt64) -> Bool {
            let controls = ~((word & seven) &+ 0x6060_6060_6060_6060) & high
            @inline(__always) func equal(_ c: UInt64) -> UInt64 {
                let y = word ^ (c &* 0x0101_0101_0101_0101)
                return ~(((y & seven) &+ seven) | y) & high
            }
            return controls == 0 || controls & ~(equal(0x0A) | equal(0x09) | equal(0x0D)) == 0
        }
        let base = bytes.baseAddress
        // Where the vector loop may start again: after a block it left to
        // the checks below, so text that is mostly non-ASCII pays for one
        // vector test per 32 bytes, not per character.
        var vectorFrom = 0
        while i < n {
            if i >= vectorFrom, let base {
                // Thirty-two bytes a time as two 16-byte vectors (SSE2 or
                // NEON compares): as signed bytes, one comparison finds both
                // the bytes below 0x20 and those from 0x80 (negative). Only
                // a block that has one (mostly a line's line feed) is looked
                // at again, for tab, LF and CR; anything else there (a
                // non-ASCII character, a refused control byte) goes to the
                // checks below, and the vector loop resumes after it.
                let space = SIMD16<Int8>(repeating: 0x20)
                while i + 32 <= n {
                    let a = (base + i).loadUnaligned(as: SIMD16<Int8>.self)
                    let b = (base + i + 16).loadUnaligned(as: SIMD16<Int8>.self)
                    let lowA = a .< space, lowB = b .< space
                    if any(lowA .| lowB) {
                        // Tab and LF (9, 10), CR (13), by ranges: the
                        // comparisons vectorise where equality does not.
                        let eight = SIMD16<Int8>(repeating: 8), eleven = SIMD16<Int8>(repeating: 11)
                        let twelve = SIMD16<Int8>(repeating: 12), fourteen = SIMD16<Int8>(repeating: 14)
                        let spaceA = ((a .> eight) .& (a .< eleven)) .| ((a .> twelve) .& (a .< fourteen))
                        let spaceB = ((b .> eight) .& (b .< eleven)) .| ((b .> twelve) .& (b .< fourteen))
                        if any((lowA .& .!spaceA) .| (lowB .& .!spaceB)) { break }
                    }
                    i += 32
                }
                if i >= n { break }
                vectorFrom = i + 32
            }
            // Eight at a time: no byte >= 0x80, and no byte < 0x20 but tab,
            // LF or CR (exact per byte for ASCII: no carries).
            if i + 8 <= n {
                let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if word & high == 0, allowed(word) { i += 8; continue }
            }
            let b = bytes[i]
            if b < 0x80 {
                if b < 0x20, b != 0x09, b != 0x0A, b != 0x0D { throw failAt(bytes, i, "control character 0x\(String(b, radix: 16)) not allowed") }
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
            default: throw failAt(bytes, i, "not UTF-8")
            }
            guard i + length <= n else { throw failAt(bytes, i, "truncated UTF-8 sequence") }
            for k in 1..<length {
                let c = bytes[i + k]
                guard c & 0xC0 == 0x80 else { throw failAt(bytes, i, "not UTF-8") }
                scalar = scalar << 6 | UInt32(c & 0x3F)
            }
            // JSON allows the noncharacters U+FFFE and U+FFFF; XML does not.
            guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar), json || (scalar != 0xFFFE && scalar != 0xFFFF) else {
                throw failAt(bytes, i, "not a valid XML character")
            }
            i += length
        }
    }

    /// Whether any byte is below 0x20 (eight at a time).
    static func hasControlByte(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = bytes.count
        while i + 8 <= n {
            let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // Exact for bytes below 0x80; bytes from 0x80 are never below 0x20.
            let seven: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
            if ~((word & seven) &+ 0x6060_6060_6060_6060) & ~word & 0x8080_8080_8080_8080 != 0 { return true }
            i += 8
        }
        while i < n {
            if bytes[i] < 0x20 { return true }
            i += 1
        }
        return false
    }

    static func failAt(_ bytes: UnsafeRawBufferPointer, _ offset: Int, _ message: String) -> XMLSyntaxError {
        var line = 1
        for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A { line += 1 }
        return XMLSyntaxError(message: message, line: line)
    }

    /// The scalar of a UTF-8 sequence, and its length. Validated
    /// sequences come whole; without validation (the identity-only scan
    /// for processing order) a sequence cut by the end of the document is
    /// scalar 0, which no name holds: never a read past the end.
    static func scalar(_ bytes: UnsafeRawBufferPointer, at i: Int) -> (UInt32, Int) {
        let b = bytes[i]
        if b < 0x80 { return (UInt32(b), 1) }
        let length = b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
        guard i + length <= bytes.count else { return (0, 1) }
        if b < 0xE0 { return (UInt32(b & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F), 2) }
        if b < 0xF0 { return (UInt32(b & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F), 3) }
        return (UInt32(b & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F), 4)
    }

    /// 1 for the ASCII bytes a name may hold (letters, digits, '-', '.',
    /// '_'), 2 for ':', 0 for every other byte: one load per byte.
    nonisolated(unsafe) static let nameTable: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for b in 0..<256 { table[b] = isASCIINameByte(UInt8(b)) ? 1 : b == 0x3A ? 2 : 0 }
        return UnsafePointer(table)
    }()

    /// What character data must stop at or look at again: `textLess` for
    /// '<' (its end), `textAmpersand` for '&' (a reference), `textGreater`
    /// for '>' (which may close a refused `]]>`), 0 for every other byte.
    nonisolated(unsafe) static let textTable: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for b in 0..<256 {
            table[b] = b == 0x3C ? textLess : b == 0x26 ? textAmpersand : b == 0x3E ? textGreater : 0
        }
        return UnsafePointer(table)
    }()
    static let textLess: UInt8 = 1
    static let textAmpersand: UInt8 = 2
    static let textGreater: UInt8 = 4

    /// Letters, digits, '-', '.', '_' (not ':'): bits of two 64-bit masks.
    @inline(__always) static func isASCIINameByte(_ b: UInt8) -> Bool {
        // 0-63: '-' (45), '.' (46), '0'-'9' (48-57); 64-127: 'A'-'Z', '_', 'a'-'z'.
        let low: UInt64 = 0x03FF_6000_0000_0000
        let high: UInt64 = 0x07FF_FFFE_87FF_FFFE
        if b < 64 { return (low >> UInt64(b)) & 1 != 0 }
        if b < 128 { return (high >> UInt64(b - 64)) & 1 != 0 }
        return false
    }

    @inline(__always) static func isASCIINameStart(_ b: UInt8) -> Bool {
        (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") || b == UInt8(ascii: "_")
    }

    @inline(__always) static func isASCIINameOther(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
    }

    /// XML 1.0 (fifth edition) NameStartChar, beyond ASCII.
    static func isNameStart(_ c: UInt32) -> Bool {
        switch c {
        case 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF, 0x370...0x37D, 0x37F...0x1FFF, 0x200C...0x200D, 0x2070...0x218F,
             0x2C00...0x2FEF, 0x3001...0xD7FF, 0xF900...0xFDCF, 0xFDF0...0xFFFD, 0x10000...0xEFFFF:
            return true
        default:
            return c < 0x80 && isASCIINameStart(UInt8(c))
        }
    }

    static func isNameChar(_ c: UInt32) -> Bool {
        if isNameStart(c) { return true }
        switch c {
        case 0xB7, 0x300...0x36F, 0x203F...0x2040: return true
        default: return c < 0x80 && isASCIINameOther(UInt8(c))
        }
    }

    /// The reference at `position` (`&`): its character and the offset
    /// after its `;`, or nil when it is not one XML allows here.
    static func reference(_ bytes: UnsafeRawBufferPointer, at position: Int) -> (UInt32, Int)? {
        let start = position + 1
        var end = start
        while end < bytes.count, end - start <= 10, bytes[end] != UInt8(ascii: ";") { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: ";"), end > start else { return nil }
        let length = end - start
        func matches(_ name: StaticString) -> Bool {
            guard name.utf8CodeUnitCount == length else { return false }
            for k in 0..<length where bytes[start + k] != name.utf8Start[k] { return false }
            return true
        }
        if matches("lt") { return (0x3C, end + 1) }
        if matches("gt") { return (0x3E, end + 1) }
        if matches("amp") { return (0x26, end + 1) }
        if matches("apos") { return (0x27, end + 1) }
        if matches("quot") { return (0x22, end + 1) }
        guard bytes[start] == UInt8(ascii: "#") else { return nil }
        var i = start + 1
        var radix: UInt32 = 10
        if i < end, bytes[i] == UInt8(ascii: "x") { radix = 16; i += 1 }
        guard i < end, end - i <= 8 else { return nil }
        var value: UInt32 = 0
        while i < end {
            let b = bytes[i]
            let digit: UInt32
            switch b {
            case 48...57: digit = UInt32(b - 48)
            case 97...102 where radix == 16: digit = UInt32(b - 87)
            case 65...70 where radix == 16: digit = UInt32(b - 55)
            default: return nil
            }
            value = value * radix + digit
            i += 1
        }
        guard isCharacter(value) else { return nil }
        return (value, end + 1)
    }

    static func isCharacter(_ value: UInt32) -> Bool {
        value == 0x9 || value == 0xA || value == 0xD || (0x20...0xD7FF).contains(value) || (0xE000...0xFFFD).contains(value) || (0x10000...0x10FFFF).contains(value)
    }

    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80: out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6)); out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12)); out.append(UInt8(0x80 | scalar >> 6 & 0x3F)); out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18)); out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F)); out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
