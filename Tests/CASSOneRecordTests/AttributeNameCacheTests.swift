import CASSOneRecord
import XCTest

/// A start tag with one attribute named as the last lone prefixed one
/// read (`rdf:resource`) skips the name and namespace passes; whatever the
/// bindings in force, the attributes' namespaces, the repeated-attribute
/// check and the errors are those of the full read.
final class AttributeNameCacheTests: XCTestCase {
    func events(_ text: String) throws(XMLSyntaxError) -> [String] {
        var tokenizer = XMLTokenizer(bytes: Array(text.utf8))
        var out: [String] = []
        while true {
            switch try tokenizer.next() {
            case .start(let name, let attributes):
                out.append("<\(name)" + attributes.map { " \($0.name)=\($0.value)" }.joined() + ">")
            case .end(let name): out.append("</\(name)>")
            case .text(let text): out.append(text)
            case .endOfDocument: return out
            }
        }
    }

    func error(_ text: String) -> String {
        do { _ = try events(text); return "none" } catch { return "\(error)" }
    }

    let rdf = "xmlns:r=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\""

    func test_sameName_underOtherBindings_resolvesAgain() throws {
        let text = "<r:RDF \(rdf)><a r:resource=\"1\"/><a r:resource=\"2\"></a>"
            + "<b xmlns:r=\"https://opencass.org/ns/cass#\"><c r:resource=\"3\"/></b><d r:resource=\"4\"/>"
            + "<e xmlns:r=\"urn:x\" r:resource=\"5\"/><f r:resource='6'/><g r:resource=\"&amp;7\" /><h r:resource = \"8\"/></r:RDF>"
        XCTAssertEqual(try events(text), [
            "<rdf:RDF>", "<a rdf:resource=1>", "</a>", "<a rdf:resource=2>", "</a>",
            "<b>", "<c cass:resource=3>", "</c>", "</b>", "<d rdf:resource=4>", "</d>",
            "<e ?:resource=5>", "</e>", "<f rdf:resource=6>", "</f>", "<g rdf:resource=&7>", "</g>", "<h rdf:resource=8>", "</h>", "</rdf:RDF>",
        ])
    }

    func test_sameName_errorsAsTheFullRead() {
        let head = "<r:RDF \(rdf)><a r:resource=\"1\"/>"
        XCTAssertTrue(error(head + "<b r:resource=\"1\" r:resource=\"2\"/></r:RDF>").contains("repeated"))
        XCTAssertTrue(error(head + "<b r:resource=\"a<b\"/></r:RDF>").contains("'<' in attribute value"))
        XCTAssertTrue(error(head + "<b r:resource=\"&bad;\"/></r:RDF>").contains("entity &bad; refused"))
        XCTAssertTrue(error(head + "<b r:resource=\"x\"y/></r:RDF>").contains("whitespace expected between attributes"))
        XCTAssertTrue(error(head + "<b r:resource=\"x").contains("unterminated"))
        XCTAssertEqual(error(head + "<b r:resource=\"x\" z=\"y\"/></r:RDF>"), "none")
    }
}
