import Foundation

/// How to reach the cluster and tune librdkafka.
///
/// Precedence, lowest first: OpenCASS defaults per role (see `KafkaRole`),
/// `CASS_KAFKA_<PROPERTY>` environment variables, then `-X key=value`
/// overrides. Any librdkafka property can be set; an unknown one is a
/// configuration error naming it.
public struct KafkaConfig: Sendable {
    /// `bootstrap.servers`: comma-separated host:port list.
    public var brokers: String
    /// librdkafka properties applied on top of the defaults.
    public var properties: [String: String]
    /// Bound on every blocking metadata, admin, watermark and commit call.
    public var requestTimeoutMs: Int
    /// Bound on `readToEnd` (restoring state) per partition.
    public var readToEndTimeoutMs: Int
    /// When set, consumers and producers emit librdkafka statistics every
    /// `statistics.interval.ms` (default 5000) and this receives them parsed.
    public var statisticsHandler: (@Sendable (KafkaStatistics) -> Void)?

    public static let environmentPrefix = "CASS_KAFKA_"
    public static let brokersVariable = "CASS_BROKERS"

    public init(brokers: String, properties: [String: String] = [:], requestTimeoutMs: Int = 15_000,
                readToEndTimeoutMs: Int = 60_000, statisticsHandler: (@Sendable (KafkaStatistics) -> Void)? = nil) {
        self.brokers = brokers
        self.properties = properties
        self.requestTimeoutMs = requestTimeoutMs
        self.readToEndTimeoutMs = readToEndTimeoutMs
        self.statisticsHandler = statisticsHandler
    }

    /// The configuration of a `cass` process: brokers from `--brokers` or else
    /// `CASS_BROKERS`; properties from `CASS_KAFKA_*` then `-X key=value`.
    /// - Parameters:
    ///   - brokers: the `--brokers` value, if given.
    ///   - overrides: every `-X` value, each `key=value`.
    public static func fromEnvironment(brokers: String?, overrides: [String] = [],
                                       environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KafkaConfig {
        let chosen = brokers ?? environment[brokersVariable]
        guard let chosen, !chosen.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw KafkaError.config("no Kafka brokers: pass --brokers host:port or set \(brokersVariable)").logError
        }
        var properties: [String: String] = [:]
        for (key, value) in environmentProperties(environment) {
            try refuseUnsafe(key, value, source: environmentPrefix + key.uppercased().replacingOccurrences(of: ".", with: "_") + "=\(value)")
            properties[key] = value
        }
        for override in overrides {
            let (key, value) = try parseOverride(override)
            try refuseUnsafe(key, value, source: "-X \(key)=\(value)")
            properties[key] = value
        }
        return KafkaConfig(brokers: chosen, properties: properties)
    }

    /// Properties whose other values would break what the workers promise
    /// (nothing lost, nothing billed twice, results in submission order):
    /// the values allowed, and why.
    static let guarded: [String: (allowed: Set<String>, why: String)] = [
        "enable.auto.commit": (["false"], "a worker commits an input offset only after the outputs it caused are acknowledged; auto-commit could skip records after a crash"),
        "auto.commit.enable": (["false"], "a worker commits an input offset only after the outputs it caused are acknowledged; auto-commit could skip records after a crash"),
        "enable.auto.offset.store": (["false"], "offsets are stored only by the worker's own commit"),
        "isolation.level": (["read_committed"], "workers must never read records of aborted writes"),
        "enable.idempotence": (["true"], "a retried send must not duplicate or reorder records"),
        "acks": (["all", "-1"], "a record counts as written only once every in-sync replica has it"),
        "request.required.acks": (["all", "-1"], "a record counts as written only once every in-sync replica has it"),
        "auto.offset.reset": (["earliest", "smallest", "beginning"], "a new consumer group must start at the beginning, or records submitted before it joined are never processed"),
        "transactional.id": ([], "the workers' producers are idempotent, not transactional (docs/kafka.md)"),
        "group.id": ([], "each stage names its own consumer group; separate runs with CASS_NAMESPACE instead"),
    ]

    /// Throws a configuration error naming the setting, its source and the
    /// guarantee it would break.
    public static func refuseUnsafe(_ key: String, _ value: String, source: String) throws {
        guard let rule = guarded[key] else { return }
        let normalized = value.trimmingCharacters(in: .whitespaces).lowercased()
        guard !rule.allowed.contains(normalized) else { return }
        let allowed = rule.allowed.isEmpty ? "it cannot be set" : "only \(rule.allowed.sorted().joined(separator: " or ")) is accepted"
        throw KafkaError.config("\(source) is refused: \(rule.why) (\(allowed); remove the setting)").logError
    }

    /// Every property checked against `guarded` (configurations built in
    /// code as well as from the command line).
    func checkGuarantees() throws(KafkaError) {
        for key in properties.keys.sorted() {
            guard let value = properties[key], let rule = KafkaConfig.guarded[key] else { continue }
            let normalized = value.trimmingCharacters(in: .whitespaces).lowercased()
            if !rule.allowed.contains(normalized) {
                throw KafkaError.config("librdkafka property \(key)=\(value) is refused: \(rule.why)")
            }
        }
    }

