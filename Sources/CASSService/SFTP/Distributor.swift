import CASSAccess
import CASSDomain
import CASSLog
import CASSWorkers
import Foundation

/// `cass distribute`: the SFTP outbox without the HTTP service (docs/sftp.md,
/// docs/kafka.md). It reads the cluster's topics into views of its own
/// (invoices and closes, settings, file outcomes, users) and writes the
/// same `ROOT/COMPANY/outbox/COUNTRY/PERIOD/` documents as
/// `cass serve --sftp-listen`, through the same `SFTPOutbox`; the files stay
/// the running user's (0750 folders, 0640 documents) for whatever serves
/// or copies the trees.
///
/// Restart-safe without state of its own: the views are read again from
/// the beginning at each start (a consumer group of its own, offsets never
/// committed), a document already in the tree is never written again, and
/// a document is written under a temporary dot-name and renamed, so that a
/// process killed half way leaves either the whole document or none.
public final class Distributor: @unchecked Sendable {
    // @unchecked: `outbox` and `lock` are used on the thread of `start`
    // and `run` only, `onPass` is set before `start`; `stopped` is a lock.
    public struct Options: Sendable {
        /// The trees: `ROOT/COMPANY/outbox/...`.
        public var root: URL
        /// How often the outbox is brought up to date (a close's documents
        /// appear at most this long after the views have them).
        public var everyMs = 1_000
        /// The views' consumer group: unique per process (each reads
        /// everything).
        public var viewGroup = "cass-distribute-\(UInt64.random(in: 1...UInt64.max))"
        /// How long the start waits for the views to read what the topics
        /// hold.
        public var catchUpMs = 600_000

        public init(root: URL) { self.root = root }
    }

    let options: Options
    let log: any Log
    let say: @Sendable (String) -> Void
    private var feed: ViewFeed?
    private var identity: IdentityView?
    private var outbox: SFTPOutbox?
    private let stopped = Locked(false)
    private var lock: OutboxLock?

    /// What a pass found and did, for the process's metrics.
    public struct Pass: Sendable {
        /// Since the start.
        public var documentsWritten: Int
        /// Since the start: a period's documents that could not be written
        /// (retried at the next pass).
        public var failures: Int
        public var closedPeriods: Int
    }

    /// Called after every pass, on the thread of `run`.
    public var onPass: (@Sendable (Pass) -> Void)?

    public init(options: Options, log: any Log, say: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.log = log
        self.say = say
    }

    /// Loads the reference data from its topic, starts the views and waits
    /// until they hold what the topics hold now.
    public func start() throws {
        // Before anything is read or written: a second writer of the same
        // trees stops here, naming the first.
        try FileManager.default.createDirectory(at: options.root, withIntermediateDirectories: true)
        lock = try OutboxLock(root: options.root)
        let reference = try ReferenceTopic.load(from: log)
        guard !reference.operations.isEmpty else {
            throw ServiceError("no reference data in the cluster yet: `cass reference load DIR` (or `cass serve --reference DIR`) first")
        }
        // As `cass serve` does at each start (existing topics are left as
        // they are): the worker may start before the first serve process
        // has made the service's topics (users, settings).
        try log.createTopics(TopicCatalog.specs() + ServiceTopics.specs())
        let identity = IdentityView()
        let invoices = InvoicesView()
        let settings = SettingsView()
        let files = FilesView()
        let feed = ViewFeed(log: log, views: [identity, invoices, settings, files], group: options.viewGroup)
        try feed.start()
        self.feed = feed
        // Login failures can be many and say nothing about distribution.
        try feed.catchUp(feed.topics.filter { !$0.hasSuffix(AccessTopic.loginFailures.rawValue) }, timeoutMs: options.catchUpMs)
        self.identity = identity
        // `data` only places sshd's files, which this process never writes.
        let layout = SFTPLayout(root: options.root, data: options.root)
        outbox = SFTPOutbox(layout: layout, sources: OutboxSources(invoices: invoices, settings: settings, files: files,
                                                                    documents: DocumentCache(reference: reference),
                                                                    directory: CompanyDirectory(reference: reference), reference: reference),
                            say: say)
        say("distributing into \(layout.root.path), every \(options.everyMs) ms; \(invoices.closedPeriods().count) closed period(s) so far")
    }

    /// One pass: the outbox of every closed period for every company that
    /// distributes by SFTP. Errors of one company are said once and
    /// retried at the next pass.
    public func step() throws {
        guard let outbox, let identity, let feed else { throw ServiceError("the distributor is not started") }
        if let failure = feed.failure { throw ServiceError(failure) }
        // Companies with SFTP users and no saved settings get the default
        // format too, as under `cass serve --sftp-listen`.
        let companies = Set(SFTPAccount.plan(identity.snapshot.users.values).accounts.values.map(\.company))
        outbox.withUsers.withLock { $0 = companies }
        outbox.sync { _ in .process }
        onPass?(Pass(documentsWritten: outbox.documentsWritten, failures: outbox.failures,
                     closedPeriods: outbox.sources.invoices.closedPeriods().count))
    }

    /// Passes every `everyMs` until `stop`; returns the views' failure (the
    /// process then ends with an error), nil when stopped.
    public func run() -> String? {
        while !stopped.withLock({ $0 }) {
            do {
                try step()
            } catch {
                return "\(error)"
            }
            var waitedMs = 0
            // Short sleeps: a stop is seen within 50 ms.
            while waitedMs < options.everyMs && !stopped.withLock({ $0 }) {
                Thread.sleep(forTimeInterval: 0.05)
                waitedMs += 50
            }
        }
        return nil
    }

    public func stop() {
        stopped.withLock { $0 = true }
    }

    /// After `run` has returned: lets go of the log.
    public func close() {
        feed?.stop()
        lock?.release()
    }
}
