import CASSDomain
import CASSSamples
import XCTest

/// DecimalBytes writes the characters of the String functions it replaces
/// in the document writers: `String(value)`, `Padding.zeros`,
/// `Money.decimalString`, `CivilDate.description`.
final class DecimalBytesTests: XCTestCase {
    static let edges: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, 12_345, -12_345, 999_999_999, 1_000_000_000, Int64(Int32.max), Int64(Int32.min),
                                 Int64.max, Int64.min, Int64.max - 1, Int64.min + 1, 1_000_000_000_000_000_000, -1_000_000_000_000_000_000]

    func values() -> [Int64] {
        var random = SplitMix64(seed: 42)
        var values = Self.edges
        for _ in 0..<2_000 {
            // Magnitudes of every length, both signs.
            let digits = 1 + random.below(19)
            var bound: Int64 = 1
            for _ in 0..<min(digits, 18) { bound *= 10 }
            var value = Int64(bitPattern: random.next()) % bound
            if random.below(2) == 0 { value = -value }
            values.append(value)
        }
        return values
    }

    func text(_ write: (inout [UInt8]) -> Void) -> String {
        var out: [UInt8] = Array("x".utf8)
        write(&out)
        return String(decoding: out.dropFirst(), as: UTF8.self)
    }

    func test_integers_are_written_as_String_writes_them() {
        for value in values() {
            XCTAssertEqual(text { DecimalBytes.append(value, to: &$0) }, String(value))
        }
    }

    func test_money_is_written_as_decimalString_writes_it() {
        for value in values() {
            for digits in 0...18 {
                XCTAssertEqual(text { DecimalBytes.appendMoney(value, digits: digits, to: &$0) }, Money.decimalString(value, digits: digits), "\(value) \(digits)")
            }
        }
    }

    func test_zero_padding_is_written_as_Padding_writes_it() {
        for value in values() + [5, 42, 7_000, 12_345_678, 123_456_789] {
            for width in [0, 1, 3, 4, 7, 8, 12, 19, 20, 21, 23, 24, 25, 30] {
                XCTAssertEqual(text { DecimalBytes.appendZeroPadded(value, width: width, to: &$0) }, Padding.zeros(String(value), to: width), "\(value) \(width)")
            }
        }
    }

    func test_dates_are_written_as_description_writes_them() {
        var checked = 0
        for year in [1, 9, 10, 99, 100, 999, 1_000, 2_026, 9_999] {
            for month in 1...12 {
                for day in [1, 9, 10, 28] {
                    guard let date = CivilDate(year: year, month: month, day: day) else { continue }
                    XCTAssertEqual(text { DecimalBytes.appendDate(date, to: &$0) }, date.description)
                    checked += 1
                }
            }
        }
        // Out of the 1...9999 range a date can still be reached by day arithmetic.
        for dayNumber in [-800_000, -719_468, -719_162, 2_932_896, 3_000_000] {
            let date = CivilDate(dayNumber: dayNumber)
            XCTAssertEqual(text { DecimalBytes.appendDate(date, to: &$0) }, date.description)
            checked += 1
        }
        XCTAssertEqual(checked, 9 * 12 * 4 + 5)
    }

    /// Into a `ByteBuffer` (the writers' sink) every function writes what it
    /// writes into an Array (checked against the String functions above),
    /// one after another in one buffer from its smallest size, through its
    /// growths.
    func test_a_byteBuffer_gets_the_same_bytes_as_an_array() {
        var array: [UInt8] = []
        var buffer = ByteBuffer(capacity: 0)
        let date = CivilDate(dayNumber: 20_000)
        for value in values() {
            DecimalBytes.append(value, to: &array); DecimalBytes.append(value, to: &buffer)
            DecimalBytes.appendMoney(value, digits: Int(value.magnitude % 20), to: &array)
            DecimalBytes.appendMoney(value, digits: Int(value.magnitude % 20), to: &buffer)
            DecimalBytes.appendZeroPadded(value, width: Int(value.magnitude % 31), to: &array)
            DecimalBytes.appendZeroPadded(value, width: Int(value.magnitude % 31), to: &buffer)
            DecimalBytes.appendSpaces(Int(value.magnitude % 70), to: &array); DecimalBytes.appendSpaces(Int(value.magnitude % 70), to: &buffer)
            DecimalBytes.appendDate(date, to: &array); DecimalBytes.appendDate(date, to: &buffer)
        }
        XCTAssertEqual(buffer.count, array.count)
        XCTAssertEqual(buffer.array(), array)
    }

    /// Room asked for and partly used: only what was written counts; bytes
    /// written can be changed in place.
    func test_a_byteBuffer_counts_what_write_atMost_wrote() {
        let buffer = ByteBuffer(capacity: 0)
        buffer.append("ab" as StaticString)
        for k in 0..<100 {
            buffer.write(atMost: 200) { base in
                base[0] = UInt8(k)
                return 1
            }
        }
        buffer.append([UInt8(7), 8])
        buffer.withUnsafeMutableBytes { $0[0] = UInt8(ascii: "A") }
        XCTAssertEqual(buffer.array(), Array("Ab".utf8) + (0..<100).map { UInt8($0) } + [7, 8])
    }
}
