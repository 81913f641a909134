/// A small element tree: one property of the billing file at a time (the
/// envelope's fields, or one transaction), so memory stays bounded by the
/// largest transaction, not by the file.
struct XMLNode {
    var name: XMLName
    var attributes: [XMLAttribute]
    var children: [XMLNode] = []
    var text = ""

    /// Text with XML whitespace trimmed: values are tokens, and indentation
    /// is free.
    var value: String {
        var scalars = Substring(text)
        while let first = scalars.first, first == " " || first == "\n" || first == "\t" || first == "\r" || first == "\r\n" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\n" || last == "\t" || last == "\r" || last == "\r\n" { scalars = scalars.dropLast() }
        return String(scalars)
    }

    func attribute(_ name: XMLName) -> String? { attributes.first { $0.name == name }?.value }

    /// `rdf:resource`: how code-list values are written.
    var resource: String? { attribute(XMLName(.rdf, "resource")) }

    func children(_ name: XMLName) -> [XMLNode] { children.filter { $0.name == name } }
}

/// A child looked up where exactly one is expected.
enum Single {
    case missing
    case one(XMLNode)
    case repeated

    init(_ nodes: [XMLNode]) {
        switch nodes.count {
        case 0: self = .missing
        case 1: self = .one(nodes[0])
        default: self = .repeated
        }
    }

    var node: XMLNode? {
        if case .one(let node) = self { return node }
        return nil
    }
}

extension XMLNode {
    /// Without building an array: most lookups find one child or none.
    func single(_ name: XMLName) -> Single {
        var found: XMLNode?
        for child in children where child.name == name {
            if found != nil { return .repeated }
            found = child
        }
        return found.map { .one($0) } ?? .missing
    }

    /// Follows a path of single children; nil when any step is missing or repeated.
    func path(_ names: XMLName...) -> Single {
        var current = self
        for (position, name) in names.enumerated() {
            switch current.single(name) {
            case .one(let next):
                if position == names.count - 1 { return .one(next) }
                current = next
            case .missing: return .missing
            case .repeated: return .repeated
            }
        }
        return .one(current)
    }
}

enum XMLTreeError: Error {
    case syntax(XMLSyntaxError)
    case tooManyElements(Int)
}

extension XMLTokenizer {
    /// Reads the subtree whose start tag was just returned. Elements outside
    /// the rdf, cargo and cass namespaces are skipped (ONE Record data may
    /// carry more than billing needs) but still checked for well-formedness.
    mutating func readTree(name: XMLName, attributes: [XMLAttribute], maxElements: Int) throws(XMLTreeError) -> XMLNode {
        var stack = [XMLNode(name: name, attributes: attributes)]
        var skipping = 0
        var elements = 1
        while true {
            let event: XMLEvent
            do { event = try next() } catch { throw .syntax(error) }
            switch event {
            case .start(let childName, let childAttributes):
                if skipping > 0 || !childName.namespace.isRead {
                    skipping += 1
                    continue
                }
                elements += 1
                if elements > maxElements { throw .tooManyElements(maxElements) }
                stack.append(XMLNode(name: childName, attributes: childAttributes))
            case .end:
                if skipping > 0 { skipping -= 1; continue }
                guard let done = stack.popLast() else { return XMLNode(name: name, attributes: attributes) }
                if stack.isEmpty { return done }
                stack[stack.count - 1].children.append(done)
            case .text(let text):
                if skipping == 0, !stack.isEmpty { stack[stack.count - 1].text += text }
            case .endOfDocument:
                // The tokenizer reports an unclosed element before this.
                throw .syntax(XMLSyntaxError(message: "document ended inside <\(name)>", line: 0))
            }
        }
    }
}

extension XMLNamespace {
    var isRead: Bool { self == .rdf || self == .cargo || self == .cass }
}
