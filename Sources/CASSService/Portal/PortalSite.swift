import CASSAccess
import CASSDomain
import CASSHTTP
import CASSPortal
import Foundation

/// The browser portal `cass serve` serves at `/` (docs/portal.md): the
/// pages of CASSPortal over the same service functions and views the API
/// answers from, sessions in an HttpOnly cookie, every form checked for
/// origin and CSRF token before anything else is done.
final class PortalSite: Sendable {
    let service: ServiceContext
    /// Signs the sign-in form's token (`PortalKeys`).
    let loginKey: [UInt8]
    /// Where uploaded files are spooled while they arrive.
    let spool: String
    /// The stages' answers to validate and withdraw requests.
    let replies: RepliesView

    /// Urlencoded form bodies at most (the settings form with its webhooks
    /// and e-mail list is the largest).
    static let formBytesMax = 256 * 1024

    init(service: ServiceContext, loginKey: [UInt8], spool: String, replies: RepliesView) {
        self.service = service
        self.loginKey = loginKey
        self.spool = spool
        self.replies = replies
    }

    // MARK: - Route wrappers

    typealias PageHandler = @Sendable (inout PortalCall) throws -> Response
    typealias FormHandler = @Sendable (inout PortalCall, PortalFields) throws -> Response

    /// A page for signed-in users: without a session, the sign-in page
    /// (then back here); a refusal is the error page with its status.
    func page(_ router: inout Router, _ pattern: String, _ handler: @escaping PageHandler) {
        router.get(pattern) { [self] request in
            guard let (token, caller) = try signedIn(request) else {
                return redirect(to: "/login" + (PortalSecurity.isSafeReturnPath(request.head.target) && request.head.target != "/"
                    ? "?next=" + PortalHref.percentEncode(request.head.target) : ""), request: request)
            }
            var call = PortalCall(site: self, request: request, token: token, caller: caller)
            do {
                return try handler(&call)
            } catch {
                return call.errorPage(error)
            }
        }
    }

    /// A form's POST target. In this order, before the handler runs: the
    /// request must come from this service's own origin (403), have a
    /// session (else the sign-in page), pass `precheck` (the body is not
    /// read when it fails), then carry the session's CSRF token (403).
    func form(_ router: inout Router, _ pattern: String, multipart: Bool = false, fileLimit: Int64 = 0,
              precheck: (@Sendable (PortalCall) throws -> Void)? = nil, _ handler: @escaping FormHandler) {
        router.post(pattern) { [self] request in
            guard BrowserSecurity.isSameOrigin(request) else { return anonymousError(403, request) }
            guard let (token, caller) = try signedIn(request) else {
                return redirect(to: "/login", notice: PortalNotice(.info, .sessionExpired), request: request)
            }
            var call = PortalCall(site: self, request: request, token: token, caller: caller)
            do {
                try precheck?(call)
                let fields = try multipart ? PortalFields.multipart(request, folder: spool, fileLimit: fileLimit) : PortalFields.urlencoded(request)
                guard BrowserSecurity.tokensMatch(fields["csrf"], BrowserSecurity.csrfToken(sessionToken: token)) else {
                    return call.errorPage(HTTPError(.forbidden, detail: "the form's CSRF token does not match the session"))
                }
                return try handler(&call, fields)
            } catch {
                return call.errorPage(error)
            }
        }
    }

    /// The session of the `cass_session` cookie, if it is a live one.
    func signedIn(_ request: Request) throws -> (String, Authenticated)? {
        guard let token = request.cookies[BrowserSecurity.sessionCookie], !token.isEmpty else { return nil }
        do {
            let caller = try service.authenticator.caller(token: token)
            request.userForLog = caller.user.username
            return (token, caller)
        } catch let error as HTTPError where error.status.code == 401 {
            return nil
        }
    }

    // MARK: - Answers

