import CCRC32

/// CRC-32 (IEEE 802.3, reflected, as ZIP and PNG use it).
///
/// On x86 with the carry-less multiply, whole 16-byte blocks (64 bytes or
/// more) are folded by `cass_crc32_hardware_update` (Sources/CCRC32) and
/// only the tail goes through the tables: about 0.1 instructions a byte
/// instead of 1.2.
///
/// Eight bytes per step through eight 256-entry tables ("slicing-by-8",
/// 8 KiB of tables): the byte-at-a-time loop was 2 % of a period close
/// with documents (every XLSX part is checksummed). Pure Swift, so there is
/// no CPU feature to check; `bytewise` stays as the reference the tests
/// compare it with.
public enum CRC32 {
    /// Table k, entry n (at k * 256 + n): the CRC of byte n followed by k zero bytes.
    static let tables: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[n] = c
        }
        for k in 1..<8 {
            for n in 0..<256 {
                let previous = table[(k - 1) * 256 + n]
                table[k * 256 + n] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }()

    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        if let crc = bytes.withContiguousStorageIfAvailable({ update(0xFFFF_FFFF, $0) }) {
            return crc ^ 0xFFFF_FFFF
        }
        return bytewise(bytes)
    }

    static let hardware = cass_crc32_hardware_available() == 1

    /// The running (pre-inverted) CRC after `bytes`.
    static func update(_ start: UInt32, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        guard hardware, let base = bytes.baseAddress, bytes.count >= 64 else { return tableUpdate(start, bytes) }
        let folded = bytes.count & ~15
        let crc = cass_crc32_hardware_update(start, base, folded)
        return tableUpdate(crc, UnsafeBufferPointer(rebasing: bytes[folded...]))
    }

    /// The same through the slicing-by-8 tables: the fallback, the tail
    /// after the folded blocks, and the reference the tests compare with.
    static func tableUpdate(_ start: UInt32, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var crc = start
        tables.withUnsafeBufferPointer { t in
            guard var p = bytes.baseAddress else { return }
            var remaining = bytes.count
            while remaining >= 8 {
                let word = UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ crc
                let high = UInt32(truncatingIfNeeded: word >> 32)
                crc = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                p += 8
                remaining -= 8
            }
            while remaining > 0 {
                crc = t[Int((crc ^ UInt32(p.pointee)) & 0xFF)] ^ (crc >> 8)
                p += 1
                remaining -= 1
            }
        }
        return crc
    }

    /// One byte at a time: for sequences without contiguous storage, and the
    /// reference the sliced loop is tested against.
    static func bytewise(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = tables[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

/// Adler-32, the trailer of a zlib stream (PDF FlateDecode).
enum Adler32 {
    /// Eight bytes per step with the sums done in 16-bit lanes of one
    /// 64-bit word (for bytes d0...d7: a gains d0 + ... + d7, b gains 8a +
    /// 8d0 + 7d1 + ... + 1d7), the lanes folded once per 128 bytes, and the
    /// modulo only every 5552 bytes: about 1.3 instructions a byte instead
    /// of 4 for the byte loop (a PDF's streams all go through here after
    /// Deflate).
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt64 = 1, b: UInt64 = 0
        bytes.withUnsafeBytes { data in
            guard let base = data.baseAddress else { return }
            let count = data.count
            var index = 0
            while index < count {
                // 5552 bytes is the most that can be summed before b would
                // overflow 32 bits (zlib's NMAX); 5552 = 8 * 694.
                let end = min(index + 5552, count)
                // 128 bytes (16 words) per group with the lane sums kept
                // apart and folded once per group: per word only the even
                // and odd bytes' lane sums and their running total (what b
                // gains from a growing within the group) are added, about
                // 1.3 instructions a byte. Lanes stay under 2^16: the sums
                // reach 255 * 16 * 2 = 8,160, the running total 510 * (0 +
                // 1 + ... + 15) = 61,200.
                while index + 128 <= end {
                    var sumEven: UInt64 = 0, sumOdd: UInt64 = 0, prefix: UInt64 = 0
                    var offset = 0
                    while offset < 128 {
                        let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index &+ offset, as: UInt64.self))
                        prefix &+= sumEven &+ sumOdd
                        sumEven &+= word & 0x00FF_00FF_00FF_00FF
                        sumOdd &+= (word >> 8) & 0x00FF_00FF_00FF_00FF
                        offset &+= 8
                    }
                    // Byte q of the group (q = 8k + p, word k, place p) adds
                    // (128 - q) times itself to b: 8 (15 - k) of that is the
                    // running total, 8 - p the lane weights (8 6 4 2 for the
                    // even bytes, 7 5 3 1 for the odd).
                    b &+= a << 7 &+ lanesSum(prefix) << 3
                        &+ lanesDot(sumEven, 8 << 32 | 4, 6 << 32 | 2) &+ lanesDot(sumOdd, 7 << 32 | 3, 5 << 32 | 1)
                    a &+= lanesSum(sumEven &+ sumOdd)
                    index &+= 128
                }
                while index + 8 <= end {
                    let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                    // d0 d2 d4 d6 and d1 d3 d5 d7 in 16-bit lanes (lowest first).
                    let even = word & 0x00FF_00FF_00FF_00FF
                    let odd = (word >> 8) & 0x00FF_00FF_00FF_00FF
                    // The top lane of a product of lanes is the dot product
                    // of one word's lanes with the other's reversed; every
                    // lane sum stays under 2^16 (at most 255 * 20), so no
                    // lower lane carries into it.
                    let sum = ((even &+ odd) &* 0x0001_0001_0001_0001) >> 48
                    let weighted = ((even &* 0x0008_0006_0004_0002) >> 48) &+ ((odd &* 0x0007_0005_0003_0001) >> 48)
                    b &+= a << 3 &+ weighted
                    a &+= sum
                    index += 8
                }
                while index < end {
                    a &+= UInt64(data[index]); b &+= a; index += 1
                }
                a %= 65521; b %= 65521
            }
        }
        return UInt32(b) << 16 | UInt32(a)
    }

    /// The four 16-bit lanes of `v` added up.
    @inline(__always) static func lanesSum(_ v: UInt64) -> UInt64 {
        let pairs = (v & 0x0000_FFFF_0000_FFFF) &+ ((v >> 16) & 0x0000_FFFF_0000_FFFF)
        return (pairs & 0xFFFF_FFFF) &+ (pairs >> 32)
    }

    /// Lanes 0-3 of `v` (each under 2^16) times weights w0-w3, added up, with
    /// `evenWeights` = w0 << 32 | w2 and `oddWeights` = w1 << 32 | w3: lanes
    /// 0 and 2 (and 1 and 3) moved into 32-bit halves, the upper half of
    /// their product with the weights is l0 * w0 + l2 * w2 (the lower
    /// product is under 2^32, so nothing carries into it).
    @inline(__always) static func lanesDot(_ v: UInt64, _ evenWeights: UInt64, _ oddWeights: UInt64) -> UInt64 {
        ((v & 0x0000_FFFF_0000_FFFF) &* evenWeights) >> 32 &+ (((v >> 16) & 0x0000_FFFF_0000_FFFF) &* oddWeights) >> 32
    }

    /// One byte at a time: the reference the word loop is tested against.
    static func bytewise(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return b << 16 | a
    }
}
