@testable import CASSOneRecord
import CASSDomain
import XCTest

/// The RDF/XML reader has the scanner hand indentation over with the tag
/// after it (`fusesWhitespace`) instead of as a text event of its own. The
/// plain path (every piece of text an event) is the reference: the scanner's
/// events and the reader's whole result must be the same both ways, with
/// whitespace, text, comments, CDATA, references and refused bytes put
/// before and after every tag of a billing file.
final class WhitespaceFusionTests: XCTestCase {
    /// The scanner's events as text; fused whitespace written out as the
    /// text event it replaces, so both ways must give the same list.
    func events(_ bytes: [UInt8], fused: Bool) -> [String] {
        bytes.withUnsafeBytes { raw in
            var scanner = XMLScanner(bytes: raw)
            scanner.fusesWhitespace = fused
            var out: [String] = []
            func leading() {
                if scanner.leadingWhitespaceEnd > scanner.leadingWhitespaceStart {
                    out.append("text \(scanner.leadingWhitespaceStart) \(scanner.leadingWhitespaceEnd) false true")
                }
            }
            do {
                while true {
                    switch try scanner.next() {
                    case .start:
                        leading()
                        out.append("start \(scanner.namespace) \(scanner.localStart) \(scanner.localEnd) \(scanner.attributes.count) \(scanner.depth)")
                    case .end:
                        leading()
                        out.append("end \(scanner.depth)")
                    case .text(let start, let end, let references, let whitespace):
                        XCTAssertFalse(fused && whitespace && end > start && start > 0 && scanner.depth > 0 && end < raw.count
                                       && raw[end] == UInt8(ascii: "<") && end + 1 < raw.count && raw[end + 1] != UInt8(ascii: "!") && raw[end + 1] != UInt8(ascii: "?"),
                                       "whitespace before a tag came as text though fused")
                        out.append("text \(start) \(end) \(references) \(whitespace)")
                    case .endOfDocument:
                        out.append("end of document")
                        return out
                    }
                }
            } catch {
                out.append("error \(error)")
                return out
            }
        }
    }

    /// `fused` turns on both fast paths: whitespace with the tags, and
    /// each transaction's texts and IRIs left in the document (not copied).
    /// A tag that is refused ends the events: whitespace before it came as
    /// a text event on the plain path, and with the tag (so not at all)
    /// when fused. The builder only ever kept such whitespace aside, and a
    /// syntax error replaces what it found: the results are the same.
    func comparable(_ plain: [String], _ fused: [String]) -> [String] {
        guard plain != fused, plain.count >= 2, plain[plain.count - 1].hasPrefix("error"), plain[plain.count - 2].hasPrefix("text"),
              plain[plain.count - 2].hasSuffix("false true") else { return plain }
        var out = plain
        out.remove(at: out.count - 2)
        return out
    }

    func result(_ bytes: [UInt8], fused: Bool) -> String {
        bytes.withUnsafeBytes { raw in
            var builder = BillingDocumentBuilder(limits: .standard, identityOnly: false)
            XMLDocumentReader.read(raw, into: &builder, fusesWhitespace: fused, textsInPlace: fused)
            return String(describing: OneRecordReader.result(of: builder, document: raw, fileName: "f.xml", periodsPerMonth: Fixture.periodsPerMonth))
        }
    }

    func summary(_ bytes: [UInt8], fused: Bool) -> String {
        bytes.withUnsafeBytes { raw in
            var builder = BillingDocumentBuilder(limits: .standard, identityOnly: true)
            XMLDocumentReader.read(raw, into: &builder, fusesWhitespace: fused, textsInPlace: fused)
            return String(describing: OneRecordReader.summary(of: builder, fileName: "f.xml"))
        }
    }

    /// What is put before each '<' and after each '>' of the document.
    /// Texts split by comments, CDATA or references are joined (copied)
    /// whatever the path; a single piece is left in the document.
    let insertions = ["", "\n      ", "\t\r\n", "x", "  &amp; ", "&amp;x", "x&#65;", "x<!---->y", " <!-- c --> ",
                      "<![CDATA[ ]]>", "<![CDATA[z]]>y", " <?pi x?>", " \u{1} ", "  ]]> "]

