@testable import CASSCrypto
import XCTest

/// The SHA-extension path against the Swift rounds: the same digests for
/// every length around the block edges, for long inputs fed in uneven
/// pieces, and for NIST's million-'a' vector on both paths.
final class SHA256HardwareTests: XCTestCase {
    override func tearDown() {
        SHA256.hardwareAllowed = true
        super.tearDown()
    }

    private func digest(_ bytes: [UInt8], pieces: [Int], hardware: Bool) -> [UInt8] {
        SHA256.hardwareAllowed = hardware
        var hasher = SHA256()
        var start = 0
        var index = 0
        while start < bytes.count {
            let size = pieces.isEmpty ? bytes.count : max(1, pieces[index % pieces.count])
            let end = min(bytes.count, start + size)
            bytes.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
            start = end
            index += 1
        }
        return hasher.finalize()
    }

    func test_hardwareAndSwiftRoundsGiveTheSameDigests() throws {
        try XCTSkipUnless(SHA256.usesHardware, "this CPU has no SHA extensions: only the Swift rounds run here")
        var random = UInt64(0x9E37_79B9_7F4A_7C15)
        func next() -> UInt8 {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: random >> 56)
        }
        let lengths = Array(0...260) + [1000, 4095, 4096, 4097, 65_536 + 13, 1_000_003]
        for length in lengths {
            let bytes = (0..<length).map { _ in next() }
            for pieces in [[], [1], [63, 65, 200], [7, 4096]] {
                let swift = digest(bytes, pieces: pieces, hardware: false)
                let hardware = digest(bytes, pieces: pieces, hardware: true)
                XCTAssertEqual(Hex.encode(hardware), Hex.encode(swift), "length \(length), pieces \(pieces)")
                if length > 10_000 { break }
            }
        }
    }

    /// Two messages hashed together give each one's own digest, for every
    /// pair of lengths around the block edges (either the longer), long
    /// ones, and empty ones; with and without the SHA instructions.
    func test_twoMessagesAtOnce_giveEachOnesDigest() {
        var random = UInt64(0x2545_F491_4F6C_DD1D)
        func bytes(_ count: Int) -> [UInt8] {
            (0..<count).map { _ in
                random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: random >> 56)
            }
        }
        let lengths = [0, 1, 55, 56, 63, 64, 65, 127, 128, 129, 1000, 4096, 70_001]
        for hardware in [true, false] {
            for lengthA in lengths {
                for lengthB in lengths {
                    let a = bytes(lengthA), b = bytes(lengthB)
                    SHA256.hardwareAllowed = hardware
                    let (digestA, digestB) = a.withUnsafeBytes { a in b.withUnsafeBytes { b in SHA256.digests(a, b) } }
                    XCTAssertEqual(Hex.encode(digestA), Hex.encode(digest(a, pieces: [], hardware: false)), "first of \(lengthA) and \(lengthB), hardware \(hardware)")
                    XCTAssertEqual(Hex.encode(digestB), Hex.encode(digest(b, pieces: [], hardware: false)), "second of \(lengthA) and \(lengthB), hardware \(hardware)")
                }
            }
        }
        // NIST's million 'a' paired with "abc".
        SHA256.hardwareAllowed = true
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000), abc = Array("abc".utf8)
        let (m, x) = million.withUnsafeBytes { m in abc.withUnsafeBytes { x in SHA256.digests(m, x) } }
        XCTAssertEqual(Hex.encode(m), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        XCTAssertEqual(Hex.encode(x), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func test_millionA_onBothPaths() {
        let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        for hardware in [false, true] {
            XCTAssertEqual(Hex.encode(digest(bytes, pieces: [], hardware: hardware)),
                           "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "hardware \(hardware)")
        }
    }
}
