/// PBKDF2 with HMAC-SHA256 as its PRF (RFC 8018 §5.2): how the service
/// stores passwords (600,000 iterations or more, a 16-byte random salt).
public enum PBKDF2 {
    /// The iteration count the service uses for new passwords; OWASP's
    /// 2023 figure for PBKDF2-HMAC-SHA256.
    public static let recommendedIterations = 600_000
    /// Iterations allowed at most, so a stored hash cannot make a login
    /// compute for hours.
    public static let iterationsMax = 10_000_000
    /// Derived key length allowed at most (32 blocks of SHA-256).
    public static let keyLengthMax = 1024

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case iterations(Int)
        case keyLength(Int)

        public var description: String {
            switch self {
            case .iterations(let count): "PBKDF2 iterations \(count) outside 1...\(PBKDF2.iterationsMax)"
            case .keyLength(let length): "PBKDF2 key length \(length) outside 1...\(PBKDF2.keyLengthMax)"
            }
        }
    }

    public static func deriveKey(password: some Collection<UInt8>, salt: some Collection<UInt8>,
                                 iterations: Int, keyLength: Int = SHA256.digestSize) throws(Failure) -> [UInt8] {
        guard (1...iterationsMax).contains(iterations) else { throw .iterations(iterations) }
        guard (1...keyLengthMax).contains(keyLength) else { throw .keyLength(keyLength) }
        let key = HMACSHA256.Key(password)
        let saltBytes = Array(salt)
        var derived: [UInt8] = []
        derived.reserveCapacity(keyLength + SHA256.digestSize)
        var blockIndex: UInt32 = 1
        while derived.count < keyLength {
            derived += block(key: key, salt: saltBytes, index: blockIndex, iterations: iterations).bytes
            blockIndex += 1
        }
        return Array(derived.prefix(keyLength))
    }

    public static func deriveKey(password: String, salt: some Collection<UInt8>,
                                 iterations: Int, keyLength: Int = SHA256.digestSize) throws(Failure) -> [UInt8] {
        try deriveKey(password: Array(password.utf8), salt: salt, iterations: iterations, keyLength: keyLength)
    }

    /// T_i = U_1 xor ... xor U_c. From U_2 on, each U is two compressions
    /// from the key's precomputed states over a schedule buffer reused
    /// for every iteration: nothing is allocated inside the loop.
    static func block(key: HMACSHA256.Key, salt: [UInt8], index: UInt32, iterations: Int) -> SHA256.Words {
        var first = key.start()
        first.update(salt)
        first.update([UInt8(truncatingIfNeeded: index >> 24), UInt8(truncatingIfNeeded: index >> 16),
                      UInt8(truncatingIfNeeded: index >> 8), UInt8(truncatingIfNeeded: index)])
        var u = first.finalizeWords()
        var t = u
        guard iterations > 1 else { return t }
        let inner = key.inner, outer = key.outer
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { schedule in
            let w = schedule.baseAddress.unsafelyUnwrapped
            HMACSHA256.loadDigestBlock(w, u)
            for _ in 1..<iterations {
                // w[8..<16] (pad and length) survive compress untouched.
                w[0] = u.h0; w[1] = u.h1; w[2] = u.h2; w[3] = u.h3
                w[4] = u.h4; w[5] = u.h5; w[6] = u.h6; w[7] = u.h7
                var state = inner
                SHA256.compress(&state, schedule: w)
                w[0] = state.h0; w[1] = state.h1; w[2] = state.h2; w[3] = state.h3
                w[4] = state.h4; w[5] = state.h5; w[6] = state.h6; w[7] = state.h7
                state = outer
                SHA256.compress(&state, schedule: w)
                u = state
                t.h0 ^= u.h0; t.h1 ^= u.h1; t.h2 ^= u.h2; t.h3 ^= u.h3
                t.h4 ^= u.h4; t.h5 ^= u.h5; t.h6 ^= u.h6; t.h7 ^= u.h7
            }
        }
        return t
    }
}
