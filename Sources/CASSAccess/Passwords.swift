import CASSCrypto

/// A stored password: PBKDF2-HMAC-SHA256 with its parameters, written
/// `pbkdf2-sha256$ITERATIONS$SALT$DIGEST` (salt and digest in base64url),
/// so the iteration count can rise later without breaking older hashes.
public struct PasswordHash: Sendable, Hashable, Codable, CustomStringConvertible {
    public static let saltSize = 16
    public static let digestSize = 32

    public var iterations: Int
    public var salt: [UInt8]
    public var digest: [UInt8]

    public init(iterations: Int, salt: [UInt8], digest: [UInt8]) {
        self.iterations = iterations
        self.salt = salt
        self.digest = digest
    }

    public var description: String {
        "pbkdf2-sha256$\(iterations)$\(Base64URL.encode(salt))$\(Base64URL.encode(digest))"
    }

    public init?(encoded text: String) {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let iterations = Int(parts[1]),
              (1...PBKDF2.iterationsMax).contains(iterations),
              let salt = Base64URL.decode(String(parts[2])), salt.count == PasswordHash.saltSize,
              let digest = Base64URL.decode(String(parts[3])), digest.count == PasswordHash.digestSize else { return nil }
        self.init(iterations: iterations, salt: salt, digest: digest)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let hash = PasswordHash(encoded: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a pbkdf2-sha256 password hash"))
        }
        self = hash
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Makes and checks password hashes. `PBKDF2Passwords` is the one the
/// service uses; the protocol lets a test watch which hash a login checked.
public protocol PasswordHashing: Sendable {
    /// Iterations for new hashes (and the dummy one).
    var iterations: Int { get }
    func hash(_ password: String, salt: [UInt8]) -> PasswordHash
    /// Constant time in the content of both: the full derivation runs
    /// whatever the password, and the digests are compared without an
    /// early exit.
    func verify(_ password: String, against stored: PasswordHash) -> Bool
}

extension PasswordHashing {
    /// What a login checks when there is no hash to check (unknown user,
    /// a migrated user not yet activated): same parameters, so the same
    /// work, and a digest of zeros that no password derives.
    public var dummyHash: PasswordHash {
        PasswordHash(iterations: iterations, salt: [UInt8](repeating: 0, count: PasswordHash.saltSize),
                     digest: [UInt8](repeating: 0, count: PasswordHash.digestSize))
    }

    /// A new hash with a fresh 16-byte salt.
    public func hash(_ password: String, random: inout some RandomSource) throws(AccessError) -> PasswordHash {
        hash(password, salt: try random.bytes(PasswordHash.saltSize))
    }
}

/// PBKDF2-HMAC-SHA256 over the password's UTF-8 bytes as sent.
public struct PBKDF2Passwords: PasswordHashing {
    /// The spec's floor, and what the service uses.
    public static let productionIterations = 600_000
    public static let production = PBKDF2Passwords(iterations: productionIterations)

    public let iterations: Int

    /// Fewer iterations than production are for tests only (a debug build
    /// takes seconds per 600,000); the service uses `production`.
    public init(iterations: Int) {
        precondition((1...PBKDF2.iterationsMax).contains(iterations), "PBKDF2 iterations out of range")
        self.iterations = iterations
    }

    public func hash(_ password: String, salt: [UInt8]) -> PasswordHash {
        PasswordHash(iterations: iterations, salt: salt, digest: derive(password, salt: salt, iterations: iterations))
    }

    public func verify(_ password: String, against stored: PasswordHash) -> Bool {
        let derived = derive(password, salt: stored.salt, iterations: stored.iterations)
        return ConstantTime.equals(derived, stored.digest)
    }

    private func derive(_ password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        // The count comes from our own records, checked when decoded; a
        // count out of range derives nothing, so nothing matches.
        (try? PBKDF2.deriveKey(password: password, salt: salt, iterations: iterations)) ?? []
    }
}
