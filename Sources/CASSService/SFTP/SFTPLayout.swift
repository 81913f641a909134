import CASSAccess
import CASSCrypto
import Foundation

/// Where the SFTP side keeps everything (docs/sftp.md):
/// - the companies' trees under the SFTP root (`--sftp-root`, default
///   DATA/sftp): `ROOT/COMPANY/{inbox,outbox}`, plus `ROOT/.cass/` where
///   inbox files wait while they are taken;
/// - sshd's configuration, host keys and pid file in `DATA/sshd/`;
/// - what sshd reads at each login (authorized keys per user, the chroot
///   of each company) in a runtime folder `/run/cass-sftp-TAG/`, rebuilt at
///   every start.
///
/// TAG (6 hex digits of the SFTP root's SHA-256) names this installation's
/// system groups and runtime folder, so that two services on one machine
/// (or test runs) never manage each other's accounts.
struct SFTPLayout: Sendable {
    let root: URL
    let sshdDirectory: URL
    let tag: String
    let runtime: URL

    init(root: URL, data: URL, runtimeBase: String = "/run") {
        self.root = root.standardizedFileURL.resolvingSymlinksInPath()
        self.sshdDirectory = data.appendingPathComponent("sshd")
        self.tag = String(Hex.encode(SHA256.hash(self.root.path)).prefix(6))
        self.runtime = URL(fileURLWithPath: runtimeBase).appendingPathComponent("cass-sftp-\(tag)")
    }

    var spool: URL { root.appendingPathComponent(".cass") }
    var keysDirectory: URL { runtime.appendingPathComponent("keys") }
    var chrootsDirectory: URL { runtime.appendingPathComponent("roots") }
    var configFile: URL { sshdDirectory.appendingPathComponent("sshd_config") }
    var hostKey: URL { sshdDirectory.appendingPathComponent("ssh_host_ed25519_key") }
    var pidFile: URL { sshdDirectory.appendingPathComponent("sshd.pid") }

    func tree(_ company: CompanyID) -> URL { root.appendingPathComponent(company.description) }
    func inbox(_ company: CompanyID) -> URL { tree(company).appendingPathComponent("inbox") }
    func outbox(_ company: CompanyID) -> URL { tree(company).appendingPathComponent("outbox") }
    /// The path sshd chroots a company's users into: a link in the runtime
    /// folder to the company's tree (see `checkRootPath`).
    func chroot(_ company: CompanyID) -> URL { chrootsDirectory.appendingPathComponent(company.description) }

    /// Every SFTP account of this installation has this primary group
    /// (sshd's `AllowGroups`: no other account of the host logs in).
    var accountsGroup: String { "c\(tag)-sftp" }
    /// A company's users (they read its tree).
    func readersGroup(_ company: CompanyID) -> String { "c\(tag)-\(company.description.lowercased())" }
    /// A company's users who may put files in its inbox.
    func writersGroup(_ company: CompanyID) -> String { "w\(tag)-\(company.description.lowercased())" }
    /// The GECOS field that marks an account as this installation's.
    var accountMarker: String { "OpenCASS SFTP \(tag)" }

    /// sshd refuses a chroot when a folder on its path is not root's or is
    /// writable by others, because whoever can write there could swap the
    /// tree for one of their making. The trees live under the data folder,
    /// often below /tmp (mode 1777): the sticky bit already keeps anyone
    /// but root from renaming root's folders there, so this check accepts
    /// a world-writable folder when it is sticky, and everything else
    /// exactly as sshd does (every folder root's, none group- or
    /// other-writable). sshd is then given links in /run, a path it accepts.
    static func checkRootPath(_ url: URL) throws {
        var path = ""
        var components = url.standardizedFileURL.pathComponents
        if components.first == "/" { components.removeFirst() }
        var checked = ["/"]
        for component in components {
            path += "/" + component
            checked.append(path)
        }
        for folder in checked {
            var info = stat()
            guard lstat(folder, &info) == 0 else { throw ServiceError("--sftp-root: cannot read \(folder): \(String(cString: strerror(errno)))") }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw ServiceError("--sftp-root: \(folder) is not a folder (a link on the path? give the real path)")
            }
            guard info.st_uid == 0 else {
                throw ServiceError("--sftp-root: \(folder) belongs to uid \(info.st_uid), not root; sshd chroots only below folders that root owns: choose another --sftp-root (for example /srv/cass-sftp)")
            }
            let writable = info.st_mode & (S_IWGRP | S_IWOTH) != 0
            let sticky = info.st_mode & S_ISVTX != 0
            guard !writable || sticky else {
                throw ServiceError("--sftp-root: \(folder) is writable by group or others (mode \(String(info.st_mode & 0o7777, radix: 8))); sshd refuses chroots below it: choose another --sftp-root or chmod go-w \(folder)")
            }
        }
    }
}
