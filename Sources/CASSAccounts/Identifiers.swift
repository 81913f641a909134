import CASSDomain

/// An agent company: one agent code in one operation. Wallets, credit,
/// direct debit and risk are all kept per account, since an agent
/// registered in two operations is two companies.
public struct AccountKey: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var country: String
    @AgentCodeText public var agent: Int64

    public init(country: String, agent: Int64) {
        self.country = country
        self.agent = agent
    }

    public static func < (lhs: AccountKey, rhs: AccountKey) -> Bool {
        (lhs.country, lhs.agent) < (rhs.country, rhs.agent)
    }

    /// `agent-CC-AAAAAAAAAAA`, the company name the portal uses.
    public var description: String { "agent-\(country)-\(AgentCodeText.format(agent))" }
}

/// One operation's billing period.
public struct OperationPeriod: Hashable, Sendable, Codable {
    public var country: String
    @PeriodText public var period: BillingPeriod

    public init(country: String, period: BillingPeriod) {
        self.country = country
        self.period = period
    }
}

/// An invoice line group: the lines of one AWB on one invoice. Disputes are
/// raised on these.
public struct DisputedLine: Hashable, Sendable {
    public var invoice: String
    public var awb: AWBKey

    public init(invoice: String, awb: AWBKey) {
        self.invoice = invoice
        self.awb = awb
    }
}

/// `PPP-SSSSSSSS`, the form the API and the rejection reports use.
public enum AWBText {
    public static func format(_ key: AWBKey) -> String { key.description }

    /// Exactly three digits, a hyphen, eight digits; the serial's check
    /// digit is not judged here (an AWB that is not on the invoice is
    /// refused anyway).
    public static func parse(_ text: String) -> AWBKey? {
        let bytes = Array(text.utf8)
        guard bytes.count == 12, bytes[3] == UInt8(ascii: "-") else { return nil }
        var prefix: Int32 = 0, serial: Int32 = 0
        for (index, byte) in bytes.enumerated() where index != 3 {
            guard byte >= 48, byte <= 57 else { return nil }
            if index < 3 { prefix = prefix * 10 + Int32(byte - 48) } else { serial = serial * 10 + Int32(byte - 48) }
        }
        return AWBKey(prefix: prefix, serial: serial)
    }
}

// MARK: - How identifiers look in JSON
// The API writes agent codes as 11-digit strings, airline prefixes as
// 3-digit strings and periods as `YYYYMMNN` strings; records on topics use
// the same forms so that one reading of them serves both.

/// An agent code coded as its 11-digit string.
@propertyWrapper
public struct AgentCodeText: Hashable, Sendable, Codable {
    public var wrappedValue: Int64

    public init(wrappedValue: Int64) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard text.utf8.count == 11, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int64(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an 11-digit agent code: \(text)"))
        }
        wrappedValue = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(AgentCodeText.format(wrappedValue))
    }

    public static func format(_ code: Int64) -> String { CASSDomain.AgentCodeText.format(code) }
}

/// An airline prefix coded as its 3-digit string.
@propertyWrapper
public struct AirlinePrefixText: Hashable, Sendable, Codable {
    public var wrappedValue: Int32

    public init(wrappedValue: Int32) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard text.utf8.count == 3, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int32(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a 3-digit airline prefix: \(text)"))
        }
        wrappedValue = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(AirlinePrefixText.format(wrappedValue))
    }

    public static func format(_ prefix: Int32) -> String {
        let text = String(prefix)
        return String(repeating: "0", count: max(0, 3 - text.count)) + text
    }
}

/// A billing period coded as the string `YYYYMMNN`.
@propertyWrapper
public struct PeriodText: Hashable, Sendable, Codable {
    public var wrappedValue: BillingPeriod

    public init(wrappedValue: BillingPeriod) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard text.utf8.count == 8, let digits = Int(text), text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let period = BillingPeriod(yyyymmnn: digits) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a YYYYMMNN period: \(text)"))
        }
        wrappedValue = period
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.text)
    }
}
