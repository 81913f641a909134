import CASSAccess
import CASSCrypto
import CASSHTTP
import Foundation

/// Sessions, activations, users, SSH keys and the audit trail
/// (portal.md "Authentication", "Users").
enum IdentityRoutes {
    struct SessionAnswer: Encodable {
        var token: String
        var expiresAt: String
    }

    struct KeyView: Encodable {
        var type: String
        var fingerprint: String
        var comment: String
    }

    struct AuditView: Encodable {
        var at: String
        var by: String
        var action: String
        var object: String
        var from: String
        var detail: String
    }

    static func register(_ router: inout Router, _ service: ServiceContext) {
        router.post("/api/v1/sessions") { request in
            let request = request
            let body = try JSONBodies.read(request)
            let login: LoginRequest
            do { login = try LoginRequest.decode(json: body) } catch { throw APIError.from(any: error) }
            let token = try service.login(login, request: request)
            return try JSONBodies.answer(SessionAnswer(token: token.token, expiresAt: token.expiresAt.description), status: .created)
        }

        router.delete("/api/v1/sessions/current") { request in
            let caller = try service.authenticator.caller(request)
            try service.logout(caller, request: request)
            return .noContent()
        }

        router.post("/api/v1/activations") { request in
            let body = try JSONBodies.read(request)
            let activation: ActivationRequest
            do { activation = try ActivationRequest.decode(json: body) } catch { throw APIError.from(any: error) }
            var random = KernelRandom()
            service.identityWrites.lock()
            defer { service.identityWrites.unlock() }
            _ = try service.run { () throws(AccessError) in
                try service.identity.snapshot.activate(activation, hasher: service.hasher, random: &random, context: service.context(request))
            }
            return .noContent()
        }

        router.get("/api/v1/users") { request in
            let caller = try service.authenticator.caller(request)
            let paging = try Paging(request)
            var filter: CompanyID?
            if let text = request.query["company"] {
                guard let company = CompanyID(text) else { throw APIError.notFound() }
                filter = company
            }
            let users = try service.listUsers(by: caller, company: filter)
            let page = paging.page(users) { $0.username }
            return try JSONBodies.answer(Page(items: page.items, next: page.next))
        }

        router.post("/api/v1/users") { request in
            let caller = try service.authenticator.caller(request)
            let body = try JSONBodies.read(request)
            let newUser: NewUser
            do { newUser = try NewUser.decode(json: body) } catch { throw APIError.from(any: error) }
            let change = try service.createUser(newUser, by: caller, request: request)
            return try JSONBodies.answer(change.user, status: .created)
        }

        for pattern in ["/api/v1/users/me", "/api/v1/users/{username}"] {
            router.get(pattern) { request in
                let caller = try service.authenticator.caller(request)
                let name = request.parameter("username") ?? "me"
                return try JSONBodies.answer(try service.readUser(name, by: caller))
            }

            router.patch(pattern) { request in
                let caller = try service.authenticator.caller(request)
                let name = request.parameter("username") ?? "me"
                let body = try JSONBodies.read(request)
                let patch: UserPatch
                do { patch = try UserPatch.decode(json: body) } catch { throw APIError.from(any: error) }
                let change = try service.updateUser(name, patch, by: caller, request: request)
                return try JSONBodies.answer(change.user)
            }
        }

        router.delete("/api/v1/users/{username}") { request in
            let caller = try service.authenticator.caller(request)
            try service.deleteUser(request.parameter("username") ?? "", by: caller, request: request)
            return .noContent()
        }

        router.get("/api/v1/users/{username}/ssh-keys") { request in
            let caller = try service.authenticator.caller(request)
            let name = request.parameter("username") ?? ""
            let keys: [String] = try service.identity.read { state in
                let resolved = name == "me" ? caller.user.username : name
                guard let user = state.user(resolved) else { throw APIError.notFound() }
                switch authorize(caller.principal, .putSSHKeys, .user(username: user.username, company: user.company)) {
                case .allow: return user.sshKeys
                case .forbidden: throw APIError.forbidden()
                case .notFound: throw APIError.notFound()
                }
            }
            let views = keys.map(keyView)
            return try JSONBodies.answer(Page(items: views, next: nil))
        }

        router.put("/api/v1/users/{username}/ssh-keys") { request in
            let caller = try service.authenticator.caller(request)
            let name = request.parameter("username") ?? ""
            if let type = request.mediaType, type != "text/plain", type != "application/octet-stream" {
                throw HTTPError(HTTPStatus(415), detail: "send OpenSSH public key lines as text/plain")
            }
            let bytes = try request.readBody(limit: SSHKeys.keysMax * SSHKeys.lineBytesMax + 4096)
            guard let body = String(validating: bytes, as: UTF8.self) else {
                throw APIError.invalid("keys", "the body is not UTF-8 text")
            }
            service.identityWrites.lock()
            defer { service.identityWrites.unlock() }
            try service.feed.catchUp([ServiceTopics.name(.users)])
            _ = try service.run { () throws(AccessError) in
                try service.identity.snapshot.setSSHKeys(name, body: body, by: caller.principal, context: service.context(request))
            }
            let resolved = name == "me" ? caller.user.username : name
            let keys = service.identity.read { $0.user(resolved)?.sshKeys ?? [] }
            return try JSONBodies.answer(Page(items: keys.map(keyView), next: nil))
        }

        router.get("/api/v1/audit") { request in
            let caller = try service.authenticator.caller(request)
            switch authorize(caller.principal, .readAudit, .collection) {
            case .allow: break
            case .forbidden: throw APIError.forbidden("the audit trail is the cass admin's")
            case .notFound: throw APIError.notFound()
            }
            let limit = try request.query.integer("limit", in: 1...Paging.limitMax) ?? Paging.limitDefault
            var cursor: Int?
            if let text = request.query["after"], !text.isEmpty {
                guard let decoded = Base64URLCursor.decode(text), let value = Int(decoded), value >= 0 else {
                    throw APIError.invalid("after", "not a cursor this service gave")
                }
                cursor = value
            }
            let company = request.query["company"]
            let page = service.identity.audit(after: cursor, limit: limit) { entry in
                guard let company else { return true }
                return entry.actorCompany == company || entry.target.contains(company) || entry.detail.contains(company)
            }
            let items = page.items.map { AuditView(at: $0.at.description, by: $0.actor, action: $0.action, object: $0.target,
                                                   from: $0.from, detail: $0.detail) }
            return try JSONBodies.answer(Page(items: items, next: page.next.map { Base64URLCursor.encode(String($0)) }))
        }
    }

    /// `ssh-ed25519 AAAA... comment` → its type, SHA256 fingerprint (as
    /// ssh-keygen -l prints it) and comment.
    static func keyView(_ line: String) -> KeyView {
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true).map(String.init)
        let type = parts.first ?? ""
        let blob = parts.count > 1 ? Data(base64Encoded: parts[1]).map { [UInt8]($0) } ?? [] : []
        let digest = Data(SHA256.hash(blob)).base64EncodedString().replacingOccurrences(of: "=", with: "")
        return KeyView(type: type, fingerprint: "SHA256:" + digest, comment: parts.count > 2 ? parts[2] : "")
    }
}
