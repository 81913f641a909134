#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A folder of `.eml` files that a mail system (or a person) picks up.
/// Files appear whole or not at all: written to a hidden temporary name,
/// flushed, then renamed. A repeated delivery of the same message (same
/// Message-ID) replaces the file instead of adding a second one.
public enum Outbox {
    /// The path written. Creates the folder when missing.
    @discardableResult
    public static func write(_ message: EmailMessage, folder: String) throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw NotifyError.outbox("cannot create folder \(folder): \(error.localizedDescription)")
        }
        let name = fileName(for: message.messageID)
        let finalPath = folder + "/" + name
        // Unique per writer: two workers replaying the same message at once
        // must not write into one temporary file.
        let temporaryPath = folder + "/." + name + "." + String(getpid()) + "-" + UUID().uuidString.prefix(8) + ".tmp"
        let bytes = message.rendered()
        let descriptor = open(temporaryPath, O_CREAT | O_WRONLY | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw NotifyError.outbox("cannot create \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        var written = 0
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count, let base = buffer.baseAddress {
                let result = Glibc_write(descriptor, base + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                written += result
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        close(descriptor)
        if let failure {
            unlink(temporaryPath)
            throw NotifyError.outbox("cannot write \(temporaryPath): \(failure)")
        }
        guard rename(temporaryPath, finalPath) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw NotifyError.outbox("cannot rename \(temporaryPath) to \(finalPath): \(reason)")
        }
        // The rename is durable only once the folder itself is flushed.
        let directory = open(folder, O_RDONLY)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
        return finalPath
    }

    /// `<message-id>.eml`, with anything a file system may dislike as `_`.
    public static func fileName(for messageID: String) -> String {
        let safe = messageID.unicodeScalars.map { scalar -> Character in
            let v = scalar.value
            let allowed = (v >= 48 && v <= 57) || (v >= 65 && v <= 90) || (v >= 97 && v <= 122)
                || scalar == "." || scalar == "@" || scalar == "-" || scalar == "_"
            return allowed ? Character(scalar) : "_"
        }
        let trimmed = String(safe.prefix(200))
        return (trimmed.isEmpty || trimmed.hasPrefix(".") ? "m" + trimmed : trimmed) + ".eml"
    }
}

private func Glibc_write(_ descriptor: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, pointer, count)
}
