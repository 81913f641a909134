import CASSCrypto
import CASSDomain
import CASSLog
import CASSRender
import Dispatch
import Foundation

/// settlement.md "The output folder": a run's results folder holds exactly
/// that run's results. Opening it takes its lock (a second run into the
/// same folder is refused), removes the previous manifest first (from then
/// on the folder is "not a result" until this run's manifest is written),
/// then every entry an earlier run left: results, and temporary files of a
/// run that was killed. `finish` writes `manifest.json` last, listing every
/// file with its size and SHA-256.
///
/// A run that writes documents keeps the earlier run's document files
/// (regular files in `invoices/`) to rewrite them in place
/// (`DirectWriteFolder`): those this run does not write again are removed
/// once the run knows its invoices (`keepOnlyDocuments`), and all of them
/// if the run stops before its manifest (`dropKeptDocuments`), so the
/// folder still ends holding exactly this run's results.
///
/// Only entries cass writes are ever removed: a folder that holds anything
/// else is refused (a mistyped `--output $HOME` must not empty a home).
public final class OutputFolder {
    public static let manifestName = "manifest.json"

    /// What a run may write at the top of its folder. Nothing else is ever
    /// removed, and a folder holding anything else is refused.
    public static let resultEntries: Set<String> = [
        "settlement-agents.csv", "settlement-airlines.csv", "rejections.csv", "rejections", "invoices", "statistics",
        "deliveries.jsonl", "notifications-pending.jsonl", "events.jsonl", manifestName,
    ]

    /// Temporary files: `AtomicFile` names them `.cass-…​.tmp` (older versions
    /// `.NAME.PID.RANDOM.tmp`); hidden, ending in `.tmp`.
    public static func isTemporary(_ name: String) -> Bool { name.hasPrefix(".") && name.hasSuffix(".tmp") }

