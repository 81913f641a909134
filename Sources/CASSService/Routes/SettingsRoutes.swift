import CASSAccess
import CASSAccounts
import CASSCrypto
import CASSDomain
import CASSHTTP
import Foundation

/// Self-service settings (portal.md "Self-service settings"): the
/// company's admin reads and replaces them; the `cass` admin any
/// company's with `?company=`.
enum SettingsRoutes {
    static func register(_ router: inout Router, _ service: ServiceContext) {
        router.get("/api/v1/settings") { request in
            let caller = try service.authenticator.caller(request)
            let company = try target(request, caller, service)
            return try JSONBodies.answer(SettingsAnswer(settings: service.readSettings(company, by: caller)))
        }

        router.put("/api/v1/settings") { request in
            let caller = try service.authenticator.caller(request)
            let company = try target(request, caller, service)
            try AccountsAPI.enforce(authorize(caller.principal, .manageSettings, .company(company)), "settings are the company admin's")
            let wanted = try CompanySettings.decode(try JSONBodies.read(request), for: company)
            return try JSONBodies.answer(SettingsAnswer(settings: service.saveSettings(wanted, of: company, by: caller, request: request)))
        }
    }

    /// The company asked about: `?company=` (404 when it is no company the
    /// caller reaches), else the caller's own.
    static func target(_ request: Request, _ caller: Authenticated, _ service: ServiceContext) throws -> CompanyID {
        guard let text = request.query["company"], !text.isEmpty else { return caller.principal.company }
        guard let company = CompanyID(text), service.directory.contains(company) else { throw APIError.notFound() }
        return company
    }

    /// What the company saved (or the defaults), with direct debit as the
    /// accounts stand: that is what collections follow.
    static func current(_ company: CompanyID, _ service: ServiceContext) -> CompanySettings {
        let language = service.directory.company(company)?.language ?? "en"
        var settings = service.settings.saved(company) ?? CompanySettings.defaults(for: company, language: language)
        if let account = AccountsAPI.account(of: company) {
            settings.directDebit = service.accounts.view.read { $0.directDebit(account) }
        } else {
            settings.directDebit = nil
        }
        return settings
    }

    /// The audit trail's words for a change: the fields that changed,
    /// never a webhook's secret.
    static func changes(_ before: CompanySettings, _ after: CompanySettings) -> String {
        var parts: [String] = []
        if before.language != after.language { parts.append("language \(after.language)") }
        if before.formats != after.formats { parts.append("formats \(after.formats.joined(separator: ","))") }
        if before.distribution != after.distribution { parts.append("distribution \(after.distribution.joined(separator: ","))") }
        if before.webhooks != after.webhooks { parts.append("webhooks \(after.webhooks.map(\.url).joined(separator: " "))") }
        if before.emails != after.emails { parts.append("emails \(after.emails.joined(separator: ","))") }
        if before.directDebit != after.directDebit, let enabled = after.directDebit { parts.append("directDebit \(enabled)") }
        return parts.joined(separator: "; ")
    }
}
