import CASSAccounts
import CASSDomain
import CASSLog
@testable import CASSService
import CASSWorkers
import Foundation
import XCTest

/// The service's own events (disputes, payments, overdue invoices) on
/// cass.invoice-events, through cass.events and the publish stage it runs:
/// valid against Topics/schemas, each id once, also across a restart.
final class PublicEventsServiceTests: XCTestCase {
    typealias W = AccountsWorld

    static func events(_ log: any Log) throws -> [(record: LogRecord, event: [String: Any])] {
        var out: [(LogRecord, [String: Any])] = []
        for partition in 0..<(try log.partitionCount(of: Topic.invoiceEvents.name)) {
            for record in try log.readToEnd(TopicPartition(topic: Topic.invoiceEvents.name, partition: partition)) {
                let object = try JSONSerialization.jsonObject(with: Data(record.value))
                out.append((record, try XCTUnwrap(object as? [String: Any])))
            }
        }
        return out
    }

    static func waitFor(_ log: any Log, timeoutSeconds: Double = 30, _ done: ([[String: Any]]) -> Bool) throws -> [(record: LogRecord, event: [String: Any])] {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            let all = try events(log)
            if done(all.map(\.event)) { return all }
            guard Date() < deadline else {
                XCTFail("timed out; events so far: \(all.map { $0.event["id"] ?? "" })")
                return all
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    static func types(_ events: [[String: Any]]) -> [String] { events.compactMap { $0["type"] as? String } }

    func testDisputesPaymentsAndOverdueInvoicesArePublishedOnceAndMatchTheirSchemas() throws {
        let world = try W(today: "2026-11-10")
        try world.issue(W.invoiceA, W.invoiceB)
        let agent = try world.client("a.output")
        let raised = try agent.post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": W.awbA125, "amountMinor": 2_500_000, "reason": "weight"])
        XCTAssertEqual(raised.status, 201, raised.description)
        let dispute = try XCTUnwrap(raised.string("id"))
        let paid = try agent.post("/api/v1/invoices/GB2026000001/payments", json: [
            "amountMinor": 4_000_000, "method": "bank-transfer", "date": "2026-11-10", "reference": "BACS 7781"])
        XCTAssertEqual(paid.status, 201, paid.description)

        var seen = try Self.waitFor(world.log) { events in
            let types = Self.types(events)
            return types.contains("org.opencass.dispute.raised") && types.contains("org.opencass.payment.recorded")
        }
        let raisedEvent = try XCTUnwrap(seen.first { $0.event["type"] as? String == "org.opencass.dispute.raised" })
        XCTAssertEqual(raisedEvent.event["subject"] as? String, dispute)
        XCTAssertEqual(String(decoding: raisedEvent.record.key, as: UTF8.self), "GB2026000001", "keyed by the invoice")
        XCTAssertEqual(raisedEvent.record.headers.first { $0.name == "content-type" }.map { String(decoding: $0.value, as: UTF8.self) },
                       PublicEvent.contentType)
        XCTAssertEqual(raisedEvent.event["time"] as? String, "2026-11-10T00:00:00Z")
        XCTAssertEqual(raisedEvent.event["source"] as? String, "urn:opencass:operation:GB")
        XCTAssertEqual((raisedEvent.event["data"] as? [String: Any])?["id"] as? String, dispute)

        // A new day: invoice B is overdue (due 2026-11-19). The restarted
        // service replays every accounts record; what was published before
        // is not published again.
        try world.restart(today: "2026-11-25")
        _ = try world.client("b.output").get("/api/v1/invoices")
        seen = try Self.waitFor(world.log) { Self.types($0).contains("org.opencass.invoice.overdue") }
        Thread.sleep(forTimeInterval: 0.5)
        seen = try Self.events(world.log)
        let ids = seen.compactMap { $0.event["id"] as? String }
        XCTAssertEqual(Set(ids).count, ids.count, "ids published twice: \(ids.sorted())")

        XCTAssertTrue(Set(Self.types(seen.map(\.event))).isSuperset(of: ["org.opencass.dispute.raised", "org.opencass.payment.recorded",
                                                                         "org.opencass.invoice.overdue"]))
        // The check can fail: a payload without its invoice is refused.
        var broken = try XCTUnwrap(raisedEvent.event["data"] as? [String: Any])
        broken["invoice"] = nil
        XCTAssertFalse(Self.check(broken, against: try Self.schema("dispute.raised"), at: "data").isEmpty)
        for (_, event) in seen {
            let type = try XCTUnwrap(event["type"] as? String)
            let short = String(type.dropFirst("org.opencass.".count))
            let schema = try Self.schema(short)
            XCTAssertEqual(event["dataschema"] as? String, schema["$id"] as? String)
            let problems = Self.check(event["data"] as Any, against: schema, at: "data")
            XCTAssertTrue(problems.isEmpty, "\(event["id"] ?? ""): \(problems)")
        }
    }

    // MARK: - A small JSON Schema check (type, required, properties,
    // additionalProperties, items, enum, const, pattern): the subset
    // Topics/schemas uses. The whole standard is checked by
    // scripts/events-consumer.py with jsonschema.

    static func schema(_ type: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Topics/schemas/\(type).schema.json")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func check(_ value: Any, against schema: [String: Any], at path: String) -> [String] {
        var problems: [String] = []
        func isType(_ name: String) -> Bool {
            switch name {
            case "string": return value is String
            case "integer": return (value as? NSNumber).map { Double(exactly: $0.int64Value) == $0.doubleValue && String(cString: $0.objCType) != "c" } ?? false
            case "array": return value is [Any]
            case "object": return value is [String: Any]
            case "null": return value is NSNull
            case "boolean": return value is Bool
            default: return false
            }
        }
        if let type = schema["type"] as? String, !isType(type) { problems.append("\(path): not \(type)") }
        if let types = schema["type"] as? [String], !types.contains(where: isType) { problems.append("\(path): none of \(types)") }
        if let options = schema["enum"] as? [String], !options.contains(value as? String ?? "\u{0}") { problems.append("\(path): not one of \(options)") }
        if let pattern = schema["pattern"] as? String, let text = value as? String, text.range(of: pattern, options: .regularExpression) == nil {
            problems.append("\(path): '\(text)' does not match \(pattern)")
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { problems.append("\(path).\(key): missing") }
            let properties = schema["properties"] as? [String: [String: Any]] ?? [:]
            for (key, item) in object {
                if let sub = properties[key] { problems += check(item, against: sub, at: "\(path).\(key)") }
                else if schema["additionalProperties"] as? Bool == false { problems.append("\(path).\(key): not in the schema") }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, item) in array.enumerated() { problems += check(item, against: items, at: "\(path)[\(index)]") }
        }
        return problems
    }
}
