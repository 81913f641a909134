import CASSAccess
import CASSAccounts
import CASSDomain
import CASSHTTP
import Foundation

/// Payments and the wallet (portal.md "Payments"): an agent (or the
/// operator, for bank receipts) records what was paid; an agent company
/// funds its wallet, which pays invoices on their remittance date.
enum PaymentRoutes {
    /// A payment as `POST /api/v1/invoices/{number}/payments` answers it:
    /// the payment, and where its invoice stands after it.
    struct PaymentAnswer: Encodable {
        var id: String
        var invoice: String
        var amountMinor: Int64
        var method: PaymentMethod
        var date: CivilDate
        var reference: String
        var status: InvoiceStatus
        var paidMinor: Int64
        var outstandingMinor: Int64
    }

    /// An agent company's balances with CASS in its operation.
    struct WalletAnswer: Encodable {
        var company: String
        var country: String
        var agent: String
        var currency: String
        var balanceMinor: Int64
        var creditMinor: Int64
        var directDebit: Bool
    }

    static func register(_ router: inout Router, _ service: ServiceContext) {
        router.post("/api/v1/invoices/{number}/payments") { request in
            let caller = try service.authenticator.caller(request)
            let number = request.parameter("number") ?? ""
            let fields = try RequestFields(try JSONBodies.read(request), known: ["amountMinor", "method", "date", "reference"])
            let amount = fields.integer("amountMinor")
            let methodText = fields.string("method", maxCharacters: 32)
            var method: PaymentMethod?
            if let methodText {
                method = PaymentMethod.recordable.first { $0.rawValue == methodText }
                if method == nil {
                    fields.fail("method", methodText == PaymentMethod.credit.rawValue
                                ? "credit is applied by CASS itself and cannot be recorded"
                                : "must be one of \(PaymentMethod.recordable.map(\.rawValue).joined(separator: ", "))")
                }
            }
            let today = service.clock.today()
            let date = fields.has("date") ? fields.date("date") : today
            let reference = fields.string("reference", required: false, maxCharacters: AccountsLimits.referenceMaxCharacters) ?? ""
            try fields.finish()
            guard let amount, let method, let date else { throw APIError.invalid("amountMinor", "is required") }
            let answer = try service.recordPayment(invoice: number, amountMinor: amount, method: method, date: date, reference: reference,
                                                   by: caller, request: request)
            var response = try JSONBodies.answer(answer, status: .created)
            response.headers.add("Location", "/api/v1/invoices/\(number)")
            return response
        }

        router.get("/api/v1/wallet") { request in
            let caller = try service.authenticator.caller(request)
            try AccountsAPI.enforce(authorize(caller.principal, .readWallet, .collection))
            let paging = try Paging(request)
            let country = try AccountsAPI.country(request, caller: caller, reference: service.reference)
            let company = try AccountsAPI.company(request, caller: caller, directory: service.directory)
            let wallets = try service.wallets(by: caller, country: country, company: company)
            let page = paging.page(wallets) { $0.company }
            return try JSONBodies.answer(Page(items: page.items, next: page.next))
        }

        router.post("/api/v1/wallet/topups") { request in
            let caller = try service.authenticator.caller(request)
            let fields = try RequestFields(try JSONBodies.read(request), known: ["country", "amountMinor", "reference", "company"])
            let country = fields.string("country", maxCharacters: 2)
            let amount = fields.integer("amountMinor")
            let reference = fields.string("reference", required: false, maxCharacters: AccountsLimits.referenceMaxCharacters) ?? ""
            let named = fields.string("company", required: false, maxCharacters: 64) ?? request.query["company"]
            try fields.finish()
            guard let country, let amount else { throw APIError.invalid("country", "is required") }
            let wallet = try service.topUpWallet(country: country, amountMinor: amount, reference: reference, company: named, by: caller, request: request)
            return try JSONBodies.answer(wallet, status: .created)
        }
    }

    /// Every agent company: those of the reference data and any other the
    /// accounts know (an agent since removed from agents.csv), by name.
    static func agentCompanies(_ service: ServiceContext) -> [(key: AccountKey, id: CompanyID)] {
        var keys = Set(service.reference.allAgents.map { AccountKey(country: $0.country, agent: $0.code) })
        service.accounts.view.read { state in keys.formUnion(state.accounts.keys) }
        return keys.map { ($0, AccountsAPI.agentCompany($0)) }.sorted { $0.1.description < $1.1.description }
    }

    /// Whether a `?company=` filter takes in an agent company: itself, or
    /// its group.
    static func covers(_ filter: CompanyID, _ company: CompanyID) -> Bool {
        if case .agentGroup(let iata) = filter { return company.groupIATA == iata }
        return filter == company
    }

    static func wallet(_ key: AccountKey, _ service: ServiceContext) -> WalletAnswer {
        service.accounts.view.read { state in
            WalletAnswer(company: key.description, country: key.country, agent: CASSDomain.AgentCodeText.format(key.agent),
                         currency: service.reference.operation(key.country)?.currency ?? "",
                         balanceMinor: state.walletMinor(key), creditMinor: state.creditMinor(key), directDebit: state.directDebit(key))
        }
    }

    /// Whose wallet a top-up funds: the named company (`company` in the
    /// body or the query), else the caller's own agent company, else the
    /// one member of the caller's group in that country. 404 for a company
    /// out of reach; 422 when the country does not fit or the choice is
    /// not the caller's to guess.
    static func topUpTarget(_ caller: Authenticated, country: String, named: String?, _ service: ServiceContext) throws -> AccountKey {
        guard country.utf8.count == 2, country.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw APIError.invalid("country", "must be an operation's country code (two capital letters)")
        }
        let company: CompanyID
        if let named {
            guard let id = CompanyID(named), service.directory.contains(id), caller.principal.reaches(company: id) else { throw APIError.notFound() }
            company = id
        } else if caller.principal.company.kind == .agent {
            company = caller.principal.company
        } else if case .agentGroup(let iata) = caller.principal.company {
            let members = service.reference.allAgents.filter { $0.country == country && CASSDomain.AgentCodeText.format($0.code).hasPrefix(iata) }
            guard members.count == 1, let member = members.first else {
                throw APIError.invalid("company", members.isEmpty ? "the group has no agent company in \(country)"
                                                                  : "the group has several agent companies in \(country): name one")
            }
            company = AccountsAPI.agentCompany(country: member.country, agent: member.code)
        } else {
            throw APIError.invalid("company", "name the agent company whose wallet this funds")
        }
        guard let key = AccountsAPI.account(of: company) else { throw APIError.invalid("company", "only an agent company has a wallet") }
        guard key.country == country else { throw APIError.invalid("country", "\(company) is in \(key.country), not \(country)") }
        return key
    }
}
