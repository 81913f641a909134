/// Which side of CASS takes a step. Authorization (the service) decides
/// whether a user may act for a company; the engine needs only the side, for
/// the rules that depend on the object's state (an escalated dispute is the
/// operator's to answer).
public enum Party: String, Sendable, Hashable, Codable, CaseIterable {
    case agent, airline, `operator`
    /// Steps nobody asked for: escalations, collections, credit applied.
    case system
}

public enum DisputeStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case open, escalated, accepted, rejected, withdrawn

    /// Open and escalated disputes are unresolved: both count for "one open
    /// dispute per invoice and AWB", and both may be withdrawn.
    public var isUnresolved: Bool { self == .open || self == .escalated }
}

public enum PaymentMethod: String, Sendable, Hashable, Codable, CaseIterable {
    case bankTransfer = "bank-transfer"
    case directDebit = "direct-debit"
    case card
    case wallet
    /// Credit from an earlier overpayment, applied by the engine.
    case credit

    /// What a user may record (`credit` is the engine's own).
    public static let recordable: [PaymentMethod] = [.bankTransfer, .directDebit, .card, .wallet]

    /// Money that comes from outside the agent's balances with CASS (the
    /// wallet and credit only move money already received).
    var bringsMoneyIn: Bool { self == .bankTransfer || self == .directDebit || self == .card }
}

public enum InvoiceStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case open
    case partlyPaid = "partly-paid"
    case paid
    case overdue
    case `default`
    /// A total of zero or less: nothing to pay.
    case credit
}

public enum RiskGrade: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
    case A, B, C, D

    public static func < (lhs: RiskGrade, rhs: RiskGrade) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Grades that raise `risk.flagged` when an agent reaches them.
    public var isFlagged: Bool { self == .C || self == .D }
}
