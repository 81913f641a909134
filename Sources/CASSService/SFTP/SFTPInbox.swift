import CASSAccess
import CASSDomain
import CASSEngine
import CASSHTTP
import Foundation

/// Takes the billing files airlines put into `inbox/` (portal.md) and
/// writes each file's rejection report into `outbox/reports/`.
///
/// A file is taken once it is complete: not named `*.part`, not open in any
/// SFTP session, and unchanged for `quietMs`. Taking it exactly once, even
/// if cass stops half way:
/// 1. `ROOT/.cass/ID.json` names the file (company, user, name) under a
///    new file id;
/// 2. the file is renamed from the inbox to `ROOT/.cass/ID` (it has left
///    the inbox: the client sees it go);
/// 3. it is submitted as the user, under that id (`submitFile` answers a
///    known id with the file as it stands, so a repeat after a crash
///    between 3 and 4 adds nothing);
/// 4. both spool files go.
/// At start the spool is finished first: a `.json` without its data file
/// (a crash between 1 and 2) is dropped, the file still being in the inbox.
final class SFTPInbox: @unchecked Sendable {
    // @unchecked: used from the inbox thread only.
    let layout: SFTPLayout
    let context: ServiceContext
    let say: @Sendable (String) -> Void
    let quietMs: Int
    /// The drop folder (`--drop`): files are nobody's account, and are
    /// submitted as this name for the airline whose folder they are in.
    let dropSubmitter: String?
    /// Files seen in an inbox and not yet taken: their size, change time
    /// and when they were first seen so.
    private var seen: [String: (size: Int64, changed: Int64, since: Date)] = [:]
    /// Files whose report is in the outbox (or that have none to give).
    private var reported: Set<String> = []

    /// At most this many files taken per pass, so that reports and other
    /// inboxes are not held up by one airline's burst.
    static let takenPerPassMax = 32

    struct Taking: Codable {
        var id: String
        var company: String
        var username: String
        var name: String
    }

    init(layout: SFTPLayout, context: ServiceContext, quietMs: Int, dropSubmitter: String? = nil, say: @escaping @Sendable (String) -> Void) {
        self.layout = layout
        self.dropSubmitter = dropSubmitter
        self.context = context
        self.quietMs = quietMs
        self.say = say
    }

