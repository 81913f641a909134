import CASSLog
import Foundation

/// One writer per outbox root: `cass distribute` and `cass serve
/// --sftp-listen` hold an exclusive flock on `ROOT/.cass-outbox.lock` for
/// as long as they run. Two writers of one tree could both find a document
/// missing and both write it, so the second one is refused at start with
/// the first one's pid, instead of being left to a sentence in the docs.
/// The kernel drops the lock when the process ends, however it ends: a
/// killed writer never leaves a stale lock behind; a writer that stops
/// and starts again in the same process (the service restarted in place)
/// lets go with `release`.
public final class OutboxLock: Sendable {
    public static let fileName = ".cass-outbox.lock"

    /// The locked file's descriptor; -1 once released.
    private let descriptor: Locked<Int32>
    public let path: String

    public init(root: URL) throws(ServiceError) {
        path = root.appendingPathComponent(Self.fileName).path
        // Root only (0600): under cass's sshd the root is the chroot's
        // parent, which no SFTP user can read anyway.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ServiceError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            var holder = ""
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &buffer, buffer.count, 0)
            if count > 0, let text = String(bytes: buffer.prefix(count), encoding: .utf8) {
                holder = text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            close(fd)
            if code == EWOULDBLOCK {
                throw ServiceError("another process (pid \(holder.isEmpty ? "unknown" : holder)) writes the outbox trees in \(root.path): "
                    + "run one `cass distribute` or `cass serve --sftp-listen` per root")
            }
            throw ServiceError("cannot lock \(path): \(String(cString: strerror(code)))")
        }
        // The holder's pid, for the refusal above and for an operator.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        descriptor = Locked(fd)
    }

    /// Lets go of the lock (closing the file drops it); later calls do nothing.
    public func release() {
        descriptor.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    deinit { release() }
}
