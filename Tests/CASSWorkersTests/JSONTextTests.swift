import CASSDomain
@testable import CASSWorkers
import Foundation
import XCTest

/// JSON string literals: the printable-ASCII fast path and the scalar loop
/// give the same text as the escaping written out independently here, and
/// objects built field by field are the JSON they claim to be.
final class JSONTextTests: XCTestCase {
    /// RFC 8259 escaping as the project defines it (quotes, backslash,
    /// \n \r \t by name; other C0 controls, DEL and C1 controls as \u00XX;
    /// everything else as it is), written without the code under test.
    func expected(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x00..<0x20, 0x7F, 0x80...0x9F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    func test_quote_escapes_exactly_like_the_rule_on_plain_and_unusual_text() {
        var samples = ["", "a", "125-12345675", "2026-11-01", "a.cbf", "org.opencass.invoice.lines", "say \"hi\"", "back\\slash",
                       "line\nbreak", "\r\t", "\u{0}", "\u{1F}", "\u{7F}", "\u{80}", "\u{9F}", "\u{A0}", "é", "€", "日本", "🛫", "\u{2028}",
                       "a\"", "\"a", "a\\", String(repeating: "x", count: 15), String(repeating: "x", count: 16), String(repeating: "y", count: 300) + "\""]
        // Random text over an alphabet of every kind of scalar above.
        let alphabet: [Unicode.Scalar] = (0...0x7F).compactMap(Unicode.Scalar.init) + (0x80...0xA0).compactMap(Unicode.Scalar.init)
            + ["é", "€", "日", "🛫", "\u{2028}"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            var text = ""
            let plainOnly = Bool.random(using: &generator)
            for _ in 0..<Int.random(in: 0...40, using: &generator) {
                let scalar = plainOnly ? Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &generator)) : alphabet.randomElement(using: &generator) ?? "a"
                text.unicodeScalars.append(scalar)
            }
            samples.append(text)
        }
        for text in samples {
            XCTAssertEqual(JSONText.quote(text), expected(text), text.debugDescription)
            var appended = "prefix"
            JSONText.quote(text, into: &appended)
            XCTAssertEqual(appended, "prefix" + expected(text).dropFirst().dropLast(), text.debugDescription)
            // Text that is not native (bridged or shared storage) takes the
            // same path: a substring's copy.
            let sliced = String(("." + text).dropFirst())
            XCTAssertEqual(JSONText.quote(sliced), expected(text), text.debugDescription)
            // The bytes the objects and envelopes are built of: the same text.
            var bytes = Array("prefix".utf8)
            JSONBytes.quote(sliced, into: &bytes)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "prefix" + expected(text).dropFirst().dropLast(), text.debugDescription)
        }
    }

    func test_an_object_built_field_by_field_is_that_JSON_and_reads_back() throws {
        var object = JSONObject()
        object.string("file", "a \"quoted\"\\name\n.cbf")
        object.int("sequence", -42)
        object.bool("withdrawn", true)
        object.raw("lines", "[1,2]")
        object.string("plain", "125-12345675")
        XCTAssertEqual(object.text, #"{"file":"a \"quoted\"\\name\n.cbf","sequence":-42,"withdrawn":true,"lines":[1,2],"plain":"125-12345675"}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(object.text.utf8)) as? [String: Any]
        XCTAssertEqual(parsed?["file"] as? String, "a \"quoted\"\\name\n.cbf")
        XCTAssertEqual(parsed?["sequence"] as? Int, -42)
        XCTAssertEqual(JSONObject().text, "{}")
    }

    func test_decimal_isWhatStringWrites() {
        var values: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, 123_456_789, -123_456_789, .max, .min, .max - 1, .min + 1]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { values.append(Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0...63, using: &generator)) }
        for value in values {
            var bytes: [UInt8] = [UInt8(ascii: "x")]
            JSONBytes.decimal(value, into: &bytes)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "x" + String(value))
        }
    }

    func test_envelope_isTheCloudEventInItsFixedOrder() throws {
        let event = PublicEvent(type: .fileRejected, id: "file.rejected:a\"b.cbf", country: "GB", subject: "a\"b.cbf", key: "airline-125",
                                time: "2026-11-05T00:00:00Z", data: #"{"file":"a\"b.cbf"}"#)
        XCTAssertEqual(event.envelope, #"{"specversion":"1.0","id":"file.rejected:a\"b.cbf","source":"urn:opencass:operation:GB","type":"org.opencass.file.rejected","subject":"a\"b.cbf","time":"2026-11-05T00:00:00Z","datacontenttype":"application/json","dataschema":"https://opencass.org/schemas/events/file.rejected.schema.json","data":{"file":"a\"b.cbf"}}"#)
        XCTAssertEqual(event.envelopeBytes, Array(event.envelope.utf8))
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(event.envelopeBytes)))
    }

    /// The per-line objects share one buffer: every line's object must
    /// still be that line's alone (a short line after a long one, a file
    /// name that needs escaping), in the documented key order.
    func test_invoice_lines_event_data_is_each_lines_own_object() throws {
        func line(_ serial: Int32, file: String, amount: Int64, indicator: ChargesIndicator?) -> InvoiceLine {
            InvoiceLine(awb: "125-\(serial)", awbSerial: serial, transaction: .awb, issueDate: CivilDate(yyyymmdd: 20261101) ?? CivilDate(dayNumber: 0),
                        origin: "LHR", destination: "NRT", chargeableWeightTenthsKg: 15, weightCharge: amount, valuationCharge: 0,
                        otherChargesDueCarrier: 0, commission: 0, incentive: 0, amount: amount, reasonCode: "", sourceFile: file,
                        sourceSequence: 7, chargesIndicator: indicator)
        }
        let part = LinePart(index: 0, count: 1, airlinePrefix: 125, lines: [
            line(10_000_013, file: "a very long \"quoted\" file name é.cbf", amount: 123_456_789, indicator: .prepaid),
            line(10_000_024, file: "b.cbf", amount: -5, indicator: .collect),
        ])
        let event = PublicEvents.invoiceLines(country: "GB", invoiceDate: CivilDate(yyyymmdd: 20261105) ?? CivilDate(dayNumber: 0), number: "GB-1", part: part)
        let first = #"{"airline":"125","awb":"125-10000013","transaction":"AWB","issueDate":"2026-11-01","origin":"LHR","destination":"NRT","chargesIndicator":"P","chargeableWeightTenthsKg":15,"weightChargeMinor":123456789,"valuationChargeMinor":0,"otherChargesDueCarrierMinor":0,"commissionMinor":0,"incentiveMinor":0,"amountMinor":123456789,"reasonCode":"","file":"a very long \"quoted\" file name é.cbf","sequence":7}"#
        let second = #"{"airline":"125","awb":"125-10000024","transaction":"AWB","issueDate":"2026-11-01","origin":"LHR","destination":"NRT","chargesIndicator":"C","chargeableWeightTenthsKg":15,"weightChargeMinor":-5,"valuationChargeMinor":0,"otherChargesDueCarrierMinor":0,"commissionMinor":0,"incentiveMinor":0,"amountMinor":-5,"reasonCode":"","file":"b.cbf","sequence":7}"#
        XCTAssertEqual(event.data, #"{"number":"GB-1","part":1,"parts":1,"lines":["# + first + "," + second + "]}")
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(event.data.utf8)))
    }
}
