import CASSLog
import CASSWorkers

enum TopicsCommand {
    static let help = """
    Usage: cass topics describe [--json]
           cass topics apply [--brokers LIST] [-X key=value]
           cass topics delete --yes [--brokers LIST] [-X key=value]

    Prints every stage with the topic it reads, the topics it writes, how
    its input is partitioned and which state it keeps; then every topic
    with its partitions and cleanup policy.
    """

    static func run(_ args: [String]) -> ExitCode {
        guard let sub = args.first, sub != "--help", sub != "-h" else {
            print(help)
            return args.isEmpty ? .usage : .ok
        }
        switch sub {
        case "apply":
            return TopicsApply.run(Array(args.dropFirst()))
        case "delete":
            return TopicsDelete.run(Array(args.dropFirst()))
        case "describe":
            if args.contains("--json") {
                print(TopicCatalog.json(), terminator: "")
                return .ok
            }
            print(StageName.describe())
            print("topic                    partitions  cleanup  retention")
            for spec in TopicCatalog.specs() {
                let retention = spec.retentionMs < 0 ? "forever" : "\(spec.retentionMs / 3_600_000) h"
                print(spec.name.padded(24) + " " + String(spec.partitions).padded(11) + " " + spec.cleanup.rawValue.padded(8) + " " + retention)
            }
            return .ok
        default:
            Console.error("unknown topics command '\(sub)'\n\n" + help)
            return .usage
        }
    }
}
