import CASSAccess
import CASSLog
import Foundation

/// Users, sessions, lockouts and the audit trail, as the access topics
/// make them (CASSAccess's reducer), for the request threads to read.
public final class IdentityView: View, @unchecked Sendable {
    // @unchecked: `state` and `trail` are only touched under `lock`.
    private let lock = NSLock()
    private var state = AccessState()
    private var trail = AuditTrail()

    public init() {}

    public var topics: [String] { AccessTopic.allCases.map(ServiceTopics.name) }

    public func apply(_ record: LogRecord) throws {
        guard let topic = ServiceTopics.accessByName[record.topic] else { return }
        let decoded = try AccessRecord.decode(topic: topic, key: String(decoding: record.key, as: UTF8.self), value: record.value)
        lock.lock()
        defer { lock.unlock() }
        state.apply(decoded)
        if case .audit(let entry) = decoded { trail.append(entry) }
    }

    /// A copy of the state (copy on write: cheap until the feed changes it),
    /// so that slow work (password hashing) never holds the lock.
    public var snapshot: AccessState {
        lock.lock()
        defer { lock.unlock() }
        return state
    }

    public func read<T>(_ body: (AccessState) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(state)
    }

    public func audit(after cursor: Int?, limit: Int, matching filter: (AuditEntry) -> Bool) -> (items: [AuditEntry], next: Int?) {
        lock.lock()
        defer { lock.unlock() }
        return trail.page(after: cursor, limit: limit, matching: filter)
    }

    /// Frees what can no longer matter (expired sessions, old failures).
    public func dropStale(now: Instant) {
        lock.lock()
        defer { lock.unlock() }
        state.dropStale(now: now)
    }
}
