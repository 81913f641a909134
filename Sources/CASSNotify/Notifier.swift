import CASSCrypto
import Foundation

/// The fate of one notification to one recipient over one channel.
/// `exhausted` ones must go to the dead-letter topic: the record holds the
/// event and the recipient, enough to replay it later.
public struct DeliveryOutcome: Sendable, Hashable, Codable {
    public enum Channel: String, Sendable, Hashable, Codable { case webhook, email }
    public enum Status: String, Sendable, Hashable, Codable {
        case delivered
        /// Retries used up, or a final refusal (HTTP 4xx, SMTP 5xx).
        case exhausted
        /// Still being retried when its run ended (`notifications-pending.jsonl`).
        case pending
    }

    /// The same for every replay of the same event to the same recipient
    /// and channel: receivers dedupe by it (webhook header, Message-ID).
    public var deliveryID: String
    public var event: NotificationEvent
    public var recipientKind: Recipient.Kind
    public var recipientID: String
    public var channel: Channel
    public var status: Status
    public var attempts: [DeliveryAttempt]

    public init(deliveryID: String, event: NotificationEvent, recipientKind: Recipient.Kind, recipientID: String, channel: Channel, status: Status, attempts: [DeliveryAttempt]) {
        self.deliveryID = deliveryID
        self.event = event
        self.recipientKind = recipientKind
        self.recipientID = recipientID
        self.channel = channel
        self.status = status
        self.attempts = attempts
    }

    public var isDelivered: Bool { status == .delivered }
    /// The last attempt's error, for the dead-letter record.
    public var lastError: String? { attempts.last?.error }

    /// Sorted-key JSON for an attempts or dead-letter topic.
    public func jsonBytes() throws -> [UInt8] { Array(try NotificationJSON.encoder().encode(self)) }

    public static func decode(json: some Collection<UInt8>) throws -> DeliveryOutcome {
        try NotificationJSON.decoder().decode(DeliveryOutcome.self, from: Data(json))
    }
}

/// Renders an event for each recipient in its language and delivers it over
/// each of its channels. Blocking; holds no state between calls, so a stage
/// worker can call it from its loop and route `exhausted` outcomes to the
/// dead-letter topic before committing.
public struct Notifier: Sendable {
    public var configuration: RecipientsConfiguration
    public var templates: MessageTemplates
    public var webhook: WebhookDelivery
    /// Nil when the configuration has neither SMTP nor an outbox.
    public var mail: (any MailTransport)?
    public var sleeper: any Sleeper
    public var clock: @Sendable () -> Date

    public init(configuration: RecipientsConfiguration, templates: MessageTemplates, http: any HTTPTransport = URLSessionTransport(), mail: (any MailTransport)? = nil, sleeper: any Sleeper = ThreadSleeper(), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.templates = templates
        let policy = configuration.retry ?? .standard
        self.webhook = WebhookDelivery(transport: http, policy: policy, sleeper: sleeper, timeoutMs: configuration.webhookTimeoutMs ?? 10_000, clock: clock)
        self.mail = mail ?? Notifier.defaultMailTransport(configuration)
        self.sleeper = sleeper
        self.clock = clock
    }

    /// SMTP when configured, else the outbox folder, else none.
    public static func defaultMailTransport(_ configuration: RecipientsConfiguration) -> (any MailTransport)? {
        if let smtp = configuration.smtp { return SMTPTransport(client: SMTPClient(settings: smtp)) }
        if let outbox = configuration.outbox { return OutboxTransport(folder: outbox) }
        return nil
    }

    /// To every configured recipient of the event.
    public func deliver(_ event: NotificationEvent, attachments: [EmailAttachment] = []) -> [DeliveryOutcome] {
        deliver(event, to: configuration.recipients(for: event), attachments: attachments)
    }

    /// To the given recipients, in order, webhook before e-mail, each
    /// delivery retried as the policy says (blocking: `DeliveryQueue`
    /// delivers in the background instead). The attachments (the invoice
    /// PDF) go with e-mails only.
    public func deliver(_ event: NotificationEvent, to recipients: [Recipient], attachments: [EmailAttachment] = []) -> [DeliveryOutcome] {
        prepare(event, to: recipients, attachments: attachments).map { delivery in
            if case .unsendable(let reason) = delivery.payload {
                return outcome(of: delivery, status: .exhausted, attempts: [DeliveryAttempt(time: clock(), attempt: 1, status: nil, error: reason)])
            }
            let result = withRetries(policy: configuration.retry ?? .standard, sleeper: sleeper, clock: clock) { _ in attempt(delivery) }
            return outcome(of: delivery, status: result.delivered ? .delivered : .exhausted, attempts: result.attempts)
        }
    }

    /// Every delivery of an event to its configured recipients, built and
    /// ready to attempt.
    public func prepare(_ event: NotificationEvent, attachments: [EmailAttachment] = []) -> [PreparedDelivery] {
        prepare(event, to: configuration.recipients(for: event), attachments: attachments)
    }

