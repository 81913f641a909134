import CProcess
import Foundation

/// One delivery ready to be attempted: one event, one recipient, one
/// channel, its payload built once (a webhook is signed afresh at every
/// attempt, an e-mail keeps its Message-ID).
public struct PreparedDelivery: Sendable {
    public enum Payload: Sendable {
        case webhook(body: [UInt8], hook: Recipient.Webhook, eventKind: String)
        case email(EmailMessage)
        /// Could not be built (rendering, encoding, no mail transport): final.
        case unsendable(String)
    }

    public var id: String
    public var event: NotificationEvent
    public var recipient: Recipient
    public var channel: DeliveryOutcome.Channel
    public var payload: Payload
}

/// Deliveries in the background: each is attempted on its own schedule and
/// retried with the policy's backoff without holding anyone. A receiver that
/// never answers costs its own deliveries their retries, never the caller's
/// time nor other receivers' deliveries. Everything has a limit: at most
/// `pendingMax` deliveries held (enqueueing more fails), at most
/// `concurrencyMax` attempts at once and `perReceiverMax` to one receiver
/// (a webhook's host and port, or the mail transport), so a receiver that
/// hangs takes at most that many of the slots; each attempt is bounded by
/// the transport timeout.
public final class DeliveryQueue: @unchecked Sendable {
    // @unchecked: every mutable field is touched only under `condition`.
    public static let pendingMaxDefault = 100_000

    public struct Counts: Sendable, Hashable {
        public var delivered = 0
        public var exhausted = 0
        public var pending = 0
        /// Seconds until the earliest pending retry (nil: none waiting).
        public var nextRetryInSeconds: Double?
    }

    private struct Item {
        var delivery: PreparedDelivery
        var attempts: [DeliveryAttempt] = []
        var due: Date
        var receiver: String

        init(delivery: PreparedDelivery, due: Date) {
            self.delivery = delivery
            self.due = due
            self.receiver = DeliveryQueue.receiver(of: delivery)
        }
    }

    private let notifier: Notifier
    private let policy: RetryPolicy
    private let concurrencyMax: Int
    private let perReceiverMax: Int
    private let pendingMax: Int
    /// Attempts under way per receiver.
    private var busy: [String: Int] = [:]
    private let condition = NSCondition()
    private var waiting: [Item] = []
    /// Attempts under way, by a token: still pending until they answer.
    private var inFlight: [Int: Item] = [:]
    private var nextToken = 0
    private var finished: [DeliveryOutcome] = []
    private var counts = Counts()
    private var stopped = false
    private let attempts = DispatchQueue(label: "cass.notify.attempts", attributes: .concurrent)

    public init(notifier: Notifier, concurrencyMax: Int = 16, perReceiverMax: Int = 2, pendingMax: Int = DeliveryQueue.pendingMaxDefault) {
        self.notifier = notifier
        self.policy = notifier.configuration.retry ?? .standard
        self.concurrencyMax = max(1, concurrencyMax)
        self.perReceiverMax = max(1, perReceiverMax)
        self.pendingMax = max(1, pendingMax)
        let scheduler = Thread { [weak self] in
            cass_thread_set_name("notify-schedule")
            self?.schedule()
        }
        scheduler.name = "cass.notify.scheduler"
        scheduler.start()
    }

    public struct Full: Error, CustomStringConvertible {
        public var description: String
    }

    /// Queues every delivery of an event (first attempts are due at once).
    public func enqueue(_ event: NotificationEvent, attachments: [EmailAttachment] = []) throws(Full) {
        try enqueue(notifier.prepare(event, attachments: attachments))
    }

    /// Queues prepared deliveries (first attempts are due at once).
    public func enqueue(_ prepared: [PreparedDelivery]) throws(Full) {
        condition.lock()
        defer { condition.unlock() }
        guard counts.pending + prepared.count <= pendingMax else {
            throw Full(description: "more than \(pendingMax) notifications pending; the receivers are not keeping up")
        }
        let now = notifier.clock()
        for delivery in prepared {
            if case .unsendable(let reason) = delivery.payload {
                finish(Item(delivery: delivery, due: now), delivered: false, last: DeliveryAttempt(time: now, attempt: 1, status: nil, error: reason))
                continue
            }
            waiting.append(Item(delivery: delivery, due: now))
            counts.pending += 1
        }
        condition.broadcast()
    }

    /// Outcomes finished since the last call (delivered or exhausted).
    public func takeFinished() -> [DeliveryOutcome] {
        condition.lock()
        defer { condition.unlock() }
        let taken = finished
        finished = []
        return taken
    }

