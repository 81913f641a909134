@testable import CASSOneRecord
import XCTest

/// The value parsers read a string's bytes in place (`withBytes`) instead
/// of iterating `String.UTF8View`. The previous, iterator-based versions are
/// kept here as the reference: every parser must give the same answer for
/// every text, small strings (up to 15 bytes, kept inline) and large ones,
/// ASCII and not, with each special byte at every position.
final class ValueParserBytesTests: XCTestCase {
    // MARK: - The reference: the iterator-based versions

    func referenceNumber(_ text: String) -> Int64? {
        var value: Int64 = 0
        for b in text.utf8 {
            guard b >= 48, b <= 57 else { return nil }
            value = value &* 10 &+ Int64(b - 48)
        }
        return value
    }

    func referenceScaled(_ text: String, decimals: Int, max: Int64) -> Int64? {
        var wholeCount = 0, fractionCount = 0, seenDot = false
        var value: Int64 = 0
        for b in text.utf8 {
            if b == UInt8(ascii: "."), !seenDot { seenDot = true; continue }
            guard b >= 48, b <= 57 else { return nil }
            if seenDot { fractionCount += 1 } else { wholeCount += 1 }
            guard wholeCount <= 12, fractionCount <= decimals else { return nil }
            value = value * 10 + Int64(b - 48)
        }
        guard wholeCount > 0, !seenDot || fractionCount > 0 else { return nil }
        for _ in fractionCount..<decimals { value *= 10 }
        return value <= max ? value : nil
    }

    func referenceAmount(_ text: String, minorDigits: Int) -> Int64? {
        guard text.utf8.count <= 18 else { return nil }
        var negative = false, first = true
        var wholeCount = 0, fractionCount = -1
        var value: Int64 = 0
        for b in text.utf8 {
            defer { first = false }
            if first, b == UInt8(ascii: "-") { negative = true; continue }
            if b == UInt8(ascii: "."), fractionCount < 0 { fractionCount = 0; continue }
            guard b >= 48, b <= 57 else { return nil }
            if fractionCount >= 0 { fractionCount += 1 } else { wholeCount += 1 }
            value = value * 10 + Int64(b - 48)
        }
        guard wholeCount > 0, wholeCount <= 15, minorDigits == 0 ? fractionCount < 0 : fractionCount == minorDigits else { return nil }
        guard value <= OneRecordValues.maxAmountMinor else { return nil }
        return negative ? -value : value
    }

    func referenceReportable(_ text: String, width: Int) -> String {
        var plain = true, count = 0
        for b in text.utf8 {
            count += 1
            if count > width || b < 0x20 || b >= 0x7F || b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") { plain = false; break }
        }
        if plain { return text }
        var out: [UInt8] = []
        for b in text.utf8.prefix(width) {
            out.append(b >= 0x20 && b < 0x7F && b != UInt8(ascii: ",") && b != UInt8(ascii: "\"") ? b : UInt8(ascii: "?"))
        }
        return String(decoding: out, as: UTF8.self)
    }

    func referenceNegativeZero(_ text: String) -> Bool {
        var iterator = text.utf8.makeIterator()
        guard iterator.next() == UInt8(ascii: "-") else { return false }
        while let b = iterator.next() { if b != UInt8(ascii: "0") && b != UInt8(ascii: ".") { return false } }
        return true
    }

    // MARK: - Texts

    /// Digit strings of 0 to 24 bytes with one special text (sign, dot,
    /// letter, comma, quote, control, non-ASCII) put at every position.
    func texts() -> [String] {
        var out: [String] = ["", "-", ".", "-.", "0", "-0", "-0.00", "-0.0.0", "00", "1.", ".5", "--1", "1-", "999999999999999", "99999999999.99",
                             "1234567890123456789", "12345678901234567", "0000000000000000001"]
        let specials = ["-", ".", "a", ",", "\"", "\u{1}", "é", "书", " ", "0", "9", "/", ":"]
        for length in 0...24 {
            let digits = String((0..<length).map { Character(String(($0 * 7 + 3) % 10)) })
            out.append(digits)
            for special in specials {
                for position in 0...length {
                    var bytes = Array(digits.utf8)
                    bytes.insert(contentsOf: Array(special.utf8), at: position)
                    out.append(String(decoding: bytes, as: UTF8.self))
                }
            }
        }
        // A large (heap) string and a bridged-looking substring copy.
        out.append(String(repeating: "1", count: 40))
        out.append(String(String(repeating: "7", count: 30).dropFirst(3)))
        return out
    }

    // MARK: - Tests

    func test_valueParsers_matchTheIteratorVersions() {
        for text in texts() {
            XCTAssertEqual(OneRecordValues.digits(text, count: text.utf8.count), referenceNumber(text), "digits \(text)")
            for count in [1, 2, 3, 8] {
                XCTAssertEqual(OneRecordValues.digits(text, count: count), text.utf8.count == count ? referenceNumber(text) : nil, "digits \(text) \(count)")
            }
            XCTAssertEqual(OneRecordValues.digits(text, maxCount: 6), (1...6).contains(text.utf8.count) ? referenceNumber(text) : nil, "maxCount \(text)")
            XCTAssertEqual(OneRecordValues.weightTenths(text), referenceScaled(text, decimals: 1, max: OneRecordValues.maxWeightTenths), "weight \(text)")
            XCTAssertEqual(OneRecordValues.percentHundredths(text), referenceScaled(text, decimals: 2, max: 9999).map { Int32($0) }, "percent \(text)")
            for digits in [0, 2, 3] {
                XCTAssertEqual(OneRecordValues.amount(text, minorDigits: digits), referenceAmount(text, minorDigits: digits), "amount \(text) \(digits)")
            }
            for width in [0, 3, 8, 16, 40] {
                XCTAssertEqual(OneRecordValues.reportable(text, width: width), referenceReportable(text, width: width), "reportable \(text) \(width)")
            }
            XCTAssertEqual(OneRecordValues.isNegativeZero(text), referenceNegativeZero(text), "negative zero \(text)")
        }
    }

    func test_isDecimal_isStringOfTheValue() {
        let values = [1, 2, 9, 10, 11, 99, 100, 101, 1000, 1881, 99_999, 123_456_789, Int.max]
        var texts = texts()
        for value in values { texts += [String(value), "0" + String(value), String(value) + "0", "-" + String(value), " " + String(value)] }
        for value in values {
            for text in texts {
                XCTAssertEqual(OneRecordValues.isDecimal(text, of: value), text == String(value), "\(text) against \(value)")
            }
        }
        XCTAssertTrue(OneRecordValues.isDecimal("0", of: 0))
        XCTAssertFalse(OneRecordValues.isDecimal("00", of: 0))
    }
}
