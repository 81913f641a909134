import CASSDomain

/// The first pass over a ONE Record billing document: well-formedness, the
/// `rdf:RDF` / `cass:BillingFile` frame, the envelope's elements and each
/// transaction's raw fields. Every F06 is found here.
struct DocumentScan {
    static let maxElementsPerProperty = 10_000

    /// Envelope properties of `cass:BillingFile` by local name, in document order.
    var envelope: [String: [XMLNode]] = [:]
    var transactions: [RawTransaction] = []
    /// The first F06 found. Scanning goes on after a structural F06 so the
    /// rejection still reports the envelope's airline, country and period.
    var layoutProblem: Problem?
    var billingFileSeen = false
    /// Only the envelope's identity is wanted (processing order): stop
    /// as soon as it is known, and never look into transactions.
    var identityOnly = false
    private var done = false
    static let identityNames = ["carrier", "operation", "billingPeriod", "fileSequenceNumber"]

    static let envelopeNames: Set<String> = [
        "formatVersion", "operation", "billingPeriod", "fileSequenceNumber", "creationDate", "currency", "carrier",
        "transactionCount", "netDueTotal", "weightChargeTotal",
    ]
    /// Every `cass:` element the format has. Any other is a mistake in
    /// OpenCASS's own vocabulary, not foreign data to skip: F06.
    static let cassNames: Set<String> = envelopeNames.union([
        "BillingFile", "transaction", "BillingTransaction", "sequence", "transactionType", "waybill", "charge", "reasonCode",
    ])

    mutating func scan(_ bytes: [UInt8], limits: XMLLimits) {
        var tokenizer = XMLTokenizer(bytes: bytes, limits: limits)
        do {
            try scanDocument(&tokenizer)
        } catch {
            switch error {
            case .syntax(let error):
                layoutProblem = Problem(code: .F06, field: "XML", location: "line \(error.line)", expected: "well-formed XML", found: error.message,
                                        message: "not well-formed or refused XML: \(error.message)")
            case .tooManyElements(let limit):
                note(Problem(code: .F06, field: "XML", expected: "at most \(limit) elements in one property", found: "more", message: "an element of cass:BillingFile holds more than \(limit) elements"))
            }
        }
    }

    private mutating func scanDocument(_ tokenizer: inout XMLTokenizer) throws(XMLTreeError) {
        guard case .start(let root, _) = try next(&tokenizer) else { return }
        guard root == XMLName(.rdf, "RDF") else {
            note(Problem(code: .F06, field: "root element", location: "/", expected: "rdf:RDF", found: root.description,
                         message: "the root element is \(root), not rdf:RDF in namespace \(XMLNamespace.rdfURI)"))
            try skip(&tokenizer)
            _ = try next(&tokenizer)
            return
        }
        while !done {
            switch try next(&tokenizer) {
            case .start(let name, _):
                if name == XMLName(.cass, "BillingFile") {
                    if billingFileSeen {
                        note(Problem(code: .F06, field: "cass:BillingFile", location: "rdf:RDF", expected: "exactly one cass:BillingFile", found: "a second one"))
                        try skip(&tokenizer)
                    } else {
                        billingFileSeen = true
                        try scanBillingFile(&tokenizer)
                    }
                } else {
                    if name.namespace == .cass { noteUnknown(name, at: "rdf:RDF") }
                    try skip(&tokenizer)
                }
            case .text, .end:
                continue
            case .endOfDocument:
                if !billingFileSeen {
                    note(Problem(code: .F06, field: "cass:BillingFile", location: "rdf:RDF", expected: "one cass:BillingFile in namespace \(XMLNamespace.cassURI)", found: "none"))
                }
                return
            }
        }
    }

    private mutating func scanBillingFile(_ tokenizer: inout XMLTokenizer) throws(XMLTreeError) {
        while !done {
            switch try next(&tokenizer) {
            case .start(let name, let attributes):
                guard name.namespace == .cass, !(identityOnly && name.local == "transaction") else {
                    try skip(&tokenizer)
                    continue
                }
                let node = try tokenizer.readTree(name: name, attributes: attributes, maxElements: Self.maxElementsPerProperty)
                checkVocabulary(node, at: "cass:BillingFile")
                if name.local == "transaction" {
                    addTransaction(node)
                } else if Self.envelopeNames.contains(name.local) {
                    envelope[name.local, default: []].append(node)
                    if identityOnly, Self.identityNames.allSatisfy({ envelope[$0] != nil }) { done = true }
                } else {
                    noteUnknown(name, at: "cass:BillingFile")
                }
            case .text:
                continue
            case .end, .endOfDocument:
                return
            }
        }
    }

    private mutating func addTransaction(_ property: XMLNode) {
        guard layoutProblem == nil else { return }
        let position = transactions.count + 1
        guard case .one(let transaction) = property.single(XMLName(.cass, "BillingTransaction")) else {
            note(Problem(code: .F06, field: "cass:transaction", location: "cass:transaction[\(position)]", expected: "one cass:BillingTransaction", found: "none or several"))
            return
        }
        let sequence = transaction.single(XMLName(.cass, "sequence")).node?.value
        guard sequence == String(position) else {
            note(Problem(code: .F06, field: "sequence", location: "cass:transaction[\(position)]/cass:BillingTransaction/cass:sequence",
                         expected: "\(position) (1, 2, 3... in document order)", found: sequence.map { OneRecordValues.reportable($0, width: 12) } ?? "missing or repeated",
                         message: "cass:sequence values must run 1, 2, 3... in document order"))
            return
        }
        let raw = TransactionExtractor.extract(transaction, sequence: position)
        if case .text(let code) = raw[.transaction], TransactionType(code: code)?.isMemo == true, !raw.otherCharges.isEmpty {
            note(Problem(code: .F06, field: "other charges", location: "cass:transaction[\(position)]/" + "cass:waybill/cargo:Waybill/cargo:otherCharges",
                         expected: "no other charges on a \(code)", found: "\(raw.otherCharges.count)",
                         message: "a memo carries other charges (an OCH after a memo)"))
            return
        }
        transactions.append(raw)
    }

    private mutating func checkVocabulary(_ node: XMLNode, at location: String) {
        if node.name.namespace == .cass, !Self.cassNames.contains(node.name.local) { noteUnknown(node.name, at: location) }
        for child in node.children { checkVocabulary(child, at: location + "/" + node.name.description) }
    }

    private mutating func noteUnknown(_ name: XMLName, at location: String) {
        note(Problem(code: .F06, field: name.description, location: location, expected: "an element of the format", found: "cass:" + OneRecordValues.reportable(name.local, width: 40),
                     message: "unknown element cass:\(name.local) in OpenCASS's namespace"))
    }

    private mutating func note(_ problem: Problem) {
        if layoutProblem == nil { layoutProblem = problem }
    }

    private func next(_ tokenizer: inout XMLTokenizer) throws(XMLTreeError) -> XMLEvent {
        do { return try tokenizer.next() } catch { throw .syntax(error) }
    }

    /// Skips the rest of the element whose start tag was just read.
    private func skip(_ tokenizer: inout XMLTokenizer) throws(XMLTreeError) {
        var depth = 1
        while depth > 0 {
            switch try next(&tokenizer) {
            case .start: depth += 1
            case .end: depth -= 1
            case .text: continue
            case .endOfDocument: return
            }
        }
    }
}
