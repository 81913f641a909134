import CASSCrypto
import Foundation

/// Posts a JSON body to a recipient's webhook, signed the Standard Webhooks
/// way (standardwebhooks.com), so a receiver can tell the body came from us,
/// unchanged, and recently:
///
///     webhook-id:        the delivery id (the same on every retry: dedupe by it)
///     webhook-timestamp: seconds since 1970 when this attempt was sent
///     webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">
///
/// The timestamp is signed with the body, and `verify` refuses one older
/// (or newer) than `toleranceSeconds`: a captured request cannot be replayed
/// later. 2xx is delivered; 5xx, 408, 429 and no answer are retried with
/// backoff; any other status is final.
public struct WebhookDelivery: Sendable {
    public var transport: any HTTPTransport
    public var policy: RetryPolicy
    public var sleeper: any Sleeper
    public var timeoutMs: Int
    public var clock: @Sendable () -> Date

    public init(transport: any HTTPTransport = URLSessionTransport(), policy: RetryPolicy = .standard, sleeper: any Sleeper = ThreadSleeper(), timeoutMs: Int = 10_000, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.transport = transport
        self.policy = policy
        self.sleeper = sleeper
        self.timeoutMs = timeoutMs
        self.clock = clock
    }

    public static let idHeader = "webhook-id"
    public static let timestampHeader = "webhook-timestamp"
    public static let signatureHeader = "webhook-signature"
    public static let eventHeader = "X-CASS-Event"
    /// How far a timestamp may lie from the receiver's clock, either way
    /// (the Standard Webhooks default).
    public static let toleranceSeconds = 300

    /// The HMAC key of a secret: a `whsec_`-prefixed secret is base64 (as
    /// Standard Webhooks libraries expect); any other is its UTF-8 bytes.
    public static func key(secret: String) -> [UInt8] {
        if secret.hasPrefix("whsec_"), let data = Data(base64Encoded: String(secret.dropFirst(6))), !data.isEmpty {
            return [UInt8](data)
        }
        return Array(secret.utf8)
    }

    /// `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`.
    public static func signature(id: String, timestamp: Int64, body: some Sequence<UInt8>, secret: String) -> String {
        "v1," + Data(mac(id: id, timestamp: timestamp, body: body, secret: secret)).base64EncodedString()
    }

    static func mac(id: String, timestamp: Int64, body: some Sequence<UInt8>, secret: String) -> [UInt8] {
        var authenticator = HMACSHA256.Key(key(secret: secret)).start()
        authenticator.update(Array("\(id).\(timestamp).".utf8))
        authenticator.update(body)
        return authenticator.finalize()
    }

    /// What a receiver concludes about a request.
    public enum Verification: Sendable, Hashable {
        case valid
        case missingHeader(String)
        case malformedTimestamp
        /// Further from the receiver's clock than the tolerance (seconds off).
        case timestampOutOfTolerance(seconds: Int64)
        case signatureMismatch
    }

    /// Checks a received request: the three headers (names in any letter
    /// case), the timestamp within `toleranceSeconds` of `now`, and one of
    /// the `v1` signatures matching (compared in constant time).
    public static func verify(headers: [String: String], body: [UInt8], secret: String, now: Date = Date(),
                              toleranceSeconds: Int = WebhookDelivery.toleranceSeconds) -> Verification {
        var lower: [String: String] = [:]
        for (name, value) in headers { lower[name.lowercased()] = value }
        guard let id = lower[idHeader] else { return .missingHeader(idHeader) }
        guard let stamp = lower[timestampHeader] else { return .missingHeader(timestampHeader) }
        guard let signatures = lower[signatureHeader] else { return .missingHeader(signatureHeader) }
        guard stamp.utf8.count <= 12, stamp.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let timestamp = Int64(stamp) else { return .malformedTimestamp }
        let offset = Int64(now.timeIntervalSince1970.rounded(.down)) - timestamp
        guard offset.magnitude <= UInt64(max(0, toleranceSeconds)) else { return .timestampOutOfTolerance(seconds: offset) }
        let expected = mac(id: id, timestamp: timestamp, body: body, secret: secret)
        var matched = false
        for entry in signatures.split(separator: " ") where entry.hasPrefix("v1,") {
            guard let received = Data(base64Encoded: String(entry.dropFirst(3))) else { continue }
            if ConstantTime.equals([UInt8](received), expected) { matched = true }
        }
        return matched ? .valid : .signatureMismatch
    }

    /// The headers of one attempt, signed at `time`.
    public func headers(body: [UInt8], secret: String, eventKind: String, deliveryID: String, time: Date) -> [(name: String, value: String)] {
        let timestamp = Int64(time.timeIntervalSince1970.rounded(.down))
        return [
            ("Content-Type", "application/json"),
            (WebhookDelivery.idHeader, deliveryID),
            (WebhookDelivery.timestampHeader, String(timestamp)),
            (WebhookDelivery.signatureHeader, WebhookDelivery.signature(id: deliveryID, timestamp: timestamp, body: body, secret: secret)),
            (WebhookDelivery.eventHeader, eventKind),
        ]
    }

    /// One attempt, signed now; never waits beyond the transport's timeout.
    public func attempt(body: [UInt8], to webhook: Recipient.Webhook, eventKind: String, deliveryID: String) -> AttemptResult {
        guard let url = URL(string: webhook.url) else {
            return .permanent(status: nil, error: "webhook url \(webhook.url) is not a URL")
        }
        let requestHeaders = headers(body: body, secret: webhook.secret, eventKind: eventKind, deliveryID: deliveryID, time: clock())
        switch transport.post(url: url, headers: requestHeaders, body: body, timeoutMs: timeoutMs) {
        case .response(let status) where (200...299).contains(status):
            return .success(status: status)
        case .response(let status) where status >= 500 || status == 408 || status == 429:
            return .transient(status: status, error: "HTTP \(status) from \(webhook.url)")
        case .response(let status):
            return .permanent(status: status, error: "HTTP \(status) from \(webhook.url): not retried")
        case .failure(let reason):
            return .transient(status: nil, error: "\(webhook.url): \(reason)")
        }
    }

    /// Delivers, retrying as the policy allows (each attempt signed afresh);
    /// every attempt is returned.
    public func deliver(body: [UInt8], to webhook: Recipient.Webhook, eventKind: String, deliveryID: String) -> (delivered: Bool, attempts: [DeliveryAttempt]) {
        withRetries(policy: policy, sleeper: sleeper, clock: clock) { _ in
            attempt(body: body, to: webhook, eventKind: eventKind, deliveryID: deliveryID)
        }
    }
}
