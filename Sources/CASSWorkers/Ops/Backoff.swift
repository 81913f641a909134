import CASSLog
import Foundation

/// Retries with exponential backoff for transient log errors (broker
/// restarting, leader moving, coordinator loading). Bounded: a delay never
/// exceeds `delayMaxMs`, and `attemptsMax` (when set) bounds the attempts.
public struct Backoff: Sendable {
    public var delayInitialMs: Int
    public var delayMaxMs: Int
    public var attemptsMax: Int?
    /// Waits between 50 % and 100 % of the delay, so that the workers of a
    /// stage do not all come back at the same instant.
    public var jitter: Bool

    public init(delayInitialMs: Int = 100, delayMaxMs: Int = 10_000, attemptsMax: Int? = nil, jitter: Bool = true) {
        precondition(delayInitialMs > 0 && delayMaxMs >= delayInitialMs, "backoff delays must be positive and ordered")
        self.delayInitialMs = delayInitialMs
        self.delayMaxMs = delayMaxMs
        self.attemptsMax = attemptsMax
        self.jitter = jitter
    }

    /// The delay before retry number `retry` (0 for the first retry), before jitter.
    public func delayMs(retry: Int) -> Int {
        var delay = delayInitialMs
        for _ in 0..<min(retry, 32) {
            delay = min(delay * 2, delayMaxMs)
            if delay == delayMaxMs { break }
        }
        return delay
    }

    public static func isTransient(_ error: any Error) -> Bool {
        (error as? LogError)?.isTransient ?? false
    }

    /// Runs `body` until it succeeds, throws a permanent error, runs out of
    /// attempts, or `shouldStop` says the worker is shutting down (then the
    /// last error is thrown).
    public func run<T>(shouldStop: () -> Bool = { false },
                       isTransient: (any Error) -> Bool = Backoff.isTransient,
                       onRetry: (_ error: any Error, _ retry: Int, _ delayMs: Int) -> Void = { _, _, _ in },
                       sleepMs: (Int) -> Void = { usleep(useconds_t($0) * 1000) },
                       _ body: () throws -> T) throws -> T {
        var retry = 0
        while true {
            do {
                return try body()
            } catch {
                let attempts = retry + 1
                guard isTransient(error), !shouldStop(), attemptsMax.map({ attempts < $0 }) ?? true else { throw error }
                var delay = delayMs(retry: retry)
                if jitter { delay = delay / 2 + Int.random(in: 0...(delay - delay / 2)) }
                onRetry(error, retry, delay)
                sleepMs(delay)
                retry += 1
            }
        }
    }
}
