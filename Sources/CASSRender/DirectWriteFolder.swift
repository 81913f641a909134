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
/// A name that exists already (a rerun into a kept folder) is replaced
/// through `AtomicFile`, so an old file is never truncated in place.
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
        let file = openat(descriptor, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard file >= 0 else {
            // EEXIST: the file is replaced atomically; any other failure is
            // reported by that route too, with the file's path.
            return try AtomicFile.write(bytes, toPath: AtomicFile.join(path, name), durable: false)
        }
        defer { close(file) }
        let failure = AtomicFile.writeAll(bytes, to: file, durable: false)
        guard failure == 0 else {
            unlinkat(descriptor, name, 0)
            throw AtomicFileError.cannotWrite(AtomicFile.join(path, name), failure)
        }
        var info = stat()
        return fstat(file, &info) == 0 ? info : nil
    }
}
