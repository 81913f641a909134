import CASSLog
import CASSWorkers

enum TopicsCommand {
    static let help = """
    Usage: cass topics describe [--json]
           cass topics apply [--replication N] [--min-insync-replicas N] [--allow-low-replication] [--brokers LIST] [-X key=value]
           cass topics delete --yes [--brokers LIST] [-X key=value]

    describe  prints the pipeline: stages, topics, partitioning and state
    apply     creates or verifies every topic on the cluster
    delete    deletes every topic of the namespace

    Run `cass topics SUBCOMMAND --help` for one of them.
    """

    static let describeHelp = """
    Usage: cass topics describe [--json]

    Prints every stage with the topic it reads, the topics it writes (and
    how each is routed), how its input is partitioned and which state it
    keeps; then every topic with its partitions, cleanup policy, retention
    and key. --json prints the same as Topics/topics.json. All of it comes
    from the stage definitions (docs/architecture.md).
    """

    static let describeCommand = CommandSpec(name: "topics describe", help: describeHelp, flags: ["--json"])

    static func run(_ args: [String]) -> ExitCode {
        guard let sub = args.first else {
            Console.error("topics needs a subcommand: describe, apply or delete\n\n" + help)
            return .usage
        }
        switch sub {
        case "--help", "-h":
            print(help)
            return .ok
        case "apply":
            return TopicsApply.run(Array(args.dropFirst()))
        case "delete":
            return TopicsDelete.run(Array(args.dropFirst()))
        case "describe":
            return describeCommand.run(Array(args.dropFirst())) { parsed in
                if parsed.has("--json") {
                    print(TopicCatalog.json(), terminator: "")
                    return .ok
                }
                print(TopicCatalog.describe(), terminator: "")
                return .ok
            }
        default:
            Console.error("unknown topics subcommand '\(sub)': describe, apply or delete\n\n" + help)
            return .usage
        }
    }
}