    /// Finishes what a previous run left in the spool.
    func recover() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: layout.spool.path) else { return }
        for name in names.sorted() where name.hasSuffix(".json") {
            let meta = layout.spool.appendingPathComponent(name)
            let data = layout.spool.appendingPathComponent(String(name.dropLast(5)))
            guard FileManager.default.fileExists(atPath: data.path),
                  let bytes = try? Data(contentsOf: meta), let taking = try? JSONDecoder().decode(Taking.self, from: bytes) else {
                try? FileManager.default.removeItem(at: meta)
                continue
            }
            submit(taking)
        }
    }

    /// One pass over the airlines' inboxes.
    func scan(companies: [CompanyID], host: HostAccounts) {
        let accounts = Dictionary(host.users.values.filter { $0.gecos == layout.accountMarker }.map { ($0.uid, $0.name) }, uniquingKeysWith: { a, _ in a })
        let open = Self.openFiles(uids: Set(accounts.keys))
        var stillThere: Set<String> = []
        var taken = 0
        for company in companies where company.kind == .airline {
            let inbox = layout.inbox(company)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: inbox.path) else { continue }
            var ready: [(name: String, changed: Int64, owner: UInt32)] = []
            for name in names where !name.hasSuffix(".part") {
                let path = inbox.appendingPathComponent(name).path
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                // Only plain files (links cannot be made: -P symlink,hardlink;
                // a folder is left alone).
                guard info.st_mode & S_IFMT == S_IFREG else { continue }
                stillThere.insert(path)
                let size = Int64(info.st_size)
                let changed = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
                if let before = seen[path], before.size == size, before.changed == changed {
                    guard Date().timeIntervalSince(before.since) * 1_000 >= Double(quietMs) else { continue }
                } else {
                    seen[path] = (size, changed, Date())
                    continue
                }
                if open.contains(FileKey(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))) { continue }
                ready.append((name, changed, info.st_uid))
            }
            for file in ready.sorted(by: { ($0.changed, $0.name) < ($1.changed, $1.name) }) where taken < Self.takenPerPassMax {
                taken += 1
                take(file.name, company: company, username: dropSubmitter ?? accounts[file.owner])
                seen[inbox.appendingPathComponent(file.name).path] = nil
            }
        }
        seen = seen.filter { stillThere.contains($0.key) }
    }

    private func take(_ name: String, company: CompanyID, username: String?) {
        let source = layout.inbox(company).appendingPathComponent(name)
        guard let username else {
            refuse(name, company: company, reason: "it was not put by a user of \(company) (its owner is no SFTP account of this service)")
            try? FileManager.default.removeItem(at: source)
            return
        }
        let id: String
        do {
            id = try ServiceContext.newFileID()
        } catch {
            say("inbox of \(company): \(error)")
            return
        }
        let taking = Taking(id: id, company: company.description, username: username, name: name)
        let meta = layout.spool.appendingPathComponent("\(id).json")
        do {
            try SFTPFiles.writeAtomically(Array(try JSONEncoder().encode(taking)), to: meta, mode: 0o600)
        } catch {
            say("inbox of \(company): cannot note \(name) in the spool: \(error)")
            return
        }
        guard rename(source.path, layout.spool.appendingPathComponent(id).path) == 0 else {
            say("inbox of \(company): cannot take \(name): \(String(cString: strerror(errno)))")
            try? FileManager.default.removeItem(at: meta)
            return
        }
        submit(taking)
    }

    /// Step 3 and 4; a refusal (bad name, another airline's header, too
    /// large, the user gone) becomes a report in the outbox. When the log
    /// cannot be reached, both spool files stay for the next start.
    private func submit(_ taking: Taking) {
        let data = layout.spool.appendingPathComponent(taking.id)
        let meta = layout.spool.appendingPathComponent("\(taking.id).json")
        let done = {
            try? FileManager.default.removeItem(at: data)
            try? FileManager.default.removeItem(at: meta)
        }
        guard let company = CompanyID(taking.company) else { return done() }
        let principal: Principal
        if let dropSubmitter, case .airline = company {
            principal = Principal(username: dropSubmitter, company: company, role: .input)
        } else if let user = context.identity.read({ $0.user(taking.username) }), user.company == company {
            principal = user.principal
        } else {
            refuse(taking.name, company: company, reason: "its user \(taking.username) no longer exists")
            return done()
        }
        do {
            let submitted = try context.submitFile(at: data.path, name: taking.name, principal: principal, id: taking.id)
            say("inbox of \(company): took \(taking.name) from \(taking.username) as file \(submitted.id)")
            done()
        } catch let problem as HTTPError where (400..<500).contains(Int(problem.status.code)) {
            refuse(taking.name, company: company, reason: problem.detail)
            done()
        } catch {
            say("inbox of \(company): cannot submit \(taking.name) (kept in \(data.path) for the next start): \(error)")
        }
    }

    private func refuse(_ name: String, company: CompanyID, reason: String) {
        say("inbox of \(company): refused \(name): \(reason)")
        let text = "\(name) was not taken: \(reason)\n"
        do {
            let group = try HostAccounts.read().groupIDs[layout.readersGroup(company)] ?? 0
            try SFTPFiles.writeAtomically(Array(text.utf8), to: reportsFolder(company).appendingPathComponent("\(Self.safe(name)).refused.txt"),
                                          mode: 0o640, group: group)
        } catch {
            say("outbox of \(company): cannot write the refusal of \(name): \(error)")
        }
    }

    func reportsFolder(_ company: CompanyID) -> URL { layout.outbox(company).appendingPathComponent("reports") }

    /// A file name as it may stand in the outbox (names come from users).
    static func safe(_ name: String) -> String {
        let cleaned = String(name.unicodeScalars.map { scalar -> Character in
            let ok = (scalar.value >= 0x30 && scalar.value <= 0x39) || (scalar.value >= 0x41 && scalar.value <= 0x5A)
                || (scalar.value >= 0x61 && scalar.value <= 0x7A) || scalar == "." || scalar == "_" || scalar == "-"
            return ok ? Character(scalar) : "_"
        }.prefix(200))
        return cleaned.hasPrefix(".") ? "_" + cleaned.dropFirst() : cleaned
    }

    /// Rejection reports: for every file of these airlines the pipeline has
    /// decided, `outbox/reports/NAME.ID.rejections.csv` (rejections.csv's
    /// columns, then field and message), written once.
    func report(companies: Set<CompanyID>, groups: (CompanyID) -> UInt32?) {
        for file in context.files.all() where !reported.contains(file.id) {
            guard file.status == .accepted || file.status == .rejected else { continue }
            guard let owner = file.owner, companies.contains(owner), let group = groups(owner) else { continue }
            let target = reportsFolder(owner).appendingPathComponent("\(Self.safe(file.name)).\(file.id.prefix(8)).rejections.csv")
            if !FileManager.default.fileExists(atPath: target.path) {
                var text = "file,airline,country,period,sequence,code,awb,field,message\n"
                for rejection in RejectionOrder.sorted(context.files.rejections(of: file.id)) {
                    text += [rejection.file, rejection.airline, rejection.country, rejection.period, String(rejection.sequence),
                             rejection.code.rawValue, rejection.awb, rejection.problem.field, rejection.problem.message]
                        .map(CSV.escape).joined(separator: ",") + "\n"
                }
                do {
                    try SFTPFiles.writeAtomically(Array(text.utf8), to: target, mode: 0o640, group: group)
                } catch {
                    say("outbox of \(owner): cannot write the report of \(file.name): \(error)")
                    continue
                }
            }
            reported.insert(file.id)
        }
    }

    struct FileKey: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    /// The files open in processes of these accounts (their SFTP sessions):
    /// a put still in progress.
    static func openFiles(uids: Set<UInt32>) -> Set<FileKey> {
        guard !uids.isEmpty, let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var open: Set<FileKey> = []
        for entry in entries {
            guard Int32(entry) != nil else { continue }
            var info = stat()
            guard stat("/proc/\(entry)", &info) == 0, uids.contains(info.st_uid),
                  let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(entry)/fd") else { continue }
            for fd in fds {
                var target = stat()
                if stat("/proc/\(entry)/fd/\(fd)", &target) == 0, target.st_mode & S_IFMT == S_IFREG {
                    open.insert(FileKey(device: UInt64(target.st_dev), inode: UInt64(target.st_ino)))
                }
            }
        }
        return open
    }
}
