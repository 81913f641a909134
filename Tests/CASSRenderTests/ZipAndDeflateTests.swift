@testable import CASSRender
import Foundation
import XCTest

final class ZipAndDeflateTests: XCTestCase {
    func test_crc32_matchesTheStandardCheckValue() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([]), 0)
    }

    /// The sliced loop (eight bytes per step) against the byte-at-a-time
    /// reference at every length 0-300 and every start offset 0-7 (the
    /// sliced loop reads unaligned words; the tail runs byte by byte).
    func test_crc32_slicedMatchesBytewiseAtEveryLengthAndOffset() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<400).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        for offset in 0..<8 {
            for length in 0...300 {
                let slice = bytes[offset..<offset + length]
                XCTAssertEqual(CRC32.checksum(slice), CRC32.bytewise(slice), "offset \(offset), length \(length)")
            }
        }
        let large = (0..<100_003).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 7) }
        XCTAssertEqual(CRC32.checksum(large), CRC32.bytewise(large))
        XCTAssertEqual(CRC32.checksum(AnySequence(Array("123456789".utf8))), 0xCBF4_3926, "non-contiguous sequences take the bytewise path")
    }

    func test_adler32_matchesTheStandardCheckValue() {
        XCTAssertEqual(Adler32.checksum(Array("Wikipedia".utf8)), 0x11E6_0398)
    }

    /// gzip checks our deflate data and its CRC-32 when it inflates.
    func test_deflate_inflatesWithGzipToTheSameBytes() throws {
        guard Fixtures.toolPath("gzip") != nil else { throw XCTSkip("gzip missing") }
        var generator = SystemRandomNumberGenerator()
        let random = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let text = Array(String(repeating: "BT /F1 7 Tf 1 0 0 1 36 700 Tm <0012003A0041> Tj ET\n", count: 400).utf8)
        // Sizes around the tables' sizes (which follow the input's: 256 to 32 KiB).
        let mixed = Array(text.prefix(300)) + Array(random.prefix(200)) + Array(text.prefix(700)) + Array(random.prefix(1800)) + Array(text.prefix(2500))
        // Content-stream-like lines with varying numbers, over three 32 KiB
        // windows: long matches (entered into the chains only at their
        // start), literals between them, and chain slots reused as the
        // window wraps.
        var state: UInt64 = 42
        var lines = ""
        while lines.utf8.count < 100_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            lines += "BT 0 g\n/F1 7 Tf 1 0 0 1 36 \(state >> 54).\((state >> 40) & 0xFF) Tm <00\(String(state >> 60, radix: 16))2400\(String((state >> 52) & 0xFF, radix: 16))> Tj\nET\n"
        }
        let stream = Array(lines.utf8)
        XCTAssertEqual(Deflate.compress(stream), Deflate.compress(stream), "same input, same bytes")
        XCTAssertLessThan(Deflate.compress(stream).count, stream.count / 3, "content-stream-like text must compress")
        for input in [[], text, random, stream, Array(text.prefix(3)), [UInt8](repeating: 7, count: 70_000), Array(text.prefix(255)), Array(text.prefix(257)),
                      Array(text.prefix(600)), mixed, Array((text + text + text).prefix(40_000))] as [[UInt8]] {
            let deflated = Deflate.compress(input)
            var gz: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255]
            gz += deflated
            var tail = BinaryWriter()
            tail.le32(CRC32.checksum(input)); tail.le32(UInt32(input.count))
            gz += tail.bytes
            let folder = try Fixtures.temporaryDirectory()
            let file = folder.appendingPathComponent("d.gz")
            try Data(gz).write(to: file)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try XCTUnwrap(Fixtures.toolPath("gzip")))
            process.arguments = ["-dc", file.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let out = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "gzip rejected our deflate stream (\(input.count) bytes)")
            XCTAssertEqual([UInt8](out), input)
        }
        XCTAssertLessThan(Deflate.compress(text).count, text.count / 10, "repetitive text must compress")
    }

    func test_zipArchive_passesUnzipIntegrityTest() throws {
        guard let unzip = Fixtures.toolPath("unzip") else { throw XCTSkip("unzip missing") }
        var zip = ZipWriter()
        zip.add("a.txt", text: String(repeating: "hello CASS\n", count: 200))
        zip.add("dir/b.bin", [0, 1, 2, 3, 255])
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("t.zip")
        try AtomicFile.write(zip.finish(), to: url)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: unzip)
        process.arguments = ["-t", url.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "unzip -t found a bad CRC or header")
        XCTAssertEqual(zip.entries.map(\.method), [8, 0])
    }

    func test_atomicWrite_replacesWholeFileAndLeavesNoTemporaryFiles() throws {
        let folder = try Fixtures.temporaryDirectory()
        let url = folder.appendingPathComponent("out.txt")
        try AtomicFile.write("first", to: url)
        try AtomicFile.write("second", to: url, durable: false)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "second")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["out.txt"])
    }
}
