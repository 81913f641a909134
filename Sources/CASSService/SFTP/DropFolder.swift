import CASSAccess
import CASSLog
import CProcess
import Foundation

/// `cass serve --drop DIR`: the SFTP inbox without SSH, for one-machine
/// use (docs/sftp.md "Drop folder"). Files placed in `DIR/airline-PPP/inbox/`
/// are taken the same way (not `*.part`, unchanged for the quiet time,
/// exactly once through `DIR/.cass/`), submitted for that airline with
/// `submittedBy` = `drop`; refusals and rejection reports go to
/// `DIR/airline-PPP/outbox/reports/`. Whoever can write DIR acts for every
/// airline: give it to the airlines' own system accounts only.
public final class DropFolder: @unchecked Sendable {
    // @unchecked: the inbox works on `thread` only; `stopped` is a lock.
    static let submitter = "drop"
    let layout: SFTPLayout
    let inbox: SFTPInbox
    let tickMs: Int
    private let stopped = Locked(false)
    private let finished = DispatchSemaphore(value: 0)
    private var thread: Thread?

    init(directory: URL, dataDirectory: URL, context: ServiceContext, tickMs: Int = 250, quietMs: Int = 1_000,
         say: @escaping @Sendable (String) -> Void) {
        layout = SFTPLayout(root: directory, data: dataDirectory)
        inbox = SFTPInbox(layout: layout, context: context, quietMs: quietMs, dropSubmitter: Self.submitter, say: say)
        self.tickMs = tickMs
    }

    func start() throws {
        try FileManager.default.createDirectory(at: layout.spool, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        inbox.recover()
        let thread = Thread { [self] in
            cass_thread_set_name("drop-folder")
            run()
        }
        thread.name = "drop-folder"
        self.thread = thread
        thread.start()
    }

    /// The airlines with a folder in DIR; their reports folder made.
    func companies() -> [CompanyID] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: layout.root.path)) ?? []
        return names.compactMap(CompanyID.init).filter { company in
            guard case .airline = company else { return false }
            try? FileManager.default.createDirectory(at: inbox.reportsFolder(company), withIntermediateDirectories: true)
            return true
        }.sorted()
    }

    private func run() {
        let none = HostAccounts()
        while !stopped.withLock({ $0 }) {
            let companies = companies()
            inbox.scan(companies: companies, host: none)
            inbox.report(companies: Set(companies)) { _ in 0 }
            Thread.sleep(forTimeInterval: Double(tickMs) / 1_000)
        }
        finished.signal()
    }

    func stop() {
        guard !stopped.withLock({ let was = $0; $0 = true; return was }) else { return }
        if thread != nil { finished.wait() }
    }
}
