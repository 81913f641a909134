import CASSDomain
import XCTest

/// The identity a CBF file reports (the first line's airline, country and
/// period), and none when any byte of the file is not ASCII, wherever it
/// sits relative to the words the check reads.
final class ReportedIdentityTests: XCTestCase {
    let header = Array("00000000000125GB20261101000001".utf8)

    func identity(_ bytes: [UInt8]) -> ReportedIdentity {
        bytes.withUnsafeBytes { CBFReader.reportedIdentity(of: $0) }
    }

    func test_an_ASCII_file_reports_its_first_line() {
        for length in [header.count, header.count + 1, 40, 63, 64, 65, 100] {
            var bytes = header + [10]
            while bytes.count < length { bytes.append(UInt8(ascii: "7")) }
            XCTAssertEqual(identity(bytes), ReportedIdentity(airline: "125", country: "GB", period: "20261101"), "length \(length)")
        }
        XCTAssertEqual(identity([]), ReportedIdentity())
    }

    func test_a_byte_over_127_anywhere_reports_nothing() {
        for length in [1, 7, 8, 9, 31, 32, 33, 40, 71, 72, 97] {
            var base = header + [10]
            while base.count < length { base.append(UInt8(ascii: "7")) }
            base = Array(base.prefix(length))
            for position in 0..<length {
                for high: UInt8 in [0x80, 0xC3, 0xFF] {
                    var bytes = base
                    bytes[position] = high
                    XCTAssertEqual(identity(bytes), ReportedIdentity(), "length \(length), byte \(high) at \(position)")
                }
            }
        }
    }
}
