import CASSAccess
import CASSHTTP
import CASSLog

/// Who is asking: the bearer token (API) or the session cookie (portal).
struct Authenticator: Sendable {
    static let cookieName = "cass_session"

    let identity: IdentityView
    let feed: ViewFeed
    let writer: RecordWriter
    let clock: ServiceClock

    func token(of request: Request) -> String? {
        request.bearerToken ?? request.cookies[Self.cookieName]
    }

    /// The caller, or 401. A state change authenticated by the session
    /// cookie (a browser) must also come from this service's own origin
    /// with the session's CSRF token (403 otherwise, docs/portal.md).
    func caller(_ request: Request) throws -> Authenticated {
        guard let token = token(of: request) else { throw APIError.unauthorized }
        let caller = try caller(token: token)
        // Named in the access log line from here on, also when the cookie
        // check below refuses the request (the user is who sent it).
        request.userForLog = caller.user.username
        if request.bearerToken == nil, ![HTTPMethod.GET, .HEAD, .OPTIONS].contains(request.method) {
            try BrowserSecurity.checkCookieStateChange(request, sessionToken: token)
        }
        return caller
    }

    /// The caller behind a token, or 401. A well-formed token the view does
    /// not know yet (a login answered by another serve process a moment
    /// ago) makes the view catch up with that token's sessions partition once.
    func caller(token: String) throws -> Authenticated {
        let now = clock.instant()
        if let known = identity.read({ $0.authenticate(token: token, now: now) }) { return known }
        guard let hash = Tokens.hash(of: token) else { throw APIError.unauthorized }
        let topic = ServiceTopics.name(.sessions)
        let partition = TopicPartition(topic: topic, partition: Partitioner.partition(for: Array(hash.utf8), count: try writer.partitions(topic)))
        let end = try writer.log.endOffset(partition)
        if end > 0 { try feed.wait(for: ReadPosition([partition: end]), timeoutMs: 5_000) }
        if let known = identity.read({ $0.authenticate(token: token, now: now) }) { return known }
        throw APIError.unauthorized
    }
}
