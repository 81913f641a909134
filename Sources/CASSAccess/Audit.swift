/// One change, for the trail the `cass` admin reads: who, what, when, from
/// where. Appended to the audit topic (delete cleanup, retention forever),
/// one entry per change the service accepts.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var at: Instant
    /// The username that asked, or "" when nobody signed in did (a failed
    /// login, an activation, the migration command).
    public var actor: String
    public var actorCompany: String
    /// A dotted name: `user.created`, `session.started`, `file.uploaded`.
    public var action: String
    /// What it acted on: `user:NAME`, `file:ID`, `invoice:NUMBER`.
    public var target: String
    /// What changed, in words; never a password, hash or token.
    public var detail: String
    /// The client address the service saw (or `cli`).
    public var from: String

    public init(at: Instant, actor: String, actorCompany: String, action: String, target: String, detail: String, from: String) {
        self.at = at
        self.actor = actor
        self.actorCompany = actorCompany
        self.action = action
        self.target = target
        self.detail = detail
        self.from = from
    }

    public init(at: Instant, by principal: Principal?, action: String, target: String, detail: String = "", from: String) {
        self.init(at: at, actor: principal?.username ?? "", actorCompany: principal?.company.description ?? "",
                  action: action, target: target, detail: detail, from: from)
    }
}

/// The audit trail as the service holds it in memory: the latest entries,
/// in log order, paged by position. Older entries stay on the topic.
public struct AuditTrail: Sendable {
    /// Entries kept in memory at most (about 300 bytes each).
    public static let defaultCapacity = 200_000

    public let capacity: Int
    /// Log position of `entries[0]`: the cursor counts every entry ever
    /// appended, so a page's cursor survives the oldest being dropped.
    public private(set) var firstPosition = 0
    public private(set) var entries: [AuditEntry] = []

    public init(capacity: Int = AuditTrail.defaultCapacity) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    public mutating func append(_ entry: AuditEntry) {
        entries.append(entry)
        if entries.count > capacity + capacity / 4 {
            // Drop in batches, not one by one: appending stays O(1) amortised.
            let drop = entries.count - capacity
            entries.removeFirst(drop)
            firstPosition += drop
        }
    }

    /// Entries after the cursor (a position from a previous page's
    /// `next`), newest last, at most `limit`, with the cursor of the next
    /// page or nil at the end.
    public func page(after cursor: Int?, limit: Int, matching filter: (AuditEntry) -> Bool = { _ in true }) -> (items: [AuditEntry], next: Int?) {
        let limit = max(1, limit)
        var index = max(0, (cursor.map { $0 + 1 } ?? firstPosition) - firstPosition)
        var items: [AuditEntry] = []
        var last: Int?
        while index < entries.count, items.count < limit {
            if filter(entries[index]) {
                items.append(entries[index])
                last = firstPosition + index
            }
            index += 1
        }
        let more = entries[min(index, entries.count)...].contains(where: filter)
        return (items, more ? last : nil)
    }
}
