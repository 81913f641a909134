import CASSDomain
import CASSEngine
import CASSKafka
import CASSLog
import CASSWorkers
import Foundation

/// `--brokers` and `-X key=value`, shared by every command that talks to Kafka.
struct ClusterOptions {
    static let valueOptions: Set<String> = ["--brokers", "-X"]
    static let help = """
      --brokers LIST    Kafka bootstrap servers host:port[,host:port] (default: $CASS_BROKERS)
      -X key=value      any librdkafka property (repeatable); also CASS_KAFKA_<PROPERTY>
                        environment variables, e.g. CASS_KAFKA_SESSION_TIMEOUT_MS=6000
    """

    static func log(_ parsed: Arguments) throws -> KafkaLog {
        let config = try KafkaConfig.fromEnvironment(brokers: parsed.value("--brokers"), overrides: parsed.options["-X"] ?? [])
        return try KafkaLog(config: config)
    }
}

enum TopicsApply {
    static func run(_ args: [String]) -> ExitCode {
        let help = """
        Usage: cass topics apply [--brokers LIST] [-X key=value]

        Creates every topic of Topics/ (TopicCatalog) that is missing and
        verifies the existing ones (partitions, cleanup policy, retention).

        \(ClusterOptions.help)
        """
        return ClusterCommand.run(args, help: help, values: []) { parsed, log in
            for result in try log.applyTopics(TopicCatalog.specs()) {
                print("\(result.topic): \(result.outcome)")
            }
            return .ok
        }
    }
}

enum TopicsDelete {
    static func run(_ args: [String]) -> ExitCode {
        let help = """
        Usage: cass topics delete --yes [--brokers LIST] [-X key=value]

        Deletes every topic of Topics/ (TopicCatalog) in this namespace
        (CASS_NAMESPACE): all records, state and results of the cluster are
        gone. For test and benchmark namespaces (scripts/cluster-run deletes
        the namespace it made up when it is done); --yes is required.

        \(ClusterOptions.help)
        """
        return ClusterCommand.run(args, help: help, values: [], flags: ["--yes"]) { parsed, log in
            guard parsed.has("--yes") else { throw UsageError("topics delete removes every record of the namespace: add --yes") }
            let deleted = try log.deleteTopics(TopicCatalog.specs().map(\.name))
            for name in deleted { print("\(name): deleted") }
            let namespace = TopicCatalog.namespace.hasSuffix(".") ? String(TopicCatalog.namespace.dropLast()) : TopicCatalog.namespace
            Console.progress("deleted \(deleted.count) topics" + (namespace.isEmpty ? "" : " of namespace \(namespace)"))
            return .ok
        }
    }
}

enum ReferenceCommand {
    static let help = """
    Usage: cass reference load DIR [--brokers LIST] [-X key=value]

    Validates the reference data folder (operations.csv, airlines.csv,
    agents.csv, tax-rules.csv) and publishes it to cass.reference, where
    workers read it when they start. Bad data is refused, nothing published.

    \(ClusterOptions.help)
    """

    static func run(_ args: [String]) -> ExitCode {
        guard args.first == "load" else {
            Console.error("usage: cass reference load DIR\n\n" + help)
            return args.first == "--help" ? .ok : .usage
        }
        return ClusterCommand.run(Array(args.dropFirst()), help: help, values: []) { parsed, log in
            guard parsed.positionals.count == 1 else { throw UsageError("reference load needs one DIR") }
            let reference = try ReferenceTopic.publish(directory: URL(fileURLWithPath: parsed.positionals[0]), log: log)
            Console.progress("published reference data: \(reference.operations.count) operations, \(reference.airlines.count) airlines, \(reference.allAgents.count) agents")
            return .ok
        }
    }
}

enum SubmitCommand {
    static let help = """
    Usage: cass submit FILE|DIR... [--brokers LIST] [-X key=value]

    Submits billing files (CBF or ONE Record XML; a folder means its *.cbf
    and *.xml) to cass.files, in the spec's processing order. Small files
    travel in the message; files over 512 KiB as their absolute path, which
    every ingest worker must be able to read (a shared volume).

    \(ClusterOptions.help)
    """

