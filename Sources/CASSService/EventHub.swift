import CASSAccess
import CASSHTTP
import Foundation

/// What happened, for the Server-Sent Events stream `/api/v1/events`
/// (portal.md "Real-time reporting"): the views publish as they apply
/// records; each subscriber gets the events its scope may see.
public struct ServiceEvent: Sendable {
    /// `file.accepted`, `invoice.issued`, `dispute.raised`, ...
    public var type: String
    /// Stable for the fact (the same fact replayed has the same id).
    public var id: String
    public var country: String
    /// The companies the event concerns (an airline, an agent); the `cass`
    /// operator sees every event, a user those of companies it acts for.
    public var companies: [CompanyID]
    /// The JSON payload.
    public var data: String
}

public final class EventHub: @unchecked Sendable {
    // @unchecked: `subscribers` and `live` are touched only under `lock`.
    private let lock = NSLock()
    private var subscribers: [UInt64: (principal: Principal, channel: EventChannel)] = [:]
    private var nextID: UInt64 = 1
    /// False while the views replay history at start: old facts are not news.
    private var live = false
    /// Subscribers at most (each holds an HTTP connection).
    static let subscribersMax = 256

    public init() {}

    func goLive() {
        lock.lock()
        live = true
        lock.unlock()
    }

    func publish(_ event: ServiceEvent) {
        lock.lock()
        guard live, !subscribers.isEmpty else { lock.unlock(); return }
        let targets = subscribers.filter { _, entry in
            entry.principal.reaches(country: event.country) && event.companies.contains { entry.principal.actsFor($0) }
        }
        lock.unlock()
        let message = ServerSentEvent(id: event.id, event: event.type, data: event.data)
        for (_, target) in targets { _ = target.channel.send(message) }
    }

    /// A channel that gets the events `principal` may see until it closes.
    func subscribe(_ principal: Principal) throws -> EventChannel {
        let channel = EventChannel(capacity: 512)
        lock.lock()
        defer { lock.unlock() }
        guard subscribers.count < Self.subscribersMax else {
            throw HTTPError(HTTPStatus(503), detail: "too many event streams open; try again later")
        }
        let id = nextID
        nextID += 1
        subscribers[id] = (principal, channel)
        channel.onClose { [weak self] _ in
            guard let self else { return }
            self.lock.lock()
            self.subscribers[id] = nil
            self.lock.unlock()
        }
        return channel
    }
}
