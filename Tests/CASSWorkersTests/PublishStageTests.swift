import CASSDomain
import CASSEngine
import CASSLog
import CASSSamples
@testable import CASSWorkers
import Foundation
import XCTest

/// The public events (docs/events.md) as a consumer sees them: CloudEvents
/// JSON with stable ids, enough to rebuild both settlement CSVs.
final class PublishStageTests: XCTestCase {
    struct Run {
        var pipeline: EmbeddedPipeline
        var outcome: SettlementOutcome
        var events: [[String: Any]]
        var raw: [[UInt8]]
        var reference: ReferenceData
    }

    func settle(awbs: Int = 1500, seed: UInt64 = 44) throws -> Run {
        let config = SampleConfig(awbs: awbs, seed: seed, errorRate: 0.03)
        var files: [(name: String, bytes: [UInt8])] = []
        _ = try SampleGenerator.generate(config) { files.append(($0, $1)) }
        files.sort { a, b in
            a.bytes.withUnsafeBytes { CBFReader.processingOrderKey(of: $0, fileName: a.name) } < b.bytes.withUnsafeBytes { CBFReader.processingOrderKey(of: $0, fileName: b.name) }
        }
        let reference = SampleGenerator.referenceData(config)
        var periods: Set<PeriodKey> = []
        for file in files {
            if let summary = file.bytes.withUnsafeBytes({ BillingFileReaderSummary.of($0) }), reference.operation(summary.country) != nil { periods.insert(summary) }
        }
        let pipeline = try EmbeddedPipeline(reference: reference, keepLines: true, publishesEvents: true)
        try pipeline.submit(files)
        try pipeline.close(periods.sorted())
        try pipeline.drain()
        let raw = try pipeline.publicEvents()
        let events = try raw.map { bytes -> [String: Any] in
            let object = try JSONSerialization.jsonObject(with: Data(bytes))
            return try XCTUnwrap(object as? [String: Any])
        }
        return Run(pipeline: pipeline, outcome: try pipeline.collect(), events: events, raw: raw, reference: reference)
    }

    func data(_ event: [String: Any]) -> [String: Any] { event["data"] as? [String: Any] ?? [:] }
    func type(_ event: [String: Any]) -> String { event["type"] as? String ?? "" }

