import CASSAccess
import CASSAccounts
import CASSDomain
import CASSHTTP
import CASSLog
import CASSWorkers
import Foundation

/// What `cass serve` was asked to do.
public struct ServiceOptions: Sendable {
    public var dataDirectory: URL
    public var referenceDirectory: URL?
    public var host = "127.0.0.1"
    public var port: UInt16 = 8080
    /// First start only: the `cass` admin, with its password.
    public var admin: String?
    public var adminPassword: String?
    /// Password hashing cost (600,000 in production; tests lower it).
    public var passwordIterations = PBKDF2Passwords.productionIterations
    /// The consumer group of this process's views (unique per process).
    public var viewGroup = "cass-view-\(UInt64.random(in: 1...UInt64.max))"
    /// Per agent company, the net due of its accepted lines in open
    /// periods (risk's exposure).
    public var openNetDue: @Sendable () throws -> [AccountKey: Int64] = { [:] }
    /// Whether this process runs the pipeline's stage workers (tests that
    /// feed the topics by hand turn them off).
    public var runsPipeline = true
    /// Threads stepping the stage workers: more than the machine's two
    /// cores, because a worker's thread sits in an fsync wait for every
    /// batch (its outputs, then its state), and a third and fourth thread
    /// step other workers meanwhile.
    public var pipelineThreads = 4
    /// Workers per stage (the stage's input partitions dealt among them):
    /// with one, a stage ran on one core at a time, and after the last
    /// upload the pipeline drained validate, then settle's close, each on
    /// one thread while the other core was mostly idle.
    public var workersPerStage = 2
    /// Batches a stage worker handles between checkpoints of its state and
    /// input offsets (`StageWorker.checkpointEvery`): on the durable file
    /// log each checkpoint is two more fsync waits and the state of keys
    /// rewritten every batch; a crash replays at most this many batches.
    /// 1: more measured no faster (docs/architecture.md), so the shortest
    /// replay window is kept.
    public var checkpointBatches = 1
    /// How long a stage that ran out of input keeps its last batches
    /// without a checkpoint (`StageWorker.checkpointIdleMs`): the stages keep up
    /// with uploads and go idle between most batches.
    public var checkpointIdleMs = 200
    /// `--sftp-listen`: distribution by SFTP (docs/sftp.md); nil: none.
    public var sftp: SFTPOptions?
    /// `--drop DIR`: the inbox without SSH (docs/sftp.md); nil: none.
    public var drop: URL?
    /// `--trusted-proxy`: whose X-Forwarded-For names the client.
    public var trustedProxies = TrustedProxies.none
    /// Told of every answered request (`ServiceMetrics.observe`); nil: none.
    public var requestObserver: (@Sendable (CASSHTTP.AccessRecord) -> Void)?

    public init(dataDirectory: URL) { self.dataDirectory = dataDirectory }
}

/// `cass serve`: the log, the views, the HTTP API. Built with a log (the
/// durable file log in the data folder, or Kafka) by the command.
public final class Service: @unchecked Sendable {
    // @unchecked: set up once in `start`, then only read.
    public let options: ServiceOptions
    public let log: any Log
    let clock: ServiceClock
    private(set) var context: ServiceContext?
    private(set) var server: HTTPServer?
    /// The publish stage (cass.events to cass.invoice-events) and what takes
    /// the service's own events there.
    private(set) var publisher: PipelineRunner?
    private(set) var forwarder: EventForwarder?
    private(set) var pipeline: PipelineRunner?
    public private(set) var sftp: SFTPService?
    private(set) var drop: DropFolder?
    /// Gives a close's freed memory back once the service rests
    /// (`ProcessMemory`; the `cass` command keeps freed memory for reuse).
    private(set) var memory: IdleMemoryRelease?
    private let ready = Locked(false)

    public init(options: ServiceOptions, log: any Log, clock: ServiceClock) {
        self.options = options
        self.log = log
        self.clock = clock
    }

    /// The port the API listens on (the kernel's choice when asked for 0).
    public var port: UInt16? { server?.port }

    /// What GET /healthz answers 200 for: requests are taken and the views'
    /// feed has not failed.
    public var isReady: Bool { ready.withLock { $0 } && context?.feed.failure == nil }