    /// `CASS_KAFKA_SESSION_TIMEOUT_MS=6000` → `session.timeout.ms=6000`.
    public static func environmentProperties(_ environment: [String: String]) -> [String: String] {
        var properties: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix(environmentPrefix) {
            let suffix = name.dropFirst(environmentPrefix.count)
            guard !suffix.isEmpty else { continue }
            properties[suffix.lowercased().replacingOccurrences(of: "_", with: ".")] = value
        }
        return properties
    }

    /// One `-X key=value`; the value may itself contain `=`.
    public static func parseOverride(_ text: String) throws -> (String, String) {
        guard let equals = text.firstIndex(of: "=") else {
            throw KafkaError.config("-X \(text): expected key=value, for example -X linger.ms=5").logError
        }
        let key = text[..<equals].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else {
            throw KafkaError.config("-X \(text): the property name is empty").logError
        }
        return (key, String(text[text.index(after: equals)...]))
    }
}

/// What a librdkafka handle is for; each role has its own defaults.
enum KafkaRole: Sendable {
    case producer
    case consumer(group: String)
    /// Admin, metadata and watermark queries.
    case admin
    /// `readToEnd` and `committedOffset`: assigns partitions by hand, never
    /// joins the group named here, never commits.
    case reader(group: String)

    var isConsumer: Bool {
        switch self {
        case .consumer, .reader: return true
        case .producer, .admin: return false
        }
    }

    var name: String {
        switch self {
        case .producer: return "producer"
        case .consumer: return "consumer"
        case .admin: return "admin"
        case .reader: return "reader"
        }
    }
}

extension KafkaConfig {
    /// Passthrough properties go to every handle; the well-known ones that
    /// only one side understands are kept from the other, where librdkafka
    /// would warn that it ignores them.
    static func applies(_ key: String, to role: KafkaRole) -> Bool {
        let consumerOnly = ["session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms", "partition.assignment.strategy",
                            "auto.offset.reset", "isolation.level", "group.instance.id", "enable.partition.eof",
                            "check.crcs", "auto.commit.interval.ms"]
        let consumerPrefixes = ["fetch.", "queued.", "enable.auto.", "group.protocol"]
        let producerOnly = ["linger.ms", "acks", "request.required.acks", "enable.idempotence", "compression.type",
                            "compression.codec", "message.timeout.ms", "delivery.timeout.ms", "retries", "message.send.max.retries",
                            "batch.num.messages", "batch.size", "enable.gapless.guarantee", "partitioner", "sticky.partitioning.linger.ms"]
        let producerPrefixes = ["queue.buffering.", "transaction"]
        let isConsumerOnly = consumerOnly.contains(key) || consumerPrefixes.contains { key.hasPrefix($0) }
        let isProducerOnly = producerOnly.contains(key) || producerPrefixes.contains { key.hasPrefix($0) }
        return role.isConsumer ? !isProducerOnly : !isConsumerOnly
    }

    /// The full property list for one handle, in the order it is applied.
    func properties(for role: KafkaRole) -> [(String, String)] {
        var defaults: [(String, String)] = [
            ("bootstrap.servers", brokers),
            ("client.id", "cass"),
        ]
        switch role {
        case .producer:
            defaults += [
                // No duplicates or reordering on retry: the log's order per AWB
                // is the order of submission (guarantee 3).
                ("enable.idempotence", "true"),
                ("acks", "all"),
                ("linger.ms", "5"),
                ("batch.num.messages", "10000"),
                ("compression.type", "lz4"),
                ("message.timeout.ms", "60000"),
            ]
        case .consumer(let group):
            defaults += [
                ("group.id", group),
                ("partition.assignment.strategy", "cooperative-sticky"),
                // Offsets are committed only by `commit`, which workers call after
                // the outputs are acknowledged: at-least-once, nothing skipped.
                ("enable.auto.commit", "false"),
                ("enable.auto.offset.store", "false"),
                ("auto.offset.reset", "earliest"),
                ("isolation.level", "read_committed"),
            ]
        case .reader(let group):
            defaults += [
                ("group.id", group),
                ("enable.auto.commit", "false"),
                ("enable.auto.offset.store", "false"),
                ("enable.partition.eof", "true"),
                // Restoring state should not wait for more data at the end.
                ("fetch.wait.max.ms", "10"),
                ("auto.offset.reset", "earliest"),
            ]
        case .admin:
            // Asking for a topic's metadata must never create it.
            defaults += [("allow.auto.create.topics", "false")]
        }
        switch role {
        case .producer, .consumer:
            if statisticsHandler != nil { defaults.append(("statistics.interval.ms", "5000")) }
        case .admin, .reader:
            break
        }
        var merged = defaults
        for key in properties.keys.sorted() {
            guard let value = properties[key], KafkaConfig.applies(key, to: role) else { continue }
            if case .reader = role, key == "group.id" { continue }
            if case .consumer = role, key == "group.id" { continue }
            merged.append((key, value))
        }
        return merged
    }
}