    func test_every_event_is_a_CloudEvent_with_the_attributes_of_the_contract() throws {
        let run = try settle()
        XCTAssertFalse(run.events.isEmpty)
        let attributes: Set<String> = ["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "data"]
        for event in run.events {
            XCTAssertEqual(Set(event.keys), attributes)
            XCTAssertEqual(event["specversion"] as? String, "1.0")
            XCTAssertEqual(event["datacontenttype"] as? String, "application/json")
            let short = String(type(event).dropFirst("org.opencass.".count))
            XCTAssertNotNil(PublicEventType(rawValue: short), type(event))
            XCTAssertEqual(event["dataschema"] as? String, "https://opencass.org/schemas/events/\(short).schema.json")
            XCTAssertTrue((event["source"] as? String ?? "").hasPrefix("urn:opencass:operation:"))
            XCTAssertNotNil((event["time"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) }, "\(event["time"] ?? "")")
        }
        for bytes in run.raw { XCTAssertLessThanOrEqual(bytes.count, PublicEvent.bytesMax) }
        // Every schema the events name is in Topics/schemas/ with that $id.
        let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Topics/schemas")
        for kind in PublicEventType.allCases {
            let text = try Data(contentsOf: schemas.appendingPathComponent(kind.schemaFile))
            let schema = try XCTUnwrap(try JSONSerialization.jsonObject(with: text) as? [String: Any])
            XCTAssertEqual(schema["$id"] as? String, kind.dataSchema)
            XCTAssertEqual(schema["$schema"] as? String, "https://json-schema.org/draft/2020-12/schema")
        }
    }

    func test_no_two_events_share_an_id() throws {
        let run = try settle()
        let ids = run.events.compactMap { $0["id"] as? String }
        XCTAssertEqual(ids.count, run.events.count)
        XCTAssertEqual(Set(ids).count, ids.count, "ids used twice: \(Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted().prefix(5))")
    }

    func test_invoice_issued_rebuilds_settlement_agents_and_period_closed_settlement_airlines() throws {
        let run = try settle()
        var agents = "country,period,agent,currency,invoice_number,lines,net_due,tax_charged,tax_credited,total\n"
        var rows: [(Int64, String, String, String)] = []
        for event in run.events where type(event) == "org.opencass.invoice.issued" {
            let d = data(event)
            let fields: [Any?] = [d["country"], d["period"], d["agent"], d["currency"], d["number"], d["lines"], d["netDueMinor"], d["taxChargedMinor"], d["taxCreditedMinor"], d["totalMinor"]]
            let row = fields.map { "\($0 ?? "")" }.joined(separator: ",") + "\n"
            rows.append((Int64(d["agent"] as? String ?? "") ?? -1, d["country"] as? String ?? "", d["period"] as? String ?? "", row))
        }
        rows.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        agents += rows.map(\.3).joined()
        XCTAssertEqual(agents, SettlementSummary.agentsCSV(run.outcome.invoices))

        var airlines: [(String, String, String, String)] = []
        for event in run.events where type(event) == "org.opencass.period.closed" {
            let d = data(event)
            for disbursement in d["disbursements"] as? [[String: Any]] ?? [] {
                let airline = disbursement["airline"] as? String ?? ""
                let row = "\(d["country"] ?? ""),\(d["period"] ?? ""),\(airline),\(d["currency"] ?? ""),\(disbursement["agents"] ?? ""),\(disbursement["disbursementMinor"] ?? "")\n"
                airlines.append((airline, d["country"] as? String ?? "", d["period"] as? String ?? "", row))
            }
        }
        airlines.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        XCTAssertEqual("country,period,airline,currency,agents,disbursement\n" + airlines.map(\.3).joined(),
                       SettlementSummary.airlinesCSV(run.outcome.disbursements))
    }

    func test_an_invoices_lines_come_in_parts_of_at_most_1000_that_add_up_to_the_invoice() throws {
        // Few agents, many AWBs: invoices of more than 1,000 lines.
        let run = try settle(awbs: 6000, seed: 7)
        var parts: [String: [Int: [[String: Any]]]] = [:]
        for event in run.events where type(event) == "org.opencass.invoice.lines" {
            let d = data(event)
            let lines = d["lines"] as? [[String: Any]] ?? []
            XCTAssertLessThanOrEqual(lines.count, LinePart.linesMax)
            parts[d["number"] as? String ?? "", default: [:]][d["part"] as? Int ?? 0] = lines
        }
        XCTAssertTrue(parts.values.contains { $0.count > 1 }, "the dataset should have an invoice in several parts")
        for invoice in run.outcome.invoices {
            let got = parts[invoice.number] ?? [:]
            XCTAssertEqual(got.keys.sorted(), Array(1...max(1, got.count)), invoice.number)
            let lines = got.keys.sorted().flatMap { got[$0] ?? [] }
            let expected = invoice.sections.flatMap(\.lines)
            XCTAssertEqual(lines.count, expected.count, invoice.number)
            XCTAssertEqual(lines.map { $0["awb"] as? String ?? "" }, expected.map(\.awb), "invoice order")
            XCTAssertEqual(lines.map { Int64($0["amountMinor"] as? Int ?? 0) }, expected.map(\.amount))
        }
    }

    /// What a crash and replay does: the same internal records published
    /// again, later, give the same ids (and, but for file events, which
    /// carry the time they were published, the same bytes).
    func test_publishing_the_same_facts_again_gives_the_same_ids_and_bytes() throws {
        let run = try settle(awbs: 600, seed: 3)
        let log = run.pipeline.log
        var again: [PublicEvent] = []
        for partition in 0..<(try log.partitionCount(of: Topic.events.name)) {
            for record in try log.readToEnd(TopicPartition(topic: Topic.events.name, partition: partition)) {
                again += try PublishStage.events(for: StageMessage.decode(record.value), reference: run.reference,
                                                 now: Date(timeIntervalSince1970: 4_000_000_000))
            }
        }
        let first = Dictionary(uniqueKeysWithValues: zip(run.events.map { $0["id"] as? String ?? "" }, run.raw))
        XCTAssertEqual(Set(again.map(\.id)), Set(first.keys))
        for event in again where !event.type.rawValue.hasPrefix("file.") {
            XCTAssertEqual(first[event.id], Array(event.envelope.utf8), event.id)
        }
    }

    func test_records_carry_the_structured_mode_content_type_and_the_invoice_number_as_key() throws {
        let harness = try StageHarness(PublishStage.definition, environment: StageFixture.environment())
        let invoice = Invoice(number: "GB2026000001", country: "GB", period: BillingPeriod(yyyymmnn: 20261101)!, currency: "GBP", minorDigits: 2,
                              invoiceDate: CivilDate(yyyymmdd: 20261107)!, remittanceDate: CivilDate(yyyymmdd: 20261117)!,
                              agentCode: StageFixture.agent("GB"), sections: [], lineCount: 0, netDue: 0, taxCharged: 0, taxCredited: 0, total: 0)
        let out = try harness.push(.invoiceIssued(invoice, parts: 0, sectionLines: []), key: invoice.agentCodeText)
        XCTAssertEqual(out.count, 1)
        XCTAssertEqual(out.first?.topic, Topic.invoiceEvents.name)
        XCTAssertEqual(out.first?.keyText, "GB2026000001")
        XCTAssertEqual(out.first?.header("content-type"), "application/cloudevents+json; charset=UTF-8")
    }

    func test_an_event_over_the_size_limit_is_dead_lettered_never_cut() throws {
        let harness = try StageHarness(PublishStage.definition, environment: StageFixture.environment())
        let big = "{\"note\":\"" + String(repeating: "x", count: PublicEvent.bytesMax) + "\"}"
        let fact = EventFact(type: .riskFlagged, id: "risk.flagged:x", country: "GB", subject: "x", key: "x", time: "2026-11-07T00:00:00Z", data: big)
        let out = try harness.push(.event(fact))
        XCTAssertFalse(out.contains { $0.topic == Topic.invoiceEvents.name })
        XCTAssertTrue(out.contains { $0.topic == PublishStage.definition.deadLetter.name })
    }

    func test_a_file_event_id_names_the_submission_so_a_name_submitted_again_is_a_new_fact() throws {
        var first = FileOutcome(file: "125_GB_20261101_000001.cbf", airline: "125", country: "GB", period: "20261101", accepted: true, code: "",
                                message: "", recordsPassed: 3, recordsRejected: 0)
        first.submission = "1/3"
        var withdrawn = first
        withdrawn.accepted = false
        withdrawn.withdrawn = true
        var again = first
        again.submission = "1/9"
        let ids = [first, first, withdrawn, again].map { PublicEvents.file($0).id }
        XCTAssertEqual(ids[0], ids[1], "the same submission handled twice is one fact")
        XCTAssertEqual(ids[0], "file.accepted:125_GB_20261101_000001.cbf@1/3")
        XCTAssertEqual(ids[2], "file.withdrawn:125_GB_20261101_000001.cbf@1/3")
        XCTAssertNotEqual(ids[3], ids[0])
        XCTAssertEqual(PublicEvents.file(first).key, "airline-125")
    }

    func test_a_fact_whose_data_is_not_a_JSON_object_is_refused() throws {
        let fact = EventFact(type: .paymentRecorded, id: "p", country: "GB", subject: "x", key: "x", time: "2026-11-07T00:00:00Z", data: "[1]")
        XCTAssertThrowsError(try PublishStage.events(for: .event(fact), reference: StageFixture.reference, now: Date()))
    }

    // MARK: invoice.lines written from the message's bytes

    func line(_ awb: String, file: String, amount: Int64, indicator: ChargesIndicator?, issued: Int = 20261103,
              charges: Int64 = 12_000, commission: Int64 = -600, incentive: Int64 = 0) -> InvoiceLine {
        InvoiceLine(awb: awb, awbSerial: 1234, transaction: .awb, issueDate: CivilDate(yyyymmdd: issued)!, origin: "LHR", destination: "JFK",
                    chargeableWeightTenthsKg: 1_055, weightCharge: charges, valuationCharge: 0, otherChargesDueCarrier: 25,
                    commission: commission, incentive: incentive, amount: amount, reasonCode: "", sourceFile: file, sourceSequence: 17,
                    chargesIndicator: indicator)
    }

    /// What the stage wrote for one issuedLines message, and what decoding
    /// it and `events(for:)` give.
    func publishedAndDecoded(_ message: StageMessage) throws -> (published: [StageHarness.Emitted], decoded: [UInt8]?) {
        let harness = try StageHarness(PublishStage.definition, environment: StageFixture.environment())
        let published = try harness.push(message, key: "agent")
        let decoded = try? PublishStage.events(for: StageMessage.decode(message.encoded()), reference: StageFixture.reference, now: Date())
        return (published, decoded?.first?.envelopeBytes)
    }

    func test_invoice_lines_from_bytes_equal_the_decoded_path_byte_for_byte() throws {
        var lines: [InvoiceLine] = []
        for index in 0..<40 {
            var item = line("125-\(10_000_000 + index)", file: index < 20 ? "125_GB_20261101_000001.cbf" : "220_GB_20261101_000002.cbf",
                            amount: Int64(index * 37_001 - 500_000), indicator: [nil, .prepaid, .collect][index % 3])
            item.transaction = [.awb, .cca, .dcm, .ccm][index % 4]
            item.reasonCode = index % 5 == 0 ? "R1" : ""
            lines.append(item)
        }
        // Extremes of every number, a date before year 1000, a collect
        // line without its indicator (inferred from its amounts), no charges.
        lines.append(line("125-1", file: "x.cbf", amount: .min, indicator: nil, issued: 990_101, charges: .max, commission: .min, incentive: .max))
        lines.append(line("125-2", file: "x.cbf", amount: 600, indicator: nil, charges: 100, commission: -600, incentive: 0))
        lines.append(line("125-3", file: "x.cbf", amount: 0, indicator: nil, charges: 0, commission: 0, incentive: 0))
        let date = CivilDate(yyyymmdd: 20261107)!
        for (airline, part) in [(Int32(125), LinePart(index: 2, count: 5, airlinePrefix: 125, lines: lines)),
                                (Int32(7), LinePart(index: 0, count: 1, airlinePrefix: 7, lines: Array(lines.prefix(3)))),
                                (Int32(-4), LinePart(index: 0, count: 1, airlinePrefix: -4, lines: [])),
                                (Int32(1234), LinePart(index: 0, count: 1, airlinePrefix: 1234, lines: Array(lines.suffix(3))))] {
            let message = StageMessage.issuedLines(country: "GB", invoiceDate: date, number: "GB2026000042", part: part)
            XCTAssertNotNil(InvoiceLinesBytes.event(message.encoded()), "the byte path takes plain texts")
            let (published, decoded) = try publishedAndDecoded(message)
            XCTAssertEqual(published.count, 1, "airline \(airline)")
            XCTAssertEqual(published.first?.value, decoded, "airline \(airline)")
            XCTAssertEqual(published.first?.keyText, "GB2026000042")
            XCTAssertEqual(published.first?.header("content-type"), PublicEvent.contentType)
        }
    }

    func test_invoice_lines_with_texts_to_escape_are_written_as_the_decoded_path_writes_them() throws {
        let date = CivilDate(yyyymmdd: 20261107)!
        for file in ["a\"quote.cbf", "back\\slash.cbf", "caf\u{E9}.cbf", "tab\t.cbf", "del\u{7F}.cbf"] {
            let part = LinePart(index: 0, count: 1, airlinePrefix: 125, lines: [line("125-1", file: file, amount: 5, indicator: .prepaid)])
            let message = StageMessage.issuedLines(country: "GB", invoiceDate: date, number: "GB2026000042", part: part)
            XCTAssertNil(InvoiceLinesBytes.event(message.encoded()), "left to the decoded path: \(file)")
            let (published, decoded) = try publishedAndDecoded(message)
            XCTAssertEqual(published.first?.value, decoded, file)
        }
        let part = LinePart(index: 0, count: 1, airlinePrefix: 125, lines: [line("125-1", file: "f.cbf", amount: 5, indicator: .prepaid)])
        for (country, number) in [("G\"B", "GB2026000042"), ("GB", "GB\u{E9}1")] {
            let (published, decoded) = try publishedAndDecoded(.issuedLines(country: country, invoiceDate: date, number: number, part: part))
            XCTAssertEqual(published.first?.value, decoded, number)
        }
    }

    func test_invoice_lines_the_bytes_cannot_take_are_refused_as_before() throws {
        let date = CivilDate(yyyymmdd: 20261107)!
        let many = Array(repeating: line("125-1", file: "f.cbf", amount: 5, indicator: .prepaid), count: LinePart.linesMax + 1)
        let (tooMany, _) = try publishedAndDecoded(.issuedLines(country: "GB", invoiceDate: date, number: "GB2026000042",
                                                               part: LinePart(index: 0, count: 1, airlinePrefix: 125, lines: many)))
        XCTAssertEqual(tooMany.map(\.topic), [PublishStage.definition.deadLetter.name])
        let encoded = StageMessage.issuedLines(country: "GB", invoiceDate: date, number: "GB2026000042",
                                               part: LinePart(index: 0, count: 1, airlinePrefix: 125, lines: Array(many.prefix(2)))).encoded()
        let harness = try StageHarness(PublishStage.definition, environment: StageFixture.environment())
        for cut in [3, 20, encoded.count - 1] {
            let out = try harness.push(raw: Array(encoded.prefix(cut)))
            XCTAssertEqual(out.map(\.topic), [PublishStage.definition.deadLetter.name], "cut at \(cut)")
        }
    }
}
