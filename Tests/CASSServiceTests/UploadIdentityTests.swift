import CASSDomain
import CASSEngine
import CASSOneRecord
@testable import CASSService
import CASSWorkers
import Foundation
import XCTest

/// An upload's airline is checked against the caller's from the identity
/// the ingest stage will report. For CBF the service takes it from the
/// first line (and a scan for non-ASCII bytes) instead of parsing every
/// record in the request: it must be exactly what the whole read gives,
/// for accepted and rejected files alike, or a wrong airline could slip
/// through (or a right one be refused).
final class UploadIdentityTests: XCTestCase {
    func testHeaderOnlyIdentityIsTheReadersForEverySampleAndDamagedVariants() throws {
        let reference = try ReferenceLoader.load(directory: ServiceHarness.samplesReference)
        let files = try FolderSettlement.inputFiles(in: FileRoutesTests.samplesInput)
        XCTAssertGreaterThan(files.count, 10)
        var checked = 0
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path)))
            var variants: [(String, [UInt8])] = [("as is", bytes)]
            if BillingFileFormat.detect(bytes) == .cbf, bytes.count > 300 {
                var nonASCII = bytes
                nonASCII[250] = 0xC3
                variants.append(("a non-ASCII byte in a later line", nonASCII))
                variants.append(("cut in the header", Array(bytes[0..<20])))
                variants.append(("the header line only", Array(bytes.prefix(while: { $0 != 10 })) + [10]))
                variants.append(("CRLF line ends", bytes.flatMap { $0 == 10 ? [13, 10] : [$0] }))
                var otherAirline = bytes
                otherAirline.replaceSubrange(11..<14, with: Array("999".utf8))
                variants.append(("another airline in the header", otherAirline))
            }
            for (what, variant) in variants {
                let full: ReportedIdentity = variant.withUnsafeBytes { buffer in
                    switch DefaultReaders.any(buffer, file.name, { reference.operation($0)?.periodsPerMonth }) {
                    case .rejected(_, let identity, _): return identity
                    case .parsed(let parsed): return parsed.identity
                    }
                }
                let fast = variant.withUnsafeBytes { ServiceContext.reportedIdentity($0, name: file.name, reference: reference) }
                XCTAssertEqual(fast, full, "\(file.name), \(what)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 100)
    }
}
