/// Strict percent-decoding of request targets (RFC 3986 §2.1, §3.3, §3.4).
///
/// The rules, all answered 400 when broken:
/// - only the characters RFC 3986 allows in a path or query appear raw
///   (no space, control, non-ASCII, `"<>\^`{|}` or `#`);
/// - `%` is always followed by two hex digits;
/// - the decoded bytes are valid UTF-8 and contain no control character
///   (U+0000-U+001F, U+007F);
/// - a path is split on `/` before decoding, so `%2F` stays inside its
///   segment; `.` and `..` segments (raw or encoded) are refused rather
///   than resolved, so no route can be reached by two spellings.
public enum PercentDecoding {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// pchar without `%` (RFC 3986: unreserved, sub-delims, ":" and "@").
    static func isPathCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), // unreserved
             UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="), // sub-delims
             UInt8(ascii: ":"), UInt8(ascii: "@"):
            true
        default:
            false
        }
    }

    /// Decodes one path segment or query component.
    /// - Parameter plusIsSpace: true in queries (HTML form encoding).
    public static func decode(_ raw: some Collection<UInt8>, plusIsSpace: Bool = false) throws(Failure) -> String {
        try decode(raw, plusIsSpace: plusIsSpace, allowed: isPathCharacter)
    }

    /// `lineBreaks`: a form body (`application/x-www-form-urlencoded`) may
    /// carry a textarea's text, whose lines a browser sends as CR LF and
    /// whose tabs it keeps; every other control character is still refused.
    static func decode(_ raw: some Collection<UInt8>, plusIsSpace: Bool, allowed: (UInt8) -> Bool, lineBreaks: Bool = false) throws(Failure) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index != raw.endIndex {
            let byte = raw[index]
            if byte == UInt8(ascii: "%") {
                let first = raw.index(after: index)
                guard first != raw.endIndex, raw.index(after: first) != raw.endIndex,
                      let high = hexValue(raw[first]), let low = hexValue(raw[raw.index(after: first)]) else {
                    throw Failure(description: "a % not followed by two hex digits")
                }
                out.append(high << 4 | low)
                index = raw.index(first, offsetBy: 2)
                continue
            }
            guard allowed(byte) else {
                throw Failure(description: "character 0x\(String(byte, radix: 16)) is not allowed unencoded")
            }
            out.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index = raw.index(after: index)
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw Failure(description: "percent-encoded bytes are not UTF-8")
        }
        guard !text.unicodeScalars.contains(where: { ($0.value < 0x20 || $0.value == 0x7f) && !(lineBreaks && ($0 == "\r" || $0 == "\n" || $0 == "\t")) }) else {
            throw Failure(description: "a control character is encoded")
        }
        return text
    }

    /// The decoded segments of an absolute path (`/a/b%20c` → ["a", "b c"]).
    /// "/" alone is one empty segment; "//" gives empty segments, which no
    /// route matches.
    public static func pathSegments(_ rawPath: some Collection<UInt8>) throws(Failure) -> [String] {
        guard rawPath.first == UInt8(ascii: "/") else { throw Failure(description: "the path does not start with /") }
        var segments: [String] = []
        for raw in rawPath.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            let segment = try decode(raw)
            guard segment != ".", segment != ".." else {
                throw Failure(description: "dot segments (. and ..) are not allowed in a path")
            }
            segments.append(segment)
        }
        return segments
    }

    /// A query character: pchar, "/" or "?" (RFC 3986 §3.4).
    static func isQueryCharacter(_ byte: UInt8) -> Bool {
        isPathCharacter(byte) || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?")
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 97...102: byte - 87
        case 65...70: byte - 55
        default: nil
        }
    }

    /// Percent-encodes everything except unreserved characters (for links
    /// and for tests).
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}

/// The decoded query of a request: `?a=1&b=x%20y&a=2`. Order and repeats are
/// kept; `+` is a space; a key without `=` has the empty value.
public struct QueryParameters: Sendable, Equatable, Sequence {
    public private(set) var items: [(name: String, value: String)]

    public init() { items = [] }

    public init(_ items: [(name: String, value: String)]) { self.items = items }

    public static func == (lhs: QueryParameters, rhs: QueryParameters) -> Bool {
        lhs.items.count == rhs.items.count && zip(lhs.items, rhs.items).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// Parses the raw query (without the `?`).
    public static func parse(_ raw: some Collection<UInt8>) throws(PercentDecoding.Failure) -> QueryParameters {
        try parse(raw, lineBreaks: false)
    }

    /// Parses an `application/x-www-form-urlencoded` body: a query whose
    /// values may hold line breaks and tabs (a textarea's text).
    public static func parseForm(_ raw: some Collection<UInt8>) throws(PercentDecoding.Failure) -> QueryParameters {
        try parse(raw, lineBreaks: true)
    }

    static func parse(_ raw: some Collection<UInt8>, lineBreaks: Bool) throws(PercentDecoding.Failure) -> QueryParameters {
        var items: [(name: String, value: String)] = []
        for pair in raw.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let rawName = equals.map { pair[pair.startIndex..<$0] } ?? pair[...]
            let rawValue = equals.map { pair[pair.index(after: $0)...] } ?? pair[pair.endIndex...]
            let name = try PercentDecoding.decode(rawName, plusIsSpace: true, allowed: PercentDecoding.isQueryCharacter)
            let value = try PercentDecoding.decode(rawValue, plusIsSpace: true, allowed: PercentDecoding.isQueryCharacter, lineBreaks: lineBreaks)
            items.append((name: name, value: value))
        }
        return QueryParameters(items)
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { items.makeIterator() }

    /// The first value of `name`.
    public subscript(_ name: String) -> String? { items.first { $0.name == name }?.value }

    public func all(_ name: String) -> [String] { items.filter { $0.name == name }.map(\.value) }

    public var isEmpty: Bool { items.isEmpty }

    /// Names present that are not in `known`: a handler refuses unknown
    /// parameters with a 400 naming them instead of ignoring a typo.
    public func unknownNames(_ known: Set<String>) -> [String] {
        var seen = Set<String>()
        return items.map(\.name).filter { !known.contains($0) && seen.insert($0).inserted }
    }

    /// An integer parameter within `range`; nil when absent. A value that is
    /// not a decimal integer in range is an error naming the parameter.
    public func integer(_ name: String, in range: ClosedRange<Int>) throws(HTTPError) -> Int? {
        let values = all(name)
        guard let text = values.first else { return nil }
        guard values.count == 1 else {
            throw HTTPError.badRequest("query parameter \(name) is given \(values.count) times", field: name, message: "give it once")
        }
        guard text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) || (text.hasPrefix("-") && text.utf8.dropFirst().allSatisfy({ $0 >= 48 && $0 <= 57 })),
              let value = Int(text), range.contains(value) else {
            throw HTTPError.badRequest("query parameter \(name) must be an integer from \(range.lowerBound) to \(range.upperBound)",
                                       field: name, message: "an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
