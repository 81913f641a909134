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
            let disputes = try service.disputes(by: caller, status: status, country: country)
            // disputes(asOf:) is in the order raised: day, then id.
            let page = paging.page(disputes) { "\($0.raisedOn) \($0.id)" }
            return try JSONBodies.answer(Page(items: page.items, next: page.next))
        }

        router.get("/api/v1/disputes/{id}") { request in
            let caller = try service.authenticator.caller(request)
            let dispute = try service.visibleDispute(request.parameter("id") ?? "", by: caller)
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
            let idempotencyID = request.headers[AccountsAPI.idempotencyHeader] == nil ? nil
                : try AccountsAPI.recordID(request, caller: caller, scope: "dispute \(number) \(awb)", prefix: "d-")
            let dispute = try service.raiseDispute(invoice: number, awb: awb, amountMinor: amount, reason: reason, idempotencyID: idempotencyID,
                                                   by: caller, request: request)
            var answer = try JSONBodies.answer(dispute, status: .created)
            answer.headers.add("Location", "/api/v1/disputes/\(dispute.id)")
            return answer
        }

        router.post("/api/v1/disputes/{id}/accept") { request in
            let caller = try service.authenticator.caller(request)
            let fields = try RequestFields(try JSONBodies.read(request, required: false), known: ["amountMinor"])
            let amount = fields.integer("amountMinor", required: false)
            try fields.finish()
            return try JSONBodies.answer(service.answerDispute(request.parameter("id") ?? "", .accept(amountMinor: amount), by: caller, request: request))
        }

        router.post("/api/v1/disputes/{id}/reject") { request in
            let caller = try service.authenticator.caller(request)
            let fields = try RequestFields(try JSONBodies.read(request), known: ["reason"])
            let reason = fields.string("reason", maxCharacters: AccountsLimits.reasonMaxCharacters)
            try fields.finish()
            guard let reason else { throw APIError.invalid("reason", "is required") }
            return try JSONBodies.answer(service.answerDispute(request.parameter("id") ?? "", .reject(reason: reason), by: caller, request: request))
        }

        router.post("/api/v1/disputes/{id}/withdraw") { request in
            let caller = try service.authenticator.caller(request)
            let fields = try RequestFields(try JSONBodies.read(request, required: false), known: [])
            try fields.finish()
            return try JSONBodies.answer(service.answerDispute(request.parameter("id") ?? "", .withdraw, by: caller, request: request))
        }
    }
}
