#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON-LD reading error: not JSON (RFC 8259, strictly), or JSON-LD
/// this format does not use. The file is F06.
struct JSONLDError: Error {
    var message: String
    var offset: Int

    /// Not an error: reading stops because the builder is done.
    static let stopped = -1
}

/// The JSON-LD serialisation of a billing file, read in one pass over the
/// bytes in place into the same element events as RDF/XML
/// (`BillingDocumentBuilder`): a property is an element, a node object an
/// element named by its `@type`, `{"@id": iri}` an `rdf:resource`, a string
/// (or `{"@value": string}`) text. So both serialisations share every check
/// and every code.
///
/// JSON is checked strictly (RFC 8259: grammar, UTF-8, escapes, no
/// duplicate keys, nesting and sizes bounded). Keys and types are expanded
/// through the `@context` (prefixes, terms, `@vocab`); a context is given
/// inline or by the URL of OpenCASS's own context, which is built in and
/// never fetched.
struct JSONLDDocumentReader {
    private let bytes: UnsafeRawBufferPointer
    private let p: UnsafePointer<UInt8>
    private let n: Int
    private var i = 0
    private let limits: XMLLimits
    private var context = JSONLDContext()
    /// Expanded IRIs and decoded strings, reused.
    private var scratch: [UInt8] = []
    private var text: [UInt8] = []
    /// Keys of the open objects (offsets of their raw text and the hash
    /// the key cache uses), for the duplicate check (the first `keyCount`
    /// entries are live): keys are compared byte for byte only when their
    /// hashes agree.
    private let keys = KeyTable()
    private var keyCount = 0
    /// The hash of the member name `memberKey` read last (`expand` takes it).
    private var memberHash: UInt64 = 0
    /// The key cache's slot of the name `memberKey` or `expand` took last
    /// (-1: none, or not cached), so a typed node can learn which name
    /// follows which.
    private var memberSlot = -1
    /// Keys expanded already, found by a hash of their length and first
    /// and last eight bytes (no hashing of every byte, no `Dictionary`),
    /// each hit confirmed byte for byte. Open addressing over a few slots:
    /// direct-mapped, two keys of every transaction that shared a slot
    /// pushed each other out and were expanded again each time (about 340
    /// expansions a file where 55 names occur).
    /// Not optionals: a slot is tested where it stands (`filled`), not
    /// copied out with its two arrays retained and released per key.
    private var keyCache = [CachedKey](repeating: CachedKey(filled: false, expands: false, hash: 0, key: [], name: JSONLDName([]), next: -1), count: JSONLDDocumentReader.keyCacheSlots)
    private static let keyCacheSlots = 512
    /// Slots looked at for one key; past them a key is expanded each time.
    private static let keyCacheProbes = 8

    private struct CachedKey {
        var filled: Bool
        /// False for a key the context maps to nothing (dropped).
        var expands: Bool
        var hash: UInt64
        var key: [UInt8]
        var name: JSONLDName
        /// The slot of the name that followed this one (a type or a key)
        /// last time in a typed node, or -1: a transaction's members come
        /// in the same order each time, so the next key is checked against
        /// it in place before it is scanned, hashed and looked up.
        var next: Int
    }

