import CASSLog
import CASSWorkers
import Foundation

/// The stages' answers to this process's dry runs and withdrawals
/// (cass.replies). A request is expected before it is written, so only
/// the parts of requests someone waits for are kept (the topic holds a
/// day of everyone's answers), and a part read before its waiter sleeps
/// is not lost. Each part says how many parts make the answer; parts that
/// come twice (a stage replayed after a crash) count once.
public final class RepliesView: View, @unchecked Sendable {
    // @unchecked: all state below is touched under `condition`.
    private let condition = NSCondition()
    private var expected: [String: [String: StageReply]] = [:]

    public init() {}

    public var topics: [String] { [Topic.replies.name] }

    public func apply(_ record: LogRecord) throws {
        guard case .reply(let reply)? = try? StageMessage.decode(record.value) else { return }
        condition.lock()
        defer { condition.unlock() }
        guard expected[reply.requestId] != nil else { return }
        expected[reply.requestId]?[reply.part] = reply
        condition.broadcast()
    }

    /// Registers a request whose answer will be waited for.
    public func expect(_ requestId: String) {
        condition.lock()
        expected[requestId] = expected[requestId] ?? [:]
        condition.unlock()
    }

    /// Forgets a request (its answer came, or nobody waits any more).
    public func forget(_ requestId: String) {
        condition.lock()
        expected[requestId] = nil
        condition.unlock()
    }

    /// Every part of the answer, once all have come; nil after `timeoutMs`.
    public func wait(_ requestId: String, timeoutMs: Int) -> [StageReply]? {
        let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
        condition.lock()
        defer {
            expected[requestId] = nil
            condition.unlock()
        }
        while true {
            if let parts = expected[requestId], let first = parts.values.first, parts.count >= Int(first.parts) {
                return parts.values.sorted { $0.part < $1.part }
            }
            guard condition.wait(until: deadline) else { return nil }
        }
    }
}
