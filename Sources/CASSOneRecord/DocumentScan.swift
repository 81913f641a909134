import CASSDomain

/// What a reader of either serialisation (RDF/XML, JSON-LD) hands over
/// while it reads, as element events: the `rdf:RDF` / `cass:BillingFile`
/// frame, the envelope's properties and each transaction as an
/// `ElementTree`. Every F06 of the document's shape is found here, the
/// same way for both serialisations.
struct BillingDocumentBuilder {
    static let maxElementsPerProperty = 10_000

    let limits: XMLLimits
    /// Only the envelope's identity is wanted (processing order): stop
    /// as soon as it is known, and never look into transactions.
    let identityOnly: Bool
    let terms = TermTable.shared
    /// When set, reading stops once the records would need more CBF lines
    /// than this (`cass convert --to cbf`: refused early, not after reading all).
    var maxCBFLines: Int?
    private var cbfLines = 2

    /// The envelope's properties: the roots of this tree.
    private(set) var envelope = ElementTree()
    private(set) var transactions = RawTransactions()
    /// The first F06 found. Reading goes on after a structural F06 so the
    /// rejection still reports the envelope's airline, country and period.
    private(set) var layoutProblem: Problem?
    private(set) var billingFileSeen = false
    private(set) var done = false

    /// 0 outside the root, 1 in `rdf:RDF`, 2 in `cass:BillingFile`, 3 and
    /// more inside one of its properties.
    private var level = 0
    private var rootSeen = false
    private var transaction = ElementTree()
    private var inTransaction = false
    /// The open nodes of the property being read (indices into its tree).
    private var open: [Int32] = []
    private var propertyElements = 0
    /// Whitespace read in the innermost open element, not copied yet: it
    /// is its value only if no child element follows, and nearly always
    /// one does (indentation). Bytes of the document, which outlive this.
    private var pendingWhitespace = UnsafeRawBufferPointer(start: nil, count: 0)
    private var pendingNode: Int32 = -1
    /// Transactions' fields taken from the events as they come (no tree).
    /// Off only for tests comparing with the tree, the reference.
    var streamsTransactions = true
    private var stream = TransactionStream()
    /// Whether the events are the streamed transaction's.
    private var streaming: Bool { inTransaction && streamsTransactions }

    /// Text now would be ignored: the streamed element it would belong to
    /// has a child (so an end tag's indentation need not be handed over).
    var textIsLayout: Bool { streaming && level >= 3 && stream.innermostHasChildren }

    /// The RDF/XML reader's document: each transaction's texts and IRIs
    /// stay in it (the transaction's fields are taken at its end tag,
    /// while the document is read) instead of being copied. The envelope
    /// is read after the document and always copies.
    mutating func transactionsRead(in document: UnsafeRawBufferPointer) {
        if document.baseAddress == nil {
            // The read is over: nothing may point into the document now.
            transaction.removeAll()
            transaction.document = document
            stream.document = document
        } else if document.count <= Int(Int32.max) {
            transaction.document = document
            stream.document = document
        }
    }

    init(limits: XMLLimits, identityOnly: Bool) {
        self.limits = limits
        self.identityOnly = identityOnly
        open.reserveCapacity(limits.maxDepth + 1)
    }

    // MARK: - Events

    /// A start tag (or a JSON-LD property, or a node's type). Returns
    /// false when the caller must skip the element and everything in it
    /// (no `end` follows then).
    mutating func start(_ namespace: XMLNamespace, _ local: UnsafeRawBufferPointer) -> Bool {
        start(namespace, term: terms.term(namespace, local), local)
    }

