import CASSDomain

/// Everything that changes the accounts, as records the service writes to a
/// topic and every view replays in order. JSON (`Codable`): an object whose
/// `type` names the record, beside the fields of its payload, for instance
/// `{"type":"payment.record","id":"p-1","invoice":"GB2026000001",...}`.
///
/// Records carry every input their rules need (the day they were asked for,
/// the operation's terms with the invoice), so replaying them rebuilds the
/// same state and the same outputs. All of an installation's accounts
/// records belong on one partition (one total order): credit and wallets
/// span invoices, and disputes span periods.
public enum AccountsRecord: Sendable, Hashable, Codable {
    /// The pipeline issued an invoice (fed in invoice-date, then number order).
    case invoiceIssued(IssuedInvoice)
    /// A period's close was asked for: memos go to a later period from now on.
    case periodClosed(OperationPeriod)
    case disputeRaise(RaiseDispute)
    case disputeAccept(AcceptDispute)
    case disputeReject(RejectDispute)
    case disputeWithdraw(WithdrawDispute)
    case paymentRecord(RecordPayment)
    case walletTopUp(TopUpWallet)
    case directDebitSet(SetDirectDebit)
    /// Something due on a date, done once today has reached it.
    case scheduled(ScheduledAction)
    /// A risk assessment whose grade differs from the last one recorded.
    case riskAssessed(RiskAssessment)

    public var type: String {
        switch self {
        case .invoiceIssued: "invoice.issued"
        case .periodClosed: "period.closed"
        case .disputeRaise: "dispute.raise"
        case .disputeAccept: "dispute.accept"
        case .disputeReject: "dispute.reject"
        case .disputeWithdraw: "dispute.withdraw"
        case .paymentRecord: "payment.record"
        case .walletTopUp: "wallet.topup"
        case .directDebitSet: "direct-debit.set"
        case .scheduled: "scheduled"
        case .riskAssessed: "risk.assessed"
        }
    }

    private enum TypeKey: String, CodingKey { case type }

    public init(from decoder: any Decoder) throws {
        let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
        switch type {
        case "invoice.issued": self = .invoiceIssued(try IssuedInvoice(from: decoder))
        case "period.closed": self = .periodClosed(try OperationPeriod(from: decoder))
        case "dispute.raise": self = .disputeRaise(try RaiseDispute(from: decoder))
        case "dispute.accept": self = .disputeAccept(try AcceptDispute(from: decoder))
        case "dispute.reject": self = .disputeReject(try RejectDispute(from: decoder))
        case "dispute.withdraw": self = .disputeWithdraw(try WithdrawDispute(from: decoder))
        case "payment.record": self = .paymentRecord(try RecordPayment(from: decoder))
        case "wallet.topup": self = .walletTopUp(try TopUpWallet(from: decoder))
        case "direct-debit.set": self = .directDebitSet(try SetDirectDebit(from: decoder))
        case "scheduled": self = .scheduled(try ScheduledAction(from: decoder))
        case "risk.assessed": self = .riskAssessed(try RiskAssessment(from: decoder))
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown accounts record type '\(type)'"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: TypeKey.self)
        try container.encode(type, forKey: .type)
        switch self {
        case .invoiceIssued(let value): try value.encode(to: encoder)
        case .periodClosed(let value): try value.encode(to: encoder)
        case .disputeRaise(let value): try value.encode(to: encoder)
        case .disputeAccept(let value): try value.encode(to: encoder)
        case .disputeReject(let value): try value.encode(to: encoder)
        case .disputeWithdraw(let value): try value.encode(to: encoder)
        case .paymentRecord(let value): try value.encode(to: encoder)
        case .walletTopUp(let value): try value.encode(to: encoder)
        case .directDebitSet(let value): try value.encode(to: encoder)
        case .scheduled(let value): try value.encode(to: encoder)
        case .riskAssessed(let value): try value.encode(to: encoder)
        }
    }
}

/// `POST /api/v1/disputes`, by the invoice's agent.
public struct RaiseDispute: Sendable, Hashable, Codable {
    /// Chosen by the service (`DisputeRules.suggestedID` gives a stable one).
    public var id: String
    public var invoice: String
    @AWBKeyText public var awb: AWBKey
    /// Nil: the AWB's whole disputable amount.
    public var amountMinor: Int64?
    public var reason: String
    public var by: String
    /// Today, when it was asked for.
    public var on: CivilDate

    public init(id: String, invoice: String, awb: AWBKey, amountMinor: Int64?, reason: String, by: String, on: CivilDate) {
        self.id = id
        self.invoice = invoice
        self.awb = awb
        self.amountMinor = amountMinor
        self.reason = reason
        self.by = by
        self.on = on
    }
}

/// `POST /api/v1/disputes/{id}/accept`: the airline, or the operator once
/// escalated.
public struct AcceptDispute: Sendable, Hashable, Codable {
    public var dispute: String
    /// Nil: all of the disputed amount.
    public var amountMinor: Int64?
    public var by: String
    public var party: Party
    public var on: CivilDate

