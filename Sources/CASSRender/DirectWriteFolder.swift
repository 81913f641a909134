import Foundation

/// A folder whose new files are written straight under their names, for
/// output that nobody reads until the run says it is whole: `cass settle`'s
/// invoice documents, which count only once the output folder's manifest
/// (written last) lists them. A reader could see a new file half-written,
/// so this is not for folders others read while they fill (the render
/// workers' documents folder writes through `AtomicFile`).
///
/// Why: the atomic route makes each file without a name and links it under
/// its name (`AtomicFile`), two system calls that each walk a path (the
/// link's through /proc). At five documents per invoice that was about 6 %
/// of a close with documents; one `openat` against the open folder does the
/// work of both.
///
/// A name that exists already (`cass settle` run again into the same
/// folder, which keeps the earlier run's documents for this) is rewritten
/// in place when it is a regular file with no other name: its inode, its
/// blocks and its cached pages are used again. Removing thousands of
/// files and making as many new ones cost far more on ext4 without a
/// journal, which skips every inode freed in the last minutes when it
/// looks for a free one (`recently_deleted`): a second run into the same
/// folder took 3.4-4.6 s instead of 1.9 s of wall time, 3.4-6.0 s of
/// system time instead of 0.8. A file with another name (a hard link an
/// archive made) or anything but a regular file is replaced through
/// `AtomicFile` instead, so nothing outside the folder ever changes; a
/// link under the name is never followed.
public final class DirectWriteFolder: Sendable {
    public let path: String
    /// The folder, open for `openat`.
    private let descriptor: Int32

    public enum Failure: Error, CustomStringConvertible {
        case cannotOpen(String, Int32)
        public var description: String {
            switch self {
            case let .cannotOpen(path, code): "cannot open the folder \(path): \(String(cString: strerror(code)))"
            }
        }
    }

    /// Creates the folder if it is missing.
    public init(path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let opened = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard opened >= 0 else { throw Failure.cannotOpen(path, errno) }
        self.path = path
        descriptor = opened
    }

    deinit { close(descriptor) }

    /// Writes `bytes` as the file `name` (one component, no slash) and
    /// returns its status once written, as `AtomicFile.write` does (nil if
    /// fstat failed).
    @discardableResult
    public func write(_ bytes: [UInt8], name: String) throws -> stat? {
        // O_NOFOLLOW: a link under the name fails (ELOOP) and is replaced;
        // O_NONBLOCK: a FIFO under it fails (ENXIO) instead of waiting.
        let file = openat(descriptor, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644)
        guard file >= 0 else { return try replace(bytes, name: name) }
        var found = stat()
        guard fstat(file, &found) == 0, found.st_mode & S_IFMT == S_IFREG, found.st_nlink == 1 else {
            close(file)
            return try replace(bytes, name: name)
        }
        defer { close(file) }
        var failure = AtomicFile.writeAll(bytes, to: file, durable: false)
        // A longer earlier file keeps its tail until cut here.
        if failure == 0, Int64(found.st_size) > Int64(bytes.count), ftruncate(file, off_t(bytes.count)) != 0 { failure = errno }
        guard failure == 0 else {
            unlinkat(descriptor, name, 0)
            throw AtomicFileError.cannotWrite(AtomicFile.join(path, name), failure)
        }
        var info = stat()
        return fstat(file, &info) == 0 ? info : nil
    }

    /// The name replaced atomically by a new file; any failure is reported
    /// by that route, with the file's path.
    private func replace(_ bytes: [UInt8], name: String) throws -> stat? {
        try AtomicFile.write(bytes, toPath: AtomicFile.join(path, name), durable: false)
    }
}
