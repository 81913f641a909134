import CASSCrypto
import CASSHTTP
import CASSLog
import Foundation

/// How the service tells a browser's own requests from cross-site ones
/// (docs/portal.md "Sessions in the browser").
///
/// - The session is the API's session; its token travels in the
///   `cass_session` cookie (HttpOnly, SameSite=Strict, Secure behind TLS).
/// - Every state change made with that cookie must come from this
///   service's own origin (`Origin`, else `Referer`) and carry the
///   session's CSRF token: the `csrf` field of a portal form, or the
///   `X-CSRF-Token` header on an API call. A bearer token needs neither: a
///   browser never sends one on its own.
/// - The sign-in form has no session yet: its token is a MAC, under the
///   portal key, of a random nonce the `cass_login` cookie holds (a signed
///   double-submit cookie), so a cookie planted by a sibling site cannot
///   be paired with a token without the key.
enum BrowserSecurity {
    static let sessionCookie = Authenticator.cookieName
    static let loginCookie = "cass_login"
    static let noticeCookie = "cass_notice"
    static let csrfHeader = "X-CSRF-Token"
    static let loginNonceLifetimeSeconds = 2 * 3600

    /// The session's CSRF token: a MAC of a fixed label under the session
    /// token. Only who holds the token (the browser's HttpOnly cookie)
    /// can compute it; every serve process computes the same one; it
    /// reveals nothing of the token.
    static func csrfToken(sessionToken: String) -> String {
        Base64URL.encode(HMACSHA256.authenticationCode(key: Array(sessionToken.utf8), message: Array("opencass portal csrf v1".utf8)))
    }

    /// The sign-in form's token for the nonce of its `cass_login` cookie.
    static func loginToken(nonce: String, key: [UInt8]) -> String {
        Base64URL.encode(HMACSHA256.authenticationCode(key: key, message: Array(("opencass portal sign-in v1\u{0}" + nonce).utf8)))
    }

    static func newNonce() throws -> String {
        do { return Base64URL.encode(try SecureRandom.bytes(18)) } catch {
            throw ServiceError("no random bytes for the sign-in form: \(error)")
        }
    }

    /// A nonce as this service makes them (24 base64url characters).
    static func isNonce(_ text: String) -> Bool {
        text.utf8.count == 24 && Base64URL.decode(text) != nil
    }

    static func tokensMatch(_ given: String?, _ expected: String) -> Bool {
        guard let given else { return false }
        return ConstantTime.equals(Array(given.utf8), Array(expected.utf8))
    }

    // MARK: - Origin

    /// The origin the browser sees this service at. TLS ends at the
    /// reverse proxy in front (docs/http.md), which tells the scheme in
    /// `X-Forwarded-Proto` and, when it rewrites Host, the public host in
    /// `X-Forwarded-Host`. Both are taken from any peer: a browser cannot
    /// set them on a cross-site request (they are not CORS-safelisted and
    /// a form cannot send headers), so a forged value can only change the
    /// sender's own request.
    static func ownOrigin(_ request: Request) -> Origin? {
        let scheme = forwardedProto(request) ?? "http"
        let host = request.headers.listElements("X-Forwarded-Host").first ?? request.headers["Host"]
        guard let host else { return nil }
        return Origin(scheme: scheme, authority: host)
    }

    /// `https` or `http` from the first `X-Forwarded-Proto` element.
    static func forwardedProto(_ request: Request) -> String? {
        guard let first = request.headers.listElements("X-Forwarded-Proto").first?.lowercased() else { return nil }
        return first == "https" || first == "http" ? first : nil
    }

    /// Whether cookies should be `Secure`: the browser reached the proxy by TLS.
    static func isSecure(_ request: Request) -> Bool { forwardedProto(request) == "https" }

    /// Whether the request comes from a page of this service: `Origin`
    /// when sent (all current browsers send it on POST), else the origin
    /// of `Referer`. Neither, or `Origin: null`, is refused.
    static func isSameOrigin(_ request: Request) -> Bool {
        guard let own = ownOrigin(request) else { return false }
        if let origin = request.headers["Origin"] {
            guard let parsed = Origin(serialized: origin) else { return false }
            return parsed == own
        }
        if let referer = request.headers["Referer"], let parsed = Origin(url: referer) {
            return parsed == own
        }
        return false
    }

