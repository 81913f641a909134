@testable import CASSOneRecord
import CASSDomain
import XCTest

/// Transactions' fields are taken from the element events as they come
/// (`TransactionStream`); the element tree walked by `TransactionExtractor`
/// is the reference. Both must find the same fields, other charges and
/// F06 for every shape: elements repeated, missing, misplaced, foreign,
/// holding children or text where a value or an IRI is expected.
final class TransactionStreamTests: XCTestCase {
    /// The builder's findings (the document's first problem and every
    /// raw field) and the reader's result, as text.
    func findings(_ bytes: [UInt8], streams: Bool, jsonld: Bool = false) -> String {
        bytes.withUnsafeBytes { document in
            var builder = BillingDocumentBuilder(limits: .standard, identityOnly: false)
            builder.streamsTransactions = streams
            if jsonld { JSONLDDocumentReader.read(document, into: &builder) } else { XMLDocumentReader.read(document, into: &builder) }
            let raw = builder.transactions
            var out = "\(String(describing: builder.layoutProblem))\n"
            for index in 0..<raw.count {
                let entry = raw.entries[index]
                out += "transaction \(entry.sequence), \(entry.otherChargesCount) other charges\n"
                for field in RecordField.allCases {
                    out += "  \(field): \(raw.value(raw.fields[index * RawTransactions.fieldCount + field.rawValue], document: document))\n"
                }
                for charge in raw.otherCharges[entry.otherChargesStart..<(entry.otherChargesStart + entry.otherChargesCount)] {
                    out += "  other: \([charge.code, charge.entitlement, charge.amount, charge.currencyUnit].map { raw.value($0, document: document) })\n"
                }
            }
            out += String(describing: OneRecordReader.result(of: builder, document: document, fileName: "f.xml", periodsPerMonth: Fixture.periodsPerMonth))
            return out
        }
    }

    /// Where the element whose start tag is at `start` ends (after its end tag).
    func elementEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var depth = 0
        var k = start
        while k < bytes.count {
            guard bytes[k] == UInt8(ascii: "<") else { k += 1; continue }
            guard let close = bytes[k...].firstIndex(of: UInt8(ascii: ">")) else { return nil }
            if bytes[k + 1] == UInt8(ascii: "/") {
                depth -= 1
            } else if bytes[close - 1] != UInt8(ascii: "/") {
                depth += 1
            }
            k = close + 1
            if depth == 0 { return k }
        }
        return nil
    }

    let insertions = ["<cargo:foo/>", "<cargo:foo>x</cargo:foo>", "<x:y xmlns:x=\"urn:x\">t</x:y>", "x", " ", "<!--c-->", "&#65;", "<![CDATA[z]]>",
                      "<cargo:Party/>", "<cass:charge/>", "<cargo:code>X</cargo:code>", "<cargo:Value><cargo:numericalValue>1</cargo:numericalValue></cargo:Value>",
                      "<cargo:partyRole rdf:resource=\"urn:x#AGT\"/>", "<cargo:unit rdf:resource=\"urn:u#LBR\"/>", "<cargo:subTotal>1.00</cargo:subTotal>",
                      "<cargo:involvedParties><cargo:Party><cargo:partyRole rdf:resource=\"r#AGT\"/></cargo:Party></cargo:involvedParties>",
                      "<cargo:otherCharges/>", "<cass:sequence>1</cass:sequence>", "<cargo:BillingDetails/>",
                      // Whitespace before an element skipped or read: text of the parent, or layout.
                      "  <x:y xmlns:x=\"urn:x\"/>", "\n <cargo:foo/>", " <x:y xmlns:x=\"urn:x\"/>M"]

    func test_streamedFields_equalTheTreesForEveryMutation() {
        let document = Array(Fixture.withControlTotals(Fixture.xml).utf8)
        XCTAssertTrue(findings(document, streams: true).contains("parsed"))
        var mutations: [[UInt8]] = []
        // Before each tag and after each (a leaf's text starts there).
        for (position, b) in document.enumerated() where b == UInt8(ascii: ">") && position + 1 < document.count {
            for insertion in insertions {
                var mutated = document
                mutated.insert(contentsOf: Array(insertion.utf8), at: position + 1)
                mutations.append(mutated)
            }
        }
        for (position, b) in document.enumerated() where b == UInt8(ascii: "<") {
            for insertion in insertions {
                var mutated = document
                mutated.insert(contentsOf: Array(insertion.utf8), at: position)
                mutations.append(mutated)
            }
            // The element here removed, doubled, and given an attribute.
            guard document[position + 1] != UInt8(ascii: "/"), document[position + 1] != UInt8(ascii: "?"),
                  let end = elementEnd(document, from: position) else { continue }
            var removed = document
            removed.removeSubrange(position..<end)
            mutations.append(removed)
            var doubled = document
            doubled.insert(contentsOf: document[position..<end], at: end)
            mutations.append(doubled)
            if let nameEnd = document[position...].firstIndex(where: { $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "/") }) {
                var attributed = document
                attributed.insert(contentsOf: Array(" rdf:resource=\"urn:r#CN\"".utf8), at: nameEnd)
                mutations.append(attributed)
            }
        }
        var differences = 0
        for mutated in mutations {
            let tree = findings(mutated, streams: false), streamed = findings(mutated, streams: true)
            if tree != streamed {
                differences += 1
                if differences <= 3 { XCTAssertEqual(tree, streamed, String(decoding: mutated, as: UTF8.self)) }
            }
        }
        XCTAssertGreaterThan(mutations.count, 2_000)
        XCTAssertEqual(differences, 0)
    }

    /// JSON-LD hands the same events (values that are no strings, lists,
    /// `@id` objects): the same findings both ways.
    func test_streamedFields_equalTheTrees_jsonld() throws {
        let xml = Array(Fixture.withControlTotals(Fixture.xml).utf8)
        let jsonld = String(decoding: try FileConverter.convert(bytes: xml, fileName: "f.xml", to: .jsonld), as: UTF8.self)
        let variants = [jsonld,
                        jsonld.replacingOccurrences(of: "\"cargo:waybillPrefix\": \"125\"", with: "\"cargo:waybillPrefix\": 125"),
                        jsonld.replacingOccurrences(of: "\"cargo:waybillNumber\": \"", with: "\"cargo:waybillNumber\": [\"1\", \""),
                        jsonld.replacingOccurrences(of: "\"cass:transactionType\": \"AWB\"", with: "\"cass:transactionType\": {\"@id\": \"urn:t#AWB\"}"),
                        jsonld.replacingOccurrences(of: "\"cass:transactionType\": \"AWB\"", with: "\"cass:transactionType\": null"),
                        jsonld.replacingOccurrences(of: "\"cass:sequence\": \"2\"", with: "\"cass:sequence\": {\"@value\": \"2\"}"),
                        jsonld.replacingOccurrences(of: "\"cass:reasonCode\": \"ADJ\"", with: "\"cass:reasonCode\": {\"@list\": [\"ADJ\"]}")]
        XCTAssertTrue(findings(Array(jsonld.utf8), streams: true, jsonld: true).contains("parsed"))
        for variant in variants {
            XCTAssertEqual(findings(Array(variant.utf8), streams: false, jsonld: true), findings(Array(variant.utf8), streams: true, jsonld: true), variant)
        }
    }
}
