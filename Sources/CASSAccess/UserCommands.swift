import CASSCrypto

/// The user routes, as pure functions of the state: each checks the
/// caller's rights (404 before 403), the fields (422), the state (409), in
/// that order, and returns the records to write. Nothing is written for a
/// refused request.
extension AccessState {
    /// `GET /api/v1/users` (`?company=`): the users the caller manages, by
    /// username. A company filter outside the caller's reach is 404.
    public func listUsers(by actor: Principal, company filter: CompanyID? = nil) throws(AccessError) -> [UserView] {
        let decision = authorize(actor, .listUsers, .collection)
        guard decision == .allow else { throw AccessError(decision) }
        if let filter, !actor.reaches(company: filter) { throw .notFound }
        let companies = filter.map { [$0] } ?? companiesWithUsers
        return companies.flatMap { users(of: $0) }
            .filter { authorize(actor, .readUser, .user(username: $0.username, company: $0.company)) == .allow }
            .map(\.view)
            .sorted { $0.username < $1.username }
    }

    /// `GET /api/v1/users/{username}`; `me` is the caller.
    public func readUser(_ username: String, by actor: Principal) throws(AccessError) -> UserView {
        let name = username == "me" ? actor.username : username
        guard let user = users[name] else { throw .notFound }
        let decision = authorize(actor, .readUser, .user(username: user.username, company: user.company))
        guard decision == .allow else { throw AccessError(decision) }
        return user.view
    }

    /// `POST /api/v1/users`.
    public func createUser(
        _ request: NewUser, by actor: Principal, directory: CompanyDirectory,
        hasher: some PasswordHashing, random: inout some RandomSource, context: RequestContext
    ) throws(AccessError) -> AccessChange {
        let mayCreate = authorize(actor, .createUser, .collection)
        guard mayCreate == .allow else { throw AccessError(mayCreate) }

        // The company: the caller's own when not named. A company outside
        // the caller's reach is 403 whether or not it exists (existence is
        // not the caller's business); within reach, an unknown one is 422.
        let companyText = request.company ?? actor.company.description
        guard let company = CompanyID(companyText), authorize(actor, .createUser, .company(company)) == .allow else {
            if actor.isOperatorAdmin {
                throw .invalid([FieldError(field: "company", message: "unknown company \(companyText)")])
            }
            throw .forbidden("you may create users of your own company only")
        }

        var errors: [FieldError] = []
        if !directory.contains(company) {
            errors.append(FieldError(field: "company", message: "unknown company \(companyText)"))
        }
        let username = request.username ?? ""
        if request.username == nil {
            errors.append(FieldError(field: "username", message: "is required"))
        } else if let problem = UserRules.usernameProblem(username) {
            errors.append(FieldError(field: "username", message: problem))
        }
        var role = Role.viewer
        if let text = request.role {
            if let parsed = Role(rawValue: text) {
                role = parsed
                if let problem = UserRules.roleProblem(parsed, in: company) { errors.append(FieldError(field: "role", message: problem)) }
            } else {
                errors.append(FieldError(field: "role", message: "must be one of viewer, input, output, admin"))
            }
        } else {
            errors.append(FieldError(field: "role", message: "is required"))
        }
        let name = request.name ?? ""
        if let problem = UserRules.nameProblem(name) { errors.append(FieldError(field: "name", message: problem)) }
        let email = request.email ?? ""
        if let problem = UserRules.emailProblem(email) { errors.append(FieldError(field: "email", message: problem)) }
        let languageText = request.language ?? directory.company(company)?.language ?? "en"
        if let problem = UserRules.languageProblem(languageText) { errors.append(FieldError(field: "language", message: problem)) }
        // A regional admin's users are regional too unless told otherwise.
        var operations = actor.operations
        if let list = request.operations {
            if let problem = UserRules.operationsProblem(list, known: directory.operationCountries) {
                errors.append(FieldError(field: "operations", message: problem))
            } else if let scope = OperationScope(list: list) {
                operations = scope
            }
        }
        let password = request.password ?? ""
        if request.password == nil {
            errors.append(FieldError(field: "password", message: "is required"))
        } else if let problem = UserRules.passwordProblem(password) {
            errors.append(FieldError(field: "password", message: problem))
        }
        guard errors.isEmpty else { throw .invalid(errors) }

        guard actor.operations.covers(operations) else {
            throw .forbidden("a user's operations must be within your own")
        }
        guard users[username] == nil else { throw .conflict("username \(username) is taken") }

        let now = context.now
        let user = UserRecord(
            username: username, company: company, role: role, name: name, email: email,
            language: Language(languageText)?.tag ?? "en", operations: operations, disabled: request.disabled ?? false,
            userID: Hex.encode(try random.bytes(16)), passwordHash: try hasher.hash(password, random: &random),
            createdAt: now, updatedAt: now)
        let audit = AuditEntry(
            at: now, by: actor, action: "user.created", target: "user:\(username)",
            detail: "company \(company), role \(role.rawValue), operations \(operations.list.joined(separator: ";"))\(user.disabled ? ", disabled" : "")",
            from: context.from)
        return AccessChange(records: [.userPut(user), .audit(audit)], user: user.view)
    }

