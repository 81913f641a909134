import Foundation
import Synchronization

/// Writes a file so that readers see either the old content or the whole new
/// one, never a half-written file: write a temporary file in the same
/// folder, flush it to disk, then rename it over the target.
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
        // A bounded name whatever the target's (a 250-byte name plus a
        // suffix would pass the file system's 255), hidden and ending in
        // .tmp so that a later run recognises one a killed run left. The
        // process id and a per-process count make it unique without asking
        // the kernel for random bytes per file; a name a killed process of
        // the same id left behind is skipped with a random one.
        var temporary = join(folder, ".cass-\(processID)-\(String(sequence.add(1, ordering: .relaxed).newValue, radix: 16)).tmp")
        var descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        if descriptor < 0 && errno == ENOENT {
            // The folder is missing: made here, not stat'ed before every
            // file (five documents per invoice go into one folder).
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        }
        if descriptor < 0 && errno == EEXIST {
            temporary = join(folder, ".cass-\(processID)-\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).tmp")
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        }
        guard descriptor >= 0 else { throw AtomicFileError.cannotCreate(temporary, errno) }
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
