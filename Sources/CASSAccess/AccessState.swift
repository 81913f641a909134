import CASSCrypto

/// Users, sessions and lockouts as the service sees them: built only by
/// applying records in log order (per topic; the topics may interleave in
/// any order), so two service processes that replay the same topics agree.
/// Queries take `now` from the caller.
public struct AccessState: Sendable {
    public private(set) var users: [String: UserRecord] = [:]
    private var usersByCompany: [CompanyID: Set<String>] = [:]
    private var sessions: [String: Session] = [:]
    private var sessionsByUser: [String: Set<String>] = [:]
    private var lockouts: [String: LockoutWindow] = [:]
    /// Activation token hash to username.
    private var activations: [String: String] = [:]

    public init() {}

    // MARK: Applying records

    public mutating func apply(_ record: AccessRecord) {
        switch record {
        case .userPut(let user):
            removeUser(user.username)
            users[user.username] = user
            usersByCompany[user.company, default: []].insert(user.username)
            if let hash = user.activationTokenHash { activations[hash] = user.username }
        case .userDeleted(let username):
            removeUser(username)
            // Its sessions can never be valid again (no user, and a new
            // user of that name has another userID): forget them.
            for tokenHash in sessionsByUser.removeValue(forKey: username) ?? [] { sessions[tokenHash] = nil }
        case .sessionStarted(let session):
            sessions[session.tokenHash] = session
            sessionsByUser[session.username, default: []].insert(session.tokenHash)
        case .sessionEnded(let tokenHash):
            if let session = sessions.removeValue(forKey: tokenHash) {
                sessionsByUser[session.username]?.remove(tokenHash)
                if sessionsByUser[session.username]?.isEmpty == true { sessionsByUser[session.username] = nil }
            }
        case .loginFailed(let failure):
            lockouts[failure.username, default: LockoutWindow()].record(failureAt: failure.at)
        case .audit:
            break
        }
    }

    private mutating func removeUser(_ username: String) {
        guard let old = users.removeValue(forKey: username) else { return }
        usersByCompany[old.company]?.remove(username)
        if usersByCompany[old.company]?.isEmpty == true { usersByCompany[old.company] = nil }
        if let hash = old.activationTokenHash, activations[hash] == username { activations[hash] = nil }
    }

    /// Forgets what can no longer matter at `now` (expired sessions,
    /// lockouts over and old failures). Queries answer the same before and
    /// after; the service calls it now and then to bound memory.
    public mutating func dropStale(now: Instant) {
        for (tokenHash, session) in sessions where session.expiresAt <= now {
            apply(.sessionEnded(tokenHash: tokenHash))
        }
        lockouts = lockouts.filter { !$0.value.isStale(at: now) }
    }

    // MARK: Queries

    public func user(_ username: String) -> UserRecord? { users[username] }

    /// A company's users, by username.
    public func users(of company: CompanyID) -> [UserRecord] {
        (usersByCompany[company] ?? []).sorted().compactMap { users[$0] }
    }

    public var companiesWithUsers: [CompanyID] { usersByCompany.keys.sorted() }

    public func enabledAdminCount(of company: CompanyID) -> Int {
        (usersByCompany[company] ?? []).reduce(0) { $0 + (users[$1]?.isEnabledAdmin == true ? 1 : 0) }
    }

    /// The session behind a token hash when it still admits its user:
    /// started, not ended, not expired, its user there, enabled, the same
    /// user (not one made again under the name), and not disabled since.
    public func validSession(tokenHash: String, now: Instant) -> (session: Session, user: UserRecord)? {
        guard let session = sessions[tokenHash], now < session.expiresAt,
              let user = users[session.username], !user.disabled,
              user.userID == session.userID, user.sessionEpoch == session.sessionEpoch else { return nil }
        return (session, user)
    }

    /// A user's sessions that still admit it, oldest first.
    public func liveSessions(of username: String, now: Instant) -> [Session] {
        (sessionsByUser[username] ?? []).compactMap { validSession(tokenHash: $0, now: now)?.session }
            .sorted { ($0.createdAt, $0.tokenHash) < ($1.createdAt, $1.tokenHash) }
    }

    /// Every session of the user still on the topic, valid or not (what a
    /// deletion or disabling writes tombstones for).
    func recordedSessions(of username: String) -> [String] { (sessionsByUser[username] ?? []).sorted() }

    /// Token hashes of sessions past their end, for the service to write
    /// their tombstones (so the compacted topic does not keep them).
    public func expiredSessions(now: Instant) -> [String] {
        sessions.values.filter { $0.expiresAt <= now }.map(\.tokenHash).sorted()
    }

    public func lockedUntil(username: String, now: Instant) -> Instant? {
        guard let window = lockouts[username], window.isLocked(at: now) else { return nil }
        return window.lockedUntil
    }

    /// A username's failures and lock, as the records made them.
    public func lockout(of username: String) -> LockoutWindow { lockouts[username] ?? LockoutWindow() }

    /// The username a pending activation token (its hash) belongs to.
    public func activationUsername(tokenHash: String) -> String? { activations[tokenHash] }

    var sessionCount: Int { sessions.count }
    var lockoutCount: Int { lockouts.count }
}

/// Tokens (sessions and activations): 32 random bytes, given to the client
/// in base64url (43 characters), kept only as the hex SHA-256 of the bytes.
public enum Tokens {
    public static let byteCount = 32

    /// A new token and the hash to store.
    public static func make(random: inout some RandomSource) throws(AccessError) -> (token: String, hash: String) {
        let bytes = try random.bytes(byteCount)
        return (Base64URL.encode(bytes), Hex.encode(SHA256.hash(bytes)))
    }

    /// The stored hash of a presented token; nil when it is not the strict
    /// base64url of 32 bytes (so a token has one spelling only).
    public static func hash(of token: String) -> String? {
        guard token.utf8.count == 43, let bytes = Base64URL.decode(token), bytes.count == byteCount else { return nil }
        return Hex.encode(SHA256.hash(bytes))
    }
}
