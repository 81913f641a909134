/// One property of the billing file as a flat tree (the envelope's
/// properties, or one transaction): nodes in an array, their text and
/// code-list IRIs in one byte buffer. It is emptied and refilled for each
/// transaction, so reading a file allocates per file, not per element.
struct ElementTree {
    struct Node {
        var term: Term
        var firstChild: Int32 = -1
        var lastChild: Int32 = -1
        var nextSibling: Int32 = -1
        var textStart: Int32 = 0
        var textEnd: Int32 = 0
        var resourceStart: Int32 = 0
        var resourceEnd: Int32 = -1
        /// A value that is not a string (a JSON-LD number, boolean or
        /// null, a list): never a valid field.
        var invalidValue: InvalidValue = .none
        /// The text, or the IRI, is a range of `document`, not of `bytes`.
        var textInDocument = false
        var resourceInDocument = false

        init(term: Term) { self.term = term }

        var hasChildren: Bool { firstChild >= 0 }
        var hasResource: Bool { resourceEnd >= 0 }
    }

    enum InvalidValue: UInt8 {
        case none, number, boolean, null, list, object
        var description: String {
            switch self {
            case .none: ""
            case .number: "a JSON number (values are strings)"
            case .boolean: "a JSON boolean (values are strings)"
            case .null: "null"
            case .list: "an @list (values are single nodes)"
            case .object: "a JSON object where a value was expected"
            }
        }
    }

    var nodes: [Node] = []
    var bytes: [UInt8] = []
    /// The document being read, when the tree is used only while it is
    /// (a transaction of the RDF/XML reader: its fields are taken at its
    /// end tag): a text or IRI that is one piece of it is kept as its
    /// offsets instead of being copied into `bytes`. Empty: always copied.
    var document = UnsafeRawBufferPointer(start: nil, count: 0)
    /// The property nodes at the top of this tree, in document order.
    var roots: [Int32] = []

    mutating func removeAll() {
        nodes.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        roots.removeAll(keepingCapacity: true)
    }

    /// Adds a node under `parent` (or as a root when -1) and returns it.
    mutating func append(_ term: Term, parent: Int32) -> Int32 {
        let index = Int32(nodes.count)
        nodes.append(Node(term: term))
        if parent < 0 {
            roots.append(index)
        } else {
            // One uniqueness check for the three writes, not one per write.
            nodes.withUnsafeMutableBufferPointer { nodes in
                let p = Int(parent)
                precondition(p < nodes.count)
                let last = nodes[p].lastChild
                if last >= 0 {
                    nodes[Int(last)].nextSibling = index
                } else {
                    nodes[p].firstChild = index
                    // Whitespace before the first child is indentation, not a value.
                    nodes[p].textEnd = nodes[p].textStart
                }
                nodes[p].lastChild = index
            }
        }
        return index
    }

