import CASSDomain

/// A company the user may switch to.
public struct PortalScopeCompany: Sendable, Hashable {
    public var id: String
    public var name: String
    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// The user's scope (portal.md, Companies): the companies and operations
/// it spans, and the current choice (nil: all of them). A user whose scope
/// spans several gets a switcher: one link per choice, one click each.
public struct PortalScope: Sendable {
    public var companies: [PortalScopeCompany]
    public var operations: [PortalOperation]
    public var company: String?
    public var country: String?
    public init(companies: [PortalScopeCompany] = [], operations: [PortalOperation] = [], company: String? = nil, country: String? = nil) {
        self.companies = companies
        self.operations = operations
        self.company = company
        self.country = country
    }

    public var spansSeveral: Bool { companies.count > 1 || operations.count > 1 }
}

/// A message shown at the top of a page after an action (Post/Redirect/Get)
/// or a refusal. `detail` is the server's own words (escaped like any text).
public struct PortalNotice: Sendable {
    public enum Kind: String, Sendable { case success, error, info }
    public var kind: Kind
    public var message: PortalMessage
    public var detail: String?
    public init(_ kind: Kind, _ message: PortalMessage, detail: String? = nil) {
        self.kind = kind
        self.message = message
        self.detail = detail
    }
}

/// The notices a page can show, each a catalog key (`notice.*`).
public enum PortalMessage: String, Sendable, CaseIterable {
    case signedOut, loginFailed, loginLocked, sessionExpired
    case fileUploaded, fileWithdrawn, fileTooLarge, fileRefused
    case disputeRaised, disputeAccepted, disputeRejected, disputeWithdrawn
    case paymentRecorded, walletToppedUp, directDebitSaved
    case settingsSaved, userCreated, userSaved, userDeleted, accountSaved, passwordChanged
    case periodClosing
    case invalidInput, conflict, forbidden, notFound, failed

    var key: String { "notice." + rawValue }
}

/// A field error from the service (problem+json `errors`).
public struct PortalFieldError: Sendable {
    public var field: String
    public var message: String
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// A form sent back after a refusal: which form, what the user typed (so
/// nothing is retyped; passwords are never echoed) and the field errors.
public struct PortalFormState: Sendable {
    public var form: PortalFormName
    public var values: [String: String]
    public var errors: [PortalFieldError]
    public init(form: PortalFormName, values: [String: String], errors: [PortalFieldError]) {
        self.form = form
        self.values = values
        self.errors = errors
    }
}

/// The portal's forms, by name (see docs/portal.md for fields and targets).
public enum PortalFormName: String, Sendable, CaseIterable {
    case login, upload, dispute, disputeAccept, disputeReject, payment, walletTopup, directDebit
    case settings, userCreate, userEdit, account, password
}

/// Everything a page needs besides its own data.
public struct PortalContext: Sendable {
    public var language: PortalLanguage
    /// nil on the login page and on error pages shown before sign-in.
    public var viewer: PortalViewer?
    public var scope: PortalScope
    /// The session's CSRF token, put in every POST form.
    public var csrfToken: String
    public var today: CivilDate
    public var notice: PortalNotice?
    public var form: PortalFormState?

    public init(language: PortalLanguage, viewer: PortalViewer?, scope: PortalScope = PortalScope(), csrfToken: String, today: CivilDate,
                notice: PortalNotice? = nil, form: PortalFormState? = nil) {
        self.language = language
        self.viewer = viewer
        self.scope = scope
        self.csrfToken = csrfToken
        self.today = today
        self.notice = notice
        self.form = form
    }

    var abilities: PortalAbilities { viewer?.abilities ?? PortalAbilities(kind: nil, role: .viewer) }

    /// The value to show in a field of `form`: what the user typed if this
    /// form came back refused, else `fallback`.
    func value(_ form: PortalFormName, _ field: String, _ fallback: String = "") -> String {
        guard let state = self.form, state.form == form else { return fallback }
        return state.values[field] ?? fallback
    }

    func errors(_ form: PortalFormName, _ field: String) -> [String] {
        guard let state = self.form, state.form == form else { return [] }
        return state.errors.filter { $0.field == field }.map(\.message)
    }
}
