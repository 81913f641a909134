import Foundation
import CASSDomain

/// Labels, number and date formats of one language, from the tables in
/// `Translations/<language>.swift` (one file per language, plain
/// `key = value` lines a translator can extend). A key missing from a
/// language falls back to English.
///
/// The tables are compiled in rather than loaded as bundle resources so that
/// the `cass` binary renders correctly wherever it is copied (SwiftPM's
/// `Bundle.module` stops the process when its resource folder is missing).
public struct Translations: Sendable {
    public let language: String
    let table: [String: String]
    let english: [String: String]

    public static let supported = ["en", "fr", "es", "de", "zh-Hans", "ja", "ko", "ar"]

    static let parsed: [String: [String: String]] = {
        var result: [String: [String: String]] = [:]
        for (language, text) in TranslationTables.all { result[language] = parse(text) }
        return result
    }()

    /// Parses `key = value` lines; `#` starts a comment line, `\n` in a value is a line break.
    public static func parse(_ text: String) -> [String: String] {
        var table: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let eq = trimmed.firstIndex(of: "=") else { continue }
            let key = trimmed[..<eq].trimmingCharacters(in: .whitespaces)
            var value = String(trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces))
            value = value.replacingOccurrences(of: "\\n", with: "\n")
            if !key.isEmpty { table[key] = value }
        }
        return table
    }

    /// Resolves a BCP 47 tag (`fr-CA`, `zh-CN`, `zh-Hans-CN`, `ar-SA`) to a
    /// supported table; nil when none fits.
    public static func resolve(_ tag: String) -> String? {
        let parts = tag.replacingOccurrences(of: "_", with: "-").split(separator: "-").map { $0.lowercased() }
        guard let primary = parts.first else { return nil }
        // Traditional Chinese readers are better served by zh-Hans than by English.
        if primary == "zh" { return "zh-Hans" }
        return supported.first { $0.lowercased() == primary }
    }

    /// The first of `tags` that is supported, else English.
    public init(preferring tags: [String]) {
        let language = tags.lazy.compactMap(Translations.resolve).first ?? "en"
        self.language = language
        self.english = Translations.parsed["en"] ?? [:]
        self.table = Translations.parsed[language] ?? [:]
    }

    public init(language: String) { self.init(preferring: [language]) }

    public subscript(key: String) -> String { table[key] ?? english[key] ?? key }

    public func has(_ key: String) -> Bool { table[key] != nil }

    /// A label with `{name}` placeholders filled in.
    public func text(_ key: String, _ values: [String: String] = [:]) -> String {
        var result = self[key]
        for (name, value) in values { result = result.replacingOccurrences(of: "{\(name)}", with: value) }
        return result
    }

    public var isRightToLeft: Bool { self["direction"] == "rtl" }

    /// An amount in minor units, grouped and with the language's decimal mark.
    public func amount(_ minor: Int64, digits: Int) -> String {
        let plain = Money.decimalString(minor, digits: digits)
        let negative = plain.hasPrefix("-")
        let unsigned = negative ? String(plain.dropFirst()) : plain
        let parts = unsigned.split(separator: ".", maxSplits: 1)
        let whole = Array(parts.first.map(String.init) ?? "0")
        let group = self["format.group"] == "space" ? "\u{00A0}" : self["format.group"]
        var grouped = ""
        for (index, digit) in whole.enumerated() {
            if index > 0 && (whole.count - index) % 3 == 0 { grouped += group }
            grouped.append(digit)
        }
        if parts.count == 2 { grouped += self["format.decimal"] + parts[1] }
        return (negative ? "-" : "") + grouped
    }

    /// Chargeable weight from tenths of a kilogram.
    public func weight(_ tenthsKg: Int64) -> String { amount(tenthsKg, digits: 1) }

    /// A date in the language's long (`format.date`) or short (`format.date.short`) pattern.
    public func date(_ date: CivilDate, short: Bool = false) -> String {
        let pattern = Array(self[short ? "format.date.short" : "format.date"])
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        var out = ""
        var i = 0
        while i < pattern.count {
            let c = pattern[i]
            var run = 1
            while i + run < pattern.count && pattern[i + run] == c { run += 1 }
            switch (c, run) {
            case ("y", _): out += run == 2 ? pad(date.year % 100, 2) : pad(date.year, 4)
            case ("M", 3...): out += self["month.\(date.month)"]
            case ("M", 2): out += pad(date.month, 2)
            case ("M", _): out += String(date.month)
            case ("d", 2...): out += pad(date.day, 2)
            case ("d", _): out += String(date.day)
            default: out += String(repeating: String(c), count: run)
            }
            i += run
        }
        return out
    }
}
