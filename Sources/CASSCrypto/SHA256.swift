import CSHA256

/// SHA-256 (FIPS 180-4), written here because OpenCASS takes no package
/// dependencies and Foundation on Linux has no digest API.
///
/// PBKDF2 runs 1.2 million compressions per login, so the compression
/// works on a fixed state and the block's 16 message words (the schedule
/// is extended in locals): no heap allocation per block, and `SHA256.Words` lets HMAC feed digest words
/// straight back in without converting them to bytes.
public struct SHA256: Sendable {
    public static let blockSize = 64
    /// Whether runs of whole blocks go to the CPU's SHA instructions
    /// (x86 SHA extensions, checked once); false: the Swift rounds below.
    public static let usesHardware = cass_sha256_hardware_available() == 1
    /// Tests only: false forces the Swift rounds, to compare both paths.
    nonisolated(unsafe) static var hardwareAllowed = true
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
        withUnsafeMutableBytes(of: &block) { blockBytes in
            let blockStart = blockBytes.baseAddress.unsafelyUnwrapped
            if blockCount > 0 {
                let take = min(remaining, SHA256.blockSize - blockCount)
                (blockStart + blockCount).copyMemory(from: source, byteCount: take)
                blockCount += take
                source += take
                remaining -= take
                guard blockCount == SHA256.blockSize else { return }
                SHA256.compress(&words, block: UnsafeRawPointer(blockStart))
                blockCount = 0
            }
            if remaining >= SHA256.blockSize, SHA256.usesHardware, SHA256.hardwareAllowed {
                let blocks = remaining / SHA256.blockSize
                SHA256.hardwareBlocks(&words, source, blocks)
                source += blocks * SHA256.blockSize
                remaining -= blocks * SHA256.blockSize
            }
            while remaining >= SHA256.blockSize {
                SHA256.compress(&words, block: source)
                source += SHA256.blockSize
                remaining -= SHA256.blockSize
            }
            if remaining > 0 {
                blockStart.copyMemory(from: source, byteCount: remaining)
                blockCount = remaining
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

    /// The digests of whole messages, in their order. With the SHA
    /// instructions the messages go in two lanes (each message into the
    /// lane with fewer bytes so far, the largest first) and the lanes'
    /// whole blocks are compressed two at a time, one of each
    /// (`cass_sha256_hardware_blocks2`): a message's rounds wait on each
    /// other, and two chains interleaved ran 1.4x as fast here as one
    /// after the other. A lane whose message runs out of whole blocks
    /// finishes it (its tail the usual way) and goes on with its next one,
    /// so an invoice's five documents are hashed nearly all in pairs.
    /// Without them, one message after the other.
    public static func digests(_ messages: [UnsafeRawBufferPointer]) -> [[UInt8]] {
        var results = [[UInt8]](repeating: [], count: messages.count)
        guard messages.count > 1, usesHardware, hardwareAllowed else {
            for (k, message) in messages.enumerated() {
                var hasher = SHA256()
                hasher.update(message)
                results[k] = hasher.finalize()
            }
            return results
        }
        struct Lane {
            var queue: [Int] = []
            var next = 0
            var hasher = SHA256()
            var offset = 0
        }
        var first = Lane(), second = Lane()
        var firstLoad = 0, secondLoad = 0
        for k in messages.indices.sorted(by: { messages[$0].count > messages[$1].count }) {
            if firstLoad <= secondLoad {
                first.queue.append(k)
                firstLoad += messages[k].count
            } else {
                second.queue.append(k)
                secondLoad += messages[k].count
            }
        }
        /// Whole blocks the lane's current message has left (0: none, or no message).
        func blocksLeft(_ lane: Lane) -> Int {
            lane.next < lane.queue.count ? (messages[lane.queue[lane.next]].count - lane.offset) / blockSize : 0
        }
        /// Finishes the lane's current message with its tail, and moves on.
        func finishCurrent(_ lane: inout Lane) {
            let index = lane.queue[lane.next]
            lane.hasher.update(UnsafeRawBufferPointer(rebasing: messages[index][lane.offset...]))
            results[index] = lane.hasher.finalize()
            lane.hasher = SHA256()
            lane.offset = 0
            lane.next += 1
        }
        while true {
            while first.next < first.queue.count, blocksLeft(first) == 0 { finishCurrent(&first) }
            while second.next < second.queue.count, blocksLeft(second) == 0 { finishCurrent(&second) }
            let blocks = min(blocksLeft(first), blocksLeft(second))
            guard blocks > 0, let startA = messages[first.queue[first.next]].baseAddress,
                  let startB = messages[second.queue[second.next]].baseAddress else { break }
            hardwareBlocks(&first.hasher.state, startA + first.offset, &second.hasher.state, startB + second.offset, blocks)
            first.offset += blocks * blockSize
            second.offset += blocks * blockSize
            first.hasher.byteCount += UInt64(blocks * blockSize)
            second.hasher.byteCount += UInt64(blocks * blockSize)
        }
        // One lane has run dry: the other's messages one at a time.
        while first.next < first.queue.count { finishCurrent(&first) }
        while second.next < second.queue.count { finishCurrent(&second) }
        return results
    }

    /// Whole blocks of two messages through the SHA instructions, one of
    /// each at a time (only when `usesHardware`).
    static func hardwareBlocks(_ a: inout Words, _ sourceA: UnsafeRawPointer, _ b: inout Words, _ sourceB: UnsafeRawPointer, _ blocks: Int) {
        var ha: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (a.h0, a.h1, a.h2, a.h3, a.h4, a.h5, a.h6, a.h7)
        var hb: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (b.h0, b.h1, b.h2, b.h3, b.h4, b.h5, b.h6, b.h7)
        withUnsafeMutableBytes(of: &ha) { rawA in
            withUnsafeMutableBytes(of: &hb) { rawB in
                cass_sha256_hardware_blocks2(rawA.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt32.self),
                                             sourceA.assumingMemoryBound(to: UInt8.self),
                                             rawB.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt32.self),
                                             sourceB.assumingMemoryBound(to: UInt8.self), blocks)
            }
        }
        a = Words(h0: ha.0, h1: ha.1, h2: ha.2, h3: ha.3, h4: ha.4, h5: ha.5, h6: ha.6, h7: ha.7)
        b = Words(h0: hb.0, h1: hb.1, h2: hb.2, h3: hb.3, h4: hb.4, h5: hb.5, h6: hb.6, h7: hb.7)
    }

