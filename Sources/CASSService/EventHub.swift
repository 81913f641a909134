import CASSAccess
import CASSDomain
import CASSHTTP
import CASSWorkers
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

/// The stream `/api/v1/events` and the topic cass.invoice-events carry the
/// same events: the views build both from `PublicEvents` (or, for the
/// accounts events, from the same payloads the topic gets), with the same
/// types, ids and `data`; the SSE `event:` is the type without
/// `org.opencass.` and the SSE `data:` is the CloudEvent's `data`.
public final class EventHub: @unchecked Sendable {
    // @unchecked: `subscribers` and `live` are touched only under `lock`.
    private let lock = NSLock()
    private var subscribers: [UInt64: (principal: Principal, channel: EventChannel)] = [:]
    private var nextID: UInt64 = 1
    /// False while the views replay history at start: old facts are not news.
    private var live = false
    /// Subscribers at most (each holds an HTTP connection).
    static let subscribersMax = 256

    /// Names of agents and airlines in the payloads, currencies and dates of periods.
    let reference: ReferenceData
    /// Where the service's own events (disputes, payments, overdue
    /// invoices, risk) go to reach cass.invoice-events; set before the
    /// views start.
    var forwarder: EventForwarder?

    public init(reference: ReferenceData = ReferenceData()) { self.reference = reference }

    /// A public event, to the subscribers that act for one of `companies`.
    func publish(_ event: PublicEvent, companies: [CompanyID]) {
        publish(ServiceEvent(type: event.type.rawValue, id: event.id, country: event.country, companies: companies, data: event.data))
    }

    /// Whether an event published now would reach anyone: the hub is live
    /// and some stream is open. Views ask before building an event only the
    /// stream gets (an issued invoice's payload cost the invoices view most
    /// of its work with no stream open, and while it replays history).
    var isListened: Bool {
        lock.lock()
        defer { lock.unlock() }
        return live && !subscribers.isEmpty
    }

    /// Publishes the event `make` builds, building it only when someone
    /// listens. A stream opened after the check misses the event exactly as
    /// it would miss one published an instant earlier.
    func publish(companies: [CompanyID], _ make: () -> PublicEvent) {
        guard isListened else { return }
        publish(make(), companies: companies)
    }

    /// `publish(_:)` of a `ServiceEvent` built only when someone listens.
    func publishEvent(_ make: () -> ServiceEvent) {
        guard isListened else { return }
        publish(make())
    }

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
