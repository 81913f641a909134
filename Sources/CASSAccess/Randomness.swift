import CASSCrypto

/// Where salts, tokens and ids come from. The service passes the kernel's
/// (`KernelRandom`); tests pass a seeded one so a run can be replayed.
public protocol RandomSource {
    mutating func bytes(_ count: Int) throws(AccessError) -> [UInt8]
}

/// getrandom(2), through CASSCrypto.
public struct KernelRandom: RandomSource {
    public init() {}

    public mutating func bytes(_ count: Int) throws(AccessError) -> [UInt8] {
        do {
            return try SecureRandom.bytes(count)
        } catch {
            throw .randomUnavailable(error.description)
        }
    }
}
