import CASSDomain

/// A user's role (portal.md, Roles).
public enum PortalRole: String, Sendable, CaseIterable {
    case viewer, input, output, admin
}

/// What kind of company a company id names.
public enum PortalCompanyKind: Sendable, Equatable {
    case cassOperator, airline, agent, agentGroup

    /// `cass`, `airline-PPP`, `agent-CC-AAAAAAAAAAA`, `agent-group-AAAAAAA`; nil otherwise.
    public init?(companyID id: String) {
        let b = Array(id.utf8)
        func digits(_ slice: ArraySlice<UInt8>) -> Bool { slice.allSatisfy(PortalID.isDigit) }
        if id == "cass" { self = .cassOperator; return }
        if id.hasPrefix("airline-"), b.count == 11, digits(b[8...]) { self = .airline; return }
        if id.hasPrefix("agent-group-"), b.count == 19, digits(b[12...]) { self = .agentGroup; return }
        if id.hasPrefix("agent-"), b.count == 20, b[6...7].allSatisfy(PortalID.isUpper), b[8] == 45, digits(b[9...]) {
            self = .agent; return
        }
        return nil
    }

    public var isAgentSide: Bool { self == .agent || self == .agentGroup }
}

/// The signed-in user, as the page needs it.
public struct PortalViewer: Sendable {
    public var username: String
    public var name: String
    public var company: String
    public var companyName: String
    public var role: PortalRole
    public var operations: [String]

    public init(username: String, name: String, company: String, companyName: String = "", role: PortalRole, operations: [String] = ["*"]) {
        self.username = username
        self.name = name
        self.company = company
        self.companyName = companyName
        self.role = role
        self.operations = operations
    }

    public var kind: PortalCompanyKind? { PortalCompanyKind(companyID: company) }

    /// What the pages offer this user. The server checks every request
    /// again (CASSAccess); this only decides which controls to show.
    public var abilities: PortalAbilities { PortalAbilities(kind: kind, role: role) }
}

/// Which controls a page shows, from company kind and role (portal.md, Roles).
public struct PortalAbilities: Sendable, Equatable {
    public let kind: PortalCompanyKind?
    public let role: PortalRole

    var isCassAdmin: Bool { kind == .cassOperator && role == .admin }
    var isAirline: Bool { kind == .airline }
    var isAgentSide: Bool { kind?.isAgentSide == true }

    public var uploadsFiles: Bool { (isAirline && (role == .input || role == .admin)) || isCassAdmin }
    public var withdrawsFiles: Bool { uploadsFiles }
    public var downloadsFiles: Bool { uploadsFiles }
    public var downloadsDocuments: Bool { (isAgentSide && (role == .output || role == .admin)) || kind == .cassOperator }
    public var raisesDisputes: Bool { isAgentSide && (role == .output || role == .admin) }
    public var recordsPayments: Bool { (isAgentSide && (role == .output || role == .admin)) || isCassAdmin }
    public var topsUpWallet: Bool { isAgentSide && (role == .output || role == .admin) }
    public var managesUsers: Bool { role == .admin && kind != nil }
    public var editsSettings: Bool { role == .admin && kind != nil }
    public var closesPeriods: Bool { isCassAdmin }

    /// Answers a dispute in this state: the AWB's airline while open, the
    /// `cass` admin once escalated.
    public func answersDispute(status: String) -> Bool {
        if isCassAdmin { return status == "escalated" || status == "open" }
        return isAirline && (role == .input || role == .admin) && status == "open"
    }

    public func withdrawsDispute(status: String) -> Bool { raisesDisputes && status == "open" }

    /// The pages of the main navigation, in the order this user needs them.
    public var navigation: [PortalSection] {
        var items: [PortalSection]
        switch kind {
        case .cassOperator?: items = [.statistics, .periods, .files, .invoices, .disputes, .payments, .risk]
        case .airline?: items = [.files, .disputes, .statistics]
        case .agent?, .agentGroup?: items = [.invoices, .payments, .disputes, .risk, .statistics]
        case nil: items = []
        }
        if managesUsers { items.append(.users) }
        if editsSettings { items.append(.settings) }
        return items
    }

    /// Where `/` sends this user: the first thing they do.
    public var home: PortalHref { navigation.first?.href ?? .account }
}

/// The portal's sections (one per page of the navigation).
public enum PortalSection: String, Sendable, CaseIterable {
    case files, invoices, disputes, payments, risk, statistics, periods, users, settings, account

    public var href: PortalHref {
        switch self {
        case .files: .files
        case .invoices: .invoices
        case .disputes: .disputes
        case .payments: .payments
        case .risk: .risk
        case .statistics: .statistics
        case .periods: .periods
        case .users: .users
        case .settings: .settings
        case .account: .account
        }
    }

    var titleKey: String { "nav." + rawValue }
}
