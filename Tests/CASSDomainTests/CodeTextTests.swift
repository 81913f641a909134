@testable import CASSDomain
import XCTest

/// The texts of AWB keys and ASCII codes, built in place, equal the
/// general formulas they replace, for every kind of value.
final class CodeTextTests: XCTestCase {
    func test_awbKey_text_equals_the_padded_form_for_every_range() {
        var values: [(Int32, Int32)] = [(0, 0), (1, 1), (125, 12_345_678), (999, 99_999_999), (7, 10), (20, 1_000_000),
                                        (-1, 5), (1_000, 1), (5, -3), (5, 100_000_000), (.min, .max), (.max, .min)]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { values.append((Int32.random(in: -5...1_005, using: &generator), Int32.random(in: -10...100_000_010, using: &generator))) }
        for (prefix, serial) in values {
            XCTAssertEqual(AWBKey(prefix: prefix, serial: serial).description, AWBKey.padded(prefix, serial), "\(prefix) \(serial)")
        }
        XCTAssertEqual(AWBKey(prefix: 125, serial: 1_234_567).description, "125-01234567")
    }

    func test_asciiCode_text_equals_decoding_its_bytes() {
        let codes: [ASCIICode] = [
            ASCIICode(""), ASCIICode("LHR"), ASCIICode("ABCDEFGH"), ASCIICode("   "), ASCIICode(bytes: [0, 65]),
            ASCIICode(bytes: [0xC3, 0xA9]), ASCIICode(bytes: [0x41, 0xFF, 0x42]), ASCIICode(bytes: [0xE6, 0x97]),
            ASCIICode(rawPacked: 0x4142_4344, length: 10), ASCIICode(rawPacked: 0x4142, length: 1),
        ]
        for code in codes {
            XCTAssertEqual(code.description, String(decoding: code.bytes, as: UTF8.self), "\(code.bytes)")
            XCTAssertEqual(Array(code.description.utf8).count, String(decoding: code.bytes, as: UTF8.self).utf8.count)
        }
        XCTAssertEqual(ASCIICode(bytes: [0xC3, 0xA9]).description, "é")
    }
}
