/// One role per user; what it may do depends on the role and on the kind
/// of company the user belongs to.
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    case viewer, input, output, admin

    /// The roles a company of this kind may give. `input` is the airline
    /// side's (billing files), `output` the agent side's (invoices); the
    /// operator has readers and administrators only.
    public static func allowed(in kind: CompanyKind) -> [Role] {
        switch kind {
        case .operator: return [.viewer, .admin]
        case .airline: return [.viewer, .input, .admin]
        case .agent, .agentGroup: return [.viewer, .output, .admin]
        }
    }

    public func isAllowed(in kind: CompanyKind) -> Bool { Role.allowed(in: kind).contains(self) }
}
