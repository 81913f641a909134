import CASSAccess
import CASSAccounts
import CASSDomain
import CASSHTTP
import Foundation

/// The risk assessment tool (portal.md "Risk assessment"): every agent
/// company's exposure, guarantee, ratio, delay and grade as of today. All
/// agents for `cass`, an agent's own (a group's members) for an agent,
/// 403 for an airline.
enum RiskRoutes {
    static func register(_ router: inout Router, _ service: ServiceContext) {
        router.get("/api/v1/risk") { request in
            let caller = try service.authenticator.caller(request)
            try AccountsAPI.enforce(authorize(caller.principal, .readRisk, .collection), "airlines have no risk view")
            let paging = try Paging(request)
            let country = try AccountsAPI.country(request, caller: caller, reference: service.reference)
            var grade: RiskGrade?
            if let text = request.query["grade"], !text.isEmpty {
                guard let value = RiskGrade(rawValue: text) else { throw APIError.invalid("grade", "must be one of A, B, C, D") }
                grade = value
            }
            let rows = try service.risk(by: caller, country: country, grade: grade)
            // Rows come sorted by country, then agent code: the key's order.
            let page = paging.page(rows) { "\($0.country)-\(CASSDomain.AgentCodeText.format($0.agent))" }
            return try JSONBodies.answer(Page(items: page.items, next: page.next))
        }
    }
}

extension AccountsDesk {
    /// Every agent company's risk figures as of `today`.
    func riskRows(asOf today: CivilDate) throws -> [RiskRow] {
        let netDue = try openNetDue()
        let agents = reference.allAgents
        let result: Result<[RiskRow], AccountsError> = view.read { state -> Result<[RiskRow], AccountsError> in
            do throws(AccountsError) {
                return .success(try state.risk(asOf: today, agents: agents, openNetDue: netDue))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let rows): return rows
        case .failure(let error): throw ServiceError("risk as of \(today) cannot be computed: \(error.message)")
        }
    }
}
