/// What a login gives back: the records to write in either case (a
/// failure is recorded too: it counts toward the lockout and the audit
/// trail) and the answer.
public struct LoginResult: Sendable, Hashable {
    public var records: [AccessRecord]
    /// On success the token for the client (base64url, 43 characters) and
    /// when it expires; `.unauthorized` (401) or `.locked` (429) otherwise.
    public var outcome: Result<LoginToken, AccessError>
}

public struct LoginToken: Sendable, Hashable {
    public var token: String
    public var expiresAt: Instant
    public var user: UserView
}

/// A request's signed-in caller.
public struct Authenticated: Sendable, Hashable {
    public var principal: Principal
    public var user: UserRecord
    public var session: Session
}

extension AccessState {
    /// `POST /api/v1/sessions`. A wrong username and a wrong password get
    /// the same 401 after the same work: a user without a usable hash
    /// (unknown, or migrated and not yet activated) is checked against the
    /// hasher's dummy hash, which costs a full derivation too.
    public func login(
        _ request: LoginRequest, hasher: some PasswordHashing, random: inout some RandomSource, context: RequestContext
    ) throws(AccessError) -> LoginResult {
        let now = context.now
        let username = request.username
        if let until = lockedUntil(username: username, now: now) {
            return LoginResult(records: [], outcome: .failure(.locked(until: until)))
        }
        let user = users[username]
        let stored = user?.passwordHash ?? hasher.dummyHash
        let matches = hasher.verify(request.password, against: stored)
        guard let user, matches, user.passwordHash != nil, !user.disabled else {
            // A name no user can carry (too long, other characters) is
            // not recorded: lockout would protect nothing, and a failure
            // record must stay small.
            guard UserRules.usernameProblem(username) == nil else {
                return LoginResult(records: [], outcome: .failure(.unauthorized))
            }
            var window = lockout(of: username)
            window.record(failureAt: now)
            let locked = window.isLocked(at: now)
            let audit = AuditEntry(at: now, actor: "", actorCompany: "", action: "session.refused", target: "user:\(username)",
                                   detail: locked ? "wrong credentials; logins locked until \(window.lockedUntil.map(\.description) ?? "")" : "wrong credentials",
                                   from: context.from)
            return LoginResult(records: [.loginFailed(LoginFailure(username: username, at: now, from: context.from)), .audit(audit)],
                               outcome: .failure(.unauthorized))
        }

        let (token, tokenHash) = try Tokens.make(random: &random)
        let session = Session(tokenHash: tokenHash, username: user.username, userID: user.userID, sessionEpoch: user.sessionEpoch,
                              createdAt: now, expiresAt: now.adding(hours: Session.lifetimeHours), from: context.from)
        var records: [AccessRecord] = [.sessionStarted(session)]
        let live = liveSessions(of: user.username, now: now)
        if live.count >= Session.perUserMax {
            records += live.prefix(live.count - Session.perUserMax + 1).map { .sessionEnded(tokenHash: $0.tokenHash) }
        }
        records.append(.audit(AuditEntry(at: now, by: user.principal, action: "session.started", target: "user:\(user.username)",
                                          detail: "expires \(session.expiresAt)", from: context.from)))
        return LoginResult(records: records, outcome: .success(LoginToken(token: token, expiresAt: session.expiresAt, user: user.view)))
    }

    /// The caller behind a bearer token or session cookie; nil is 401
    /// (unknown, malformed, ended, expired, or its user disabled or gone).
    public func authenticate(token: String, now: Instant) -> Authenticated? {
        guard let hash = Tokens.hash(of: token), let (session, user) = validSession(tokenHash: hash, now: now) else { return nil }
        return Authenticated(principal: user.principal, user: user, session: session)
    }

    /// `DELETE /api/v1/sessions/current`.
    public func logout(_ caller: Authenticated, context: RequestContext) -> AccessChange {
        let audit = AuditEntry(at: context.now, by: caller.principal, action: "session.ended", target: "user:\(caller.user.username)",
                               detail: "logout", from: context.from)
        return AccessChange(records: [.sessionEnded(tokenHash: caller.session.tokenHash), .audit(audit)], user: nil)
    }
}
