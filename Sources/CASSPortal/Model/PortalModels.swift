import CASSDomain

// View models: the API's JSON shapes (portal.md, "Shapes every answer
// shares") as Swift values, plus the few things a page needs that a JSON
// item does not carry (a currency next to an amount, whether a file may be
// withdrawn now). The service fills them; the renderers only read them.

/// A page of a list: `{"items": [...], "next": CURSOR or null}`.
public struct PortalList<Item: Sendable>: Sendable {
    public var items: [Item]
    public var next: String?
    public init(items: [Item], next: String? = nil) {
        self.items = items
        self.next = next
    }
}

/// An operation: `{"country", "currency", "name"}`.
public struct PortalOperation: Sendable, Hashable {
    public var country: String
    public var currency: String
    public var name: String
    public init(country: String, currency: String, name: String) {
        self.country = country
        self.currency = currency
        self.name = name
    }
}

/// A billing file (`GET /api/v1/files/{id}`).
public struct PortalFile: Sendable {
    public var id: String
    public var name: String
    public var airline: String
    public var country: String
    public var period: String
    public var fileSequence: Int?
    /// `received`, `accepted`, `rejected`, `withdrawn`.
    public var status: String
    public var records: Int
    public var accepted: Int
    public var rejected: Int
    public var fileCode: String?
    public var submittedBy: String
    public var submittedAt: PortalInstant?
    /// Whether the withdraw button is offered: accepted, in an open period.
    /// The server still answers 409 when a later record depends on it.
    public var withdrawable: Bool

    public init(id: String, name: String, airline: String, country: String, period: String, fileSequence: Int?, status: String,
                records: Int, accepted: Int, rejected: Int, fileCode: String?, submittedBy: String, submittedAt: PortalInstant?,
                withdrawable: Bool? = nil) {
        self.id = id
        self.name = name
        self.airline = airline
        self.country = country
        self.period = period
        self.fileSequence = fileSequence
        self.status = status
        self.records = records
        self.accepted = accepted
        self.rejected = rejected
        self.fileCode = fileCode
        self.submittedBy = submittedBy
        self.submittedAt = submittedAt
        self.withdrawable = withdrawable ?? (status == "accepted")
    }
}

/// A row of a file's rejection report (`GET /api/v1/files/{id}/rejections`):
/// rejections.csv's columns plus `field` and `message`.
public struct PortalRejection: Sendable {
    public var file: String
    public var airline: String
    public var country: String
    public var period: String
    /// 0 for a file-level error.
    public var sequence: Int
    public var code: String
    public var awb: String
    public var field: String
    public var message: String

    public init(file: String, airline: String, country: String, period: String, sequence: Int, code: String, awb: String, field: String, message: String) {
        self.file = file
        self.airline = airline
        self.country = country
        self.period = period
        self.sequence = sequence
        self.code = code
        self.awb = awb
        self.field = field
        self.message = message
    }
}

/// What `POST /api/v1/files/validate` answers.
public struct PortalValidation: Sendable {
    public var name: String
    public var fileCode: String?
    public var records: Int
    public var accepted: Int
    public var rejections: [PortalRejection]
    public init(name: String, fileCode: String?, records: Int, accepted: Int, rejections: [PortalRejection]) {
        self.name = name
        self.fileCode = fileCode
        self.records = records
        self.accepted = accepted
        self.rejections = rejections
    }
}

/// An invoice list item.
public struct PortalInvoiceSummary: Sendable {
    public var number: String
    public var country: String
    public var period: String
    public var agent: String
    public var currency: String
    public var totalMinor: Int64
    /// `open`, `partly-paid`, `paid`, `overdue`, `default`, `credit`.
    public var status: String
    public var paidMinor: Int64
    public var outstandingMinor: Int64

    public init(number: String, country: String, period: String, agent: String, currency: String, totalMinor: Int64, status: String, paidMinor: Int64, outstandingMinor: Int64) {
        self.number = number
        self.country = country
        self.period = period
        self.agent = agent
        self.currency = currency
        self.totalMinor = totalMinor
        self.status = status
        self.paidMinor = paidMinor
        self.outstandingMinor = outstandingMinor
    }
}

