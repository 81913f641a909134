import CASSLog
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One process at a time per folder: an exclusive flock on `DIR/lock`,
/// held for the life of the `FileLog`. The holder's pid is written into the
/// file so that a second opener's error can name it. The kernel drops the
/// lock when the process dies, however it dies.
final class FolderLock: @unchecked Sendable {
    // @unchecked: `fd` is written once at init and at release, by the owner.
    private var fd: Int32
    let path: String

    init(directory: String) throws {
        path = directory + "/lock"
        fd = try FileIO.open(path, O_RDWR | O_CREAT)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = (try? FileIO.read(fd, count: 32, at: 0, path: path)).map { String(decoding: $0, as: UTF8.self) }?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            FileIO.close(fd)
            if code == EWOULDBLOCK {
                throw LogError("file log: \(directory) is in use by another process\(holder.isEmpty ? "" : " (pid \(holder))"); "
                               + "one process at a time may open a log folder")
            }
            throw FileIO.error("flock", path, code)
        }
        try FileIO.truncate(fd, to: 0, path: path)
        try FileIO.write(fd, Array("\(getpid())\n".utf8), at: 0, path: path)
    }

    func release() {
        guard fd >= 0 else { return }
        _ = flock(fd, LOCK_UN)
        FileIO.close(fd)
        fd = -1
    }

    deinit { release() }
}

/// `DIR/shutdown`: the boot id of the machine the folder was last opened
/// on, and whether that process closed it. Written (synced) as "running"
/// at open and as "clean" at the end of `close()`.
enum ShutdownMarker {
    static let bootIdPath = "/proc/sys/kernel/random/boot_id"

    static func currentBootId() -> String? {
        // A /proc file reports size 0: read what is there, not what stat says.
        guard let fd = try? FileIO.open(bootIdPath, O_RDONLY) else { return nil }
        defer { FileIO.close(fd) }
        guard let bytes = try? FileIO.read(fd, count: 128, at: 0, path: bootIdPath) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// What the marker says of the process that used the folder last.
    static func read(directory: String, currentBootId: String?) throws -> (FileLogShutdown, rebooted: Bool?) {
        guard let bytes = try FileIO.readFile(directory + "/shutdown", limit: 4096) else { return (.firstOpen, nil) }
        var fields: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        var rebooted: Bool?
        if let currentBootId, let stored = fields["boot"], stored != "unknown" { rebooted = stored != currentBootId }
        return (fields["state"] == "clean" ? .clean : .unclean, rebooted)
    }

    static func write(directory: String, state: String, bootId: String?) throws {
        try FileIO.writeAtomically(directory + "/shutdown", Array("format 1\nboot \(bootId ?? "unknown")\nstate \(state)\n".utf8))
    }
}

/// Topic names are folder names: Kafka's rule (letters, digits, `.`, `_`,
/// `-`; 1 to 249 characters; not `.` or `..`), which also keeps them safe
/// in a path.
enum TopicName {
    static func check(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 249, name != ".", name != "..",
              name.utf8.allSatisfy({ byte in
                  (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                      || byte == 0x2E || byte == 0x5F || byte == 0x2D
              }) else {
            throw LogError("file log: topic name \"\(name)\" is not allowed (letters, digits, '.', '_', '-'; 1 to 249 characters)")
        }
    }
}

/// `DIR/topics/<name>/topic`: the topic's declaration, one "key value" per line.
enum TopicSpecFile {
    static func encode(_ spec: TopicSpec) -> [UInt8] {
        Array("""
        name \(spec.name)
        partitions \(spec.partitions)
        replication \(spec.replication)
        cleanup \(spec.cleanup.rawValue)
        retention.ms \(spec.retentionMs)

        """.utf8)
    }

    static func decode(_ bytes: [UInt8], path: String) throws -> TopicSpec {
        var fields: [String: String] = [:]
        for (number, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n").enumerated() {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { throw LogError("file log: \(path), line \(number + 1): expected \"key value\", found \"\(line)\"") }
            fields[String(parts[0])] = String(parts[1])
        }
        func field(_ key: String) throws -> String {
            guard let value = fields[key] else { throw LogError("file log: \(path): missing \(key)") }
            return value
        }
        guard let partitions = Int32(try field("partitions")), partitions > 0,
              let replication = Int16(try field("replication")),
              let cleanup = TopicSpec.Cleanup(rawValue: try field("cleanup")),
              let retention = Int64(try field("retention.ms")) else {
            throw LogError("file log: \(path): partitions, replication, cleanup or retention.ms is not valid")
        }
        return TopicSpec(name: try field("name"), partitions: partitions, replication: replication, cleanup: cleanup, retentionMs: retention)
    }
}