    public var currentCounts: Counts {
        condition.lock()
        defer { condition.unlock() }
        var snapshot = counts
        let now = notifier.clock()
        if let next = waiting.map(\.due).filter({ $0 > now }).min() { snapshot.nextRetryInSeconds = next.timeIntervalSince(now) }
        return snapshot
    }

    /// Waits until nothing is pending or `deadline` passes, calling
    /// `progress` about every `progressSeconds`. True when all finished.
    public func wait(until deadline: Date, progressSeconds: Double = 2, progress: ((Counts) -> Void)? = nil) -> Bool {
        var lastReport = Date()
        while true {
            condition.lock()
            let done = counts.pending == 0
            if !done { _ = condition.wait(until: min(deadline, Date().addingTimeInterval(0.2))) }
            let doneNow = counts.pending == 0
            condition.unlock()
            if doneNow { return true }
            if Date() >= deadline { return false }
            if let progress, Date().timeIntervalSince(lastReport) >= progressSeconds {
                progress(currentCounts)
                lastReport = Date()
            }
        }
    }

    /// The deliveries not yet finished, as outcomes with status `pending`
    /// and the attempts made so far.
    public func pendingOutcomes() -> [DeliveryOutcome] {
        condition.lock()
        defer { condition.unlock() }
        return (waiting + inFlight.values).map { notifier.outcome(of: $0.delivery, status: .pending, attempts: $0.attempts) }
    }

    /// No further attempts start; those under way finish.
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Who answers a delivery: attempts to one receiver are limited together.
    static func receiver(of delivery: PreparedDelivery) -> String {
        switch delivery.payload {
        case .webhook(_, let hook, _):
            guard let url = URL(string: hook.url) else { return hook.url }
            return "webhook " + (url.host ?? "") + ":" + String(url.port ?? -1)
        case .email: return "mail"
        case .unsendable: return "none"
        }
    }

    private func schedule() {
        condition.lock()
        while !stopped {
            let now = notifier.clock()
            // The earliest due delivery whose receiver has a free slot.
            var chosen: Int?
            var nextDue: Date?
            if inFlight.count < concurrencyMax {
                for index in waiting.indices where busy[waiting[index].receiver, default: 0] < perReceiverMax {
                    if waiting[index].due <= now {
                        if chosen.map({ waiting[index].due < waiting[$0].due }) ?? true { chosen = index }
                    } else if nextDue.map({ waiting[index].due < $0 }) ?? true {
                        nextDue = waiting[index].due
                    }
                }
            }
            if let index = chosen {
                let item = waiting.remove(at: index)
                let token = nextToken
                nextToken += 1
                inFlight[token] = item
                busy[item.receiver, default: 0] += 1
                attempts.async { self.attempt(item, token: token) }
                continue
            }
            // Woken by a new delivery, a finished attempt, or the next due time.
            if let nextDue {
                _ = condition.wait(until: min(nextDue, Date().addingTimeInterval(1)))
            } else {
                condition.wait()
            }
        }
        condition.unlock()
    }

    private func attempt(_ item: Item, token: Int) {
        var item = item
        let number = item.attempts.count + 1
        let result = notifier.attempt(item.delivery)
        let time = notifier.clock()
        condition.lock()
        defer { condition.unlock() }
        inFlight[token] = nil
        busy[item.receiver, default: 1] -= 1
        switch result {
        case .success(let status):
            counts.pending -= 1
            finish(item, delivered: true, last: DeliveryAttempt(time: time, attempt: number, status: status, error: nil))
        case .permanent(let status, let error):
            counts.pending -= 1
            finish(item, delivered: false, last: DeliveryAttempt(time: time, attempt: number, status: status, error: error))
        case .transient(let status, let error):
            item.attempts.append(DeliveryAttempt(time: time, attempt: number, status: status, error: error))
            if number >= min(policy.maxAttempts, RetryPolicy.attemptsMax) {
                counts.pending -= 1
                counts.exhausted += 1
                finished.append(notifier.outcome(of: item.delivery, status: .exhausted, attempts: item.attempts))
            } else {
                item.due = time.addingTimeInterval(Double(policy.delayMs(afterAttempt: number)) / 1000)
                waiting.append(item)
            }
        }
        condition.broadcast()
    }

    /// Records a final outcome (the lock is held).
    private func finish(_ item: Item, delivered: Bool, last: DeliveryAttempt) {
        if delivered { counts.delivered += 1 } else { counts.exhausted += 1 }
        finished.append(notifier.outcome(of: item.delivery, status: delivered ? .delivered : .exhausted, attempts: item.attempts + [last]))
    }
}
