import Foundation

/// A dictionary shared by the threads rendering documents, with a stated
/// limit: past `capacity` entries nothing more is kept and callers compute
/// what they asked for each time. The first value kept for a key stays
/// (every caller computes the same value for a key, so which one comes
/// first does not matter).
final class SharedCache<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    let capacity: Int
    private let lock = NSLock()
    private var values: [Key: Value] = [:]

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// How many values are kept (for the tests).
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return values.count
    }

    subscript(key: Key) -> Value? {
        get {
            lock.lock()
            defer { lock.unlock() }
            return values[key]
        }
        set {
            lock.lock()
            defer { lock.unlock() }
            if values[key] == nil, values.count < capacity { values[key] = newValue }
        }
    }
}
