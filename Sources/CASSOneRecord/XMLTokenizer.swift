/// The namespaces OpenCASS reads. Every other namespace is `.other`: its
/// elements are skipped, whatever prefix they use.
public enum XMLNamespace: UInt8, Sendable, Hashable {
    case none, xml, rdf, cargo, cass, other

    public static let rdfURI = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    public static let cargoURI = "https://onerecord.iata.org/ns/cargo#"
    public static let cassURI = "https://opencass.org/ns/cass#"
    public static let xmlURI = "http://www.w3.org/XML/1998/namespace"

    init(uri: UnsafeRawBufferPointer) {
        func equals(_ literal: StaticString) -> Bool {
            guard uri.count == literal.utf8CodeUnitCount else { return false }
            for k in 0..<uri.count where uri[k] != literal.utf8Start[k] { return false }
            return true
        }
        if uri.isEmpty { self = .none }
        else if equals("http://www.w3.org/1999/02/22-rdf-syntax-ns#") { self = .rdf }
        else if equals("https://onerecord.iata.org/ns/cargo#") { self = .cargo }
        else if equals("https://opencass.org/ns/cass#") { self = .cass }
        else if equals("http://www.w3.org/XML/1998/namespace") { self = .xml }
        else { self = .other }
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

/// The scanner with `String` events, for callers that want them (tests,
/// small documents such as invoices read back). It owns a copy of the
/// bytes, so events can be pulled one call at a time.
public struct XMLTokenizer {
    private final class Storage {
        let bytes: UnsafeMutableRawBufferPointer
        init(_ source: [UInt8]) {
            bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 8)
            source.withUnsafeBytes { bytes.copyMemory(from: $0) }
        }
        deinit { bytes.deallocate() }
    }

    private let storage: Storage
    private var scanner: XMLScanner
    private var names: [XMLName] = []
    private var text: [UInt8] = []

    public init(bytes: [UInt8], limits: XMLLimits = .standard) {
        storage = Storage(bytes)
        scanner = XMLScanner(bytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage.bytes)[0..<bytes.count]), limits: limits)
    }

    public var depth: Int { scanner.depth }

    private enum Pending { case none, start, end }
    private var pending = Pending.none

    public mutating func next() throws(XMLSyntaxError) -> XMLEvent {
        switch pending {
        case .start: pending = .none; return startEvent()
        case .end: pending = .none; return .end(names.removeLast())
        case .none: break
        }
        text.removeAll(keepingCapacity: true)
        while true {
            let event = try scanner.next()
            switch event {
            case .start, .end:
                // Whitespace between tags means nothing: no event for it.
                if !text.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }) {
                    pending = event == .start ? .start : .end
                    return .text(String(decoding: text, as: UTF8.self))
                }
                return event == .start ? startEvent() : .end(names.removeLast())
            case .text(let start, let end, let references, _):
                if references { scanner.decode(start, end, into: &text) } else { text.append(contentsOf: scanner.bytes[start..<end]) }
            case .endOfDocument:
                return .endOfDocument
            }
        }
    }

    private mutating func startEvent() -> XMLEvent {
        let name = XMLName(scanner.namespace, String(decoding: scanner.localName, as: UTF8.self))
        names.append(name)
        var attributes: [XMLAttribute] = []
        for attribute in scanner.attributes {
            let qname = String(decoding: UnsafeRawBufferPointer(rebasing: scanner.bytes[attribute.nameStart..<attribute.nameEnd]), as: UTF8.self)
            if qname == "xmlns" || qname.hasPrefix("xmlns:") { continue }
            var value: [UInt8] = []
            scanner.value(of: attribute, into: &value)
            let local = attribute.colon >= 0 ? String(decoding: UnsafeRawBufferPointer(rebasing: scanner.bytes[(attribute.colon + 1)..<attribute.nameEnd]), as: UTF8.self) : qname
            attributes.append(XMLAttribute(name: XMLName(attribute.namespace, local), value: String(decoding: value, as: UTF8.self)))
        }
        return .start(name, attributes)
    }
}
