import Foundation

/// A value behind a pthread mutex (NSLock): the one lock wrapper of the
/// project's log and worker modules. Used instead of
/// Synchronization.Mutex because ThreadSanitizer understands pthread
/// locks, so data-race checks of the pipeline stay meaningful.
public final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched while `lock` is held.
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// A copy of the value as it is now.
    public var current: Value { withLock { $0 } }
}
