/// The hash a `Set` or `Dictionary` uses for keys looked up once per billed
/// record, through `Hashable._rawHashValue(seed:)`: the key's fields folded
/// into one 64-bit word, mixed with the table's seed by two rounds of
/// multiply and xor-shift (MurmurHash3's 64-bit finalizer), where the
/// default builds, feeds and finishes a `Hasher` (SipHash-1-3) per lookup.
/// At a 1,000,000-AWB upload through `cass serve` `Hasher._seed` and
/// `_finalize` were 5 % of the pipeline's CPU (the AWB ledger's lookups,
/// the undo log's and the settle stage's inserts); this is a few
/// instructions.
///
/// The table's seed (the standard library passes one per table) and the
/// process's random seed (the one every `Hasher` of the process starts
/// from) go in first, so keys made to collide in one table or one run do
/// not in another, and moving one table's keys into another in its order
/// does not cluster them. Not a keyed hash in the cryptographic sense:
/// the keys it serves are AWB numbers, agents and periods of files an
/// authenticated airline sends, each file of a stated maximum size.
public enum TableHash {
    @inline(__always)
    public static func raw(_ word: UInt64, seed: Int) -> Int {
        var x = word ^ ((UInt64(UInt(bitPattern: seed)) ^ processSeed) &* 0x9E37_79B9_7F4A_7C15)
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x &*= 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return Int(truncatingIfNeeded: x)
    }

    /// Several fields into one word for `raw`: each multiplied by its own
    /// odd constant, so fields that differ by the same amount in different
    /// places do not cancel.
    @inline(__always)
    public static func fold(_ a: UInt64, _ b: UInt64, _ c: UInt64 = 0, _ d: UInt64 = 0) -> UInt64 {
        a &* 0x9E37_79B9_7F4A_7C15 ^ b &* 0xC2B2_AE3D_27D4_EB4F ^ c &* 0x1656_67B1_9E37_79F9 ^ d &* 0x27D4_EB2F_1656_67C5
    }

    /// Bytes (a short text: a table cell, a code) into one word for `raw`,
    /// eight at a time. Two texts of the same word share a bucket in every
    /// table, whatever its seed; the tables that hash texts this way are
    /// caches of a stated size whose texts come from the reference data
    /// and the invoices' fields, so a text made to collide slows one
    /// cache, at most by its size.
    @inline(__always)
    public static func word(ofBytes bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h = UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15
        var at = 0
        while at &+ 8 <= bytes.count {
            h = (h ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            at &+= 8
        }
        if at < bytes.count {
            var tail: UInt64 = 0
            while at < bytes.count {
                tail = tail << 8 | UInt64(bytes[at])
                at &+= 1
            }
            h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
            h ^= h >> 29
        }
        return h
    }

    /// Random per process, as `Hasher`'s own seed is (and fixed when
    /// `SWIFT_DETERMINISTIC_HASHING` fixes that one).
    public static let processSeed: UInt64 = {
        var hasher = Hasher()
        hasher.combine(0x5441_424C_4548 as UInt64)
        return UInt64(UInt(bitPattern: hasher.finalize()))
    }()
}