    public init(dispute: String, amountMinor: Int64?, by: String, party: Party, on: CivilDate) {
        self.dispute = dispute
        self.amountMinor = amountMinor
        self.by = by
        self.party = party
        self.on = on
    }
}

/// `POST /api/v1/disputes/{id}/reject`: the airline, or the operator once
/// escalated, with a reason.
public struct RejectDispute: Sendable, Hashable, Codable {
    public var dispute: String
    public var reason: String
    public var by: String
    public var party: Party
    public var on: CivilDate

    public init(dispute: String, reason: String, by: String, party: Party, on: CivilDate) {
        self.dispute = dispute
        self.reason = reason
        self.by = by
        self.party = party
        self.on = on
    }
}

/// `POST /api/v1/disputes/{id}/withdraw`: the agent, while unresolved.
public struct WithdrawDispute: Sendable, Hashable, Codable {
    public var dispute: String
    public var by: String
    public var party: Party
    public var on: CivilDate

    public init(dispute: String, by: String, party: Party, on: CivilDate) {
        self.dispute = dispute
        self.by = by
        self.party = party
        self.on = on
    }
}

/// `POST /api/v1/invoices/{number}/payments`: the agent or the operator.
public struct RecordPayment: Sendable, Hashable, Codable {
    /// Chosen by the service, unique per payment: a retried request with the
    /// same id is recognised and applied once.
    public var id: String
    public var invoice: String
    public var amountMinor: Int64
    public var method: PaymentMethod
    public var date: CivilDate
    public var reference: String
    public var by: String
    public var on: CivilDate

    public init(id: String, invoice: String, amountMinor: Int64, method: PaymentMethod, date: CivilDate, reference: String, by: String, on: CivilDate) {
        self.id = id
        self.invoice = invoice
        self.amountMinor = amountMinor
        self.method = method
        self.date = date
        self.reference = reference
        self.by = by
        self.on = on
    }
}

/// `POST /api/v1/wallet/topups`.
public struct TopUpWallet: Sendable, Hashable, Codable {
    public var id: String
    public var account: AccountKey
    public var amountMinor: Int64
    public var reference: String
    public var by: String
    public var on: CivilDate

    public init(id: String, account: AccountKey, amountMinor: Int64, reference: String, by: String, on: CivilDate) {
        self.id = id
        self.account = account
        self.amountMinor = amountMinor
        self.reference = reference
        self.by = by
        self.on = on
    }
}

/// The agent's `directDebit` setting, each time it changes. The service
/// writes it on the accounts topic (not only in its settings), so that it
/// stands in one order with the collections it governs.
public struct SetDirectDebit: Sendable, Hashable, Codable {
    /// Unique per change: a copy of the record appearing later in the log
    /// (a retried write) is recognised instead of undoing a newer change.
    public var id: String
    public var account: AccountKey
    public var enabled: Bool
    public var on: CivilDate

    public init(id: String, account: AccountKey, enabled: Bool, on: CivilDate) {
        self.id = id
        self.account = account
        self.enabled = enabled
        self.on = on
    }
}

/// An action due on a date: collect an invoice on its remittance date
/// (wallet, then direct debit), check it for `invoice.overdue` the day
/// after, escalate an unanswered dispute. Its `key` names what it acts on,
/// so a second record of the same action (a restart on the same day)
/// changes nothing.
public struct ScheduledAction: Sendable, Hashable, Codable, Comparable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case collect, overdue, escalate

        /// Within one date: collections first, so that the overdue check
        /// sees what the wallet or direct debit paid.
        var rank: Int {
            switch self {
            case .collect: 0
            case .overdue: 1
            case .escalate: 2
            }
        }
    }

    public var kind: Kind
    /// The invoice number (collect, overdue) or the dispute id (escalate).
    public var subject: String
    /// The day it is due, and the date of what it does.
    public var date: CivilDate

    public init(kind: Kind, subject: String, date: CivilDate) {
        self.kind = kind
        self.subject = subject
        self.date = date
    }

    public var key: String { "\(kind.rawValue):\(subject)" }

    public static func < (lhs: ScheduledAction, rhs: ScheduledAction) -> Bool {
        (lhs.date, lhs.kind.rank, lhs.subject) < (rhs.date, rhs.kind.rank, rhs.subject)
    }
}

/// An agent's risk figures whose grade differs from the grade last recorded.
public struct RiskAssessment: Sendable, Hashable, Codable {
    public var row: RiskRow
    public var on: CivilDate
    /// The agent's grade changes so far, this one included (1 for the first
    /// assessment): a copy of the record appearing later in the log is
    /// recognised instead of putting an old grade back.
    public var sequence: Int

    public init(row: RiskRow, on: CivilDate, sequence: Int) {
        self.row = row
        self.on = on
        self.sequence = sequence
    }
}

/// An AWB coded as `PPP-SSSSSSSS`.
@propertyWrapper
public struct AWBKeyText: Hashable, Sendable, Codable {
    public var wrappedValue: AWBKey

    public init(wrappedValue: AWBKey) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let key = AWBText.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an AWB PPP-SSSSSSSS: \(text)"))
        }
        wrappedValue = key
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.description)
    }
}
