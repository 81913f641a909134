import CASSLog
import CProcess
import Foundation

/// Runs OpenSSH's server for SFTP only, with a configuration cass writes
/// (docs/sftp.md): starts it, restarts it when it dies (1 s, doubling to
/// 30 s while it keeps dying), stops it on shutdown. sshd logs to stderr
/// (`-e`), which goes to cass's stderr line by line with `sftp: sshd:`.
final class SSHDSupervisor: @unchecked Sendable {
    // @unchecked: `pidRunning`, `restartAt` and `backoffMs` are touched under `lock`.
    let layout: SFTPLayout
    let host: String
    let port: UInt16
    let sshd: String
    let say: @Sendable (String) -> Void
    private let lock = NSLock()
    private var pidRunning: pid_t?
    private var startedAt = Date.distantPast
    private var restartAt: Date?
    private var backoffMs = 1_000
    private var stopping = false
    /// sshd said "Server listening on ..." (its log at INFO).
    private let listening = Locked(false)

    static let backoffMaxMs = 30_000
    /// sshd's privilege separation folder (Debian's service unit makes it).
    static let privilegeSeparation = "/run/sshd"

    init(layout: SFTPLayout, host: String, port: UInt16, sshd: String, say: @escaping @Sendable (String) -> Void) {
        self.layout = layout
        self.host = host
        self.port = port
        self.sshd = sshd
        self.say = say
    }

    /// The configuration: keys only, from the files cass writes per user;
    /// accounts of this installation only; each chrooted in its company's
    /// tree (its home is the chroot link); the SFTP server inside sshd and
    /// nothing else (each key's `restrict,command="internal-sftp ..."` is
    /// the per-user ForceCommand: ForceCommand itself would override the
    /// read-only `-R` of viewer and output keys).
    var configuration: String {
        """
        # Written by cass serve at each start: edits are lost (docs/sftp.md).
        ListenAddress \(host.contains(":") ? "[\(host)]" : host):\(port)
        HostKey \(layout.hostKey.path)
        PidFile \(layout.pidFile.path)
        AuthorizedKeysFile \(layout.keysDirectory.path)/%u
        AuthorizedKeysCommand none
        AllowGroups \(layout.accountsGroup)
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        HostbasedAuthentication no
        UsePAM no
        PermitRootLogin no
        PermitEmptyPasswords no
        StrictModes yes
        ChrootDirectory %h
        Subsystem sftp internal-sftp -d / -u 0002 -P symlink,hardlink,users-groups-by-id -R
        DisableForwarding yes
        AllowTcpForwarding no
        AllowStreamLocalForwarding no
        AllowAgentForwarding no
        X11Forwarding no
        PermitTunnel no
        GatewayPorts no
        PermitTTY no
        PermitUserRC no
        PermitUserEnvironment no
        UseDNS no
        PrintMotd no
        Banner none
        LoginGraceTime 30
        MaxAuthTries 6
        MaxSessions 4
        MaxStartups 20:50:100
        ClientAliveInterval 30
        ClientAliveCountMax 4
        LogLevel INFO

        """
    }

    /// Host key (made once, kept in the data folder so clients' known_hosts
    /// stay valid across restarts), configuration, privilege separation
    /// folder, a test of the whole by `sshd -t`, and a stray sshd of an
    /// earlier run (killed with cass) stopped.
    func prepare() throws {
        guard FileManager.default.isExecutableFile(atPath: sshd) else {
            throw ServiceError("--sftp-listen needs OpenSSH's server at \(sshd): install Debian's openssh-server (scripts/install-deps)")
        }
        try FileManager.default.createDirectory(at: layout.sshdDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if !FileManager.default.fileExists(atPath: layout.hostKey.path) {
            try HostCommand.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "cass-sftp", "-f", layout.hostKey.path])
            say("made the SFTP host key \(layout.hostKey.path)")
        }
        if let fingerprint = try? HostCommand.run("/usr/bin/ssh-keygen", ["-l", "-f", layout.hostKey.path + ".pub"]).output {
            say("host key \(fingerprint)")
        }
        try SFTPFiles.writeAtomically(Array(configuration.utf8), to: layout.configFile, mode: 0o600)
        try FileManager.default.createDirectory(atPath: Self.privilegeSeparation, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        stopStray()
        try HostCommand.run(sshd, ["-t", "-f", layout.configFile.path])
    }

