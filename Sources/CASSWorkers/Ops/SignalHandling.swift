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

    /// A second signal while stopping ends the process at once (exit status
    /// 128 + signal), for an operator whose worker is stuck.
    public let exitOnSecondSignal: Bool

    public init(signals: [Int32] = [SIGTERM, SIGINT], exitOnSecondSignal: Bool = true) {
        self.signals = signals
        self.exitOnSecondSignal = exitOnSecondSignal
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
        let (toCall, second) = lock.withLock { () -> ([@Sendable (Int32) -> Void], Bool) in
            let second = (received ?? 0) != 0 && number != 0
            if received == nil { received = number }
            return (handlers, second)
        }
        if second && exitOnSecondSignal {
            FileHandle.standardError.write(Data("cass: second signal \(number), exiting without finishing\n".utf8))
            _exit(128 + number)
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
