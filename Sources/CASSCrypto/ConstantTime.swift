public enum ConstantTime {
    /// Compares without an early exit, so an attacker cannot learn from the
    /// timing how many leading bytes of a guessed token or MAC were right.
    /// The lengths are not secret (digests have fixed sizes) and may leak.
    public static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }
}