    /// Creates the topics, loads the reference data, replays the views,
    /// makes the first admin on an empty log, then takes requests.
    public func start(progress: @escaping @Sendable (String) -> Void = { _ in }) throws {
        try log.createTopics(TopicCatalog.specs() + ServiceTopics.specs())
        let reference: ReferenceData
        if let folder = options.referenceDirectory {
            reference = try ReferenceTopic.publish(directory: folder, log: log)
            progress("reference data from \(folder.path): \(reference.operations.count) operations, \(reference.airlines.count) airlines, \(reference.allAgents.count) agents")
        } else {
            reference = try ReferenceTopic.load(from: log)
            guard !reference.operations.isEmpty else {
                throw ServiceError("no reference data yet: start once with --reference DIR (operations.csv, airlines.csv, agents.csv, tax-rules.csv)")
            }
        }
        // The stages first: a request answered later finds them running.
        // The embedded log's uploads are files beside it (written once, not
        // to the spool and again to the log); a cluster's are chunks on it.
        let uploads: URL? = log.isLocalToThisMachine ? options.dataDirectory.appendingPathComponent("uploads") : nil
        if let uploads { try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true) }
        if options.runsPipeline {
            var environment = StageEnvironment(reference: reference, persistState: true)
            environment.uploads = uploads
            var pipelineOptions = PipelineRunner.Options()
            pipelineOptions.threads = max(1, options.pipelineThreads)
            pipelineOptions.workersPerStage = max(1, options.workersPerStage)
            pipelineOptions.checkpointEvery = max(1, options.checkpointBatches)
            pipelineOptions.checkpointIdleMs = max(0, options.checkpointIdleMs)
            let runner = PipelineRunner(log: log, stages: Pipeline.settlement, environment: environment, options: pipelineOptions)
            runner.onFailure = { stage, error in
                FileHandle.standardError.write(Data("serve: the \(stage) stage: \(error)\n".utf8))
            }
            if !log.isLocalToThisMachine {
                // Partitions move between the processes of a cluster: which
                // one held a stage's input when is what a stall is read from.
                runner.onRebalance = { stage, assigned, revoked in
                    if !revoked.isEmpty { progress("the \(stage) stage: revoked \(revoked.map(\.description).joined(separator: ", "))") }
                    if !assigned.isEmpty { progress("the \(stage) stage: assigned \(assigned.map(\.description).joined(separator: ", "))") }
                }
            }
            try runner.start()
            pipeline = runner
            progress("pipeline: \(Pipeline.settlement.map(\.name.rawValue).joined(separator: ", ")) running on \(pipelineOptions.threads) threads")
        }
        let writer = try RecordWriter(log: log)
        let identity = IdentityView()
        let hub = EventHub(reference: reference)
        let forwarder = EventForwarder(writer: writer)
        hub.forwarder = forwarder
        self.forwarder = forwarder
        let accountsView = AccountsView(hub: hub)
        // A newly issued invoice wakes the accounts desk, which records it.
        let invoices = InvoicesView(hub: hub, issued: { accountsView.changed.fire() })
        let settings = SettingsView()
        let files = FilesView(hub: hub)
        let replies = RepliesView()
        let feed = ViewFeed(log: log, views: [identity, invoices, accountsView, settings, forwarder, files, replies], group: options.viewGroup)
        try feed.start()
        try feed.catchUp(feed.topics.filter { !$0.hasSuffix(AccessTopic.loginFailures.rawValue) }, timeoutMs: 600_000)
        forwarder.start()
        try startPublisher(reference: reference, progress: progress)
        let accounts = AccountsDesk(view: accountsView, writer: writer, feed: feed, clock: clock, reference: reference,
                                    openNetDue: options.openNetDue, invoices: invoices, files: files)
        let spool = options.dataDirectory.appendingPathComponent("spool")
        try Self.emptySpool(spool)
        let context = ServiceContext(log: log, writer: writer, feed: feed, identity: identity, invoices: invoices, accounts: accounts,
                                     settings: settings, files: files, spool: spool.path, uploads: uploads, hub: hub, clock: clock, reference: reference,
                                     hasher: PBKDF2Passwords(iterations: options.passwordIterations), trustedProxies: options.trustedProxies)
        self.context = context
        try bootstrapAdmin(context, progress: progress)
        // What became due while the service was down happens before the
        // first request of the day is decided.
        try accounts.runDue(today: clock.today())
        accounts.start()

        var router = Router()
        router.get("/healthz") { [ready] _ in
            guard ready.withLock({ $0 }), feed.failure == nil else {
                throw HTTPError(HTTPStatus(503), detail: feed.failure ?? "starting")
            }
            return .json("{\"status\":\"ok\"}")
        }
        router.get("/api/v1/openapi.json") { _ in .json(OpenAPIDocument.json) }
        IdentityRoutes.register(&router, context)
        InvoiceRoutes.register(&router, context)
        FileRoutes.register(&router, context)
        FileActionRoutes.register(&router, context, replies: replies)
        PeriodRoutes.register(&router, context)
        EventRoutes.register(&router, context)
        DisputeRoutes.register(&router, context)
        PaymentRoutes.register(&router, context)
        RiskRoutes.register(&router, context)
        SettingsRoutes.register(&router, context)
        StatisticsRoutes.register(&router, context)
        PortalRoutes.register(&router, try portalSite(context, writer: writer, replies: replies))