    public let url: URL
    /// Digests of files recorded as they were written (the invoice
    /// documents): `finish` takes them instead of reading the files back.
    public let written = WrittenDigests()
    /// The folder itself, open and locked (flock) for the life of the run:
    /// the kernel drops the lock when the process ends, however it ends, so
    /// a killed run never leaves a stale lock.
    private let descriptor: Int32
    /// The folder of the invoice documents, which a run may keep.
    public static let documentsFolder = "invoices"
    /// Names in `invoices/` kept from an earlier run, not yet written again
    /// or removed.
    private var keptDocuments: Set<String> = []

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Creates the folder if needed, locks it and empties it of an earlier
    /// run's results; with `reusingDocuments`, the earlier run's document
    /// files are kept to be rewritten.
    public init(_ url: URL, reusingDocuments: Bool = false) throws(Failure) {
        self.url = url
        let path = url.path
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw Failure(description: "the output folder \(path) exists and is not a folder")
            }
        } else {
            try Self.makeFolder(path)
        }
        descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(description: "cannot open the output folder \(path): \(ErrorText.posix(errno))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK {
                throw Failure(description: "another cass run is writing to the output folder \(path); wait until it has finished, or give another folder")
            }
            throw Failure(description: "cannot lock the output folder \(path): \(ErrorText.posix(code))")
        }
        do {
            try clean(reusingDocuments: reusingDocuments)
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// `mkdir -p`, with the reason of a failure in words (Foundation's
    /// createDirectory reports some as a bare "error 512").
    static func makeFolder(_ path: String) throws(Failure) {
        var partial = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            partial += "/" + component
            if mkdir(partial, 0o755) != 0 {
                let code = errno
                var info = stat()
                if code == EEXIST, stat(partial, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { continue }
                let reason = code == EEXIST ? "\(partial) is a file, not a folder" : ErrorText.posix(code)
                throw Failure(description: "cannot create the output folder \(path): \(reason)")
            }
        }
    }

    /// Removes the manifest first (the folder stops being a result), then
    /// an earlier run's results and temporary files (but for the document
    /// files when `reusingDocuments`).
    func clean(reusingDocuments: Bool) throws(Failure) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path)
        } catch {
            throw Failure(description: "cannot read the output folder \(url.path): \(ErrorText.reason(error))")
        }
        let foreign = names.filter { !Self.resultEntries.contains($0) && !Self.isTemporary($0) }.sorted()
        guard foreign.isEmpty else {
            let shown = foreign.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + (foreign.count > 5 ? " and \(foreign.count - 5) more" : "")
            throw Failure(description: "the output folder \(url.path) holds \(shown), which cass did not write; "
                          + "give an empty or new folder, or one an earlier cass run wrote (cass never removes what it did not write)")
        }
        if names.contains(Self.manifestName) {
            try remove(Self.manifestName)
            fsync(descriptor)
        }
        for name in names.sorted() where name != Self.manifestName {
            if reusingDocuments && name == Self.documentsFolder && isFolder(name) {
                keptDocuments = try keepDocumentFiles()
            } else {
                try remove(name)
            }
        }
        fsync(descriptor)
    }

    /// A folder itself, not a link to one.
    private func isFolder(_ name: String) -> Bool {
        var info = stat()
        return lstat(AtomicFile.join(url.path, name), &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// In `invoices/`: removes everything but regular files (temporary
    /// files, folders, links, FIFOs) and returns the names of those kept.
    private func keepDocumentFiles() throws(Failure) -> Set<String> {
        let folder = AtomicFile.join(url.path, Self.documentsFolder)
        var kept: Set<String> = []
        for (name, kind) in try Self.entries(of: folder) {
            var type = kind
            if type == .unknown {
                var info = stat()
                guard lstat(AtomicFile.join(folder, name), &info) == 0 else { continue }
                type = info.st_mode & S_IFMT == S_IFREG ? .file : .other
            }
            if type == .file && !Self.isTemporary(name) {
                kept.insert(name)
            } else {
                try remove(AtomicFile.join(Self.documentsFolder, name))
            }
        }
        return kept
    }

    /// Removes the kept document files whose names are not in `names` (the
    /// documents this run writes); the others are rewritten in place.
    public func keepOnlyDocuments(_ names: Set<String>) throws(Failure) {
        let stale = keptDocuments.subtracting(names)
        for name in stale.sorted() { try remove(AtomicFile.join(Self.documentsFolder, name)) }
        keptDocuments.subtract(stale)
    }

    /// Removes every kept document file not yet removed: for a run that
    /// stops before its manifest, which must not leave an earlier run's
    /// documents looking like its own. Best effort: the run is failing
    /// already, and the folder has no manifest either way.
    public func dropKeptDocuments() {
        for name in keptDocuments { try? remove(AtomicFile.join(Self.documentsFolder, name)) }
        keptDocuments = []
    }

    private func remove(_ name: String) throws(Failure) {
        let entry = url.appendingPathComponent(name)
        do {
            try FileManager.default.removeItem(at: entry)
        } catch {
            // Gone already is what was wanted.
            if (error as NSError).code == CocoaError.fileNoSuchFile.rawValue { return }
            throw Failure(description: "cannot remove \(entry.path), left by an earlier run: \(ErrorText.reason(error))")
        }
    }

    /// One file of the manifest.
    public struct Entry: Sendable, Hashable {
        public var path: String
        public var size: Int
        public var sha256: String
    }

    /// An input entry that was reported and skipped.
    public typealias Skipped = FolderSettlement.SkippedEntry

    /// Writes `manifest.json`, the run's last write: every regular file
    /// under the folder (by relative path, bytewise order) with its size
    /// and SHA-256, and the input entries that were skipped. The manifest
    /// is synced; documents are not (speed), so after a power failure a
    /// reader checks the files against it: a folder whose files disagree
    /// with its manifest is not a result.
    @discardableResult
    public func finish(command: String, skipped: [Skipped] = []) throws(Failure) -> [Entry] {
        let paths = try regularFiles()
        let entries = try Self.describe(paths, in: url, known: written)
        var json = "{\n  \"createdBy\": \(JSONText.quote(command)),\n  \"files\": ["
        for (index, entry) in entries.enumerated() {
            json += (index == 0 ? "\n" : ",\n")
            json += "    {\"path\": \(JSONText.quote(entry.path)), \"size\": \(entry.size), \"sha256\": \"\(entry.sha256)\"}"
        }
        json += entries.isEmpty ? "],\n" : "\n  ],\n"
        json += "  \"skippedInput\": ["
        for (index, entry) in skipped.enumerated() {
            json += (index == 0 ? "\n" : ",\n")
            json += "    {\"name\": \(JSONText.quote(entry.name)), \"reason\": \(JSONText.quote(entry.reason))}"
        }
        json += skipped.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        do {
            try AtomicFile.write(Array(json.utf8), to: url.appendingPathComponent(Self.manifestName))
        } catch {
            throw Failure(description: "cannot write \(url.appendingPathComponent(Self.manifestName).path): \(ErrorText.reason(error))")
        }
        fsync(descriptor)
        return entries
    }

    /// Relative paths of every regular file below the folder but the manifest.
    func regularFiles() throws(Failure) -> [String] {
        var result: [String] = []
        var pending = [""]
        let root = url.path
        while let relative = pending.popLast() {
            let folder = relative.isEmpty ? root : AtomicFile.join(root, relative)
            let entries = try Self.entries(of: folder)
            for (name, kind) in entries {
                let path = relative.isEmpty ? name : relative + "/" + name
                if path == Self.manifestName { continue }
                var type = kind
                if type == .unknown {
                    var info = stat()
                    guard lstat(AtomicFile.join(root, path), &info) == 0 else { continue }
                    type = info.st_mode & S_IFMT == S_IFDIR ? .folder : info.st_mode & S_IFMT == S_IFREG ? .file : .other
                }
                switch type {
                case .folder: pending.append(path)
                case .file: result.append(path)
                case .other, .unknown: continue
                }
            }
        }
        return Self.bytewiseSorted(result)
    }

    /// `paths` in bytewise order of their UTF-8, as
    /// `sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }` gives it,
    /// compared as arrays with memcmp: the UTF8View comparison walked both
    /// views generically, 16.6 M instructions for the 800 files of a
    /// 10,000-AWB settle.
    static func bytewiseSorted(_ paths: [String]) -> [String] {
        let keyed = paths.map { (Array($0.utf8), $0) }
        return keyed.sorted { a, b in
            a.0.withUnsafeBufferPointer { x in
                b.0.withUnsafeBufferPointer { y in
                    let shared = min(x.count, y.count)
                    guard shared > 0, let p = x.baseAddress, let q = y.baseAddress else { return x.count < y.count }
                    let order = memcmp(p, q, shared)
                    return order != 0 ? order < 0 : x.count < y.count
                }
            }
        }.map(\.1)
    }

    enum EntryType { case file, folder, other, unknown }

    /// The names in a folder (without "." and "..") with their type as the
    /// directory entry gives it: on file systems that keep it (ext4, XFS,
    /// tmpfs, APFS) no stat per entry, which was one per document when the
    /// manifest listed the folder. `.unknown` where the file system does
    /// not say: the caller looks at the entry itself.
    static func entries(of folder: String) throws(Failure) -> [(String, EntryType)] {
        guard let stream = opendir(folder) else {
            throw Failure(description: "cannot list \(folder): \(ErrorText.posix(errno))")
        }
        defer { closedir(stream) }
        var result: [(String, EntryType)] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw Failure(description: "cannot list \(folder): \(ErrorText.posix(errno))") }
                break
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            let type: EntryType = switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): .file
            case Int32(DT_DIR): .folder
            case Int32(DT_UNKNOWN): .unknown
            default: .other
            }
            result.append((name, type))
        }
        return result
    }

    /// Sizes and SHA-256 of the files, on both cores. A file `known`
    /// recorded when it was written, and still the same file (same inode,
    /// size and modification time), takes the recorded digest; any other is
    /// read back and hashed.
    static func describe(_ paths: [String], in folder: URL, known: WrittenDigests? = nil) throws(Failure) -> [Entry] {
        guard !paths.isEmpty else { return [] }
        let lanes = min(2, paths.count)
        // Paths joined as strings: URL.appendingPathComponent stats each
        // file (AtomicFile.write(_:toPath:)).
        let folderPath = folder.path
        // The recorded digests taken under one lock, not one per file, and
        // each outcome into its own slot (`LaneSlots`).
        let recorded = known?.snapshot() ?? [:]
        let slots = LaneSlots<Result<Entry, Failure>>(count: paths.count)
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            for index in stride(from: lane, to: paths.count, by: lanes) {
                let filePath = AtomicFile.join(folderPath, paths[index])
                let outcome: Result<Entry, Failure>
                if let entry = recorded[filePath], WrittenDigests.Identity(path: filePath) == entry.identity {
                    outcome = .success(Entry(path: paths[index], size: entry.size, sha256: entry.sha256))
                } else {
                    do {
                        let data = try Data(contentsOf: URL(fileURLWithPath: filePath, isDirectory: false), options: .alwaysMapped)
                        outcome = .success(Entry(path: paths[index], size: data.count, sha256: FileDigest.sha256Hex(data)))
                    } catch {
                        outcome = .failure(Failure(description: "cannot read \(filePath) back for the manifest: \(ErrorText.reason(error))"))
                    }
                }
                slots.set(index, outcome)
            }
        }
        var entries: [Entry] = []
        entries.reserveCapacity(paths.count)
        for index in paths.indices {
            switch slots.value(at: index) {
            case .success(let entry): entries.append(entry)
            case .failure(let failure): throw failure
            case nil: throw Failure(description: "the manifest missed \(paths[index])")
            }
        }
        return entries
    }
}

