import CASSDomain

/// What applying a record tells the world: the events of portal.md
/// ("dispute.*", "payment.recorded", "invoice.overdue", "risk.flagged"),
/// and the dispute memos the pipeline must bill.
public struct Applied: Sendable, Hashable {
    public var events: [AccountsEvent] = []
    public var memos: [DisputeMemo] = []

    public init(events: [AccountsEvent] = [], memos: [DisputeMemo] = []) {
        self.events = events
        self.memos = memos
    }
}

public enum AccountsEventType: String, Sendable, Hashable, Codable, CaseIterable {
    case disputeRaised = "dispute.raised"
    case disputeAccepted = "dispute.accepted"
    case disputeRejected = "dispute.rejected"
    case disputeWithdrawn = "dispute.withdrawn"
    case disputeEscalated = "dispute.escalated"
    case paymentRecorded = "payment.recorded"
    case invoiceOverdue = "invoice.overdue"
    case riskFlagged = "risk.flagged"
}

/// One event, ready for an envelope: the service adds the CloudEvents
/// attributes (`type` prefixed `org.opencass.`, `source` from `country`,
/// `time`) and writes `data` as the payload.
public struct AccountsEvent: Sendable, Hashable, Encodable {
    public var type: AccountsEventType
    /// Stable for the fact it reports: replaying the records gives the same
    /// ids, so consumers deduplicate by it.
    public var id: String
    public var country: String
    /// The dispute id, invoice number or agent company it is about.
    public var subject: String
    /// The business day it happened.
    public var on: CivilDate
    public var data: AccountsEventData

    public init(type: AccountsEventType, id: String, country: String, subject: String, on: CivilDate, data: AccountsEventData) {
        self.type = type
        self.id = id
        self.country = country
        self.subject = subject
        self.on = on
        self.data = data
    }
}

/// The payload of an event: encodes as the value it holds.
public enum AccountsEventData: Sendable, Hashable, Encodable {
    case dispute(Dispute)
    case payment(PaymentNotice)
    case overdue(OverdueNotice)
    case risk(RiskFlag)

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .dispute(let value): try value.encode(to: encoder)
        case .payment(let value): try value.encode(to: encoder)
        case .overdue(let value): try value.encode(to: encoder)
        case .risk(let value): try value.encode(to: encoder)
        }
    }
}

/// `payment.recorded`: the payment and where the invoice stands after it.
public struct PaymentNotice: Sendable, Hashable, Codable {
    public var invoice: String
    public var country: String
    @AgentCodeText public var agent: Int64
    public var id: String
    public var amountMinor: Int64
    public var method: PaymentMethod
    public var date: CivilDate
    public var reference: String
    public var totalMinor: Int64
    public var paidMinor: Int64
    public var outstandingMinor: Int64
    /// As of the day it was recorded.
    public var status: InvoiceStatus

    public init(invoice: String, country: String, agent: Int64, id: String, amountMinor: Int64, method: PaymentMethod, date: CivilDate, reference: String,
                totalMinor: Int64, paidMinor: Int64, outstandingMinor: Int64, status: InvoiceStatus) {
        self.invoice = invoice
        self.country = country
        self.agent = agent
        self.id = id
        self.amountMinor = amountMinor
        self.method = method
        self.date = date
        self.reference = reference
        self.totalMinor = totalMinor
        self.paidMinor = paidMinor
        self.outstandingMinor = outstandingMinor
        self.status = status
    }
}

/// `invoice.overdue`: once per invoice, the day after its remittance date.
public struct OverdueNotice: Sendable, Hashable, Codable {
    public var invoice: String
    public var country: String
    @AgentCodeText public var agent: Int64
    public var remittanceDate: CivilDate
    public var totalMinor: Int64
    public var paidMinor: Int64
    public var outstandingMinor: Int64

    public init(invoice: String, country: String, agent: Int64, remittanceDate: CivilDate, totalMinor: Int64, paidMinor: Int64, outstandingMinor: Int64) {
        self.invoice = invoice
        self.country = country
        self.agent = agent
        self.remittanceDate = remittanceDate
        self.totalMinor = totalMinor
        self.paidMinor = paidMinor
        self.outstandingMinor = outstandingMinor
    }
}

/// `risk.flagged`: the agent's figures, and the grade it had before.
public struct RiskFlag: Sendable, Hashable, Encodable {
    public var row: RiskRow
    public var previousGrade: RiskGrade?

    public init(row: RiskRow, previousGrade: RiskGrade?) {
        self.row = row
        self.previousGrade = previousGrade
    }

    enum CodingKeys: String, CodingKey { case previousGrade }

    /// The row's fields, then `previousGrade` (null before any).
    public func encode(to encoder: any Encoder) throws {
        try row.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(previousGrade, forKey: .previousGrade)
    }
}
