import CASSAccess
import CASSLog
import CProcess
import Foundation

/// What `--sftp-listen` and `--sftp-root` ask for.
public struct SFTPOptions: Sendable {
    public var host: String
    public var port: UInt16
    /// The companies' trees; nil: `sftp/` in the data folder.
    public var root: URL?
    public var sshd = "/usr/sbin/sshd"
    /// How often accounts and keys follow the users topic, and sshd is
    /// checked: the delay before a removed key or a disabled user loses
    /// access.
    public var tickMs = 200
    /// How often the outbox is brought up to date.
    public var outboxEveryTicks = 5
    /// How often the inboxes are looked at.
    public var inboxTickMs = 250
    /// How long a file in an inbox must stay unchanged (and closed) before
    /// it is taken.
    public var inboxQuietMs = 1_000

    public init(host: String, port: UInt16, root: URL? = nil) {
        self.host = host
        self.port = port
        self.root = root
    }
}

/// Distribution by SFTP (portal.md, docs/sftp.md): OpenSSH's sshd, run and
/// watched by cass, for SFTP only, each company's users chrooted in its
/// tree; accounts and keys kept in line with the users topic; the outbox
/// filled after each close.
public final class SFTPService: @unchecked Sendable {
    // @unchecked: the accounts, outbox and inbox work on `thread` only;
    // `stopped` is a lock.
    let options: SFTPOptions
    let layout: SFTPLayout
    let context: ServiceContext
    let say: @Sendable (String) -> Void
    let supervisor: SSHDSupervisor
    let accounts: SFTPAccounts
    let outbox: SFTPOutbox
    let inbox: SFTPInbox
    private let stopped = Locked(false)
    private let finished = DispatchSemaphore(value: 0)
    private let inboxFinished = DispatchSemaphore(value: 0)
    private var thread: Thread?
    private var inboxThread: Thread?
    private var outboxLock: OutboxLock?
    /// One step at a time: the loop's and those of identity changes.
    private let stepLock = NSLock()
    /// Companies whose tree is made (the inbox thread reads it).
    private let trees = Locked<Set<CompanyID>>([])

    init(options: SFTPOptions, dataDirectory: URL, context: ServiceContext, say: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.layout = SFTPLayout(root: options.root ?? dataDirectory.appendingPathComponent("sftp"), data: dataDirectory)
        self.context = context
        self.say = say
        self.supervisor = SSHDSupervisor(layout: layout, host: options.host, port: options.port, sshd: options.sshd, say: say)
        self.accounts = SFTPAccounts(layout: layout, say: say)
        self.outbox = SFTPOutbox(layout: layout, sources: context.outboxSources, say: say)
        self.inbox = SFTPInbox(layout: layout, context: context, quietMs: options.inboxQuietMs, say: say)
    }

    /// Trees, accounts and keys as the users topic says, then sshd; returns
    /// once sshd accepts connections.
    func start() throws {
        guard geteuid() == 0 else {
            throw ServiceError("--sftp-listen needs root: sshd chroots each company and logs users in as their own system accounts")
        }
        try SFTPTrees.prepareRoot(layout)
        // One writer of these trees (docs/sftp.md): refused at start if a
        // `cass distribute` or another serve process writes them.
        outboxLock = try OutboxLock(root: layout.root)
        try accounts.prepare()
        try step(outboxToo: false)
        try supervisor.prepare()
        try supervisor.start()
        guard supervisor.waitListening(timeoutMs: 15_000) else {
            supervisor.stop()
            throw ServiceError("sshd does not accept connections on \(options.host):\(options.port) (is the port taken? see the sshd lines above)")
        }
        say("listening on sftp://\(options.host):\(options.port) (trees in \(layout.root.path))")
        inbox.recover()
        context.identityCommitted.withLock {
            $0 = { [weak self] in
                do {
                    try self?.step(outboxToo: false)
                } catch {
                    self?.say("\(error)")
                }
            }
        }
        let thread = Thread { [self] in
            cass_thread_set_name("sftp")
            run()
        }
        thread.name = "sftp"
        self.thread = thread
        thread.start()
        let inboxThread = Thread { [self] in
            cass_thread_set_name("sftp-inbox")
            runInbox()
        }
        inboxThread.name = "sftp-inbox"
        self.inboxThread = inboxThread
        inboxThread.start()
    }

    /// The inboxes and the rejection reports, on their own thread: a large
    /// file being submitted never holds up keys and accounts.
    private func runInbox() {
        while !stopped.withLock({ $0 }) {
            if let host = try? HostAccounts.read() {
                let companies = trees.withLock { $0 }
                inbox.scan(companies: companies.sorted(), host: host)
                inbox.report(companies: companies) { host.groupIDs[self.layout.readersGroup($0)] }
            }
            Thread.sleep(forTimeInterval: Double(options.inboxTickMs) / 1_000)
        }
        inboxFinished.signal()
    }

    private func run() {
        var tick = 0
        while !stopped.withLock({ $0 }) {
            supervisor.tick()
            do {
                try step(outboxToo: tick % options.outboxEveryTicks == 0)
            } catch {
                say("\(error)")
            }
            tick &+= 1
            Thread.sleep(forTimeInterval: Double(options.tickMs) / 1_000)
        }
        finished.signal()
    }

    /// One pass: accounts and keys, the trees they need, the outbox.
    func step(outboxToo: Bool) throws {
        try accountsStep(outboxToo: outboxToo)
        // Outside the lock (the loop's thread only calls this with
        // outboxToo): rendering a close's documents never holds up a
        // request whose user change waits for its SFTP step.
        if outboxToo {
            let host = try HostAccounts.read()
            outbox.sync { host.groupIDs[self.layout.readersGroup($0)].map(SFTPOutbox.Owner.group) }
        }
    }

    /// Accounts, keys and the trees they and the outbox need.
    private func accountsStep(outboxToo: Bool) throws {
        stepLock.lock()
        defer { stepLock.unlock() }
        let state = context.identity.snapshot
        let plan = SFTPAccount.plan(state.users.values)
        var companies = Set(plan.accounts.values.map(\.company))
        outbox.withUsers.withLock { $0 = companies }
        if outboxToo { companies.formUnion(outbox.companies()) }
        let missing = companies.subtracting(trees.withLock { $0 })
        if !missing.isEmpty {
            for company in missing.sorted() {
                try accounts.ensureGroup(layout.readersGroup(company))
                if company.kind == .airline { try accounts.ensureGroup(layout.writersGroup(company)) }
            }
            let host = try HostAccounts.read()
            for company in missing.sorted() {
                try SFTPTrees.ensure(company, layout: layout, host: host)
                trees.withLock { _ = $0.insert(company) }
            }
        }
        // Trees before keys: a user who can log in finds their tree there.
        try accounts.reconcile(plan.accounts, refused: plan.refused, users: Set(state.users.keys))
    }

    /// Stops sshd and ends the open sessions.
    func stop() {
        guard !stopped.withLock({ let was = $0; $0 = true; return was }) else { return }
        context.identityCommitted.withLock { $0 = nil }
        if thread != nil { finished.wait() }
        if inboxThread != nil { inboxFinished.wait() }
        supervisor.stop()
        if let host = try? HostAccounts.read() {
            SFTPAccounts.endSessions(uids: Set(host.users.values.filter { $0.gecos == layout.accountMarker }.map(\.uid)))
        }
        // Nothing more is written to the trees: a service started again
        // in this process (or another writer) may take them.
        outboxLock?.release()
        say("sshd stopped")
    }
}
