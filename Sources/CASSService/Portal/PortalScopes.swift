import CASSAccess
import CASSDomain
import CASSHTTP
import CASSPortal

/// The companies and operations a user's scope spans (portal.md,
/// "Companies"), for the layout's scope switcher. The choice itself is
/// `?company=` and `?country=`, read by the same `Filters` as the API's
/// lists: a value out of reach is a 404 there, exactly as on the API.
enum PortalScopes {
    static func scope(of caller: Authenticated, service: ServiceContext, query: QueryParameters) -> PortalScope {
        let principal = caller.principal
        let directory = service.directory
        var companies: [PortalScopeCompany] = []
        var countries: [String]
        switch principal.company {
        case .cass:
            // Airlines and forwarders: every agent company is in exactly one group.
            companies = directory.all.filter { $0.id.kind == .airline || $0.id.kind == .agentGroup }
                .map { PortalScopeCompany(id: $0.id.description, name: $0.name) }
            countries = service.reference.operations.keys.sorted()
        case .agentGroup:
            let group = directory.company(principal.company)
            companies = (group?.members ?? []).filter { principal.reaches(company: $0) }.map { member in
                PortalScopeCompany(id: member.description, name: (directory.company(member)?.name ?? member.description) + " · " + (member.country ?? ""))
            }
            countries = group?.countries ?? []
        case .airline, .agent:
            countries = directory.company(principal.company)?.countries ?? []
        }
        countries = countries.filter { principal.reaches(country: $0) }
        let operations = countries.compactMap { country in
            service.reference.operations[country].map { PortalOperation(country: country, currency: $0.currency, name: $0.entityName) }
        }
        let company = query["company"].flatMap { id in companies.contains { $0.id == id } ? id : nil }
        let country = query["country"].flatMap { code in countries.contains(code) ? code : nil }
        return PortalScope(companies: companies, operations: operations, company: company, country: country)
    }
}
