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
        try NotificationJSON.decoder().decode(NotificationEvent.self, from: Data(json))
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

/// The one JSON form of everything this module writes: sorted keys, no
/// escaped slashes, times as UTC ISO 8601 with milliseconds.
public enum NotificationJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(isoText(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = parseISO(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a UTC time YYYY-MM-DDTHH:MM:SS.mmmZ: \(text)"))
            }
            return date
        }
        return decoder
    }

    /// `2026-11-26T15:40:07.872Z`, without locales or calendars.
    public static func isoText(_ date: Date) -> String {
        let totalMs = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let days = totalMs >= 0 ? totalMs / 86_400_000 : (totalMs - 86_399_999) / 86_400_000
        let msOfDay = Int(totalMs - days * 86_400_000)
        let civil = CivilDate(dayNumber: Int(days))
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return civil.description + "T" + pad(msOfDay / 3_600_000, 2) + ":" + pad(msOfDay / 60_000 % 60, 2) + ":"
            + pad(msOfDay / 1000 % 60, 2) + "." + pad(msOfDay % 1000, 3) + "Z"
    }

    public static func parseISO(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 24, bytes[10] == UInt8(ascii: "T"), bytes[23] == UInt8(ascii: "Z"),
              let date = CivilDate(iso: Substring(String(decoding: bytes[0..<10], as: UTF8.self))) else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: bytes[range], as: UTF8.self)) }
        guard bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."),
              let hours = number(11..<13), let minutes = number(14..<16), let seconds = number(17..<19), let ms = number(20..<23),
              hours < 24, minutes < 60, seconds < 60 else { return nil }
        let total = Int64(date.dayNumber) * 86_400_000 + Int64(hours * 3_600_000 + minutes * 60_000 + seconds * 1000 + ms)
        return Date(timeIntervalSince1970: Double(total) / 1000)
    }
}
