import CASSAccess
import Foundation

/// One portal user as sshd sees them: a system account named after the
/// user, chrooted into its company's tree, with its registered keys.
struct SFTPAccount: Sendable, Hashable {
    var username: String
    var company: CompanyID
    /// `input` and `admin` users of an airline put files into its inbox;
    /// everyone else only lists and gets.
    var writes: Bool
    var keys: [String]

    /// Longest name `useradd` takes (the utmp field).
    static let usernameBytesMax = 32

    /// Who gets an account, and why the others do not: an enabled user
    /// of an airline, agent or agent group with at least one key, whose
    /// scope is every operation (a regional user would see the whole
    /// company's tree), with a name the system takes.
    static func plan(_ users: some Sequence<UserRecord>) -> (accounts: [String: SFTPAccount], refused: [String: String]) {
        var accounts: [String: SFTPAccount] = [:]
        var refused: [String: String] = [:]
        for user in users where !user.sshKeys.isEmpty {
            if user.disabled { continue }
            if let problem = refusal(user) {
                refused[user.username] = problem
                continue
            }
            let writes = user.company.kind == .airline && (user.role == .input || user.role == .admin)
            accounts[user.username] = SFTPAccount(username: user.username, company: user.company, writes: writes, keys: user.sshKeys)
        }
        return (accounts, refused)
    }

    static func refusal(_ user: UserRecord) -> String? {
        if user.company.kind == .operator { return "users of the cass operator have no SFTP tree" }
        if user.operations != .all { return "a regional user (operations \(user.operations.list)) would see every operation's documents in the company's tree" }
        if user.username.utf8.count > usernameBytesMax { return "the system takes usernames of at most \(usernameBytesMax) characters" }
        guard let first = user.username.utf8.first, first != UInt8(ascii: "-"), first != UInt8(ascii: ".") else {
            return "the system takes no username starting with '-' or '.'"
        }
        return nil
    }

    /// The authorized_keys lines sshd reads for this user: every session
    /// runs OpenSSH's in-process SFTP server and nothing else (`restrict`
    /// also turns off forwarding, X11, agent and TTY), starting in the
    /// tree's top, without links (a link made inside the chroot would be
    /// followed by cass outside it), read-only unless the user writes.
    var authorizedKeys: String {
        var command = "internal-sftp -d / -u 0002 -P symlink,hardlink,users-groups-by-id"
        if !writes { command += " -R" }
        return keys.map { "restrict,command=\"\(command)\" \($0)\n" }.joined()
    }
}

/// A line of /etc/passwd or /etc/group, as far as the SFTP side needs it.
struct HostAccounts {
    struct User {
        var name: String
        var uid: UInt32
        var gid: UInt32
        var gecos: String
        var home: String
    }

    var users: [String: User] = [:]
    var groupIDs: [String: UInt32] = [:]
    /// Supplementary members of each group.
    var members: [String: Set<String>] = [:]

    /// Read from the files themselves: the accounts cass makes are local
    /// ones (useradd writes these files), and this stays thread-safe,
    /// unlike getpwent.
    static func read(passwd: String = "/etc/passwd", group: String = "/etc/group") throws -> HostAccounts {
        var host = HostAccounts()
        for line in try String(contentsOfFile: passwd, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 7, let uid = UInt32(fields[2]), let gid = UInt32(fields[3]) else { continue }
            host.users[String(fields[0])] = User(name: String(fields[0]), uid: uid, gid: gid, gecos: String(fields[4]), home: String(fields[5]))
        }
        for line in try String(contentsOfFile: group, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 4, let gid = UInt32(fields[2]) else { continue }
            let name = String(fields[0])
            host.groupIDs[name] = gid
            host.members[name] = Set(fields[3].split(separator: ",").map(String.init))
        }
        return host
    }

    func groups(of user: String) -> Set<String> {
        Set(members.compactMap { $0.value.contains(user) ? $0.key : nil })
    }
}

/// Makes the host's accounts and sshd's key files what the users topic
/// says, and ends the sessions of users who lost access.
final class SFTPAccounts: @unchecked Sendable {
    // @unchecked: used from the SFTP service's one thread only.
    let layout: SFTPLayout
    let say: @Sendable (String) -> Void
    /// What the key files say now, per username.
    private(set) var applied: [String: SFTPAccount] = [:]
    private var refusedSaid: [String: String] = [:]
    private var groupsMade: Set<String> = []
    private var lastUsers: Set<String> = []
    private var reconciledOnce = false

    static let useradd = "/usr/sbin/useradd"
    static let usermod = "/usr/sbin/usermod"
    static let userdel = "/usr/sbin/userdel"
    static let groupadd = "/usr/sbin/groupadd"
    static let groupdel = "/usr/sbin/groupdel"
    static let nologin = "/usr/sbin/nologin"

    init(layout: SFTPLayout, say: @escaping @Sendable (String) -> Void) {
        self.layout = layout
        self.say = say
    }

    /// The runtime folder, empty of keys: nobody logs in on what a
    /// previous run left until `reconcile` has written it again.
    func prepare() throws {
        let manager = FileManager.default
        try? manager.removeItem(at: layout.keysDirectory)
        for folder in [layout.runtime, layout.keysDirectory, layout.chrootsDirectory] {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            try manager.setAttributes([.posixPermissions: 0o755, .ownerAccountID: 0, .groupOwnerAccountID: 0], ofItemAtPath: folder.path)
        }
        try ensureGroup(layout.accountsGroup)
        applied = [:]
        reconciledOnce = false
    }

    func ensureGroup(_ name: String) throws {
        guard !groupsMade.contains(name) else { return }
        // -f: success when it exists already (another start made it).
        try HostCommand.runLocked(Self.groupadd, ["-f", name])
        groupsMade.insert(name)
    }

