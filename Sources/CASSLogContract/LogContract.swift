import CASSLog
import Foundation

/// What every `Log` implementation must do, as one suite of checks that
/// any test target runs against its own log with one line:
///
///     try LogContract(name: "in-process") { InProcessLog() }.verify()
///
/// It needs no test framework: a check that fails throws a
/// `LogContract.Failure` naming the check, what was expected and what
/// came. Each check creates topics of its own (unique names), so a shared
/// cluster may run it many times. Durations are bounded by `timeoutMs` per
/// wait (group joins on a real broker take seconds).
public struct LogContract: Sendable {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var check: String
        public var message: String
        public var description: String { "log contract '\(check)': \(message)" }
    }

    /// One check of the contract: a name and what it does with a log.
    public struct Check: Sendable {
        public let name: String
        let run: @Sendable (Context) throws -> Void
    }

    public let name: String
    public let makeLog: @Sendable () throws -> any Log
    /// How long to wait for records or an assignment before failing.
    public var timeoutMs: Int
    /// Prefix of the topic and group names the checks make up.
    public var namePrefix: String
    /// How the checks' topics are made, when not by `Log.createTopics`
    /// (librdkafka's mock cluster has no admin API: its own call makes them).
    public var createTopic: (@Sendable (any Log, TopicSpec) throws -> Void)?

    public init(name: String, timeoutMs: Int = 30_000, namePrefix: String = "contract",
                createTopic: (@Sendable (any Log, TopicSpec) throws -> Void)? = nil, makeLog: @escaping @Sendable () throws -> any Log) {
        self.name = name
        self.makeLog = makeLog
        self.timeoutMs = timeoutMs
        self.namePrefix = namePrefix
        self.createTopic = createTopic
    }

    /// Runs every check; throws one failure listing all that failed.
    public func verify() throws {
        var failures: [String] = []
        for check in Self.checks {
            do {
                try verify(check)
            } catch {
                failures.append("\(error)")
            }
        }
        guard failures.isEmpty else {
            throw Failure(check: "\(name): \(failures.count) of \(Self.checks.count) checks", message: "\n" + failures.joined(separator: "\n"))
        }
    }

    public func verify(_ check: Check) throws {
        let context = Context(log: try makeLog(), contract: self, check: check.name)
        do {
            try check.run(context)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(check: check.name, message: "threw \(error)")
        }
    }

    /// What a check works with: the log, fresh names, bounded waits.
    public struct Context: Sendable {
        public let log: any Log
        let contract: LogContract
        let check: String

        public func unique(_ base: String) -> String {
            "\(contract.namePrefix).\(base).\(UUID().uuidString.prefix(8).lowercased())"
        }

        public func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
            if !condition { throw Failure(check: check, message: message()) }
        }

        public func expectEqual<T: Equatable>(_ got: T, _ expected: T, _ what: String) throws {
            if got != expected { throw Failure(check: check, message: "\(what): expected \(expected), got \(got)") }
        }

        /// Creates a topic and returns its name.
        public func topic(_ base: String, partitions: Int32, cleanup: TopicSpec.Cleanup = .delete) throws -> String {
            let name = unique(base)
            let spec = TopicSpec(name: name, partitions: partitions, cleanup: cleanup, retentionMs: cleanup == .compact ? -1 : 3_600_000)
            if let create = contract.createTopic {
                try create(log, spec)
            } else {
                try log.createTopics([spec])
            }
            return name
        }

        /// Polls until `count` records came or the wait ran out.
        public func poll(_ consumer: any LogConsumer, count: Int) throws -> [LogRecord] {
            var records: [LogRecord] = []
            let deadline = Date().addingTimeInterval(Double(contract.timeoutMs) / 1000)
            while records.count < count, Date() < deadline {
                records += try consumer.poll(maxRecords: 500, timeoutMs: 100)
            }
            return records
        }

        /// Polls for a while and returns whatever came (to check that nothing more does).
        public func pollBriefly(_ consumer: any LogConsumer, milliseconds: Int) throws -> [LogRecord] {
            var records: [LogRecord] = []
            let deadline = Date().addingTimeInterval(Double(milliseconds) / 1000)
            while Date() < deadline { records += try consumer.poll(maxRecords: 500, timeoutMs: 50) }
            return records
        }

        public func waitFor(_ what: String, _ condition: () throws -> Bool) throws {
            let deadline = Date().addingTimeInterval(Double(contract.timeoutMs) / 1000)
            while try !condition() {
                guard Date() < deadline else { throw Failure(check: check, message: "timed out after \(contract.timeoutMs) ms waiting for \(what)") }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
    }
}

/// Records the listener callbacks in order, and what a worker commits
/// when partitions are revoked.
final class ContractListener: RebalanceListener, @unchecked Sendable {
    // @unchecked: every field is inside `state`, a lock.
    struct State {
        var assigned: [TopicPartition] = []
        var revoked: [TopicPartition] = []
        var commitOnRevoke: [TopicPartition: Int64] = [:]
    }

    let state = Locked(State())

    var assigned: [TopicPartition] { state.current.assigned }

    func assigned(_ partitions: [TopicPartition], consumer: any LogConsumer) {
        state.withLock { $0.assigned += partitions }
    }

    func revoked(_ partitions: [TopicPartition], consumer: any LogConsumer) {
        let offsets = state.withLock { state -> [TopicPartition: Int64] in
            state.revoked += partitions
            state.assigned.removeAll { partitions.contains($0) }
            return state.commitOnRevoke.filter { partitions.contains($0.key) }
        }
        try? consumer.commit(offsets)
    }
}

func records(_ topic: String, partition: Int32, count: Int, tag: String) -> [OutgoingRecord] {
    (0..<count).map { index in
        OutgoingRecord(topic: topic, partition: partition, key: Array("\(tag)-k\(index)".utf8), value: Array("\(tag)-v\(index)".utf8))
    }
}
