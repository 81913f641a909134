import CASSDomain

/// One party of the installation, as derived from the reference data.
public struct Company: Sendable, Hashable {
    public var id: CompanyID
    public var name: String
    /// The operations it takes part in: an airline's from airlines.csv, an
    /// agent's one, a group's members', every operation for `cass`.
    public var countries: [String]
    /// An agent group's member companies, in code then country order;
    /// empty for every other kind.
    public var members: [CompanyID]
    /// The language its users get when none is given: an agent's from
    /// agents.csv when OpenCASS speaks it, else English.
    public var language: String
}

/// Every company there is: `cass`, one per airline, one per agent and
/// operation, and one group per 7-digit IATA agent code.
///
/// A group is derived for every IATA code, also when only one agent company
/// carries it (a forwarder with a single office is still a forwarder): so
/// users made for a group keep their company when the forwarder opens or
/// closes a branch, and the group's name never depends on how many branches
/// agents.csv happens to list today.
public struct CompanyDirectory: Sendable {
    public private(set) var companies: [CompanyID: Company] = [:]
    /// The operation countries of operations.csv.
    public let operationCountries: Set<String>

    public init(reference: ReferenceData) {
        let countries = reference.operations.keys.sorted()
        operationCountries = Set(countries)
        companies[.cass] = Company(id: .cass, name: "CASS", countries: countries, members: [], language: "en")
        for airline in reference.airlines.values {
            let id = CompanyID.airline(prefix: airline.prefixText)
            companies[id] = Company(id: id, name: airline.name, countries: airline.operations.sorted(), members: [], language: "en")
        }
        var groups: [String: [Agent]] = [:]
        for agent in reference.allAgents {
            let id = CompanyID.agent(country: agent.country, code: agent.codeText)
            let language = Language(agent.language)?.tag ?? "en"
            companies[id] = Company(id: id, name: agent.name, countries: [agent.country], members: [], language: language)
            groups[String(agent.codeText.prefix(7)), default: []].append(agent)
        }
        for (iata, agents) in groups {
            // allAgents is in code then country order: the first is the head
            // office (branch 000 when there is one), which names the group.
            let members = agents.map { CompanyID.agent(country: $0.country, code: $0.codeText) }
            let head = agents[0]
            let id = CompanyID.agentGroup(iata: iata)
            companies[id] = Company(
                id: id, name: head.name, countries: Array(Set(agents.map(\.country))).sorted(), members: members,
                language: Language(head.language)?.tag ?? "en")
        }
    }

    public func company(_ id: CompanyID) -> Company? { companies[id] }

    public func contains(_ id: CompanyID) -> Bool { companies[id] != nil }

    /// Every company, by name order of their ids.
    public var all: [Company] { companies.values.sorted { $0.id < $1.id } }
}
