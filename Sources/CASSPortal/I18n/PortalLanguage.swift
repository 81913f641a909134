/// The portal's languages. The raw value is the BCP 47 tag written in
/// `<html lang>`.
public enum PortalLanguage: String, Sendable, CaseIterable {
    case en, fr, es, de
    case zhHans = "zh-Hans"
    case ja, ko, ar

    public var isRightToLeft: Bool { self == .ar }
    public var direction: String { isRightToLeft ? "rtl" : "ltr" }

    /// The language a tag names, if the portal has it: `fr-CA` is fr,
    /// `zh`, `zh-CN`, `zh-Hans-CN` and `zh-TW` are zh-Hans (a Traditional
    /// Chinese reader is better served by Simplified than by English),
    /// `ar-SA` is ar. Case and `_` for `-` are tolerated.
    public init?(tag: String) {
        let lowered = String(tag.lowercased().map { $0 == "_" ? "-" : $0 })
        let primary = lowered.split(separator: "-", maxSplits: 1).first.map(String.init) ?? ""
        switch primary {
        case "en": self = .en
        case "fr": self = .fr
        case "es": self = .es
        case "de": self = .de
        case "zh": self = .zhHans
        case "ja": self = .ja
        case "ko": self = .ko
        case "ar": self = .ar
        default: return nil
        }
    }

    /// The page language: the user's setting, then the request's
    /// `Accept-Language`, then English.
    public static func negotiate(userSetting: String?, acceptLanguage: String?) -> PortalLanguage {
        if let setting = userSetting, let language = PortalLanguage(tag: setting) { return language }
        if let header = acceptLanguage {
            for tag in parseAcceptLanguage(header) {
                if let language = PortalLanguage(tag: tag) { return language }
            }
        }
        return .en
    }

    /// The tags of an `Accept-Language` header, best first: by q-value
    /// (default 1), ties in header order; `q=0` and `*` left out. Malformed
    /// entries are skipped, not fatal. At most the first 4 KiB and 64
    /// entries are read: a header is not a place for work without limit.
    public static func parseAcceptLanguage(_ header: String) -> [String] {
        var entries: [(tag: String, q: Int, index: Int)] = []
        let limited = header.utf8.count > 4096 ? String(decoding: header.utf8.prefix(4096), as: UTF8.self) : header
        for (index, part) in limited.split(separator: ",", omittingEmptySubsequences: true).prefix(64).enumerated() {
            let pieces = part.split(separator: ";")
            guard let rawTag = pieces.first else { continue }
            let tag = rawTag.trimmedSpaces()
            guard !tag.isEmpty, tag != "*", tag.utf8.count <= 35,
                  tag.utf8.allSatisfy({ PortalID.isUpper($0) || PortalID.isLower($0) || PortalID.isDigit($0) || $0 == 45 || $0 == 95 })
            else { continue }
            var q = 1000
            var valid = true
            for parameter in pieces.dropFirst() {
                let kv = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmedSpaces() }
                guard kv.count == 2, kv[0].lowercased() == "q" else { continue }
                if let parsed = parseQValue(kv[1]) { q = parsed } else { valid = false }
            }
            if valid && q > 0 { entries.append((tag, q, index)) }
        }
        entries.sort { $0.q != $1.q ? $0.q > $1.q : $0.index < $1.index }
        return entries.map(\.tag)
    }

    /// RFC 9110 qvalue `0(.ddd)` or `1(.000)`, in thousandths.
    static func parseQValue(_ text: String) -> Int? {
        let b = Array(text.utf8)
        guard let first = b.first, first == 48 || first == 49 else { return nil }
        if b.count == 1 { return first == 49 ? 1000 : 0 }
        guard b[1] == 46, b.count <= 5, b.count >= 2 else { return nil }
        var value = Int(first - 48) * 1000
        var scale = 100
        for byte in b[2...] {
            guard PortalID.isDigit(byte) else { return nil }
            value += Int(byte - 48) * scale
            scale /= 10
        }
        return value <= 1000 ? value : nil
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (what HTTP calls OWS).
    func trimmedSpaces() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let f = scalars.first, f == " " || f == "\t" { scalars = scalars.dropFirst() }
        while let l = scalars.last, l == " " || l == "\t" { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
