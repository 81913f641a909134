/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny seeded generator. The
/// sample generator seeds its xoshiro256** state with it, and tests use it
/// so that a failing random sequence is replayed from its seed. Not for
/// anything secret (keys, tokens): those come from the kernel.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// In `0..<bound` (0 when `bound` is not positive), by remainder: the
    /// slight bias does not matter to a test's choices.
    public mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(max(bound, 1)))
    }
}
