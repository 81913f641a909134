/// What an action is asked on, described by the parties that own it. The
/// service builds it from the object it found (or, for a creation, from the
/// target named in the request).
public enum Resource: Sendable, Hashable {
    /// A route's collection before any item (a list, statistics, reports,
    /// events, the audit trail), or an upload whose content is not read yet.
    case collection
    /// An operation and its periods.
    case operation(country: String)
    /// A billing file: the airline of its header and its operation.
    case billingFile(airline: CompanyID, country: String)
    /// An airline's disbursement rows in an operation.
    case settlement(airline: CompanyID, country: String)
    /// An invoice (with its payments and documents); its operation is the
    /// agent company's.
    case invoice(agent: CompanyID)
    /// A dispute: both parties see it.
    case dispute(agent: CompanyID, airline: CompanyID, escalated: Bool)
    /// An agent's wallet in its operation.
    case wallet(agent: CompanyID)
    /// An agent's risk assessment.
    case risk(agent: CompanyID)
    /// A company itself: its settings, or where a user is to be created.
    case company(CompanyID)
    /// A user.
    case user(username: String, company: CompanyID)
}
