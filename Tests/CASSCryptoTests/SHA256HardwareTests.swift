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

    /// Messages hashed together (two lanes, a lane going on to its next
    /// message when one runs out) give each one's own digest, in order:
    /// every pair of lengths around the block edges, sets of up to seven
    /// of mixed sizes (equal ones, empty ones), with and without the SHA
    /// instructions.
    func test_messagesHashedTogether_giveEachOnesDigest() {
        var random = UInt64(0x2545_F491_4F6C_DD1D)
        func next(_ bound: Int) -> Int {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(random >> 33) % bound
        }
        func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next(256)) } }
        func together(_ messages: [[UInt8]]) -> [[UInt8]] {
            func step(_ k: Int, _ taken: [UnsafeRawBufferPointer]) -> [[UInt8]] {
                k == messages.count ? SHA256.digests(taken) : messages[k].withUnsafeBytes { step(k + 1, taken + [$0]) }
            }
            return step(0, [])
        }
        func check(_ messages: [[UInt8]], hardware: Bool, file: StaticString = #filePath, line: UInt = #line) {
            SHA256.hardwareAllowed = hardware
            let got = together(messages).map(Hex.encode)
            let want = messages.map { Hex.encode(digest($0, pieces: [], hardware: false)) }
            XCTAssertEqual(got, want, "lengths \(messages.map(\.count)), hardware \(hardware)", file: file, line: line)
        }
        let lengths = [0, 1, 55, 56, 63, 64, 65, 127, 128, 129, 1000, 4096, 70_001]
        for hardware in [true, false] {
            for lengthA in lengths {
                for lengthB in lengths { check([bytes(lengthA), bytes(lengthB)], hardware: hardware) }
            }
            for count in 0...7 {
                for _ in 0..<12 { check((0..<count).map { _ in bytes([0, 1, 64, 100, 5_000, 20_000, 90_000][next(7)]) }, hardware: hardware) }
            }
        }
        // NIST's million 'a' beside "abc" and the empty message.
        SHA256.hardwareAllowed = true
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        let digests = together([million, Array("abc".utf8), []]).map(Hex.encode)
        XCTAssertEqual(digests, ["cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
                                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"])
    }

    func test_millionA_onBothPaths() {
        let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        for hardware in [false, true] {
            XCTAssertEqual(Hex.encode(digest(bytes, pieces: [], hardware: hardware)),
                           "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "hardware \(hardware)")
        }
    }
}
