@testable import CASSFileLog
import XCTest

/// CRC-32C against RFC 3720 appendix B.4 and a bit-at-a-time reference.
final class CRC32CTests: XCTestCase {
    /// The polynomial applied one bit at a time: slow, obviously right.
    func reference(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    func test_rfc3720_B4_32BytesOfZeros() {
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
    }

    func test_rfc3720_B4_32BytesOfOnes() {
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
    }

    func test_rfc3720_B4_32IncrementingBytes() {
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
    }

    func test_rfc3720_B4_32DecrementingBytes() {
        XCTAssertEqual(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }), 0x113F_DB5C)
    }

    func test_rfc3720_B4_iSCSIReadCommandPDU() {
        let pdu: [UInt8] = [
            0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
            0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ]
        XCTAssertEqual(CRC32C.checksum(pdu), 0xD996_3A56)
    }

    func test_checkString123456789() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([]), 0)
    }

    func test_matchesTheBitwiseReferenceAtEveryLengthAndAlignment() {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<600).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<9 {
            for length in [0, 1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 200, 591 - start] {
                let slice = Array(data[start..<(start + length)])
                let fast = data.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<(start + length)])) }
                XCTAssertEqual(fast, reference(slice), "start \(start), length \(length)")
            }
        }
    }

    /// The tables and the CPU's instruction (where there is one) give the
    /// same states as the reference, from any starting state.
    func test_softwareAndHardwareMatchTheReferenceAtEveryLengthAndAlignment() {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<600).map { _ in UInt8.random(in: 0...255, using: &generator) }
        if !CRC32C.hardware { print("CRC32CTests: no crc32 instruction on this CPU; the tables alone are checked") }
        for start in 0..<9 {
            for length in [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 200, 591 - start] {
                let slice = Array(data[start..<(start + length)])
                data.withUnsafeBytes { raw in
                    let bytes = UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])
                    XCTAssertEqual(~CRC32C.softwareUpdate(0xFFFF_FFFF, bytes), reference(slice), "tables, start \(start), length \(length)")
                    XCTAssertEqual(~CRC32C.update(0xFFFF_FFFF, bytes), reference(slice), "start \(start), length \(length)")
                    XCTAssertEqual(CRC32C.update(0x1234_5678, bytes), CRC32C.softwareUpdate(0x1234_5678, bytes), "from another state")
                }
            }
        }
    }

    /// Inputs long enough for the three-lane paths (3 x 256 and 3 x 8,192
    /// bytes), around their edges, at every alignment and from any state.
    func test_longInputs_threeLanes_matchTheReferenceAndTheTables() {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<60_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<9 {
            for length in [767, 768, 769, 775, 1_536, 1_543, 24_575, 24_576, 24_577, 24_576 + 768 + 13, 49_152 + 767, 59_991 - start] {
                let slice = Array(data[start..<(start + length)])
                data.withUnsafeBytes { raw in
                    let bytes = UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])
                    XCTAssertEqual(~CRC32C.update(0xFFFF_FFFF, bytes), reference(slice), "start \(start), length \(length)")
                    XCTAssertEqual(CRC32C.update(0x1234_5678, bytes), CRC32C.softwareUpdate(0x1234_5678, bytes), "from another state, length \(length)")
                }
            }
        }
    }

    func test_updateInPiecesEqualsTheWhole() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = CRC32C.checksum(data)
        for split in [1, 3, 8, 13, 500, 999] {
            let state = data.withUnsafeBytes { raw in
                CRC32C.update(CRC32C.update(0xFFFF_FFFF, UnsafeRawBufferPointer(rebasing: raw[0..<split])),
                              UnsafeRawBufferPointer(rebasing: raw[split...]))
            }
            XCTAssertEqual(~state, whole, "split at \(split)")
        }
    }
}
