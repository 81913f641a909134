import CASSOneRecord
import XCTest

/// The pull parser on its own: XML 1.0 well-formedness, namespaces, and
/// nothing beyond the five predefined entities.
final class XMLTokenizerTests: XCTestCase {
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

    func assertRefused(_ text: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try events(text), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(fragment), "\(error)", file: file, line: line)
        }
    }

    let cass = "xmlns:c=\"https://opencass.org/ns/cass#\""

    func test_namespaces_resolveByIRI_andScopesEnd() throws {
        let text = "<c:a \(cass)><b xmlns=\"https://onerecord.iata.org/ns/cargo#\"><d/></b><c:e xmlns:c=\"urn:other\"/><c:f/></c:a>"
        XCTAssertEqual(try events(text), ["<cass:a>", "<cargo:b>", "<cargo:d>", "</cargo:d>", "</cargo:b>", "<?:e>", "</?:e>", "<cass:f>", "</cass:f>", "</cass:a>"])
    }

    func test_attributes_unprefixedHaveNoNamespace_andEntitiesResolve() throws {
        let text = "<c:a \(cass) x='1 &lt; 2' c:y=\"&#x4E66;&#38;&quot;\"/>"
        XCTAssertEqual(try events(text), ["<cass:a x=1 < 2 cass:y=书&\">", "</cass:a>"])
    }

    func test_text_mergesAcrossCommentsCDATAAndReferences() throws {
        let text = "<?xml version=\"1.0\" encoding=\"utf-8\"?><!-- c --><a>G<!-- x -->B<![CDATA[<&>]]>&amp;&#65;</a><?pi after?>"
        XCTAssertEqual(try events(text), ["<a>", "GB<&>&A", "</a>"])
    }

    /// Repeated start-tag names are matched against their earlier
    /// occurrence (the scanner's name cache): a longer name sharing the
    /// bytes, a name going on past them, the same prefix bound again to
    /// another namespace and a bad name after a good one must all read
    /// exactly as they would the first time.
    func test_repeatedNames_readAsTheFirstTime() throws {
        let text = "<c:longName \(cass)><c:longName/><c:longNameMore/><c:longName/><c:longNameé/><c:longName xmlns:c=\"urn:other\"/>"
            + "<c:longName/><c:longName></c:longName></c:longName>"
        XCTAssertEqual(try events(text), ["<cass:longName>", "<cass:longName>", "</cass:longName>", "<cass:longNameMore>", "</cass:longNameMore>",
                                          "<cass:longName>", "</cass:longName>", "<cass:longNameé>", "</cass:longNameé>", "<?:longName>", "</?:longName>",
                                          "<cass:longName>", "</cass:longName>", "<cass:longName>", "</cass:longName>", "</cass:longName>"])
        assertRefused("<c:longName \(cass)><c:longName/><c:longName:x/></c:longName>", "malformed qualified name")
        assertRefused("<c:longName \(cass)><c:longName/><c:longName\u{7F}/></c:longName>", "whitespace expected")
    }

    func test_whitespaceBetweenTags_isNoEvent() throws {
        XCTAssertEqual(try events("<a>\n  <b> x </b>\n</a>\n"), ["<a>", "<b>", " x ", "</b>", "</a>"])
    }

    func test_byteOrderMark_isSkipped() throws {
        XCTAssertEqual(try events("\u{FEFF}<a/>"), ["<a>", "</a>"])
    }

    func test_wellFormedness_refusals() {
        assertRefused("<a><b></a></b>", "does not match")
        assertRefused("<a>", "unclosed")
        assertRefused("<a/><b/>", "second root")
        assertRefused("<a/>text", "after the root")
        assertRefused("text<a/>", "outside the root")
        assertRefused("<a x='1' x='2'/>", "repeated")
        assertRefused("<a x=1/>", "quoted")
        assertRefused("<a x='<'/>", "'<'")
        assertRefused("<p:a/>", "not declared")
        assertRefused("<a>&nbsp;</a>", "only the five predefined")
        assertRefused("<a>&#0;</a>", "not an XML character")
        assertRefused("<a>&#xD800;</a>", "not an XML character")
        assertRefused("<a>& b</a>", "malformed entity")
        assertRefused("<a/><?xml version='1.0'?>", "XML declaration")
        assertRefused("<?xml version='1.0' encoding='UTF-16'?><a/>", "only UTF-8")
        assertRefused("<!DOCTYPE a><a/>", "DOCTYPE")
        assertRefused("<a><!ELEMENT a ANY></a>", "declaration refused")
        assertRefused("<a><!-- never closed </a>", "unterminated comment")
        assertRefused("", "no root")
    }

    func test_limits_areEnforced() {
        func refused(_ text: String, _ limits: XMLLimits, _ fragment: String, line: UInt = #line) {
            var tokenizer = XMLTokenizer(bytes: Array(text.utf8), limits: limits)
            do {
                while true { if case .endOfDocument = try tokenizer.next() { break } }
                XCTFail("accepted", line: line)
            } catch {
                XCTAssertTrue("\(error)".contains(fragment), "\(error)", line: line)
            }
        }
        refused("<a><a><a/></a></a>", XMLLimits(maxDepth: 2), "deeper")
        refused("<a>12345</a>", XMLLimits(maxTextBytes: 4), "text node")
        refused("<a x='12345'/>", XMLLimits(maxTextBytes: 4), "attribute value")
        refused("<abcdef/>", XMLLimits(maxNameBytes: 4), "name longer")
        refused("<a x='1' y='2'/>", XMLLimits(maxAttributes: 1), "attributes")
        refused("<a/>     ", XMLLimits(maxDocumentBytes: 5), "larger")
    }

    /// The character check reads 32 bytes at a time, then 8, then one:
    /// a byte it must refuse, or a character it must let through, is put at
    /// every offset of a text long enough for all three (before, inside,
    /// across and after the blocks), alone and after a non-ASCII character
    /// (where the block loop hands over to the byte checks and resumes).
    func test_characterCheck_atEveryOffset() throws {
        func read(_ bytes: [UInt8]) -> Result<[String], XMLSyntaxError> {
            var tokenizer = XMLTokenizer(bytes: bytes)
            var out: [String] = []
            do {
                while true {
                    switch try tokenizer.next() {
                    case .text(let text): out.append(text)
                    case .endOfDocument: return .success(out)
                    default: continue
                    }
                }
            } catch { return .failure(error) }
        }
        let refused: [([UInt8], String)] = [
            ([0x00], "control character"), ([0x01], "control character"), ([0x0B], "control character"), ([0x0C], "control character"),
            ([0x08], "control character"), ([0x0E], "control character"), ([0x1F], "control character"), ([0x80], "not UTF-8"),
            ([0xC0, 0x80], "not UTF-8"), ([0xFF], "not UTF-8"), ([0xED, 0xA0, 0x80], "not a valid XML character"), ([0xEF, 0xBF, 0xBF], "not a valid XML character"),
        ]
        let accepted: [[UInt8]] = [[0x09], [0x0A], [0x0D, 0x0A], [0x20], [0x7F], [0x7E], Array("é".utf8), Array("书".utf8), Array("🙂".utf8)]
        for lead in [[UInt8](), Array("ü".utf8)] {
            for offset in 0...80 {
                let before = lead + [UInt8](repeating: UInt8(ascii: "x"), count: offset)
                let after = [UInt8](repeating: UInt8(ascii: "y"), count: 80 - offset)
                func document(_ middle: [UInt8]) -> [UInt8] { Array("<a>".utf8) + before + middle + after + Array("</a>".utf8) }
                for (bytes, message) in refused {
                    switch read(document(bytes)) {
                    case .success: XCTFail("\(bytes) accepted at offset \(offset)")
                    case .failure(let error): XCTAssertTrue(error.message.contains(message), "\(bytes) at \(offset): \(error.message)")
                    }
                }
                for bytes in accepted {
                    // CR LF is read as it stands: the scanner does not normalise line ends.
                    let expected = String(decoding: before + bytes + after, as: UTF8.self)
                    switch read(document(bytes)) {
                    case .success(let texts): XCTAssertEqual(texts.joined(), expected, "\(bytes) at offset \(offset)")
                    case .failure(let error): XCTFail("\(bytes) refused at offset \(offset): \(error.message)")
                    }
                }
            }
        }
    }

    /// Character data is read in one pass up to 64 bytes, then with
    /// `memchr`: a reference, a lone '>' and a refused ']]>' are put at
    /// every offset of texts on both sides of that length.
    func test_textSpecials_atEveryOffset() throws {
        for length in [0, 1, 7, 8, 30, 62, 63, 64, 65, 66, 100, 150] {
            for offset in 0...length {
                let before = String(repeating: "x", count: offset), after = String(repeating: "y", count: length - offset)
                XCTAssertEqual(try events("<a>\(before)&amp;\(after)</a>"), ["<a>", before + "&" + after, "</a>"], "& at \(offset) of \(length)")
                XCTAssertEqual(try events("<a>\(before)>\(after)</a>"), ["<a>", before + ">" + after, "</a>"], "> at \(offset) of \(length)")
                XCTAssertEqual(try events("<a>\(before)]>\(after)</a>"), ["<a>", before + "]>" + after, "</a>"], "]> at \(offset) of \(length)")
                assertRefused("<a>\(before)]]>\(after)</a>", "']]>' in character data")
                assertRefused("<a>\(before)&bogus;\(after)</a>", "only the five predefined")
            }
        }
    }

    /// Attribute values are searched for the quote, then for '<' and '&'
    /// (`memchr`), and read byte by byte when one is there: each is put at
    /// every offset of values of several lengths, the other quote too, and
    /// the length limit is tried at and just past its value.
    func test_attributeSpecials_atEveryOffset() throws {
        for length in [0, 1, 15, 16, 17, 31, 32, 33, 47, 70, 100] {
            for offset in 0...length {
                let before = String(repeating: "x", count: offset), after = String(repeating: "y", count: length - offset)
                XCTAssertEqual(try events("<a v=\"\(before)\(after)\"/>"), ["<a v=\(before)\(after)>", "</a>"], "plain \(offset) of \(length)")
                XCTAssertEqual(try events("<a v=\"\(before)&amp;\(after)\"/>"), ["<a v=\(before)&\(after)>", "</a>"], "& at \(offset) of \(length)")
                XCTAssertEqual(try events("<a v=\"\(before)'\(after)\"/>"), ["<a v=\(before)'\(after)>", "</a>"], "' at \(offset) of \(length)")
                XCTAssertEqual(try events("<a v='\(before)\"\(after)'/>"), ["<a v=\(before)\"\(after)>", "</a>"], "\" at \(offset) of \(length)")
                XCTAssertEqual(try events("<a v=\"\(before)>\(after)\"/>"), ["<a v=\(before)>\(after)>", "</a>"], "> at \(offset) of \(length)")
                assertRefused("<a v=\"\(before)<\(after)\"/>", "'<' in attribute value")
                assertRefused("<a v=\"\(before)&bogus;\(after)\"/>", "only the five predefined")
                assertRefused("<a v=\"\(before)\(after)", "unterminated attribute value")
            }
        }
        for limit in [15, 16, 17, 32, 33] {
            func read(_ length: Int) -> Bool {
                var tokenizer = XMLTokenizer(bytes: Array("<a v=\"\(String(repeating: "z", count: length))\"/>".utf8), limits: XMLLimits(maxTextBytes: limit))
                do { while true { if case .endOfDocument = try tokenizer.next() { return true } } } catch {
                    XCTAssertTrue("\(error)".contains("attribute value longer"), "\(error)")
                    return false
                }
            }
            XCTAssertTrue(read(limit), "\(limit) bytes, limit \(limit)")
            XCTAssertFalse(read(limit + 1), "\(limit + 1) bytes, limit \(limit)")
        }
    }

    func test_errors_sayTheLine() {
        XCTAssertThrowsError(try events("<a>\n<b>\n</c>\n</a>")) { error in
            XCTAssertEqual((error as? XMLSyntaxError)?.line, 3)
        }
    }
}