    func test_fusedWhitespace_givesThePlainEventsAndResults() {
        let document = Array(Fixture.withControlTotals(Fixture.xml).utf8)
        // The fixture as written must read, and read the same both ways.
        XCTAssertTrue(result(document, fused: true).contains("parsed"), result(document, fused: true))
        var positions: [Int] = []
        for (k, b) in document.enumerated() {
            if b == UInt8(ascii: "<") { positions.append(k) }
            if b == UInt8(ascii: ">") { positions.append(k + 1) }
        }
        var differences = 0
        for position in positions {
            for insertion in insertions {
                var mutated = document
                mutated.insert(contentsOf: Array(insertion.utf8), at: position)
                let fusedEvents = events(mutated, fused: true), plainEvents = comparable(events(mutated, fused: false), fusedEvents)
                let plain = result(mutated, fused: false), fused = result(mutated, fused: true)
                // The identity-only read, for the whitespace insertions.
                let plainSummary = insertion.count > 8 ? "" : summary(mutated, fused: false)
                let fusedSummary = insertion.count > 8 ? "" : summary(mutated, fused: true)
                if plainEvents != fusedEvents || plain != fused || plainSummary != fusedSummary {
                    differences += 1
                    if differences <= 5 {
                        XCTAssertEqual(plainEvents, fusedEvents, "\(insertion.debugDescription) at \(position)")
                        XCTAssertEqual(plain, fused, "\(insertion.debugDescription) at \(position)")
                        XCTAssertEqual(plainSummary, fusedSummary, "\(insertion.debugDescription) at \(position)")
                    }
                }
            }
        }
        XCTAssertEqual(differences, 0)
    }

    /// Indentation read as the value of a leaf, as text before a child the
    /// reader skips (another namespace) and before a second root: the same
    /// both ways, and the leaf's whitespace is its value.
    func test_fusedWhitespace_leafValuesAndSkippedChildren() {
        let xml = Fixture.withControlTotals(Fixture.xml)
        let cases = [
            xml.replacingOccurrences(of: "<cass:operation>GB</cass:operation>", with: "<cass:operation>  </cass:operation>"),
            xml.replacingOccurrences(of: "<cass:operation>GB</cass:operation>", with: "<cass:operation>GB  <x:y xmlns:x=\"urn:x\"/>  </cass:operation>"),
            xml.replacingOccurrences(of: "<cass:operation>GB</cass:operation>", with: "<cass:operation>  <x:y xmlns:x=\"urn:x\"/>  </cass:operation>"),
            xml.replacingOccurrences(of: "<cass:operation>GB</cass:operation>", with: "<cass:operation>\n <x:y xmlns:x=\"urn:x\">  <x:z/> </x:y>\n</cass:operation>"),
            xml + "\n  <rdf:RDF/>",
            xml.replacingOccurrences(of: "</rdf:RDF>", with: "  </rdf:RDF  >  "),
            // IRIs with references (decoded, so copied), in one transaction or all.
            xml.replacingOccurrences(of: "#AGT\"", with: "#A&#71;T\""),
            xml.replacingOccurrences(of: "#C\"", with: "#&#67;\""),
        ]
        for (k, text) in cases.enumerated() {
            let bytes = Array(text.utf8)
            XCTAssertNotEqual(text, xml, "case \(k) changed nothing")
            XCTAssertEqual(comparable(events(bytes, fused: false), events(bytes, fused: true)), events(bytes, fused: true), "case \(k)")
            XCTAssertEqual(result(bytes, fused: false), result(bytes, fused: true), "case \(k)")
        }
        // Whitespace alone in a leaf is its value, not indentation.
        XCTAssertNotEqual(result(Array(cases[0].utf8), fused: true), result(Array(xml.utf8), fused: true))
    }
}
