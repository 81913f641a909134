/// HMAC-SHA256 (RFC 2104, FIPS 198-1): webhook signatures and the PRF of
/// PBKDF2.
public enum HMACSHA256 {
    public static let macSize = SHA256.digestSize

    /// A key made ready once: the SHA-256 states after the inner (ipad) and
    /// outer (opad) key blocks. Every MAC under the key then starts from
    /// them instead of hashing the two 64-byte pads again, which halves the
    /// work for short messages (PBKDF2's 32-byte blocks).
    public struct Key: Sendable {
        let inner: SHA256.Words
        let outer: SHA256.Words

        public init(_ key: some Collection<UInt8>) {
            var block = key.count > SHA256.blockSize ? SHA256.hash(key) : Array(key)
            block += [UInt8](repeating: 0, count: SHA256.blockSize - block.count)
            var inner = SHA256()
            inner.update(block.map { $0 ^ 0x36 })
            var outer = SHA256()
            outer.update(block.map { $0 ^ 0x5c })
            self.inner = inner.chainingWords
            self.outer = outer.chainingWords
        }

        public init(_ key: String) { self.init(Array(key.utf8)) }

        /// A MAC computed incrementally under this key.
        public func start() -> Authenticator { Authenticator(key: self) }

        public func authenticationCode(_ message: some Sequence<UInt8>) -> [UInt8] {
            var authenticator = start()
            authenticator.update(message)
            return authenticator.finalize()
        }
    }

    /// One MAC in progress: `update` any number of times, then `finalize`.
    public struct Authenticator: Sendable {
        private let outerState: SHA256.Words
        private var inner: SHA256

        init(key: Key) {
            outerState = key.outer
            inner = SHA256(state: key.inner, byteCount: UInt64(SHA256.blockSize))
        }

        public mutating func update(_ bytes: some Sequence<UInt8>) { inner.update(bytes) }
        public mutating func update(_ bytes: UnsafeRawBufferPointer) { inner.update(bytes) }

        public consuming func finalize() -> [UInt8] { finalizeWords().bytes }

        consuming func finalizeWords() -> SHA256.Words {
            let innerDigest = inner.finalizeWords()
            return HMACSHA256.outerHash(outerState, innerDigest: innerDigest)
        }
    }

    public static func authenticationCode(key: some Collection<UInt8>, message: some Sequence<UInt8>) -> [UInt8] {
        Key(key).authenticationCode(message)
    }

    public static func authenticationCode(key: String, message: some Sequence<UInt8>) -> [UInt8] {
        Key(key).authenticationCode(message)
    }

    /// The outer hash over a 32-byte inner digest: one block, whose words
    /// are the digest, the 0x80 pad and the length (64 + 32 bytes = 768 bits).
    @inline(__always)
    static func outerHash(_ outer: SHA256.Words, innerDigest d: SHA256.Words) -> SHA256.Words {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { schedule in
            let w = schedule.baseAddress.unsafelyUnwrapped
            loadDigestBlock(w, d)
            var state = outer
            SHA256.compress(&state, schedule: w)
            return state
        }
    }

    /// Fills `w[0..<16]` with a 32-byte digest after a 64-byte key block,
    /// padded as SHA-256's final block.
    @inline(__always)
    static func loadDigestBlock(_ w: UnsafeMutablePointer<UInt32>, _ d: SHA256.Words) {
        w[0] = d.h0; w[1] = d.h1; w[2] = d.h2; w[3] = d.h3
        w[4] = d.h4; w[5] = d.h5; w[6] = d.h6; w[7] = d.h7
        w[8] = 0x8000_0000
        for index in 9..<15 { w[index] = 0 }
        w[15] = UInt32((SHA256.blockSize + SHA256.digestSize) * 8)
    }
}
