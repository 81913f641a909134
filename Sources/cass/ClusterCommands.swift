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

    /// The Kafka configuration the options and environment give, checked
    /// without connecting (a bad -X or no brokers is a usage error).
    static func config(_ parsed: Arguments) throws -> KafkaConfig {
        do {
            return try KafkaConfig.fromEnvironment(brokers: parsed.value("--brokers"), overrides: parsed.options["-X"] ?? [])
        } catch {
            throw UsageError("\(error)")
        }
    }

    static func log(_ parsed: Arguments) throws -> KafkaLog {
        try KafkaLog(config: try config(parsed))
    }
}

enum TopicsApply {
    static let help = """
    Usage: cass topics apply [--replication N] [--min-insync-replicas N] [--allow-low-replication] [--brokers LIST] [-X key=value]

    Creates every topic of the pipeline (the stage definitions; Topics/)
    that is missing and verifies the existing ones (partitions, cleanup
    policy, retention, replication, min.insync.replicas). Nothing existing
    is altered: a difference is an error naming it.

      --replication N            copies of every partition (default 3, what a production
                                 cluster needs; a single test broker needs 1)
      --min-insync-replicas N    copies that must have a record before a write is
                                 acknowledged (default 2 when N >= 3, else 1)
      --allow-low-replication    let the topics whose loss cannot be recomputed (inputs,
                                 state, issued invoices and settlements, rejections,
                                 reference data, outcomes) have fewer than 3 copies or 2
                                 in sync; without it they keep at least that whatever
                                 --replication says (a single test broker needs
                                 --replication 1 with it)

    \(ClusterOptions.help)
    """

    static func run(_ args: [String]) -> ExitCode {
        let command = CommandSpec(name: "topics apply", help: help, values: ["--replication", "--min-insync-replicas"], flags: ["--allow-low-replication"])
        return ClusterCommand.run(args, command, prepare: replicationSettings) { replication, log in
            let (all, critical) = replication
            if critical != all {
                Console.progress("critical topics keep \(critical.factor) copies, \(critical.minInSync) in sync (--allow-low-replication to go lower); the others get \(all.factor), \(all.minInSync) in sync")
            }
            for result in try log.applyTopics(TopicCatalog.specs(replication: all, critical: critical)) {
                print("\(result.topic): \(result.outcome)")
            }
            return .ok
        }
    }

