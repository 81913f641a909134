/// A CASS operation: one country's settlement.
public struct Operation: Sendable, Hashable, Codable {
    public var country: String
    public var currency: String
    public var minorDigits: Int
    public var periodsPerMonth: Int
    public var remittanceDays: Int
    public var disputeDays: Int
    public var language: String
    public var entityName: String
    public var entityTaxID: String
    /// Where agents pay (the invoice's "how to pay"), when operations.csv gives it.
    public var bankName: String?
    public var iban: String?
    public var bic: String?

    public init(country: String, currency: String, minorDigits: Int, periodsPerMonth: Int, remittanceDays: Int, disputeDays: Int, language: String, entityName: String, entityTaxID: String,
                bankName: String? = nil, iban: String? = nil, bic: String? = nil) {
        self.country = country
        self.currency = currency
        self.minorDigits = minorDigits
        self.periodsPerMonth = periodsPerMonth
        self.remittanceDays = remittanceDays
        self.disputeDays = disputeDays
        self.language = language
        self.entityName = entityName
        self.entityTaxID = entityTaxID
        self.bankName = bankName
        self.iban = iban
        self.bic = bic
    }
}

public struct Airline: Sendable, Hashable, Codable {
    public var prefix: Int32
    public var name: String
    public var taxID: String
    public var operations: [String]

    public init(prefix: Int32, name: String, taxID: String, operations: [String]) {
        self.prefix = prefix
        self.name = name
        self.taxID = taxID
        self.operations = operations
    }

    public var prefixText: String {
        let p = String(prefix)
        return String(repeating: "0", count: max(0, 3 - p.count)) + p
    }
}

public enum AgentStatus: String, Sendable, Hashable, Codable {
    case active, suspended, terminated
}

public struct Agent: Sendable, Hashable, Codable {
    public var country: String
    /// The 11-digit CASS agent code, check digit included.
    public var code: Int64
    public var name: String
    public var taxID: String
    public var address: String
    public var language: String
    public var status: AgentStatus
    public var guaranteeMinor: Int64

    public init(country: String, code: Int64, name: String, taxID: String, address: String, language: String, status: AgentStatus, guaranteeMinor: Int64) {
        self.country = country
        self.code = code
        self.name = name
        self.taxID = taxID
        self.address = address
        self.language = language
        self.status = status
        self.guaranteeMinor = guaranteeMinor
    }

    public var codeText: String { AgentCodeText.format(code) }
}

public enum AgentCodeText {
    public static func format(_ code: Int64) -> String {
        let s = String(code)
        return String(repeating: "0", count: max(0, 11 - s.count)) + s
    }
}

public enum TaxBase: String, Sendable, Hashable, Codable, CaseIterable {
    case weight, valuation, ocdc, commission, net
}

public enum TaxDirection: String, Sendable, Hashable, Codable {
    /// The agent pays it on top.
    case charged
    /// Paid to the agent (VAT on its commission, for instance).
    case credited
}

public struct TaxRule: Sendable, Hashable, Codable {
    public var country: String
    public var code: String
    public var description: String
    public var base: TaxBase
    public var rateHundredthsPercent: Int64
    public var direction: TaxDirection
    public var validFrom: CivilDate
    public var validTo: CivilDate?

    public init(country: String, code: String, description: String, base: TaxBase, rateHundredthsPercent: Int64, direction: TaxDirection, validFrom: CivilDate, validTo: CivilDate?) {
        self.country = country
        self.code = code
        self.description = description
        self.base = base
        self.rateHundredthsPercent = rateHundredthsPercent
        self.direction = direction
        self.validFrom = validFrom
        self.validTo = validTo
    }

    /// 100 %: a tax never exceeds its base, so a tax cannot overflow where
    /// its base does not.
    public static let rateHundredthsPercentMax: Int64 = 10_000

    public func applies(on date: CivilDate) -> Bool {
        date >= validFrom && (validTo.map { date <= $0 } ?? true)
    }

    /// Whether some day lies in both validities.
    public func overlaps(_ other: TaxRule) -> Bool {
        let startsBeforeOtherEnds = other.validTo.map { validFrom <= $0 } ?? true
        let otherStartsBeforeThisEnds = validTo.map { other.validFrom <= $0 } ?? true
        return startsBeforeOtherEnds && otherStartsBeforeThisEnds
    }
}

extension CivilDate: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = CivilDate(iso: Substring(text)) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a YYYY-MM-DD date: \(text)"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Everything the engine needs to know about operations, participants and
/// taxes. Loaded whole or not at all.
public struct ReferenceData: Sendable {
    /// A line carries the rules that apply to it as a 64-bit mask, so an
    /// operation has at most 64 tax rules; the loader refuses a 65th
    /// (naming its line) rather than let it never apply.
    public static let taxRulesPerOperationMax = 64

    public private(set) var operations: [String: Operation] = [:]
    public private(set) var airlines: [Int32: Airline] = [:]
    /// Keyed by country, then agent code.
    public internal(set) var agents: [String: [Int64: Agent]] = [:]
    /// Per country, in file order.
    public private(set) var taxRules: [String: [TaxRule]] = [:]

    public init(operations: [Operation] = [], airlines: [Airline] = [], agents: [Agent] = [], taxRules: [TaxRule] = []) {
        for operation in operations { self.operations[operation.country] = operation }
        for airline in airlines { self.airlines[airline.prefix] = airline }
        for agent in agents { self.agents[agent.country, default: [:]][agent.code] = agent }
        for rule in taxRules { self.taxRules[rule.country, default: []].append(rule) }
    }

    public func operation(_ country: String) -> Operation? { operations[country] }

    public func agent(_ code: Int64, in country: String) -> Agent? { agents[country]?[code] }

    public func airline(_ prefix: Int32) -> Airline? { airlines[prefix] }

    public func taxRules(for country: String) -> [TaxRule] { taxRules[country] ?? [] }

    public func isParticipant(airline prefix: Int32, in country: String) -> Bool {
        airlines[prefix]?.operations.contains(country) ?? false
    }

    public var allAgents: [Agent] {
        agents.values.flatMap { $0.values }.sorted { ($0.code, $0.country) < ($1.code, $1.country) }
    }
}
