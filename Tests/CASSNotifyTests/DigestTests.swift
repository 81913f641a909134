import CASSNotify
import XCTest

/// FIPS 180-4 examples (via NIST's published test vectors) and RFC 4231.
final class DigestTests: XCTestCase {
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

    func test_signatureVerification_rejectsTamperedBodyOrWrongSecret() {
        let body = Array("{\"a\":1}".utf8)
        let header = WebhookDelivery.signature(body: body, secret: "s3cret")
        XCTAssertTrue(header.hasPrefix("sha256="))
        XCTAssertEqual(header.count, 7 + 64)
        XCTAssertTrue(WebhookDelivery.verify(signature: header, body: body, secret: "s3cret"))
        XCTAssertFalse(WebhookDelivery.verify(signature: header, body: Array("{\"a\":2}".utf8), secret: "s3cret"))
        XCTAssertFalse(WebhookDelivery.verify(signature: header, body: body, secret: "other"))
        XCTAssertFalse(WebhookDelivery.verify(signature: "sha256=zz", body: body, secret: "s3cret"))
    }

    func test_hex_roundTrip() {
        let bytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xff]
        XCTAssertEqual(Hex.encode(bytes), "00017f80ff")
        XCTAssertEqual(Hex.decode("00017F80ff"), bytes)
        XCTAssertNil(Hex.decode("abc"))
        XCTAssertNil(Hex.decode("zz"))
    }
}
