import CASSAccess
import CASSHTTP

/// Sign-in and user changes as the API and the portal both ask for them:
/// one function each, so a page can never apply another rule than the
/// route (every refusal is the API's problem: 401, 403, 404, 409, 422, 429).
extension ServiceContext {
    /// `POST /api/v1/sessions` and the sign-in form. The failure is
    /// recorded too (lockout, audit) before it is thrown.
    func login(_ login: LoginRequest, request: Request) throws -> LoginToken {
        var random = KernelRandom()
        // The snapshot keeps the lock free while PBKDF2 runs.
        let result: LoginResult
        do {
            result = try identity.snapshot.login(login, hasher: hasher, random: &random, context: context(request))
        } catch {
            throw APIError.from(any: error)
        }
        try commit(result.records)
        switch result.outcome {
        case .success(let token): return token
        case .failure(let error): throw APIError.from(any: error)
        }
    }

    /// `DELETE /api/v1/sessions/current` and the sign-out button.
    func logout(_ caller: Authenticated, request: Request) throws {
        let change = identity.read { $0.logout(caller, context: context(request)) }
        try commit(change.records)
    }

    func createUser(_ newUser: NewUser, by caller: Authenticated, request: Request) throws -> AccessChange {
        var random = KernelRandom()
        identityWrites.lock()
        defer { identityWrites.unlock() }
        try feed.catchUp([ServiceTopics.name(.users)])
        return try run { () throws(AccessError) in
            try identity.snapshot.createUser(newUser, by: caller.principal, directory: directory, hasher: hasher, random: &random,
                                             context: context(request))
        }
    }

    /// `name` may be `me`.
    func updateUser(_ name: String, _ patch: UserPatch, by caller: Authenticated, request: Request) throws -> AccessChange {
        var random = KernelRandom()
        identityWrites.lock()
        defer { identityWrites.unlock() }
        try feed.catchUp([ServiceTopics.name(.users)])
        return try run { () throws(AccessError) in
            try identity.snapshot.updateUser(name, patch, by: caller.principal, directory: directory, hasher: hasher, random: &random,
                                             context: context(request))
        }
    }

    func deleteUser(_ name: String, by caller: Authenticated, request: Request) throws {
        identityWrites.lock()
        defer { identityWrites.unlock() }
        try feed.catchUp([ServiceTopics.name(.users)])
        _ = try run { () throws(AccessError) in
            try identity.snapshot.deleteUser(name, by: caller.principal, context: context(request))
        }
    }

    /// `GET /api/v1/users` (`company` nil: every user the caller may list).
    func listUsers(by caller: Authenticated, company: CompanyID?) throws -> [UserView] {
        do {
            return try identity.read { state throws(AccessError) in try state.listUsers(by: caller.principal, company: company) }
        } catch { throw APIError.from(any: error) }
    }

    /// `GET /api/v1/users/{username}` (`name` may be `me`).
    func readUser(_ name: String, by caller: Authenticated) throws -> UserView {
        do {
            return try identity.read { state throws(AccessError) in try state.readUser(name, by: caller.principal) }
        } catch { throw APIError.from(any: error) }
    }
}
