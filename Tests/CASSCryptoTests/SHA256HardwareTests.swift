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

    func test_millionA_onBothPaths() {
        let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        for hardware in [false, true] {
            XCTAssertEqual(Hex.encode(digest(bytes, pieces: [], hardware: hardware)),
                           "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "hardware \(hardware)")
        }
    }
}
