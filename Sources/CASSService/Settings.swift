import CASSAccess
import Foundation

/// A company's self-service settings (portal.md "Self-service settings"):
/// the object `GET /api/v1/settings` answers and `PUT` takes back whole.
/// Kept on the compacted topic `cass.settings`, keyed by company, as this
/// JSON (sorted keys). `directDebit` is only an agent company's; it also
/// stands on the accounts topic (a `direct-debit.set` record), where it
/// governs collections in one order with them.
public struct CompanySettings: Sendable, Hashable, Codable {
    public struct Webhook: Sendable, Hashable, Codable {
        public var url: String
        public var secret: String

        public init(url: String, secret: String) {
            self.url = url
            self.secret = secret
        }
    }

    public var language: String
    /// Document formats distributed: `pdf`, `xlsx`, `hot`, `xml`.
    public var formats: [String]
    /// `download`, `sftp`.
    public var distribution: [String]
    public var webhooks: [Webhook]
    public var emails: [String]
    /// Agents only (nil for every other company).
    public var directDebit: Bool?

    public init(language: String, formats: [String], distribution: [String], webhooks: [Webhook], emails: [String], directDebit: Bool?) {
        self.language = language
        self.formats = formats
        self.distribution = distribution
        self.webhooks = webhooks
        self.emails = emails
        self.directDebit = directDebit
    }

    public static let formatsAllowed = ["pdf", "xlsx", "hot", "xml"]
    public static let distributionAllowed = ["download", "sftp"]
    public static let webhooksMax = 10
    public static let emailsMax = 20
    public static let urlBytesMax = 2_048
    public static let secretCharactersMax = 256

    /// What a company has before its admin saves anything: its language
    /// (an agent's from agents.csv when OpenCASS speaks it), the Cargo
    /// Sales Report as a PDF, documents by download only, no webhook, no
    /// e-mail, no direct debit.
    public static func defaults(for company: CompanyID, language: String) -> CompanySettings {
        CompanySettings(language: language, formats: ["pdf"], distribution: ["download"], webhooks: [], emails: [],
                        directDebit: company.kind == .agent ? false : nil)
    }

    /// Reads a `PUT` body: every field of the object is required (the
    /// whole object, as `GET` gave it), `directDebit` for agent companies
    /// only; 422 naming every problem at once.
    static func decode(_ bytes: [UInt8], for company: CompanyID) throws -> CompanySettings {
        let isAgent = company.kind == .agent
        // `warnings` is read-only: GET gives it, PUT takes the object back
        // as GET gave it, so it is allowed here and ignored.
        var known: Set<String> = ["language", "formats", "distribution", "webhooks", "emails", "warnings"]
        if isAgent { known.insert("directDebit") }
        let fields = try RequestFields(bytes, known: known)
        let language = fields.string("language", maxCharacters: 16)
        if let language, let problem = UserRules.languageProblem(language) { fields.fail("language", problem) }
        let formats = fields.strings("formats", maxItems: 16, maxCharacters: 16).map { list in
            choices(list, allowed: formatsAllowed, field: "formats", fields)
        }
        let distribution = fields.strings("distribution", maxItems: 16, maxCharacters: 16).map { list in
            choices(list, allowed: distributionAllowed, field: "distribution", fields)
        }
        let webhooks = fields.objects("webhooks", maxItems: webhooksMax, known: ["url", "secret"]) { hook -> Webhook? in
            let url = hook.string("url", maxCharacters: urlBytesMax)
            if let url, let problem = webhookURLProblem(url) { hook.fail("url", problem) }
            let secret = hook.string("secret", maxCharacters: secretCharactersMax)
            if let secret, secret.isEmpty { hook.fail("secret", "must not be empty (it signs every delivery)") }
            guard let url, let secret else { return nil }
            return Webhook(url: url, secret: secret)
        }
        let emails = fields.strings("emails", maxItems: emailsMax, maxCharacters: UserRules.emailLengthMax)
        for (index, email) in (emails ?? []).enumerated() {
            if email.isEmpty {
                fields.fail("emails[\(index)]", "must be an e-mail address (name@domain)")
            } else if let problem = UserRules.emailProblem(email) {
                fields.fail("emails[\(index)]", problem)
            }
        }
        let directDebit = isAgent ? fields.bool("directDebit") : nil
        try fields.finish()
        guard let language, let formats, let distribution, let webhooks, let emails else {
            // Cannot happen: finish() threw for any field missing.
            throw ServiceError("a settings body passed its checks with a field missing")
        }
        return CompanySettings(language: language, formats: formats, distribution: distribution, webhooks: webhooks, emails: emails,
                               directDebit: directDebit)
    }

    /// The list kept in the allowed order without repeats; an unknown
    /// value is reported.
    private static func choices(_ list: [String], allowed: [String], field: String, _ fields: RequestFields) -> [String] {
        for (index, value) in list.enumerated() where !allowed.contains(value) {
            fields.fail("\(field)[\(index)]", "must be one of \(allowed.joined(separator: ", "))")
        }
        let chosen = Set(list)
        return allowed.filter { chosen.contains($0) }
    }

    /// What is allowed but unwise, said back on every answer and logged
    /// when saved: a webhook over plain `http` carries each event, and its
    /// signature, in the clear (the signature still stops tampering and
    /// replays; https keeps the content private).
    public var warnings: [String] {
        webhooks.enumerated().compactMap { index, hook in
            Self.isPlainHTTP(hook.url) ? "webhooks[\(index)].url: \(hook.url) is plain http: events and their signatures travel unencrypted; use https" : nil
        }
    }

    static func isPlainHTTP(_ url: String) -> Bool { url.lowercased().hasPrefix("http://") }

    /// An absolute `http` or `https` URL with a host, printable ASCII only:
    /// it is handed to the notifier as it stands.
    static func webhookURLProblem(_ url: String) -> String? {
        let bytes = Array(url.utf8)
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return "must be printable ASCII without spaces" }
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            rest = url.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            rest = url.dropFirst(7)
        } else {
            return "must be an http:// or https:// URL"
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@").last.map { $0.prefix { $0 != ":" } } ?? ""
        guard !host.isEmpty || authority.hasPrefix("[") else { return "must name a host" }
        return nil
    }
}

/// The settings as the API answers them: the object, and `warnings` when
/// there are any (read-only; PUT ignores it).
struct SettingsAnswer: Encodable {
    var settings: CompanySettings

    enum Keys: String, CodingKey { case warnings }

    func encode(to encoder: any Encoder) throws {
        try settings.encode(to: encoder)
        let warnings = settings.warnings
        if !warnings.isEmpty {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(warnings, forKey: .warnings)
        }
    }
}
