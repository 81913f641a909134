/// A DEFLATE (RFC 1951) compressor: greedy LZ77 over a 32 KiB window with
/// short hash chains of 4-byte strings, then each block coded with whichever
/// of the fixed or its own (dynamic) Huffman tables gives fewer bits, counted exactly before
/// writing. The matcher is zlib's fast kind (no lazy matching, short
/// chains): PDF content streams and worksheets are long runs of repeated
/// operators and tags, where dynamic codes gain more than a deeper search
/// would, for much less time.
///
/// Limits: inputs of up to `maxCompressedInput` bytes are compressed
/// (positions are kept as Int32); larger ones go out as stored blocks.
/// Output is at most 5 bytes per 64 KiB over the input (stored blocks
/// when that is smaller).
public enum Deflate {
    /// Raw DEFLATE data (what ZIP stores).
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        guard input.count <= maxCompressedInput else { return stored(input) }
        let packed = huffman(input)
        // Incompressible data (font outlines can be): stored blocks cost
        // 5 bytes per 64 KiB instead of up to 1/8 more.
        return packed.count <= input.count + 5 * (input.count / 65535 + 1) ? packed : stored(input)
    }

    /// 1 GiB: the hash chains hold positions as Int32, with empty slots a
    /// window further back than position 0 (PDF streams and worksheet parts
    /// are megabytes at most; a ZIP without ZIP64 stops at 4 GiB anyway).
    public static let maxCompressedInput = 1 << 30

    /// A zlib stream (RFC 1950): what PDF's /FlateDecode expects.
    public static func zlib(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        out.append(contentsOf: compress(input))
        let adler = Adler32.checksum(input)
        out.append(UInt8(adler >> 24)); out.append(UInt8((adler >> 16) & 0xFF))
        out.append(UInt8((adler >> 8) & 0xFF)); out.append(UInt8(adler & 0xFF))
        return out
    }

    static func stored(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count + 5 * (input.count / 65535 + 1))
        var start = 0
        repeat {
            let end = min(start + 65535, input.count)
            let count = UInt16(end - start)
            out.append(end == input.count ? 1 : 0)
            out.append(UInt8(count & 0xFF)); out.append(UInt8(count >> 8))
            out.append(UInt8(~count & 0xFF)); out.append(UInt8(~count >> 8))
            out.append(contentsOf: input[start..<end])
            start = end
        } while start < input.count
        return out
    }

    // MARK: Tables (built once)

    static let lengthBase: [UInt16] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase: [UInt16] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra: [UInt8] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// A match's length and distance as the LZ77 pass records them, codes
    /// and extra bits already looked up (so writing a block is table reads):
    /// bit 31 set; length code index (0-28) in bits 26-30, its extra bits'
    /// value in 21-25; distance code (0-29) in 16-20, its extra bits' value
    /// in 0-12. A literal is its byte value (bit 31 clear).
    ///
    /// For length 3...258: the length part (index << 26 | extra << 21).
    static let lengthSymbol: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 259)
        var code = 0
        for length in 3...258 {
            while code + 1 < lengthBase.count && Int(lengthBase[code + 1]) <= length { code += 1 }
            table[length] = UInt32(code) << 26 | UInt32(length - Int(lengthBase[code])) << 21
        }
        return table
    }()

    /// Distance 1...32768 to its code, as zlib finds it: entry d - 1 for
    /// distances up to 256, entry 256 + (d - 1) >> 7 above (every code
    /// above 256 starts on a multiple of 128, plus one).
    static let distanceCodeBySlot: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 512)
        for slot in 0..<512 {
            let distance = slot < 256 ? slot + 1 : ((slot - 256) << 7) + 1
            var code = 29
            while Int(distanceBase[code]) > distance { code -= 1 }
            table[slot] = UInt8(code)
        }
        return table
    }()

    /// The distance part of a match's symbol by slot (as above), less the
    /// code's base distance: adding the distance gives code << 16 | extra
    /// bits' value in one step (distance >= base, so nothing borrows).
    static let distanceSymbolBySlot: [UInt32] = distanceCodeBySlot.map { UInt32($0) << 16 &- UInt32(distanceBase[Int($0)]) }

    /// RFC 1951 3.2.6: the fixed literal/length and distance code lengths.
    static let fixedLiteralLengths: [UInt8] = (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 }
    static let fixedDistanceLengths = [UInt8](repeating: 5, count: 30)
    static let fixedLiteralCodes = canonicalCodes(fixedLiteralLengths)
    static let fixedDistanceCodes = canonicalCodes(fixedDistanceLengths)

    /// The order code length code lengths are sent in (RFC 1951 3.2.7).
    static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    // MARK: Huffman codes

    /// Canonical codes for `lengths` (each 0-15), bit-reversed: Huffman
    /// codes go out most significant bit first, everything else least
    /// significant first. Through buffer pointers, with the counts on the
    /// stack: a block builds three code sets, and the checked array version
    /// cost 5,000 instructions for a literal/length set.
    static func canonicalCodes(_ lengths: [UInt8]) -> [UInt16] {
        lengths.withUnsafeBufferPointer { lengths in
            withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 32) { table in
                // Codes per length at 0-15 (lengths of 0 counted but never
                // used), then the next code of each length at 16-31.
                guard let count = table.baseAddress else { return [] }
                let next = count + 16
                count.initialize(repeating: 0, count: 32)
                for length in lengths {
                    precondition(length < 16, "Huffman code lengths are at most 15")
                    count[Int(length)] &+= 1
                }
                count[0] = 0
                var code: UInt16 = 0
                for bits in 1..<16 {
                    code = (code &+ count[bits &- 1]) << 1
                    next[bits] = code
                }
                return [UInt16](unsafeUninitializedCapacity: lengths.count) { codes, initialized in
                    for k in 0..<lengths.count {
                        let length = Int(lengths[k])
                        if length == 0 {
                            codes[k] = 0
                        } else {
                            codes[k] = reversed(next[length], length)
                            next[length] &+= 1
                        }
                    }
                    initialized = lengths.count
                }
            }
        }
    }

    /// The low `length` (1-15) bits of `code` in reverse order: all 16
    /// bits swapped in four steps, then shifted down (a bit-at-a-time loop
    /// was most of building a block's codes).
    @inline(__always) static func reversed(_ code: UInt16, _ length: Int) -> UInt16 {
        var v = UInt32(code)
        v = (v & 0x5555) << 1 | (v >> 1) & 0x5555
        v = (v & 0x3333) << 2 | (v >> 2) & 0x3333
        v = (v & 0x0F0F) << 4 | (v >> 4) & 0x0F0F
        v = (v & 0x00FF) << 8 | (v >> 8) & 0x00FF
        return UInt16(truncatingIfNeeded: v >> UInt32(16 - length))
    }

    /// Huffman code lengths for `frequencies`, none longer than `limit`.
    /// Symbols of frequency 0 get no code, except that at least two symbols
    /// always get one: RFC 1951 allows a lone one-bit code, but zlib notes
    /// that some inflaters reject it, so an unused symbol joins (as zlib does).
    /// `frequencies.count` must be at least 2.
    static func codeLengths(_ frequencies: [UInt32], limit: Int) -> [UInt8] {
        // (frequency, symbol), least frequent first: they get the longest codes.
        var leaves: [UInt64] = []
        leaves.reserveCapacity(frequencies.count)
        for (symbol, frequency) in frequencies.enumerated() where frequency > 0 { leaves.append(UInt64(frequency) << 16 | UInt64(symbol)) }
        var filler = 0
        while leaves.count < 2 {
            while frequencies[filler] > 0 { filler += 1 }
            leaves.append(UInt64(filler))
            filler += 1
        }
        sortLeaves(&leaves)
        let m = leaves.count
        // Huffman's tree by the two-queue method: leaves in order, and the
        // internal nodes are made in order of weight too. Weights, parents
        // and depths in one scratch buffer on the stack: a block builds
        // three trees, and their arrays' allocations were a third of this.
        let nodes = 2 * m - 1
        var countByLength = [Int](repeating: 0, count: limit + 1)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * nodes) { scratch in
            guard let weight = scratch.baseAddress else { return }
            let parent = weight + nodes, depth = parent + nodes
            for k in 0..<m { weight[k] = Int(leaves[k] >> 16) }
            var leaf = 0, node = m, next = m
            @inline(__always) func smallest() -> Int {
                if leaf < m && (node >= next || weight[leaf] <= weight[node]) { leaf &+= 1; return leaf &- 1 }
                node &+= 1
                return node &- 1
            }
            while next < nodes {
                let a = smallest(), b = smallest()
                weight[next] = weight[a] &+ weight[b]
                parent[a] = next; parent[b] = next
                next &+= 1
            }
            depth[nodes - 1] = 0
            for k in stride(from: nodes - 2, through: 0, by: -1) {
                depth[k] = depth[parent[k]] &+ 1
                if k < m { countByLength[min(depth[k], limit)] += 1 }
            }
        }
        // Codes cut to `limit` bits overfill the code space; take codes from
        // the longest length and split shorter ones until it fits (miniz's
        // way: not optimal, but close, and only ever needed for skewed data).
        var total = 0
        for bits in 1...limit { total += countByLength[bits] << (limit - bits) }
        while total > 1 << limit {
            countByLength[limit] -= 1
            for bits in stride(from: limit - 1, through: 1, by: -1) where countByLength[bits] > 0 {
                countByLength[bits] -= 1
                countByLength[bits + 1] += 2
                break
            }
            total -= 1
        }
        var lengths = [UInt8](repeating: 0, count: frequencies.count)
        var k = 0
        for bits in stride(from: limit, through: 1, by: -1) {
            for _ in 0..<countByLength[bits] {
                lengths[Int(leaves[k] & 0xFFFF)] = UInt8(bits)
                k += 1
            }
        }
        return lengths
    }

    /// `leaves` (frequency << 16 | symbol, made in ascending symbol order)
    /// in ascending order. A literal/length tree's 200-286 leaves go
    /// through a stable radix sort on the frequency's two low bytes (a
    /// block's frequencies are under 65,536: at most 16,385 symbols), which
    /// keeps equal frequencies in symbol order, as the full sort puts them:
    /// the library's sort was a third of building a block's codes. Few
    /// leaves, or larger frequencies, take the library's sort.
    static func sortLeaves(_ leaves: inout [UInt64]) {
        let n = leaves.count
        guard n > 64, let largest = leaves.max(), largest >> 32 == 0 else { leaves.sort(); return }
        leaves.withUnsafeMutableBufferPointer { keys in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: n) { scratch in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { counts in
                    var from = keys, to = scratch
                    for shift in [UInt64(16), 24] {
                        counts.initialize(repeating: 0)
                        for key in from { counts[Int((key >> shift) & 0xFF)] += 1 }
                        var start = 0
                        for digit in 0..<256 {
                            let count = counts[digit]
                            counts[digit] = start
                            start += count
                        }
                        for key in from {
                            let digit = Int((key >> shift) & 0xFF)
                            to[counts[digit]] = key
                            counts[digit] += 1
                        }
                        swap(&from, &to)
                    }
                    // Two passes: the sorted keys are back in `keys`.
                    assert(from.baseAddress == keys.baseAddress)
                }
            }
        }
    }

    // MARK: Bits

    /// Bits into a buffer allocated once for the worst case: a block is
    /// written with fixed codes unless its own ones are smaller, so output
    /// is at most 9 bits per input byte plus 10 bits a block.
    private struct BitWriter {
        let out: UnsafeMutableRawPointer
        let capacity: Int
        var at = 0
        var buffer: UInt64 = 0
        var count = 0

        /// 8 bytes of slack (`write` stores 4 bytes at a time, `finish`
        /// the last up to 4).
        init(capacity: Int) {
            self.capacity = capacity + 8
            out = .allocate(byteCount: capacity + 8, alignment: 8)
        }

        /// Writes `n` (at most 32) bits of `value` (nothing above them set),
        /// least significant first. Fewer than 32 bits wait in `buffer`
        /// between calls; 32 go out as one unaligned store when they are
        /// there: a Huffman code is a shift, an OR, an add and a compare,
        /// where storing every whole byte on each call cost twice that.
        @inline(__always) mutating func write(_ value: UInt64, _ n: Int) {
            // &<<: count is under 32, so no test for shifts of 64 or more.
            buffer |= value &<< UInt64(truncatingIfNeeded: count)
            count &+= n
            if count >= 32 {
                out.storeBytes(of: UInt32(truncatingIfNeeded: buffer).littleEndian, toByteOffset: at, as: UInt32.self)
                at &+= 4
                buffer >>= 32
                count &-= 32
            }
        }

        /// The bytes written, the last one padded with zero bits; frees the buffer.
        mutating func finish() -> [UInt8] {
            while count > 0 {
                out.storeBytes(of: UInt8(truncatingIfNeeded: buffer), toByteOffset: at, as: UInt8.self)
                at += 1
                buffer >>= 8
                count -= 8
            }
            count = 0
            let result = [UInt8](UnsafeRawBufferPointer(start: out, count: at))
            out.deallocate()
            return result
        }
    }

    // MARK: Compression

    /// Symbols per block: a block's own codes pay a header of 40-100 bytes,
    /// so blocks are long; zlib's default is the same.
    static let blockSymbols = 16384

    static func huffman(_ input: [UInt8]) -> [UInt8] {
        let n = input.count
        let blockCapacity = min(blockSymbols, n + 1)
        var bits = BitWriter(capacity: n + n / 8 + 2 * (n / blockSymbols + 1) + 16)
        // Tables sized to the input: a document has many small streams, and
        // clearing 256 KiB of tables for each was most of their cost.
        var hashBits = 8
        while hashBits < 15 && (1 << hashBits) < n { hashBits += 1 }
        let windowSize = 32768
        var windowMask = 255
        while windowMask + 1 < min(windowSize, max(n, 256)) { windowMask = windowMask << 1 | 1 }
        // Candidates tried per position, and the match length that ends the
        // search (zlib's "nice length"). Each candidate is a dependent load
        // from tables of up to 256 KiB, so chains cost time more than
        // instructions. Measured in CPU time on 44 MB of real PDF streams
        // and worksheets: 3 and 16 (with 2 inserts below) compress 1.5x as
        // fast as the fixed-code version did with 8 and 64 (8 inserts), and
        // the output is still 9 % smaller thanks to the dynamic codes;
        // 6 and 32 gave 4 % smaller output at 1.2x.
        let maxChain = 3
        let niceLength = 16
        let head = UnsafeMutableBufferPointer<Int32>.allocate(capacity: 1 << hashBits)
        // Empty slots hold a position further back than any window, so the
        // distance test alone ends a chain there.
        head.initialize(repeating: Int32.min / 2)
        // Not cleared: a slot is read only for a position in the window,
        // which wrote it when it entered the chains (a later position with
        // the same slot is a whole window further, so not yet entered).
        let previous = UnsafeMutableBufferPointer<Int32>.allocate(capacity: windowMask + 1)
        let symbols = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: blockCapacity)
        var literalFrequencies = [UInt32](repeating: 0, count: 286)
        var distanceFrequencies = [UInt32](repeating: 0, count: 30)
        defer {
            head.deallocate()
            previous.deallocate()
            symbols.deallocate()
        }
        var symbolCount = 0
        // Arithmetic below wraps (&+) where it cannot overflow: positions
        // are under 2^30, a block's counts under 2^15. The overflow checks
        // were a sixth of the loop's instructions.
        input.withUnsafeBufferPointer { data in
            // 4-byte loads below need 4 bytes; the last 3 are literals.
            guard n >= 4, let start = data.baseAddress else { return }
            let base = UnsafeRawPointer(start)
            let shift = UInt32(32 - hashBits)
            @inline(__always) func load32(_ p: Int) -> UInt32 {
                UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p, as: UInt32.self))
            }
            // The hash of the 4 bytes at a position. Matches are found from 4
            // bytes up (zlib's fast levels hash 3): a candidate that shares 4
            // bytes is worth extending far more often, so the short chains
            // waste fewer probes, and 3-byte matches save little over three
            // literals. Measured with cass-bench deflate: the match loop 27 %
            // fewer instructions, and the output 2 points smaller (content
            // streams 32.2 % -> 30.0 % of their size, worksheets 24.7 % ->
            // 22.5 %); a 10,000-AWB settle's PDFs and workbooks 2.4 % smaller.
            @inline(__always) func hash(_ word: UInt32) -> Int {
                Int(truncatingIfNeeded: (word &* 2_654_435_761) >> shift)
            }
            Self.lengthSymbol.withUnsafeBufferPointer { lengthSymbol in
            Self.distanceSymbolBySlot.withUnsafeBufferPointer { distanceSymbolBySlot in
            literalFrequencies.withUnsafeMutableBufferPointer { literalCounts in
            distanceFrequencies.withUnsafeMutableBufferPointer { distanceCounts in
                var i = 0
                while i < n &- 3 {
                    let word = load32(i)
                    let h = hash(word)
                    let newest = head[h]
                    // Position i enters the chains before its own search: the
                    // slot it takes in `previous` is that of i - 32768 (or of
                    // i less the smaller window), outside the window, so no
                    // candidate of this search reads it.
                    previous[i & windowMask] = newest
                    head[h] = Int32(truncatingIfNeeded: i)
                    var candidate = Int(newest)
                    var bestLength = 0
                    var bestDistance = 0
                    var chain = 0
                    while i &- candidate <= windowMask {
                        // A candidate must share the first four bytes (hash
                        // slots collide) and the byte that would beat the best.
                        if data[candidate &+ bestLength] == data[i &+ bestLength] && load32(candidate) == word {
                            // Here, not before the search: most positions find no
                            // candidate in the window and never need it.
                            let limit = min(258, n &- i)
                            // Eight bytes at a time (a content stream's matches run long);
                            // the first differing byte from the XOR's low zero bits.
                            var length = 4
                            while length &+ 8 <= limit {
                                let a = base.loadUnaligned(fromByteOffset: candidate &+ length, as: UInt64.self)
                                let b = base.loadUnaligned(fromByteOffset: i &+ length, as: UInt64.self)
                                let difference = UInt64(littleEndian: a ^ b)
                                if difference != 0 {
                                    length &+= difference.trailingZeroBitCount &>> 3
                                    break
                                }
                                length &+= 8
                            }
                            if length &+ 8 > limit {
                                while length < limit && data[candidate &+ length] == data[i &+ length] { length &+= 1 }
                            }
                            if length > bestLength {
                                bestLength = length
                                bestDistance = i &- candidate
                                if length >= niceLength || length == limit { break }
                            }
                        }
                        chain &+= 1
                        if chain == maxChain { break }
                        let next = Int(previous[candidate & windowMask])
                        if next >= candidate { break }
                        candidate = next
                    }
                    if bestLength >= 3 {
                        let lengthPart = lengthSymbol[bestLength]
                        let slot = bestDistance <= 256 ? bestDistance &- 1 : 256 &+ (bestDistance &- 1) &>> 7
                        let distancePart = distanceSymbolBySlot[slot] &+ UInt32(truncatingIfNeeded: bestDistance)
                        symbols[symbolCount] = 0x8000_0000 | lengthPart | distancePart
                        literalCounts[257 &+ Int(lengthPart >> 26)] &+= 1
                        distanceCounts[Int(distancePart >> 16)] &+= 1
                        // The rest of a match enters the hash chains, but only its
                        // first 2 positions when it is longer (as zlib's fast
                        // levels do): inserting every byte of a content stream's long
                        // matches was a third of this function (a store into `head`
                        // and one into `previous` per byte, mostly cache misses), and
                        // the strings inside a long match were mostly entered already
                        // where it was copied from.
                        // Matches are 4 bytes or more, so that is
                        // position i + 1 alone, when it has 4 bytes to hash: written
                        // as one insert, not the loop the general bound needs (its
                        // setup cost more than the insert, once per match).
                        let p = i &+ 1
                        if p < n &- 3 {
                            let h = hash(load32(p))
                            previous[p & windowMask] = head[h]
                            head[h] = Int32(truncatingIfNeeded: p)
                        }
                        i &+= bestLength
                    } else {
                        let byte = UInt8(truncatingIfNeeded: word)
                        symbols[symbolCount] = UInt32(byte)
                        literalCounts[Int(byte)] &+= 1
                        i &+= 1
                    }
                    symbolCount &+= 1
                    if symbolCount == blockCapacity {
                        writeBlock(symbols, symbolCount, literalCounts, distanceCounts, final: false, &bits)
                        symbolCount = 0
                    }
                }
                // The last (up to 3) bytes, too short to search from.
                while i < n {
                    if symbolCount == blockCapacity {
                        writeBlock(symbols, symbolCount, literalCounts, distanceCounts, final: false, &bits)
                        symbolCount = 0
                    }
                    symbols[symbolCount] = UInt32(data[i])
                    literalCounts[Int(data[i])] += 1
                    symbolCount += 1
                    i += 1
                }
            }
            }
            }
            }
        }
        // Inputs under 4 bytes never entered the loop above.
        if n < 4 {
            for byte in input {
                symbols[symbolCount] = UInt32(byte)
                literalFrequencies[Int(byte)] += 1
                symbolCount += 1
            }
        }
        literalFrequencies.withUnsafeMutableBufferPointer { literalCounts in
            distanceFrequencies.withUnsafeMutableBufferPointer { distanceCounts in
                writeBlock(symbols, symbolCount, literalCounts, distanceCounts, final: true, &bits)
            }
        }
        return bits.finish()
    }

    /// Writes one block of `count` symbols with the fixed codes or its own,
    /// whichever is fewer bits, and clears the frequencies for the next.
    private static func writeBlock(_ symbols: UnsafeMutableBufferPointer<UInt32>, _ count: Int,
                                   _ literalCounts: UnsafeMutableBufferPointer<UInt32>,
                                   _ distanceCounts: UnsafeMutableBufferPointer<UInt32>,
                                   final: Bool, _ bits: inout BitWriter) {
        literalCounts[256] = 1  // end of block
        let literalFrequencies = Array(literalCounts), distanceFrequencies = Array(distanceCounts)
        for k in literalCounts.indices { literalCounts[k] = 0 }
        for k in distanceCounts.indices { distanceCounts[k] = 0 }

        // Extra bits cost the same under either code.
        var extraBits = 0
        for k in 0..<29 { extraBits += Int(literalFrequencies[257 + k]) * Int(lengthExtra[k]) }
        for k in 0..<30 { extraBits += Int(distanceFrequencies[k]) * Int(distanceExtra[k]) }
        func cost(_ frequencies: [UInt32], _ lengths: [UInt8]) -> Int {
            var total = 0
            for k in frequencies.indices { total += Int(frequencies[k]) * Int(lengths[k]) }
            return total
        }
        let fixedBits = 3 + cost(literalFrequencies, fixedLiteralLengths) + cost(distanceFrequencies, fixedDistanceLengths) + extraBits

        let literalLengths = codeLengths(literalFrequencies, limit: 15)
        let distanceLengths = codeLengths(distanceFrequencies, limit: 15)
        var literalCount = 286
        while literalCount > 257 && literalLengths[literalCount - 1] == 0 { literalCount -= 1 }
        var distanceCount = 30
        while distanceCount > 1 && distanceLengths[distanceCount - 1] == 0 { distanceCount -= 1 }
        // The code lengths, run-length coded (RFC 1951 3.2.7): symbol 16
        // repeats the previous length 3-6 times, 17 and 18 give 3-10 and
        // 11-138 zeros. Each entry: symbol | extra bits' value << 8.
        let all = Array(literalLengths[0..<literalCount]) + Array(distanceLengths[0..<distanceCount])
        var runs: [UInt16] = []
        var codeLengthFrequencies = [UInt32](repeating: 0, count: 19)
        var k = 0
        while k < all.count {
            let length = all[k]
            var run = 1
            while k + run < all.count && all[k + run] == length { run += 1 }
            k += run
            if length == 0 {
                while run >= 11 {
                    let take = min(run, 138)
                    runs.append(18 | UInt16(take - 11) << 8); run -= take
                }
                if run >= 3 { runs.append(17 | UInt16(run - 3) << 8); run = 0 }
            } else {
                runs.append(UInt16(length)); run -= 1
                while run >= 3 {
                    let take = min(run, 6)
                    runs.append(16 | UInt16(take - 3) << 8); run -= take
                }
            }
            for _ in 0..<run { runs.append(UInt16(length)) }
        }
        for run in runs { codeLengthFrequencies[Int(run & 0xFF)] += 1 }
        let codeLengthLengths = codeLengths(codeLengthFrequencies, limit: 7)
        var codeLengthCount = 19
        while codeLengthCount > 4 && codeLengthLengths[codeLengthOrder[codeLengthCount - 1]] == 0 { codeLengthCount -= 1 }
        let runExtraBits = Int(codeLengthFrequencies[16]) * 2 + Int(codeLengthFrequencies[17]) * 3 + Int(codeLengthFrequencies[18]) * 7
        let dynamicBits = 3 + 14 + 3 * codeLengthCount + cost(codeLengthFrequencies, codeLengthLengths) + runExtraBits
            + cost(literalFrequencies, literalLengths) + cost(distanceFrequencies, distanceLengths) + extraBits

        let literalCodes: [UInt16], literalBits: [UInt8], distanceCodes: [UInt16], distanceBits: [UInt8]
        if dynamicBits < fixedBits {
            bits.write(final ? 1 : 0, 1)
            bits.write(2, 2)
            bits.write(UInt64(literalCount - 257), 5)
            bits.write(UInt64(distanceCount - 1), 5)
            bits.write(UInt64(codeLengthCount - 4), 4)
            for k in 0..<codeLengthCount { bits.write(UInt64(codeLengthLengths[codeLengthOrder[k]]), 3) }
            let codeLengthCodes = canonicalCodes(codeLengthLengths)
            for run in runs {
                let symbol = Int(run & 0xFF)
                bits.write(UInt64(codeLengthCodes[symbol]), Int(codeLengthLengths[symbol]))
                switch symbol {
                case 16: bits.write(UInt64(run >> 8), 2)
                case 17: bits.write(UInt64(run >> 8), 3)
                case 18: bits.write(UInt64(run >> 8), 7)
                default: break
                }
            }
            literalCodes = canonicalCodes(literalLengths); literalBits = literalLengths
            distanceCodes = canonicalCodes(distanceLengths); distanceBits = distanceLengths
        } else {
            bits.write(final ? 1 : 0, 1)
            bits.write(1, 2)
            literalCodes = fixedLiteralCodes; literalBits = fixedLiteralLengths
            distanceCodes = fixedDistanceCodes; distanceBits = fixedDistanceLengths
        }
        // Code and length in one word per symbol: one table read per literal.
        var literalTable = [UInt32](repeating: 0, count: 286)
        for k in 0..<286 { literalTable[k] = UInt32(literalCodes[k]) | UInt32(literalBits[k]) << 16 }
        // A match's length part (bits 21-30 of its symbol: code index, then
        // the extra bits' value) to its code with the extra bits above it
        // (bits 0-23, at most 15 + 5 used) and their count (bits 24-31):
        // one read and one write per length, where taking the code and the
        // extra bits apart and joining them cost ten instructions a match.
        // 256 of the 1024 entries are used (the lengths 3...258).
        var lengthTable = [UInt32](repeating: 0, count: 1024)
        for k in 0..<29 {
            let code = UInt32(literalCodes[257 + k]), codeBits = UInt32(literalBits[257 + k]), extra = UInt32(lengthExtra[k])
            for value in 0..<(UInt32(1) << extra) { lengthTable[k << 5 | Int(value)] = (code | value << codeBits) | (codeBits + extra) << 24 }
        }
        // A distance code's code (bits 0-15), its length (16-23) and that
        // length plus its extra bits' count (24-31).
        var distanceTable = [UInt32](repeating: 0, count: 30)
        for k in 0..<30 {
            distanceTable[k] = UInt32(distanceCodes[k]) | UInt32(distanceBits[k]) << 16 | (UInt32(distanceBits[k]) + UInt32(distanceExtra[k])) << 24
        }
        // A local copy inside the closures: through the `inout`, or as a
        // variable the closures capture, the writer's fields went to memory
        // and back for every symbol (every store into the output might
        // alias them).
        literalTable.withUnsafeBufferPointer { literal in
            lengthTable.withUnsafeBufferPointer { length in
            distanceTable.withUnsafeBufferPointer { distance in
                var writer = bits
                defer { bits = writer }
                for s in 0..<count {
                    let symbol = symbols[s]
                    if symbol < 0x8000_0000 {
                        let entry = literal[Int(symbol)]
                        writer.write(UInt64(entry & 0xFFFF), Int((entry >> 16) & 0xFF))
                    } else {
                        // Length code and its extra bits (at most 15 + 5), then
                        // distance code and its extra bits (at most 15 + 13):
                        // two writes, as `write` takes 32 bits at most.
                        let lengthEntry = length[Int((symbol >> 21) & 0x3FF)]
                        writer.write(UInt64(lengthEntry & 0xFF_FFFF), Int(lengthEntry >> 24))
                        let distanceEntry = distance[Int((symbol >> 16) & 31)]
                        writer.write(UInt64(distanceEntry & 0xFFFF) | UInt64(symbol & 0x1FFF) &<< UInt64((distanceEntry >> 16) & 0xFF),
                                     Int(distanceEntry >> 24))
                    }
                }
                let end = literal[256]
                writer.write(UInt64(end & 0xFFFF), Int((end >> 16) & 0xFF))
            }
            }
        }
    }
}
