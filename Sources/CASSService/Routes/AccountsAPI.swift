import CASSAccess
import CASSAccounts
import CASSCrypto
import CASSDomain
import CASSHTTP
import Foundation

/// What the dispute, payment, wallet, risk and settings routes share:
/// naming companies from accounts values, enforcing authorization,
/// request ids, filters and the audit trail.
enum AccountsAPI {
    static func agentCompany(_ key: AccountKey) -> CompanyID {
        .agent(country: key.country, code: CASSDomain.AgentCodeText.format(key.agent))
    }

    static func agentCompany(country: String, agent: Int64) -> CompanyID {
        agentCompany(AccountKey(country: country, agent: agent))
    }

    static func airlineCompany(_ prefix: Int32) -> CompanyID { .airline(prefix: AirlinePrefixText.format(prefix)) }

    /// The account of an agent company (nil for any other company).
    static func account(of company: CompanyID) -> AccountKey? {
        guard case .agent(let country, let code) = company, let agent = Int64(code) else { return nil }
        return AccountKey(country: country, agent: agent)
    }

    static func dispute(_ dispute: Dispute) -> Resource {
        .dispute(agent: agentCompany(country: dispute.country, agent: dispute.agent), airline: airlineCompany(dispute.airline),
                 escalated: dispute.status == .escalated)
    }

    /// Allow, or the answer a refusal gets: 404 exactly as for a missing
    /// object, 403 for a role that lacks the right.
    static func enforce(_ decision: Decision, _ forbidden: @autoclosure () -> String = "your role does not allow this") throws {
        switch decision {
        case .allow: return
        case .forbidden: throw APIError.forbidden(forbidden())
        case .notFound: throw APIError.notFound()
        }
    }

    /// The side a user acts for in a dispute.
    static func party(of principal: Principal) -> Party {
        switch principal.company.kind {
        case .airline: .airline
        case .operator: .operator
        case .agent, .agentGroup: .agent
        }
    }

    static let idempotencyHeader = "Idempotency-Key"
    static let idempotencyKeyBytesMax = 200

    /// The id of the record a request writes. With an `Idempotency-Key`
    /// header, derived from it, the caller's company and what is asked
    /// (`scope`), so that a retried request writes the same record and is
    /// recognised as done; without one, random (every request is new).
    static func recordID(_ request: Request, caller: Authenticated, scope: String, prefix: String) throws -> String {
        if let key = request.headers[idempotencyHeader] {
            let bytes = Array(key.utf8)
            guard !bytes.isEmpty, bytes.count <= idempotencyKeyBytesMax, bytes.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
                throw APIError.invalid(idempotencyHeader, "must be 1-\(idempotencyKeyBytesMax) printable ASCII characters without spaces")
            }
            let digest = SHA256.hash(Array("\(caller.principal.company)\n\(scope)\n".utf8) + bytes)
            return prefix + Hex.encode(digest.prefix(16))
        }
        let random: [UInt8]
        do {
            random = try SecureRandom.bytes(16)
        } catch {
            throw ServiceError("no random bytes for a record id: \(error)")
        }
        return prefix + Hex.encode(random)
    }

    /// `?country=`: nil when absent; 422 when not a country code; 404 when
    /// the caller's operations or the reference data do not have it.
    static func country(_ request: Request, caller: Authenticated, reference: ReferenceData) throws -> String? {
        guard let country = request.query["country"], !country.isEmpty else { return nil }
        guard country.utf8.count == 2, country.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
            throw APIError.invalid("country", "must be an operation's country code (two capital letters)")
        }
        guard reference.operation(country) != nil, caller.principal.reaches(country: country) else { throw APIError.notFound() }
        return country
    }

    /// `?company=`: nil when absent; 404 when it is no company the caller
    /// reaches (or no company at all).
    static func company(_ request: Request, caller: Authenticated, directory: CompanyDirectory) throws -> CompanyID? {
        guard let text = request.query["company"], !text.isEmpty else { return nil }
        guard let company = CompanyID(text), directory.contains(company), caller.principal.reaches(company: company) else {
            throw APIError.notFound()
        }
        return company
    }

    /// One entry of the audit trail for a change a request made.
    static func audit(_ service: ServiceContext, _ request: Request, _ caller: Authenticated, action: String, target: String, detail: String) throws {
        let entry = AuditEntry(at: service.clock.instant(), by: caller.principal, action: action, target: target, detail: detail,
                               from: service.clientAddress(request))
        try service.commit([.audit(entry)])
    }

    /// A money amount for the audit trail (minor units, as stored).
    static func minor(_ amount: Int64) -> String { "\(amount) (minor units)" }
}
