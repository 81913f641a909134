import Foundation
import Synchronization

/// Writes a file so that readers see either the old content or the whole new
/// one, never a half-written file: write a file in the same folder that has
/// no name yet (Linux) or a temporary one, flush it to disk, then give it the
/// target's name (a link where none exists yet, else a rename over it).
public enum AtomicFile {
    /// `durable: false` skips the fsync: still atomic for readers while the
    /// machine stays up, much faster for bulk output that can be redone.
    public static func write(_ bytes: [UInt8], to url: URL, durable: Bool = true) throws {
        try write(bytes, toPath: url.path, durable: durable)
    }

    /// The same for a plain path: swift-corelibs-foundation's
    /// `appendingPathComponent` and `deletingLastPathComponent` stat the
    /// file system to learn whether a path is a folder, which was eight
    /// stats per invoice document at period close (five documents per
    /// invoice); joined strings need none.
    ///
    /// Returns the file's status as `fstat` gave it once the bytes were
    /// written (nil if it could not): the same inode, size and modification
    /// time the file has under its name after the rename, for a caller that
    /// records what it wrote (`WrittenDigests`) without looking the path up
    /// again.
    @discardableResult
    public static func write(_ bytes: [UInt8], toPath path: String, durable: Bool = true) throws -> stat? {
        let folder = folderPath(of: path)
        if case .written(let status) = try writeUnnamed(bytes, toPath: path, folder: folder, durable: durable) { return status }
        return try writeRenamed(bytes, toPath: path, folder: folder, durable: durable)
    }

    #if os(Linux) && (arch(x86_64) || arch(arm64))
    /// Glibc's O_TMPFILE is a macro Swift does not import: __O_TMPFILE
    /// (the same on x86-64 and arm64) with O_DIRECTORY.
    private static let openUnnamed: Int32 = 0o20000000 | O_DIRECTORY
    #endif

    /// False once the file system of a write refused an unnamed file (not
    /// Linux, no O_TMPFILE support, no /proc): later writes go straight to
    /// the temporary name.
    private static let unnamedWorks = Atomic<Bool>(true)

    /// Linux: the file is made without a name (O_TMPFILE), written, and
    /// linked under the target's name only when whole, so readers still
    /// never see half of it. A target that does not exist yet (every
    /// document of a fresh output folder) then costs one directory entry
    /// made, instead of a temporary one made, removed and the target's made
    /// by the rename: `cass settle` writes five files per invoice. A target
    /// that exists is replaced as before: the unnamed file is linked under a
    /// temporary name and renamed over it, the bytes written once.
    ///
    /// `.unavailable` when unnamed files cannot be used here: the caller
    /// writes under a temporary name instead.
    private static func writeUnnamed(_ bytes: [UInt8], toPath path: String, folder: String, durable: Bool) throws -> UnnamedWrite {
        #if os(Linux) && (arch(x86_64) || arch(arm64))
        guard unnamedWorks.load(ordering: .relaxed) else { return .unavailable }
        var descriptor = open(folder, O_WRONLY | openUnnamed | O_CLOEXEC, 0o644)
        if descriptor < 0 && errno == ENOENT {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            descriptor = open(folder, O_WRONLY | openUnnamed | O_CLOEXEC, 0o644)
        }
        if descriptor < 0 {
            // EOPNOTSUPP, EISDIR (a kernel before 3.11) or EINVAL: this
            // file system cannot. A folder that is a file or cannot be
            // written is reported by the named route, with its path.
            if errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL { unnamedWorks.store(false, ordering: .relaxed) }
            return .unavailable
        }
        defer { close(descriptor) }
        let failure = writeAll(bytes, to: descriptor, durable: durable)
        guard failure == 0 else { throw AtomicFileError.cannotWrite(path, failure) }
        var info = stat()
        let described = fstat(descriptor, &info) == 0
        // linkat with AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; the
        // descriptor's /proc link does not.
        let handle = "/proc/self/fd/\(descriptor)"
        if linkat(AT_FDCWD, handle, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 { return .written(described ? info : nil) }
        guard errno == EEXIST else {
            // No /proc, say: the named route works without it.
            if errno == ENOENT { unnamedWorks.store(false, ordering: .relaxed) }
            return .unavailable
        }
        var temporary = temporaryName(in: folder)
        var linked = linkat(AT_FDCWD, handle, AT_FDCWD, temporary, AT_SYMLINK_FOLLOW) == 0
        if !linked && errno == EEXIST {
            temporary = randomTemporaryName(in: folder)
            linked = linkat(AT_FDCWD, handle, AT_FDCWD, temporary, AT_SYMLINK_FOLLOW) == 0
        }
        guard linked else { throw AtomicFileError.cannotCreate(temporary, errno) }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw AtomicFileError.cannotWrite(path, code)
        }
        return .written(described ? info : nil)
        #else
        return .unavailable
        #endif
    }

