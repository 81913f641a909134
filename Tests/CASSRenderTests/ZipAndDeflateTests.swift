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

    /// The carry-less multiply path (whole 16-byte blocks of 64 bytes or
    /// more, then the tables for the tail) against the tables alone, at
    /// every length 0-600 and start offset 0-15, from several running
    /// states (a ZIP part is checksummed in one call, but the state
    /// entering the folds must not matter); skipped where the CPU lacks it.
    func test_crc32_hardwareMatchesTablesAtEveryLengthAndOffset() throws {
        guard CRC32.hardware else { throw XCTSkip("no carry-less multiply on this CPU") }
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        let bytes = (0..<700).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        bytes.withUnsafeBufferPointer { all in
            for start: UInt32 in [0xFFFF_FFFF, 0, 0x1234_5678] {
                for offset in 0..<16 {
                    for length in 0...600 {
                        let slice = UnsafeBufferPointer(rebasing: all[offset..<offset + length])
                        XCTAssertEqual(CRC32.update(start, slice), CRC32.tableUpdate(start, slice), "start \(start), offset \(offset), length \(length)")
                    }
                }
            }
        }
        let ones = [UInt8](repeating: 0xFF, count: 100_000)
        XCTAssertEqual(CRC32.checksum(ones), ones.withUnsafeBufferPointer { CRC32.tableUpdate(0xFFFF_FFFF, $0) } ^ 0xFFFF_FFFF)
    }

    /// CRC32.checksum against Python's zlib.crc32 (an independent
    /// implementation) on inputs around the fold sizes and a large one.
    func test_crc32_matchesPythonZlib() throws {
        guard let python = Fixtures.toolPath("python3") else { throw XCTSkip("python3 missing") }
        let lengths = [0, 1, 15, 16, 17, 63, 64, 65, 79, 80, 127, 128, 129, 1000, 4096, 65_537, 1_000_003]
        var state: UInt64 = 11
        var inputs: [[UInt8]] = []
        for length in lengths {
            inputs.append((0..<length).map { _ -> UInt8 in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            })
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crc32-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (k, input) in inputs.enumerated() { try Data(input).write(to: folder.appendingPathComponent("\(k)")) }
        let script = "import sys, zlib\nfor k in range(\(inputs.count)):\n    print(zlib.crc32(open(sys.argv[1] + '/' + str(k), 'rb').read()))\n"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, folder.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let expected = String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap { UInt32($0) }
        XCTAssertEqual(expected.count, inputs.count)
        for (k, input) in inputs.enumerated() where k < expected.count {
            XCTAssertEqual(CRC32.checksum(input), expected[k], "\(input.count) bytes")
        }
    }

    /// The pointer version of canonicalCodes against the array version it
    /// replaced (RFC 1951 3.2.2 step by step), for the fixed codes and the
    /// code lengths of many random frequency sets at each limit.
    func test_canonicalCodes_matchTheArrayVersion() {
        func reference(_ lengths: [UInt8]) -> [UInt16] {
            var countByLength = [UInt16](repeating: 0, count: 16)
            for length in lengths where length > 0 { countByLength[Int(length)] += 1 }
            var next = [UInt16](repeating: 0, count: 16)
            var code: UInt16 = 0
            for bits in 1..<16 {
                code = (code &+ countByLength[bits - 1]) << 1
                next[bits] = code
            }
            var codes = [UInt16](repeating: 0, count: lengths.count)
            for k in lengths.indices {
                let length = Int(lengths[k])
                guard length > 0 else { continue }
                var reversed: UInt16 = 0
                for bit in 0..<length where next[length] & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
                codes[k] = reversed
                next[length] &+= 1
            }
            return codes
        }
        XCTAssertEqual(Deflate.canonicalCodes(Deflate.fixedLiteralLengths), reference(Deflate.fixedLiteralLengths))
        XCTAssertEqual(Deflate.canonicalCodes(Deflate.fixedDistanceLengths), reference(Deflate.fixedDistanceLengths))
        XCTAssertEqual(Deflate.canonicalCodes([]), [])
        var state: UInt64 = 5
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for round in 0..<300 {
            let count = [19, 30, 286][round % 3]
            let limit = count == 19 ? 7 : 15
            let skew = 1 + next(20)
            let frequencies = (0..<count).map { _ -> UInt32 in next(3) == 0 ? 0 : UInt32(next(1 << skew)) }
            let lengths = Deflate.codeLengths(frequencies, limit: limit)
            XCTAssertEqual(Deflate.canonicalCodes(lengths), reference(lengths), "round \(round)")
        }
    }

    func test_adler32_matchesTheStandardCheckValue() {
        XCTAssertEqual(Adler32.checksum(Array("Wikipedia".utf8)), 0x11E6_0398)
        XCTAssertEqual(Adler32.checksum([]), 1)
    }

    /// The eight-bytes-a-step loop against the byte loop: every length 0-100
    /// (the tail), around the 5552-byte modulo step, and all 0xFF bytes
    /// (the largest lane sums and the largest b before the modulo).
    func test_adler32_wordLoopMatchesBytewise() {
        var state: UInt64 = 7
        let random = (0..<40_000).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let ones = [UInt8](repeating: 0xFF, count: 40_000)
        for length in Array(0...100) + [127, 128, 129, 135, 136, 255, 256, 257, 5503, 5504, 5505, 5551, 5552, 5553, 5560, 5680, 11_104, 11_105, 40_000] {
            XCTAssertEqual(Adler32.checksum(Array(random.prefix(length))), Adler32.bytewise(Array(random.prefix(length))), "random, \(length) bytes")
            XCTAssertEqual(Adler32.checksum(Array(ones.prefix(length))), Adler32.bytewise(Array(ones.prefix(length))), "0xFF, \(length) bytes")
        }
        XCTAssertEqual(Adler32.checksum(ones), 0x0AB0_ACD6, "zlib.adler32(b'\\xff' * 40000)")
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
        // 16,526 bytes with 4-byte hash chains, 17,007 with the 3-byte ones
        // before (same chain length): the size this matcher must keep.
        XCTAssertLessThan(Deflate.compress(stream).count, 16_800, "content-stream-like text: \(stream.count) bytes")
        for input in [[], text, random, stream, Array(text.prefix(3)), [UInt8](repeating: 7, count: 70_000), Array(text.prefix(255)), Array(text.prefix(257)),
                      Array(text.prefix(600)), mixed, Array((text + text + text).prefix(40_000))] as [[UInt8]] {
            let inflated = try XCTUnwrap(try Self.gunzip([(Deflate.compress(input), input)]))
            XCTAssertEqual(inflated.status, 0, "gzip rejected our deflate stream (\(input.count) bytes)")
            XCTAssertEqual(inflated.output, input)
        }
        XCTAssertLessThan(Deflate.compress(text).count, text.count / 10, "repetitive text must compress")
    }

    /// Inflates `members` (raw DEFLATE data) with gzip, an independent
    /// inflater, as one file of gzip members: gzip checks each member's
    /// CRC-32 and length against the original's, and the output must be all
    /// originals in order. nil when gzip is not installed.
    static func gunzip(_ members: [(deflated: [UInt8], original: [UInt8])]) throws -> (status: Int32, output: [UInt8])? {
        guard let gzip = Fixtures.toolPath("gzip") else { return nil }
        var file: [UInt8] = []
        for member in members {
            file += [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255]
            file += member.deflated
            var tail = BinaryWriter()
            tail.le32(CRC32.checksum(member.original)); tail.le32(UInt32(truncatingIfNeeded: member.original.count))
            file += tail.bytes
        }
        // Static (no test case to remove it at teardown): removed here.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cass-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("members.gz")
        try Data(file).write(to: url)
        return try Fixtures.capture(gzip, ["-dc", url.path])
    }

    /// Every path of the compressor against gzip: sizes 0-6 (under the 4
    /// bytes the matcher needs), around the longest match (258) and the
    /// block length (16,384 symbols: random bytes are one symbol each, so
    /// 40,000 of them make three blocks), past the 32 KiB window, random
    /// (fixed codes or stored), repetitive (long matches, few symbols:
    /// dynamic codes), one byte repeated (a single distance code), and
    /// skewed (literal codes cut to 15 bits).
    func test_deflate_roundTripsThroughGzipAtManySizes() throws {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let random = (0..<100_000).map { _ in UInt8(truncatingIfNeeded: next()) }
        var text = ""
        while text.utf8.count < 150_000 {
            text += "<c r=\"B\(next() % 900)\" s=\"2\"><v>\(next() % 100_000).\(next() % 100)</v></c>q \(next() % 7) 0 0 1 \(next() % 600) Tm\n"
        }
        let repetitive = Array(text.utf8)
        // Byte k about 1.6^k times: a Huffman tree over these is deeper than 15.
        var skewed: [UInt8] = []
        var weight = 1.0
        for k in 0..<26 {
            skewed += [UInt8](repeating: UInt8(k * 9), count: Int(weight))
            weight *= 1.6
        }
        for k in stride(from: skewed.count - 1, to: 0, by: -1) { skewed.swapAt(k, Int(next() % UInt64(k + 1))) }
        var inputs: [[UInt8]] = []
        for size in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 256, 257, 258, 259, 260, 1000, 16383, 16384, 16385, 32767, 32768, 32769, 40000, 70000, 100_000] {
            inputs.append(Array(random.prefix(size)))
            inputs.append(Array(repetitive.prefix(size)))
        }
        inputs.append(repetitive)
        inputs.append([UInt8](repeating: 0x41, count: 70_000))
        inputs.append(skewed)
        inputs.append(Array(repetitive.prefix(20000)) + Array(random.prefix(30000)) + Array(repetitive.prefix(50000)))
        let members = inputs.map { (deflated: Deflate.compress($0), original: $0) }
        guard let (status, output) = try Self.gunzip(members) else { throw XCTSkip("gzip missing") }
        XCTAssertEqual(status, 0, "gzip rejected a member or its CRC (sizes \(inputs.map(\.count)))")
        XCTAssertEqual(output.count, inputs.reduce(0) { $0 + $1.count })
        XCTAssertTrue(output == inputs.flatMap { $0 }, "inflated bytes differ from the originals")
        // The paths above were taken: a worksheet-like stream gets its own
        // codes (BTYPE 2 in the first block's bits 1-2), a few bytes the
        // fixed ones (BTYPE 1), and the skewed bytes some code cut to 15 bits.
        XCTAssertEqual((Deflate.compress(repetitive)[0] >> 1) & 3, 2, "dynamic codes expected")
        XCTAssertEqual((Deflate.compress(Array("abc".utf8))[0] >> 1) & 3, 1, "fixed codes expected")
        XCTAssertLessThan(Deflate.compress(repetitive).count, repetitive.count / 4)
    }

    /// Code lengths within the limit and filling the code space exactly
    /// (Kraft sum 1): too long a code, or a space over- or underfilled, is
    /// an invalid dynamic block.
    func test_codeLengths_areLimitedAndComplete() {
        var fibonacci: [UInt32] = [1, 1]
        while fibonacci.count < 30 { fibonacci.append(fibonacci[fibonacci.count - 1] + fibonacci[fibonacci.count - 2]) }
        let cases: [([UInt32], Int)] = [
            (fibonacci + [UInt32](repeating: 0, count: 256), 15),
            (Array(fibonacci.prefix(19)), 7),
            ([UInt32](repeating: 0, count: 30), 15),  // no distances at all: two codes still
            ([0, 0, 5, 0], 15),  // one used symbol: a second joins
            ((0..<286).map { UInt32($0 % 7 + 1) }, 15),
        ]
        for (frequencies, limit) in cases {
            let lengths = Deflate.codeLengths(frequencies, limit: limit)
            XCTAssertEqual(lengths.count, frequencies.count)
            XCTAssertLessThanOrEqual(Int(lengths.max() ?? 0), limit)
            let kraft = lengths.reduce(0) { $1 == 0 ? $0 : $0 + (1 << (limit - Int($1))) }
            XCTAssertEqual(kraft, 1 << limit, "code space not exactly filled: \(lengths)")
            XCTAssertGreaterThanOrEqual(lengths.filter { $0 > 0 }.count, 2)
            for (symbol, frequency) in frequencies.enumerated() where frequency > 0 { XCTAssertGreaterThan(lengths[symbol], 0, "used symbol \(symbol) without a code") }
        }
        XCTAssertEqual(Deflate.codeLengths(Array(fibonacci.prefix(19)), limit: 7).max(), 7, "the limit must have cut this tree")
    }

    /// The leaves' radix sort gives the library sort's order: equal
    /// frequencies in symbol order, at the sizes either path takes and with
    /// frequencies past the radix's two bytes.
    func test_sortLeaves_matchesTheLibrarySort() {
        var random = SystemRandomNumberGenerator()
        for count in [2, 19, 64, 65, 200, 286, 1000] {
            for largest in [UInt64(3), 300, 65_535, 70_000] {
                let frequencies = (0..<count).map { _ in UInt64.random(in: 1...largest, using: &random) }
                var leaves = frequencies.enumerated().map { $0.element << 16 | UInt64($0.offset) }
                let expected = leaves.sorted()
                Deflate.sortLeaves(&leaves)
                XCTAssertEqual(leaves, expected, "\(count) leaves, frequencies up to \(largest)")
            }
        }
    }

    /// Many generated inputs through Deflate.zlib, inflated by Python's
    /// zlib (an independent inflater that also checks the Adler-32): random
    /// bytes, few-symbol and repetitive data, text-like words, long runs of
    /// one byte, content-stream and worksheet lines, mixtures of these, and
    /// the edge sizes (empty, 1 byte, a 64 KiB window plus one, around the
    /// 258-byte longest match and the block length). Seeded, so a failure
    /// names a case that can be re-run.
    func test_deflate_manyGeneratedInputsInflateWithPythonZlib() throws {
        guard let python = Fixtures.toolPath("python3") else { throw XCTSkip("python3 missing") }
        var state: UInt64 = 0xD1B5_4A32_D192_ED03
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let words = ["BT", "ET", "Tf", "Tj", "re", "f", "<c r=\"A1\" s=\"3\">", "<v>", "</v></c>", "0.85", "g", "36", "1 0 0 1", "\n", " ", "EUR", "AWB"]
        func generate(_ kind: Int, _ size: Int) -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(size + 64)
            switch kind {
            case 0:  // random bytes: stored or fixed codes
                while out.count < size { out.append(UInt8(next(256))) }
            case 1:  // a few symbols: short codes, short matches
                let alphabet = 2 + next(6)
                while out.count < size { out.append(UInt8(65 + next(alphabet))) }
            case 2:  // text-like: words from a small vocabulary
                while out.count < size { out += Array(words[next(words.count)].utf8); out.append(32) }
            case 3:  // long runs of one byte, some longer than 258
                while out.count < size { out += [UInt8](repeating: UInt8(next(4)), count: 1 + next(700)) }
            case 4:  // a random block repeated at a random distance: matches at every distance
                let unit = (0..<(1 + next(40_000))).map { _ in UInt8(next(256)) }
                while out.count < size { out += unit.prefix(1 + next(unit.count)) }
            default:  // content-stream lines with numbers
                while out.count < size {
                    out += Array("BT /F\(next(3)) 8 Tf 1 0 0 1 \(next(600)).\(next(100)) \(next(800)) Tm <00\(String(next(0xFFFF), radix: 16))> Tj ET\n".utf8)
                }
            }
            return Array(out.prefix(size))
        }
        var inputs: [[UInt8]] = [[], [0], [255], Array("a".utf8), Array("ab".utf8), Array("abc".utf8), Array("abcd".utf8)]
        for size in [65_537, 65_536 + 258, 32_769, 16_385, 259, 258, 257] {
            for kind in 0..<6 { inputs.append(generate(kind, size)) }
        }
        for _ in 0..<120 {
            let size = [next(16), next(300), next(5000), next(70_000)][next(4)]
            inputs.append(generate(next(6), size))
        }
        for _ in 0..<20 {  // mixtures: the matcher and block writer switching between kinds
            var mixed: [UInt8] = []
            for _ in 0..<(2 + next(5)) { mixed += generate(next(6), next(20_000)) }
            inputs.append(mixed)
        }
        inputs.append(generate(3, 300_000))
        // Every match length 4...258 once, at distances across the distance
        // codes: each length code and extra-bits value goes through the
        // block writer's length table (a wrong entry inflates wrong or not
        // at all). Random units, so no longer match joins them.
        var everyLength: [UInt8] = []
        for length in 4...258 {
            let unit = (0..<length).map { _ in UInt8(next(256)) }
            let gap = [0, 1, 7, 100, 1000, 5000, 20_000][length % 7]
            everyLength += unit + (0..<gap).map { _ in UInt8(next(256)) } + unit
        }
        inputs.append(everyLength)
        inputs.append(Array(everyLength.prefix(4000)))
        // One file: for each case the original's and the zlib stream's
        // lengths (4 bytes each, little-endian), then both.
        var file: [UInt8] = []
        for input in inputs {
            let packed = Deflate.zlib(input)
            var lengths = BinaryWriter()
            lengths.le32(UInt32(input.count)); lengths.le32(UInt32(packed.count))
            file += lengths.bytes + input + packed
        }
        let folder = try Fixtures.temporaryDirectory(self)
        let data = folder.appendingPathComponent("cases.bin"), script = folder.appendingPathComponent("inflate.py")
        try Data(file).write(to: data)
        try Data("""
        import sys, zlib
        data = open(sys.argv[1], 'rb').read()
        at = case = 0
        while at < len(data):
            n, m = int.from_bytes(data[at:at + 4], 'little'), int.from_bytes(data[at + 4:at + 8], 'little')
            original, packed = data[at + 8:at + 8 + n], data[at + 8 + n:at + 8 + n + m]
            at += 8 + n + m
            try:
                inflated = zlib.decompress(packed)
            except zlib.error as e:
                print('case %d (%d bytes): %s' % (case, n, e)); sys.exit(1)
            if inflated != original:
                print('case %d (%d bytes): inflated %d bytes, not the original' % (case, n, len(inflated))); sys.exit(1)
            case += 1
        print('ok %d' % case)
        """.utf8).write(to: script)
        let result = try Fixtures.capture(python, [script.path, data.path])
        XCTAssertEqual(result.status, 0, String(decoding: result.output, as: UTF8.self))
        XCTAssertEqual(String(decoding: result.output, as: UTF8.self), "ok \(inputs.count)\n")
    }

    func test_zipArchive_passesUnzipIntegrityTest() throws {
        guard let unzip = Fixtures.toolPath("unzip") else { throw XCTSkip("unzip missing") }
        var zip = ZipWriter()
        zip.add("a.txt", text: String(repeating: "hello CASS\n", count: 200))
        zip.add("dir/b.bin", [0, 1, 2, 3, 255])
        let url = try Fixtures.temporaryDirectory(self).appendingPathComponent("t.zip")
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
        let folder = try Fixtures.temporaryDirectory(self)
        let url = folder.appendingPathComponent("out.txt")
        try AtomicFile.write("first", to: url)
        try AtomicFile.write("second", to: url, durable: false)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "second")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["out.txt"])
    }
}
