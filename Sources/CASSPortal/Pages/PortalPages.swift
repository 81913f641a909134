import CASSDomain

/// Filters of a list page, as the query gave them (validated before use).
public struct PortalFilters: Sendable {
    public var country: String?
    public var period: String?
    public var status: String?
    public var grade: String?
    public init(country: String? = nil, period: String? = nil, status: String? = nil, grade: String? = nil) {
        self.country = country
        self.period = period
        self.status = status
        self.grade = grade
    }

    var validCountry: String? { country.flatMap { PortalID.isCountry($0) ? $0 : nil } }
    var validPeriod: String? { period.flatMap { PortalID.isPeriod($0) ? $0 : nil } }
    func validStatus(_ allowed: [String]) -> String? { status.flatMap { allowed.contains($0) ? $0 : nil } }

    /// The query of the current filters, kept by the next-page link.
    func query(status allowed: [String] = [], grades: Bool = false) -> [(String, String?)] {
        [("country", validCountry), ("period", validPeriod), ("status", validStatus(allowed)),
         ("grade", grades ? grade.flatMap { ["A", "B", "C", "D"].contains($0) ? $0 : nil } : nil)]
    }
}

/// The portal's page renderers: values in, a complete HTML document out
/// (UTF-8). Each is a pure function of its arguments; none reads a clock,
/// a file or the network. The service answers with these bytes and the
/// headers of `PortalSecurity.headers`.
public enum PortalPages {
    static let fileStatuses = ["received", "accepted", "rejected", "withdrawn"]
    static let invoiceStatuses = ["open", "partly-paid", "paid", "overdue", "default", "credit"]
    static let disputeStatuses = ["open", "accepted", "rejected", "withdrawn", "escalated"]
    static let paymentMethods = ["bank-transfer", "direct-debit", "card", "wallet"]

    // MARK: sign-in

    /// `/login`: the form (`username`, `password`) posting to `/login`.
    /// `next` is where to go after signing in; kept only when it is a safe
    /// local path.
    public static func login(_ ctx: PortalContext, next: String? = nil) -> [UInt8] {
        var p = PageBuilder(ctx)
        p.begin(title: p.t("login.title"), section: nil, path: .login)
        p.w.raw("<p class=\"lead\">")
        p.w.text(p.t("login.intro"))
        p.w.raw("</p>")
        p.postForm(.login, .login, classes: "form narrow")
        if let next, PortalSecurity.isSafeReturnPath(next) { p.w.hidden("next", next) }
        p.field(.login, "username", label: p.t("field.username"),
                options: .init(required: true, autocomplete: "username", extra: " autocapitalize=\"none\" spellcheck=\"false\" maxlength=\"64\""))
        p.field(.login, "password", label: p.t("field.password"), options: .init(type: "password", required: true, autocomplete: "current-password"))
        p.submit(p.t("login.submit"))
        p.formEnd()
        return p.end()
    }

    // MARK: errors

    /// An error page. It says what happened in general words only: never a
    /// path, an id, a stack or whether an object exists (403 and 404 read
    /// as the service sends them; another company's object is a 404).
    public static func error(_ ctx: PortalContext, status: Int) -> [UInt8] {
        let known = [400, 401, 403, 404, 405, 409, 413, 422, 429, 500, 503]
        let key = known.contains(status) ? String(status) : (status >= 500 ? "500" : "400")
        var p = PageBuilder(ctx, capacity: 4096)
        p.begin(title: p.t("error." + key + ".title"), section: nil, path: .home)
        p.w.raw("<p class=\"lead\">")
        p.w.text(p.t("error." + key + ".text"))
        p.w.raw("</p><p class=\"error-code\">")
        p.w.text(p.t("error.code", ["code": String(status >= 100 && status <= 599 ? status : 500)]))
        p.w.raw("</p><p>")
        if ctx.viewer == nil {
            p.w.link(.login, p.t("error.signIn"))
        } else {
            p.w.link(ctx.abilities.home, p.t("error.home"))
        }
        p.w.raw("</p>")
        return p.end()
    }
}