/// Totals of a list across the whole scope (not only the page shown), per
/// currency: amounts in different currencies are never added.
public struct PortalCurrencyTotals: Sendable {
    public var currency: String
    public var count: Int
    public var totalMinor: Int64
    public var paidMinor: Int64
    public var outstandingMinor: Int64
    public init(currency: String, count: Int, totalMinor: Int64, paidMinor: Int64, outstandingMinor: Int64) {
        self.currency = currency
        self.count = count
        self.totalMinor = totalMinor
        self.paidMinor = paidMinor
        self.outstandingMinor = outstandingMinor
    }
}

/// A line of an invoice section: at least `awb` and `amountMinor`.
public struct PortalInvoiceLine: Sendable {
    public var awb: String
    public var amountMinor: Int64
    /// The transaction (`AWB`, `CCA`, `DCM`, `CCM`...), when known.
    public var transaction: String?
    public var issueDate: CivilDate?
    public var origin: String?
    public var destination: String?
    public init(awb: String, amountMinor: Int64, transaction: String? = nil, issueDate: CivilDate? = nil, origin: String? = nil, destination: String? = nil) {
        self.awb = awb
        self.amountMinor = amountMinor
        self.transaction = transaction
        self.issueDate = issueDate
        self.origin = origin
        self.destination = destination
    }
}

public struct PortalInvoiceSection: Sendable {
    public var airline: String
    public var airlineName: String?
    public var lines: [PortalInvoiceLine]
    public var totalMinor: Int64?
    public init(airline: String, airlineName: String? = nil, lines: [PortalInvoiceLine], totalMinor: Int64? = nil) {
        self.airline = airline
        self.airlineName = airlineName
        self.lines = lines
        self.totalMinor = totalMinor
    }
}

/// A payment: `{"amountMinor", "method", "date", "reference"}` (with the
/// invoice and currency when listed outside an invoice).
public struct PortalPayment: Sendable {
    public var invoice: String
    public var currency: String
    public var amountMinor: Int64
    /// `bank-transfer`, `direct-debit`, `card`, `wallet`, `credit`.
    public var method: String
    public var date: CivilDate
    public var reference: String
    public init(invoice: String, currency: String, amountMinor: Int64, method: String, date: CivilDate, reference: String) {
        self.invoice = invoice
        self.currency = currency
        self.amountMinor = amountMinor
        self.method = method
        self.date = date
        self.reference = reference
    }
}

/// An invoice in full.
public struct PortalInvoice: Sendable {
    public var summary: PortalInvoiceSummary
    public var agentName: String?
    public var invoiceDate: CivilDate
    public var remittanceDate: CivilDate
    public var sections: [PortalInvoiceSection]
    public var payments: [PortalPayment]
    public var disputes: [PortalDispute]
    /// The last day a dispute may be raised (invoice date + `dispute_days`);
    /// nil when unknown (the form is then offered and the server decides).
    public var disputeDeadline: CivilDate?

    public init(summary: PortalInvoiceSummary, agentName: String? = nil, invoiceDate: CivilDate, remittanceDate: CivilDate, sections: [PortalInvoiceSection],
                payments: [PortalPayment], disputes: [PortalDispute], disputeDeadline: CivilDate? = nil) {
        self.summary = summary
        self.agentName = agentName
        self.invoiceDate = invoiceDate
        self.remittanceDate = remittanceDate
        self.sections = sections
        self.payments = payments
        self.disputes = disputes
        self.disputeDeadline = disputeDeadline
    }
}

/// A step of a dispute's history: `{"at", "by", "action", "amountMinor", "reason"}`.
public struct PortalDisputeStep: Sendable {
    public var at: PortalInstant
    public var by: String
    /// `raised`, `accepted`, `rejected`, `withdrawn`, `escalated`.
    public var action: String
    public var amountMinor: Int64?
    public var reason: String?
    public init(at: PortalInstant, by: String, action: String, amountMinor: Int64?, reason: String?) {
        self.at = at
        self.by = by
        self.action = action
        self.amountMinor = amountMinor
        self.reason = reason
    }
}

