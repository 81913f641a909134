import CASSDomain
import Foundation

/// What the notification stage reacts to. The JSON form (see `jsonBytes`)
/// is what webhooks receive and what dead-letter records keep, so its keys
/// are sorted and never renamed.
public enum NotificationEvent: Sendable, Hashable {
    case invoiceIssued(InvoiceIssued)
    case fileAccepted(FileAccepted)
    case fileRejected(FileRejected)
    case periodClosed(PeriodClosed)

    public struct InvoiceIssued: Sendable, Hashable, Codable {
        public var number: String
        public var country: String
        public var period: BillingPeriod
        /// 11 digits, as `AgentCodeText` writes it.
        public var agentCode: String
        public var totalMinor: Int64
        public var currency: String
        public var minorDigits: Int
        public var dueDate: CivilDate

        public init(number: String, country: String, period: BillingPeriod, agentCode: String, totalMinor: Int64, currency: String, minorDigits: Int, dueDate: CivilDate) {
            self.number = number
            self.country = country
            self.period = period
            self.agentCode = agentCode
            self.totalMinor = totalMinor
            self.currency = currency
            self.minorDigits = minorDigits
            self.dueDate = dueDate
        }

        /// The event for an issued invoice; due on its remittance date.
        public init(invoice: Invoice) {
            self.init(number: invoice.number, country: invoice.country, period: invoice.period, agentCode: invoice.agentCodeText, totalMinor: invoice.total, currency: invoice.currency, minorDigits: invoice.minorDigits, dueDate: invoice.remittanceDate)
        }
    }

    public struct FileAccepted: Sendable, Hashable, Codable {
        public var file: String
        /// The 3-digit airline prefix.
        public var airline: String
        public var country: String
        public var period: BillingPeriod
        public var acceptedRecords: Int
        public var rejectedRecords: Int

        public init(file: String, airline: String, country: String, period: BillingPeriod, acceptedRecords: Int, rejectedRecords: Int) {
            self.file = file
            self.airline = airline
            self.country = country
            self.period = period
            self.acceptedRecords = acceptedRecords
            self.rejectedRecords = rejectedRecords
        }
    }

    public struct FileRejected: Sendable, Hashable, Codable {
        public var file: String
        public var airline: String
        /// The rejection code (`F03`).
        public var code: String
        public var message: String

        public init(file: String, airline: String, code: String, message: String) {
            self.file = file
            self.airline = airline
            self.code = code
            self.message = message
        }

        /// The event for a file-level rejection.
        public init(rejection: Rejection) {
            self.init(file: rejection.file, airline: rejection.airline, code: rejection.code.rawValue, message: rejection.problem.message)
        }
    }

    public struct PeriodClosed: Sendable, Hashable, Codable {
        public var country: String
        public var period: BillingPeriod
        public var invoices: Int
        public var totalMinor: Int64
        public var currency: String
        public var minorDigits: Int

        public init(country: String, period: BillingPeriod, invoices: Int, totalMinor: Int64, currency: String, minorDigits: Int) {
            self.country = country
            self.period = period
            self.invoices = invoices
            self.totalMinor = totalMinor
            self.currency = currency
            self.minorDigits = minorDigits
        }
    }

    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case invoiceIssued, fileAccepted, fileRejected, periodClosed
    }

    public var kind: Kind {
        switch self {
        case .invoiceIssued: .invoiceIssued
        case .fileAccepted: .fileAccepted
        case .fileRejected: .fileRejected
        case .periodClosed: .periodClosed
        }
    }

    /// The operation the event belongs to, when it has one (a rejected file
    /// may be unreadable before its header names a country).
    public var country: String? {
        switch self {
        case .invoiceIssued(let e): e.country
        case .fileAccepted(let e): e.country
        case .fileRejected: nil
        case .periodClosed(let e): e.country
        }
    }

    /// Sorted-key JSON, no escaped slashes: identical bytes for identical
    /// events, which the delivery id and the signature rely on.
    public func jsonBytes() throws -> [UInt8] {
        Array(try NotificationJSON.encoder().encode(self))
    }

    public static func decode(json: some Collection<UInt8>) throws -> NotificationEvent {
        try JSONDecoder().decode(NotificationEvent.self, from: Data(json))
    }
}

extension NotificationEvent: Codable {
    private enum CodingKeys: String, CodingKey { case type, event }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(Kind.self, forKey: .type)
        switch kind {
        case .invoiceIssued: self = .invoiceIssued(try container.decode(InvoiceIssued.self, forKey: .event))
        case .fileAccepted: self = .fileAccepted(try container.decode(FileAccepted.self, forKey: .event))
        case .fileRejected: self = .fileRejected(try container.decode(FileRejected.self, forKey: .event))
        case .periodClosed: self = .periodClosed(try container.decode(PeriodClosed.self, forKey: .event))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .type)
        switch self {
        case .invoiceIssued(let e): try container.encode(e, forKey: .event)
        case .fileAccepted(let e): try container.encode(e, forKey: .event)
        case .fileRejected(let e): try container.encode(e, forKey: .event)
        case .periodClosed(let e): try container.encode(e, forKey: .event)
        }
    }
}

enum NotificationJSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
