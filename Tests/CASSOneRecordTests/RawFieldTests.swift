@testable import CASSOneRecord
import CASSDomain
import XCTest

/// Transaction fields are carried as byte ranges of one buffer per file
/// (`RawTransactions`), not as a `String` per value: the byte helpers the
/// parser uses instead of the string ones must say exactly what those said.
final class RawFieldTests: XCTestCase {
    static let samples: [String] = [
        "", "1", "125", "11677260", "MAN ", "EMA", "GBP", "a,b", "x\"y", "é", "Zürich", "1234567890123", "\u{212A}GM", "KGM",
        "\u{1}\u{7F}", "ÅÅÅÅ", "AB,CD,EF,GH", "  ", "WT", "-0.00",
    ]

    /// The old form: the reportable text, its first eight bytes packed.
    func oldPacked(_ text: String, width: Int) -> ASCIICode {
        var value: UInt64 = 0
        var count: UInt8 = 0
        for byte in OneRecordValues.reportable(text, width: width).utf8.prefix(8) {
            value = value << 8 | UInt64(byte)
            count += 1
        }
        return ASCIICode(rawPacked: value, length: count)
    }

    func test_packedReportable_isPackedReportableString() {
        for text in Self.samples {
            for width in [2, 3, 8, 16] {
                var copy = text
                let packed = copy.withUTF8 { OneRecordValues.packedReportable($0, width: width) }
                XCTAssertEqual(packed, oldPacked(text, width: width), "\(text.debugDescription) width \(width)")
            }
        }
    }

    func test_equals_isStringEquality() {
        let literals: [String] = ["KGM", "AGT", "P", "C", "A", "AWB", "GBP", "\u{212A}GM", ""]
        for text in Self.samples + literals {
            for other in literals {
                var copy = text
                XCTAssertEqual(copy.withUTF8 { OneRecordValues.equals($0, other) }, text == other, "\(text.debugDescription) vs \(other)")
            }
            var copy = text
            // The Kelvin sign is canonically K: String equality, kept.
            XCTAssertEqual(copy.withUTF8 { OneRecordValues.equals($0, "KGM" as StaticString) }, text == "KGM", text.debugDescription)
        }
    }

    func test_rawTransactions_keepTextsAndInvalids_dropLastUndoes() {
        var raw = RawTransactions()
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        raw.begin(sequence: 1)
        let text = Array("Zürich".utf8)
        let field = text.withUnsafeBytes { raw.text($0) }
        raw[.origin] = field
        raw[.destination] = raw.invalid("an IRI where a value was expected")
        raw.appendOtherCharge(RawOtherCharge(code: .repeated, entitlement: .absent, amount: .absent, currencyUnit: .absent))
        guard case .text(let value) = raw.value(raw[.origin], document: none) else { return XCTFail("origin not text") }
        XCTAssertEqual(value, "Zürich")
        guard case .invalid(let what) = raw.value(raw[.destination], document: none) else { return XCTFail("destination not invalid") }
        XCTAssertEqual(what, "an IRI where a value was expected")
        guard case .absent = raw.value(raw[.prefix], document: none) else { return XCTFail("prefix not absent") }
        raw.begin(sequence: 2)
        raw.appendOtherCharge(RawOtherCharge(code: .absent, entitlement: .absent, amount: .absent, currencyUnit: .absent))
        XCTAssertEqual(raw.count, 2)
        XCTAssertEqual(raw.otherCharges.count, 2)
        raw.dropLast()
        XCTAssertEqual(raw.count, 1)
        XCTAssertEqual(raw.fields.count, RawTransactions.fieldCount)
        XCTAssertEqual(raw.otherCharges.count, 1)
        XCTAssertEqual(raw.entries[0].otherChargesCount, 1)
    }

    /// RDF/XML texts stay ranges of the document (no copy): the same
    /// records as when every text is copied (`textsInPlace` off), values
    /// with references (copied even in place) and code-list IRIs included.
    func test_textsInDocument_readAsCopiedTexts() throws {
        var xml = Fixture.xml
        // A reference makes one text a copy; the other texts stay in place.
        xml = xml.replacingOccurrences(of: "<cargo:code>MAN</cargo:code>", with: "<cargo:code>M&#65;N</cargo:code>")
        XCTAssertTrue(xml.contains("&#65;"))
        let bytes = Array(xml.utf8)
        func read(inPlace: Bool) -> String {
            bytes.withUnsafeBytes { document in
                var builder = BillingDocumentBuilder(limits: .standard, identityOnly: false)
                XMLDocumentReader.read(document, into: &builder, textsInPlace: inPlace)
                if inPlace {
                    XCTAssertTrue(builder.transactions.fields.contains { if case .document = $0 { true } else { false } })
                } else {
                    XCTAssertFalse(builder.transactions.fields.contains { if case .document = $0 { true } else { false } })
                }
                return String(describing: OneRecordReader.result(of: builder, document: document, fileName: "f.xml", periodsPerMonth: Fixture.periodsPerMonth))
            }
        }
        let inPlace = read(inPlace: true)
        XCTAssertEqual(inPlace, read(inPlace: false))
        XCTAssertTrue(inPlace.contains("parsed"), inPlace)
    }
}