/// A dispute (with the invoice's currency, which the JSON leaves to the invoice).
public struct PortalDispute: Sendable {
    public var id: String
    public var invoice: String
    public var awb: String
    public var agent: String
    public var airline: String
    public var currency: String
    public var amountMinor: Int64
    public var acceptedMinor: Int64?
    /// `open`, `accepted`, `rejected`, `withdrawn`, `escalated`.
    public var status: String
    public var reason: String
    public var history: [PortalDisputeStep]
    public init(id: String, invoice: String, awb: String, agent: String, airline: String, currency: String, amountMinor: Int64,
                acceptedMinor: Int64?, status: String, reason: String, history: [PortalDisputeStep]) {
        self.id = id
        self.invoice = invoice
        self.awb = awb
        self.agent = agent
        self.airline = airline
        self.currency = currency
        self.amountMinor = amountMinor
        self.acceptedMinor = acceptedMinor
        self.status = status
        self.reason = reason
        self.history = history
    }
}

/// A wallet balance in one operation (`GET /api/v1/wallet`).
public struct PortalWalletBalance: Sendable {
    public var country: String
    public var currency: String
    public var balanceMinor: Int64
    /// The agent's credit in that operation (overpayments), when known.
    public var creditMinor: Int64?
    public init(country: String, currency: String, balanceMinor: Int64, creditMinor: Int64? = nil) {
        self.country = country
        self.currency = currency
        self.balanceMinor = balanceMinor
        self.creditMinor = creditMinor
    }
}

/// A risk item: `{"country", "agent", "exposureMinor", "guaranteeMinor",
/// "ratioPercent", "delayDays", "grade"}`.
public struct PortalRiskItem: Sendable {
    public var country: String
    public var agent: String
    public var agentName: String?
    public var currency: String
    public var exposureMinor: Int64
    public var guaranteeMinor: Int64
    /// The ratio in tenths of a percent (`ratioPercent` × 10: 85.3 % is 853);
    /// nil when infinite (no guarantee, positive exposure).
    public var ratioTenthsPercent: Int64?
    public var delayDays: Int
    /// `A`, `B`, `C`, `D`.
    public var grade: String
    public init(country: String, agent: String, agentName: String? = nil, currency: String, exposureMinor: Int64, guaranteeMinor: Int64,
                ratioTenthsPercent: Int64?, delayDays: Int, grade: String) {
        self.country = country
        self.agent = agent
        self.agentName = agentName
        self.currency = currency
        self.exposureMinor = exposureMinor
        self.guaranteeMinor = guaranteeMinor
        self.ratioTenthsPercent = ratioTenthsPercent
        self.delayDays = delayDays
        self.grade = grade
    }
}

/// A user (never a password or its hash).
public struct PortalUser: Sendable {
    public var username: String
    public var company: String
    public var role: PortalRole
    public var name: String
    public var email: String
    public var language: String
    public var operations: [String]
    public var disabled: Bool
    public init(username: String, company: String, role: PortalRole, name: String, email: String, language: String, operations: [String], disabled: Bool) {
        self.username = username
        self.company = company
        self.role = role
        self.name = name
        self.email = email
        self.language = language
        self.operations = operations
        self.disabled = disabled
    }
}

/// A webhook of the settings.
public struct PortalWebhook: Sendable {
    public var url: String
    public var secret: String
    public init(url: String, secret: String) {
        self.url = url
        self.secret = secret
    }
}

/// A company's settings (`GET /api/v1/settings`).
public struct PortalSettings: Sendable {
    public var company: String
    public var language: String
    public var formats: [String]
    public var distribution: [String]
    public var webhooks: [PortalWebhook]
    public var emails: [String]
    /// Agents only; nil for other companies.
    public var directDebit: Bool?
    public init(company: String, language: String, formats: [String], distribution: [String], webhooks: [PortalWebhook], emails: [String], directDebit: Bool?) {
        self.company = company
        self.language = language
        self.formats = formats
        self.distribution = distribution
        self.webhooks = webhooks
        self.emails = emails
        self.directDebit = directDebit
    }
}

/// An operation's period (`GET /api/v1/operations/{country}/periods`).
public struct PortalPeriod: Sendable {
    public var period: String
    /// `open`, `closing`, `closed`.
    public var status: String
    public var files: Int
    public var records: Int
    public var invoices: Int
    public init(period: String, status: String, files: Int, records: Int, invoices: Int) {
        self.period = period
        self.status = status
        self.files = files
        self.records = records
        self.invoices = invoices
    }
}

public struct PortalOperationPeriods: Sendable {
    public var operation: PortalOperation
    public var periods: [PortalPeriod]
    public init(operation: PortalOperation, periods: [PortalPeriod]) {
        self.operation = operation
        self.periods = periods
    }
}
