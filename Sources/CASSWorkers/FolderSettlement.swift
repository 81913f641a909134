import CASSDomain
import CASSEngine
import CASSLog
import CASSOneRecord
import Foundation

/// The embedded job over a folder: the billing files (*.cbf, *.xml) in the
/// spec's processing order, every period present closed in ascending
/// order per operation, the results read back from the output topics.
/// `cass settle` and `cass-bench` both run exactly this.
public enum FolderSettlement {
    public struct InputFile: Sendable {
        public var name: String
        public var path: String
        public var size: Int
        public var summary: BillingFileSummary
    }

    public struct InputError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// An input entry that is not a readable regular file: reported and
    /// skipped, never a reason to stop the run (settlement.md).
    public struct SkippedEntry: Sendable, Hashable {
        public var name: String
        public var reason: String
    }

    /// A folder's billing files in processing order, and what was skipped.
    public struct InputScan: Sendable {
        public var files: [InputFile]
        public var skipped: [SkippedEntry]
    }

    /// Lists and orders the folder's billing files, reading only what the
    /// processing order needs (files are mapped, not loaded).
    public static func inputFiles(in directory: URL) throws -> [InputFile] {
        try scan(directory).files
    }

    /// The folder's entries named `*.cbf` or `*.xml` (any letter case):
    /// regular files (or links to them) that can be read, in processing
    /// order; every other such entry (a folder, a FIFO, a socket, a broken
    /// link, a file that cannot be opened) skipped with its reason.
    public static func scan(_ directory: URL) throws -> InputScan {
        var info = stat()
        guard stat(directory.path, &info) == 0 else {
            throw InputError(description: "the input folder \(directory.path) cannot be read: \(ErrorText.posix(errno))")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw InputError(description: "the input \(directory.path) is not a folder")
        }
        // Names as the file system has them, bytes: one that is not UTF-8
        // (a Latin-1 name from an old share) has no faithful String, and a
        // lossy one (U+FFFD) names no file: it is reported as what it is.
        let raw: [[UInt8]]
        do {
            raw = try rawNames(directory.path)
        } catch {
            throw InputError(description: "the input folder \(directory.path) cannot be listed: \(error.description)")
        }
        var names: [String] = []
        var notUTF8: [SkippedEntry] = []
        for bytes in raw {
            let shown = String(decoding: bytes, as: UTF8.self)
            let lower = shown.lowercased()
            guard BillingFileFormat.inputExtensions.contains(where: { lower.hasSuffix("." + $0) }) else { continue }
            if String(validating: bytes, as: UTF8.self) == nil {
                notUTF8.append(SkippedEntry(name: escaped(bytes), reason: "its name is not UTF-8 text; rename the file (names travel into rejections.csv and reports)"))
            } else {
                names.append(shown)
            }
        }
        var result = inputFiles(named: names.map { directory.appendingPathComponent($0) })
        result.skipped = (result.skipped + notUTF8).sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return result
    }

    struct ListingError: Error { var description: String }

