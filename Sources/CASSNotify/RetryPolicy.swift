import Foundation

/// Exponential backoff: attempt n (1-based) waits `baseDelayMs * factor^(n-1)`
/// before the next one, capped at `maxDelayMs`. Everything has a maximum so
/// a dead receiver costs bounded time.
public struct RetryPolicy: Sendable, Hashable, Codable {
    public var maxAttempts: Int
    public var baseDelayMs: Int
    public var factor: Int
    public var maxDelayMs: Int

    public init(maxAttempts: Int = 5, baseDelayMs: Int = 500, factor: Int = 2, maxDelayMs: Int = 60_000) {
        self.maxAttempts = maxAttempts
        self.baseDelayMs = baseDelayMs
        self.factor = factor
        self.maxDelayMs = maxDelayMs
    }

    public static let standard = RetryPolicy()
    public static let attemptsMax = 20

    /// The wait after failed attempt `attempt` (1-based).
    public func delayMs(afterAttempt attempt: Int) -> Int {
        var delay = baseDelayMs
        var step = 1
        while step < attempt, delay < maxDelayMs {
            let (next, overflow) = delay.multipliedReportingOverflow(by: factor)
            delay = overflow ? maxDelayMs : next
            step += 1
        }
        return min(delay, maxDelayMs)
    }

    public func validate(source: String = "retry") throws {
        guard maxAttempts >= 1, maxAttempts <= RetryPolicy.attemptsMax else {
            throw NotifyError.configuration("\(source): retry.maxAttempts must be 1...\(RetryPolicy.attemptsMax), found \(maxAttempts)")
        }
        guard baseDelayMs >= 0, factor >= 1, maxDelayMs >= baseDelayMs else {
            throw NotifyError.configuration("\(source): retry needs baseDelayMs >= 0, factor >= 1, maxDelayMs >= baseDelayMs")
        }
    }
}

/// How retries wait. Tests and simulations pass one that records instead
/// of sleeping.
public protocol Sleeper: Sendable {
    func sleep(milliseconds: Int)
}

public struct ThreadSleeper: Sleeper {
    public init() {}
    public func sleep(milliseconds: Int) {
        guard milliseconds > 0 else { return }
        Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
    }
}

/// One try at one delivery, kept whatever happened: the audit trail.
public struct DeliveryAttempt: Sendable, Hashable, Codable {
    public var time: Date
    /// 1-based.
    public var attempt: Int
    /// HTTP status or SMTP reply code, when the other side answered.
    public var status: Int?
    /// What went wrong; nil on success.
    public var error: String?

    public init(time: Date, attempt: Int, status: Int?, error: String?) {
        self.time = time
        self.attempt = attempt
        self.status = status
        self.error = error
    }

    public var succeeded: Bool { error == nil }
}

/// Whether a failed try is worth repeating.
public enum AttemptResult: Sendable, Hashable {
    case success(status: Int?)
    case transient(status: Int?, error: String)
    case permanent(status: Int?, error: String)
}

/// Runs `body` until it succeeds, fails permanently, or the policy's
/// attempts are used up; every try is recorded.
public func withRetries(policy: RetryPolicy, sleeper: any Sleeper, clock: @Sendable () -> Date = { Date() }, _ body: (Int) -> AttemptResult) -> (delivered: Bool, attempts: [DeliveryAttempt]) {
    var attempts: [DeliveryAttempt] = []
    let limit = max(1, min(policy.maxAttempts, RetryPolicy.attemptsMax))
    for number in 1...limit {
        let result = body(number)
        let time = clock()
        switch result {
        case .success(let status):
            attempts.append(DeliveryAttempt(time: time, attempt: number, status: status, error: nil))
            return (true, attempts)
        case .permanent(let status, let error):
            attempts.append(DeliveryAttempt(time: time, attempt: number, status: status, error: error))
            return (false, attempts)
        case .transient(let status, let error):
            attempts.append(DeliveryAttempt(time: time, attempt: number, status: status, error: error))
            if number < limit { sleeper.sleep(milliseconds: policy.delayMs(afterAttempt: number)) }
        }
    }
    return (false, attempts)
}
