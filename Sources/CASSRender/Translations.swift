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
    /// `format.group` and `format.decimal` as bytes, looked up once here:
    /// `amount` runs for every amount cell of every document.
    let groupMark: [UInt8]
    let decimalMark: [UInt8]

    public static let supported = ["en", "fr", "es", "de", "zh-Hans", "ja", "ko", "ar"]

    static let parsed: [String: [String: String]] = {
        var result: [String: [String: String]] = [:]
        for (language, text) in TranslationTables.all { result[language] = parse(text) }
        return result
    }()

    /// Parses `key = value` lines; `#` starts a comment line, `\n` in a value is a line break.
    /// Over Unicode scalars, trimming what `CharacterSet.whitespaces` holds:
    /// through Foundation (`parseByFoundation`, which gives the same tables)
    /// the eight tables took ~66 M instructions, once per process but a
    /// few percent of rendering a few hundred invoices. Text with a
    /// carriage return goes that way (a CR LF pair is one `Character`).
    public static func parse(_ text: String) -> [String: String] {
        if text.utf8.contains(0x0D) { return parseByFoundation(text) }
        @inline(__always) func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0x09, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x202F, 0x205F, 0x3000: return true
            default: return false
            }
        }
        func trimmed(_ slice: Substring.UnicodeScalarView) -> Substring.UnicodeScalarView {
            var low = slice.startIndex, high = slice.endIndex
            while low < high, isSpace(slice[low]) { low = slice.index(after: low) }
            while high > low, isSpace(slice[slice.index(before: high)]) { high = slice.index(before: high) }
            return slice[low..<high]
        }
        var table: [String: String] = [:]
        let all = Substring(text).unicodeScalars
        for line in all.split(separator: "\n", omittingEmptySubsequences: true) {
            let content = trimmed(line)
            guard content.first != "#", let eq = content.firstIndex(of: "=") else { continue }
            let key = trimmed(content[..<eq])
            let rawValue = trimmed(content[content.index(after: eq)...])
            var value = String.UnicodeScalarView()
            var at = rawValue.startIndex
            while at < rawValue.endIndex {
                let next = rawValue.index(after: at)
                if rawValue[at] == "\\", next < rawValue.endIndex, rawValue[next] == "n" {
                    value.append("\n")
                    at = rawValue.index(after: next)
                } else {
                    value.append(rawValue[at])
                    at = next
                }
            }
            if !key.isEmpty { table[String(String.UnicodeScalarView(key))] = String(value) }
        }
        return table
    }

    /// `parse` through Foundation's trimming and replacing (the reference the tests compare with).
    static func parseByFoundation(_ text: String) -> [String: String] {
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
        // A supported tag as written (what reference data holds) resolves
        // to itself: every document of every invoice resolves its agent's
        // language, and the Foundation path below was 1 % of a close with
        // documents.
        if supported.contains(tag) { return tag }
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
        let group = table["format.group"] ?? english["format.group"] ?? "format.group"
        self.groupMark = Array((group == "space" ? "\u{00A0}" : group).utf8)
        self.decimalMark = Array((table["format.decimal"] ?? english["format.decimal"] ?? "format.decimal").utf8)
    }

    public init(language: String) { self.init(preferring: [language]) }

    public subscript(key: String) -> String { table[key] ?? english[key] ?? key }

    public func has(_ key: String) -> Bool { table[key] != nil }

    /// A label with `{name}` placeholders filled in.
    public func text(_ key: String, _ values: [String: String] = [:]) -> String {
        Self.fill(self[key], values)
    }

    /// Fills `{name}` placeholders in one pass from the start: a value is
    /// put in as it is, never searched for placeholders itself (chained
    /// `replacingOccurrences` did that, in the dictionary's order, so a
    /// value holding `{n}` came out differently from run to run); an
    /// unknown `{name}` and a lone brace stay as written. One pass over
    /// bytes: through Foundation each label cost about 70,000 instructions,
    /// several per invoice of every document.
    static func fill(_ template: String, _ values: [String: String]) -> String {
        guard !values.isEmpty else { return template }
        let utf8 = Array(template.utf8)
        guard utf8.contains(UInt8(ascii: "{")) else { return template }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 32)
        var at = 0
        while at < utf8.count {
            let byte = utf8[at]
            if byte == UInt8(ascii: "{"), let close = utf8[(at + 1)...].firstIndex(of: UInt8(ascii: "}")),
               let value = values[String(decoding: utf8[(at + 1)..<close], as: UTF8.self)] {
                out.append(contentsOf: value.utf8)
                at = close + 1
            } else {
                out.append(byte)
                at += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var isRightToLeft: Bool { self["direction"] == "rtl" }

    /// An amount in minor units, grouped and with the language's decimal mark.
    /// Written as bytes with the marks looked up once per language: through
    /// `Money.decimalString`, a split and three table lookups it was 6 % of
    /// a period close with documents. The text is what that gave (tested
    /// against it). Like `Money.decimalString`, `digits` above 19 overflows
    /// the scale (currencies have 0-4).
    public func amount(_ minor: Int64, digits: Int) -> String {
        var out: [UInt8] = []
        appendAmount(minor, digits: digits, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `amount` appended to UTF-8 bytes: report rows draw their amounts
    /// from one reused buffer instead of a String each. Laid out from the
    /// right on the stack and appended once: a byte at a time into the
    /// array (each append checking uniqueness and capacity), with the marks
    /// appended as arrays, was 460 instructions an amount, seven amounts a
    /// line of every PDF.
    public func appendAmount(_ minor: Int64, digits: Int, to out: inout [UInt8]) {
        var scale: UInt64 = 1
        for _ in 0..<max(digits, 0) { scale *= 10 }
        let fractionDigits = max(digits, 0)
        let magnitude = minor.magnitude
        var whole = magnitude / scale
        var fraction = magnitude % scale
        groupMark.withUnsafeBufferPointer { group in
            decimalMark.withUnsafeBufferPointer { decimal in
                // Sign, 20 whole digits and 6 group marks, the decimal mark, the fraction.
                let capacity = 1 + 20 + 6 * group.count + decimal.count + fractionDigits
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { scratch in
                    guard let base = scratch.baseAddress else { return }
                    var at = capacity
                    if fractionDigits > 0 {
                        for _ in 0..<fractionDigits {
                            at &-= 1
                            base[at] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: fraction % 10)
                            fraction /= 10
                        }
                        at &-= decimal.count
                        if let start = decimal.baseAddress { (base + at).initialize(from: start, count: decimal.count) }
                    }
                    var written = 0
                    repeat {
                        if written > 0 && written % 3 == 0 {
                            at &-= group.count
                            if let start = group.baseAddress { (base + at).initialize(from: start, count: group.count) }
                        }
                        at &-= 1
                        base[at] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: whole % 10)
                        whole /= 10
                        written &+= 1
                    } while whole > 0
                    if minor < 0 {
                        at &-= 1
                        base[at] = UInt8(ascii: "-")
                    }
                    out.append(contentsOf: UnsafeBufferPointer(start: base + at, count: capacity &- at))
                }
            }
        }
    }

    /// Chargeable weight from tenths of a kilogram.
    public func weight(_ tenthsKg: Int64) -> String { amount(tenthsKg, digits: 1) }

    /// A date in the language's long (`format.date`) or short (`format.date.short`) pattern.
    public func date(_ date: CivilDate, short: Bool = false) -> String {
        let key = DateKey(language: language, short: short, date: date)
        if let known = Self.formattedDates[key] { return known }
        let text = format(date, short: short)
        Self.formattedDates[key] = text
        return text
    }

    /// A date's text is a function of the language (its table is the
    /// compiled-in one) and the pattern asked for: formatting builds several
    /// Strings (~7,000 instructions), and every document formats the
    /// period's few dozen dates again.
    struct DateKey: Hashable, Sendable {
        let language: String
        let short: Bool
        let date: CivilDate
    }

    /// The dates formatted in this process, shared by every thread: at
    /// most 16,384, past which dates are formatted each time.
    static let formattedDates = SharedCache<DateKey, String>(capacity: 16_384)

    /// `date` without the cache (what the tests compare it with).
    func format(_ date: CivilDate, short: Bool) -> String {
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