    /// The replication asked for, and that of the critical topics: never
    /// below a production cluster's unless explicitly allowed.
    static func replicationSettings(_ parsed: Arguments) throws -> (all: TopicCatalog.Replication, critical: TopicCatalog.Replication) {
        func number(_ option: String) throws -> Int16? {
            guard parsed.value(option) != nil else { return nil }
            return Int16(try parsed.integer(option, default: 1, in: 1...Int(Int16.max)))
        }
        do {
            return try TopicCatalog.Replication.resolve(factor: try number("--replication"), minInSync: try number("--min-insync-replicas"),
                                                        allowLow: parsed.has("--allow-low-replication"))
        } catch let error as StageConfigurationError {
            throw UsageError(error.description)
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
        let command = CommandSpec(name: "topics delete", help: help, flags: ["--yes"])
        return ClusterCommand.run(args, command, prepare: { parsed in
            guard parsed.has("--yes") else { throw UsageError("topics delete removes every record of the namespace: add --yes") }
            return parsed
        }) { parsed, log in
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
        switch args.first {
        case "--help", "-h":
            print(help)
            return .ok
        case "load":
            break
        case let other:
            Console.error((other.map { "unknown reference subcommand '\($0)'" } ?? "reference needs a subcommand") + ": load\n\n" + help)
            return .usage
        }
        let command = CommandSpec(name: "reference load", help: help, positionals: ["DIR"])
        // The folder is validated before connecting: bad data never reaches the topic.
        return ClusterCommand.run(Array(args.dropFirst()), command, prepare: { parsed in
            do {
                _ = try ReferenceLoader.load(directory: URL(fileURLWithPath: parsed.positionals[0]))
            } catch {
                throw ClusterCommand.Refusal("bad reference data, nothing published: \(error)")
            }
            return parsed
        }) { parsed, log in
            let reference = try ReferenceTopic.publish(directory: URL(fileURLWithPath: parsed.positionals[0]), log: log)
            Console.progress("published reference data: \(reference.operations.count) operations, \(reference.airlines.count) airlines, \(reference.allAgents.count) agents")
            return .ok
        }
    }
}

enum SubmitCommand {
    static let help = """
    Usage: cass submit FILE|DIR... [--brokers LIST] [-X key=value]

    Submits billing files (CBF, ONE Record XML or JSON-LD; a folder means its *.cbf,
    *.xml and *.jsonld) to cass.files, in the spec's processing order. Small files
    travel in the message; files over 512 KiB as their absolute path, which
    every ingest worker must be able to read (a shared volume).

    \(ClusterOptions.help)
    """

    static func run(_ args: [String]) -> ExitCode {
        let command = CommandSpec(name: "submit", help: help, positionals: ["FILE|DIR"], variadic: true)
        return ClusterCommand.run(args, command, prepare: { parsed in
            let files = try InputSelection.files(parsed.positionals)
            // The name rule uploads share (FileName): a name travels into
            // rejections.csv, report names and screens.
            for file in files {
                if let problem = FileName.problem(file.name) {
                    throw ClusterCommand.Refusal("cannot submit \(file.path): \(problem); rename the file and submit it again (nothing was submitted)")
                }
            }
            return files
        }) { files, log in
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
        let command = CommandSpec(name: "close-period", help: help, values: ["--present-in"], positionals: ["COUNTRY", "PERIOD"], minimumPositionals: 0, variadic: true)
        return ClusterCommand.run(args, command, prepare: { parsed -> Either in
            if let present = parsed.options["--present-in"] {
                return .files(try InputSelection.files(present + parsed.positionals))
            }
            guard parsed.positionals.count == 2 else {
                if parsed.positionals.count > 2 {
                    throw UsageError("unexpected arguments \(parsed.positionals[2...].map { "'\($0)'" }.joined(separator: " ")): close-period takes COUNTRY and PERIOD")
                }
                throw UsageError("close-period needs COUNTRY and PERIOD (YYYYMMNN), or --present-in")
            }
            let country = parsed.positionals[0]
            guard country.utf8.count == 2, country.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
                throw UsageError("'\(country)' is not an operation's country code (two capital letters)")
            }
            guard let digits = Int(parsed.positionals[1]), let period = BillingPeriod(yyyymmnn: digits) else {
                throw UsageError("'\(parsed.positionals[1])' is not a billing period YYYYMMNN")
            }
            return .period(PeriodKey(country: country, period: period))
        }) { target, log in
            var periods: [PeriodKey] = []
            switch target {
            case .files(let files):
                periods = FolderSettlement.periodsPresent(files, reference: try ReferenceTopic.load(from: log))
            case .period(let period):
                periods = [period]
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
        let command = CommandSpec(name: "export-settlement", help: help, values: ["--output", "--wait-periods", "--timeout", "--wait-stages"])
        return ClusterCommand.run(args, command, prepare: { parsed in
            let output = URL(fileURLWithPath: try parsed.required("--output"))
            let wanted = try parsed.value("--wait-periods").map { _ in try parsed.integer("--wait-periods", default: 0, in: 0...1_000_000) }
            let timeout = try parsed.integer("--timeout", default: 600, in: 1...86_400)
            var stages = Pipeline.settlement
            if let list = parsed.value("--wait-stages") {
                stages = try list.split(separator: ",").map { name throws(UsageError) in
                    guard let stage = Pipeline.definition(named: String(name)) else { throw UsageError("unknown stage '\(name)' in --wait-stages") }
                    return stage
                }
            }
            return (output, wanted, timeout, stages)
        }) { options, log in
            // Not an OutputFolder: render workers write their documents into
            // the same folder while the cluster runs, so it is not this
            // command's to empty.
            let (output, wanted, timeout, stages) = options
            if let wanted {
                try waitUntilSettled(log: log, periods: wanted, stages: stages, timeoutSeconds: Double(timeout))
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
    static func waitUntilSettled(log: KafkaLog, periods: Int, stages: [StageDefinition], timeoutSeconds: Double) throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var filesEnd: [TopicPartition: Int64] = [:]
        for partition in 0..<(try log.partitionCount(of: TopicCatalog.files)) {
            let tp = TopicPartition(topic: TopicCatalog.files, partition: partition)
            filesEnd[tp] = try log.endOffset(tp)
        }
        let settlement = Set(Pipeline.settlement.map(\.name))
        let downstream = stages.filter { !settlement.contains($0.name) }
        var quiet = 0
        var lastReport = Date()
        let checksNeeded = downstream.isEmpty ? 1 : 2
        while quiet < checksNeeded {
            var ingestBehind: Int64 = 0
            for (tp, end) in filesEnd {
                ingestBehind += max(0, end - (try log.committedOffset(group: StageName.ingest.group, partition: tp) ?? 0))
            }
            let closed = try ClusterStatus.closedPeriods(from: log).count
            // With the number stage's lag: a worker commits its input only
            // after its outputs are acknowledged, so number at zero means
            // every fact downstream stages read is on their input topics
            // (a closed period alone can be seen before its invoices' events).
            let downstreamLag = downstream.isEmpty ? 0 : try ClusterStatus.read(from: log, stages: downstream + [NumberStage.definition]).totalLag
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
        ClusterCommand.run(args, CommandSpec(name: "status", help: help)) { _, log in
            print(try ClusterStatus.read(from: log).render(), terminator: "")
            return .ok
        }
    }
}

/// Files named on a command line: files as given, folders by their *.cbf
/// and *.xml, all in the spec's processing order. Entries that are not
/// readable files are reported and skipped.
enum InputSelection {
    static func files(_ paths: [String]) throws -> [FolderSettlement.InputFile] {
        var result: [FolderSettlement.InputFile] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                // Arguments reach Swift as Strings: bytes that are not UTF-8
                // became U+FFFD, so such a name names no file.
                if path.unicodeScalars.contains("\u{FFFD}") {
                    throw ClusterCommand.Refusal("\(path): the name is not UTF-8 text (or the file does not exist); rename the file")
                }
                throw ClusterCommand.Refusal("\(path) does not exist")
            }
            let scan = isDirectory.boolValue
                ? try FolderSettlement.scan(URL(fileURLWithPath: path))
                : FolderSettlement.inputFiles(named: [URL(fileURLWithPath: path)])
            for entry in scan.skipped { Console.warning("skipped \(entry.name): \(entry.reason)") }
            result += scan.files
        }
        return result.sorted { $0.summary.key < $1.summary.key }
    }
}

/// Close-period's target: the periods of files, or one period.
enum Either {
    case files([FolderSettlement.InputFile])
    case period(PeriodKey)
}

/// The preamble of every command that talks to Kafka: the command line and
/// everything `prepare` checks (files, names, reference data) are checked
/// before connecting, then the log is opened and the body runs.
enum ClusterCommand {
    /// A refusal that is not about the command line (exit 1).
    struct Refusal: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static func run<Prepared>(_ args: [String], _ command: CommandSpec, prepare: (Arguments) throws -> Prepared,
                              _ body: (Prepared, KafkaLog) throws -> ExitCode) -> ExitCode {
        var spec = command
        spec.values.formUnion(ClusterOptions.valueOptions)
        return spec.run(args) { parsed in
            let prepared = try prepare(parsed)
            _ = try ClusterOptions.config(parsed)
            return try body(prepared, try ClusterOptions.log(parsed))
        }
    }

    static func run(_ args: [String], _ command: CommandSpec, _ body: (Arguments, KafkaLog) throws -> ExitCode) -> ExitCode {
        run(args, command, prepare: { $0 }, body)
    }
}
