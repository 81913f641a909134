import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGTERM and SIGINT into a flag the worker loop checks between
/// batches, so that a stop finishes the batch in flight, commits and leaves
/// the group instead of dying mid-batch (docker stop, Kubernetes, ^C).
public final class ShutdownSignal: @unchecked Sendable {
    public let signals: [Int32]
    private let lock = NSLock()
    private var received: Int32?
    private var sources: [any DispatchSourceSignal] = []
    private var handlers: [@Sendable (Int32) -> Void] = []

    public init(signals: [Int32] = [SIGTERM, SIGINT]) {
        self.signals = signals
        let queue = DispatchQueue(label: "cass.shutdown-signal")
        for number in signals {
            // The default action would end the process at once; the source
            // sees the signal only once that action is ignored.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.receive(number) }
            // Registration is asynchronous: a signal arriving before it ends
            // would be ignored (SIG_IGN above) and lost, so wait for it.
            let registered = DispatchSemaphore(value: 0)
            source.setRegistrationHandler { registered.signal() }
            source.resume()
            _ = registered.wait(timeout: .now() + .seconds(2))
            sources.append(source)
        }
    }

    /// Restores the default actions.
    public func cancel() {
        let toCancel = lock.withLock { () -> [any DispatchSourceSignal] in
            defer { sources = [] }
            return sources
        }
        for source in toCancel { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }

    deinit { cancel() }

    private func receive(_ number: Int32) {
        let toCall = lock.withLock { () -> [@Sendable (Int32) -> Void] in
            if received == nil { received = number }
            return handlers
        }
        for handler in toCall { handler(number) }
    }

    /// True once a stop was asked for.
    public var isRequested: Bool { lock.withLock { received != nil } }
    /// The first signal received (0 when asked for by `request`).
    public var receivedSignal: Int32? { lock.withLock { received } }

    /// Also call `handler` on each signal (for example to wake a blocked poll).
    public func onSignal(_ handler: @escaping @Sendable (Int32) -> Void) {
        lock.withLock { handlers.append(handler) }
    }

    /// Asks for a stop without a signal (tests, `cass` internal errors).
    public func request() { receive(0) }
}
