import CASSAccess
import Foundation

/// Small file operations of the SFTP side, with the modes and owners the
/// trees need.
enum SFTPFiles {
    /// Writes through a temporary name and renames, so that an SFTP client
    /// never lists a half-written document.
    /// `group` nil: the file stays the running user's (only its mode is set).
    static func writeAtomically(_ bytes: [UInt8], to url: URL, mode: Int, group: UInt32? = 0) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UInt32.random(in: 0...UInt32.max)).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(bytes),
                                             attributes: [.posixPermissions: mode]) else {
            throw ServiceError("cannot write \(temporary.path): \(String(cString: strerror(errno)))")
        }
        do {
            try own(temporary, group: group, mode: mode)
            guard rename(temporary.path, url.path) == 0 else {
                throw ServiceError("cannot rename \(temporary.path) to \(url.lastPathComponent): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// root:group and the mode, on the item itself (never through a link);
    /// `group` nil: only the mode (the running user keeps it).
    static func own(_ url: URL, group: UInt32?, mode: Int) throws {
        if let group, lchown(url.path, 0, group) != 0 { throw ServiceError("cannot chown \(url.path): \(String(cString: strerror(errno)))") }
        guard chmod(url.path, mode_t(mode)) == 0 else { throw ServiceError("cannot chmod \(url.path): \(String(cString: strerror(errno)))") }
    }

    /// A folder root:group with the mode (made if missing; a link or file
    /// in its place is an error, never followed).
    static func folder(_ url: URL, group: UInt32?, mode: Int) throws {
        var info = stat()
        if lstat(url.path, &info) != 0 {
            guard mkdir(url.path, 0o700) == 0 || errno == EEXIST else {
                throw ServiceError("cannot make \(url.path): \(String(cString: strerror(errno)))")
            }
        } else if info.st_mode & S_IFMT != S_IFDIR {
            throw ServiceError("\(url.path) should be a folder and is not")
        } else if Int(info.st_mode & 0o7777) == mode, group.map({ info.st_uid == 0 && info.st_gid == $0 }) ?? true {
            return
        }
        try own(url, group: group, mode: mode)
    }
}

/// The companies' trees under the SFTP root (portal.md "Distribution by
/// SFTP"), with the owners and modes that let sshd chroot into them and
/// let only the right users in:
///
///     ROOT/                 root:root 0711  (nobody lists the companies)
///     ROOT/.cass/           root:root 0700  (inbox files being taken)
///     ROOT/COMPANY/         root:C    0750  the chroot (C: the company's users)
///     ROOT/COMPANY/inbox/   root:W    2775  airlines only (W: its input/admin users
///                                           write; the company's other users list and get;
///                                           setgid: files put there stay W's)
///     ROOT/COMPANY/outbox/  root:C    0750  and all below it; documents root:C 0640
enum SFTPTrees {
    static func prepareRoot(_ layout: SFTPLayout) throws {
        try FileManager.default.createDirectory(at: layout.root, withIntermediateDirectories: true)
        try SFTPFiles.folder(layout.root, group: 0, mode: 0o711)
        try SFTPFiles.folder(layout.spool, group: 0, mode: 0o700)
        try SFTPLayout.checkRootPath(layout.root)
    }

    /// Makes the company's tree (idempotent) and the link sshd chroots
    /// through.
    static func ensure(_ company: CompanyID, layout: SFTPLayout, host: HostAccounts) throws {
        guard let readers = host.groupIDs[layout.readersGroup(company)] else {
            throw ServiceError("the group \(layout.readersGroup(company)) is missing")
        }
        try SFTPFiles.folder(layout.tree(company), group: readers, mode: 0o750)
        try SFTPFiles.folder(layout.outbox(company), group: readers, mode: 0o750)
        try SFTPFiles.folder(layout.outbox(company).appendingPathComponent("reports"), group: readers, mode: 0o750)
        if company.kind == .airline {
            guard let writers = host.groupIDs[layout.writersGroup(company)] else {
                throw ServiceError("the group \(layout.writersGroup(company)) is missing")
            }
            try SFTPFiles.folder(layout.inbox(company), group: writers, mode: 0o2775)
        }
        let link = layout.chroot(company)
        let target = layout.tree(company).path
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: link.path)) != target {
            try? FileManager.default.removeItem(at: link)
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target)
        }
    }
}