    /// 303 See Other to a local path, with a notice for the next page.
    func redirect(to location: String, notice: PortalNotice? = nil, cookies: [String] = [], request: Request) -> Response {
        var response = Response(status: HTTPStatus(303))
        response.headers.add("Location", location)
        response.headers.add("Cache-Control", "no-store")
        if let notice { response.headers.add("Set-Cookie", PortalFlash.cookie(notice, secure: BrowserSecurity.isSecure(request))) }
        for cookie in cookies { response.headers.add("Set-Cookie", cookie) }
        return response
    }

    static func html(_ bytes: [UInt8], status: HTTPStatus = .ok) -> Response {
        var response = Response(status: status, body: .bytes(bytes))
        for (name, value) in PortalSecurity.headers { response.headers.add(name, value) }
        return response
    }

    /// An error page for someone not signed in (the language from Accept-Language).
    func anonymousError(_ status: Int, _ request: Request) -> Response {
        let ctx = anonymousContext(request)
        return Self.html(PortalPages.error(ctx, status: status), status: HTTPStatus(status))
    }

    func anonymousContext(_ request: Request, notice: PortalNotice? = nil, form: PortalFormState? = nil, csrf: String = "") -> PortalContext {
        PortalContext(language: PortalLanguage.negotiate(userSetting: nil, acceptLanguage: request.headers["Accept-Language"]),
                      viewer: nil, csrfToken: csrf, today: service.clock.today(), notice: notice, form: form)
    }
}

/// One signed-in browser request: who asks, in which language, what the
/// previous step left to say.
struct PortalCall {
    let site: PortalSite
    let request: Request
    let token: String
    let caller: Authenticated
    let language: PortalLanguage
    let today: CivilDate
    var notice: PortalNotice?
    var form: PortalFormState?
    /// A notice cookie was read: the answer expires it.
    let consumedNotice: Bool

    init(site: PortalSite, request: Request, token: String, caller: Authenticated) {
        self.site = site
        self.request = request
        self.token = token
        self.caller = caller
        language = PortalLanguage.negotiate(userSetting: caller.user.language, acceptLanguage: request.headers["Accept-Language"])
        today = site.service.clock.today()
        let flash = request.cookies[BrowserSecurity.noticeCookie]
        notice = flash.flatMap(PortalFlash.notice)
        consumedNotice = flash != nil
    }

    var service: ServiceContext { site.service }
    var principal: Principal { caller.principal }

    var viewer: PortalViewer {
        let user = caller.user
        return PortalViewer(username: user.username, name: user.name, company: user.company.description,
                            companyName: service.directory.company(user.company)?.name ?? "",
                            role: PortalRole(rawValue: user.role.rawValue) ?? .viewer, operations: user.operations.list)
    }

    /// The page's context, with the scope the query chose.
    func context(scope: PortalScope? = nil) -> PortalContext {
        PortalContext(language: language, viewer: viewer, scope: scope ?? PortalScopes.scope(of: caller, service: service, query: request.query),
                      csrfToken: BrowserSecurity.csrfToken(sessionToken: token), today: today, notice: notice, form: form)
    }

    /// A page with the portal's headers (and the notice cookie expired).
    func html(_ bytes: [UInt8], status: HTTPStatus = .ok) -> Response {
        var response = PortalSite.html(bytes, status: status)
        if consumedNotice { response.headers.add("Set-Cookie", BrowserSecurity.expired(BrowserSecurity.noticeCookie, secure: BrowserSecurity.isSecure(request))) }
        return response
    }

    func redirect(to location: String, _ message: PortalMessage, kind: PortalNotice.Kind = .success, detail: String? = nil) -> Response {
        site.redirect(to: location, notice: PortalNotice(kind, message, detail: detail), request: request)
    }

