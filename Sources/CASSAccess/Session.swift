/// A signed-in session, kept on the sessions topic under the SHA-256 of
/// its token (the token itself is never stored). API clients send the
/// token as a bearer token, browsers as a cookie: one kind of session.
public struct Session: Sendable, Hashable, Codable {
    public static let lifetimeHours: Int64 = 8
    /// A user's live sessions at most; a login beyond ends the oldest.
    public static let perUserMax = 50

    /// Hex SHA-256 of the token's 32 bytes.
    public var tokenHash: String
    public var username: String
    /// The user's `userID` and `sessionEpoch` when it started: a session
    /// outlives neither a deletion nor a disabling.
    public var userID: String
    public var sessionEpoch: Int
    public var createdAt: Instant
    public var expiresAt: Instant
    /// The client address it was started from (for the audit trail).
    public var from: String

    public init(tokenHash: String, username: String, userID: String, sessionEpoch: Int, createdAt: Instant, expiresAt: Instant, from: String) {
        self.tokenHash = tokenHash
        self.username = username
        self.userID = userID
        self.sessionEpoch = sessionEpoch
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.from = from
    }
}

/// One failed login, on the login-failures topic (keyed by username,
/// delete cleanup, kept at least an hour: lockout looks back 15 minutes
/// and lasts 15).
public struct LoginFailure: Sendable, Hashable, Codable {
    public var username: String
    public var at: Instant
    public var from: String

    public init(username: String, at: Instant, from: String) {
        self.username = username
        self.at = at
        self.from = from
    }
}

/// The lockout rule for one username: 5 failures within 15 minutes lock
/// its logins for 15 minutes from the fifth. Failures are counted whatever
/// happens in between (a success does not clear them: the spec counts
/// failures), and an attempt refused while locked is not a failure, so a
/// lock ends 15 minutes after it began however hard it is hammered.
public struct LockoutWindow: Sendable, Hashable {
    public static let failuresMax = 5
    public static let windowMinutes: Int64 = 15
    public static let lockMinutes: Int64 = 15

    /// Failures within the window before the current instant, oldest first.
    public private(set) var recent: [Instant] = []
    public private(set) var lockedUntil: Instant?

    public init() {}

    /// Applies one failure, in log order. Deterministic: two processes
    /// replaying the same records agree, whatever their clocks.
    public mutating func record(failureAt at: Instant) {
        if let until = lockedUntil {
            if at < until { return }
            lockedUntil = nil
        }
        let windowStart = at.adding(minutes: -LockoutWindow.windowMinutes)
        recent.removeAll { $0 <= windowStart }
        recent.append(at)
        if recent.count >= LockoutWindow.failuresMax {
            lockedUntil = at.adding(minutes: LockoutWindow.lockMinutes)
            recent = []
        }
    }

    public func isLocked(at now: Instant) -> Bool { lockedUntil.map { now < $0 } ?? false }

    /// Nothing left that could matter at `now` or later.
    func isStale(at now: Instant) -> Bool {
        !isLocked(at: now) && recent.allSatisfy { $0 <= now.adding(minutes: -LockoutWindow.windowMinutes) }
    }
}
