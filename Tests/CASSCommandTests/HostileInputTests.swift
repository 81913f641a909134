import CASSDomain
import CASSOneRecord
import Foundation
import XCTest

/// Inputs that once gave wrong money with exit 0, and the command line a
/// new user meets first.
final class HostileInputTests: XCTestCase {
    /// A KWD operation (3 minor digits: the XML's largest amounts) with one
    /// airline and one agent, no tax.
    func writeReference(_ folder: URL, rules: String = "") throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try """
        country,currency,periods_per_month,remittance_days,dispute_days,language,entity_name,entity_tax_id
        KW,KWD,2,7,21,ar,CASS Kuwait,KW1

        """.write(to: folder.appendingPathComponent("operations.csv"), atomically: true, encoding: .utf8)
        try "prefix,name,tax_id,operations\n229,Kuwait Airways,KW9,KW\n".write(to: folder.appendingPathComponent("airlines.csv"), atomically: true, encoding: .utf8)
        try "country,agent,name,tax_id,address,language,status,guarantee\nKW,\(Self.agent),Agent,KW2,Kuwait,ar,active,0\n"
            .write(to: folder.appendingPathComponent("agents.csv"), atomically: true, encoding: .utf8)
        try ("country,code,description,base,rate,direction,valid_from,valid_to\n" + rules)
            .write(to: folder.appendingPathComponent("tax-rules.csv"), atomically: true, encoding: .utf8)
    }

    static let agent = String(CheckDigit.agentCode(from: 4_210_014_000))

    /// An XML billing file of `count` AWBs, each of weight charge `amount`
    /// (no commission, so net due = weight charge).
    func xmlFile(sequence: Int, serialStart: Int, count: Int, amount: Int64) -> [UInt8] {
        var records: [BillingRecord] = []
        for index in 0..<count {
            var r = BillingRecord()
            r.airlinePrefix = 229
            r.awbSerial = Int32(CheckDigit.awbSerial(from: serialStart + index))
            r.transaction = .awb
            r.agentCode = Int64(Self.agent)!
            r.issueDateDigits = 20261102
            r.origin = ASCIICode("KWI")
            r.destination = ASCIICode("CDG")
            r.indicator = .prepaid
            r.currency = ASCIICode("KWD")
            r.chargeableWeightTenthsKg = 1000
            r.weightCharge = amount
            r.commissionRate = 0
            r.netDue = amount
            r.reasonCode = ASCIICode("   ")
            records.append(r)
        }
        let header = FileHeader(formatVersion: 1, airlinePrefix: 229, operation: "KW", period: BillingPeriod(yyyymmnn: 20261101)!,
                                fileSequence: sequence, creationDate: CivilDate(yyyymmdd: 20261110)!, currency: "KWD", minorDigits: 3)
        let file = BillingFile(name: "x", identity: ReportedIdentity(), header: header, trailer: CBFWriter.controlTotals(of: records),
                               records: records, otherCharges: [])
        return OneRecordWriter.write(file)
    }

    func test_the_largest_amounts_files_hold_settle_to_the_unit() throws {
        // The largest amount a CBF field or an XML amount holds, in ten files
        // of one agent, with a 100 % charged tax on the net: no sum of files
        // can pass 64 bits (the engine's own limits are tested in
        // CASSEngineTests.AmountOverflowTests), and every unit is kept.
        let folder = try CommandRunner.temporaryFolder(self, "largest")
        let reference = folder.appendingPathComponent("reference"), input = folder.appendingPathComponent("input")
        try writeReference(reference, rules: "KW,ALL,all of it,net,10000,charged,2020-01-01,\n")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let amount: Int64 = 99_999_999_999
        for sequence in 1...10 {
            try Data(xmlFile(sequence: sequence, serialStart: 1_000_000 + sequence, count: 1, amount: amount)).write(to: input.appendingPathComponent("229_KW_\(sequence).xml"))
        }
        let output = folder.appendingPathComponent("out")
        let result = try CommandRunner.run(["settle", "--quiet", "--no-documents", "--reference", reference.path, "--input", input.path, "--output", output.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let agents = try String(contentsOf: output.appendingPathComponent("settlement-agents.csv"), encoding: .utf8)
        XCTAssertTrue(agents.contains(",10,\(10 * amount),\(10 * amount),0,\(20 * amount)\n"), agents)
        let rejections = try String(contentsOf: output.appendingPathComponent("rejections.csv"), encoding: .utf8)
        XCTAssertEqual(rejections, "file,airline,country,period,sequence,code,awb\n")
    }

    func test_rate_of_int64_max_is_refused_at_load() throws {
        let folder = try CommandRunner.temporaryFolder(self, "rate")
        let reference = folder.appendingPathComponent("reference"), input = folder.appendingPathComponent("input")
        try writeReference(reference, rules: "KW,VAT,v,net,9223372036854775807,charged,2020-01-01,\n")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let result = try CommandRunner.run(["settle", "--quiet", "--reference", reference.path, "--input", input.path, "--output", folder.appendingPathComponent("out").path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("tax-rules.csv, line 2, column 5 (rate)"), result.stderr)
        XCTAssertTrue(result.stderr.contains("0-10000"), result.stderr)
    }

    /// Issue 17: converting an XML file whose CBF twin needs more than
    /// 999,999 lines died on a precondition (SIGILL) after 14 s and 650 MB.
    /// A file declaring that many transactions is refused when the count is
    /// read; one whose count lies is refused at the millionth line (unit
    /// tests in ConverterEdgeTests). Exit 1, a sentence, no output file.
    func test_convert_refuses_a_file_the_sequence_field_cannot_number_at_once() throws {
        let folder = try CommandRunner.temporaryFolder(self, "million")
        let one = String(decoding: xmlFile(sequence: 1, serialStart: 1_000_000, count: 1, amount: 100), as: UTF8.self)
        let start = try XCTUnwrap(one.range(of: "<cass:transaction>")), end = try XCTUnwrap(one.range(of: "</cass:transaction>", options: .backwards))
        let transaction = String(one[start.lowerBound..<end.upperBound])
        var text = String(one[..<start.lowerBound]).replacingOccurrences(of: ">1</cass:transactionCount>", with: ">999999</cass:transactionCount>")
        XCTAssertTrue(text.contains(">999999</cass:transactionCount>"), text)
        // A few thousand transactions stand for the million the count declares.
        for index in 1...5_000 {
            text += transaction.replacingOccurrences(of: "<cass:sequence>1</cass:sequence>", with: "<cass:sequence>\(index)</cass:sequence>") + "\n"
        }
        text += String(one[end.upperBound...])
        let input = folder.appendingPathComponent("million.xml"), output = folder.appendingPathComponent("million.cbf")
        try text.write(to: input, atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["convert", input.path, "--to", "cbf", "--output", output.path], timeoutSeconds: 60)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("999999 transactions") && result.stderr.contains("sequence field"), result.stderr)
        XCTAssertLessThan(result.seconds, 10)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "nothing written")
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: folder.path).contains { $0.hasSuffix(".tmp") })
    }

    /// An unlucky operator's `cass convert`: a folder or a FIFO as input, a
    /// folder or a missing folder as output, the input itself by another
    /// name. Each is exit 1 with a sentence naming the path (no Foundation
    /// dump, no "cannot read" of the output), and nothing is written.
    func test_convert_refuses_unusable_inputs_and_outputs_in_sentences() throws {
        let folder = try CommandRunner.temporaryFolder(self, "convert")
        let cbf = folder.appendingPathComponent("a.cbf")
        try Data(contentsOf: CommandRunner.repo.appendingPathComponent("samples/input/125_GB_20261101_000001.cbf")).write(to: cbf)
        let original = try Data(contentsOf: cbf)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("d.cbf"), withIntermediateDirectories: true)
        XCTAssertEqual(mkfifo(folder.appendingPathComponent("p.cbf").path, 0o644), 0)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("link.cbf").path, withDestinationPath: cbf.path)
        let path = { (name: String) in folder.appendingPathComponent(name).path }
        for (arguments, expected) in [
            ([path("d.cbf"), "--to", "xml"], "d.cbf: a folder, not a file"),
            ([path("p.cbf"), "--to", "xml"], "p.cbf: a named pipe (FIFO), not a file"),
            ([path("none.cbf"), "--to", "xml"], "none.cbf: cannot be read: no such file or folder"),
            ([cbf.path, "--to", "xml", "--output", folder.path], "cannot write \(folder.path): it is a folder"),
            ([cbf.path, "--to", "xml", "--output", path("missing/a.xml")], "cannot write \(path("missing/a.xml")): the folder \(path("missing")) does not exist"),
            ([path("link.cbf"), "--to", "cbf", "--output", cbf.path], "it is the input file"),
            ([cbf.path, "--to", "cbf"], "it is the input file"),
        ] {
            let result = try CommandRunner.run(["convert"] + arguments, timeoutSeconds: 30)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
            for dump in ["NSCocoaErrorDomain", "Error Domain", "could not be completed"] { XCTAssertFalse(result.stderr.contains(dump), result.stderr) }
        }
        XCTAssertEqual(try Data(contentsOf: cbf), original, "the input is never overwritten")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["a.cbf", "d.cbf", "link.cbf", "p.cbf"])
    }

    // MARK: the command line

    func test_version_and_help_for_each_command() throws {
        let version = try CommandRunner.run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("cass (OpenCASS) "), version.stdout)
        for (arguments, usage) in [
            (["help", "settle"], "Usage: cass settle"), (["settle", "--help"], "Usage: cass settle"),
            (["help", "topics", "describe"], "Usage: cass topics describe"), (["topics", "describe", "--help"], "Usage: cass topics describe"),
            (["help", "submit"], "Usage: cass submit"), (["convert", "-h"], "Usage: cass convert"),
            (["help", "worker"], "Usage: cass worker"), (["reference", "load", "--help"], "Usage: cass reference load"),
        ] {
            let result = try CommandRunner.run(arguments)
            XCTAssertEqual(result.status, 0, arguments.joined(separator: " "))
            XCTAssertTrue(result.stdout.hasPrefix(usage), "\(arguments): \(result.stdout.prefix(80))")
        }
    }

    func test_extra_arguments_are_named_and_nothing_runs() throws {
        let result = try CommandRunner.run(["settle", "--reference", "r", "--input", "i", "--output", "o", "stray", "more"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("'stray' 'more'"), result.stderr)
        let unknown = try CommandRunner.run(["sample", "--output", "x", "--colour", "blue"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("unknown option '--colour'"), unknown.stderr)
    }

    func test_sample_agents_takes_the_cast_up_to_its_limit_and_writes_them_all() throws {
        let folder = try CommandRunner.temporaryFolder(self, "sample-agents")
        for bad in ["17", "-1", "many", "20019"] {
            let result = try CommandRunner.run(["sample", "--awbs", "10", "--agents", bad, "--output", folder.appendingPathComponent("x").path])
            XCTAssertEqual(result.status, 2, bad)
            XCTAssertTrue(result.stderr.contains("--agents takes a whole number from 18"), result.stderr)
        }
        let output = folder.appendingPathComponent("wide")
        let result = try CommandRunner.run(["sample", "--awbs", "200", "--agents", "40", "--output", output.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let agents = try String(contentsOf: output.appendingPathComponent("reference/agents.csv"), encoding: .utf8)
        // 22 in the cast (18 active, 4 not) + 22 generated, plus the header.
        XCTAssertEqual(agents.split(separator: "\n").count, 1 + 22 + 22)
    }

    func test_cluster_commands_check_their_arguments_before_connecting() throws {
        let folder = try CommandRunner.temporaryFolder(self, "submit")
        let hostile = folder.appendingPathComponent("evil,125,GB,20261101,0,F01,\nx.cbf")
        try Data("x".utf8).write(to: hostile)
        // A broker address nothing listens on: a connection attempt would
        // take librdkafka's timeouts; the refusals come at once.
        let broker = "127.0.0.1:9"
        for (arguments, expected, status) in [
            (["submit", "--brokers", broker, hostile.path], "control character", Int32(1)),
            // A Latin-1 byte in a name reaches Swift as U+FFFD.
            (["submit", "--brokers", broker, folder.appendingPathComponent("caf\u{FFFD}.cbf").path], "the name is not UTF-8 text", 1),
            (["close-period", "--brokers", broker, "GB", "2026"], "not a billing period", 2),
            (["close-period", "--brokers", broker, "GB", "20261101", "x"], "unexpected arguments 'x'", 2),
            (["worker", "--brokers", broker, "billing"], "unknown stage 'billing'", 2),
            (["worker", "--brokers", broker, "notify"], "needs --recipients", 2),
            (["export-settlement", "--brokers", broker, "--output", folder.path, "--wait-periods", "many"], "--wait-periods", 2),
            (["topics", "delete", "--brokers", broker], "add --yes", 2),
            (["reference", "load", "--brokers", broker, folder.path], "nothing published", 1),
        ] as [([String], String, Int32)] {
            let result = try CommandRunner.run(arguments, timeoutSeconds: 30)
            XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
            XCTAssertLessThan(result.seconds, 5, "\(arguments) waited for Kafka")
        }
    }
}