    static func read(_ bytes: UnsafeRawBufferPointer, into builder: inout BillingDocumentBuilder) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            builder.syntaxError(XMLSyntaxError(message: "empty document", line: 1), what: "JSON-LD")
            return
        }
        var reader = JSONLDDocumentReader(bytes: bytes, p: base.assumingMemoryBound(to: UInt8.self), n: bytes.count, limits: builder.limits)
        // Strings without escapes and IRIs passed on in place stay ranges
        // of the document (as in RDF/XML) instead of being copied into
        // each transaction's tree; the tree must not keep them past this read.
        builder.transactionsRead(in: bytes)
        defer { builder.transactionsRead(in: UnsafeRawBufferPointer(start: nil, count: 0)) }
        do {
            try reader.document(&builder)
        } catch {
            // The builder has what it wanted (the envelope's identity): not an error.
            if error.offset == JSONLDError.stopped { return }
            builder.syntaxError(XMLSyntaxError(message: error.message, line: reader.line(at: error.offset)), what: "JSON-LD")
        }
    }

    /// The JSON grammar alone (characters, strings, nesting, duplicate
    /// keys), no JSON-LD: `ReaderProfile`'s first stage. The bytes read, or -1.
    static func scan(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return -1 }
        var reader = JSONLDDocumentReader(bytes: bytes, p: base.assumingMemoryBound(to: UInt8.self), n: bytes.count, limits: .standard)
        do {
            do { try XMLCharacters.validate(bytes, json: true) } catch { return -1 }
            try reader.skipValue(depth: 1)
        } catch { return -1 }
        return reader.i
    }

    private init(bytes: UnsafeRawBufferPointer, p: UnsafePointer<UInt8>, n: Int, limits: XMLLimits) {
        self.bytes = bytes
        self.p = p
        self.n = n
        self.limits = limits
    }

    // MARK: - The document

    private mutating func document(_ builder: inout BillingDocumentBuilder) throws(JSONLDError) {
        if n > limits.maxDocumentBytes { throw JSONLDError(message: "document larger than \(limits.maxDocumentBytes) bytes", offset: 0) }
        if !builder.identityOnly {
            do { try XMLCharacters.validate(bytes, json: true) } catch { throw JSONLDError(message: error.message, offset: 0) }
        }
        if n >= 3, p[0] == 0xEF, p[1] == 0xBB, p[2] == 0xBF { i = 3 }
        skipWhitespace()
        guard i < n, p[i] == UInt8(ascii: "{") else { throw fail("a JSON object expected") }
        let top = i
        // The context first, wherever it stands among the top-level keys.
        if let contextAt = try findKey("@context", inObjectAt: top) {
            i = contextAt
            var context = self.context
            try context.read(&self)
            self.context = context
        }
        // The frame RDF/XML has: an `rdf:RDF` around the top-level nodes.
        _ = builder.start(.rdf, JSONLDContext.rdfRoot)
        i = top
        let graphAt = try findKey("@graph", inObjectAt: top, settledBy: "@type")
        if let graphAt {
            // {"@context": ..., "@graph": [node, ...]}: nothing else but @id.
            try forEachMember(depth: 1) { reader, key, _ throws(JSONLDError) in
                if reader.equals(key, "@context") || reader.equals(key, "@id") || reader.equals(key, "@graph") {
                    try reader.skipValue(depth: 2)
                } else {
                    throw reader.fail("a top-level object with @graph holds \(reader.quoted(key)): only @context, @id and @graph")
                }
            }
            let end = i
            i = graphAt
            skipWhitespace()
            if i < n, p[i] == UInt8(ascii: "[") {
                try forEachElement(depth: 2) { reader, depth throws(JSONLDError) in
                    guard reader.peek() == UInt8(ascii: "{") else { throw reader.fail("the @graph holds node objects") }
                    try reader.nodeObject(&builder, depth: depth, topLevel: false)
                }
            } else {
                guard peek() == UInt8(ascii: "{") else { throw fail("the @graph holds node objects") }
                try nodeObject(&builder, depth: 2, topLevel: false)
            }
            i = end
        } else {
            try nodeObject(&builder, depth: 1, topLevel: true)
        }
        skipWhitespace()
        guard i == n else { throw fail("text after the top-level object") }
        if !builder.done {
            builder.end()
            builder.endDocument()
        }
    }

    /// A node object: an element named by its `@type` (inside the element
    /// of the property holding it), its properties inside it.
    /// `leadingType`: the object's first member is an unescaped `@type`
    /// (its name read already, its value at `valueAt`).
    private mutating func nodeObject(_ builder: inout BillingDocumentBuilder, depth: Int, topLevel: Bool,
                                     leadingType: (key: StringToken, valueAt: Int)? = nil) throws(JSONLDError) {
        let start = i
        if let leadingType, leadingType.valueAt < n, p[leadingType.valueAt] == UInt8(ascii: "\"") {
            return try typedNodeObject(&builder, depth: depth, topLevel: topLevel, typeKey: leadingType.key, typeAt: leadingType.valueAt)
        }
        let typeAt = try findKey("@type", inObjectAt: start)
        var entered = false
        if let typeAt {
            i = typeAt
            let type = try readType()
            entered = type.withUnsafeBytes { builder.start(type.namespace, term: type.term, $0) }
        } else {
            entered = builder.start(.rdf, JSONLDContext.rdfDescription)
        }
        i = start
        guard entered else { return try skipValue(depth: depth) }
        try forEachMember(depth: depth) { reader, key, depth throws(JSONLDError) in
            try reader.nodeMember(key, &builder, depth: depth, topLevel: topLevel)
        }
        if !builder.done { builder.end() }
    }

    /// A node object as OpenCASS writes it, `{"@type": "...", ...}`, in
    /// one pass: the type read where it stands names the element, then the
    /// other members follow (no look for `@type` first, no second reading
    /// of its name and value). The checks and their order are
    /// `forEachMember`'s, so the errors and their offsets are the same.
    private mutating func typedNodeObject(_ builder: inout BillingDocumentBuilder, depth: Int, topLevel: Bool,
                                          typeKey: StringToken, typeAt: Int) throws(JSONLDError) {
        let start = i
        i = typeAt
        let type = try readType()
        var previous = memberSlot
        guard type.withUnsafeBytes({ builder.start(type.namespace, term: type.term, $0) }) else {
            i = start
            return try skipValue(depth: depth)
        }
        guard depth <= limits.maxDepth else { throw JSONLDError(message: "JSON nested deeper than \(limits.maxDepth)", offset: start) }
        let level = keyCount
        defer { keyCount = level }
        // The first name of the object: no duplicate to look for.
        let raw = UnsafeRawBufferPointer(start: p + typeKey.start, count: typeKey.end - typeKey.start)
        let (head, tail) = TermTable.words(raw)
        let typeHash = TermTable.hash(.none, count: raw.count, head: head, tail: tail)
        record(typeKey, hash: typeHash)
        var names = KeyTable.bit(typeHash)
        if builder.done { throw JSONLDError(message: "", offset: JSONLDError.stopped) }
        while true {
            skipWhitespace()
            if peek() == UInt8(ascii: ",") {
                i += 1
            } else if peek() == UInt8(ascii: "}") {
                i += 1
                break
            } else {
                throw fail("',' or '}' expected")
            }
            let key = try memberKey(level: level, names: &names, expected: previous >= 0 ? keyCache[previous].next : -1)
            let slot = try nodeMember(key, &builder, depth: depth + 1, topLevel: topLevel)
            if previous >= 0, slot >= 0, keyCache[previous].next != slot { keyCache[previous].next = slot }
            previous = slot
        }
        if !builder.done { builder.end() }
    }

    /// One member of a node object (`i` at its value): a keyword the
    /// format allows (skipped) or a property. Returns the key's slot in
    /// the key cache, or -1.
    @discardableResult
    private mutating func nodeMember(_ key: StringToken, _ builder: inout BillingDocumentBuilder, depth: Int, topLevel: Bool) throws(JSONLDError) -> Int {
        if builder.done { throw JSONLDError(message: "", offset: JSONLDError.stopped) }
        if isKeyword(key) {
            if equals(key, "@type") || equals(key, "@id") || (topLevel && equals(key, "@context")) {
                try skipValue(depth: depth)
                return -1
            }
            throw fail("\(quoted(key)) is not used in this format's node objects")
        }
        let name: JSONLDName?
        if memberSlot >= 0 {
            // `memberKey` found the key in place: no second lookup.
            name = keyCache[memberSlot].expands ? keyCache[memberSlot].name : nil
        } else {
            name = try expand(key: key, hash: memberHash)
        }
        // Taken before the value's own keys move it.
        let slot = memberSlot
        guard let name else {
            try skipValue(depth: depth)
            return slot
        }
        try property(name, &builder, depth: depth)
        return slot
    }

    /// A property's value: one value, or an array of them (each one an
    /// occurrence of the property, as repeated elements in RDF/XML).
    private mutating func property(_ name: JSONLDName, _ builder: inout BillingDocumentBuilder, depth: Int) throws(JSONLDError) {
        skipWhitespace()
        if peek() == UInt8(ascii: "[") {
            try forEachElement(depth: depth) { reader, depth throws(JSONLDError) in
                if reader.peek() == UInt8(ascii: "[") {
                    guard name.withUnsafeBytes({ builder.start(name.namespace, term: name.term, $0) }) else { return try reader.skipValue(depth: depth) }
                    builder.invalidValue(.list)
                    try reader.skipValue(depth: depth)
                    builder.end()
                    return
                }
                try reader.singleValue(name, &builder, depth: depth)
            }
        } else {
            try singleValue(name, &builder, depth: depth)
        }
    }

    private mutating func singleValue(_ name: JSONLDName, _ builder: inout BillingDocumentBuilder, depth: Int) throws(JSONLDError) {
        guard name.withUnsafeBytes({ builder.start(name.namespace, term: name.term, $0) }) else { return try skipValue(depth: depth) }
        defer { if !builder.done { builder.end() } }
        skipWhitespace()
        guard i < n else { throw fail("a value expected") }
        switch p[i] {
        case UInt8(ascii: "\""):
            let string = try readString()
            try literal(string, &builder)
        case UInt8(ascii: "{"):
            try objectValue(name, &builder, depth: depth)
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            try skipValue(depth: depth)
            builder.invalidValue(.boolean)
        case UInt8(ascii: "n"):
            try skipValue(depth: depth)
            builder.invalidValue(.null)
        default:
            try skipValue(depth: depth)
            builder.invalidValue(.number)
        }
    }

    /// An object where a value stands: `{"@value": ...}`, `{"@id": iri}`
    /// (an IRI, what code lists use), or a node object.
    private mutating func objectValue(_ name: JSONLDName, _ builder: inout BillingDocumentBuilder, depth: Int) throws(JSONLDError) {
        let start = i
        // What OpenCASS writes tells itself by its first key: `@type` (a
        // node), `@value`, or a lone `@id`. Only other orders cost a look
        // at every key of the object.
        var valueAt: Int?, idAt: Int?, list = false, set = false, members = 0
        if let (first, valueStart) = try firstMember(ofObjectAt: start) {
            if equals(first, "@type") {
                // Its name is not read again.
                i = start
                return try nodeObject(&builder, depth: depth + 1, topLevel: false, leadingType: (first, valueStart))
            }
            if equals(first, "@value") { valueAt = valueStart }
            if equals(first, "@id") {
                i = valueStart
                if peek() == UInt8(ascii: "\"") {
                    // {"@id": "iri"}: a code-list value, read in one go.
                    let iri = try readString()
                    skipWhitespace()
                    if peek() == UInt8(ascii: "}") {
                        i += 1
                        try resource(iri, &builder)
                        return
                    }
                }
            }
        }
        if valueAt == nil {
            i = start
            try forEachMember(depth: depth + 1) { reader, key, depth throws(JSONLDError) in
                members += 1
                if reader.equals(key, "@value") { valueAt = reader.i }
                if reader.equals(key, "@id") { idAt = reader.i }
                if reader.equals(key, "@list") { list = true }
                if reader.equals(key, "@set") { set = true }
                try reader.skipValue(depth: depth)
            }
        }
        i = start
        if list {
            builder.invalidValue(.list)
            return try skipValue(depth: depth)
        }
        if set { throw fail("@set is not used in this format") }
        if let valueAt {
            try forEachMember(depth: depth + 1) { reader, key, depth throws(JSONLDError) in
                guard reader.equals(key, "@value") || reader.equals(key, "@type") || reader.equals(key, "@language") || reader.equals(key, "@direction") else {
                    throw reader.fail("a value object holds \(reader.quoted(key))")
                }
                try reader.skipValue(depth: depth)
            }
            let end = i
            i = valueAt
            skipWhitespace()
            if peek() == UInt8(ascii: "\"") {
                let string = try readString()
                try literal(string, &builder)
            } else {
                try skipValue(depth: depth + 1)
                builder.invalidValue(.number)
            }
            i = end
            return
        }
        if members == 1, let idAt {
            // A reference: only @id.
            try skipValue(depth: depth)
            let end = i
            i = idAt
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("@id holds a string") }
            let iri = try readString()
            try resource(iri, &builder)
            i = end
            return
        }
        try nodeObject(&builder, depth: depth + 1, topLevel: false)
    }

    /// The first member's key and where its value starts, or nil for `{}`.
    private mutating func firstMember(ofObjectAt start: Int) throws(JSONLDError) -> (StringToken, Int)? {
        i = start + 1
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { return nil }
        let key = try readString()
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else { throw fail("':' expected after a member name") }
        i += 1
        skipWhitespace()
        return (key, i)
    }

    private mutating func literal(_ string: StringToken, _ builder: inout BillingDocumentBuilder) throws(JSONLDError) {
        if string.escaped {
            text.removeAll(keepingCapacity: true)
            try decode(string, into: &text)
            if text.count > limits.maxTextBytes { throw JSONLDError(message: "string longer than \(limits.maxTextBytes) bytes", offset: string.start) }
            do throws(XMLSyntaxError) { try builder.text(text, whitespace: false) } catch { throw JSONLDError(message: error.message, offset: string.start) }
        } else {
            if string.end - string.start > limits.maxTextBytes { throw JSONLDError(message: "string longer than \(limits.maxTextBytes) bytes", offset: string.start) }
            do throws(XMLSyntaxError) { try builder.text(UnsafeRawBufferPointer(start: p + string.start, count: string.end - string.start), whitespace: false) } catch {
                throw JSONLDError(message: error.message, offset: string.start)
            }
        }
    }

    // MARK: - Names

    /// `@type`: a string, or an array of them; the first in a namespace
    /// this format reads names the element.
    private mutating func readType() throws(JSONLDError) -> JSONLDName {
        memberSlot = -1
        skipWhitespace()
        if peek() == UInt8(ascii: "\"") {
            let token = try readString()
            // A type nothing expands is no type of this format.
            return try expand(key: token) ?? JSONLDName([])
        }
        guard peek() == UInt8(ascii: "[") else { throw fail("@type holds a string or an array of strings") }
        var chosen: JSONLDName?
        try forEachElement(depth: 2) { reader, _ throws(JSONLDError) in
            guard reader.peek() == UInt8(ascii: "\"") else { throw reader.fail("@type holds a string or an array of strings") }
            let token = try reader.readString()
            try reader.expandToken(token, vocabulary: true)
            let name = JSONLDName(reader.scratch)
            if chosen == nil || (chosen?.namespace == .other && name.namespace != .other) { chosen = name }
        }
        guard let chosen else { throw fail("@type holds no type") }
        return chosen
    }

    /// A key's expansion: nil when the context maps it to nothing (JSON-LD
    /// drops such keys).
    private mutating func expand(key: StringToken) throws(JSONLDError) -> JSONLDName? {
        let raw = UnsafeRawBufferPointer(start: p + key.start, count: key.end - key.start)
        let (head, tail) = TermTable.words(raw)
        return try expand(key: key, hash: TermTable.hash(.none, count: raw.count, head: head, tail: tail))
    }

    /// `expand(key:)` with the key's hash (`TermTable.hash` of its raw
    /// bytes) known already.
    private mutating func expand(key: StringToken, hash: UInt64) throws(JSONLDError) -> JSONLDName? {
        // Keys repeat on every transaction: expanded once, found again by
        // a hash of their bytes (confirmed byte for byte).
        let raw = UnsafeRawBufferPointer(start: p + key.start, count: key.end - key.start)
        var slot = Int(truncatingIfNeeded: hash >> 32) & (Self.keyCacheSlots - 1)
        // An escaped key is spelled another way next time: never cached.
        var free = key.escaped ? -1 : Self.keyCacheProbes
        if !key.escaped {
            var probe = 0
            while probe < Self.keyCacheProbes {
                guard keyCache[slot].filled else { free = probe; break }
                if keyCache[slot].hash == hash, keyCache[slot].key.count == raw.count,
                   keyCache[slot].key.withUnsafeBytes({ stored in
                       guard let a = stored.baseAddress, let b = raw.baseAddress else { return stored.count == raw.count }
                       return XMLScanner.equal(a.assumingMemoryBound(to: UInt8.self), b.assumingMemoryBound(to: UInt8.self), raw.count)
                   }) {
                    memberSlot = slot
                    return keyCache[slot].expands ? keyCache[slot].name : nil
                }
                slot = (slot + 1) & (Self.keyCacheSlots - 1)
                probe += 1
            }
        }
        let expands = try expandToken(key, vocabulary: true)
        let name = JSONLDName(expands ? scratch : [])
        // Keys are bounded (`readString`); once the slots a key may take are
        // full, it is expanded each time it occurs.
        memberSlot = -1
        if free >= 0, free < Self.keyCacheProbes {
            keyCache[slot] = CachedKey(filled: true, expands: expands, hash: hash, key: Array(raw), name: name, next: -1)
            memberSlot = slot
        }
        return expands ? name : nil
    }

    /// Expands a key or type into `scratch`: a term, a compact IRI through
    /// a prefix, an absolute IRI, or (for vocabulary-relative names) the
    /// `@vocab` and the name. Returns false when nothing expands it.
    @discardableResult
    private mutating func expandToken(_ token: StringToken, vocabulary: Bool) throws(JSONLDError) -> Bool {
        text.removeAll(keepingCapacity: true)
        if token.escaped { try decode(token, into: &text) } else { text.append(contentsOf: UnsafeRawBufferPointer(start: p + token.start, count: token.end - token.start)) }
        scratch.removeAll(keepingCapacity: true)
        return context.expand(text, vocabulary: vocabulary, into: &scratch)
    }

    /// An `@id` value into the builder. Code-list values are absolute
    /// IRIs (`https://...`), which the context gives back unchanged: those
    /// are passed on in place, not copied twice and expanded.
    private mutating func resource(_ iri: StringToken, _ builder: inout BillingDocumentBuilder) throws(JSONLDError) {
        let raw = UnsafeRawBufferPointer(start: p + iri.start, count: iri.end - iri.start)
        if !iri.escaped, context.keepsUnchanged(raw) {
            builder.resource(raw)
            return
        }
        try expandIRI(iri, vocabulary: false)
        scratch.withUnsafeBytes { builder.resource($0) }
    }

    private mutating func expandIRI(_ token: StringToken, vocabulary: Bool) throws(JSONLDError) {
        text.removeAll(keepingCapacity: true)
        if token.escaped { try decode(token, into: &text) } else { text.append(contentsOf: UnsafeRawBufferPointer(start: p + token.start, count: token.end - token.start)) }
        scratch.removeAll(keepingCapacity: true)
        if !context.expand(text, vocabulary: vocabulary, into: &scratch) { scratch = text }
    }

    // MARK: - JSON

    struct StringToken {
        var start: Int
        var end: Int
        var escaped: Bool
    }

    private func isKeyword(_ key: StringToken) -> Bool { key.end > key.start && p[key.start] == UInt8(ascii: "@") }

    func equals(_ token: StringToken, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard !token.escaped, token.end - token.start == count else { return false }
        return memcmp(p + token.start, literal.utf8Start, count) == 0
    }

    private func quoted(_ token: StringToken) -> String {
        "\"" + String(decoding: UnsafeRawBufferPointer(start: p + token.start, count: min(token.end - token.start, 40)), as: UTF8.self) + "\""
    }

    private func peek() -> UInt8 { i < n ? p[i] : 0 }

    private mutating func skipWhitespace() {
        while i < n {
            let b = p[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    /// Calls `body` with each member's key, `i` at its value; `body`
    /// consumes the value. Checks commas, colons and duplicate keys.
    mutating func forEachMember(depth: Int, _ body: (inout JSONLDDocumentReader, StringToken, Int) throws(JSONLDError) -> Void) throws(JSONLDError) {
        guard depth <= limits.maxDepth else { throw fail("JSON nested deeper than \(limits.maxDepth)") }
        skipWhitespace()
        guard i < n, p[i] == UInt8(ascii: "{") else { throw fail("'{' expected") }
        i += 1
        let level = keyCount
        defer { keyCount = level }
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { i += 1; return }
        var names: UInt64 = 0
        while true {
            let key = try memberKey(level: level, names: &names)
            try body(&self, key, depth + 1)
            skipWhitespace()
            if peek() == UInt8(ascii: ",") { i += 1; continue }
            if peek() == UInt8(ascii: "}") { i += 1; return }
            throw fail("',' or '}' expected")
        }
    }

    /// A member's name, checked against the names before it in the object
    /// (those from `level` on), then its ':'; `i` at the value after.
    /// `names`: the object's names so far as bits (`KeyTable.bit`).
    /// `expected`: the key cache's slot of the name likely here, or -1.
    private mutating func memberKey(level: Int, names: inout UInt64, expected: Int = -1) throws(JSONLDError) -> StringToken {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw fail("a member name (a string) expected") }
        let key: StringToken, hash: UInt64
        if expected >= 0, let found = expectedKey(expected) {
            // The same bytes `readString` would have accepted (a cached
            // key has no escape and no control byte), so the same token.
            key = found
            hash = keyCache[expected].hash
            memberSlot = expected
        } else {
            key = try readString()
            let raw = UnsafeRawBufferPointer(start: p + key.start, count: key.end - key.start)
            let (head, tail) = TermTable.words(raw)
            hash = TermTable.hash(.none, count: raw.count, head: head, tail: tail)
            memberSlot = -1
        }
        let length = key.end - key.start
        // A key whose bit is not among the object's names' bits is no duplicate.
        let bit = KeyTable.bit(hash)
        if names & bit != 0 {
            var k = level
            while k < keyCount {
                let other = keys.entries[k]
                if other.hash == hash, other.end - other.start == length, memcmp(p + other.start, p + key.start, length) == 0 {
                    throw JSONLDError(message: "duplicate key \(quoted(key))", offset: key.start)
                }
                k += 1
            }
        }
        names |= bit
        guard keyCount - level < 1_000 else { throw fail("more than 1000 members in one object") }
        record(key, hash: hash)
        memberHash = hash
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else { throw fail("':' expected after a member name") }
        i += 1
        skipWhitespace()
        return key
    }

    /// The cached key in `slot` as a whole string at `i` (its quotes
    /// included), `i` moved past it; nil, `i` unmoved, when it is not.
    private mutating func expectedKey(_ slot: Int) -> StringToken? {
        let start = i + 1
        let matched = keyCache[slot].key.withUnsafeBytes { stored -> Bool in
            let count = stored.count
            guard let a = stored.baseAddress, count > 0, start + count < n, p[start + count] == UInt8(ascii: "\"") else { return false }
            return XMLScanner.equal(a.assumingMemoryBound(to: UInt8.self), p + start, count)
        }
        guard matched else { return nil }
        let end = start + keyCache[slot].key.count
        i = end + 1
        return StringToken(start: start, end: end, escaped: false)
    }

    private mutating func record(_ key: StringToken, hash: UInt64) {
        if keyCount == keys.capacity { keys.grow() }
        keys.entries[keyCount] = KeyTable.Entry(start: key.start, end: key.end, hash: hash)
        keyCount += 1
    }

    /// Calls `body` for each element of an array, `i` at the element.
    mutating func forEachElement(depth: Int, _ body: (inout JSONLDDocumentReader, Int) throws(JSONLDError) -> Void) throws(JSONLDError) {
        guard depth <= limits.maxDepth else { throw fail("JSON nested deeper than \(limits.maxDepth)") }
        skipWhitespace()
        guard peek() == UInt8(ascii: "[") else { throw fail("'[' expected") }
        i += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { i += 1; return }
        while true {
            skipWhitespace()
            try body(&self, depth + 1)
            skipWhitespace()
            if peek() == UInt8(ascii: ",") { i += 1; continue }
            if peek() == UInt8(ascii: "]") { i += 1; return }
            throw fail("',' or ']' expected")
        }
    }

    /// Where the value of `key` starts in the object at `start`, without
    /// moving `i`: the common case (OpenCASS writes `@type` and
    /// `@context` first) looks at the first member only.
    private mutating func findKey(_ key: StaticString, inObjectAt start: Int, settledBy settler: StaticString? = nil) throws(JSONLDError) -> Int? {
        let saved = i
        defer { i = saved }
        // The common case: OpenCASS writes keywords (`@context`, `@id`,
        // `@type`) before properties, so the leading keywords say it. When
        // `settler` is among them and `key` is not, `key` is absent (a
        // later one would be refused where it stands).
        i = start + 1
        var settled = false
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { break }
            let member = try readString()
            guard isKeyword(member) else { break }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { break }
            i += 1
            skipWhitespace()
            if equals(member, key) { return i }
            if let settler, equals(member, settler) { settled = true }
            try skipValue(depth: 2)
            skipWhitespace()
            guard peek() == UInt8(ascii: ",") else { break }
            i += 1
        }
        if settled { return nil }
        i = start
        var found: Int?
        try forEachMember(depth: 1) { reader, member, depth throws(JSONLDError) in
            if found == nil, reader.equals(member, key) { found = reader.i }
            try reader.skipValue(depth: depth)
        }
        return found
    }

    /// Reads a string token (quotes excluded from the range), checking
    /// escapes; control characters must be escaped.
    mutating func readString() throws(JSONLDError) -> StringToken {
        guard peek() == UInt8(ascii: "\"") else { throw fail("a string expected") }
        let start = i + 1
        // The common case: no backslash before the closing quote, no
        // control character. Eight bytes at a time: the first quote,
        // backslash or control byte (the lowest flagged byte is exact).
        var k = start
        while k + 8 <= n {
            let word = UnsafeRawPointer(p + k).loadUnaligned(as: UInt64.self)
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            let quote = word ^ (0x22 &* ones), backslash = word ^ (0x5C &* ones)
            let flags = ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | (word &- 0x20 &* ones) & ~word) & highs
            if flags == 0 { k += 8; continue }
            k += flags.trailingZeroBitCount / 8
            break
        }
        while k < n, p[k] != UInt8(ascii: "\""), p[k] != UInt8(ascii: "\\"), p[k] >= 0x20 { k += 1 }
        if k < n, p[k] == UInt8(ascii: "\"") {
            if k - start > limits.maxTextBytes * 6 { throw JSONLDError(message: "string longer than \(limits.maxTextBytes) bytes", offset: start) }
            i = k + 1
            return StringToken(start: start, end: k, escaped: false)
        }
        k = start
        var escaped = false
        while true {
            guard k < n else { throw JSONLDError(message: "unterminated string", offset: start - 1) }
            let b = p[k]
            if b == UInt8(ascii: "\"") { break }
            if b < 0x20 { throw JSONLDError(message: "control character 0x\(String(b, radix: 16)) in a string (must be escaped)", offset: k) }
            if b == UInt8(ascii: "\\") {
                escaped = true
                guard k + 1 < n else { throw JSONLDError(message: "unterminated string", offset: start - 1) }
                switch p[k + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    k += 2
                case UInt8(ascii: "u"):
                    guard k + 5 < n, (2...5).allSatisfy({ hexValue(p[k + $0]) != nil }) else { throw JSONLDError(message: "malformed \\u escape", offset: k) }
                    k += 6
                default:
                    throw JSONLDError(message: "malformed escape in a string", offset: k)
                }
                continue
            }
            k += 1
        }
        if k - start > limits.maxTextBytes * 6 { throw JSONLDError(message: "string longer than \(limits.maxTextBytes) bytes", offset: start) }
        i = k + 1
        return StringToken(start: start, end: k, escaped: escaped)
    }

    /// The string's text with escapes decoded; a lone surrogate is refused.
    func decode(_ token: StringToken, into out: inout [UInt8]) throws(JSONLDError) {
        var k = token.start
        while k < token.end {
            let b = p[k]
            guard b == UInt8(ascii: "\\") else { out.append(b); k += 1; continue }
            let e = p[k + 1]
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(at: k + 2)
                k += 6
                if (0xD800...0xDBFF).contains(scalar) {
                    guard k + 5 < token.end + 1, p[k] == UInt8(ascii: "\\"), p[k + 1] == UInt8(ascii: "u") else {
                        throw JSONLDError(message: "a lone surrogate in \\u escapes", offset: k)
                    }
                    let low = hex4(at: k + 2)
                    guard (0xDC00...0xDFFF).contains(low) else { throw JSONLDError(message: "a lone surrogate in \\u escapes", offset: k) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    k += 6
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw JSONLDError(message: "a lone surrogate in \\u escapes", offset: k)
                }
                XMLCharacters.appendUTF8(scalar, to: &out)
                continue
            default: out.append(e)
            }
            k += 2
        }
    }

    private func hex4(at k: Int) -> UInt32 {
        var value: UInt32 = 0
        for d in 0..<4 { value = value << 4 | UInt32(hexValue(p[k + d]) ?? 0) }
        return value
    }

    private func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: b - 48
        case 65...70: b - 55
        case 97...102: b - 87
        default: nil
        }
    }

    /// Any JSON value, checked, without events.
    mutating func skipValue(depth: Int) throws(JSONLDError) {
        skipWhitespace()
        guard i < n else { throw fail("a value expected") }
        switch p[i] {
        case UInt8(ascii: "{"):
            try forEachMember(depth: depth) { reader, _, depth throws(JSONLDError) in try reader.skipValue(depth: depth) }
        case UInt8(ascii: "["):
            try forEachElement(depth: depth) { reader, depth throws(JSONLDError) in try reader.skipValue(depth: depth) }
        case UInt8(ascii: "\""):
            _ = try readString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: try number()
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONLDError) {
        let count = word.utf8CodeUnitCount
        guard i + count <= n, memcmp(p + i, word.utf8Start, count) == 0 else { throw fail("a value expected") }
        i += count
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() throws(JSONLDError) {
        let start = i
        func digits() -> Int {
            let from = i
            while i < n, p[i] >= 48, p[i] <= 57 { i += 1 }
            return i - from
        }
        if peek() == UInt8(ascii: "-") { i += 1 }
        guard i < n, p[i] >= 48, p[i] <= 57 else { i = start; throw fail("a value expected") }
        if p[i] == 48 { i += 1 } else { _ = digits() }
        if peek() == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { throw fail("digits expected after '.'") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            i += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw fail("digits expected in an exponent") }
        }
        if i - start > 64 { throw JSONLDError(message: "number longer than 64 characters", offset: start) }
    }

    func fail(_ message: String) -> JSONLDError { JSONLDError(message: message, offset: i) }

    func line(at offset: Int) -> Int {
        var line = 1
        for k in 0..<min(offset, n) where p[k] == 0x0A { line += 1 }
        return line
    }
}