/// The SHA-256 of a file's bytes, as lowercase hex.
enum FileDigest {
    static func sha256Hex(_ data: Data) -> String {
        var hasher = SHA256()
        data.withUnsafeBytes { hasher.update($0) }
        return Hex.encode(hasher.finalize())
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        var hasher = SHA256()
        bytes.withUnsafeBytes { hasher.update($0) }
        return Hex.encode(hasher.finalize())
    }

    /// Each document's SHA-256 (hex, in the documents' order), hashed two
    /// at a time (`SHA256.digests`). An invoice's five documents were 8 %
    /// of the CPU time of a settle with documents, one at a time.
    static func sha256Hex(pairing documents: [[UInt8]]) -> [String] {
        func withBytes(from k: Int, _ taken: inout [UnsafeRawBufferPointer]) -> [[UInt8]] {
            guard k < documents.count else { return SHA256.digests(taken) }
            return documents[k].withUnsafeBytes { bytes in
                taken.append(bytes)
                defer { taken.removeLast() }
                return withBytes(from: k + 1, &taken)
            }
        }
        var taken: [UnsafeRawBufferPointer] = []
        taken.reserveCapacity(documents.count)
        return withBytes(from: 0, &taken).map(Hex.encode)
    }
}

/// Size and SHA-256 of files as this process wrote them, so the manifest
/// need not read them back: for the documents of a large run that was a
/// second pass over hundreds of MB (5 % of a settle). Each file's identity
/// (device, inode, size, modification time) is taken right after it is
/// written; `digest(of:)` gives the recorded digest only while the file
/// there is still that one (a file replaced, even by a rename, has another
/// inode; one changed in place another size or time), so the manifest
/// describes what is on disk either way.
public final class WrittenDigests: Sendable {
    struct Identity: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int64
        var modifiedNanoseconds: Int64