    /// Brings accounts and key files in line with `wanted`; `users` are
    /// every portal username (an account whose user is gone is removed;
    /// one whose user is disabled or keyless stays, without keys, so that
    /// files it put are still attributed to it).
    func reconcile(_ wanted: [String: SFTPAccount], refused: [String: String], users: Set<String>) throws {
        for (name, reason) in refused where refusedSaid[name] != reason {
            say("no SFTP access for \(name): \(reason)")
        }
        refusedSaid = refused
        // Nothing to do unless the accounts wanted or the users changed (a
        // user deleted after being disabled still loses its account).
        guard wanted != applied || users != lastUsers || !reconciledOnce else { return }
        var host = try HostAccounts.read()
        var endSessions: Set<String> = []
        for account in wanted.values.sorted(by: { $0.username < $1.username }) {
            if let existing = host.users[account.username], existing.gecos != layout.accountMarker {
                if refusedSaid[account.username] == nil {
                    say("no SFTP access for \(account.username): the host already has a system account of that name")
                    refusedSaid[account.username] = "host account"
                }
                continue
            }
            do {
                try ensureAccount(account, host: &host)
                try writeKeys(account)
            } catch {
                say("SFTP account \(account.username): \(error)")
                continue
            }
            if let before = applied[account.username],
               !Set(before.keys).isSubset(of: Set(account.keys)) || (before.writes && !account.writes) || before.company != account.company {
                endSessions.insert(account.username)
            }
            applied[account.username] = account
        }
        for name in applied.keys where wanted[name] == nil {
            try? FileManager.default.removeItem(at: layout.keysDirectory.appendingPathComponent(name))
            applied[name] = nil
            endSessions.insert(name)
        }
        // Accounts of users that no longer exist go (users deleted while
        // the service was down included).
        for user in host.users.values where user.gecos == layout.accountMarker && !users.contains(user.name) {
            try? FileManager.default.removeItem(at: layout.keysDirectory.appendingPathComponent(user.name))
            endSessions.insert(user.name)
        }
        if !endSessions.isEmpty {
            let uids = Set(endSessions.compactMap { host.users[$0]?.gecos == layout.accountMarker ? host.users[$0]?.uid : nil })
            Self.endSessions(uids: uids)
        }
        for user in host.users.values where user.gecos == layout.accountMarker && !users.contains(user.name) {
            do {
                try HostCommand.runLocked(Self.userdel, ["--", user.name])
                say("removed the SFTP account of \(user.name) (no such user any more)")
            } catch {
                say("cannot remove the SFTP account \(user.name): \(error)")
            }
        }
        reconciledOnce = true
        lastUsers = users
    }

    private func ensureAccount(_ account: SFTPAccount, host: inout HostAccounts) throws {
        var groups = [layout.readersGroup(account.company)]
        if account.writes { groups.append(layout.writersGroup(account.company)) }
        for group in groups { try ensureGroup(group) }
        let home = layout.chroot(account.company).path
        if let existing = host.users[account.username] {
            let current = host.groups(of: account.username).filter { $0.hasPrefix("c\(layout.tag)-") || $0.hasPrefix("w\(layout.tag)-") }
            guard existing.home != home || current != Set(groups) else { return }
            try HostCommand.runLocked(Self.usermod, ["-d", home, "-G", groups.joined(separator: ","), "--", account.username])
        } else {
            // A password field of `*`: no password logs in, yet the account
            // is not "locked" (sshd refuses locked accounts even for keys
            // when PAM is off).
            try HostCommand.runLocked(Self.useradd, [
                "--badname", "-M", "-N", "-g", layout.accountsGroup, "-G", groups.joined(separator: ","), "-s", Self.nologin,
                "-d", home, "-c", layout.accountMarker, "-p", "*", "--", account.username,
            ])
            say("made the SFTP account \(account.username) (\(account.company), \(account.writes ? "read-write" : "read-only"))")
        }
        host = try HostAccounts.read()
    }

    private func writeKeys(_ account: SFTPAccount) throws {
        let file = layout.keysDirectory.appendingPathComponent(account.username)
        let text = account.authorizedKeys
        if applied[account.username]?.authorizedKeys == text, FileManager.default.fileExists(atPath: file.path) { return }
        try SFTPFiles.writeAtomically(Array(text.utf8), to: file, mode: 0o644)
    }

    /// Ends the SFTP sessions of these accounts: each session's unprivileged
    /// sshd process runs as the user (the accounts run nothing else).
    static func endSessions(uids: Set<UInt32>) {
        guard !uids.isEmpty, let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return }
        for entry in entries {
            guard let pid = Int32(entry), pid > 1,
                  let status = try? String(contentsOfFile: "/proc/\(entry)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }) else { continue }
            let ids = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().compactMap { UInt32($0) }
            if let real = ids.first, uids.contains(real) { kill(pid, SIGTERM) }
        }
    }

    /// Removes every account and group of this installation (tests, and
    /// `docs/sftp.md`'s clean-up).
    static func removeAll(layout: SFTPLayout) throws {
        let host = try HostAccounts.read()
        let ours = host.users.values.filter { $0.gecos == layout.accountMarker }
        endSessions(uids: Set(ours.map(\.uid)))
        for user in ours { try HostCommand.runLocked(userdel, ["--", user.name]) }
        for group in host.groupIDs.keys where group.hasPrefix("c\(layout.tag)-") || group.hasPrefix("w\(layout.tag)-") {
            try HostCommand.runLocked(groupdel, ["--", group])
        }
        try? FileManager.default.removeItem(at: layout.runtime)
    }
}
