/// FNV-1a, 32 bits: the one hash that places keys in partitions, the same
/// in every log implementation and every process (Swift's own hashing is
/// seeded per process). Routing functions feed it their key's bytes.
public struct FNV1a: Sendable {
    // Inlinable: routing runs once per record in other modules, and a
    // generic call that is not specialized there costs ten times the hash.
    @usableFromInline var state: UInt32 = 2_166_136_261

    /// The hash of everything mixed in so far.
    @inlinable public var value: UInt32 { state }

    @inlinable @inline(__always) public init() {}

    @inlinable @inline(__always) public mutating func mix(_ byte: UInt8) {
        state = (state ^ UInt32(byte)) &* 16_777_619
    }

    @inlinable @inline(__always) public mutating func mix(bytes: some Sequence<UInt8>) {
        for byte in bytes { mix(byte) }
    }

    /// The four bytes of `word`, least significant first.
    @inlinable @inline(__always) public mutating func mix(littleEndian word: UInt32) {
        mix(UInt8(truncatingIfNeeded: word))
        mix(UInt8(truncatingIfNeeded: word >> 8))
        mix(UInt8(truncatingIfNeeded: word >> 16))
        mix(UInt8(truncatingIfNeeded: word >> 24))
    }

    /// The eight bytes of `word`, least significant first.
    @inlinable @inline(__always) public mutating func mix(littleEndian word: UInt64) {
        mix(littleEndian: UInt32(truncatingIfNeeded: word))
        mix(littleEndian: UInt32(truncatingIfNeeded: word >> 32))
    }

    /// The partition among `count` this hash chooses.
    @inlinable @inline(__always) public func partition(among count: Int32) -> Int32 {
        precondition(count > 0, "a topic has at least one partition")
        return Int32(state % UInt32(count))
    }
}
