/// SHA-256 (FIPS 180-4), written here because OpenCASS takes no package
/// dependencies and Foundation on Linux has no digest API.
///
/// PBKDF2 runs 1.2 million compressions per login, so the compression
/// works on a fixed state and a caller-provided schedule buffer: no heap
/// allocation per block, and `SHA256.Words` lets HMAC feed digest words
/// straight back in without converting them to bytes.
public struct SHA256: Sendable {
    public static let blockSize = 64
    public static let digestSize = 32

    /// The eight chaining words (H0...H7).
    public struct Words: Sendable, Equatable {
        public var h0, h1, h2, h3, h4, h5, h6, h7: UInt32

        static let initial = Words(
            h0: 0x6a09_e667, h1: 0xbb67_ae85, h2: 0x3c6e_f372, h3: 0xa54f_f53a,
            h4: 0x510e_527f, h5: 0x9b05_688c, h6: 0x1f83_d9ab, h7: 0x5be0_cd19)

        /// The digest bytes, big-endian as FIPS 180-4 writes them.
        public var bytes: [UInt8] {
            var out = [UInt8](repeating: 0, count: SHA256.digestSize)
            out.withUnsafeMutableBytes { store(into: $0.baseAddress.unsafelyUnwrapped) }
            return out
        }

        func store(into destination: UnsafeMutableRawPointer) {
            destination.storeBytes(of: h0.bigEndian, toByteOffset: 0, as: UInt32.self)
            destination.storeBytes(of: h1.bigEndian, toByteOffset: 4, as: UInt32.self)
            destination.storeBytes(of: h2.bigEndian, toByteOffset: 8, as: UInt32.self)
            destination.storeBytes(of: h3.bigEndian, toByteOffset: 12, as: UInt32.self)
            destination.storeBytes(of: h4.bigEndian, toByteOffset: 16, as: UInt32.self)
            destination.storeBytes(of: h5.bigEndian, toByteOffset: 20, as: UInt32.self)
            destination.storeBytes(of: h6.bigEndian, toByteOffset: 24, as: UInt32.self)
            destination.storeBytes(of: h7.bigEndian, toByteOffset: 28, as: UInt32.self)
        }
    }

    private var state = Words.initial
    /// Bytes waiting for a full block: 64 bytes kept inline (no heap).
    private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var pendingCount = 0
    private var byteCount: UInt64 = 0

    public init() {}

    /// Continues from a state after whole blocks (HMAC's precomputed pads).
    init(state: Words, byteCount: UInt64) {
        self.state = state
        self.byteCount = byteCount
    }

    var chainingWords: Words { state }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var source = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        byteCount &+= UInt64(remaining)
        // Locals, so the closures below touch no part of `self`.
        var words = state
        var block = pending
        var blockCount = pendingCount
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
            let w = schedule.baseAddress.unsafelyUnwrapped
            withUnsafeMutableBytes(of: &block) { blockBytes in
                let blockStart = blockBytes.baseAddress.unsafelyUnwrapped
                if blockCount > 0 {
                    let take = min(remaining, SHA256.blockSize - blockCount)
                    (blockStart + blockCount).copyMemory(from: source, byteCount: take)
                    blockCount += take
                    source += take
                    remaining -= take
                    guard blockCount == SHA256.blockSize else { return }
                    SHA256.compress(&words, block: UnsafeRawPointer(blockStart), schedule: w)
                    blockCount = 0
                }
                while remaining >= SHA256.blockSize {
                    SHA256.compress(&words, block: source, schedule: w)
                    source += SHA256.blockSize
                    remaining -= SHA256.blockSize
                }
                if remaining > 0 {
                    blockStart.copyMemory(from: source, byteCount: remaining)
                    blockCount = remaining
                }
            }
        }
        state = words
        pending = block
        pendingCount = blockCount
    }

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        let copy = Array(bytes)
        copy.withUnsafeBytes { update($0) }
    }

    public mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// The digest; the value is consumed (further updates start nothing new).
    public consuming func finalize() -> [UInt8] { finalizeWords().bytes }

    consuming func finalizeWords() -> Words {
        let bitLength = byteCount &* 8
        var padding = [UInt8](repeating: 0, count: SHA256.blockSize + 8)
        padding[0] = 0x80
        let padCount = pendingCount < 56 ? 56 - pendingCount : 120 - pendingCount
        for index in 0..<8 { padding[padCount + index] = UInt8(truncatingIfNeeded: bitLength >> UInt64(56 - 8 * index)) }
        let savedCount = byteCount
        padding.withUnsafeBytes { update(UnsafeRawBufferPointer(rebasing: $0[0..<(padCount + 8)])) }
        byteCount = savedCount
        return state
    }

    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    public static func hash(_ text: String) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(text)
        return hasher.finalize()
    }

    /// One block from bytes: loads the 16 big-endian words, then compresses.
    @inline(__always)
    static func compress(_ state: inout Words, block: UnsafeRawPointer, schedule w: UnsafeMutablePointer<UInt32>) {
        for t in 0..<16 {
            w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self))
        }
        compress(&state, schedule: w)
    }

    /// One block whose 16 message words are already in `w[0..<16]`;
    /// `w[16..<64]` is scratch, so `w[0..<16]` is left as it was.
    @inline(__always)
    static func compress(_ state: inout Words, schedule w: UnsafeMutablePointer<UInt32>) {
        for t in 16..<64 {
            let x = w[t - 15], y = w[t - 2]
            let s0 = x.rotr(7) ^ x.rotr(18) ^ (x >> 3)
            let s1 = y.rotr(17) ^ y.rotr(19) ^ (y >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
        }
        var a = state.h0, b = state.h1, c = state.h2, d = state.h3
        var e = state.h4, f = state.h5, g = state.h6, h = state.h7
        withUnsafePointer(to: roundConstants) { tuple in
            tuple.withMemoryRebound(to: UInt32.self, capacity: 64) { k in
                for t in 0..<64 {
                    let s1 = e.rotr(6) ^ e.rotr(11) ^ e.rotr(25)
                    let choice = (e & f) ^ (~e & g)
                    let temp1 = h &+ s1 &+ choice &+ k[t] &+ w[t]
                    let s0 = a.rotr(2) ^ a.rotr(13) ^ a.rotr(22)
                    let majority = (a & b) ^ (a & c) ^ (b & c)
                    let temp2 = s0 &+ majority
                    h = g; g = f; f = e; e = d &+ temp1
                    d = c; c = b; b = a; a = temp1 &+ temp2
                }
            }
        }
        state.h0 &+= a; state.h1 &+= b; state.h2 &+= c; state.h3 &+= d
        state.h4 &+= e; state.h5 &+= f; state.h6 &+= g; state.h7 &+= h
    }
}

/// The 64 round constants, as a tuple so that reading them needs neither a
/// heap array nor bounds checks in the inner loop.
private let roundConstants: (
    UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
    UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
    UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
    UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32
) = (
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
    0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
    0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
    0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
    0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
    0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
    0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2
)

extension UInt32 {
    @inline(__always)
    fileprivate func rotr(_ count: UInt32) -> UInt32 { (self >> count) | (self << (32 &- count)) }
}
