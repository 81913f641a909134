import CASSCrypto
import Foundation

/// Posts a JSON body to a recipient's webhook, signed with its secret:
/// `X-CASS-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>`.
/// 2xx is delivered; 5xx, 408, 429 and no answer are retried with backoff;
/// any other status is final.
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

    public static let signatureHeader = "X-CASS-Signature"
    public static let eventHeader = "X-CASS-Event"
    public static let deliveryIDHeader = "X-CASS-Delivery-Id"

    /// The header value for `body`: what a receiver must recompute.
    public static func signature(body: some Sequence<UInt8>, secret: String) -> String {
        "sha256=" + Hex.encode(HMACSHA256.authenticationCode(key: secret, message: body))
    }

    /// Checks a received signature header in constant time.
    public static func verify(signature header: String, body: [UInt8], secret: String) -> Bool {
        guard header.hasPrefix("sha256="), let received = Hex.decode(String(header.dropFirst(7))) else { return false }
        return ConstantTime.equals(received, HMACSHA256.authenticationCode(key: secret, message: body))
    }

    public func headers(body: [UInt8], secret: String, eventKind: String, deliveryID: String) -> [(name: String, value: String)] {
        [
            ("Content-Type", "application/json"),
            (WebhookDelivery.signatureHeader, WebhookDelivery.signature(body: body, secret: secret)),
            (WebhookDelivery.eventHeader, eventKind),
            (WebhookDelivery.deliveryIDHeader, deliveryID),
        ]
    }

    /// Delivers, retrying as the policy allows; every attempt is returned.
    public func deliver(body: [UInt8], to webhook: Recipient.Webhook, eventKind: String, deliveryID: String) -> (delivered: Bool, attempts: [DeliveryAttempt]) {
        guard let url = URL(string: webhook.url) else {
            return (false, [DeliveryAttempt(time: clock(), attempt: 1, status: nil, error: "webhook url \(webhook.url) is not a URL")])
        }
        let requestHeaders = headers(body: body, secret: webhook.secret, eventKind: eventKind, deliveryID: deliveryID)
        return withRetries(policy: policy, sleeper: sleeper, clock: clock) { _ in
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
    }
}