    static func run(_ args: [String]) -> ExitCode {
        ClusterCommand.run(args, help: help, values: []) { parsed, log in
            guard !parsed.positionals.isEmpty else { throw UsageError("submit needs at least one FILE or DIR") }
            let files = try InputSelection.files(parsed.positionals)
            try Submission.submit(files, log: log)
            Console.progress("submitted \(files.count) files")
            return .ok
        }
    }
}

enum ClosePeriodCommand {
    static let help = """
    Usage: cass close-period COUNTRY PERIOD [--brokers LIST] [-X key=value]
           cass close-period --present-in FILE|DIR... [--brokers LIST]

    Closes a billing period of an operation (final and idempotent): a
    close marker follows the operation's files through every stage; once
    it has passed them all, the period's invoices are numbered and issued.
    --present-in closes every period named by the given billing files
    (what `cass settle` does) and prints how many.

    \(ClusterOptions.help)
    """

    static func run(_ args: [String]) -> ExitCode {
        ClusterCommand.run(args, help: help, values: ["--present-in"]) { parsed, log in
            var periods: [PeriodKey] = []
            if let present = parsed.options["--present-in"] {
                let reference = try ReferenceTopic.load(from: log)
                periods = FolderSettlement.periodsPresent(try InputSelection.files(present + parsed.positionals), reference: reference)
            } else {
                guard parsed.positionals.count == 2, let digits = Int(parsed.positionals[1]), let period = BillingPeriod(yyyymmnn: digits) else {
                    throw UsageError("close-period needs COUNTRY and PERIOD (YYYYMMNN), or --present-in")
                }
                periods = [PeriodKey(country: parsed.positionals[0], period: period)]
            }
            try Submission.close(periods, log: log)
            Console.progress("closing \(periods.count) period(s): \(periods.map(\.description).joined(separator: ", "))")
            print(periods.count)
            return .ok
        }
    }
}

enum ExportCommand {
    static let help = """
    Usage: cass export-settlement --output DIR [--wait-periods N] [--wait-stages LIST] [--timeout SECONDS] [--brokers LIST]

    Reads the issued invoices, disbursements and rejections from the
    cluster's topics and writes settlement-agents.csv,
    settlement-airlines.csv, rejections.csv and rejections/ (the same files
    as `cass settle`). --wait-periods waits until N periods are closed and
    every stage has caught up (no lag) before reading; --wait-stages names
    the stages to wait for (default ingest,validate,tax,settle,number; add
    render to wait for the documents too).

    \(ClusterOptions.help)
    """

    static func run(_ args: [String]) -> ExitCode {
        ClusterCommand.run(args, help: help, values: ["--output", "--wait-periods", "--timeout", "--wait-stages"]) { parsed, log in
            let output = URL(fileURLWithPath: try parsed.required("--output"))
            if let wanted = parsed.value("--wait-periods").flatMap(Int.init) {
                let timeout = Double(parsed.value("--timeout") ?? "600") ?? 600
                var stages: [StageName] = [.ingest, .validate, .tax, .settle, .number]
                if let list = parsed.value("--wait-stages") {
                    stages = try list.split(separator: ",").map {
                        guard let stage = StageName(rawValue: String($0)) else { throw UsageError("unknown stage \($0) in --wait-stages") }
                        return stage
                    }
                }
                try waitUntilSettled(log: log, periods: wanted, stages: stages, timeoutSeconds: timeout)
            }
            let outcome = try SettlementExport.collect(from: log)
            try OutputWriter.write(outcome, reference: ReferenceData(), to: output, documents: false)
            Console.progress("exported \(outcome.invoices.count) invoices, \(outcome.disbursements.count) disbursements, \(outcome.rejections.count) rejections to \(output.path)")
            return .ok
        }
    }

