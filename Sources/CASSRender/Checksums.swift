/// CRC-32 (IEEE 802.3, reflected, as ZIP and PNG use it).
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

    /// The running (pre-inverted) CRC after `bytes`.
    static func update(_ start: UInt32, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
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
    /// 8d0 + 7d1 + ... + 1d7), and the modulo only every 5552 bytes: about
    /// 2 instructions a byte instead of 4 for the byte loop (a PDF's
    /// streams all go through here after Deflate).
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

    /// One byte at a time: the reference the word loop is tested against.
    static func bytewise(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return b << 16 | a
    }
}