    private enum UnnamedWrite {
        /// With the file's status (nil if fstat failed).
        case written(stat?)
        case unavailable
    }

    /// The bytes under a temporary name, renamed over the target.
    private static func writeRenamed(_ bytes: [UInt8], toPath path: String, folder: String, durable: Bool) throws -> stat? {
        var temporary = temporaryName(in: folder)
        var descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        if descriptor < 0 && errno == ENOENT {
            // The folder is missing: made here, not stat'ed before every
            // file (five documents per invoice go into one folder).
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        }
        if descriptor < 0 && errno == EEXIST {
            temporary = randomTemporaryName(in: folder)
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        }
        guard descriptor >= 0 else { throw AtomicFileError.cannotCreate(temporary, errno) }
        let failure = writeAll(bytes, to: descriptor, durable: durable)
        var info = stat()
        let described = failure == 0 && fstat(descriptor, &info) == 0
        close(descriptor)
        guard failure == 0 else {
            unlink(temporary)
            throw AtomicFileError.cannotWrite(path, failure)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw AtomicFileError.cannotWrite(path, code)
        }
        return described ? info : nil
    }

    /// A bounded name whatever the target's (a 250-byte name plus a
    /// suffix would pass the file system's 255), hidden and ending in .tmp
    /// so that a later run recognises one a killed run left. The process id
    /// and a per-process count make it unique without asking the kernel for
    /// random bytes per file.
    private static func temporaryName(in folder: String) -> String {
        join(folder, ".cass-\(processID)-\(String(sequence.add(1, ordering: .relaxed).newValue, radix: 16)).tmp")
    }

    /// For when a killed process of the same id left the counted name behind.
    private static func randomTemporaryName(in folder: String) -> String {
        join(folder, ".cass-\(processID)-\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).tmp")
    }

    /// Writes all of `bytes` (and syncs them if `durable`); the errno of a
    /// failure, 0 if none.
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32, durable: Bool) -> Int32 {
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure == 0 && durable && fsync(descriptor) != 0 { failure = errno }
        return failure
    }

    /// The folder part of `path` as `deletingLastPathComponent` would give
    /// it for a file path: "." for a bare name, "/" for a file at the root.
    static func folderPath(of path: String) -> String {
        var end = path.utf8.endIndex
        // A trailing slash does not name another component.
        while end > path.utf8.startIndex, path.utf8[path.utf8.index(before: end)] == UInt8(ascii: "/") { end = path.utf8.index(before: end) }
        guard let slash = path.utf8[..<end].lastIndex(of: UInt8(ascii: "/")) else { return "." }
        var folderEnd = slash
        while folderEnd > path.utf8.startIndex, path.utf8[path.utf8.index(before: folderEnd)] == UInt8(ascii: "/") { folderEnd = path.utf8.index(before: folderEnd) }
        return folderEnd == path.utf8.startIndex ? "/" : String(path[..<folderEnd])
    }

    /// `folder` + "/" + `name`, without a doubled slash after "/" or "a/".
    public static func join(_ folder: String, _ name: String) -> String {
        folder.utf8.last == UInt8(ascii: "/") ? folder + name : folder + "/" + name
    }

    private static let processID = ProcessInfo.processInfo.processIdentifier
    private static let sequence = Atomic<UInt64>(0)

    public static func write(_ text: String, to url: URL, durable: Bool = true) throws {
        try write(Array(text.utf8), to: url, durable: durable)
    }
}

public enum AtomicFileError: Error, CustomStringConvertible {
    case cannotCreate(String, Int32)
    case cannotWrite(String, Int32)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let code): "cannot create \(path): \(String(cString: strerror(code)))"
        case .cannotWrite(let path, let code): "cannot write \(path): \(String(cString: strerror(code)))"
        }
    }
}