    /// `start` with the name's term already looked up (`terms.term`).
    mutating func start(_ namespace: XMLNamespace, term: Term?, _ local: UnsafeRawBufferPointer) -> Bool {
        switch level {
        case 0:
            rootSeen = true
            guard term == .RDF else {
                let name = XMLName(namespace, String(decoding: local, as: UTF8.self)).description
                note(Problem(code: .F06, field: "root element", location: "/", expected: "rdf:RDF", found: OneRecordValues.reportable(name, width: 40),
                             message: "the root element is \(OneRecordValues.reportable(name, width: 40)), not rdf:RDF in namespace \(XMLNamespace.rdfURI)"))
                return false
            }
            level = 1
            return true
        case 1:
            if term == .BillingFile {
                if billingFileSeen {
                    note(Problem(code: .F06, field: "cass:BillingFile", location: "rdf:RDF", expected: "exactly one cass:BillingFile", found: "a second one"))
                    return false
                }
                billingFileSeen = true
                level = 2
                return true
            }
            if term == .unknownCass || namespace == .cass { noteUnknown(local, at: "rdf:RDF") }
            return false
        case 2:
            guard namespace == .cass, let term else { return false }
            if term == .transaction {
                if identityOnly || layoutProblem != nil { return false }
                transaction.removeAll()
                inTransaction = true
            } else if !term.isEnvelopeProperty {
                noteUnknown(local, at: "cass:BillingFile")
                return false
            } else {
                inTransaction = false
            }
            propertyElements = 1
            if streaming {
                stream.begin()
            } else {
                open.append(inTransaction ? transaction.append(term, parent: -1) : envelope.append(term, parent: -1))
            }
            level = 3
            return true
        default:
            guard let term else { return false }
            if term == .unknownCass {
                noteUnknown(local, at: (inTransaction ? "cass:transaction" : "cass:BillingFile") + "/…")
                return false
            }
            propertyElements += 1
            // A child: the whitespace before it was indentation.
            pendingNode = -1
            if propertyElements > Self.maxElementsPerProperty {
                note(Problem(code: .F06, field: "XML", expected: "at most \(Self.maxElementsPerProperty) elements in one property", found: "more",
                             message: "an element of cass:BillingFile holds more than \(Self.maxElementsPerProperty) elements"))
                return false
            }
            if streaming {
                stream.start(term)
                level += 1
                return true
            }
            let parent = open[open.count - 1]
            open.append(inTransaction ? transaction.append(term, parent: parent) : envelope.append(term, parent: parent))
            level += 1
            return true
        }
    }

    /// Character data directly inside the element last started. Only a
    /// leaf's text is a value; whitespace between elements is layout,
    /// whatever its length.
    mutating func text(_ piece: UnsafeRawBufferPointer, whitespace: Bool) throws(XMLSyntaxError) {
        if streaming, level >= 3 {
            let length = stream.text(piece, into: &transactions)
            if length > limits.maxTextBytes, !whitespace { throw XMLSyntaxError(message: "text node longer than \(limits.maxTextBytes) bytes", line: 0) }
            return
        }
        guard level >= 3, let node = open.last else { return }
        flushWhitespace()
        let length: Int
        if inTransaction {
            if transaction[node].hasChildren { return }
            length = transaction.appendText(node, piece)
        } else {
            if envelope[node].hasChildren { return }
            length = envelope.appendText(node, piece)
        }
        if length > limits.maxTextBytes, !whitespace { throw XMLSyntaxError(message: "text node longer than \(limits.maxTextBytes) bytes", line: 0) }
    }

    /// Whitespace in the document's own bytes (they outlive the read):
    /// kept aside until it is known whether a child element follows.
    mutating func whitespace(inDocument piece: UnsafeRawBufferPointer) throws(XMLSyntaxError) {
        // Streamed, a text's first piece is kept as a range: nothing to put aside.
        if streaming { return try text(piece, whitespace: true) }
        guard level >= 3, let node = open.last else { return }
        if pendingNode < 0, inTransaction ? transaction[node].textEnd == transaction[node].textStart : envelope[node].textEnd == envelope[node].textStart {
            pendingNode = node
            pendingWhitespace = piece
            return
        }
        try text(piece, whitespace: true)
    }

    /// The whitespace kept aside becomes text of its element after all.
    private mutating func flushWhitespace() {
        guard pendingNode >= 0 else { return }
        let node = pendingNode
        pendingNode = -1
        if inTransaction {
            if !transaction[node].hasChildren { transaction.appendText(node, pendingWhitespace) }
        } else {
            if !envelope[node].hasChildren { envelope.appendText(node, pendingWhitespace) }
        }
    }

