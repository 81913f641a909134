import CASSAccess
import CASSCrypto
import CASSHTTP
import CASSPortal
import Foundation

/// The portal's routes (docs/portal.md "Pages", "Forms: fields and
/// targets"): sign-in and sign-out, the static files, `/`, and each page
/// with its forms (the other `Portal*Routes` files).
enum PortalRoutes {
    static func register(_ router: inout Router, _ site: PortalSite) {
        registerStatic(&router)
        registerSignIn(&router, site)
        site.page(&router, "/") { call in
            site.redirect(to: call.viewer.abilities.home.value, request: call.request)
        }
        PortalAccountRoutes.register(&router, site)
        PortalBillingRoutes.register(&router, site)
        PortalFileRoutes.register(&router, site)
        PortalPeriodRoutes.register(&router, site)
    }

    // MARK: - Static files

    /// `/static/portal.css` and `/static/portal.js`: the pages link them
    /// with `?v=ETAG`, so they are cached for a year; a revalidation with
    /// the same ETag is 304.
    static func registerStatic(_ router: inout Router) {
        for asset in PortalAssets.all {
            router.get(asset.path) { request in
                let etag = "\"" + asset.etag + "\""
                var response: Response
                if request.headers.listElements("If-None-Match").contains(where: { $0 == etag || $0 == "*" }) {
                    response = Response(status: HTTPStatus(304))
                } else {
                    response = .bytes(asset.bytes, contentType: asset.contentType)
                }
                response.headers.add("ETag", etag)
                response.headers.add("Cache-Control", "public, max-age=31536000, immutable")
                response.headers.add("X-Content-Type-Options", "nosniff")
                return response
            }
        }
    }

    // MARK: - Sign-in

    static func registerSignIn(_ router: inout Router, _ site: PortalSite) {
        router.get("/login") { request in
            let next = request.query["next"].flatMap { PortalSecurity.isSafeReturnPath($0) ? $0 : nil }
            if (try site.signedIn(request)) != nil {
                return site.redirect(to: next ?? "/", request: request)
            }
            let flash = request.cookies[BrowserSecurity.noticeCookie]
            return try loginPage(site, request, next: next, notice: flash.flatMap(PortalFlash.notice), status: .ok, clearNotice: flash != nil)
        }

        router.post("/login") { request in
            guard BrowserSecurity.isSameOrigin(request) else { return site.anonymousError(403, request) }
            let fields: PortalFields
            do { fields = try PortalFields.urlencoded(request) } catch { return site.anonymousError((error as? HTTPError)?.status.code ?? 400, request) }
            let next = fields["next"].flatMap { PortalSecurity.isSafeReturnPath($0) ? $0 : nil }
            let values = fields.echo(["username"])
            // The signed double-submit check: the nonce cookie and its MAC in the form.
            guard let nonce = request.cookies[BrowserSecurity.loginCookie], BrowserSecurity.isNonce(nonce),
                  BrowserSecurity.tokensMatch(fields["csrf"], BrowserSecurity.loginToken(nonce: nonce, key: site.loginKey)) else {
                return try loginPage(site, request, next: next, notice: PortalNotice(.error, .sessionExpired), status: .forbidden,
                                     form: PortalFormState(form: .login, values: values, errors: []))
            }
            let login = LoginRequest(username: fields["username"] ?? "", password: fields["password"] ?? "")
            do {
                let token = try site.service.login(login, request: request)
                let secure = BrowserSecurity.isSecure(request)
                let lifetime = Int(max(60, (token.expiresAt.millisecondsSince1970 - site.service.clock.instant().millisecondsSince1970) / 1000))
                var cookies = [BrowserSecurity.expired(BrowserSecurity.loginCookie, secure: secure)]
                if let cookie = BrowserSecurity.sessionCookie(token.token, secure: secure, maxAgeSeconds: lifetime) { cookies.append(cookie) }
                let home = PortalViewer(username: token.user.username, name: token.user.name, company: token.user.company,
                                        role: PortalRole(rawValue: token.user.role) ?? .viewer).abilities.home.value
                return site.redirect(to: next ?? home, cookies: cookies, request: request)
            } catch let error as HTTPError where [401, 422, 429].contains(error.status.code) {
                let message: PortalMessage = error.status.code == 429 ? .loginLocked : .loginFailed
                var response = try loginPage(site, request, next: next, notice: PortalNotice(.error, message), status: error.status,
                                             form: PortalFormState(form: .login, values: values, errors: []))
                if let retry = error.headers["Retry-After"] { response.headers.add("Retry-After", retry) }
                return response
            }
        }

        router.post("/logout") { request in
            guard BrowserSecurity.isSameOrigin(request) else { return site.anonymousError(403, request) }
            let secure = BrowserSecurity.isSecure(request)
            let clear = [BrowserSecurity.expired(BrowserSecurity.sessionCookie, secure: secure)]
            guard let (token, caller) = try site.signedIn(request) else {
                return site.redirect(to: "/login", notice: PortalNotice(.info, .signedOut), cookies: clear, request: request)
            }
            let fields = try PortalFields.urlencoded(request)
            guard BrowserSecurity.tokensMatch(fields["csrf"], BrowserSecurity.csrfToken(sessionToken: token)) else {
                return site.anonymousError(403, request)
            }
            try site.service.logout(caller, request: request)
            return site.redirect(to: "/login", notice: PortalNotice(.info, .signedOut), cookies: clear, request: request)
        }
    }

    /// The sign-in page with its form token; the nonce cookie is kept when
    /// it is still good (several tabs), else a new one is set.
    static func loginPage(_ site: PortalSite, _ request: Request, next: String?, notice: PortalNotice?, status: HTTPStatus,
                          form: PortalFormState? = nil, clearNotice: Bool = false) throws -> Response {
        let secure = BrowserSecurity.isSecure(request)
        var nonce = request.cookies[BrowserSecurity.loginCookie] ?? ""
        var setCookie: String?
        if !BrowserSecurity.isNonce(nonce) {
            nonce = try BrowserSecurity.newNonce()
            setCookie = Cookies.setCookie(name: BrowserSecurity.loginCookie, value: nonce, maxAgeSeconds: BrowserSecurity.loginNonceLifetimeSeconds, secure: secure)
        }
        let ctx = site.anonymousContext(request, notice: notice, form: form, csrf: BrowserSecurity.loginToken(nonce: nonce, key: site.loginKey))
        var response = PortalSite.html(PortalPages.login(ctx, next: next), status: status)
        if let setCookie { response.headers.add("Set-Cookie", setCookie) }
        if clearNotice { response.headers.add("Set-Cookie", BrowserSecurity.expired(BrowserSecurity.noticeCookie, secure: secure)) }
        return response
    }
}