        var configuration = HTTPServerConfiguration(host: options.host, port: options.port)
        configuration.log = { message in FileHandle.standardError.write(Data("serve: \(message)\n".utf8)) }
        configuration.accessLog = options.requestObserver
        let server = try HTTPServer(configuration: configuration, router: router)
        self.server = server
        server.start()
        if let options = options.sftp {
            let sftp = SFTPService(options: options, dataDirectory: self.options.dataDirectory, context: context) { progress("sftp: \($0)") }
            try sftp.start()
            self.sftp = sftp
        }
        if let folder = options.drop {
            let drop = DropFolder(directory: folder, dataDirectory: options.dataDirectory, context: context) { progress("drop: \($0)") }
            try drop.start()
            self.drop = drop
        }
        let memory = IdleMemoryRelease { release in
            FileHandle.standardError.write(Data(String(format: "serve: at rest after a burst of work: resident memory %.0f MB -> %.0f MB (freed memory given back)\n",
                                                       Double(release.residentBefore) / 1e6, Double(release.residentAfter) / 1e6).utf8))
        }
        memory.start()
        self.memory = memory
        hub.goLive()
        ready.withLock { $0 = true }
        progress("listening on http://\(options.host):\(server.port)")
    }

    /// The public events (docs/events.md): the publish stage's worker on
    /// this process's log, like the pipeline's other stages.
    private func startPublisher(reference: ReferenceData, progress: @Sendable (String) -> Void) throws {
        var options = PipelineRunner.Options()
        options.threads = 1
        // Nothing a client waits for needs the public events at once (a
        // period reads as closed from the invoices view): while a close
        // keeps the stages busy, they come second.
        options.background = true
        let runner = PipelineRunner(log: log, stages: [PublishStage.definition],
                                    environment: StageEnvironment(reference: reference, persistState: true), options: options)
        try runner.start()
        publisher = runner
        progress("public events: the publish stage writes \(Topic.invoiceEvents.name)")
    }

    /// The browser portal, with its sign-in key and its upload spool folder.
    private func portalSite(_ context: ServiceContext, writer: RecordWriter, replies: RepliesView) throws -> PortalSite {
        PortalSite(service: context, loginKey: try PortalKeys.loginKey(log: log, writer: writer), spool: context.spool, replies: replies)
    }

    /// The spool holds bodies being received; what a killed process left
    /// there was never acknowledged, so it goes.
    static func emptySpool(_ spool: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: spool, withIntermediateDirectories: true)
        for name in (try? manager.contentsOfDirectory(atPath: spool.path)) ?? [] {
            try? manager.removeItem(at: spool.appendingPathComponent(name))
        }
    }

    private func bootstrapAdmin(_ context: ServiceContext, progress: @Sendable (String) -> Void) throws {
        let empty = context.identity.read { $0.users.isEmpty }
        guard empty else { return }
        guard let admin = options.admin else {
            throw ServiceError("the data folder has no users yet: start with --admin NAME and CASS_ADMIN_PASSWORD to create the cass administrator")
        }
        guard let password = options.adminPassword, !password.isEmpty else {
            throw ServiceError("--admin \(admin) needs its password in the environment variable CASS_ADMIN_PASSWORD")
        }
        var random = KernelRandom()
        do {
            let change = try context.identity.snapshot.bootstrap(admin: admin, password: password, hasher: context.hasher, random: &random,
                                                                 context: RequestContext(now: clock.instant(), from: "cass serve"))
            try context.commit(change.records)
        } catch let error as AccessError {
            throw ServiceError("cannot create the administrator: \(error)")
        }
        progress("created the cass administrator \(admin)")
    }

    /// Stops taking requests, lets those in flight finish, stops the views.
    /// `stopping` is told each part before it is stopped, so that a stop
    /// that never ends says where it is stuck.
    public func stop(timeoutMs: Int = 10_000, stopping: (String) -> Void = { _ in }) {
        ready.withLock { $0 = false }
        stopping("the SFTP service")
        sftp?.stop()
        stopping("the drop folder")
        drop?.stop()
        stopping("the HTTP server")
        _ = server?.stop(timeoutMs: timeoutMs)
        stopping("the pipeline's stage workers")
        pipeline?.stop()
        stopping("the accounts scheduler")
        context?.accounts.stop()
        stopping("the event forwarder")
        forwarder?.stop()
        stopping("the publish stage")
        publisher?.stop()
        stopping("the views' feed")
        context?.feed.stop()
        memory?.stop()
    }
}
