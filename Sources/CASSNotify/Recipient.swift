import Foundation

/// Someone who receives notifications, and how. Agents are matched by their
/// 11-digit agent code, airlines by their 3-digit prefix; operators (the CASS
/// office, a bank, a monitoring system) are matched by nothing but the event
/// kinds and countries they ask for.
public struct Recipient: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case agent, airline, `operator`
    }

    public struct Webhook: Sendable, Hashable, Codable {
        public var url: String
        /// Shared with the receiver; signs every request (Standard Webhooks:
        /// `webhook-signature`). A `whsec_` prefix means base64 key bytes.
        public var secret: String

        public init(url: String, secret: String) {
            self.url = url
            self.secret = secret
        }
    }

    public struct Email: Sendable, Hashable, Codable {
        public var address: String
        /// Shown in the To header; may be in any script.
        public var name: String?

        public init(address: String, name: String? = nil) {
            self.address = address
            self.name = name
        }
    }

    public struct Channels: Sendable, Hashable, Codable {
        public var webhook: Webhook?
        public var email: Email?

        public init(webhook: Webhook? = nil, email: Email? = nil) {
            self.webhook = webhook
            self.email = email
        }
    }

    public var kind: Kind
    public var id: String
    /// BCP 47 (`fr`, `zh-Hans`); messages fall back to English.
    public var language: String
    public var channels: Channels
    /// Event kinds wanted; nil means the default for the kind
    /// (see `defaultEvents`).
    public var events: [NotificationEvent.Kind]?
    /// Operations of interest; nil or empty means all.
    public var countries: [String]?

    public init(kind: Kind, id: String, language: String, channels: Channels, events: [NotificationEvent.Kind]? = nil, countries: [String]? = nil) {
        self.kind = kind
        self.id = id
        self.language = language
        self.channels = channels
        self.events = events
        self.countries = countries
    }

    /// Agents hear about their invoices, airlines about their files,
    /// operators about period closes.
    public static func defaultEvents(for kind: Kind) -> [NotificationEvent.Kind] {
        switch kind {
        case .agent: [.invoiceIssued]
        case .airline: [.fileAccepted, .fileRejected]
        case .operator: [.periodClosed]
        }
    }

    public var subscribedEvents: [NotificationEvent.Kind] { events ?? Recipient.defaultEvents(for: kind) }

    /// Whether this recipient receives `event`: it asked for the kind, the
    /// country is one of its own (events without a country pass), and an
    /// agent or airline event names this very agent or airline.
    public func receives(_ event: NotificationEvent) -> Bool {
        guard subscribedEvents.contains(event.kind) else { return false }
        if let countries, !countries.isEmpty, let country = event.country, !countries.contains(country) {
            return false
        }
        switch (kind, event) {
        case (.agent, .invoiceIssued(let e)): return e.agentCode == id
        case (.agent, .fileAccepted), (.agent, .fileRejected): return false
        case (.airline, .fileAccepted(let e)): return e.airline == id
        case (.airline, .fileRejected(let e)): return e.airline == id
        case (.airline, .invoiceIssued): return false
        case (_, .periodClosed), (.operator, _): return true
        }
    }
}

/// The SMTP relay e-mail goes through when configured (plain SMTP, no TLS:
/// meant for a local relay that does the rest).
public struct SMTPSettings: Sendable, Hashable, Codable {
    public var host: String
    public var port: Int
    /// Envelope and header sender; overrides the top-level `from`.
    public var from: String?
    /// The name sent with EHLO; defaults to `localhost`.
    public var helo: String?
    public var timeoutMs: Int?

    public init(host: String, port: Int, from: String? = nil, helo: String? = nil, timeoutMs: Int? = nil) {
        self.host = host
        self.port = port
        self.from = from
        self.helo = helo
        self.timeoutMs = timeoutMs
    }
}

/// `recipients.json`: who is told what, and through which channels.
public struct RecipientsConfiguration: Sendable, Hashable, Codable {
    /// `Name <address>` or a bare address: the sender of every e-mail.
    public var from: String?
    /// Folder e-mails are written to when no SMTP relay is configured.
    /// Relative paths are resolved against the configuration file's folder.
    public var outbox: String?
    public var smtp: SMTPSettings?
    public var retry: RetryPolicy?
    /// Per webhook request.
    public var webhookTimeoutMs: Int?
    public var recipients: [Recipient]

    public init(from: String? = nil, outbox: String? = nil, smtp: SMTPSettings? = nil, retry: RetryPolicy? = nil, webhookTimeoutMs: Int? = nil, recipients: [Recipient]) {
        self.from = from
        self.outbox = outbox
        self.smtp = smtp
        self.retry = retry
        self.webhookTimeoutMs = webhookTimeoutMs
        self.recipients = recipients
    }

