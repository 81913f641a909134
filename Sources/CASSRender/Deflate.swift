/// A small DEFLATE (RFC 1951) compressor: LZ77 over a 32 KiB window with
/// short hash chains, coded with the fixed Huffman tables. Dynamic tables
/// would save another 10-20 %; fixed ones keep this file small and fast, and
/// PDF content streams and XML shrink 4-8x with them already.
public enum Deflate {
    /// Raw DEFLATE data (what ZIP stores).
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        let packed = fixedHuffman(input)
        // Incompressible data (font outlines can be): stored blocks cost
        // 5 bytes per 64 KiB instead of up to 1/8 more.
        return packed.count <= input.count + 5 * (input.count / 65535 + 1) ? packed : stored(input)
    }

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

    /// Bits into a buffer allocated once for the worst case (9 bits per
    /// literal): appending byte by byte to an array checked its capacity
    /// and uniqueness for every output byte.
    private struct BitWriter {
        let out: UnsafeMutableBufferPointer<UInt8>
        var at = 0
        var buffer: UInt64 = 0
        var count: UInt64 = 0

        init(capacity: Int) { out = .allocate(capacity: capacity) }

        /// Writes `n` (at most 32) bits of `value`, least significant first.
        @inline(__always) mutating func write(_ value: UInt32, _ n: UInt32) {
            buffer |= UInt64(value) << count
            count += UInt64(n)
            if count >= 32 {
                out[at] = UInt8(truncatingIfNeeded: buffer)
                out[at + 1] = UInt8(truncatingIfNeeded: buffer >> 8)
                out[at + 2] = UInt8(truncatingIfNeeded: buffer >> 16)
                out[at + 3] = UInt8(truncatingIfNeeded: buffer >> 24)
                at += 4
                buffer >>= 32
                count -= 32
            }
        }

        /// The bytes written, the last one padded with zero bits; frees the buffer.
        mutating func finish() -> [UInt8] {
            while count > 0 {
                out[at] = UInt8(truncatingIfNeeded: buffer)
                at += 1
                buffer >>= 8
                count = count >= 8 ? count - 8 : 0
            }
            let result = Array(UnsafeBufferPointer(rebasing: out[0..<at]))
            out.deallocate()
            return result
        }
    }

    /// Huffman codes go out most significant bit first, so they are stored reversed.
    private static func reversed(_ code: UInt32, _ length: UInt32) -> UInt32 {
        var result: UInt32 = 0
        var c = code
        for _ in 0..<length { result = result << 1 | (c & 1); c >>= 1 }
        return result
    }

    /// (reversed code, bit length) for literal/length symbols 0...287.
    private static let literalCodes: [(UInt32, UInt32)] = (0..<288).map { symbol in
        switch symbol {
        case 0...143: return (reversed(0x30 + UInt32(symbol), 8), 8)
        case 144...255: return (reversed(0x190 + UInt32(symbol - 144), 9), 9)
        case 256...279: return (reversed(UInt32(symbol - 256), 7), 7)
        default: return (reversed(0xC0 + UInt32(symbol - 280), 8), 8)
        }
    }

    private static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra: [UInt32] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra: [UInt32] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    /// Length 3...258 to its index in `lengthBase`.
    private static let lengthIndex: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 259)
        var code = 0
        for length in 3...258 {
            while code + 1 < lengthBase.count && lengthBase[code + 1] <= length { code += 1 }
            table[length] = UInt8(code)
        }
        return table
    }()

    private static let distanceCodes5: [UInt32] = (0..<30).map { reversed(UInt32($0), 5) }

    /// Distance 1...32768 to its index in `distanceBase`, as zlib finds it:
    /// entry d - 1 for distances up to 256, entry 256 + (d - 1) >> 7 above
    /// (every code above 256 starts on a multiple of 128, plus one).
    private static let distanceIndexTable: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 512)
        for slot in 0..<512 {
            let distance = slot < 256 ? slot + 1 : ((slot - 256) << 7) + 1
            var code = 29
            while distanceBase[code] > distance { code -= 1 }
            table[slot] = UInt8(code)
        }
        return table
    }()

    static func fixedHuffman(_ input: [UInt8]) -> [UInt8] {
        // Worst case: 9 bits per literal, plus the block header and end code.
        var bits = BitWriter(capacity: input.count * 9 / 8 + 16)
        bits.write(1, 1)  // BFINAL
        bits.write(1, 2)  // BTYPE = 01, fixed Huffman
        let n = input.count
        // Tables sized to the input: a document has many small streams, and
        // clearing 256 KiB of tables for each was most of their cost.
        var hashBits = 8
        while hashBits < 15 && (1 << hashBits) < n { hashBits += 1 }
        let windowSize = 32768
        var windowMask = 255
        while windowMask + 1 < min(windowSize, max(n, 256)) { windowMask = windowMask << 1 | 1 }
        let maxChain = 8
        // A match this long ends the search (zlib's "nice length").
        let niceLength = 64
        // Matches longer than this enter the hash chains at their first
        // `maxInsert` positions only (see the insertion below).
        let maxInsert = 8
        let head = UnsafeMutableBufferPointer<Int32>.allocate(capacity: 1 << hashBits)
        head.initialize(repeating: -1)
        // Not cleared: a slot is read only for a position in the window,
        // which wrote it when it entered the chains (a later position with
        // the same slot is a whole window further, so not yet entered).
        let previous = UnsafeMutableBufferPointer<Int32>.allocate(capacity: windowMask + 1)
        defer {
            head.deallocate()
            previous.deallocate()
        }
        let lengthIndex = Self.lengthIndex, literalCodes = Self.literalCodes, lengthExtra = Self.lengthExtra, lengthBase = Self.lengthBase
        let distanceCodes5 = Self.distanceCodes5, distanceExtra = Self.distanceExtra, distanceBase = Self.distanceBase
        let distanceIndexTable = Self.distanceIndexTable
        input.withUnsafeBufferPointer { data in
            let shift = UInt32(32 - hashBits)
            @inline(__always) func hash(_ p: Int) -> Int {
                Int(((UInt32(data[p]) << 16 | UInt32(data[p + 1]) << 8 | UInt32(data[p + 2])) &* 2_654_435_761) >> shift)
            }
            var i = 0
            while i < n {
                var bestLength = 0
                var bestDistance = 0
                if i + 2 < n {
                    let h = hash(i)
                    var candidate = Int(head[h])
                    var chain = 0
                    let limit = min(258, n - i)
                    while candidate >= 0 && i - candidate <= windowMask && chain < maxChain {
                        if data[candidate + bestLength] == data[i + bestLength] || bestLength == 0 {
                            // Eight bytes at a time (a content stream's matches run long);
                            // the first differing byte from the XOR's low zero bits.
                            var length = 0
                            let base = UnsafeRawPointer(data.baseAddress.unsafelyUnwrapped)
                            while length + 8 <= limit {
                                let a = base.loadUnaligned(fromByteOffset: candidate + length, as: UInt64.self)
                                let b = base.loadUnaligned(fromByteOffset: i + length, as: UInt64.self)
                                let difference = UInt64(littleEndian: a ^ b)
                                if difference != 0 {
                                    length += difference.trailingZeroBitCount / 8
                                    break
                                }
                                length += 8
                            }
                            if length + 8 > limit {
                                while length < limit && data[candidate + length] == data[i + length] { length += 1 }
                            }
                            if length > bestLength {
                                bestLength = length
                                bestDistance = i - candidate
                                if length >= niceLength || length == limit { break }
                            }
                        }
                        let next = Int(previous[candidate & windowMask])
                        if next >= candidate { break }
                        candidate = next
                        chain += 1
                    }
                    // Position i enters the chains with the hash computed for its search.
                    previous[i & windowMask] = head[h]
                    head[h] = Int32(i)
                }
                let end: Int
                if bestLength >= 3 {
                    let li = Int(lengthIndex[bestLength])
                    let (code, length) = literalCodes[257 + li]
                    bits.write(code, length)
                    if lengthExtra[li] > 0 { bits.write(UInt32(bestLength - lengthBase[li]), lengthExtra[li]) }
                    let slot = bestDistance <= 256 ? bestDistance - 1 : 256 + (bestDistance - 1) >> 7
                    let di = Int(distanceIndexTable[slot])
                    bits.write(distanceCodes5[di], 5)
                    if distanceExtra[di] > 0 { bits.write(UInt32(bestDistance - distanceBase[di]), distanceExtra[di]) }
                    end = i + bestLength
                } else {
                    let (code, length) = literalCodes[Int(data[i])]
                    bits.write(code, length)
                    end = i + 1
                }
                // The rest of a match enters the hash chains, but only its
                // first `maxInsert` positions when it is longer (as zlib's fast
                // levels do): inserting every byte of a content stream's long
                // matches was a third of this function (a store into `head`
                // and one into `previous` per byte, mostly cache misses), and
                // the strings inside a long match were mostly entered already
                // where it was copied from.
                let insertEnd = min(end - i > maxInsert ? i + maxInsert : end, n - 2)
                var p = i + 1
                while p < insertEnd {
                    let h = hash(p)
                    previous[p & windowMask] = head[h]
                    head[h] = Int32(p)
                    p += 1
                }
                i = end
            }
        }
        let (endCode, endLength) = literalCodes[256]
        bits.write(endCode, endLength)
        return bits.finish()
    }
}