/// The names of the objects open while JSON is read, for the duplicate
/// check: storage of the read's own, grown by doubling, written without
/// the uniqueness and bounds checks of an array's elements.
final class KeyTable {
    struct Entry {
        var start: Int
        var end: Int
        var hash: UInt64
    }

    private(set) var entries: UnsafeMutablePointer<Entry>
    private(set) var capacity: Int

    init() {
        capacity = 64
        entries = .allocate(capacity: capacity)
    }

    deinit { entries.deallocate() }

    func grow() {
        let larger = UnsafeMutablePointer<Entry>.allocate(capacity: capacity * 2)
        larger.moveInitialize(from: entries, count: capacity)
        entries.deallocate()
        entries = larger
        capacity *= 2
    }

    /// One of 64 bits for a name's hash: an object's names as a mask tell
    /// most new names apart without a look at the names before them.
    @inline(__always) static func bit(_ hash: UInt64) -> UInt64 { 1 << ((hash >> 8) & 63) }
}

/// An expanded name: namespace and local name (borrowed from the reader's
/// scratch when the namespace is one the format reads).
struct JSONLDName {
    var namespace: XMLNamespace
    var local: [UInt8]
    /// The format's term for it, looked up once (names are cached).
    var term: Term?

    init(_ iri: [UInt8]) {
        for (candidate, uri) in JSONLDContext.namespaces {
            if iri.count > uri.count, iri.starts(with: uri) {
                namespace = candidate
                local = Array(iri[uri.count...])
                term = local.withUnsafeBytes { TermTable.shared.term(candidate, $0) }
                return
            }
        }
        namespace = .other
        local = iri
        term = nil
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { local.withUnsafeBytes(body) }
}

/// The active context: prefixes and terms to IRIs, an optional `@vocab`,
/// and which terms make their string values IRIs (`"@type": "@id"`).
struct JSONLDContext {
    // Views of static strings: immutable.
    nonisolated(unsafe) static let rdfRoot: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: StaticString("RDF").utf8Start, count: 3)
    nonisolated(unsafe) static let rdfDescription: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: StaticString("Description").utf8Start, count: 11)
    static let namespaces: [(XMLNamespace, [UInt8])] = [
        (.cargo, Array(XMLNamespace.cargoURI.utf8)), (.cass, Array(XMLNamespace.cassURI.utf8)), (.rdf, Array(XMLNamespace.rdfURI.utf8)),
    ]
    /// The contexts known by URL: built in, never fetched.
    static let known: [String: [(String, String)]] = [
        JSONLDOutput.contextURL: [("rdf", XMLNamespace.rdfURI), ("cargo", XMLNamespace.cargoURI), ("cass", XMLNamespace.cassURI)],
    ]
    static let maxTerms = 256

    var terms: [(term: [UInt8], iri: [UInt8])] = []
    var vocabulary: [UInt8]?

    mutating func define(_ term: [UInt8], _ iri: [UInt8]) {
        terms.removeAll { $0.term == term }
        terms.append((term, iri))
    }

    /// Reads the `@context` value at the reader's position: a URL of a
    /// known context, an object of definitions, or an array of those.
    mutating func read(_ reader: inout JSONLDDocumentReader) throws(JSONLDError) {
        let first = try reader.peekByte()
        if first == UInt8(ascii: "[") {
            var context = self
            try reader.forEachElement(depth: 2) { reader, depth throws(JSONLDError) in
                try context.readOne(&reader, depth: depth)
            }
            self = context
        } else {
            try readOne(&reader, depth: 2)
        }
    }

    private mutating func readOne(_ reader: inout JSONLDDocumentReader, depth: Int) throws(JSONLDError) {
        let first = try reader.peekByte()
        if first == UInt8(ascii: "\"") {
            let url = try reader.decodedString()
            guard let definitions = Self.known[url] else {
                throw reader.fail("context \(OneRecordValues.reportable(url, width: 80)) is not known (contexts are built in, never fetched)")
            }
            for (term, iri) in definitions { define(Array(term.utf8), Array(iri.utf8)) }
            return
        }
        if first == UInt8(ascii: "n") {
            // null resets the context.
            try reader.skipValue(depth: depth)
            terms.removeAll()
            vocabulary = nil
            return
        }
        guard first == UInt8(ascii: "{") else { throw reader.fail("a context is a URL, an object or an array of those") }
        var context = self
        try reader.forEachMember(depth: depth) { reader, key, depth throws(JSONLDError) in
            var name: [UInt8] = []
            try reader.decode(key, into: &name)
            if name == Array("@vocab".utf8) {
                let value = try reader.decodedString()
                var expanded: [UInt8] = []
                context.vocabulary = context.expand(Array(value.utf8), vocabulary: false, into: &expanded) ? expanded : Array(value.utf8)
                return
            }
            if name.first == UInt8(ascii: "@") {
                // @version, @base, @language, @protected...: nothing this format needs.
                return try reader.skipValue(depth: depth)
            }
            guard context.terms.count < Self.maxTerms else { throw reader.fail("more than \(Self.maxTerms) terms in a context") }
            let first = try reader.peekByte()
            var iriText: String
            if first == UInt8(ascii: "\"") {
                iriText = try reader.decodedString()
            } else if first == UInt8(ascii: "{") {
                var id: String?
                try reader.forEachMember(depth: depth) { reader, member, depth throws(JSONLDError) in
                    if reader.equals(member, "@id") {
                        id = try reader.decodedString()
                    } else if reader.equals(member, "@type") {
                        let coercion = try reader.decodedString()
                        if coercion == "@id" || coercion == "@vocab" {
                            throw reader.fail("type coercion to IRIs is not used in this format: code-list values are written {\"@id\": ...}")
                        }
                    } else if reader.equals(member, "@container") {
                        throw reader.fail("containers are not used in this format")
                    } else {
                        try reader.skipValue(depth: depth)
                    }
                }
                guard let id else { throw reader.fail("a term definition without @id") }
                iriText = id
            } else if first == UInt8(ascii: "n") {
                try reader.skipValue(depth: depth)
                context.terms.removeAll { $0.term == name }
                return
            } else {
                throw reader.fail("a term definition is a string or an object")
            }
            var expanded: [UInt8] = []
            if !context.expand(Array(iriText.utf8), vocabulary: false, into: &expanded) { expanded = Array(iriText.utf8) }
            context.define(name, expanded)
        }
        self = context
    }

    /// Whether `expand` gives `name` back as it is because it is an
    /// absolute IRI with an authority (`scheme://...`): its first colon is
    /// followed by `//` (so no prefix applies) and no term is spelled the
    /// same (terms come first). No copy, no allocation.
    func keepsUnchanged(_ name: UnsafeRawBufferPointer) -> Bool {
        let n = name.count
        var colon = 0
        while colon < n, name[colon] != UInt8(ascii: ":") { colon += 1 }
        guard colon + 2 < n, name[colon + 1] == UInt8(ascii: "/"), name[colon + 2] == UInt8(ascii: "/") else { return false }
        var k = 0
        while k < terms.count {
            if terms[k].term.count == n, terms[k].term.withUnsafeBytes({ $0.elementsEqual(name) }) { return false }
            k += 1
        }
        return true
    }

    /// Expands `name` into `out`. Terms first, then `prefix:suffix` through
    /// a defined prefix, then absolute IRIs (a scheme and ':'), then the
    /// vocabulary for vocabulary-relative names. False when none applies.
    func expand(_ name: [UInt8], vocabulary useVocabulary: Bool, into out: inout [UInt8]) -> Bool {
        for definition in terms where definition.term == name {
            out.append(contentsOf: definition.iri)
            return true
        }
        if let colon = name.firstIndex(of: UInt8(ascii: ":")) {
            let prefix = name[..<colon]
            let suffix = name[(colon + 1)...]
            if !suffix.starts(with: Array("//".utf8)) {
                for definition in terms where definition.term.elementsEqual(prefix) {
                    out.append(contentsOf: definition.iri)
                    out.append(contentsOf: suffix)
                    return true
                }
            }
            // An absolute IRI (or a blank node identifier).
            out.append(contentsOf: name)
            return true
        }
        if useVocabulary, let vocabulary {
            out.append(contentsOf: vocabulary)
            out.append(contentsOf: name)
            return true
        }
        return false
    }
}

extension JSONLDDocumentReader {
    /// The first byte of the value at `i` (whitespace skipped).
    mutating func peekByte() throws(JSONLDError) -> UInt8 { try peekValueStart() }

    private mutating func peekValueStart() throws(JSONLDError) -> UInt8 {
        while i < n, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
        guard i < n else { throw fail("a value expected") }
        return p[i]
    }

    /// A string value, decoded.
    mutating func decodedString() throws(JSONLDError) -> String {
        _ = try peekValueStart()
        let token = try readString()
        var out: [UInt8] = []
        try decode(token, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
