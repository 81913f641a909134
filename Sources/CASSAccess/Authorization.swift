/// The answer of authorization: go on, or the status the request gets.
public enum Decision: String, Sendable, Hashable, CaseIterable {
    case allow
    /// 403: the object is within reach, the role lacks the right.
    case forbidden
    /// 404: the object is another company's or outside the user's
    /// operations, answered exactly as a missing one.
    case notFound

    /// The HTTP status of a refusal; nil for `allow`.
    public var status: Int? {
        switch self {
        case .allow: return nil
        case .forbidden: return 403
        case .notFound: return 404
        }
    }
}

/// Who may do what, on what: the one function every request goes through.
///
/// The order is the spec's: an object out of reach is 404 whatever the
/// role (so existence never leaks), then a role without the right is 403.
/// Two kinds of refusal come before reach: actions a company kind never
/// has (risk for airlines, the audit trail and reference data for anyone
/// but the `cass` admin), and creations, where a target out of reach is
/// 403 because nothing exists there to hide.
public func authorize(_ principal: Principal, _ action: Action, _ object: Resource) -> Decision {
    let kind = principal.company.kind
    let role = principal.effectiveRole
    let operatorAdmin = principal.isOperatorAdmin
    let airlineWriter = kind == .airline && (role == .input || role == .admin)
    let agentWriter = (kind == .agent || kind == .agentGroup) && (role == .output || role == .admin)
    func rule(_ granted: Bool) -> Decision { granted ? .allow : .forbidden }

    switch action {
    case .readAudit, .manageReference:
        guard object == .collection else { return .notFound }
        return rule(operatorAdmin)
    case .readRisk where kind == .airline:
        return .forbidden
    default:
        break
    }

    guard let reach = reach(principal, object) else { return .notFound }
    if action.creates {
        switch (action, object) {
        case (.uploadFile, .collection), (.uploadFile, .billingFile), (.validateFile, .collection), (.validateFile, .billingFile):
            return rule(reach && (airlineWriter || operatorAdmin))
        case (.createUser, .collection), (.createUser, .company):
            return rule(reach && role == .admin)
        default:
            return .notFound
        }
    }
    guard reach else { return .notFound }

    switch (action, object) {
    // Reading: whoever sees the object (lists: everyone, filtered by item).
    case (.readOperations, .collection), (.readOperations, .operation),
         (.readFile, .collection), (.readFile, .billingFile),
         (.readSettlement, .collection), (.readSettlement, .settlement),
         (.readReports, .collection), (.readStatistics, .collection), (.readEvents, .collection),
         (.readInvoice, .collection), (.readInvoice, .invoice),
         (.readDispute, .collection), (.readDispute, .dispute),
         (.readWallet, .collection), (.readWallet, .wallet),
         (.readRisk, .collection), (.readRisk, .risk):
        return .allow

    case (.closePeriod, .operation):
        return rule(operatorAdmin)

    case (.withdrawFile, .billingFile), (.downloadFileContent, .billingFile):
        return rule(airlineWriter || operatorAdmin)

    case (.downloadInvoiceDocument, .invoice), (.recordPayment, .invoice), (.topUpWallet, .wallet):
        return rule(agentWriter || operatorAdmin)

    case (.raiseDispute, .invoice), (.withdrawDispute, .dispute):
        // The agent's own step: the operator arbitrates, it does not
        // dispute on an agent's behalf.
        return rule(agentWriter)

    case (.answerDispute, .dispute(_, _, let escalated)):
        // Once escalated, only the operator answers; before, only the
        // AWB's airline.
        return rule(escalated ? operatorAdmin : airlineWriter)

    case (.readSettings, .company), (.manageSettings, .company), (.listUsers, .collection),
         (.updateUser, .user), (.deleteUser, .user):
        return rule(role == .admin)

    case (.readUser, .user(let username, let company)), (.updateOwnProfile, .user(let username, let company)),
         (.putSSHKeys, .user(let username, let company)):
        return rule(principal.isSelf(username: username, company: company) || role == .admin)

    default:
        // An action asked on an object it does not apply to: a caller's
        // mistake, refused like a missing object.
        return .notFound
    }
}

/// Whether the object is within the principal's reach (its company, a
/// group's members, everything for `cass`; within its operations); nil
/// when the object cannot be judged (a malformed description).
private func reach(_ principal: Principal, _ object: Resource) -> Bool? {
    switch object {
    case .collection:
        return true
    case .operation(let country):
        return principal.reaches(country: country)
    case .billingFile(let airline, let country), .settlement(let airline, let country):
        guard airline.kind == .airline else { return nil }
        return principal.actsFor(airline) && principal.reaches(country: country)
    case .invoice(let agent), .wallet(let agent), .risk(let agent):
        guard let country = agent.country else { return nil }
        return principal.actsFor(agent) && principal.reaches(country: country)
    case .dispute(let agent, let airline, _):
        guard let country = agent.country, airline.kind == .airline else { return nil }
        return (principal.actsFor(agent) || principal.actsFor(airline)) && principal.reaches(country: country)
    case .company(let company):
        return principal.reaches(company: company)
    case .user(let username, let company):
        return principal.isSelf(username: username, company: company) || principal.reaches(company: company)
    }
}
