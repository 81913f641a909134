/// Header fields in arrival order. Names keep their spelling; lookups
/// ignore case (RFC 9110 §5.1).
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public private(set) var fields: [(name: String, value: String)]

    public init() { fields = [] }
    public init(_ fields: [(name: String, value: String)]) { self.fields = fields }
    public init(dictionaryLiteral elements: (String, String)...) { fields = elements.map { (name: $0.0, value: $0.1) } }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    /// The first value of `name`, or nil.
    public subscript(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    public func values(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { fields.contains { $0.name.caseInsensitiveEquals(name) } }

    /// The comma-separated elements of every `name` field, trimmed, empty ones dropped
    /// (RFC 9110 §5.6.1's list syntax; quoted commas are not split).
    public func listElements(_ name: String) -> [String] {
        values(name).flatMap(HTTPHeaders.splitList)
    }

    public mutating func add(_ name: String, _ value: String) { fields.append((name: name, value: value)) }

    /// Replaces every `name` field with one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append((name: name, value: value))
    }

    public mutating func remove(_ name: String) { fields.removeAll { $0.name.caseInsensitiveEquals(name) } }

    public var description: String { fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n") }

    static func splitList(_ value: String) -> [String] {
        var items: [String] = []
        var current: [UInt8] = []
        var quoted = false
        var escaped = false
        for byte in value.utf8 {
            if escaped { current.append(byte); escaped = false; continue }
            switch byte {
            case UInt8(ascii: "\\") where quoted: escaped = true; current.append(byte)
            case UInt8(ascii: "\""): quoted.toggle(); current.append(byte)
            case UInt8(ascii: ",") where !quoted:
                items.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            default: current.append(byte)
            }
        }
        items.append(String(decoding: current, as: UTF8.self))
        return items.map { $0.trimmingOWS() }.filter { !$0.isEmpty }
    }
}

extension String {
    /// ASCII case-insensitive equality, as header names and tokens compare.
    func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            guard x | 0x20 == y | 0x20, (x | 0x20) >= UInt8(ascii: "a"), (x | 0x20) <= UInt8(ascii: "z") else { return false }
        }
        return true
    }

    /// Without leading and trailing spaces and tabs (OWS).
    func trimmingOWS() -> String {
        let bytes = Array(utf8)
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    var asciiLowercased: String {
        String(decoding: utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
