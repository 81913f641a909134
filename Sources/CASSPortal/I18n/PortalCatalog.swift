/// The portal's words in one language: `key = value` tables compiled in
/// (`Catalog/<language>.swift`, one file per language a translator can
/// edit). Values are plain text with `{name}` placeholders; the page
/// escapes them like any other text, so a translation can never inject
/// markup. Every language has every key (a test fails otherwise); a key
/// missing at run time falls back to English, then to the key itself.
public struct PortalCatalog: Sendable {
    public let language: PortalLanguage
    let table: [String: String]
    let english: [String: String]

    public init(_ language: PortalLanguage) {
        self.language = language
        self.table = PortalCatalog.tables[language] ?? [:]
        self.english = PortalCatalog.tables[.en] ?? [:]
    }

    static let tables: [PortalLanguage: [String: String]] = {
        var result: [PortalLanguage: [String: String]] = [:]
        for language in PortalLanguage.allCases { result[language] = parse(source(language)) }
        return result
    }()

    static func source(_ language: PortalLanguage) -> String {
        switch language {
        case .en: PortalCatalogText.en
        case .fr: PortalCatalogText.fr
        case .es: PortalCatalogText.es
        case .de: PortalCatalogText.de
        case .zhHans: PortalCatalogText.zhHans
        case .ja: PortalCatalogText.ja
        case .ko: PortalCatalogText.ko
        case .ar: PortalCatalogText.ar
        }
    }

    /// The keys of a language's table, for the completeness test.
    public static func keys(_ language: PortalLanguage) -> Set<String> { Set((tables[language] ?? [:]).keys) }

    public static func value(_ language: PortalLanguage, _ key: String) -> String? { tables[language]?[key] }

    /// `key = value` lines; `#` starts a comment line; the first `=` splits.
    static func parse(_ text: String) -> [String: String] {
        var table: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let trimmed = line.trimmedSpaces()
            guard !trimmed.hasPrefix("#"), let eq = trimmed.firstIndex(of: "=") else { continue }
            let key = trimmed[..<eq].trimmedSpaces()
            let value = trimmed[trimmed.index(after: eq)...].trimmedSpaces()
            if !key.isEmpty { table[key] = value }
        }
        return table
    }

    public func has(_ key: String) -> Bool { table[key] != nil || english[key] != nil }

    public subscript(key: String) -> String { table[key] ?? english[key] ?? key }

    /// The text of `key` with `{name}` placeholders filled in.
    public func callAsFunction(_ key: String, _ values: KeyValuePairs<String, String> = [:]) -> String {
        var result = self[key]
        guard !values.isEmpty else { return result }
        for (name, value) in values {
            result = result.replacingAll("{" + name + "}", with: value)
        }
        return result
    }

    /// The label of a value from a fixed set (`status.file.accepted`), or
    /// the value itself when the catalog has no word for it.
    public func label(_ prefix: String, _ value: String) -> String {
        let key = prefix + "." + value
        return has(key) ? self[key] : PageBuilder.clip(value, 60)
    }
}

extension String {
    /// Replaces every occurrence of `target`, byte-wise on UTF-8 (no
    /// Foundation: its `contains` goes through CFString and showed up in
    /// the benchmark's profile).
    func replacingAll(_ target: String, with replacement: String) -> String {
        let haystack = Array(utf8), needle = Array(target.utf8)
        guard !needle.isEmpty, haystack.count >= needle.count else { return self }
        var out: [UInt8] = []
        out.reserveCapacity(haystack.count + replacement.utf8.count)
        var index = 0
        var found = false
        while index < haystack.count {
            if haystack[index] == needle[0], index + needle.count <= haystack.count, haystack[index..<(index + needle.count)].elementsEqual(needle) {
                out.append(contentsOf: replacement.utf8)
                index += needle.count
                found = true
            } else {
                out.append(haystack[index])
                index += 1
            }
        }
        return found ? String(decoding: out, as: UTF8.self) : self
    }
}
