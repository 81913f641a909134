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
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        bytes.withUnsafeBufferPointer { data in
            var index = 0
            while index < data.count {
                // 5552 bytes is the most that can be summed before b overflows.
                let end = min(index + 5552, data.count)
                while index < end { a &+= UInt32(data[index]); b &+= a; index += 1 }
                a %= 65521; b %= 65521
            }
        }
        return b << 16 | a
    }
}
