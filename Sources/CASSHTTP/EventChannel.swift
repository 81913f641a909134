import Foundation

/// One Server-Sent Event (the `text/event-stream` format of the HTML
/// standard). Line breaks in `data` become several `data:` lines; `id`
/// and `event` cannot hold line breaks (they are replaced by spaces).
public struct ServerSentEvent: Sendable, Equatable {
    public var id: String?
    public var event: String?
    public var data: String
    /// Reconnection delay the client should use, in milliseconds.
    public var retryMs: Int?

    public init(id: String? = nil, event: String? = nil, data: String, retryMs: Int? = nil) {
        self.id = id
        self.event = event
        self.data = data
        self.retryMs = retryMs
    }

    public var wireText: String {
        func oneLine(_ text: String) -> String {
            String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" || $0 == "\0" ? " " : $0 })
        }
        var out = ""
        if let id { out += "id: " + oneLine(id) + "\n" }
        if let event { out += "event: " + oneLine(event) + "\n" }
        if let retryMs { out += "retry: \(max(0, retryMs))\n" }
        let normalized = data.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            out += "data: " + line + "\n"
        }
        return out + "\n"
    }
}

/// The hand-over between whoever produces events (any thread) and the one
/// connection that sends them. Bounded: a client that reads too slowly to
/// keep up is cut off (the channel closes) instead of holding up the
/// producer or growing memory; it reconnects and resynchronises.
public final class EventChannel: @unchecked Sendable {
    public enum CloseReason: Sendable, Equatable {
        /// `close()` was called (the producer ended the stream).
        case closedByProducer
        /// The client went away.
        case clientGone
        /// More than `capacity` events were waiting.
        case overflow
        /// The server is stopping.
        case serverStopping
    }

    public let capacity: Int
    private let condition = NSCondition()
    private var queue: [ServerSentEvent] = []
    private var reason: CloseReason?
    private var closeActions: [@Sendable (CloseReason) -> Void] = []

    public init(capacity: Int = 256) { self.capacity = max(1, capacity) }

    /// Queues an event. False once the channel is closed: the producer
    /// drops its subscription then.
    @discardableResult
    public func send(_ event: ServerSentEvent) -> Bool {
        condition.lock()
        guard reason == nil else {
            condition.unlock()
            return false
        }
        guard queue.count < capacity else {
            condition.unlock()
            close(.overflow)
            return false
        }
        queue.append(event)
        condition.signal()
        condition.unlock()
        return true
    }

    public func close() { close(.closedByProducer) }

    public var closeReason: CloseReason? { condition.withLock { reason } }

    /// Runs `action` once when the channel closes (at once if it already is).
    public func onClose(_ action: @escaping @Sendable (CloseReason) -> Void) {
        condition.lock()
        if let reason {
            condition.unlock()
            action(reason)
            return
        }
        closeActions.append(action)
        condition.unlock()
    }

    func close(_ why: CloseReason) {
        condition.lock()
        guard reason == nil else {
            condition.unlock()
            return
        }
        reason = why
        let actions = closeActions
        closeActions = []
        condition.broadcast()
        condition.unlock()
        for action in actions { action(why) }
    }

    enum Next {
        case events([ServerSentEvent])
        case timeout
        case closed
    }

    /// Everything queued, waiting up to `deadline` (monotonic ns) for something.
    /// Events queued before a producer's close are still delivered.
    func next(deadline: UInt64) -> Next {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && reason == nil {
            let now = Monotonic.now()
            guard now < deadline else { return .timeout }
            _ = condition.wait(until: Date(timeIntervalSinceNow: Double(deadline - now) / 1e9))
        }
        if !queue.isEmpty, reason == nil || reason == .closedByProducer {
            defer { queue.removeAll(keepingCapacity: true) }
            return .events(queue)
        }
        return .closed
    }
}
