import CASSLog
import CProcess
import Foundation

/// Work started on a thread of its own at the lowest CPU priority, and its
/// result taken later (waiting for it if it is not done). It fills cores
/// the caller's work leaves idle: `cass settle` reads the fonts and
/// prepares the documents' shared parts while the settlement runs, and
/// the settlement's last, single-threaded steps (numbering, collecting
/// the invoices) left one of the two cores idle for about 0.1 s. At nice
/// 19 it takes next to nothing from the settlement's own threads; once the
/// caller waits for it, nothing else is runnable and it has a core to
/// itself.
public final class BackgroundWork<Value: Sendable>: Sendable {
    private let result = Locked<Result<Value, any Error>?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts `work` now.
    public init(name: String, _ work: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [result, finished] in
            cass_thread_set_name(name)
            _ = cass_thread_lower_priority()
            let outcome = Result { try work() }
            result.withLock { $0 = outcome }
            finished.signal()
        }
        thread.start()
    }

    /// The work's result, or the error it threw; waits for it. Can be
    /// called more than once, from any thread.
    public func value() throws -> Value {
        finished.wait()
        finished.signal()  // for the next caller
        guard let outcome = result.withLock({ $0 }) else { preconditionFailure("signalled before its result was stored") }
        return try outcome.get()
    }
}
