import CASSCrypto
import XCTest

final class EncodingAndRandomTests: XCTestCase {
    /// RFC 4648 §10's vectors, in the URL alphabet and without padding.
    func test_base64url_RFC4648Vectors() {
        let cases = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in cases {
            XCTAssertEqual(Base64URL.encode(Array(plain.utf8)), encoded)
            XCTAssertEqual(Base64URL.decode(encoded), Array(plain.utf8))
        }
    }

    func test_base64url_usesURLAlphabet() {
        XCTAssertEqual(Base64URL.encode([0xfb, 0xff, 0xbf]), "-_-_")
        XCTAssertEqual(Base64URL.decode("-_-_"), [0xfb, 0xff, 0xbf])
    }

    func test_base64url_roundTripsEveryLength() {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + length) }
            XCTAssertEqual(Base64URL.decode(Base64URL.encode(bytes)), bytes, "length \(length)")
        }
    }

    /// One spelling per value: padding, the standard alphabet's + and /,
    /// impossible lengths and non-zero unused bits are all refused.
    func test_base64url_strictDecoding() {
        for bad in ["Zg==", "Zm8=", "+/+/", "Z", "Zm9vY", "Zh", "Zm9", "Zm!v", "Zm9v\n", " Zm9v", "Zm9vYmF="] {
            XCTAssertNil(Base64URL.decode(bad), bad)
        }
    }

    func test_hex_roundTrip() {
        let bytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xff]
        XCTAssertEqual(Hex.encode(bytes), "00017f80ff")
        XCTAssertEqual(Hex.decode("00017F80ff"), bytes)
        XCTAssertNil(Hex.decode("abc"))
        XCTAssertNil(Hex.decode("zz"))
        XCTAssertNil(Hex.decode("0g"))
        XCTAssertEqual(Hex.decode(""), [])
    }

    func test_constantTimeEquals() {
        XCTAssertTrue(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(ConstantTime.equals([9, 2, 3], [1, 2, 3]))
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [1, 2]))
        XCTAssertTrue(ConstantTime.equals([UInt8](), []))
        XCTAssertTrue(ConstantTime.equals(Array("abc".utf8), "abc".utf8))
    }

    func test_secureRandom_givesTheLengthAskedAndDiffers() throws {
        XCTAssertEqual(try SecureRandom.bytes(0), [])
        let first = try SecureRandom.bytes(32)
        let second = try SecureRandom.bytes(32)
        XCTAssertEqual(first.count, 32)
        XCTAssertNotEqual(first, second, "two 256-bit draws collide with probability 2^-256")
        // Longer than one getrandom call (256 bytes): the loop fills it all.
        let long = try SecureRandom.bytes(10_000)
        XCTAssertEqual(long.count, 10_000)
        XCTAssertFalse(long[9_000...].allSatisfy { $0 == 0 }, "the tail of a long draw is filled")
        XCTAssertThrowsError(try SecureRandom.bytes(-1))
    }

    /// A crude check that the source is not broken (all byte values appear,
    /// none dominates); not a randomness test, which the kernel owns.
    func test_secureRandom_coversByteValues() throws {
        let sample = try SecureRandom.bytes(65_536)
        var counts = [Int](repeating: 0, count: 256)
        for byte in sample { counts[Int(byte)] += 1 }
        XCTAssertTrue(counts.allSatisfy { $0 > 128 && $0 < 400 }, "expected about 256 each: min \(counts.min() ?? 0) max \(counts.max() ?? 0)")
    }
}