    /// An sshd whose pid file is ours and whose command line names our
    /// configuration: left running by a cass that was killed.
    private func stopStray() {
        guard let text = try? String(contentsOf: layout.pidFile, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1,
              let command = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")),
              String(decoding: command, as: UTF8.self).contains(layout.configFile.path) else { return }
        say("stopping the sshd (pid \(pid)) an earlier run left")
        kill(pid, SIGTERM)
        for _ in 0..<50 where kill(pid, 0) == 0 { Thread.sleep(forTimeInterval: 0.1) }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    }

    func start() throws {
        lock.lock()
        defer { lock.unlock() }
        try launch()
    }

    /// Called under `lock`.
    private func launch() throws {
        // setpriv --pdeathsig: sshd dies with cass even on SIGKILL (the
        // supervising thread spawns it and lives as long as cass).
        let command: (String, [String])
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") {
            command = ("/usr/bin/setpriv", ["--pdeathsig", "TERM", sshd, "-D", "-e", "-f", layout.configFile.path])
        } else {
            command = (sshd, ["-D", "-e", "-f", layout.configFile.path])
        }
        let ends = try HostCommand.pipe()
        let fds = [ends.read, ends.write]
        let pid: pid_t
        do {
            pid = try HostCommand.spawn(command.0, command.1, output: fds[1])
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        close(fds[1])
        let say = self.say
        let reader = fds[0]
        let listening = self.listening
        listening.withLock { $0 = false }
        let logThread = Thread {
            cass_thread_set_name("sshd-log")
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4_096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                pending.append(contentsOf: buffer[0..<count])
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    if line.hasPrefix("Server listening on") { listening.withLock { $0 = true } }
                    say("sshd: " + line)
                    pending.removeSubrange(...newline)
                }
                if pending.count > 16_384 { pending.removeAll() }
            }
            close(reader)
        }
        logThread.name = "sshd-log"
        logThread.start()
        let waiter = Thread { [weak self] in
            cass_thread_set_name("sshd-wait")
            let status = HostCommand.wait(pid)
            self?.ended(pid, status: status)
        }
        waiter.name = "sshd-wait"
        waiter.start()
        self.pidRunning = pid
        startedAt = Date()
        restartAt = nil
    }

    private func ended(_ pid: pid_t, status: Int32) {
        lock.lock()
        defer { lock.unlock() }
        guard pidRunning == pid else { return }
        pidRunning = nil
        if stopping { return }
        // A run that lasted a minute was healthy: start again soon.
        if Date().timeIntervalSince(startedAt) > 60 { backoffMs = 1_000 }
        say("sshd ended (status \(status)); starting it again in \(backoffMs) ms")
        restartAt = Date().addingTimeInterval(Double(backoffMs) / 1_000)
        backoffMs = min(backoffMs * 2, Self.backoffMaxMs)
    }

    /// The supervision step: starts sshd again once its back-off is over.
    func tick() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopping, pidRunning == nil, let restartAt, Date() >= restartAt else { return }
        do {
            try launch()
            say("sshd started again")
        } catch {
            self.restartAt = Date().addingTimeInterval(Double(backoffMs) / 1_000)
            say("cannot start sshd: \(error)")
        }
    }

    /// sshd's pid while it runs (tests kill it to see it come back;
    /// setpriv execs sshd, so the pid is sshd's own).
    var pid: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return pidRunning
    }

    /// Waits until sshd says it listens (a probe connection would only
    /// add a "connection closed" line to its log).
    func waitListening(timeoutMs: Int) -> Bool {
        let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1_000)
        while Date() < deadline {
            if listening.withLock({ $0 }) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// SIGTERM to sshd (it stops listening; open sessions are ended by the
    /// caller), SIGKILL after 5 s.
    func stop() {
        lock.lock()
        stopping = true
        let pid = pidRunning
        lock.unlock()
        guard let pid else { return }
        kill(pid, SIGTERM)
        for _ in 0..<50 where self.pid == pid { Thread.sleep(forTimeInterval: 0.1) }
        if self.pid == pid { kill(pid, SIGKILL) }
        for _ in 0..<50 where self.pid == pid { Thread.sleep(forTimeInterval: 0.1) }
    }
}
