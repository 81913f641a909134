/// What the service passes every command: the instant (from its one
/// clock) and the client address, for records and the audit trail.
public struct RequestContext: Sendable, Hashable {
    public var now: Instant
    public var from: String

    public init(now: Instant, from: String) {
        self.now = now
        self.from = from
    }
}

/// A command's result: the records to write (in order; the service
/// answers 2xx once they are acknowledged, then applies them as its views
/// consume them) and the user to show, if any.
public struct AccessChange: Sendable, Hashable {
    public var records: [AccessRecord]
    public var user: UserView?

    public init(records: [AccessRecord], user: UserView?) {
        self.records = records
        self.user = user
    }
}