    /// The entries of a folder as raw bytes (no `.` and `..`).
    static func rawNames(_ path: String) throws(ListingError) -> [[UInt8]] {
        guard let folder = opendir(path) else { throw ListingError(description: ErrorText.posix(errno)) }
        defer { closedir(folder) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(folder) else {
                if errno != 0 { throw ListingError(description: ErrorText.posix(errno)) }
                break
            }
            let bytes = withUnsafePointer(to: entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: UInt8.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) { start in
                    Array(UnsafeBufferPointer(start: start, count: strlen(UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self))))
                }
            }
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            names.append(bytes)
        }
        return names
    }

    /// A name for messages and the manifest: UTF-8 as it is, any other
    /// byte as `\xNN` (so two such names stay apart and the bytes can be
    /// found with `ls -b`).
    static func escaped(_ bytes: [UInt8]) -> String {
        var out = ""
        var index = 0
        while index < bytes.count {
            var length = 1
            let lead = bytes[index]
            if lead >= 0xC2 && lead <= 0xDF { length = 2 } else if lead >= 0xE0 && lead <= 0xEF { length = 3 } else if lead >= 0xF0 && lead <= 0xF4 { length = 4 }
            if lead >= 0x80, index + length <= bytes.count, let scalar = String(validating: bytes[index..<index + length], as: UTF8.self) {
                out += scalar
                index += length
            } else if lead < 0x80 {
                out.unicodeScalars.append(Unicode.Scalar(lead))
                index += 1
            } else {
                out += "\\x" + String(lead, radix: 16, uppercase: true)
                index += 1
            }
        }
        return out
    }

    /// The given files, in processing order, and those that are skipped.
    public static func inputFiles(named urls: [URL]) -> InputScan {
        var files: [InputFile] = []
        var skipped: [SkippedEntry] = []
        for url in urls {
            let name = url.lastPathComponent
            switch open(url) {
            case .failure(let reason):
                skipped.append(SkippedEntry(name: name, reason: reason.reason))
            case .success(let data):
                let summary = data.withUnsafeBytes { BillingFileReader.summary(of: $0, fileName: name) }
                files.append(InputFile(name: name, path: url.path, size: data.count, summary: summary))
            }
        }
        return InputScan(files: files.sorted { $0.summary.key < $1.summary.key },
                         skipped: skipped.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) })
    }

    public struct Unreadable: Error, Sendable { public var reason: String }

    /// A regular file's bytes (mapped), or why the entry is not one. Opened
    /// without blocking (a FIFO would wait for a writer) and checked after
    /// opening, so an entry swapped meanwhile is judged by what was opened.
    public static func open(_ url: URL) -> Result<Data, Unreadable> {
        var info = stat()
        if stat(url.path, &info) != 0 {
            let code = errno
            var link = stat()
            if lstat(url.path, &link) == 0, link.st_mode & S_IFMT == S_IFLNK {
                return .failure(Unreadable(reason: "a symbolic link to nothing (broken link)"))
            }
            return .failure(Unreadable(reason: "cannot be read: \(ErrorText.posix(code))"))
        }
        if let kind = kindOfNonRegular(info.st_mode) { return .failure(Unreadable(reason: kind)) }
        let descriptor = Foundation.open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(Unreadable(reason: "cannot be read: \(ErrorText.posix(errno))")) }
        defer { close(descriptor) }
        guard fstat(descriptor, &info) == 0 else { return .failure(Unreadable(reason: "cannot be read: \(ErrorText.posix(errno))")) }
        if let kind = kindOfNonRegular(info.st_mode) { return .failure(Unreadable(reason: kind)) }
        do {
            return .success(try Data(contentsOf: url, options: .alwaysMapped))
        } catch {
            return .failure(Unreadable(reason: "cannot be read: \(ErrorText.reason(error))"))
        }
    }

    static func kindOfNonRegular(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a folder, not a file"
        case S_IFIFO: "a named pipe (FIFO), not a file"
        case S_IFSOCK: "a socket, not a file"
        case S_IFCHR, S_IFBLK: "a device, not a file"
        default: "not a regular file"
        }
    }

    /// The (operation, period) pairs the files name, for a known operation.
    public static func periodsPresent(_ files: [InputFile], reference: ReferenceData) -> [PeriodKey] {
        var periods: Set<PeriodKey> = []
        for file in files {
            guard let period = file.summary.period, reference.operation(file.summary.operation) != nil else { continue }
            periods.insert(PeriodKey(country: file.summary.operation, period: period))
        }
        return periods.sorted()
    }

    /// The threads that read files ahead of ingest by default: one per core.
    public static var readThreadsDefault: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// `readThreads`: how many threads read (parse) files ahead of ingest;
    /// 1 reads every file in ingest, one after another. The results are
    /// the same either way (ParallelFileReads). `readAheadBytesMax`: the
    /// bound on the bytes of files read ahead and not yet ingested.
    public static func run(reference: ReferenceData, files: [InputFile], keepLines: Bool, parallel: Bool = true, publishesEvents: Bool = false,
                           readThreads: Int = readThreadsDefault, readAheadBytesMax: Int = ParallelFileReads.bytesInFlightDefault,
                           progress: (@Sendable (String) -> Void)? = nil) throws -> (SettlementOutcome, EmbeddedPipeline) {
        let (outcome, pipeline, _) = try runReadingAhead(reference: reference, files: files, keepLines: keepLines, parallel: parallel,
                                                        publishesEvents: publishesEvents, readThreads: readThreads,
                                                        readAheadBytesMax: readAheadBytesMax, progress: progress)
        return (outcome, pipeline)
    }

    /// The same, with what the read-ahead did (nil: no read-ahead).
    public static func runReadingAhead(reference: ReferenceData, files: [InputFile], keepLines: Bool, parallel: Bool = true,
                                       publishesEvents: Bool = false, readThreads: Int, readAheadBytesMax: Int = ParallelFileReads.bytesInFlightDefault,
                                       progress: (@Sendable (String) -> Void)? = nil) throws
        -> (SettlementOutcome, EmbeddedPipeline, ParallelFileReads.Statistics?) {
        // A CBF line is 161 bytes and most lines are AWB records: enough to
        // size the ledgers without reading the files twice. XML files are
        // left out (their size says less); the ledgers grow for them.
        let cbfBytes = files.filter { $0.name.lowercased().hasSuffix(".cbf") }.reduce(0) { $0 + $1.size }
        let expectedAWBs = cbfBytes / 161 * 3 / 4
        // Ingest reads the files by path, confined to the folders they really
        // are in (links resolved: this run's files are the user's own).
        let folders = Set(files.map { URL(fileURLWithPath: $0.path).resolvingSymlinksInPath().deletingLastPathComponent().standardizedFileURL.path })
        let spool = folders.count == 1 ? folders.first.map { URL(fileURLWithPath: $0) } : URL(fileURLWithPath: commonFolder(Array(folders)))
        let submitted = files.map {
            SubmittedFile(name: $0.name, operation: $0.summary.operation, content: .path(URL(fileURLWithPath: $0.path).resolvingSymlinksInPath().path))
        }
        var readAhead: ParallelFileReads?
        if readThreads > 1 {
            // Ingest takes cass.files' partitions one after another (the
            // embedded consumer fetches its first partition with records),
            // each in submission order: read ahead in that order.
            let partitions = TopicCatalog.Partitions().files
            var ahead: [(partition: Int32, position: Int, file: ParallelFileReads.File)] = []
            for (position, (file, message)) in zip(files, submitted).enumerated() {
                guard case .path(let path) = message.content else { continue }
                ahead.append((Partitioner.partition(for: message.operation, count: partitions), position,
                              ParallelFileReads.File(name: file.name, path: path, size: file.size)))
            }
            ahead.sort { ($0.partition, $0.position) < ($1.partition, $1.position) }
            readAhead = ParallelFileReads(files: ahead.map(\.file), limits: ParallelFileReads.Limits(threads: readThreads, bytesInFlightMax: readAheadBytesMax),
                                          reader: DefaultReaders.any, reference: reference)
        }
        defer { readAhead?.cancel() }
        let pipeline = try EmbeddedPipeline(reference: reference, keepLines: keepLines, expectedAWBs: expectedAWBs, spool: spool,
                                          publishesEvents: publishesEvents, readAhead: readAhead)
        try pipeline.submit(submitted)
        readAhead?.start()
        try pipeline.close(periodsPresent(files, reference: reference))
        if parallel {
            try pipeline.drainInParallel(progress: progress)
        } else {
            try pipeline.drain(progress: progress)
        }
        // A message a stage could not handle went to its dead-letter topic;
        // in a cluster an operator replays it, here the run would silently
        // lack it: no result then.
        let letters = pipeline.counters.reduce(0) { $0 + $1.1.deadLettered }
        if letters > 0 {
            throw InputError(description: "\(letters) message(s) could not be handled, so no settlement is written; the first: \(try firstDeadLetter(in: pipeline) ?? "unknown")")
        }
        return (try pipeline.collect(), pipeline, readAhead?.stats)
    }

    static func firstDeadLetter(in pipeline: EmbeddedPipeline) throws -> String? {
        for (stage, counters) in pipeline.counters where counters.deadLettered > 0 {
            let topic = stage.deadLetterTopic
            for partition in 0..<(try pipeline.log.partitionCount(of: topic)) {
                for record in try pipeline.log.readToEnd(TopicPartition(topic: topic, partition: partition)) {
                    if let error = record.header("cass.error") { return "\(stage.rawValue): " + String(decoding: error, as: UTF8.self) }
                }
            }
        }
        return nil
    }

    /// The deepest folder that holds every given folder.
    static func commonFolder(_ folders: [String]) -> String {
        guard var common = folders.first?.split(separator: "/", omittingEmptySubsequences: true) else { return "/" }
        for folder in folders.dropFirst() {
            let parts = folder.split(separator: "/", omittingEmptySubsequences: true)
            var length = 0
            while length < min(common.count, parts.count), common[length] == parts[length] { length += 1 }
            common = Array(common.prefix(length))
        }
        return "/" + common.joined(separator: "/")
    }
}
