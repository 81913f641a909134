/// The generator's own random numbers: xoshiro256** seeded through
/// SplitMix64. Swift's `SystemRandomNumberGenerator` is never used, so a
/// seed gives the same bytes on every machine and every Swift version.
struct SampleRandom {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    init(seed: UInt64) {
        var mix = SplitMix64(seed: seed)
        s0 = mix.next(); s1 = mix.next(); s2 = mix.next(); s3 = mix.next()
    }

    mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// Uniform in `0..<bound` (Lemire's multiply-high; the tiny bias is
    /// irrelevant for sample data and keeps it branch-free).
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    mutating func inRange(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `percent` / 100.
    mutating func percent(_ percent: Int) -> Bool { below(100) < percent }

    /// True with probability `threshold` / 2^64 (see `SampleConfig`).
    mutating func chance(_ threshold: UInt64) -> Bool { next() < threshold }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// A derived generator: files and files' records draw from their own
    /// streams, so adding a kind of record does not reshuffle the rest.
    mutating func fork() -> SampleRandom { SampleRandom(seed: next()) }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
