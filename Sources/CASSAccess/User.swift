/// A user as the users topic keeps it (compacted by username: the latest
/// record is the user; an empty value deletes it). Holds the password's
/// hash, so it never leaves the service: answers use `UserView`.
public struct UserRecord: Sendable, Hashable, Codable {
    public var username: String
    public var company: CompanyID
    public var role: Role
    public var name: String
    public var email: String
    public var language: String
    public var operations: OperationScope
    public var disabled: Bool
    /// Random, given when the user is made: a user deleted and made again
    /// under the same name is someone else, and the first one's sessions
    /// stay over.
    public var userID: String
    /// Raised each time the user is disabled; a session is valid only
    /// under the epoch it was started in, so disabling ends every session
    /// for good (enabling again does not bring them back), whatever order
    /// the users and sessions topics are replayed in.
    public var sessionEpoch: Int
    /// Nil for a migrated user not yet activated: no password logs in.
    public var passwordHash: PasswordHash?
    /// SHA-256 (hex) of a pending activation token; nil once used.
    public var activationTokenHash: String?
    /// OpenSSH public key lines for SFTP, as normalised by `SSHKeys`.
    public var sshKeys: [String]
    public var createdAt: Instant
    public var updatedAt: Instant

    public init(username: String, company: CompanyID, role: Role, name: String, email: String, language: String,
                operations: OperationScope, disabled: Bool, userID: String, sessionEpoch: Int = 0,
                passwordHash: PasswordHash?, activationTokenHash: String? = nil, sshKeys: [String] = [],
                createdAt: Instant, updatedAt: Instant) {
        self.username = username
        self.company = company
        self.role = role
        self.name = name
        self.email = email
        self.language = language
        self.operations = operations
        self.disabled = disabled
        self.userID = userID
        self.sessionEpoch = sessionEpoch
        self.passwordHash = passwordHash
        self.activationTokenHash = activationTokenHash
        self.sshKeys = sshKeys
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var view: UserView {
        UserView(username: username, company: company.description, role: role.rawValue, name: name, email: email,
                 language: language, operations: operations.list, disabled: disabled)
    }

    public var principal: Principal {
        Principal(username: username, company: company, role: role, operations: operations)
    }

    /// An enabled admin: what "a company keeps at least one" counts.
    public var isEnabledAdmin: Bool { role == .admin && !disabled }
}

/// A user in every answer: the spec's shape, never a password or its hash.
public struct UserView: Sendable, Hashable, Codable {
    public var username: String
    public var company: String
    public var role: String
    public var name: String
    public var email: String
    public var language: String
    public var operations: [String]
    public var disabled: Bool

    public init(username: String, company: String, role: String, name: String, email: String, language: String, operations: [String], disabled: Bool) {
        self.username = username
        self.company = company
        self.role = role
        self.name = name
        self.email = email
        self.language = language
        self.operations = operations
        self.disabled = disabled
    }
}
