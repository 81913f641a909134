/// Who is asking: a signed-in, enabled user as authorization sees it.
/// Built by the service from the user record behind a valid token, for
/// each request (so a role change counts from the next request on).
public struct Principal: Sendable, Hashable {
    public var username: String
    public var company: CompanyID
    public var role: Role
    public var operations: OperationScope

    public init(username: String, company: CompanyID, role: Role, operations: OperationScope = .all) {
        self.username = username
        self.company = company
        self.role = role
        self.operations = operations
    }

    /// The role that counts. A role the company's kind may not give
    /// (refused with 422 when a user is made, so only a hand-made record
    /// could carry one) grants no more than `viewer`.
    public var effectiveRole: Role { role.isAllowed(in: company.kind) ? role : .viewer }

    public var isOperatorAdmin: Bool { company == .cass && effectiveRole == .admin }

    /// Whether it acts for `other`: its own company; for a group, also
    /// every agent company whose code carries the group's IATA code; for
    /// `cass`, every company.
    public func actsFor(_ other: CompanyID) -> Bool {
        switch company {
        case .cass: return true
        case .airline, .agent: return other == company
        case .agentGroup(let iata): return other == company || other.groupIATA == iata
        }
    }

    /// Whether objects of this operation are within its operations.
    public func reaches(country: String) -> Bool { operations.contains(country) }

    /// Whether a company's own objects (its users, its settings) are in
    /// reach: it acts for the company and, for an agent company, which
    /// lives in one operation, that operation is one of its operations.
    public func reaches(company other: CompanyID) -> Bool {
        actsFor(other) && (other.country.map(reaches(country:)) ?? true)
    }

    func isSelf(username: String, company: CompanyID) -> Bool {
        username == self.username && company == self.company
    }
}
