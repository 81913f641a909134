import CASSLog
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the POSIX calls the log makes: each retries EINTR and
/// partial transfers, and fails with an error that names the call and the
/// file, so that a full disk or a failed fsync says where it happened.
enum FileIO {
    static func error(_ call: String, _ path: String, _ code: Int32 = errno) -> LogError {
        LogError("file log: \(call) \(path): \(String(cString: strerror(code))) (errno \(code))")
    }

    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw error("open", path) }
        }
    }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64, path: String) throws -> Int {
        var done = 0
        while done < count {
            let n = Glibc.pread(fd, buffer + done, count - done, off_t(offset) + off_t(done))
            if n > 0 {
                done += n
            } else if n == 0 {
                break
            } else if errno != EINTR {
                throw error("pread", path)
            }
        }
        return done
    }

    static func read(_ fd: Int32, count: Int, at offset: Int64, path: String) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var got = 0
        let bytes = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            got = try read(fd, into: buffer.baseAddress!, count: count, at: offset, path: path)
            initialized = got
        }
        return bytes
    }

    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64, path: String) throws {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = Glibc.pwrite(fd, base + done, bytes.count - done, off_t(offset) + off_t(done))
            if n >= 0 {
                done += n
            } else if errno != EINTR {
                throw error("pwrite", path)
            }
        }
    }

    /// `first` then `second`, contiguous at `offset`, in one `pwritev`
    /// when the kernel takes it whole (the rest is written on after a short write).
    static func write(_ fd: Int32, _ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, at offset: Int64, path: String) throws {
        var done = 0
        while done < first.count, let a = first.baseAddress, let b = second.baseAddress {
            var parts = [iovec(iov_base: UnsafeMutableRawPointer(mutating: a + done), iov_len: first.count - done),
                         iovec(iov_base: UnsafeMutableRawPointer(mutating: b), iov_len: second.count)]
            let n = parts.withUnsafeMutableBufferPointer { Glibc.pwritev(fd, $0.baseAddress, 2, off_t(offset) + off_t(done)) }
            if n >= 0 {
                done += n
            } else if errno != EINTR {
                throw error("pwritev", path)
            }
        }
        // What is left: the rest of `first` (when `second` is empty), then of `second`.
        if done < first.count {
            try write(fd, UnsafeRawBufferPointer(rebasing: first[done...]), at: offset + Int64(done), path: path)
            done = first.count
        }
        let inSecond = done - first.count
        if inSecond < second.count {
            try write(fd, UnsafeRawBufferPointer(rebasing: second[inSecond...]), at: offset + Int64(done), path: path)
        }
    }

    static func write(_ fd: Int32, _ bytes: [UInt8], at offset: Int64, path: String) throws {
        try bytes.withUnsafeBytes { try write(fd, $0, at: offset, path: path) }
    }

    /// Data and the size that reaches it; the rest of the inode's metadata
    /// (times) is not needed to read the records back.
    static func dataSync(_ fd: Int32, path: String) throws {
        while fdatasync(fd) != 0 {
            if errno != EINTR { throw error("fdatasync", path) }
        }
    }

    static func sync(_ fd: Int32, path: String) throws {
        while fsync(fd) != 0 {
            if errno != EINTR { throw error("fsync", path) }
        }
    }

    /// A new or renamed or removed entry is durable only once its folder is synced.
    static func syncDirectory(_ path: String) throws {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try sync(fd, path: path)
    }

    static func size(_ fd: Int32, path: String) throws -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw error("fstat", path) }
        return Int64(info.st_size)
    }

    static func truncate(_ fd: Int32, to size: Int64, path: String) throws {
        while ftruncate(fd, off_t(size)) != 0 {
            if errno != EINTR { throw error("ftruncate", path) }
        }
    }

    static func rename(_ from: String, _ to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw error("rename \(from) to", to) }
    }

    /// Removes a file; one already gone is not an error.
    static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw error("unlink", path) }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Creates a folder; one that exists is not an error.
    static func makeDirectory(_ path: String) throws {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw error("mkdir", path) }
    }

    static func removeDirectory(_ path: String) throws {
        guard rmdir(path) == 0 || errno == ENOENT else { throw error("rmdir", path) }
    }

    /// Names in a folder, sorted, without "." and "..".
    static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw error("opendir", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The whole file, or nil if it does not exist.
    static func readFile(_ path: String, limit: Int = 1 << 20) throws -> [UInt8]? {
        let fd: Int32
        do {
            fd = try open(path, O_RDONLY)
        } catch {
            if errno == ENOENT { return nil }
            throw error
        }
        defer { close(fd) }
        let size = try size(fd, path: path)
        guard size <= limit else { throw LogError("file log: \(path) is \(size) bytes, more than the \(limit) expected") }
        return try read(fd, count: Int(size), at: 0, path: path)
    }

    /// Replaces a small file so that a crash leaves the old or the new
    /// content, never a mix: write a temporary, sync it, rename, sync the folder.
    static func writeAtomically(_ path: String, _ bytes: [UInt8], sync: Bool = true) throws {
        let temporary = path + ".tmp"
        let fd = try open(temporary, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try write(fd, bytes, at: 0, path: temporary)
            if sync { try dataSync(fd, path: temporary) }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        try rename(temporary, path)
        if sync { try syncDirectory((path as NSString).deletingLastPathComponent) }
    }
}

/// Milliseconds since 1970 by the wall clock: record timestamps, retention
/// and the tombstone delay.
func wallClockMs() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
}

/// Monotonic nanoseconds, for timeouts and flush deadlines.
func monotonicNs() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}
