import CASSAccess
import CASSHTTP
import CASSPortal

/// `/account` (everyone signed in) and `/users` (admins): the same user
/// functions as `/api/v1/users` (IdentityActions), so a page refuses
/// exactly what the API refuses.
enum PortalAccountRoutes {
    static let userFields = ["username", "company", "name", "email", "role", "language", "operations"]

    static func register(_ router: inout Router, _ site: PortalSite) {
        // MARK: own account

        site.page(&router, "/account") { call in
            call.html(try accountPage(call, call.context()))
        }

        site.form(&router, "/account") { call, fields in
            let patch = UserPatch(name: fields["name"], email: fields["email"], language: fields["language"])
            do {
                _ = try call.service.updateUser("me", patch, by: call.caller, request: call.request)
                return call.redirect(to: "/account", .accountSaved)
            } catch {
                return try call.refusal(error, form: .account, values: fields.echo(["name", "email", "language"])) { try accountPage(call, $0) }
            }
        }

        site.form(&router, "/account/password") { call, fields in
            do {
                // The page asks for the current password: a browser left
                // signed in must not be enough to take the account over.
                guard let stored = call.caller.user.passwordHash, call.service.hasher.verify(fields["currentPassword"] ?? "", against: stored) else {
                    throw APIError.invalid("currentPassword", "is not your current password")
                }
                _ = try call.service.updateUser("me", UserPatch(password: fields["newPassword"] ?? ""), by: call.caller, request: call.request)
                return call.redirect(to: "/account", .passwordChanged)
            } catch {
                return try call.refusal(error, form: .password, values: [:], fieldNames: ["password": "newPassword"]) { try accountPage(call, $0) }
            }
        }

        // MARK: users

        site.page(&router, "/users") { call in
            call.html(try usersPage(call, call.context()))
        }

        site.form(&router, "/users") { call, fields in
            let isCass = call.principal.company == .cass
            let operationsText = fields["operations"] ?? "*"
            let newUser = NewUser(
                username: fields["username"] ?? "", company: isCass ? fields["company"] ?? "" : call.caller.user.company.description,
                role: fields["role"] ?? "", name: fields["name"] ?? "", email: fields["email"] ?? "", language: fields["language"] ?? "",
                operations: PortalForms.parseOperations(operationsText) ?? [operationsText], password: fields["password"] ?? "")
            do {
                try checkOperations(operationsText)
                _ = try call.service.createUser(newUser, by: call.caller, request: call.request)
                return call.redirect(to: "/users", .userCreated)
            } catch {
                return try call.refusal(error, form: .userCreate, values: fields.echo(userFields)) { try usersPage(call, $0) }
            }
        }

        site.page(&router, "/users/{username}") { call in
            let user = try call.service.readUser(call.request.parameter("username") ?? "", by: call.caller)
            return call.html(PortalPages.user(call.context(), user: portalUser(user)))
        }

        site.form(&router, "/users/{username}") { call, fields in
            let name = call.request.parameter("username") ?? ""
            let current = try call.service.readUser(name, by: call.caller)
            // Only what changed: an untouched role or state is not re-asked
            // (the last-admin rule judges real changes only).
            var patch = UserPatch()
            let operationsText = fields["operations"] ?? current.operations.joined(separator: " ")
            let operations = PortalForms.parseOperations(operationsText)
            if let value = fields["name"], value != current.name { patch.name = value }
            if let value = fields["email"], value != current.email { patch.email = value }
            if let value = fields["role"], value != current.role { patch.role = value }
            if let value = fields["language"], value != current.language { patch.language = value }
            if let operations, operations != current.operations { patch.operations = operations }
            if let value = fields["disabled"], PortalForms.parseBool(value) != current.disabled { patch.disabled = PortalForms.parseBool(value) }
            do {
                try checkOperations(operationsText)
                _ = try call.service.updateUser(name, patch, by: call.caller, request: call.request)
                return call.redirect(to: PortalHref.user(name)?.value ?? "/users", .userSaved)
            } catch {
                return try call.refusal(error, form: .userEdit, values: fields.echo(userFields + ["disabled"])) { ctx in
                    PortalPages.user(ctx, user: portalUser(current))
                }
            }
        }

        site.form(&router, "/users/{username}/delete") { call, _ in
            let name = call.request.parameter("username") ?? ""
            do {
                try call.service.deleteUser(name, by: call.caller, request: call.request)
                return call.redirect(to: "/users", .userDeleted)
            } catch {
                let current = try call.service.readUser(name, by: call.caller)
                return try call.refusal(error, form: .userEdit, values: [:]) { PortalPages.user($0, user: portalUser(current)) }
            }
        }
    }

    static func checkOperations(_ text: String) throws {
        if PortalForms.parseOperations(text) == nil {
            throw APIError.invalid("operations", "* for every operation, or country codes such as GB FR")
        }
    }

    static func accountPage(_ call: PortalCall, _ ctx: PortalContext) throws -> [UInt8] {
        PortalPages.account(ctx, user: portalUser(try call.service.readUser("me", by: call.caller)))
    }

    /// The company's users (every user for the `cass` admin, `?company=` to
    /// narrow), a page of them at a time.
    static func usersPage(_ call: PortalCall, _ ctx: PortalContext) throws -> [UInt8] {
        var company: CompanyID?
        if let text = call.request.query["company"] {
            guard let id = CompanyID(text) else { throw APIError.notFound() }
            company = id
        }
        let users = try call.service.listUsers(by: call.caller, company: company)
        let page = try Paging(call.request).page(users) { $0.username }
        return PortalPages.users(ctx, users: PortalList(items: page.items.map(portalUser), next: page.next))
    }

    static func portalUser(_ view: UserView) -> PortalUser {
        PortalUser(username: view.username, company: view.company, role: PortalRole(rawValue: view.role) ?? .viewer, name: view.name,
                   email: view.email, language: view.language, operations: view.operations, disabled: view.disabled)
    }
}
