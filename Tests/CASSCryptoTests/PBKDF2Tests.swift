import CASSCrypto
import XCTest

/// RFC 7914 §11 (the two PBKDF2-HMAC-SHA256 vectors), the SHA-256 versions
/// of RFC 6070's cases as published with draft-josefsson-pbkdf2-test-vectors
/// (and confirmed with Python's hashlib.pbkdf2_hmac), and odd shapes.
final class PBKDF2Tests: XCTestCase {
    private func derive(_ password: [UInt8], _ salt: [UInt8], _ iterations: Int, _ length: Int) throws -> String {
        Hex.encode(try PBKDF2.deriveKey(password: password, salt: salt, iterations: iterations, keyLength: length))
    }

    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    func test_RFC7914_section11_oneIteration() throws {
        XCTAssertEqual(try derive(bytes("passwd"), bytes("salt"), 1, 64),
                       "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                       + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
    }

    func test_RFC7914_section11_80000Iterations() throws {
        XCTAssertEqual(try derive(bytes("Password"), bytes("NaCl"), 80000, 64),
                       "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
                       + "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d")
    }

    func test_RFC6070Shapes_sha256() throws {
        XCTAssertEqual(try derive(bytes("password"), bytes("salt"), 1, 32),
                       "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b")
        XCTAssertEqual(try derive(bytes("password"), bytes("salt"), 2, 32),
                       "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43")
        XCTAssertEqual(try derive(bytes("password"), bytes("salt"), 4096, 32),
                       "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a")
        XCTAssertEqual(try derive(bytes("passwordPASSWORDpassword"), bytes("saltSALTsaltSALTsaltSALTsaltSALTsalt"), 4096, 40),
                       "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9")
        XCTAssertEqual(try derive(bytes("pass\0word"), bytes("sa\0lt"), 4096, 16), "89b69d0516f829893c696226650a8687")
    }

    /// A password longer than a block (hashed first), a salt past one block,
    /// a length that ends inside the second block.
    func test_longPasswordLongSaltOddLength_matchesHashlib() throws {
        XCTAssertEqual(try derive([UInt8](repeating: UInt8(ascii: "x"), count: 100), [UInt8](repeating: UInt8(ascii: "s"), count: 70), 3, 33),
                       "7174ab9106b7c2e06e900bd894e14e0d9b347402f9888696e50ad6165a0ab7ba35")
    }

    func test_limits_refuseZeroHugeIterationsAndLengths() {
        XCTAssertThrowsError(try PBKDF2.deriveKey(password: "p", salt: [1], iterations: 0)) { error in
            XCTAssertEqual(error as? PBKDF2.Failure, .iterations(0))
        }
        XCTAssertThrowsError(try PBKDF2.deriveKey(password: "p", salt: [1], iterations: PBKDF2.iterationsMax + 1))
        XCTAssertThrowsError(try PBKDF2.deriveKey(password: "p", salt: [1], iterations: 1, keyLength: 0))
        XCTAssertThrowsError(try PBKDF2.deriveKey(password: "p", salt: [1], iterations: 1, keyLength: PBKDF2.keyLengthMax + 1))
    }

    func test_stringPasswordIsItsUTF8() throws {
        XCTAssertEqual(try PBKDF2.deriveKey(password: "mot de passe é", salt: [1, 2], iterations: 5),
                       try PBKDF2.deriveKey(password: Array("mot de passe é".utf8), salt: [1, 2], iterations: 5))
    }
}