    /// Appends character data to `node`'s text (consecutive pieces, split
    /// by comments or references, join). Returns the text's length.
    @discardableResult
    mutating func appendText(_ node: Int32, _ piece: UnsafeRawBufferPointer) -> Int {
        let n = Int(node)
        if nodes[n].textEnd == nodes[n].textStart, let offset = offsetInDocument(piece) {
            nodes[n].textStart = Int32(offset)
            nodes[n].textEnd = Int32(offset + piece.count)
            nodes[n].textInDocument = true
            return piece.count
        }
        if nodes[n].textEnd == nodes[n].textStart || nodes[n].textInDocument || Int(nodes[n].textEnd) != bytes.count {
            let existing = Int(nodes[n].textEnd - nodes[n].textStart)
            let start = bytes.count
            if existing > 0 {
                if nodes[n].textInDocument {
                    bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: document[Int(nodes[n].textStart)..<Int(nodes[n].textEnd)]))
                } else {
                    bytes.append(contentsOf: bytes[Int(nodes[n].textStart)..<Int(nodes[n].textEnd)])
                }
            }
            nodes[n].textStart = Int32(start)
            nodes[n].textInDocument = false
        }
        bytes.append(contentsOf: piece)
        nodes[n].textEnd = Int32(bytes.count)
        return Int(nodes[n].textEnd - nodes[n].textStart)
    }

    mutating func setResource(_ node: Int32, _ iri: UnsafeRawBufferPointer) {
        if let offset = offsetInDocument(iri) {
            nodes[Int(node)].resourceStart = Int32(offset)
            nodes[Int(node)].resourceEnd = Int32(offset + iri.count)
            nodes[Int(node)].resourceInDocument = true
            return
        }
        let start = bytes.count
        bytes.append(contentsOf: iri)
        nodes[Int(node)].resourceStart = Int32(start)
        nodes[Int(node)].resourceEnd = Int32(bytes.count)
        nodes[Int(node)].resourceInDocument = false
    }

    /// Where `piece` starts in `document`, when it lies wholly inside it
    /// (offsets fit the nodes' 32 bits: `document` is set only then).
    @inline(__always) private func offsetInDocument(_ piece: UnsafeRawBufferPointer) -> Int? {
        guard let base = document.baseAddress, let start = piece.baseAddress, start >= base else { return nil }
        let offset = base.distance(to: start)
        guard offset <= document.count, piece.count <= document.count - offset else { return nil }
        return offset
    }

    /// The bytes a node's offsets are into.
    @inline(__always) private func withStorage<R>(inDocument: Bool, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        inDocument ? body(document) : bytes.withUnsafeBytes(body)
    }

    // MARK: - Lookups

    subscript(node: Int32) -> Node { nodes[Int(node)] }

    /// The one child of `node` named `term`, or why there is not one.
    func single(_ node: Int32, _ term: Term) -> Single {
        var found: Int32 = -1
        var child = nodes[Int(node)].firstChild
        while child >= 0 {
            if nodes[Int(child)].term == term {
                if found >= 0 { return .repeated }
                found = child
            }
            child = nodes[Int(child)].nextSibling
        }
        return found >= 0 ? .one(found) : .missing
    }

    /// The one root named `term`.
    func singleRoot(_ term: Term) -> Single {
        var found: Int32 = -1
        for root in roots where nodes[Int(root)].term == term {
            if found >= 0 { return .repeated }
            found = root
        }
        return found >= 0 ? .one(found) : .missing
    }

    func firstRoot(_ term: Term) -> Int32? { roots.first { nodes[Int($0)].term == term } }

    /// Follows single children from `start`; stops at the first missing or
    /// repeated one. (Fixed arities, not variadic: no array per call.)
    @inline(__always) func follow(_ start: Single, _ a: Term) -> Single {
        guard case .one(let node) = start else { return start }
        return single(node, a)
    }

    func follow(_ start: Single, _ a: Term, _ b: Term) -> Single { follow(follow(start, a), b) }
    func follow(_ start: Single, _ a: Term, _ b: Term, _ c: Term) -> Single { follow(follow(follow(start, a), b), c) }
    func follow(_ start: Single, _ a: Term, _ b: Term, _ c: Term, _ d: Term) -> Single { follow(follow(start, a, b), c, d) }
    func follow(_ start: Single, _ a: Term, _ b: Term, _ c: Term, _ d: Term, _ e: Term) -> Single { follow(follow(start, a, b, c), d, e) }

    /// The first child of `node` named `term`, or -1; with `nextChild`, a
    /// loop over them that does not copy the tree (`Children` holds one).
    @inline(__always) func firstChild(_ node: Int32, _ term: Term) -> Int32 {
        let first = nodes[Int(node)].firstChild
        return first < 0 || nodes[Int(first)].term == term ? first : nextChild(after: first, term)
    }

    /// The next sibling of `child` named `term`, or -1.
    @inline(__always) func nextChild(after child: Int32, _ term: Term) -> Int32 {
        var cursor = nodes[Int(child)].nextSibling
        while cursor >= 0, nodes[Int(cursor)].term != term { cursor = nodes[Int(cursor)].nextSibling }
        return cursor
    }

    /// The children of `node` named `term`, in document order.
    func children(_ node: Int32, _ term: Term) -> Children { Children(tree: self, cursor: nodes[Int(node)].firstChild, term: term) }

    struct Children: Sequence, IteratorProtocol {
        let tree: ElementTree
        var cursor: Int32
        let term: Term

        mutating func next() -> Int32? {
            while cursor >= 0 {
                let current = cursor
                cursor = tree.nodes[Int(current)].nextSibling
                if tree.nodes[Int(current)].term == term { return current }
            }
            return nil
        }
    }

    func text(of node: Int32) -> String {
        let n = nodes[Int(node)]
        if n.textInDocument { return String(decoding: UnsafeRawBufferPointer(rebasing: document[Int(n.textStart)..<Int(n.textEnd)]), as: UTF8.self) }
        return bytes.withUnsafeBytes { String(decoding: UnsafeRawBufferPointer(rebasing: $0[Int(n.textStart)..<Int(n.textEnd)]), as: UTF8.self) }
    }

    func resource(of node: Int32) -> String? {
        let n = nodes[Int(node)]
        guard n.hasResource else { return nil }
        return withStorage(inDocument: n.resourceInDocument) { String(decoding: UnsafeRawBufferPointer(rebasing: $0[Int(n.resourceStart)..<Int(n.resourceEnd)]), as: UTF8.self) }
    }

    /// The code of a code-list IRI (what follows its last `#`), without
    /// building the IRI.
    func resourceCode(of node: Int32) -> String? {
        let n = nodes[Int(node)]
        guard n.hasResource else { return nil }
        return withStorage(inDocument: n.resourceInDocument) { raw in
            var start = Int(n.resourceStart)
            var k = Int(n.resourceEnd) - 1
            while k >= start {
                if raw[k] == UInt8(ascii: "#") { start = k + 1; break }
                k -= 1
            }
            return String(decoding: UnsafeRawBufferPointer(rebasing: raw[start..<Int(n.resourceEnd)]), as: UTF8.self)
        }
    }

    /// A field's value as found: its text, exactly as written (an RDF
    /// literal), or what stands where the text should be.
    func value(_ found: Single) -> RawValue {
        switch found {
        case .missing: return .absent
        case .repeated: return .repeated
        case .one(let node):
            let n = nodes[Int(node)]
            if n.hasChildren { return .invalid("<\(nodes[Int(n.firstChild)].term.qualified)> where a value was expected") }
            if n.invalidValue != .none { return .invalid(n.invalidValue.description) }
            if n.hasResource { return .invalid("an IRI where a value was expected") }
            return .text(text(of: node))
        }
    }

    /// A code-list value: the code after the last `#` of its IRI.
    func code(_ found: Single) -> RawValue {
        switch found {
        case .missing: return .absent
        case .repeated: return .repeated
        case .one(let node):
            guard let code = resourceCode(of: node) else { return .invalid("no rdf:resource (code-list values are IRIs)") }
            return .text(code)
        }
    }
}

