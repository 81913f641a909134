import Foundation

/// A value behind a pthread mutex (NSLock). Used instead of
/// Synchronization.Mutex because ThreadSanitizer understands pthread locks,
/// so data-race checks of the embedded pipeline stay meaningful.
public final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched while `lock` is held.
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