    /// A state change authenticated by the session cookie on the API:
    /// same origin and the `X-CSRF-Token` header, or 403.
    static func checkCookieStateChange(_ request: Request, sessionToken: String) throws {
        guard isSameOrigin(request) else {
            throw HTTPError(.forbidden, detail: "cross-site request refused: a state change with the session cookie must come from this service's own pages")
        }
        guard tokensMatch(request.headers[csrfHeader], csrfToken(sessionToken: sessionToken)) else {
            throw HTTPError(.forbidden, detail: "a state change with the session cookie needs the session's CSRF token in X-CSRF-Token (or use a bearer token)")
        }
    }

    // MARK: - Cookies

    static func sessionCookie(_ token: String, secure: Bool, maxAgeSeconds: Int) -> String? {
        Cookies.setCookie(name: sessionCookie, value: token, maxAgeSeconds: maxAgeSeconds, secure: secure)
    }

    static func expired(_ name: String, secure: Bool) -> String {
        Cookies.setCookie(name: name, value: "", maxAgeSeconds: 0, secure: secure) ?? "\(name)=; Path=/; Max-Age=0"
    }
}

/// A web origin (scheme, host, port), compared as RFC 6454 says: scheme
/// and host without case, the default port made explicit.
struct Origin: Equatable, CustomStringConvertible {
    var scheme: String
    var host: String
    var port: Int

    init?(scheme: String, authority: String) {
        let scheme = scheme.lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var host = Substring(authority.lowercased())
        var port = scheme == "https" ? 443 : 80
        if host.hasPrefix("[") {
            // An IPv6 literal: [::1]:8080
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            if rest.hasPrefix(":") {
                guard let value = Int(rest.dropFirst()), (1...65535).contains(value) else { return nil }
                port = value
            } else if !rest.isEmpty {
                return nil
            }
            host = host[...close]
        } else if let colon = host.lastIndex(of: ":") {
            guard let value = Int(host[host.index(after: colon)...]), (1...65535).contains(value) else { return nil }
            port = value
            host = host[..<colon]
        }
        guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "@") }) else { return nil }
        self.scheme = scheme
        self.host = String(host)
        self.port = port
    }

    /// An `Origin` header value: `scheme://host[:port]`, nothing after.
    init?(serialized: String) {
        guard let separator = serialized.range(of: "://") else { return nil }
        let authority = serialized[separator.upperBound...]
        guard !authority.contains("/") else { return nil }
        self.init(scheme: String(serialized[..<separator.lowerBound]), authority: String(authority))
    }

    /// The origin of an absolute URL (a `Referer`).
    init?(url: String) {
        guard let separator = url.range(of: "://") else { return nil }
        let rest = url[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        self.init(scheme: String(url[..<separator.lowerBound]), authority: String(authority))
    }

    var description: String { "\(scheme)://\(host):\(port)" }
}

/// The portal's one secret: the key that signs the sign-in form's token.
/// It lives on `cass.portal` (compacted, one partition) so that every
/// serve process on one log or cluster signs and checks alike: the first
/// key record in the partition is the key, whoever wrote it.
enum PortalKeys {
    static let loginFormKey = "login-form-key"

    static func loginKey(log: any Log, writer: RecordWriter) throws -> [UInt8] {
        let partition = TopicPartition(topic: ServiceTopics.portal, partition: 0)
        func first() throws -> [UInt8]? {
            let records = try log.readToEnd(partition)
            guard let record = records.first(where: { String(decoding: $0.key, as: UTF8.self) == loginFormKey }) else { return nil }
            guard let key = Hex.decode(String(decoding: record.value, as: UTF8.self)), key.count == 32 else {
                throw ServiceError("\(ServiceTopics.portal)[0]@\(record.offset) holds no portal key (32 bytes in hex)")
            }
            return key
        }
        if let key = try first() { return key }
        let fresh: [UInt8]
        do { fresh = try SecureRandom.bytes(32) } catch { throw ServiceError("no random bytes for the portal key: \(error)") }
        let record = OutgoingRecord(topic: ServiceTopics.portal, partition: 0, key: Array(loginFormKey.utf8), value: Array(Hex.encode(fresh).utf8))
        try writer.write([record])
        // Another process may have written first: the first record wins.
        guard let key = try first() else { throw ServiceError("the portal key was written but cannot be read back") }
        return key
    }
}
