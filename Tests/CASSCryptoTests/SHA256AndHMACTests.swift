import CASSCrypto
import XCTest

/// FIPS 180-4 examples (via NIST's published test vectors) and RFC 4231.
final class SHA256AndHMACTests: XCTestCase {
    func test_sha256_FIPS180_abc() {
        XCTAssertEqual(Hex.encode(SHA256.hash("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func test_sha256_emptyMessage() {
        XCTAssertEqual(Hex.encode(SHA256.hash("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func test_sha256_FIPS180_twoBlockMessage() {
        XCTAssertEqual(Hex.encode(SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func test_sha256_FIPS180_896bitMessage() {
        let message = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        XCTAssertEqual(Hex.encode(SHA256.hash(message)), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    func test_sha256_millionA() {
        XCTAssertEqual(Hex.encode(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Padding edge: 55, 56 and 64 bytes need one or two final blocks.
    func test_sha256_incrementalUpdatesEqualOneShot() {
        for length in [55, 56, 63, 64, 65, 200] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7) }
            var hasher = SHA256()
            hasher.update(bytes[0..<(length / 3)])
            hasher.update(bytes[(length / 3)...])
            XCTAssertEqual(hasher.finalize(), SHA256.hash(bytes), "length \(length)")
        }
    }

    func test_hmac_RFC4231_case1() {
        let key = [UInt8](repeating: 0x0b, count: 20)
        XCTAssertEqual(Hex.encode(HMACSHA256.authenticationCode(key: key, message: Array("Hi There".utf8))),
                       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    func test_hmac_RFC4231_case2_shortKey() {
        XCTAssertEqual(Hex.encode(HMACSHA256.authenticationCode(key: "Jefe", message: Array("what do ya want for nothing?".utf8))),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    func test_hmac_RFC4231_case3() {
        let key = [UInt8](repeating: 0xaa, count: 20)
        let data = [UInt8](repeating: 0xdd, count: 50)
        XCTAssertEqual(Hex.encode(HMACSHA256.authenticationCode(key: key, message: data)),
                       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
    }

    func test_hmac_RFC4231_case4() {
        let key: [UInt8] = Array(1...25)
        let data = [UInt8](repeating: 0xcd, count: 50)
        XCTAssertEqual(Hex.encode(HMACSHA256.authenticationCode(key: key, message: data)),
                       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b")
    }

    func test_hmac_RFC4231_case6_keyLongerThanBlock() {
        let key = [UInt8](repeating: 0xaa, count: 131)
        let data = Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
        XCTAssertEqual(Hex.encode(HMACSHA256.authenticationCode(key: key, message: data)),
                       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    func test_hmac_RFC4231_case7_keyAndDataLongerThanBlock() {
        let key = [UInt8](repeating: 0xaa, count: 131)
        let data = Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8)
        XCTAssertEqual(Hex.encode(HMACSHA256.authenticationCode(key: key, message: data)),
                       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }


    func test_hmac_RFC4231_case5_truncatedTo128Bits() {
        let key = [UInt8](repeating: 0x0c, count: 20)
        XCTAssertEqual(Hex.encode(HMACSHA256.authenticationCode(key: key, message: Array("Test With Truncation".utf8)).prefix(16)),
                       "a3b6167473100ee06e0c796c2955552b")
    }

    /// Every padding edge from 0 to 299 bytes against Python's hashlib: the
    /// SHA-256 of the 300 digests concatenated (scripted, see the comment).
    /// python3: acc=sha256(); for n in range(300): acc.update(sha256(bytes((i*7)%256 for i in range(n))).digest())
    func test_sha256_everyLengthTo299_matchesHashlib() {
        var accumulator = SHA256()
        for length in 0..<300 {
            accumulator.update(SHA256.hash((0..<length).map { UInt8(truncatingIfNeeded: $0 * 7) }))
        }
        XCTAssertEqual(Hex.encode(accumulator.finalize()), "f65f14b090e805017546322e618401d41f0710c213e013a5131eb38bbe8f367f")
    }

    /// Keys shorter than, equal to and longer than a block, messages around
    /// the padding edges, against Python's hmac module.
    func test_hmac_keyAndMessageLengths_matchPythonHmac() {
        var accumulator = SHA256()
        for keyLength in [0, 1, 32, 63, 64, 65, 200] {
            for messageLength in [0, 1, 55, 56, 64, 119, 120, 300] {
                let key = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 * 3 + 1) }
                let message = (0..<messageLength).map { UInt8(truncatingIfNeeded: $0 * 5) }
                accumulator.update(HMACSHA256.authenticationCode(key: key, message: message))
            }
        }
        XCTAssertEqual(Hex.encode(accumulator.finalize()), "7ffd546f495d24e6c0fb7b1834cb57e1529659198286234b6ca4e4b1959ee6ef")
    }

    func test_hmac_incrementalEqualsOneShot_andKeyIsReusable() {
        let key = HMACSHA256.Key("webhook secret")
        let message = (0..<500).map { UInt8(truncatingIfNeeded: $0) }
        var authenticator = key.start()
        authenticator.update(message[0..<10])
        authenticator.update(message[10..<130])
        authenticator.update(message[130...])
        let incremental = authenticator.finalize()
        XCTAssertEqual(incremental, HMACSHA256.authenticationCode(key: "webhook secret", message: message))
        XCTAssertEqual(key.authenticationCode(message), incremental)
        XCTAssertEqual(key.authenticationCode(message), incremental, "a key computes the same MAC twice")
    }

    func test_sha256_stringAndBytesAgree() {
        XCTAssertEqual(SHA256.hash("déjà vu ✈︎"), SHA256.hash(Array("déjà vu ✈︎".utf8)))
    }
}