    /// `PATCH /api/v1/users/{username}` (and `/users/me`). Administration
    /// fields (role, operations, disabled) need an admin over the user;
    /// profile fields (name, email, language, password) the user or such
    /// an admin.
    public func updateUser(
        _ username: String, _ patch: UserPatch, by actor: Principal, directory: CompanyDirectory,
        hasher: some PasswordHashing, random: inout some RandomSource, context: RequestContext
    ) throws(AccessError) -> AccessChange {
        let name = username == "me" ? actor.username : username
        guard let old = users[name] else { throw .notFound }
        let object = Resource.user(username: old.username, company: old.company)
        var decisions = [authorize(actor, .readUser, object)]
        if patch.touchesAdministration { decisions.append(authorize(actor, .updateUser, object)) }
        if patch.touchesProfile { decisions.append(authorize(actor, .updateOwnProfile, object)) }
        if decisions.contains(.notFound) { throw .notFound }
        if decisions.contains(.forbidden) {
            throw .forbidden(patch.touchesAdministration ? "only an admin changes role, operations or disabled" : "your role does not allow this")
        }

        var user = old
        var errors: [FieldError] = []
        var changes: [String] = []
        if let text = patch.role {
            if let role = Role(rawValue: text) {
                if let problem = UserRules.roleProblem(role, in: old.company) {
                    errors.append(FieldError(field: "role", message: problem))
                } else if role != old.role {
                    user.role = role
                    changes.append("role \(old.role.rawValue) -> \(role.rawValue)")
                }
            } else {
                errors.append(FieldError(field: "role", message: "must be one of viewer, input, output, admin"))
            }
        }
        if let value = patch.name {
            if let problem = UserRules.nameProblem(value) {
                errors.append(FieldError(field: "name", message: problem))
            } else if value != old.name {
                user.name = value
                changes.append("name")
            }
        }
        if let value = patch.email {
            if let problem = UserRules.emailProblem(value) {
                errors.append(FieldError(field: "email", message: problem))
            } else if value != old.email {
                user.email = value
                changes.append("email")
            }
        }
        if let value = patch.language {
            if let language = Language(value) {
                if language.tag != old.language {
                    user.language = language.tag
                    changes.append("language \(language.tag)")
                }
            } else {
                errors.append(FieldError(field: "language", message: UserRules.languageProblem(value) ?? "unsupported"))
            }
        }
        if let list = patch.operations {
            if let problem = UserRules.operationsProblem(list, known: directory.operationCountries) {
                errors.append(FieldError(field: "operations", message: problem))
            } else if let scope = OperationScope(list: list), scope != old.operations {
                user.operations = scope
                changes.append("operations \(scope.list.joined(separator: ";"))")
            }
        }
        if let value = patch.password, let problem = UserRules.passwordProblem(value) {
            errors.append(FieldError(field: "password", message: problem))
        }
        guard errors.isEmpty else { throw .invalid(errors) }

        if user.operations != old.operations, !actor.operations.covers(user.operations) {
            throw .forbidden("a user's operations must be within your own")
        }
        if let disabled = patch.disabled, disabled != old.disabled {
            user.disabled = disabled
            changes.append(disabled ? "disabled" : "enabled")
        }
        if old.isEnabledAdmin, !user.isEnabledAdmin, enabledAdminCount(of: old.company) <= 1 {
            throw .conflict("\(old.username) is the last enabled admin of \(old.company); make another admin first")
        }

        var records: [AccessRecord] = []
        if user.disabled && !old.disabled {
            // Ends every session for good: those started before carry the
            // old epoch. The tombstones only tidy the sessions topic.
            user.sessionEpoch += 1
            records += recordedSessions(of: old.username).map { .sessionEnded(tokenHash: $0) }
        }
        if let password = patch.password {
            user.passwordHash = try hasher.hash(password, random: &random)
            user.activationTokenHash = nil
            changes.append("password")
        }
        guard !changes.isEmpty else { return AccessChange(records: [], user: old.view) }
        user.updatedAt = context.now
        let audit = AuditEntry(at: context.now, by: actor, action: "user.updated", target: "user:\(old.username)",
                               detail: changes.joined(separator: ", "), from: context.from)
        return AccessChange(records: [.userPut(user)] + records + [.audit(audit)], user: user.view)
    }

