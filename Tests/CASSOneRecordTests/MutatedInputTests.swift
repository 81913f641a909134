import CASSDomain
import CASSOneRecord
import CASSSamples
import XCTest

/// Thousands of damaged versions of a valid file: the reader must give a
/// verdict for every one (parse or reject), never trap, and converting
/// whatever parses must never trap either.
final class MutatedInputTests: XCTestCase {

    /// The processing-order scan reads names before (without) the UTF-8
    /// check: a name cut by the end of the document inside a multi-byte
    /// sequence (found by fuzz-xml) was read one byte past the end.
    func test_summary_nameCutInsideUTF8Sequence_staysInTheBuffer() {
        let bytes = Array("<?xml version=\"1.0\"?><rdf:RDFF".utf8) + [0xC3]
        let summary = bytes.withUnsafeBytes { BillingFileReader.summary(of: $0, fileName: "cut.xml") }
        XCTAssertEqual(summary.operation, "")
        guard case .rejected(_, _, let problem) = OneRecordReader.read(bytes: bytes, fileName: "cut.xml", periodsPerMonth: Fixture.periodsPerMonth) else {
            return XCTFail("a document cut inside a UTF-8 sequence must be rejected")
        }
        XCTAssertEqual(problem.code, .F06)
    }

    func test_damagedDocuments_alwaysGetAVerdict() {
        let original = Array(Fixture.xml.utf8)
        let alphabet = Array("<>/&;#:=\"' x9.-AWBCDG\n".utf8) + [0x00, 0xC3, 0xFF]
        // Seeded, so that a failure is reproducible.
        var random = SplitMix64(seed: 42)
        var parsedCount = 0, rejected: [RejectionCode: Int] = [:]
        for _ in 0..<1_500 {
            var bytes = original
            for _ in 0...random.below(4) {
                let position = random.below(bytes.count)
                switch random.below(4) {
                case 0: bytes[position] = alphabet[random.below(alphabet.count)]
                case 1: bytes.remove(at: position)
                case 2: bytes.insert(alphabet[random.below(alphabet.count)], at: position)
                default:
                    let length = min(random.below(40), bytes.count - position)
                    bytes.removeSubrange(position..<(position + length))
                }
                if bytes.isEmpty { bytes = original }
            }
            switch OneRecordReader.read(bytes: bytes, fileName: "m.xml", periodsPerMonth: Fixture.periodsPerMonth) {
            case .parsed(let file):
                parsedCount += 1
                _ = OneRecordWriter.write(file)
                _ = try? FileConverter.convert(bytes: bytes, fileName: "m.xml", to: .cbf)
            case .rejected(_, _, let problem):
                rejected[problem.code, default: 0] += 1
            }
        }
        XCTAssertGreaterThan(parsedCount, 25)
        XCTAssertGreaterThan(rejected[.F06] ?? 0, 250)
    }
}