        init?(path: String) {
            var info = stat()
            guard lstat(path, &info) == 0 else { return nil }
            self.init(status: info)
        }

        init?(status info: stat) {
            guard info.st_mode & S_IFMT == S_IFREG else { return nil }
            device = UInt64(truncatingIfNeeded: info.st_dev)
            inode = UInt64(truncatingIfNeeded: info.st_ino)
            size = Int64(info.st_size)
            #if canImport(Darwin)
            modifiedSeconds = Int64(info.st_mtimespec.tv_sec)
            modifiedNanoseconds = Int64(info.st_mtimespec.tv_nsec)
            #else
            modifiedSeconds = Int64(info.st_mtim.tv_sec)
            modifiedNanoseconds = Int64(info.st_mtim.tv_nsec)
            #endif
        }
    }

    struct Recorded: Sendable {
        var identity: Identity
        var size: Int
        var sha256: String
    }

    private let recorded = Locked<[String: Recorded]>([:])

    public init() {}

    /// Records `bytes` as the content just written to `url`. A file that
    /// cannot be looked at now, or whose size is not the bytes' count, is
    /// not recorded: the manifest reads it back.
    public func record(_ bytes: [UInt8], writtenTo url: URL) {
        record(bytes, writtenToPath: url.path)
    }

    /// The same for a plain path (written as `describe` joins it: the
    /// folder's path, "/", the relative path).
    public func record(_ bytes: [UInt8], writtenToPath path: String) {
        record(bytes, writtenToPath: path, status: nil)
    }

    /// The same with the file's status as the writer took it from the open
    /// file (`AtomicFile.write` returns it): no lookup of the path, which
    /// was one stat per document. Nil looks the path up.
    public func record(_ bytes: [UInt8], writtenToPath path: String, status: stat?) {
        record(bytes, writtenToPath: path, status: status, sha256: nil)
    }

    /// The same with the bytes' SHA-256 (lower-case hex) when the writer
    /// has it already (`FileDigest.sha256Hex(pairing:)`); nil computes it.
    public func record(_ bytes: [UInt8], writtenToPath path: String, status: stat?, sha256: String?) {
        guard let identity = status.flatMap({ Identity(status: $0) }) ?? Identity(path: path),
              identity.size == Int64(bytes.count) else { return }
        let entry = Recorded(identity: identity, size: bytes.count, sha256: sha256 ?? FileDigest.sha256Hex(bytes))
        recorded.withLock { $0[path] = entry }
    }

    /// The recorded size and digest of the file at `url`, if it is still
    /// the file that was recorded.
    func digest(of url: URL) -> (size: Int, sha256: String)? {
        digest(ofPath: url.path)
    }

    func digest(ofPath path: String) -> (size: Int, sha256: String)? {
        guard let entry = recorded.withLock({ $0[path] }), Identity(path: path) == entry.identity else { return nil }
        return (entry.size, entry.sha256)
    }

    /// Everything recorded so far, by path: what the manifest looks up
    /// once per file, taken under one lock.
    func snapshot() -> [String: Recorded] { recorded.withLock { $0 } }

    var count: Int { recorded.withLock { $0.count } }
}

/// JSON string literals (RFC 8259): quotes, backslashes and control
/// characters escaped; everything else as UTF-8.
enum JSONText {
    static func quote(_ text: String) -> String {
        var out = "\""
        quote(text, into: &out)
        out += "\""
        return out
    }

    /// Appends `text`'s escaped body (without the quotes) to `out`. Most
    /// text here (keys, codes, dates, AWB numbers, file names) is printable
    /// ASCII with nothing to escape: such text is appended as it is, after
    /// one pass over its UTF-8 bytes, instead of scalar by scalar (the
    /// public events' per-line JSON was a fifth of `cass serve`'s CPU time
    /// after a close). Anything else takes the scalar loop, so the output is
    /// the same either way (`JSONTextTests`).
    static func quote(_ text: String, into out: inout String) {
        var plain = text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        }
        if plain == nil {
            plain = text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        }
        if plain == true {
            out += text
        } else {
            quoteByScalars(text, into: &out)
        }
    }

    /// The escaping itself, scalar by scalar.
    static func quoteByScalars(_ text: String, into out: inout String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (scalar.value >= 0x80 && scalar.value <= 0x9F) {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
    }
}