    /// Whole blocks through the SHA instructions (only when `usesHardware`).
    static func hardwareBlocks(_ words: inout Words, _ source: UnsafeRawPointer, _ blocks: Int) {
        var h: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
            (words.h0, words.h1, words.h2, words.h3, words.h4, words.h5, words.h6, words.h7)
        withUnsafeMutableBytes(of: &h) { raw in
            cass_sha256_hardware_blocks(raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt32.self),
                                        source.assumingMemoryBound(to: UInt8.self), blocks)
        }
        words = Words(h0: h.0, h1: h.1, h2: h.2, h3: h.3, h4: h.4, h5: h.5, h6: h.6, h7: h.7)
    }

    /// One block from bytes: the 16 big-endian words, then the rounds.
    @inline(__always)
    static func compress(_ state: inout Words, block: UnsafeRawPointer) {
        @inline(__always) func word(_ t: Int) -> UInt32 {
            UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self))
        }
        rounds(&state, (word(0), word(1), word(2), word(3), word(4), word(5), word(6), word(7),
                        word(8), word(9), word(10), word(11), word(12), word(13), word(14), word(15)))
    }

    /// One block whose 16 message words are already in `w[0..<16]`, which
    /// are only read (left as they were).
    @inline(__always)
    static func compress(_ state: inout Words, schedule w: UnsafeMutablePointer<UInt32>) {
        rounds(&state, (w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7],
                        w[8], w[9], w[10], w[11], w[12], w[13], w[14], w[15]))
    }

    @inline(__always)
    static func sigma0(_ x: UInt32) -> UInt32 { x.rotr(7) ^ x.rotr(18) ^ (x >> 3) }

    @inline(__always)
    static func sigma1(_ x: UInt32) -> UInt32 { x.rotr(17) ^ x.rotr(19) ^ (x >> 10) }

    /// One round with the working variables in their roles for it: `d`
    /// and `h` are the two that change (h becomes the new a, d the new e).
    @inline(__always)
    static func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
                      _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ k: UInt32, _ w: UInt32) {
        let s1 = e.rotr(6) ^ e.rotr(11) ^ e.rotr(25)
        let choice = g ^ (e & (f ^ g))
        let temp1 = h &+ s1 &+ choice &+ k &+ w
        let s0 = a.rotr(2) ^ a.rotr(13) ^ a.rotr(22)
        let majority = (a & b) | (c & (a | b))
        d &+= temp1
        h = temp1 &+ s0 &+ majority
    }

    /// The 64 rounds, unrolled: the message schedule lives in 16 locals
    /// (a sliding window, updated in place) and the eight working
    /// variables change roles each round instead of being shifted, so a
    /// round is only its arithmetic (about 2x fewer instructions than the
    /// loop over a 64-word array it replaces). Round t uses the variables
    /// shifted by t (a...h, then h, a...g, ...), word t mod 16, and K[t] of
    /// FIPS 180-4 written out; rounds 16...63 first extend the schedule.
    @inline(__always)
    static func rounds(_ state: inout Words,
                       _ w: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
                             UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)) {
        var w0 = w.0, w1 = w.1, w2 = w.2, w3 = w.3, w4 = w.4, w5 = w.5, w6 = w.6, w7 = w.7
        var w8 = w.8, w9 = w.9, w10 = w.10, w11 = w.11, w12 = w.12, w13 = w.13, w14 = w.14, w15 = w.15
        var a = state.h0, b = state.h1, c = state.h2, d = state.h3
        var e = state.h4, f = state.h5, g = state.h6, h = state.h7
        round(a, b, c, &d, e, f, g, &h, 0x428a2f98, w0)
        round(h, a, b, &c, d, e, f, &g, 0x71374491, w1)
        round(g, h, a, &b, c, d, e, &f, 0xb5c0fbcf, w2)
        round(f, g, h, &a, b, c, d, &e, 0xe9b5dba5, w3)
        round(e, f, g, &h, a, b, c, &d, 0x3956c25b, w4)
        round(d, e, f, &g, h, a, b, &c, 0x59f111f1, w5)
        round(c, d, e, &f, g, h, a, &b, 0x923f82a4, w6)
        round(b, c, d, &e, f, g, h, &a, 0xab1c5ed5, w7)
        round(a, b, c, &d, e, f, g, &h, 0xd807aa98, w8)
        round(h, a, b, &c, d, e, f, &g, 0x12835b01, w9)
        round(g, h, a, &b, c, d, e, &f, 0x243185be, w10)
        round(f, g, h, &a, b, c, d, &e, 0x550c7dc3, w11)
        round(e, f, g, &h, a, b, c, &d, 0x72be5d74, w12)
        round(d, e, f, &g, h, a, b, &c, 0x80deb1fe, w13)
        round(c, d, e, &f, g, h, a, &b, 0x9bdc06a7, w14)
        round(b, c, d, &e, f, g, h, &a, 0xc19bf174, w15)
        w0 = w0 &+ sigma0(w1) &+ w9 &+ sigma1(w14)
        round(a, b, c, &d, e, f, g, &h, 0xe49b69c1, w0)
        w1 = w1 &+ sigma0(w2) &+ w10 &+ sigma1(w15)
        round(h, a, b, &c, d, e, f, &g, 0xefbe4786, w1)
        w2 = w2 &+ sigma0(w3) &+ w11 &+ sigma1(w0)
        round(g, h, a, &b, c, d, e, &f, 0x0fc19dc6, w2)
        w3 = w3 &+ sigma0(w4) &+ w12 &+ sigma1(w1)
        round(f, g, h, &a, b, c, d, &e, 0x240ca1cc, w3)
        w4 = w4 &+ sigma0(w5) &+ w13 &+ sigma1(w2)
        round(e, f, g, &h, a, b, c, &d, 0x2de92c6f, w4)
        w5 = w5 &+ sigma0(w6) &+ w14 &+ sigma1(w3)
        round(d, e, f, &g, h, a, b, &c, 0x4a7484aa, w5)
        w6 = w6 &+ sigma0(w7) &+ w15 &+ sigma1(w4)
        round(c, d, e, &f, g, h, a, &b, 0x5cb0a9dc, w6)
        w7 = w7 &+ sigma0(w8) &+ w0 &+ sigma1(w5)
        round(b, c, d, &e, f, g, h, &a, 0x76f988da, w7)
        w8 = w8 &+ sigma0(w9) &+ w1 &+ sigma1(w6)
        round(a, b, c, &d, e, f, g, &h, 0x983e5152, w8)
        w9 = w9 &+ sigma0(w10) &+ w2 &+ sigma1(w7)
        round(h, a, b, &c, d, e, f, &g, 0xa831c66d, w9)
        w10 = w10 &+ sigma0(w11) &+ w3 &+ sigma1(w8)
        round(g, h, a, &b, c, d, e, &f, 0xb00327c8, w10)
        w11 = w11 &+ sigma0(w12) &+ w4 &+ sigma1(w9)
        round(f, g, h, &a, b, c, d, &e, 0xbf597fc7, w11)
        w12 = w12 &+ sigma0(w13) &+ w5 &+ sigma1(w10)
        round(e, f, g, &h, a, b, c, &d, 0xc6e00bf3, w12)
        w13 = w13 &+ sigma0(w14) &+ w6 &+ sigma1(w11)
        round(d, e, f, &g, h, a, b, &c, 0xd5a79147, w13)
        w14 = w14 &+ sigma0(w15) &+ w7 &+ sigma1(w12)
        round(c, d, e, &f, g, h, a, &b, 0x06ca6351, w14)
        w15 = w15 &+ sigma0(w0) &+ w8 &+ sigma1(w13)
        round(b, c, d, &e, f, g, h, &a, 0x14292967, w15)
        w0 = w0 &+ sigma0(w1) &+ w9 &+ sigma1(w14)
        round(a, b, c, &d, e, f, g, &h, 0x27b70a85, w0)
        w1 = w1 &+ sigma0(w2) &+ w10 &+ sigma1(w15)
        round(h, a, b, &c, d, e, f, &g, 0x2e1b2138, w1)
        w2 = w2 &+ sigma0(w3) &+ w11 &+ sigma1(w0)
        round(g, h, a, &b, c, d, e, &f, 0x4d2c6dfc, w2)
        w3 = w3 &+ sigma0(w4) &+ w12 &+ sigma1(w1)
        round(f, g, h, &a, b, c, d, &e, 0x53380d13, w3)
        w4 = w4 &+ sigma0(w5) &+ w13 &+ sigma1(w2)
        round(e, f, g, &h, a, b, c, &d, 0x650a7354, w4)
        w5 = w5 &+ sigma0(w6) &+ w14 &+ sigma1(w3)
        round(d, e, f, &g, h, a, b, &c, 0x766a0abb, w5)
        w6 = w6 &+ sigma0(w7) &+ w15 &+ sigma1(w4)
        round(c, d, e, &f, g, h, a, &b, 0x81c2c92e, w6)
        w7 = w7 &+ sigma0(w8) &+ w0 &+ sigma1(w5)
        round(b, c, d, &e, f, g, h, &a, 0x92722c85, w7)
        w8 = w8 &+ sigma0(w9) &+ w1 &+ sigma1(w6)
        round(a, b, c, &d, e, f, g, &h, 0xa2bfe8a1, w8)
        w9 = w9 &+ sigma0(w10) &+ w2 &+ sigma1(w7)
        round(h, a, b, &c, d, e, f, &g, 0xa81a664b, w9)
        w10 = w10 &+ sigma0(w11) &+ w3 &+ sigma1(w8)
        round(g, h, a, &b, c, d, e, &f, 0xc24b8b70, w10)
        w11 = w11 &+ sigma0(w12) &+ w4 &+ sigma1(w9)
        round(f, g, h, &a, b, c, d, &e, 0xc76c51a3, w11)
        w12 = w12 &+ sigma0(w13) &+ w5 &+ sigma1(w10)
        round(e, f, g, &h, a, b, c, &d, 0xd192e819, w12)
        w13 = w13 &+ sigma0(w14) &+ w6 &+ sigma1(w11)
        round(d, e, f, &g, h, a, b, &c, 0xd6990624, w13)
        w14 = w14 &+ sigma0(w15) &+ w7 &+ sigma1(w12)
        round(c, d, e, &f, g, h, a, &b, 0xf40e3585, w14)
        w15 = w15 &+ sigma0(w0) &+ w8 &+ sigma1(w13)
        round(b, c, d, &e, f, g, h, &a, 0x106aa070, w15)
        w0 = w0 &+ sigma0(w1) &+ w9 &+ sigma1(w14)
        round(a, b, c, &d, e, f, g, &h, 0x19a4c116, w0)
        w1 = w1 &+ sigma0(w2) &+ w10 &+ sigma1(w15)
        round(h, a, b, &c, d, e, f, &g, 0x1e376c08, w1)
        w2 = w2 &+ sigma0(w3) &+ w11 &+ sigma1(w0)
        round(g, h, a, &b, c, d, e, &f, 0x2748774c, w2)
        w3 = w3 &+ sigma0(w4) &+ w12 &+ sigma1(w1)
        round(f, g, h, &a, b, c, d, &e, 0x34b0bcb5, w3)
        w4 = w4 &+ sigma0(w5) &+ w13 &+ sigma1(w2)
        round(e, f, g, &h, a, b, c, &d, 0x391c0cb3, w4)
        w5 = w5 &+ sigma0(w6) &+ w14 &+ sigma1(w3)
        round(d, e, f, &g, h, a, b, &c, 0x4ed8aa4a, w5)
        w6 = w6 &+ sigma0(w7) &+ w15 &+ sigma1(w4)
        round(c, d, e, &f, g, h, a, &b, 0x5b9cca4f, w6)
        w7 = w7 &+ sigma0(w8) &+ w0 &+ sigma1(w5)
        round(b, c, d, &e, f, g, h, &a, 0x682e6ff3, w7)
        w8 = w8 &+ sigma0(w9) &+ w1 &+ sigma1(w6)
        round(a, b, c, &d, e, f, g, &h, 0x748f82ee, w8)
        w9 = w9 &+ sigma0(w10) &+ w2 &+ sigma1(w7)
        round(h, a, b, &c, d, e, f, &g, 0x78a5636f, w9)
        w10 = w10 &+ sigma0(w11) &+ w3 &+ sigma1(w8)
        round(g, h, a, &b, c, d, e, &f, 0x84c87814, w10)
        w11 = w11 &+ sigma0(w12) &+ w4 &+ sigma1(w9)
        round(f, g, h, &a, b, c, d, &e, 0x8cc70208, w11)
        w12 = w12 &+ sigma0(w13) &+ w5 &+ sigma1(w10)
        round(e, f, g, &h, a, b, c, &d, 0x90befffa, w12)
        w13 = w13 &+ sigma0(w14) &+ w6 &+ sigma1(w11)
        round(d, e, f, &g, h, a, b, &c, 0xa4506ceb, w13)
        w14 = w14 &+ sigma0(w15) &+ w7 &+ sigma1(w12)
        round(c, d, e, &f, g, h, a, &b, 0xbef9a3f7, w14)
        w15 = w15 &+ sigma0(w0) &+ w8 &+ sigma1(w13)
        round(b, c, d, &e, f, g, h, &a, 0xc67178f2, w15)
        state.h0 &+= a; state.h1 &+= b; state.h2 &+= c; state.h3 &+= d
        state.h4 &+= e; state.h5 &+= f; state.h6 &+= g; state.h7 &+= h
    }
}

extension UInt32 {
    @inline(__always)
    fileprivate func rotr(_ count: UInt32) -> UInt32 { (self >> count) | (self << (32 &- count)) }
}
