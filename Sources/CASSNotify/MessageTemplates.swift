import CASSDomain
import Foundation

/// The built-in message texts, one file per language under `Messages/`.
/// They are compiled in rather than shipped as SwiftPM resources so the
/// `cass` binary works wherever it is copied, without a resource bundle
/// beside it.
public enum MessageCatalog {
    public static let builtInLanguages = ["en", "fr", "es", "de", "zh-Hans", "ja", "ko", "ar"]

    static func builtInText(_ language: String) -> String? {
        switch language {
        case "en": en
        case "fr": fr
        case "es": es
        case "de": de
        case "zh-Hans": zhHans
        case "ja": ja
        case "ko": ko
        case "ar": ar
        default: nil
        }
    }

    /// Parses `key = value` lines: `#` starts a comment line, `\n` in a
    /// value is a line break and `\\` a backslash.
    public static func parse(_ text: String, source: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw NotifyError.template("\(source) line \(index + 1): expected key = value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { throw NotifyError.template("\(source) line \(index + 1): empty key") }
            result[key] = unescape(value)
        }
        return result
    }

    private static func unescape(_ value: String) -> String {
        var out = ""
        var escaping = false
        for character in value {
            if escaping {
                switch character {
                case "n": out.append("\n")
                case "\\": out.append("\\")
                default: out.append("\\"); out.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                out.append(character)
            }
        }
        if escaping { out.append("\\") }
        return out
    }
}

/// A message ready to send: subject and plain-text body in one language.
public struct RenderedMessage: Sendable, Hashable, Codable {
    /// The language the subject was found in (after fallbacks).
    public var language: String
    public var subject: String
    public var body: String

    public init(language: String, subject: String, body: String) {
        self.language = language
        self.subject = subject
        self.body = body
    }
}

/// Subject and body of every event in every configured language. A key
/// missing in a language falls back to English, so a partial translation
/// still produces a complete message.
public struct MessageTemplates: Sendable {
    /// language tag → key → template.
    private var tables: [String: [String: String]]

    /// The built-in languages, with `<lang>.txt` files from
    /// `overridesFolder` (when given) replacing or adding keys and languages.
    public init(overridesFolder: String? = nil) throws {
        var tables: [String: [String: String]] = [:]
        for language in MessageCatalog.builtInLanguages {
            if let text = MessageCatalog.builtInText(language) {
                tables[language] = try MessageCatalog.parse(text, source: "built-in \(language)")
            }
        }
        if let overridesFolder {
            let files: [String]
            do {
                files = try FileManager.default.contentsOfDirectory(atPath: overridesFolder)
            } catch {
                throw NotifyError.template("cannot list \(overridesFolder): \(error.localizedDescription)")
            }
            for file in files.sorted() where file.hasSuffix(".txt") {
                let language = String(file.dropLast(4))
                let path = overridesFolder + "/" + file
                guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                    throw NotifyError.template("\(path) is not readable UTF-8")
                }
                let table = try MessageCatalog.parse(text, source: path)
                tables[language, default: [:]].merge(table) { _, new in new }
            }
        }
        self.tables = tables
    }

    public var languages: [String] { tables.keys.sorted() }

    /// The best table for a BCP 47 tag: exact (case-insensitive), then the
    /// tag with trailing subtags removed (`zh-Hans-CN` → `zh-Hans` → `zh`),
    /// then `zh` → `zh-Hans` since simplified is the CASS default for Chinese.
    public func resolve(language: String) -> String {
        let byLowercase = Dictionary(tables.keys.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        var parts = language.replacingOccurrences(of: "_", with: "-").lowercased().split(separator: "-").map(String.init)
        while !parts.isEmpty {
            if let found = byLowercase[parts.joined(separator: "-")] { return found }
            parts.removeLast()
        }
        if language.lowercased().hasPrefix("zh"), let simplified = byLowercase["zh-hans"] { return simplified }
        return "en"
    }

    /// The template for `key` in `language`, or English, or nil.
    public func template(_ key: String, language: String) -> String? {
        tables[resolve(language: language)]?[key] ?? tables["en"]?[key]
    }

    public func render(_ event: NotificationEvent, language: String) throws -> RenderedMessage {
        let resolved = resolve(language: language)
        let prefix = event.kind.rawValue
        guard let subject = template(prefix + ".subject", language: resolved),
              let body = template(prefix + ".body", language: resolved) else {
            throw NotifyError.template("no \(prefix).subject/body in \(resolved) nor English")
        }
        let values = MessageTemplates.placeholders(of: event)
        // A subject is one header line: a value with a line break must not
        // open a second header.
        let oneLine = values.mapValues { $0.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ") }
        return RenderedMessage(language: resolved, subject: MessageTemplates.fill(subject, oneLine), body: MessageTemplates.fill(body, values))
    }

    /// Values by placeholder name. Amounts are written with the currency's
    /// own digits and no grouping, so they read the same in every language.
    public static func placeholders(of event: NotificationEvent) -> [String: String] {
        switch event {
        case .invoiceIssued(let e):
            return ["number": e.number, "country": e.country, "period": e.period.description, "agent": e.agentCode,
                    "total": Money.decimalString(e.totalMinor, digits: e.minorDigits), "currency": e.currency,
                    "dueDate": e.dueDate.description]
        case .fileAccepted(let e):
            return ["file": e.file, "airline": e.airline, "country": e.country, "period": e.period.description,
                    "accepted": String(e.acceptedRecords), "rejected": String(e.rejectedRecords)]
        case .fileRejected(let e):
            return ["file": e.file, "airline": e.airline, "code": e.code, "message": e.message]
        case .periodClosed(let e):
            return ["country": e.country, "period": e.period.description, "invoices": String(e.invoices),
                    "total": Money.decimalString(e.totalMinor, digits: e.minorDigits), "currency": e.currency]
        }
    }

    /// Replaces `{name}` with its value in one pass, so a value that itself
    /// contains braces is never expanded again. Unknown names stay as they are.
    public static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            if character == "{", let close = template[index...].firstIndex(of: "}") {
                let name = String(template[template.index(after: index)..<close])
                if let value = values[name] {
                    out += value
                    index = template.index(after: close)
                    continue
                }
            }
            out.append(character)
            index = template.index(after: index)
        }
        return out
    }
}