extension ElementTree {
    /// A node's text in place (the document's bytes or the tree's).
    func withText<R>(of node: Int32, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let n = nodes[Int(node)]
        return withStorage(inDocument: n.textInDocument) { body(UnsafeRawBufferPointer(rebasing: $0[Int(n.textStart)..<Int(n.textEnd)])) }
    }

    /// The code of a node's code-list IRI (after its last `#`) in place,
    /// or nil without an IRI.
    func withResourceCode<R>(of node: Int32, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        let n = nodes[Int(node)]
        guard n.hasResource else { return nil }
        return withStorage(inDocument: n.resourceInDocument) { raw in
            var start = Int(n.resourceStart)
            var k = Int(n.resourceEnd) - 1
            while k >= start {
                if raw[k] == UInt8(ascii: "#") { start = k + 1; break }
                k -= 1
            }
            return body(UnsafeRawBufferPointer(rebasing: raw[start..<Int(n.resourceEnd)]))
        }
    }

    /// `value` into `raw`: the text's bytes copied, no `String` built.
    func field(_ found: Single, into raw: inout RawTransactions) -> RawField {
        switch found {
        case .missing: return .absent
        case .repeated: return .repeated
        case .one(let node):
            let n = nodes[Int(node)]
            if n.hasChildren || n.invalidValue != .none || n.hasResource, case .invalid(let what) = value(found) { return raw.invalid(what) }
            if n.textInDocument { return .document(start: n.textStart, end: n.textEnd) }
            return withText(of: node) { raw.text($0) }
        }
    }

    /// `code` into `raw`.
    func codeField(_ found: Single, into raw: inout RawTransactions) -> RawField {
        switch found {
        case .missing: return .absent
        case .repeated: return .repeated
        case .one(let node):
            let n = nodes[Int(node)]
            if n.hasResource, n.resourceInDocument, let base = document.baseAddress {
                // The code's offsets in the document: no copy.
                return withResourceCode(of: node) { code in
                    let start = Int32(truncatingIfNeeded: code.baseAddress.map { base.distance(to: $0) } ?? Int(n.resourceEnd))
                    return RawField.document(start: start, end: start + Int32(truncatingIfNeeded: code.count))
                } ?? .absent
            }
            return withResourceCode(of: node) { raw.text($0) } ?? raw.invalid("no rdf:resource (code-list values are IRIs)")
        }
    }
}

/// A child looked up where exactly one is expected.
enum Single {
    case missing
    case one(Int32)
    case repeated

    var node: Int32? {
        if case .one(let node) = self { return node }
        return nil
    }

    var isRepeated: Bool {
        if case .repeated = self { return true }
        return false
    }
}
