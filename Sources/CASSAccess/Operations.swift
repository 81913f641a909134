/// The operations (countries) a user may act in: every one (`["*"]`, the
/// default) or a list. Objects of an operation outside it answer 404, like
/// another company's.
public enum OperationScope: Sendable, Hashable, Codable {
    case all
    /// Never empty, sorted, without duplicates.
    case only([String])

    /// The JSON spelling: `["*"]` or the countries.
    public var list: [String] {
        switch self {
        case .all: return ["*"]
        case .only(let countries): return countries
        }
    }

    /// Reads the JSON spelling without judging the countries (validation
    /// does that against the reference data); nil for an empty list or a
    /// `*` mixed with countries.
    public init?(list: [String]) {
        if list == ["*"] {
            self = .all
            return
        }
        guard !list.isEmpty, !list.contains("*") else { return nil }
        self = .only(Array(Set(list)).sorted())
    }

    public func contains(_ country: String) -> Bool {
        switch self {
        case .all: return true
        case .only(let countries): return countries.contains(country)
        }
    }

    /// Whether every operation of `other` is also one of these.
    public func covers(_ other: OperationScope) -> Bool {
        switch (self, other) {
        case (.all, _): return true
        case (.only, .all): return false
        case (.only(let mine), .only(let theirs)): return Set(theirs).isSubset(of: Set(mine))
        }
    }

    public init(from decoder: any Decoder) throws {
        let list = try decoder.singleValueContainer().decode([String].self)
        guard let scope = OperationScope(list: list) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "operations must be [\"*\"] or a non-empty list of countries"))
        }
        self = scope
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(list)
    }
}
