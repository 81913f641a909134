import CASSAccounts
import CASSDomain
import CASSEngine
import CASSLog
import Glibc
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

    /// Uploaded files settled inside the service: the topic has the
    /// events of `cass settle --events` (both CSVs rebuild from it), and the
    /// operator's SSE stream has, for each, the same id, type and data.
    func testTheTopicAndTheEventStreamSayTheSameAsCassSettle() throws {
        let harness = try ServiceHarness()
        defer { harness.stop() }
        let admin = try harness.login("root", ServiceHarness.adminPassword)
        let stream = try SSEReader(port: harness.port, token: try XCTUnwrap(admin.token))
        defer { stream.stop() }
        let files = try FolderSettlement.inputFiles(in: FileRoutesTests.samplesInput)
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path)))
            XCTAssertEqual(try admin.request("POST", "/api/v1/files?name=\(file.name)", body: bytes, contentType: "application/octet-stream").status, 201)
        }
        let reference = try ReferenceLoader.load(directory: ServiceHarness.samplesReference)
        let periods = FolderSettlement.periodsPresent(files, reference: reference)
        // The files first (a close is behind the files before it, and
        // every file must be taken before its period closes).
        _ = try Self.waitFor(harness.service.log, timeoutSeconds: 120) { events in
            events.filter { ($0["type"] as? String ?? "").hasPrefix("org.opencass.file.") }.count >= files.count
        }
        for period in periods {
            XCTAssertEqual(try admin.request("POST", "/api/v1/operations/\(period.country)/periods/\(period.period.yyyymmnn)/close").status, 202)
        }
        let (expected, embedded) = try FolderSettlement.run(reference: reference, files: files, keepLines: true, publishesEvents: true)
        // The pipeline's events (the accounts add payments of credit
        // invoices and risk flags of their own).
        let pipelineTypes: Set<String> = ["org.opencass.invoice.issued", "org.opencass.invoice.lines", "org.opencass.period.closed",
                                          "org.opencass.file.accepted", "org.opencass.file.rejected"]
        let wanted = try embedded.publicEvents().count
        let seen = try Self.waitFor(harness.service.log, timeoutSeconds: 120) { events in
            events.filter { pipelineTypes.contains($0["type"] as? String ?? "") }.count >= wanted
        }
        XCTAssertEqual(seen.filter { pipelineTypes.contains($0.event["type"] as? String ?? "") }.count, wanted)

        // The same events as the embedded run's: invoices and periods id for
        // id and byte for byte; file events by file (their ids name the
        // submission, which is another one here, and they carry the time
        // they were published).
        var byID: [String: (LogRecord, [String: Any])] = [:]
        var fileData: [String: Data] = [:]
        for entry in seen {
            byID[entry.event["id"] as? String ?? ""] = entry
            if (entry.event["type"] as? String ?? "").hasPrefix("org.opencass.file.") {
                fileData["\(entry.event["type"] ?? "") \(entry.event["subject"] ?? "")"] = try JSONSerialization.data(withJSONObject: entry.event["data"] as Any, options: [.sortedKeys])
            }
        }
        for bytes in try embedded.publicEvents() {
            let event = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            let id = try XCTUnwrap(event["id"] as? String)
            if (event["type"] as? String ?? "").hasPrefix("org.opencass.file.") {
                XCTAssertEqual(fileData["\(event["type"] ?? "") \(event["subject"] ?? "")"],
                               try JSONSerialization.data(withJSONObject: event["data"] as Any, options: [.sortedKeys]), id)
                continue
            }
            guard let (record, _) = byID[id] else { XCTFail("\(id) is not on the topic"); continue }
            XCTAssertEqual(record.value, bytes, id)
        }

        // The stream: every event it carried is on the topic with its data.
        let deadline = Date().addingTimeInterval(20)
        var streamed: [(id: String, event: String, data: String)] = []
        repeat {
            Thread.sleep(forTimeInterval: 0.2)
            streamed = stream.events()
        } while streamed.filter({ $0.event == "period.closed" }).count < periods.count && Date() < deadline
        let topical = streamed.filter { $0.event != "file.received" }
        XCTAssertFalse(topical.isEmpty)
        XCTAssertTrue(Set(topical.map(\.event)).isSuperset(of: ["file.accepted", "file.rejected", "invoice.issued", "period.closed"]))
        for item in topical {
            guard let (_, event) = byID[item.id] else { XCTFail("\(item.id) streamed, not on the topic"); continue }
            XCTAssertEqual(event["type"] as? String, "org.opencass." + item.event, item.id)
            let data = try JSONSerialization.data(withJSONObject: event["data"] as Any, options: [.sortedKeys])
            let streamedData = try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(item.data.utf8)), options: [.sortedKeys])
            XCTAssertEqual(data, streamedData, "data of \(item.id)")
        }
        XCTAssertEqual(topical.filter { $0.event == "invoice.issued" }.count, expected.invoices.count)

        // Everything on the topic, the accounts' events of these invoices
        // included (credit notes applied, risk grades), against its schemas.
        let envelope = try Self.schema("cloudevent")
        for (_, event) in try Self.events(harness.service.log) {
            let short = String((event["type"] as? String ?? "").dropFirst("org.opencass.".count))
            let problems = Self.check(event, against: envelope, at: "event") + Self.check(event["data"] as Any, against: try Self.schema(short), at: "data")
            XCTAssertTrue(problems.isEmpty, "\(event["id"] ?? ""): \(problems)")
        }
    }

    /// Reads `/api/v1/events` on its own thread until stopped.
    final class SSEReader: @unchecked Sendable {
        private let fd: Int32
        private let lock = NSLock()
        private var received: [UInt8] = []
        private var stopped = false
        private let done = DispatchSemaphore(value: 0)

        init(port: UInt16, token: String) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw APIClient.Failure(description: "connect failed") }
            let head = Array("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n\r\n".utf8)
            _ = head.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            Thread { [self] in
                var buffer = [UInt8](repeating: 0, count: 65536)
                while !lock.withLock({ stopped }) {
                    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if n > 0 { lock.withLock { received.append(contentsOf: buffer[0..<n]) } }
                    if n == 0 { break }
                }
                done.signal()
            }.start()
            // The stream is open once its head came back.
            let deadline = Date().addingTimeInterval(10)
            while lock.withLock({ !received.contains(13) }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        }

        func stop() {
            lock.withLock { stopped = true }
            done.wait()
            close(fd)
        }

        /// The events so far: `id`, `event` and `data` of each.
        func events() -> [(id: String, event: String, data: String)] {
            let bytes = lock.withLock { received }
            guard let answer = try? APIClient.parse(bytes) else { return [] }
            var out: [(String, String, String)] = []
            for block in String(decoding: answer.body, as: UTF8.self).components(separatedBy: "\n\n") {
                var id = "", event = "", data: [String] = []
                for line in block.split(separator: "\n", omittingEmptySubsequences: true) {
                    if line.hasPrefix("id:") { id = line.dropFirst(3).trimmingCharacters(in: .whitespaces) }
                    if line.hasPrefix("event:") { event = line.dropFirst(6).trimmingCharacters(in: .whitespaces) }
                    if line.hasPrefix("data:") { data.append(String(line.dropFirst(5).drop { $0 == " " })) }
                }
                if !event.isEmpty { out.append((id, event, data.joined(separator: "\n"))) }
            }
            return out
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
        if let constant = schema["const"] as? String, value as? String != constant { problems.append("\(path): not \(constant)") }
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
