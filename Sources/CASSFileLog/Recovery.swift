import CASSLog

/// A torn or corrupt tail that recovery cut off the last segment of a partition.
public struct FileLogCut: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    /// The segment file's path.
    public var segment: String
    /// Where the cut starts: the first byte that did not form a valid frame.
    public var position: Int64
    public var bytesCut: Int64
    /// What was wrong at `position`.
    public var reason: String
    /// The partition's end offset after the cut.
    public var endOffset: Int64
    /// Frames that checked out after the bad one and were cut with it. Only
    /// ever non-zero after the machine restarted uncleanly (power loss, kernel
    /// crash), when the page cache may have reached the disk out of order;
    /// otherwise a valid frame after a bad one is corruption, and refused.
    public var laterValidFrames: Int

    public var description: String {
        var text = "\(topic)[\(partition)]: cut \(bytesCut) bytes at position \(position) of \(segment) (\(reason)); end offset now \(endOffset)"
        if laterValidFrames > 0 { text += "; \(laterValidFrames) later frames that checked out were cut with them" }
        return text
    }
}

/// A frame that is not valid where the log cannot have left a torn write:
/// inside a closed segment, or followed by valid frames. The log refuses to
/// open (or to read it) rather than skip it.
public struct FileLogCorruption: Error, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var segment: String
    public var position: Int64
    public var reason: String

    public var description: String {
        "file log: corrupt record in \(topic)[\(partition)], segment \(segment), position \(position): \(reason). "
            + "The log will not skip it: restore the folder from a copy, or move the segment aside knowing its records are lost."
    }
}

/// How the last process using the folder ended, as far as the folder can tell.
public enum FileLogShutdown: String, Sendable {
    /// The folder was new.
    case firstOpen
    /// `close()` ran to the end: everything was fsync'd.
    case clean
    /// The process ended without `close()` (killed, crashed, or the machine stopped).
    case unclean
}

/// What opening a folder found and did.
public struct FileLogRecovery: Sendable, CustomStringConvertible {
    public var previousShutdown: FileLogShutdown
    /// Whether the machine booted since the folder was last opened (the
    /// kernel's boot id changed), nil when unknown. After an unclean
    /// shutdown: false means the process was killed and the page cache kept
    /// every write, true means a power loss or kernel crash may have lost
    /// what was not fsync'd (topics with `.flushed` durability).
    public var rebootedSince: Bool?
    /// Tails cut off, in topic and partition order.
    public var cuts: [FileLogCut]
    /// Files of an interrupted operation that recovery removed or finished
    /// (topic creation, compaction, index writes), by path.
    public var leftovers: [String]

    /// True when the tails of `.flushed` topics may have lost records that
    /// `send` had returned for.
    public var mayHaveLostUnsyncedWrites: Bool {
        previousShutdown == .unclean && rebootedSince != false
    }

    public var description: String {
        var lines = ["previous shutdown: \(previousShutdown.rawValue)"
                     + (rebootedSince.map { $0 ? ", machine rebooted since" : ", same boot" } ?? ", reboot unknown")]
        lines += cuts.map { "cut: \($0)" }
        lines += leftovers.map { "leftover: \($0)" }
        return lines.joined(separator: "\n")
    }
}

/// How far recovery may trust the tail of a last segment.
enum TailTrust {
    /// Clean shutdown or a killed process: writes reached the file in order,
    /// so only the end can be partial; a valid frame after a bad one is damage.
    case inOrder
    /// The machine may have stopped: unsynced pages may have reached the
    /// disk in any order, so everything from the first bad frame is cut.
    case anyOrder
}
