/// JSON text exactly as Foundation's `JSONEncoder` writes it with
/// `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]` (two-space
/// indent, `"key" : value`, keys in byte order), for any `Encodable`, but
/// written straight into bytes: Foundation boxes every value into a tree
/// first, and that was most of an invoice's JSON cost. Being generic, a
/// field added to `Invoice` is written without a change here.
/// Floating-point values are written with Swift's shortest representation
/// (the documents hold none: money is integer minor units).
enum PrettyJSON {
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        try fragment(value, depth: 0)
    }

    /// One value's text, its nested lines indented for `depth`.
    static func fragment(_ value: some Encodable, depth: Int) throws -> [UInt8] {
        switch value {
        case let text as String:
            var out: [UInt8] = []
            appendString(text, to: &out)
            return out
        case let number as Int: return Array(String(number).utf8)
        case let number as Int64: return Array(String(number).utf8)
        case let number as Int32: return Array(String(number).utf8)
        case let flag as Bool: return Array((flag ? "true" : "false").utf8)
        default:
            let encoder = ValueEncoder(depth: depth)
            try value.encode(to: encoder)
            return encoder.render()
        }
    }

    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Runs needing no escape go in with one append each (byte by byte,
        // every byte paid the array's capacity and uniqueness checks). Same bytes out.
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                // Only these are escaped below: '"', '\\' and controls.
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                appendEscaped(byte, to: &out)
                runStart = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        if copied == nil {
            for byte in text.utf8 { appendEscaped(byte, to: &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendEscaped(_ byte: UInt8, to out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
        case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
        case 0x08: out.append(contentsOf: [92, UInt8(ascii: "b")])
        case 0x0C: out.append(contentsOf: [92, UInt8(ascii: "f")])
        case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
        case 0..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            out.append(contentsOf: [92, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        default: out.append(byte)
        }
    }

    /// Byte order of two keys' UTF-8 (what `.sortedKeys` sorts by), over
    /// unsafe buffers when both have contiguous UTF-8 (native strings do): the
    /// generic `lexicographicallyPrecedes` over two UTF8Views was 1.4 % of
    /// a period close with documents, every line's keys being sorted.
    static func bytesPrecede(_ a: String, _ b: String) -> Bool {
        let fast: Bool?? = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                let common = min(x.count, y.count)
                var index = 0
                while index < common {
                    if x[index] != y[index] { return x[index] < y[index] }
                    index += 1
                }
                return x.count < y.count
            }
        }
        if let known = fast, let result = known { return result }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    static func indent(_ depth: Int, _ out: inout [UInt8]) {
        for _ in 0..<depth { out.append(32); out.append(32) }
    }

    /// What one value turned into: an object's members, an array's
    /// elements, or a single value's text.
    /// A value's text, or a nested container filled after it was handed
    /// out (rendered with its parent).
    enum Member {
        case text([UInt8])
        case nested(ValueEncoder)

        var bytes: [UInt8] {
            switch self {
            case .text(let bytes): bytes
            case .nested(let encoder): encoder.render()
            }
        }
    }

    final class Storage {
        enum Kind { case none, object, array, single }
        var kind = Kind.none
        var members: [(key: String, value: Member)] = []
        var elements: [Member] = []
        var single: [UInt8] = Array("null".utf8)
    }

    final class ValueEncoder: Encoder {
        let depth: Int
        let storage = Storage()
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] = [:]

        init(depth: Int) { self.depth = depth }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            storage.kind = .object
            return KeyedEncodingContainer(Keyed<Key>(storage: storage, depth: depth))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            storage.kind = .array
            return Unkeyed(storage: storage, depth: depth)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            storage.kind = .single
            return Single(storage: storage, depth: depth)
        }

        func render() -> [UInt8] {
            switch storage.kind {
            case .single, .none: return storage.single
            case .object:
                if storage.members.isEmpty { return Array("{\n\n".utf8) + indentBytes(depth) + [UInt8(ascii: "}")] }
                var out: [UInt8] = [UInt8(ascii: "{"), 10]
                let sorted = storage.members.sorted { PrettyJSON.bytesPrecede($0.key, $1.key) }
                for (index, member) in sorted.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")); out.append(10) }
                    indent(depth + 1, &out)
                    appendString(member.key, to: &out)
                    out.append(contentsOf: [32, UInt8(ascii: ":"), 32])
                    out.append(contentsOf: member.value.bytes)
                }
                out.append(10)
                indent(depth, &out)
                out.append(UInt8(ascii: "}"))
                return out
            case .array:
                if storage.elements.isEmpty { return Array("[\n\n".utf8) + indentBytes(depth) + [UInt8(ascii: "]")] }
                var out: [UInt8] = [UInt8(ascii: "["), 10]
                for (index, element) in storage.elements.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")); out.append(10) }
                    indent(depth + 1, &out)
                    out.append(contentsOf: element.bytes)
                }
                out.append(10)
                indent(depth, &out)
                out.append(UInt8(ascii: "]"))
                return out
            }
        }

        private func indentBytes(_ depth: Int) -> [UInt8] {
            var out: [UInt8] = []
            indent(depth, &out)
            return out
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let storage: Storage
        let depth: Int
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) throws { storage.members.append((key.stringValue, .text(Array("null".utf8)))) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { storage.members.append((key.stringValue, .text(Array((value ? "true" : "false").utf8)))) }
        mutating func encode(_ value: String, forKey key: Key) throws {
            var text: [UInt8] = []
            text.reserveCapacity(value.utf8.count + 2)
            PrettyJSON.appendString(value, to: &text)
            storage.members.append((key.stringValue, .text(text)))
        }
        mutating func encode(_ value: Double, forKey key: Key) throws { storage.members.append((key.stringValue, .text(Array("\(value)".utf8)))) }
        mutating func encode(_ value: Float, forKey key: Key) throws { storage.members.append((key.stringValue, .text(Array("\(value)".utf8)))) }
        mutating func encode(_ value: Int, forKey key: Key) throws { storage.members.append((key.stringValue, .text(Array(String(value).utf8)))) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { storage.members.append((key.stringValue, .text(Array(String(value).utf8)))) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { storage.members.append((key.stringValue, .text(Array(String(value).utf8)))) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { storage.members.append((key.stringValue, .text(Array(String(value).utf8)))) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { storage.members.append((key.stringValue, .text(Array(String(value).utf8)))) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { storage.members.append((key.stringValue, .text(Array(String(value).utf8)))) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { storage.members.append((key.stringValue, .text(Array(String(value).utf8)))) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { storage.members.append((key.stringValue, .text(Array(String(value).utf8)))) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { storage.members.append((key.stringValue, .text(Array(String(value).utf8)))) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { storage.members.append((key.stringValue, .text(Array(String(value).utf8)))) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try add(value, key) }

        private func add(_ value: some Encodable, _ key: Key) throws {
            storage.members.append((key.stringValue, .text(try PrettyJSON.fragment(value, depth: depth + 1))))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            nested(key.stringValue).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            nested(key.stringValue).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { nested("super") }
        mutating func superEncoder(forKey key: Key) -> any Encoder { nested(key.stringValue) }

        private func nested(_ key: String) -> ValueEncoder {
            let encoder = ValueEncoder(depth: depth + 1)
            storage.members.append((key, .nested(encoder)))
            return encoder
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let storage: Storage
        let depth: Int
        var codingPath: [any CodingKey] { [] }
        var count: Int { storage.elements.count }

        mutating func encodeNil() throws { storage.elements.append(.text(Array("null".utf8))) }
        mutating func encode<T: Encodable>(_ value: T) throws { storage.elements.append(.text(try PrettyJSON.fragment(value, depth: depth + 1))) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            nested().container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { nested().unkeyedContainer() }
        mutating func superEncoder() -> any Encoder { nested() }

        private func nested() -> ValueEncoder {
            let encoder = ValueEncoder(depth: depth + 1)
            storage.elements.append(.nested(encoder))
            return encoder
        }
    }

    struct Single: SingleValueEncodingContainer {
        let storage: Storage
        let depth: Int
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() throws { storage.single = Array("null".utf8) }
        mutating func encode<T: Encodable>(_ value: T) throws { storage.single = try PrettyJSON.fragment(value, depth: depth) }
        mutating func encode(_ value: Bool) throws { storage.single = Array((value ? "true" : "false").utf8) }
        mutating func encode(_ value: String) throws {
            var text: [UInt8] = []
            PrettyJSON.appendString(value, to: &text)
            storage.single = text
        }
        mutating func encode(_ value: Double) throws { storage.single = Array("\(value)".utf8) }
        mutating func encode(_ value: Float) throws { storage.single = Array("\(value)".utf8) }
        mutating func encode(_ value: Int) throws { storage.single = Array(String(value).utf8) }
        mutating func encode(_ value: Int8) throws { storage.single = Array(String(value).utf8) }
        mutating func encode(_ value: Int16) throws { storage.single = Array(String(value).utf8) }
        mutating func encode(_ value: Int32) throws { storage.single = Array(String(value).utf8) }
        mutating func encode(_ value: Int64) throws { storage.single = Array(String(value).utf8) }
        mutating func encode(_ value: UInt) throws { storage.single = Array(String(value).utf8) }
        mutating func encode(_ value: UInt8) throws { storage.single = Array(String(value).utf8) }
        mutating func encode(_ value: UInt16) throws { storage.single = Array(String(value).utf8) }
        mutating func encode(_ value: UInt32) throws { storage.single = Array(String(value).utf8) }
        mutating func encode(_ value: UInt64) throws { storage.single = Array(String(value).utf8) }
    }
}
