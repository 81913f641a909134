/// The name of a company, as the API spells it: `cass`, `airline-PPP`,
/// `agent-CC-AAAAAAAAAAA` or `agent-group-AAAAAAA`. The name alone says what
/// kind of party it is and, for an agent, its operation, so authorization
/// needs no lookup to place an object.
public enum CompanyID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The CASS operator.
    case cass
    /// An airline, by its 3-digit prefix.
    case airline(prefix: String)
    /// An agent in one operation: country and 11-digit CASS agent code.
    case agent(country: String, code: String)
    /// A forwarder: every agent company whose code starts with these 7
    /// digits (the IATA agent code), in any operation.
    case agentGroup(iata: String)

    /// Parses the exact spelling; anything else is nil (no case folding,
    /// no trimming: a company name is an identifier, not free text).
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        if text == "cass" {
            self = .cass
        } else if text.hasPrefix("airline-") {
            let prefix = String(text.dropFirst("airline-".count))
            guard CompanyID.isDigits(prefix, count: 3) else { return nil }
            self = .airline(prefix: prefix)
        } else if text.hasPrefix("agent-group-") {
            let iata = String(text.dropFirst("agent-group-".count))
            guard CompanyID.isDigits(iata, count: 7) else { return nil }
            self = .agentGroup(iata: iata)
        } else if text.hasPrefix("agent-"), bytes.count == "agent-".utf8.count + 2 + 1 + 11 {
            let rest = bytes.dropFirst("agent-".count)
            let country = String(decoding: rest.prefix(2), as: UTF8.self)
            let dash = rest.dropFirst(2).first
            let code = String(decoding: rest.dropFirst(3), as: UTF8.self)
            guard CompanyID.isCountry(country), dash == UInt8(ascii: "-"), CompanyID.isDigits(code, count: 11) else { return nil }
            self = .agent(country: country, code: code)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .cass: return "cass"
        case .airline(let prefix): return "airline-\(prefix)"
        case .agent(let country, let code): return "agent-\(country)-\(code)"
        case .agentGroup(let iata): return "agent-group-\(iata)"
        }
    }

    public var kind: CompanyKind {
        switch self {
        case .cass: return .operator
        case .airline: return .airline
        case .agent: return .agent
        case .agentGroup: return .agentGroup
        }
    }

    /// The one operation an agent company lives in; other companies span
    /// operations and have none.
    public var country: String? {
        if case .agent(let country, _) = self { return country }
        return nil
    }

    /// The forwarder an agent company belongs to: the first 7 digits of
    /// its code.
    public var groupIATA: String? {
        if case .agent(_, let code) = self { return String(code.prefix(7)) }
        return nil
    }

    public static func < (lhs: CompanyID, rhs: CompanyID) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = CompanyID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a company: \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func isDigits(_ text: String, count: Int) -> Bool {
        text.utf8.count == count && text.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    static func isCountry(_ text: String) -> Bool {
        text.utf8.count == 2 && text.utf8.allSatisfy { $0 >= 65 && $0 <= 90 }
    }
}

public enum CompanyKind: String, Sendable, Hashable, CaseIterable, Codable {
    case `operator`, airline, agent, agentGroup

    /// How the docs name the kind.
    public var label: String {
        switch self {
        case .operator: return "cass"
        case .airline: return "airline"
        case .agent: return "agent"
        case .agentGroup: return "agent group"
        }
    }
}
