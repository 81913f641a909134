import CASSDomain
import CASSOneRecord
import Foundation
import XCTest

/// The JSON-LD serialisation: the same graph as the RDF/XML twin, read
/// with the same rules and codes, written by `cass convert --to jsonld`.
final class JSONLDTests: XCTestCase {
    var jsonld: String { String(decoding: OneRecordWriter.writeJSONLD(Fixture.file()), as: UTF8.self) }

    func read(_ text: String) -> FileReadResult {
        BillingFileReader.read(bytes: Array(text.utf8), fileName: "125_GB_2026110220.jsonld", periodsPerMonth: Fixture.periodsPerMonth)
    }

    func code(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> RejectionCode? {
        switch read(text) {
        case .rejected(_, _, let problem): return problem.code
        case .parsed(let parsed): return parsed.records.compactMap(\.malformed).first?.code
        }
    }

    func test_detectedByContent_aJSONObjectFirst() {
        XCTAssertEqual(BillingFileFormat.detect(Array(jsonld.utf8)), .jsonld)
        XCTAssertEqual(BillingFileFormat.detect(Array("\n  {}".utf8)), .jsonld)
        XCTAssertEqual(BillingFileFormat.detect(Array("[{}]".utf8)), .cbf, "a JSON array is not a billing file: read as CBF, refused F06")
    }

    func test_readsAsTheSameRecordsAsTheXML() throws {
        let fromXML = try parsed(Fixture.read(Fixture.xml))
        let fromJSON = try parsed(read(jsonld))
        XCTAssertEqual(fromJSON.header, fromXML.header)
        XCTAssertEqual(fromJSON.trailer, fromXML.trailer)
        XCTAssertEqual(fromJSON.identity, fromXML.identity)
        XCTAssertEqual(fromJSON.records, fromXML.records)
        XCTAssertEqual(fromJSON.otherCharges, fromXML.otherCharges)
    }

    func test_cbfToJSONLDToCBF_givesTheSameBytes_andJSONLDIsStable() throws {
        let json = try FileConverter.convert(bytes: Fixture.cbf, fileName: "a.cbf", to: .jsonld)
        XCTAssertEqual(BillingFileFormat.detect(json), .jsonld)
        XCTAssertEqual(try FileConverter.convert(bytes: json, fileName: "a.jsonld", to: .cbf), Fixture.cbf)
        XCTAssertEqual(try FileConverter.convert(bytes: json, fileName: "a.jsonld", to: .jsonld), json)
        let xml = try FileConverter.convert(bytes: json, fileName: "a.jsonld", to: .xml)
        XCTAssertEqual(String(decoding: xml, as: UTF8.self), Fixture.xml)
    }

    func test_jsonTwinOfEveryDeliberateVariant_roundTrips() throws {
        var jpy = Fixture.file()
        jpy.header = Fixture.header(currency: "JPY", minorDigits: 0)
        for index in jpy.records.indices { jpy.records[index].currency = ASCIICode("JPY") }
        let cbf = CBFWriter.write(jpy)
        let json = try FileConverter.convert(bytes: cbf, fileName: "a.cbf", to: .jsonld)
        XCTAssertEqual(try FileConverter.convert(bytes: json, fileName: "a.jsonld", to: .cbf), cbf)
    }

    // MARK: what a reader accepts

    func test_contextByItsURL_isBuiltIn() throws {
        let byURL = jsonld.replacingOccurrences(of: "{\"rdf\": \"\(XMLNamespace.rdfURI)\", \"cargo\": \"\(XMLNamespace.cargoURI)\", \"cass\": \"\(XMLNamespace.cassURI)\"}",
                                                with: "\"https://opencass.org/ns/cass/context.jsonld\"")
        XCTAssertNotEqual(byURL, jsonld)
        XCTAssertEqual(try parsed(read(byURL)).records, try parsed(read(jsonld)).records)
        let unknown = byURL.replacingOccurrences(of: "https://opencass.org/ns/cass/context.jsonld", with: "https://example.com/context.jsonld")
        XCTAssertEqual(code(unknown), .F06, "an unknown context is never fetched")
    }

    func test_otherPrefixes_fullIRIs_typeArrays_wrappedValues_typeNotFirst() throws {
        let expected = try parsed(read(jsonld)).records
        // Other prefix names for the same namespaces.
        let renamed = jsonld.replacingOccurrences(of: "\"cargo\": \"", with: "\"c\": \"").replacingOccurrences(of: "\"cargo:", with: "\"c:")
        XCTAssertEqual(try parsed(read(renamed)).records, expected)
        // Full IRIs instead of compact ones.
        let full = jsonld.replacingOccurrences(of: "\"cargo:", with: "\"\(XMLNamespace.cargoURI)")
        XCTAssertEqual(try parsed(read(full)).records, expected)
        // @type as an array, single values wrapped in arrays.
        let arrays = jsonld.replacingOccurrences(of: "{\"@type\": \"cargo:Waybill\"", with: "{\"@type\": [\"cargo:Waybill\"]")
            .replacingOccurrences(of: "\"cargo:waybillPrefix\": \"125\"", with: "\"cargo:waybillPrefix\": [\"125\"]")
        XCTAssertNotEqual(arrays, jsonld)
        XCTAssertEqual(try parsed(read(arrays)).records, expected)
        // @type after the properties; a value object for a literal.
        let late = jsonld.replacingOccurrences(of: "{\"@type\": \"cargo:Carrier\", \"cargo:prefix\": \"125\"}", with: "{\"cargo:prefix\": {\"@value\": \"125\"}, \"@type\": \"cargo:Carrier\"}")
        XCTAssertNotEqual(late, jsonld)
        XCTAssertEqual(try parsed(read(late)).header, try parsed(read(jsonld)).header)
        // The @graph form.
        let body = jsonld.drop { $0 != "\"" }.drop { $0 != "\n" }   // after the context line
        let graph = "{\"@context\": \"https://opencass.org/ns/cass/context.jsonld\", \"@graph\": [{" + body.dropLast(2) + "}]}"
        XCTAssertEqual(try parsed(read(String(graph))).records, expected)
    }

    func test_escapedKeysTypesValuesAndIRIs_readAsTheirText() throws {
        // Strings without escapes stay ranges of the document; escaped
        // ones are decoded into a buffer: both mixed in one transaction.
        let expected = try parsed(read(jsonld))
        var escaped = jsonld.replacingOccurrences(of: "\"cargo:waybillNumber\"", with: "\"cargo:waybill\\u004Eumber\"")
            .replacingOccurrences(of: "\"@type\": \"cargo:Waybill\"", with: "\"@type\": \"cargo:Way\\u0062ill\"")
            .replacingOccurrences(of: "{\"@id\": \"https://onerecord.iata.org/ns/code-lists/ChargeIdentifier#", with: "{\"@id\": \"https:\\/\\/onerecord.iata.org/ns/code-lists/ChargeIdentifier#")
        for digit in 1...9 {
            escaped = escaped.replacingOccurrences(of: "\"cargo:subTotal\": \"\(digit)", with: "\"cargo:subTotal\": \"\\u003\(digit)")
        }
        for piece in ["waybill\\u004Eumber", "Way\\u0062ill", "https:\\/\\/", "\"cargo:subTotal\": \"\\u003"] {
            XCTAssertTrue(escaped.contains(piece), piece)
        }
        let got = try parsed(read(escaped))
        XCTAssertEqual(got.records, expected.records)
        XCTAssertEqual(got.otherCharges, expected.otherCharges)
        XCTAssertEqual(got.trailer, expected.trailer)
    }

    func test_typeFirstNodes_readInOnePass_keepEveryCheck() throws {
        let expected = try parsed(read(jsonld)).records
        let waybill = "{\"@type\": \"cargo:Waybill\", "
        XCTAssertTrue(jsonld.contains(waybill))
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: waybill, with: waybill + "\"@type\": \"cargo:Waybill\", ")), .F06, "duplicate @type")
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: waybill, with: "{\"@type\": \"cargo:Waybill\" ")), .F06, "no comma after the type")
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: waybill, with: "{\"@type\": \"cargo:Waybill\", }")), .F06, "a comma and no member")
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: waybill, with: "{\"@type\": 7, ")), .F06, "a type that is no string")
        // Keys the context maps to nothing, in every transaction: dropped each time.
        let dropped = jsonld.replacingOccurrences(of: waybill, with: waybill + "\"note\": \"x\", ")
        XCTAssertNotEqual(dropped, jsonld)
        XCTAssertEqual(try parsed(read(dropped)).records, expected)
        // More distinct names than the key cache holds: expanded each time, read the same.
        let version = "\"cass:formatVersion\": \"01\","
        XCTAssertTrue(jsonld.contains(version))
        let foreign = (0..<900).map { "\"https://example.com/ns#k\($0)\": \"x\"," }.joined(separator: " ")
        XCTAssertEqual(try parsed(read(jsonld.replacingOccurrences(of: version, with: version + " " + foreign))).records, expected)
        // A duplicate among many names (their 64 bits all taken, the table of open names grown).
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: version, with: version + " " + foreign + " \"https://example.com/ns#k0\": \"y\",")), .F06)
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: version, with: version + " " + foreign + " \"cass:formatVersion\": \"01\",")), .F06)
    }

    func test_codeListIRIs_compactOrFull_andATermSpelledAsAnIRIComesFirst() throws {
        // Code-list values are absolute IRIs, passed on without expansion
        // unless a prefix or a term of the context says otherwise.
        let expected = try parsed(read(jsonld)).records
        let lists = "https://onerecord.iata.org/ns/code-lists/"
        let context = "\"cass\": \"\(XMLNamespace.cassURI)\"}"
        XCTAssertTrue(jsonld.contains(context))
        let compact = jsonld.replacingOccurrences(of: context, with: "\"cass\": \"\(XMLNamespace.cassURI)\", \"cl\": \"\(lists)\"}")
            .replacingOccurrences(of: "{\"@id\": \"\(lists)", with: "{\"@id\": \"cl:")
        XCTAssertNotEqual(compact, jsonld)
        XCTAssertEqual(try parsed(read(compact)).records, expected)
        // A term spelled as the IRI itself is expanded as the term: terms come first.
        let (from, to) = jsonld.contains("\(lists)PrepaidCollectIndicator#P\"") ? ("P", "C") : ("C", "P")
        XCTAssertTrue(jsonld.contains("\(lists)PrepaidCollectIndicator#\(from)\""))
        let term = jsonld.replacingOccurrences(of: context, with: "\"cass\": \"\(XMLNamespace.cassURI)\", "
            + "\"\(lists)PrepaidCollectIndicator#\(from)\": \"\(lists)PrepaidCollectIndicator#\(to)\"}")
        let termRecords = try parsed(read(term)).records
        XCTAssertEqual(termRecords.count, expected.count)
        XCTAssertNotEqual(termRecords, expected)
    }

    // MARK: the same codes on bad input

    func test_F06_notJSON_orNotTheShape() {
        XCTAssertEqual(code("{"), .F06)
        XCTAssertEqual(code(jsonld + "x"), .F06, "text after the object")
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: "\"cass:formatVersion\": \"01\",", with: "\"cass:formatVersion\": \"01\", \"cass:formatVersion\": \"01\",")), .F06, "duplicate key")
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: "\"01\"", with: "\"0\u{1}1\"")), .F06, "unescaped control character")
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: "\"cass:sequence\": \"2\"", with: "\"cass:sequence\": \"5\"")), .F06, "sequence not 1, 2, 3")
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: "\"@type\": \"cass:BillingFile\"", with: "\"@type\": \"cass:Billingfile\"")), .F06)
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: "\"cass:formatVersion\"", with: "\"cass:formatversion\"")), .F06, "unknown element of OpenCASS's namespace")
        let deep = String(repeating: "{\"cass:x\": ", count: 100) + "1" + String(repeating: "}", count: 100)
        XCTAssertEqual(code(deep), .F06)
        XCTAssertEqual(code("{\"@context\": {\"cass\": \"\(XMLNamespace.cassURI)\"}, \"@type\": \"cass:BillingFile\", \"cass:x\": \"\\uD800\"}"), .F06, "lone surrogate")
    }

    /// Keys are checked in place against the name that followed the
    /// previous one in earlier transactions: in a later transaction (its
    /// names learnt by then) a duplicate is still refused, and the same
    /// name spelled with an escape or in another order reads the same.
    func test_keysExpectedFromEarlierTransactions_sameChecksAndRecords() throws {
        let expected = try parsed(read(jsonld)).records
        func lastOccurrence(of target: String, replacedBy replacement: String) -> String {
            guard let range = jsonld.range(of: target, options: .backwards) else { return jsonld }
            return jsonld.replacingCharacters(in: range, with: replacement)
        }
        let prefix = "\"cargo:waybillPrefix\": \"125\", "
        XCTAssertTrue(jsonld.contains(prefix))
        XCTAssertEqual(code(lastOccurrence(of: prefix, replacedBy: prefix + prefix)), .F06, "duplicate key where the same key is expected next")
        XCTAssertEqual(code(lastOccurrence(of: prefix, replacedBy: "\"cargo:waybillPrefix\": \"125\",\"cargo:waybillPrefix\" : \"125\", ")), .F06)
        let escaped = lastOccurrence(of: prefix, replacedBy: "\"cargo:waybill\\u0050refix\": \"125\", ")
        XCTAssertNotEqual(escaped, jsonld)
        XCTAssertEqual(try parsed(read(escaped)).records, expected)
        let last = try XCTUnwrap(jsonld.range(of: prefix, options: .backwards))
        let number = try XCTUnwrap(jsonld.range(of: "\"cargo:waybillNumber\": \"[0-9]+\", ", options: .regularExpression, range: last.upperBound..<jsonld.endIndex))
        let reordered = String(jsonld[..<last.lowerBound]) + String(jsonld[last.upperBound..<number.upperBound]) + prefix + String(jsonld[number.upperBound...])
        XCTAssertNotEqual(reordered, jsonld)
        XCTAssertEqual(try parsed(read(reordered)).records, expected)
    }

    func test_F01_F02_R12_asInTheXML() {
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: "\"cass:operation\": \"GB\"", with: "\"cass:operation\": \"G1\"")), .F01)
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: "\"cass:billingPeriod\": \"20261102\"", with: "\"cass:billingPeriod\": 20261102")), .F01, "a number is not the string the format has")
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: "\"cass:transactionCount\": \"3\"", with: "\"cass:transactionCount\": \"x\"")), .F02)
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: "\"cargo:waybillPrefix\": \"125\"", with: "\"cargo:waybillPrefix\": true")), .R12)
        XCTAssertEqual(code(jsonld.replacingOccurrences(of: "\"cargo:waybillPrefix\": \"125\"", with: "\"cargo:waybillPrefix\": [\"125\", \"125\"]")), .R12, "repeated")
    }

    // MARK: rdflib: one graph

    func test_rdflib_readsTheJSONLDAsTheGraphOfItsRDFXMLTwin() throws {
        var jpy = Fixture.file()
        jpy.header = Fixture.header(currency: "JPY", minorDigits: 0)
        for index in jpy.records.indices { jpy.records[index].currency = ASCIICode("JPY") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cass-jsonld-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var arguments: [String] = []
        for (name, file) in [("gbp", Fixture.file()), ("jpy", jpy)] {
            let xml = directory.appendingPathComponent(name + ".xml"), json = directory.appendingPathComponent(name + ".jsonld")
            try Data(OneRecordWriter.write(file)).write(to: xml)
            try Data(OneRecordWriter.writeJSONLD(file)).write(to: json)
            arguments += [xml.path, json.path]
        }
        let process = Process()
        process.executableURL = RDFXMLValidityTests.repository.appendingPathComponent("scripts/check-jsonld")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 3 {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("rdflib could not be installed and CI is set: \(errorText)") }
            throw XCTSkip("rdflib could not be installed: \(errorText)")
        }
        XCTAssertEqual(process.terminationStatus, 0, errorText)
    }
}