    /// Settled = ingest has taken every submitted file (its committed
    /// offsets reach the ends of cass.files as they are now, so file-level
    /// rejections are written), and N periods are closed: a close marker
    /// travels behind every record of its operation through every stage, so
    /// a closed period means every record before it was validated, billed
    /// and numbered: both facts only grow, so one check that sees them is
    /// enough. Stages beyond number (render by default none) are waited for
    /// by lag, which can touch zero between two batches: that is checked
    /// twice, a little apart.
    static func waitUntilSettled(log: KafkaLog, periods: Int, stages: [StageName], timeoutSeconds: Double) throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var filesEnd: [TopicPartition: Int64] = [:]
        for partition in 0..<(try log.partitionCount(of: TopicCatalog.files)) {
            let tp = TopicPartition(topic: TopicCatalog.files, partition: partition)
            filesEnd[tp] = try log.endOffset(tp)
        }
        let downstream = stages.filter { ![.ingest, .validate, .tax, .settle, .number].contains($0) }
        var quiet = 0
        var lastReport = Date()
        let checksNeeded = downstream.isEmpty ? 1 : 2
        while quiet < checksNeeded {
            var ingestBehind: Int64 = 0
            for (tp, end) in filesEnd {
                ingestBehind += max(0, end - (try log.committedOffset(group: StageName.ingest.group, partition: tp) ?? 0))
            }
            let closed = try ClusterStatus.closedPeriods(from: log).count
            let downstreamLag = downstream.isEmpty ? 0 : try ClusterStatus.read(from: log, stages: downstream).totalLag
            let settled = ingestBehind == 0 && closed >= periods && downstreamLag == 0
            quiet = settled ? quiet + 1 : 0
            if Date().timeIntervalSince(lastReport) > 5 {
                Console.progress("waiting: \(closed) of \(periods) periods closed, \(ingestBehind) files not yet ingested" + (downstream.isEmpty ? "" : ", documents lag \(downstreamLag)"))
                lastReport = Date()
            }
            guard Date() < deadline else {
                throw UsageError("timed out after \(Int(timeoutSeconds)) s: \(closed) of \(periods) periods closed, \(ingestBehind) files not yet ingested")
            }
            if quiet >= checksNeeded { break }
            Thread.sleep(forTimeInterval: settled ? 0.3 : 0.1)
        }
    }
}

enum StatusCommand {
    static let help = """
    Usage: cass status [--brokers LIST] [-X key=value]

    Prints the lag of every stage per partition (committed offset against
    the end of its input) and the periods closed so far.

    \(ClusterOptions.help)
    """

    static func run(_ args: [String]) -> ExitCode {
        ClusterCommand.run(args, help: help, values: []) { _, log in
            print(try ClusterStatus.read(from: log).render(), terminator: "")
            return .ok
        }
    }
}

/// Files named on a command line: files as given, folders by their *.cbf
/// and *.xml, all in the spec's processing order.
enum InputSelection {
    static func files(_ paths: [String]) throws -> [FolderSettlement.InputFile] {
        var result: [FolderSettlement.InputFile] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw UsageError("\(path) does not exist")
            }
            if isDirectory.boolValue {
                result += try FolderSettlement.inputFiles(in: URL(fileURLWithPath: path))
            } else {
                result += try FolderSettlement.inputFiles(named: [URL(fileURLWithPath: path)])
            }
        }
        return result.sorted { $0.summary.key < $1.summary.key }
    }
}

/// Parses the shared options, opens the Kafka log, runs the body, and maps
/// errors to exit codes.
enum ClusterCommand {
    static func run(_ args: [String], help: String, values: Set<String>, flags: Set<String> = [],
                    _ body: (Arguments, KafkaLog) throws -> ExitCode) -> ExitCode {
        let parsed: Arguments
        do {
            parsed = try Arguments(args, valueOptions: ClusterOptions.valueOptions.union(values), flagOptions: flags)
        } catch {
            Console.error("\(error)\n\n" + help)
            return .usage
        }
        if parsed.has("help") {
            print(help)
            return .ok
        }
        do {
            return try body(parsed, try ClusterOptions.log(parsed))
        } catch let error as UsageError {
            Console.error("\(error)\n\n" + help)
            return .usage
        } catch {
            Console.error("\(error)")
            return .failure
        }
    }
}