    /// `DELETE /api/v1/users/{username}`.
    public func deleteUser(_ username: String, by actor: Principal, context: RequestContext) throws(AccessError) -> AccessChange {
        let name = username == "me" ? actor.username : username
        guard let user = users[name] else { throw .notFound }
        let decision = authorize(actor, .deleteUser, .user(username: user.username, company: user.company))
        guard decision == .allow else { throw AccessError(decision) }
        if user.isEnabledAdmin, enabledAdminCount(of: user.company) <= 1 {
            throw .conflict("\(user.username) is the last enabled admin of \(user.company); make another admin first")
        }
        let audit = AuditEntry(at: context.now, by: actor, action: "user.deleted", target: "user:\(user.username)",
                               detail: "company \(user.company), role \(user.role.rawValue)", from: context.from)
        let ended = recordedSessions(of: user.username).map { AccessRecord.sessionEnded(tokenHash: $0) }
        return AccessChange(records: [.userDeleted(username: user.username)] + ended + [.audit(audit)], user: nil)
    }

    /// `PUT /api/v1/users/{username}/ssh-keys`: replaces the user's keys
    /// with the body's lines (the user, or an admin over the user).
    public func setSSHKeys(_ username: String, body: String, by actor: Principal, context: RequestContext) throws(AccessError) -> AccessChange {
        let name = username == "me" ? actor.username : username
        guard let old = users[name] else { throw .notFound }
        let decision = authorize(actor, .putSSHKeys, .user(username: old.username, company: old.company))
        guard decision == .allow else { throw AccessError(decision) }
        let keys = try SSHKeys.parse(body)
        var user = old
        user.sshKeys = keys
        user.updatedAt = context.now
        let audit = AuditEntry(at: context.now, by: actor, action: "user.sshKeysSet", target: "user:\(old.username)",
                               detail: "\(keys.count) key(s)", from: context.from)
        return AccessChange(records: [.userPut(user), .audit(audit)], user: user.view)
    }

    /// `POST /api/v1/activations`: a migrated user's activation token sets
    /// its password, once. An unknown or used token is 404.
    public func activate(
        _ request: ActivationRequest, hasher: some PasswordHashing, random: inout some RandomSource, context: RequestContext
    ) throws(AccessError) -> AccessChange {
        var errors: [FieldError] = []
        if request.token == nil { errors.append(FieldError(field: "token", message: "is required")) }
        if request.password == nil { errors.append(FieldError(field: "password", message: "is required")) }
        guard errors.isEmpty, let token = request.token, let password = request.password else { throw .invalid(errors) }
        guard let hash = Tokens.hash(of: token), let username = activationUsername(tokenHash: hash),
              var user = users[username], let stored = user.activationTokenHash,
              ConstantTime.equals(Array(stored.utf8), Array(hash.utf8)) else { throw .notFound }
        if let problem = UserRules.passwordProblem(password) {
            throw .invalid([FieldError(field: "password", message: problem)])
        }
        user.passwordHash = try hasher.hash(password, random: &random)
        user.activationTokenHash = nil
        user.updatedAt = context.now
        let audit = AuditEntry(at: context.now, actor: user.username, actorCompany: user.company.description,
                               action: "user.activated", target: "user:\(user.username)", detail: "password set", from: context.from)
        return AccessChange(records: [.userPut(user), .audit(audit)], user: user.view)
    }

    /// First start on an empty data folder: the `cass` admin named by
    /// `--admin`, with the password from `CASS_ADMIN_PASSWORD`. Once any
    /// user exists it does nothing (later starts ignore both).
    public func bootstrap(
        admin username: String, password: String, hasher: some PasswordHashing, random: inout some RandomSource, context: RequestContext
    ) throws(AccessError) -> AccessChange {
        guard users.isEmpty else { return AccessChange(records: [], user: nil) }
        var errors: [FieldError] = []
        if let problem = UserRules.usernameProblem(username) { errors.append(FieldError(field: "--admin", message: problem)) }
        if let problem = UserRules.passwordProblem(password) { errors.append(FieldError(field: "CASS_ADMIN_PASSWORD", message: problem)) }
        guard errors.isEmpty else { throw .invalid(errors) }
        let user = UserRecord(
            username: username, company: .cass, role: .admin, name: username, email: "", language: "en", operations: .all,
            disabled: false, userID: Hex.encode(try random.bytes(16)), passwordHash: try hasher.hash(password, random: &random),
            createdAt: context.now, updatedAt: context.now)
        let audit = AuditEntry(at: context.now, actor: "", actorCompany: "", action: "user.created", target: "user:\(username)",
                               detail: "company cass, role admin (first start)", from: context.from)
        return AccessChange(records: [.userPut(user), .audit(audit)], user: user.view)
    }
}