    mutating func text(_ piece: [UInt8], whitespace: Bool) throws(XMLSyntaxError) {
        var failure: XMLSyntaxError?
        piece.withUnsafeBytes { raw in
            do throws(XMLSyntaxError) { try text(raw, whitespace: whitespace) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// `rdf:resource` (or a JSON-LD `@id` value) of the element last started.
    mutating func resource(_ iri: UnsafeRawBufferPointer) {
        if streaming, level >= 3 { return stream.resource(iri, into: &transactions) }
        guard level >= 3, let node = open.last else { return }
        if inTransaction { transaction.setResource(node, iri) } else { envelope.setResource(node, iri) }
    }

    /// A value that is no string (JSON-LD numbers, booleans, null).
    mutating func invalidValue(_ kind: ElementTree.InvalidValue) {
        if streaming, level >= 3 { return stream.invalidValue(kind) }
        guard level >= 3, let node = open.last else { return }
        if inTransaction { transaction.nodes[Int(node)].invalidValue = kind } else { envelope.nodes[Int(node)].invalidValue = kind }
    }

    mutating func end() {
        flushWhitespace()
        switch level {
        case 0: return
        case 1, 2: level -= 1
        case 3:
            open.removeAll(keepingCapacity: true)
            level = 2
            if streaming {
                _ = stream.end(into: &transactions)
                addStreamedTransaction()
                inTransaction = false
            } else if inTransaction {
                addTransaction()
                inTransaction = false
            } else {
                if maxCBFLines != nil { checkDeclaredCount() }
                if identityOnly, [Term.carrier, .operation, .billingPeriod, .fileSequenceNumber].allSatisfy({ envelope.firstRoot($0) != nil }) {
                    done = true
                }
            }
        default:
            if streaming { _ = stream.end(into: &transactions) } else { open.removeLast() }
            level -= 1
        }
    }

    mutating func endDocument() {
        if rootSeen, !billingFileSeen, layoutProblem == nil {
            note(Problem(code: .F06, field: "cass:BillingFile", location: "rdf:RDF", expected: "one cass:BillingFile in namespace \(XMLNamespace.cassURI)", found: "none"))
        }
    }

    mutating func syntaxError(_ error: XMLSyntaxError, what: String = "XML") {
        let location = error.line > 0 ? "line \(error.line)" : ""
        layoutProblem = Problem(code: .F06, field: what, location: location, expected: "well-formed \(what)", found: error.message,
                                message: "not well-formed or refused \(what): \(error.message)")
    }

    mutating func note(_ problem: Problem) {
        if layoutProblem == nil { layoutProblem = problem }
    }

    // MARK: - Transactions

    private mutating func addTransaction() {
        guard layoutProblem == nil, let property = transaction.roots.first else { return }
        let position = transactions.count + 1
        guard case .one(let node) = transaction.single(property, .BillingTransaction) else {
            note(Problem(code: .F06, field: "cass:transaction", location: "cass:transaction[\(position)]", expected: "one cass:BillingTransaction", found: "none or several"))
            return
        }
        let sequence = transaction.single(node, .sequence)
        let sequenceMatches: Bool
        // Only a leaf's text (what `value` calls text) can match, checked in place.
        if case .one(let leaf) = sequence, !transaction[leaf].hasChildren, transaction[leaf].invalidValue == .none, !transaction[leaf].hasResource {
            sequenceMatches = transaction.withText(of: leaf) { OneRecordValues.isDecimal($0.assumingMemoryBound(to: UInt8.self), of: position) }
        } else {
            sequenceMatches = false
        }
        guard sequenceMatches else {
            let found: String
            if case .text(let text) = transaction.value(sequence) { found = OneRecordValues.reportable(text, width: 12) } else { found = "missing or repeated" }
            note(Problem(code: .F06, field: "sequence", location: "cass:transaction[\(position)]/cass:BillingTransaction/cass:sequence",
                         expected: "\(position) (1, 2, 3... in document order)", found: found,
                         message: "cass:sequence values must run 1, 2, 3... in document order"))
            return
        }
        TransactionExtractor.extract(transaction, node, sequence: position, into: &transactions)
        let otherChargesCount = transactions.entries[transactions.count - 1].otherChargesCount
        if otherChargesCount > 0, case .text(let code) = transactions.value(transactions[.transaction], document: transaction.document), TransactionType(code: code)?.isMemo == true {
            transactions.dropLast()
            note(Problem(code: .F06, field: "other charges", location: "cass:transaction[\(position)]/" + "cass:waybill/cargo:Waybill/cargo:otherCharges",
                         expected: "no other charges on a \(code)", found: "\(otherChargesCount)",
                         message: "a memo carries other charges (an OCH after a memo)"))
            return
        }
        cbfLines += 1 + otherChargesCount
        if let limit = maxCBFLines, cbfLines > limit {
            note(Problem(code: .F06, field: "sequence number", location: "cass:transaction[\(position)]", expected: "at most \(limit) lines (the CBF's 6-digit sequence field)",
                         found: "more", message: "the CBF twin would need more than \(limit) lines; its sequence field numbers at most \(limit)"))
            done = true
        }
    }

    /// `addTransaction` for a streamed transaction: the same checks, notes and limits.
    private mutating func addStreamedTransaction() {
        guard layoutProblem == nil else { return }
        let position = transactions.count + 1
        switch stream.finish(position: position, into: &transactions) {
        case .failure(let error):
            switch error.refusal {
            case .billingTransaction:
                note(Problem(code: .F06, field: "cass:transaction", location: "cass:transaction[\(position)]", expected: "one cass:BillingTransaction", found: "none or several"))
            case .sequence(let found):
                note(Problem(code: .F06, field: "sequence", location: "cass:transaction[\(position)]/cass:BillingTransaction/cass:sequence",
                             expected: "\(position) (1, 2, 3... in document order)", found: found,
                             message: "cass:sequence values must run 1, 2, 3... in document order"))
            case .memoWithOtherCharges(let code, let count):
                note(Problem(code: .F06, field: "other charges", location: "cass:transaction[\(position)]/" + "cass:waybill/cargo:Waybill/cargo:otherCharges",
                             expected: "no other charges on a \(code)", found: "\(count)",
                             message: "a memo carries other charges (an OCH after a memo)"))
            }
        case .success(let otherChargesCount):
            cbfLines += 1 + otherChargesCount
            if let limit = maxCBFLines, cbfLines > limit {
                note(Problem(code: .F06, field: "sequence number", location: "cass:transaction[\(position)]", expected: "at most \(limit) lines (the CBF's 6-digit sequence field)",
                             found: "more", message: "the CBF twin would need more than \(limit) lines; its sequence field numbers at most \(limit)"))
                done = true
            }
        }
    }

    /// A converter's early refusal: a file declaring more transactions than
    /// the CBF's sequence field can number (each is a line, plus header and
    /// trailer) is refused when its count is read, before its transactions
    /// are (issue 17: a million of them took 14 s and 650 MB to refuse).
    /// A truthful count cannot convert; an untruthful one is F03 anyway.
    private mutating func checkDeclaredCount() {
        guard let limit = maxCBFLines, layoutProblem == nil, let node = envelope.firstRoot(.transactionCount),
              case .text(let text) = envelope.value(.one(node)), !text.isEmpty, text.utf8.count <= 18,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let count = Int(text),
              count + 2 > limit else { return }
        note(Problem(code: .F06, field: "sequence number", location: "cass:BillingFile/cass:transactionCount",
                     expected: "at most \(limit - 2) transactions (the CBF's 6-digit sequence field numbers \(limit) lines)", found: "\(count)",
                     message: "the file declares \(count) transactions: its CBF twin would need more than \(limit) lines; its sequence field numbers at most \(limit)"))
        done = true
    }

    private mutating func noteUnknown(_ local: UnsafeRawBufferPointer, at location: String) {
        let name = OneRecordValues.reportable(String(decoding: local, as: UTF8.self), width: 40)
        note(Problem(code: .F06, field: "cass:" + name, location: location, expected: "an element of the format", found: "cass:" + name,
                     message: "unknown element cass:\(name) in OpenCASS's namespace"))
    }
}

/// The RDF/XML serialisation: the scanner's events into the builder.
enum XMLDocumentReader {
    /// `fusesWhitespace` and `textsInPlace` off only for tests comparing
    /// both ways.
    static func read(_ bytes: UnsafeRawBufferPointer, into builder: inout BillingDocumentBuilder, fusesWhitespace: Bool = true, textsInPlace: Bool = true) {
        var scanner = XMLScanner(bytes: bytes, limits: builder.limits)
        scanner.checksCharacters = !builder.identityOnly
        // Indentation comes with the tag after it: half the events.
        scanner.fusesWhitespace = fusesWhitespace
        if textsInPlace { builder.transactionsRead(in: bytes) }
        // The transaction tree must not keep the document past this read.
        defer { builder.transactionsRead(in: UnsafeRawBufferPointer(start: nil, count: 0)) }
        var skipping = 0
        // Terms by the scanner's `nameIdentity` (256 slots, direct-mapped).
        var termIdentities = [Int](repeating: -1, count: 256)
        var termNamespaces = [XMLNamespace](repeating: .none, count: 256)
        var termValues = [UInt8](repeating: 0xFF, count: 256)
        do throws(XMLSyntaxError) {
            while !builder.done {
                switch try scanner.next() {
                case .start:
                    if skipping > 0 { skipping += 1; continue }
                    // Whitespace before an element that is read is never
                    // read itself: the element makes its parent no leaf, and
                    // whitespace never exceeds the text limit. Before an
                    // element that is skipped it is the parent's text (given
                    // below). The reference path's tests get every piece first.
                    let leading = scanner.leadingWhitespaceEnd > scanner.leadingWhitespaceStart
                    if leading, !builder.streamsTransactions {
                        try builder.whitespace(inDocument: UnsafeRawBufferPointer(rebasing: bytes[scanner.leadingWhitespaceStart..<scanner.leadingWhitespaceEnd]))
                    }
                    // The term of a name seen before (the scanner's name
                    // cache says which earlier bytes it equals), in the same
                    // namespace: no hash of the name, no table probe.
                    let term: Term?
                    let identity = scanner.nameIdentity
                    let slot = Int(truncatingIfNeeded: (UInt64(truncatingIfNeeded: identity) &* 0x9E37_79B9_7F4A_7C15) >> 56)
                    if identity >= 0, termIdentities[slot] == identity, termNamespaces[slot] == scanner.namespace {
                        term = termValues[slot] == 0xFF ? nil : Term(rawValue: termValues[slot])
                    } else {
                        term = builder.terms.term(scanner.namespace, scanner.localName)
                        if identity >= 0 {
                            termIdentities[slot] = identity
                            termNamespaces[slot] = scanner.namespace
                            termValues[slot] = term?.rawValue ?? 0xFF
                        }
                    }
                    guard builder.start(scanner.namespace, term: term, scanner.localName) else {
                        if leading, builder.streamsTransactions {
                            try builder.whitespace(inDocument: UnsafeRawBufferPointer(rebasing: bytes[scanner.leadingWhitespaceStart..<scanner.leadingWhitespaceEnd]))
                        }
                        skipping = 1
                        continue
                    }
                    // By index: iterating the array while calling the
                    // scanner would copy the scanner for each element.
                    let attributeCount = scanner.attributes.count
                    var k = 0
                    while k < attributeCount {
                        let attribute = scanner.attributes[k]
                        k += 1
                        guard attribute.namespace == .rdf, scanner.isAttribute(attribute, .rdf, "resource") else { continue }
                        if attribute.references {
                            var value: [UInt8] = []
                            scanner.value(of: attribute, into: &value)
                            value.withUnsafeBytes { builder.resource($0) }
                        } else {
                            builder.resource(UnsafeRawBufferPointer(rebasing: bytes[attribute.valueStart..<attribute.valueEnd]))
                        }
                    }
                case .end:
                    if skipping > 0 { skipping -= 1; continue }
                    if scanner.leadingWhitespaceEnd > scanner.leadingWhitespaceStart, !builder.textIsLayout {
                        try builder.whitespace(inDocument: UnsafeRawBufferPointer(rebasing: bytes[scanner.leadingWhitespaceStart..<scanner.leadingWhitespaceEnd]))
                    }
                    builder.end()
                case .text(let start, let end, let references, let whitespace):
                    if skipping > 0 { continue }
                    if references {
                        var value: [UInt8] = []
                        scanner.decode(start, end, into: &value)
                        let copy = value
                        try builder.text(copy, whitespace: whitespace)
                    } else if whitespace {
                        try builder.whitespace(inDocument: UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                    } else {
                        try builder.text(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), whitespace: false)
                    }
                case .endOfDocument:
                    builder.endDocument()
                    return
                }
            }
        } catch {
            builder.syntaxError(error.line == 0 ? scanner.failAt(scanner.index, error.message) : error)
        }
    }
}