    public static let recipientsMax = 100_000

    public func recipients(for event: NotificationEvent) -> [Recipient] {
        recipients.filter { $0.receives(event) }
    }

    /// The sender of e-mails: SMTP's own, else the top-level one.
    public var sender: String { smtp?.from ?? from ?? "CASS <cass@localhost>" }

    /// Reads and checks the file; relative outbox paths become absolute
    /// against the file's folder, so the worker may run from anywhere.
    public static func load(path: String) throws -> RecipientsConfiguration {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw NotifyError.configuration("cannot read \(path): \(error.localizedDescription)")
        }
        var config = try parse(data, source: path)
        if let outbox = config.outbox, !outbox.hasPrefix("/") {
            config.outbox = url.deletingLastPathComponent().appendingPathComponent(outbox).path
        }
        return config
    }

    public static func parse(_ data: Data, source: String = "recipients.json") throws -> RecipientsConfiguration {
        let config: RecipientsConfiguration
        do {
            config = try JSONDecoder().decode(RecipientsConfiguration.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw NotifyError.configuration("\(source): missing \"\(key.stringValue)\" at \(pathText(context.codingPath))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context), let DecodingError.dataCorrupted(context) {
            throw NotifyError.configuration("\(source): \(context.debugDescription) at \(pathText(context.codingPath))")
        } catch {
            throw NotifyError.configuration("\(source): \(error)")
        }
        try config.validate(source: source)
        return config
    }

    private static func pathText(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "top level" : path.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
    }

    /// What is allowed but unwise, for the operator to read at start: a
    /// webhook over plain `http` sends the event, and its signature, in the
    /// clear (anyone on the way reads it; the signature still stops
    /// tampering and replays).
    public func warnings(source: String = "recipients.json") -> [String] {
        recipients.enumerated().compactMap { index, recipient in
            guard let webhook = recipient.channels.webhook, let url = URL(string: webhook.url), url.scheme?.lowercased() == "http" else { return nil }
            return "\(source): recipients[\(index)] (\(recipient.kind.rawValue) \(recipient.id)): webhook \(webhook.url) is plain http: "
                + "events travel unencrypted; use https"
        }
    }

    /// Refuses configurations that would lose notifications later: e-mail
    /// channels with nowhere to send, webhooks that are not http(s), unknown
    /// languages are fine (English is the fallback).
    public func validate(source: String = "recipients.json") throws {
        guard recipients.count <= RecipientsConfiguration.recipientsMax else {
            throw NotifyError.configuration("\(source): more than \(RecipientsConfiguration.recipientsMax) recipients")
        }
        var seen = Set<String>()
        for (index, recipient) in recipients.enumerated() {
            let place = "\(source): recipients[\(index)] (\(recipient.kind.rawValue) \(recipient.id))"
            guard seen.insert("\(recipient.kind.rawValue)/\(recipient.id)").inserted else {
                throw NotifyError.configuration("\(place): listed twice; merge its channels into one entry")
            }
            if recipient.kind == .agent, recipient.id.count != 11 || !recipient.id.allSatisfy(\.isASCIIDigit) {
                throw NotifyError.configuration("\(place): an agent id is the 11-digit CASS agent code")
            }
            if recipient.kind == .airline, recipient.id.count != 3 || !recipient.id.allSatisfy(\.isASCIIDigit) {
                throw NotifyError.configuration("\(place): an airline id is the 3-digit airline prefix")
            }
            if let webhook = recipient.channels.webhook {
                guard let url = URL(string: webhook.url), let scheme = url.scheme?.lowercased(),
                      scheme == "http" || scheme == "https", url.host != nil else {
                    throw NotifyError.configuration("\(place): webhook url \(webhook.url) is not an http(s) URL")
                }
                guard !webhook.secret.isEmpty else {
                    throw NotifyError.configuration("\(place): webhook secret is empty; receivers could not verify signatures")
                }
            }
            if let email = recipient.channels.email {
                guard EmailAddress.isPlausible(email.address) else {
                    throw NotifyError.configuration("\(place): e-mail address \(email.address) is not name@domain")
                }
                guard smtp != nil || outbox != nil else {
                    throw NotifyError.configuration("\(place): has an e-mail channel but the file sets neither \"smtp\" nor \"outbox\"")
                }
            }
        }
        if let retry { try retry.validate(source: source) }
        for sender in [from, smtp?.from].compactMap({ $0 }) where Mailbox(parsing: sender) == nil {
            throw NotifyError.configuration("\(source): sender \(sender) is not `Name <name@domain>` or `name@domain`")
        }
        if let smtp, smtp.port < 1 || smtp.port > 65_535 || smtp.host.isEmpty {
            throw NotifyError.configuration("\(source): smtp needs a host and a port 1...65535, found \(smtp.host):\(smtp.port)")
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