    /// The error page for a refusal: its status, general words only (401
    /// goes to the sign-in page). Anything else than an HTTPError is a
    /// 500 whose details go to the log, not to the page.
    func errorPage(_ error: any Error) -> Response {
        let status: Int
        var headers = HTTPHeaders()
        if let http = error as? HTTPError {
            if http.status.code == 401 { return site.redirect(to: "/login", notice: PortalNotice(.info, .sessionExpired), request: request) }
            status = http.status.code
            if let retry = http.headers["Retry-After"] { headers.add("Retry-After", retry) }
        } else {
            FileHandle.standardError.write(Data("serve: portal \(request.method) \(request.head.rawPath): \(error)\n".utf8))
            status = 500
        }
        var ctx = context(scope: PortalScope())
        ctx.notice = nil
        var response = html(PortalPages.error(ctx, status: status), status: HTTPStatus(status))
        for (name, value) in headers { response.headers.add(name, value) }
        return response
    }

    /// A change the service refused: the page again, with the form as the
    /// user typed it, the errors under their fields and the refusal's
    /// status. A 404 (another company's object as a missing one) and a 401
    /// are not re-rendered: they get the error page and the sign-in page.
    func refusal(_ error: any Error, form name: PortalFormName, values: [String: String], fieldNames: [String: String] = [:],
                 render: (PortalContext) throws -> [UInt8]) throws -> Response {
        guard let http = error as? HTTPError, [403, 409, 413, 422, 429].contains(http.status.code) else { throw error }
        let message: PortalMessage
        switch http.status.code {
        case 422: message = .invalidInput
        case 409: message = .conflict
        case 403: message = .forbidden
        case 413: message = .fileTooLarge
        default: message = .failed
        }
        var ctx = context()
        ctx.notice = PortalNotice(.error, message, detail: http.detail)
        let errors = http.errors.map { PortalFieldError(field: fieldNames[$0.field] ?? $0.field, message: $0.message) }
        ctx.form = PortalFormState(form: name, values: values, errors: errors)
        return html(try render(ctx), status: http.status)
    }
}

/// The fields of a submitted form: urlencoded, or multipart with its file.
struct PortalFields: Sendable {
    var values: QueryParameters
    var files: [MultipartFile] = []

    subscript(_ name: String) -> String? { values[name] }
    func all(_ name: String) -> [String] { values.all(name) }

    /// The values to show again in a refused form (passwords never).
    func echo(_ names: [String]) -> [String: String] {
        var out: [String: String] = [:]
        for name in names { if let value = values[name] { out[name] = value } }
        return out
    }

    static func urlencoded(_ request: Request) throws -> PortalFields {
        guard request.mediaType == "application/x-www-form-urlencoded" else {
            throw HTTPError(.unsupportedMediaType, detail: "send the form as application/x-www-form-urlencoded")
        }
        let bytes = try request.readBody(limit: PortalSite.formBytesMax)
        do {
            return PortalFields(values: try QueryParameters.parseForm(bytes))
        } catch {
            throw HTTPError.badRequest("the form body is not valid application/x-www-form-urlencoded")
        }
    }

    static func multipart(_ request: Request, folder: String, fileLimit: Int64) throws -> PortalFields {
        // The fields around the file are small: a generous allowance on top of the file.
        let form = try request.readMultipart(limit: fileLimit + 1 << 20, folder: folder)
        return PortalFields(values: form.fields, files: form.files)
    }
}

/// The notice a redirect leaves for the next page, in a short-lived
/// cookie rather than the URL, so that no link can make a page claim
/// something happened.
enum PortalFlash {
    static let lifetimeSeconds = 120

    static func cookie(_ notice: PortalNotice, secure: Bool) -> String {
        let value = notice.kind.rawValue + "." + notice.message.rawValue
        return Cookies.setCookie(name: BrowserSecurity.noticeCookie, value: value, maxAgeSeconds: lifetimeSeconds, secure: secure)
            ?? BrowserSecurity.expired(BrowserSecurity.noticeCookie, secure: secure)
    }

    static func notice(_ value: String) -> PortalNotice? {
        let parts = value.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = PortalNotice.Kind(rawValue: parts[0]), let message = PortalMessage(rawValue: parts[1]) else { return nil }
        return PortalNotice(kind, message)
    }
}
