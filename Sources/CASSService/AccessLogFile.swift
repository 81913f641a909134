import CASSHTTP
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `cass serve --access-log FILE`: one JSON line per answer
/// (`AccessRecord.jsonLine`), appended as the answer ends.
///
/// Each line is one `write` to a descriptor opened with `O_APPEND`, so lines
/// from many connections never interleave and an outside rotation by
/// copy-and-truncate (logrotate's `copytruncate`) keeps working: the next
/// line goes to the new end. A line that cannot be written (disk full) is
/// counted, never waited for: a request is not held by its log line. The
/// first failure is reported on stderr, with the count in later reports.
public final class AccessLogFile: Sendable {
    public let path: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let failures = Atomic<Int>(0)
    private let clock: @Sendable () -> Int64

    public struct OpenFailure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `-` writes to standard error.
    public init(path: String, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) throws {
        self.path = path
        self.clock = clock
        if path == "-" {
            descriptor = 2
            ownsDescriptor = false
            return
        }
        let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard opened >= 0 else {
            throw OpenFailure(description: "cannot open the access log \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(opened, &info) == 0, info.st_mode & S_IFMT == S_IFREG || info.st_mode & S_IFMT == S_IFIFO || info.st_mode & S_IFMT == S_IFCHR else {
            close(opened)
            throw OpenFailure(description: "the access log \(path) is not a file")
        }
        descriptor = opened
        ownsDescriptor = true
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// Lines that could not be written so far.
    public var failedLines: Int { failures.load(ordering: .relaxed) }

    /// Appends the record's line (the `AccessLog` hook of the HTTP server).
    public func write(_ record: AccessRecord) {
        let line = Array(record.jsonLine(endedAtMs: clock()).utf8)
        let written = line.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written != line.count else { return }
        // A short write leaves part of a line; the next starts on its own line.
        if written > 0 { _ = Glibc.write(descriptor, "\n", 1) }
        let count = failures.add(1, ordering: .relaxed).newValue
        if count == 1 || count.isMultiple(of: 10_000) {
            let reason = written < 0 ? String(cString: strerror(errno)) : "short write"
            FileHandle.standardError.write(Data("cass serve: access log \(path): \(count) line(s) not written (\(reason))\n".utf8))
        }
    }
}
