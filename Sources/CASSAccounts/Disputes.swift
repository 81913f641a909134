import CASSDomain

/// A dispute as both parties see it (portal.md "Shapes every answer
/// shares"), with `country` and, once accepted, the period its memo is
/// billed in.
public struct Dispute: Sendable, Hashable, Codable {
    public var id: String
    public var country: String
    public var invoice: String
    /// `PPP-SSSSSSSS`.
    public var awb: String
    @AgentCodeText public var agent: Int64
    @AirlinePrefixText public var airline: Int32
    public var amountMinor: Int64
    /// What was accepted: 0 until the dispute is accepted.
    public var acceptedMinor: Int64
    public var status: DisputeStatus
    /// The agent's reason for raising it.
    public var reason: String
    public var raisedOn: CivilDate
    /// The first day it is escalated when unanswered.
    public var escalatesOn: CivilDate
    public var memoPeriod: String?
    public var history: [DisputeStep]

    enum CodingKeys: String, CodingKey {
        case id, country, invoice, awb, agent, airline, amountMinor, acceptedMinor, status, reason, raisedOn, escalatesOn, memoPeriod, history
    }

    public init(id: String, country: String, invoice: String, awb: String, agent: Int64, airline: Int32, amountMinor: Int64, acceptedMinor: Int64,
                status: DisputeStatus, reason: String, raisedOn: CivilDate, escalatesOn: CivilDate, memoPeriod: String?, history: [DisputeStep]) {
        self.id = id
        self.country = country
        self.invoice = invoice
        self.awb = awb
        self.agent = agent
        self.airline = airline
        self.amountMinor = amountMinor
        self.acceptedMinor = acceptedMinor
        self.status = status
        self.reason = reason
        self.raisedOn = raisedOn
        self.escalatesOn = escalatesOn
        self.memoPeriod = memoPeriod
        self.history = history
    }

    /// `memoPeriod` is written as null until there is one: every field of the
    /// shape is always present.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(country, forKey: .country)
        try container.encode(invoice, forKey: .invoice)
        try container.encode(awb, forKey: .awb)
        try container.encode(_agent, forKey: .agent)
        try container.encode(_airline, forKey: .airline)
        try container.encode(amountMinor, forKey: .amountMinor)
        try container.encode(acceptedMinor, forKey: .acceptedMinor)
        try container.encode(status, forKey: .status)
        try container.encode(reason, forKey: .reason)
        try container.encode(raisedOn, forKey: .raisedOn)
        try container.encode(escalatesOn, forKey: .escalatesOn)
        try container.encode(memoPeriod, forKey: .memoPeriod)
        try container.encode(history, forKey: .history)
    }
}

/// One step of a dispute's history.
public struct DisputeStep: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable {
        case raised, accepted, rejected, withdrawn, escalated
    }

    /// The day it happened ("today" when it was asked for; for an
    /// escalation, the first day after the answer period).
    public var at: CivilDate
    /// The username, or `system` for an escalation.
    public var by: String
    public var action: Action
    /// Raised: the disputed amount; accepted: the accepted amount; else null.
    public var amountMinor: Int64?
    /// Raised: the agent's reason; rejected: the airline's; else null.
    public var reason: String?

    public init(at: CivilDate, by: String, action: Action, amountMinor: Int64?, reason: String?) {
        self.at = at
        self.by = by
        self.action = action
        self.amountMinor = amountMinor
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey { case at, by, action, amountMinor, reason }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(at, forKey: .at)
        try container.encode(by, forKey: .by)
        try container.encode(action, forKey: .action)
        try container.encode(amountMinor, forKey: .amountMinor)
        try container.encode(reason, forKey: .reason)
    }
}

/// The credit memo an accepted dispute bills: a `CCM` of minus the accepted
/// amount for the AWB, to the invoice's agent, on the AWB's airline's
/// section, reason code `DSP`, in the operation's earliest open period after
/// the disputed invoice's. The service turns it into a billing record of the
/// pipeline; `disputeID` is its identity there, so that replaying the
/// dispute's acceptance never bills it twice.
public struct DisputeMemo: Sendable, Hashable, Codable {
    public static let reasonCode = "DSP"

    public var disputeID: String
    /// The disputed invoice (which itself never changes).
    public var invoice: String
    public var country: String
    @PeriodText public var period: BillingPeriod
    public var currency: String
    @AgentCodeText public var agent: Int64
    @AirlinePrefixText public var airline: Int32
    public var awbSerial: Int32
    /// `PPP-SSSSSSSS`.
    public var awb: String
    /// Negative: minus the accepted amount.
    public var amountMinor: Int64
    public var reasonCode: String
    /// Of the AWB's latest line on the disputed invoice: a memo repeats its
    /// AWB's issue date and route, and its tax follows the AWB's latest
    /// accepted version as for any memo.
    public var issueDate: CivilDate
    public var origin: String
    public var destination: String

    public init(disputeID: String, invoice: String, country: String, period: BillingPeriod, currency: String, agent: Int64, airline: Int32,
                awbSerial: Int32, amountMinor: Int64, issueDate: CivilDate, origin: String, destination: String) {
        self.disputeID = disputeID
        self.invoice = invoice
        self.country = country
        self.period = period
        self.currency = currency
        self.agent = agent
        self.airline = airline
        self.awbSerial = awbSerial
        self.awb = AWBKey(prefix: airline, serial: awbSerial).description
        self.amountMinor = amountMinor
        self.reasonCode = DisputeMemo.reasonCode
        self.issueDate = issueDate
        self.origin = origin
        self.destination = destination
    }
}

/// The rules of a dispute's life that depend only on dates.
public enum DisputeRules {
    /// An open dispute is escalated from this day on: the day after
    /// `dispute_days` have passed since it was raised without an answer.
    public static func escalatesOn(raisedOn: CivilDate, disputeDays: Int) -> CivilDate {
        raisedOn.adding(days: disputeDays + 1)
    }

    /// The status as of `date`: a stored `open` reads as `escalated` once the
    /// escalation day has come, whether or not the scheduler has recorded it.
    public static func status(stored: DisputeStatus, escalatesOn: CivilDate, asOf date: CivilDate) -> DisputeStatus {
        stored == .open && date >= escalatesOn ? .escalated : stored
    }

    /// The earliest period of the operation after `period` that is not
    /// closed: where an accepted dispute's memo is billed.
    public static func memoPeriod(after period: BillingPeriod, country: String, periodsPerMonth: Int,
                                  closed: Set<OperationPeriod>) -> BillingPeriod? {
        var candidate = period.next(periodsPerMonth: periodsPerMonth)
        while let current = candidate, closed.contains(OperationPeriod(country: country, period: current)) {
            candidate = current.next(periodsPerMonth: periodsPerMonth)
        }
        return candidate
    }

    /// A suggested id for the next dispute on an invoice and AWB: stable
    /// (the same state gives the same id) and readable. Two requests that
    /// race for it get the same id, and the second is refused.
    public static func suggestedID(invoice: String, awb: AWBKey, ordinal: Int) -> String {
        "\(invoice)-\(AirlinePrefixText.format(awb.prefix))\(String(repeating: "0", count: max(0, 8 - String(awb.serial).count)))\(awb.serial)-\(ordinal)"
    }
}