    public func prepare(_ event: NotificationEvent, to recipients: [Recipient], attachments: [EmailAttachment] = []) -> [PreparedDelivery] {
        var prepared: [PreparedDelivery] = []
        let eventJSON: [UInt8]
        do {
            eventJSON = try event.jsonBytes()
        } catch {
            // Encoding plain value types cannot fail in practice; if it does,
            // every recipient still gets an exhausted outcome, never silence.
            return recipients.flatMap { recipient in
                channels(of: recipient).map { PreparedDelivery(id: "unencodable", event: event, recipient: recipient, channel: $0, payload: .unsendable("event not encodable: \(error)")) }
            }
        }
        for recipient in recipients {
            let message: RenderedMessage
            do {
                message = try templates.render(event, language: recipient.language)
            } catch {
                for channel in channels(of: recipient) {
                    prepared.append(PreparedDelivery(id: Notifier.deliveryID(eventJSON: eventJSON, recipient: recipient, channel: channel), event: event,
                                                     recipient: recipient, channel: channel, payload: .unsendable("\(error)")))
                }
                continue
            }
            if let hook = recipient.channels.webhook {
                let id = Notifier.deliveryID(eventJSON: eventJSON, recipient: recipient, channel: .webhook)
                let payload: PreparedDelivery.Payload
                do {
                    payload = .webhook(body: try Notifier.webhookBody(event: event, message: message, recipient: recipient, deliveryID: id), hook: hook, eventKind: event.kind.rawValue)
                } catch {
                    payload = .unsendable("body not encodable: \(error)")
                }
                prepared.append(PreparedDelivery(id: id, event: event, recipient: recipient, channel: .webhook, payload: payload))
            }
            if let email = recipient.channels.email {
                let id = Notifier.deliveryID(eventJSON: eventJSON, recipient: recipient, channel: .email)
                let payload: PreparedDelivery.Payload = mail == nil
                    ? .unsendable("no smtp or outbox configured for e-mail to \(email.address)")
                    : .email(self.email(event: event, message: message, to: email, deliveryID: id, attachments: attachments))
                prepared.append(PreparedDelivery(id: id, event: event, recipient: recipient, channel: .email, payload: payload))
            }
        }
        return prepared
    }

    /// A delivery rebuilt from its pending record (a restarted worker takes
    /// over what another left): the same recipient and channel, so the same
    /// id; nil when the recipient or channel is no longer configured.
    public func prepare(again outcome: DeliveryOutcome, attachments: [EmailAttachment] = []) -> PreparedDelivery? {
        guard let recipient = configuration.recipients.first(where: { $0.kind == outcome.recipientKind && $0.id == outcome.recipientID }) else { return nil }
        return prepare(outcome.event, to: [recipient], attachments: attachments).first { $0.channel == outcome.channel }
    }

    /// One attempt at a prepared delivery: no waiting beyond the transport's
    /// own timeout.
    public func attempt(_ delivery: PreparedDelivery) -> AttemptResult {
        switch delivery.payload {
        case .webhook(let body, let hook, let kind):
            return webhook.attempt(body: body, to: hook, eventKind: kind, deliveryID: delivery.id)
        case .email(let message):
            guard let mail else { return .permanent(status: nil, error: "no smtp or outbox configured") }
            return mail.send(message)
        case .unsendable(let reason):
            return .permanent(status: nil, error: reason)
        }
    }

    public func outcome(of delivery: PreparedDelivery, status: DeliveryOutcome.Status, attempts: [DeliveryAttempt]) -> DeliveryOutcome {
        DeliveryOutcome(deliveryID: delivery.id, event: delivery.event, recipientKind: delivery.recipient.kind, recipientID: delivery.recipient.id,
                        channel: delivery.channel, status: status, attempts: attempts)
    }

    public func email(event: NotificationEvent, message: RenderedMessage, to email: Recipient.Email, deliveryID: String, attachments: [EmailAttachment]) -> EmailMessage {
        let from = Mailbox(parsing: configuration.sender) ?? Mailbox(name: "CASS", address: "cass@localhost")
        let includeAttachments = event.kind == .invoiceIssued ? attachments : []
        return EmailMessage(
            from: from,
            to: [Mailbox(name: email.name, address: email.address)],
            subject: message.subject,
            body: message.body,
            attachments: includeAttachments,
            date: clock(),
            messageID: deliveryID + "@" + EmailAddress.domain(of: from.address),
            extraHeaders: [("X-CASS-Event", event.kind.rawValue), ("X-CASS-Delivery-Id", deliveryID), ("Content-Language", message.language)]
        )
    }

    private func channels(of recipient: Recipient) -> [DeliveryOutcome.Channel] {
        (recipient.channels.webhook == nil ? [] : [.webhook]) + (recipient.channels.email == nil ? [] : [.email])
    }

    /// 32 hex digits of SHA-256 over the event JSON, recipient and channel:
    /// stable across replays and restarts.
    public static func deliveryID(eventJSON: [UInt8], recipient: Recipient, channel: DeliveryOutcome.Channel) -> String {
        var hasher = SHA256()
        hasher.update(eventJSON)
        hasher.update("\n\(recipient.kind.rawValue)/\(recipient.id)/\(channel.rawValue)")
        return Hex.encode(hasher.finalize().prefix(16))
    }

    /// What a webhook receives: the event, the message in the recipient's
    /// language, who it is for and the delivery id. Sorted keys, so the
    /// bytes (and the signature) are the same on every replay.
    public static func webhookBody(event: NotificationEvent, message: RenderedMessage, recipient: Recipient, deliveryID: String) throws -> [UInt8] {
        struct Body: Encodable {
            var deliveryId: String
            var event: NotificationEvent
            var message: RenderedMessage
            var recipient: RecipientRef
        }
        struct RecipientRef: Encodable {
            var kind: Recipient.Kind
            var id: String
        }
        return Array(try NotificationJSON.encoder().encode(
            Body(deliveryId: deliveryID, event: event, message: message, recipient: RecipientRef(kind: recipient.kind, id: recipient.id))))
    }
}
