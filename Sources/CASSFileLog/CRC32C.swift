import CCRC32C

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
/// every frame on disk. Slicing-by-8: eight table lookups per eight bytes,
/// no branch per byte; the tables are built once into memory that is never
/// freed, and read through a raw pointer so the loop carries no bounds checks.
public enum CRC32C {
    static let polynomial: UInt32 = 0x82F6_3B78

    /// 8 tables of 256 entries: table k maps a byte to its CRC after k more zero bytes.
    nonisolated(unsafe) static let tables: UnsafePointer<UInt32> = {
        let tables = UnsafeMutablePointer<UInt32>.allocate(capacity: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ polynomial : crc >> 1 }
            tables[byte] = crc
        }
        for byte in 0..<256 {
            var crc = tables[byte]
            for slice in 1..<8 {
                crc = (crc >> 8) ^ tables[Int(crc & 0xFF)]
                tables[slice * 256 + byte] = crc
            }
        }
        return UnsafePointer(tables)
    }()

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        ~update(0xFFFF_FFFF, bytes)
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// Whether the CPU's crc32 instruction does the work (x86 with SSE4.2;
    /// asked once).
    public static let hardware = cass_crc32c_hardware_available() == 1

    /// Continues a running (not yet inverted) state over more bytes: start
    /// from 0xFFFFFFFF, and the checksum is the final state inverted. Lets a
    /// producer checksum a frame's payload before it knows the offset that
    /// ends the frame. With the CPU's instruction where there is one (the
    /// tables took about 8 % of `cass serve`'s CPU time), the tables otherwise.
    @inline(__always)
    public static func update(_ state: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard hardware else { return softwareUpdate(state, bytes) }
        guard let pointer = bytes.baseAddress, !bytes.isEmpty else { return state }
        return cass_crc32c_hardware_update(state, pointer.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// `update` with the tables, whatever the CPU (the fallback, and the
    /// tests' second implementation).
    public static func softwareUpdate(_ state: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard var pointer = bytes.baseAddress, !bytes.isEmpty else { return state }
        var crc = state
        var count = bytes.count
        let t = tables
        // Bytes one at a time up to an 8-byte boundary, then 8 at a time.
        while count > 0, UInt(bitPattern: pointer) & 7 != 0 {
            crc = (crc >> 8) ^ t[Int((crc ^ UInt32(pointer.load(as: UInt8.self))) & 0xFF)]
            pointer += 1
            count -= 1
        }
        while count >= 8 {
            let word = UInt64(littleEndian: pointer.load(as: UInt64.self))
            let low = UInt32(truncatingIfNeeded: word) ^ crc
            let high = UInt32(truncatingIfNeeded: word >> 32)
            crc = t[7 * 256 + Int(low & 0xFF)]
                ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                ^ t[5 * 256 + Int((low >> 16) & 0xFF)]
                ^ t[4 * 256 + Int(low >> 24)]
                ^ t[3 * 256 + Int(high & 0xFF)]
                ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                ^ t[1 * 256 + Int((high >> 16) & 0xFF)]
                ^ t[Int(high >> 24)]
            pointer += 8
            count -= 8
        }
        while count > 0 {
            crc = (crc >> 8) ^ t[Int((crc ^ UInt32(pointer.load(as: UInt8.self))) & 0xFF)]
            pointer += 1
            count -= 1
        }
        return crc
    }
}
