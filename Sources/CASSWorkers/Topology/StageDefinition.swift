import CASSDomain
import CASSEngine
import CASSLog
import CASSNotify
import Foundation

/// A stage's name: its consumer group, dead-letter topic and state keys
/// derive from it. Each stage declares its own in its file.
public struct StageName: Hashable, Sendable, Comparable, CustomStringConvertible, RawRepresentable {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var group: String { TopicCatalog.namespace + "cass-\(rawValue)" }

    public var deadLetterTopic: String { TopicCatalog.namespace + "cass.\(rawValue).dlq" }

    public var description: String { rawValue }

    public static func < (lhs: StageName, rhs: StageName) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A topic a stage writes, with how its records are routed (for people:
/// `cass topics describe`, topics.json).
public struct OutputDeclaration: Sendable, Hashable {
    public let topic: Topic
    public let routedBy: String
}

/// A declared output: the topic and the routing function that chooses a
/// record's partition from its routing key. Stages emit through these
/// values only; writing to a topic the stage's definition does not declare
/// stops the worker (`StageOutput`).
public struct Output<Key>: Sendable {
    public let declaration: OutputDeclaration
    let route: @Sendable (Key, Int32) -> Int32

    public init(_ topic: Topic, routedBy: String, route: @escaping @Sendable (Key, Int32) -> Int32) {
        self.declaration = OutputDeclaration(topic: topic, routedBy: routedBy)
        self.route = route
    }

    public var topic: Topic { declaration.topic }

    /// The partition among `count` this output's routing gives `key`.
    @inline(__always)
    public func partition(for key: Key, count: Int32) -> Int32 { route(key, count) }
}

extension Output where Key == String {
    /// Routed by the FNV-1a of a text key, which is also the record's key.
    public static func keyed(_ topic: Topic, by what: String) -> Output<String> {
        Output(topic, routedBy: what) { Partitioner.partition(for: $0, count: $1) }
    }
}

/// Everything a stage may need to be built; each stage's factory takes
/// what it needs and refuses clearly when something it needs is missing.
public struct StageEnvironment: Sendable {
    public var reference: ReferenceData
    /// Journal state to the state topic (every real worker; the one-shot
    /// embedded `cass settle` keeps none, its log dies with it).
    public var persistState: Bool
    /// Settle: keep invoice lines (for documents); false keeps sums only.
    public var keepLines: Bool
    public var reader: FileReader
    /// Ingest: the only folder whose files a `fileAt` message may name.
    /// Without one, file paths are refused.
    public var spool: URL?
    /// Ingest: refuse files whose names break CASSDomain's `FileName` rule
    /// (messages on a cluster come from anyone). `cass settle` takes the
    /// names of its own folder as they are: its CSVs quote them and its
    /// reports get safe names.
    public var refusesUnsafeNames: Bool
    /// Render: where documents are written. Notify: where invoice PDFs are found.
    public var documents: URL?
    /// Notify: recipients, templates and transports.
    public var notifier: Notifier?
    /// Validate: about how many AWBs the run will see (0: unknown), to
    /// size the ledgers once.
    public var expectedAWBs: Int
    /// Number: send issued invoices' lines to cass.events for the public
    /// events. Everywhere but an embedded run without `--events`, where
    /// nothing reads them and they would only be held in memory.
    public var sendsLineEvents = true
    /// Ingest: results of files read ahead on other threads (embedded
    /// `cass settle`); nil reads every file in ingest.
    public var readAhead: ParallelFileReads?
    /// Ingest: the embedded service's folder of uploads stored as files
    /// (`FileReference.storedAs`); nil where uploads are chunks on the log.
    public var uploads: URL?

    public init(reference: ReferenceData, persistState: Bool, keepLines: Bool = true, reader: @escaping FileReader = DefaultReaders.any,
                spool: URL? = nil, refusesUnsafeNames: Bool = true, documents: URL? = nil, notifier: Notifier? = nil, expectedAWBs: Int = 0) {
        self.reference = reference
        self.persistState = persistState
        self.keepLines = keepLines
        self.reader = reader
        self.spool = spool
        self.refusesUnsafeNames = refusesUnsafeNames
        self.documents = documents
        self.notifier = notifier
        self.expectedAWBs = expectedAWBs
    }
}

/// What a stage's factory gets: the environment, the log it runs on (for
/// stages that read a topic by offset) and its input's partition count.
public struct StageContext: Sendable {
    public let environment: StageEnvironment
    public let log: any Log
    public let inputPartitions: Int32
}

/// A stage, as data: the single source of its input topic, its outputs
/// with their routing, what partitions its input, what state it keeps and
/// how it is built. Everything that runs or describes the pipeline
/// (`EmbeddedPipeline`, `cass worker`, the crash simulation, `cass topics`,
/// `Topics/topics.json`) is derived from these.
public struct StageDefinition: Sendable {
    public let name: StageName
    public let input: Topic
    public let outputs: [OutputDeclaration]
    /// Topics the stage reads by offset (`Log.read`), not as a consumer.
    public let reads: [Topic]
    public let partitionedBy: String
    public let keeps: String
    let make: @Sendable (StageContext) throws -> any StageLogic

    public init(name: StageName, input: Topic, outputs: [OutputDeclaration], reads: [Topic] = [], partitionedBy: String, keeps: String,
                make: @escaping @Sendable (StageContext) throws -> any StageLogic) {
        self.name = name
        self.input = input
        self.outputs = outputs
        self.reads = reads
        self.partitionedBy = partitionedBy
        self.keeps = keeps
        self.make = make
    }

    /// Where records the stage cannot handle go, with why and whence.
    public var deadLetter: Topic {
        Topic(base: "cass.\(name.rawValue).dlq", partitions: 1, cleanup: .delete, retentionMs: -1, keyedBy: "as the input record",
              holds: "records \(name.rawValue) could not decode or handle; headers cass.error, cass.source.topic, cass.source.partition, cass.source.offset")
    }

    /// The stage's logic: the one place a stage is constructed.
    public func makeLogic(_ context: StageContext) throws -> any StageLogic { try make(context) }

    /// Whether the stage declares `topic` as an output.
    public func declares(_ topic: Topic) -> Bool { outputs.contains { $0.topic == topic } }
}

/// A stage that cannot be built with the environment given.
public struct StageConfigurationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
