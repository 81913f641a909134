import CASSAccess
import CASSAccounts
import CASSDomain
import CASSHTTP
import Foundation

/// On-line dispute resolution (portal.md "Disputes"): the agent raises
/// and withdraws, the AWB's airline answers, the operator answers once
/// escalated. Every step is an accounts record the reducer decides.
enum DisputeRoutes {
    static func register(_ router: inout Router, _ service: ServiceContext) {
        let desk = service.accounts

        router.get("/api/v1/disputes") { request in
            let caller = try service.authenticator.caller(request)
            try AccountsAPI.enforce(authorize(caller.principal, .readDispute, .collection))
            let paging = try Paging(request)
            var status: DisputeStatus?
            if let text = request.query["status"], !text.isEmpty {
                guard let value = DisputeStatus(rawValue: text) else {
                    throw APIError.invalid("status", "must be one of \(DisputeStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                status = value
            }
            let country = try AccountsAPI.country(request, caller: caller, reference: service.reference)
            let today = service.clock.today()
            let disputes = desk.view.read { $0.disputes(asOf: today) }.filter { dispute in
                (status.map { dispute.status == $0 } ?? true) && (country.map { dispute.country == $0 } ?? true)
                    && authorize(caller.principal, .readDispute, AccountsAPI.dispute(dispute)) == .allow
            }
            // disputes(asOf:) is in the order raised: day, then id.
            let page = paging.page(disputes) { "\($0.raisedOn) \($0.id)" }
            return try JSONBodies.answer(Page(items: page.items, next: page.next))
        }

        router.get("/api/v1/disputes/{id}") { request in
            let caller = try service.authenticator.caller(request)
            let dispute = try visible(request.parameter("id") ?? "", caller, desk, today: service.clock.today())
            return try JSONBodies.answer(dispute)
        }

        router.post("/api/v1/disputes") { request in
            let caller = try service.authenticator.caller(request)
            let fields = try RequestFields(try JSONBodies.read(request), known: ["invoice", "awb", "amountMinor", "reason"])
            let number = fields.string("invoice", maxCharacters: AccountsLimits.idMaxCharacters)
            let awbText = fields.string("awb", maxCharacters: 12)
            let awb = awbText.flatMap(AWBText.parse)
            if awbText != nil, awb == nil { fields.fail("awb", "must be an air waybill PPP-SSSSSSSS") }
            let amount = fields.integer("amountMinor", required: false)
            let reason = fields.string("reason", maxCharacters: AccountsLimits.reasonMaxCharacters)
            try fields.finish()
            guard let number, let awb, let reason else { throw APIError.invalid("invoice", "is required") }
            let today = service.clock.today()
            guard let invoice = desk.view.read({ $0.invoice(number)?.invoice }) else { throw APIError.notFound() }
            try AccountsAPI.enforce(authorize(caller.principal, .raiseDispute, .invoice(agent: AccountsAPI.agentCompany(invoice.account))),
                                    "only the invoice's agent (output or admin) raises a dispute")
            let id: String
            if request.headers[AccountsAPI.idempotencyHeader] != nil {
                id = try AccountsAPI.recordID(request, caller: caller, scope: "dispute \(number) \(awb)", prefix: "d-")
            } else {
                // Readable and stable: two requests racing for one line take
                // the same id, and the reducer keeps the first.
                id = desk.view.read { $0.suggestedDisputeID(invoice: number, awb: awb) }
            }
            try desk.submit(.disputeRaise(RaiseDispute(id: id, invoice: number, awb: awb, amountMinor: amount, reason: reason,
                                                       by: caller.principal.username, on: today)))
            guard let dispute = desk.view.read({ $0.dispute(id, asOf: today) }) else { throw APIError.notFound() }
            try AccountsAPI.audit(service, request, caller, action: "dispute.raised", target: "dispute:\(id)",
                                  detail: "invoice \(number), AWB \(dispute.awb), \(AccountsAPI.minor(dispute.amountMinor))")
            var answer = try JSONBodies.answer(dispute, status: .created)
            answer.headers.add("Location", "/api/v1/disputes/\(id)")
            return answer
        }

        router.post("/api/v1/disputes/{id}/accept") { request in
            let caller = try service.authenticator.caller(request)
            let fields = try RequestFields(try JSONBodies.read(request, required: false), known: ["amountMinor"])
            let amount = fields.integer("amountMinor", required: false)
            try fields.finish()
            return try step(service, request, caller, action: "accept") { id, by, party, today in
                .disputeAccept(AcceptDispute(dispute: id, amountMinor: amount, by: by, party: party, on: today))
            }
        }

        router.post("/api/v1/disputes/{id}/reject") { request in
            let caller = try service.authenticator.caller(request)
            let fields = try RequestFields(try JSONBodies.read(request), known: ["reason"])
            let reason = fields.string("reason", maxCharacters: AccountsLimits.reasonMaxCharacters)
            try fields.finish()
            guard let reason else { throw APIError.invalid("reason", "is required") }
            return try step(service, request, caller, action: "reject") { id, by, party, today in
                .disputeReject(RejectDispute(dispute: id, reason: reason, by: by, party: party, on: today))
            }
        }

        router.post("/api/v1/disputes/{id}/withdraw") { request in
            let caller = try service.authenticator.caller(request)
            let fields = try RequestFields(try JSONBodies.read(request, required: false), known: [])
            try fields.finish()
            return try step(service, request, caller, action: "withdraw") { id, by, party, today in
                .disputeWithdraw(WithdrawDispute(dispute: id, by: by, party: party, on: today))
            }
        }
    }

    /// A step on a dispute: found (404 when out of reach), authorized
    /// (403 for a side or role that may not take it), decided by the
    /// reducer, answered with the dispute as it then stands.
    static func step(_ service: ServiceContext, _ request: Request, _ caller: Authenticated, action: String,
                     record: (String, String, Party, CivilDate) -> AccountsRecord) throws -> Response {
        let desk = service.accounts
        let id = request.parameter("id") ?? ""
        let today = service.clock.today()
        try desk.runDueIfNewDay()
        let dispute = try visible(id, caller, desk, today: today)
        let right: Action = action == "withdraw" ? .withdrawDispute : .answerDispute
        try AccountsAPI.enforce(authorize(caller.principal, right, AccountsAPI.dispute(dispute)),
                                action == "withdraw" ? "only the dispute's agent (output or admin) withdraws it"
                                    : dispute.status == .escalated ? "an escalated dispute is answered by the cass admin"
                                    : "the AWB's airline (input or admin) answers an open dispute")
        try desk.submit(record(id, caller.principal.username, AccountsAPI.party(of: caller.principal), today))
        guard let now = desk.view.read({ $0.dispute(id, asOf: today) }) else { throw APIError.notFound() }
        let past = ["accept": "accepted", "reject": "rejected", "withdraw": "withdrawn"][action] ?? action
        try AccountsAPI.audit(service, request, caller, action: "dispute.\(past)", target: "dispute:\(id)",
                              detail: action == "accept" ? "accepted \(AccountsAPI.minor(now.acceptedMinor))" : "")
        return try JSONBodies.answer(now)
    }

    /// The dispute as of today, or 404 when it does not exist or is out of
    /// the caller's reach (the same answer).
    static func visible(_ id: String, _ caller: Authenticated, _ desk: AccountsDesk, today: CivilDate) throws -> Dispute {
        guard let dispute = desk.view.read({ $0.dispute(id, asOf: today) }),
              authorize(caller.principal, .readDispute, AccountsAPI.dispute(dispute)) == .allow else {
            throw APIError.notFound()
        }
        return dispute
    }
}
