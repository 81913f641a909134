import CASSDomain
import CASSEngine
import CASSLog
import Foundation

extension StageName {
    public static let ingest = StageName(rawValue: "ingest")
}

extension Topic {
    public static let files = Topic(
        base: "cass.files", partitions: 4, retentionMs: week, keyedBy: "operation",
        holds: "submitted files: bytes (<= 512 KiB) or a path in the ingest workers' spool folder; period close markers; accepted disputes' memos", isCritical: true)
    public static let records = Topic(
        base: "cass.records", partitions: 8, retentionMs: week, keyedBy: "file name",
        holds: "records that passed the history-free checks, partitioned by (operation, AWB)")
    public static let rejections = Topic(
        base: "cass.rejections", partitions: 2, retentionMs: -1, keyedBy: "file name",
        holds: "file and record rejections with code, field, positions, expected, found", isCritical: true)
    public static let events = Topic(
        base: "cass.events", partitions: 2, retentionMs: week, keyedBy: "airline / operation / agent",
        holds: "internal events: file outcomes, issued invoices (without lines), period closes; notifications read them")
}

/// Reads files, applies the file-level checks and the history-free record
/// checks, and routes surviving records to their AWB's partition.
/// Partitioned by operation: one operation's files keep the processing
/// order, and its period closes follow them.
public final class IngestStage: StatefulStage {
    public static let records = Output<AWBRoute>(.records, routedBy: "operation + AWB (prefix, serial)") { route, count in
        RoutingKey.awbPartition(operation: route.operation, prefix: route.prefix, serial: route.serial, count: count)
    }
    public static let rejections = Output<String>.keyed(.rejections, by: "file name")
    public static let events = Output<String>.keyed(.events, by: "airline (file outcomes)")
    public static let replies = Output<String>.keyed(.replies, by: "request id")

    public static let definition = StageDefinition(
        name: .ingest, input: .files, outputs: [records.declaration, rejections.declaration, events.declaration, replies.declaration], reads: [.uploads],
        partitionedBy: "operation (country): files of one operation keep the processing order",
        keeps: "file registry (F04) with each accepted file's ordinal and name, closed periods (F08), the names of memos billed without a file (DSP), withdrawn files, a withdrawal waiting for its votes and the records held behind it, per cass.files partition",
        make: { context in
            let environment = context.environment
            let stage = IngestStage(reference: environment.reference, reader: environment.reader, spool: environment.spool,
                                    refusesUnsafeNames: environment.refusesUnsafeNames, persistState: environment.persistState, log: context.log)
            stage.readAhead = environment.readAhead
            stage.uploads = environment.uploads
            return stage
        })

    /// The state entries: an accepted file (F04; an empty value: withdrawn),
    /// a closed period (F08), a withdrawn file, the withdrawal waiting for
    /// its votes, a record held behind it (empty: released).
    public enum StateKey: StageStateKey {
        case registered(FileRegistry.Key)
        case closed(PeriodKey)
        case withdrawn(FileKey)
        case pending
        case held(offset: Int64)
        /// A memo billed without a file, by name (InjectedMemo): billed once.
        case memo(String)

        public var encoded: String {
            switch self {
            case .registered(let key): "reg/\(key.airline)/\(key.operation)/\(key.period)/\(key.fileSequence)"
            case .closed(let period): "closed/\(StateKeyText.encode(period))"
            case .withdrawn(let file): "wd/\(file.operation)/\(file.ordinal)"
            case .pending: "wdpend"
            case .held(let offset): "held/\(offset)"
            case .memo(let name): "memo/\(name)"
            }
        }

        public init(decoding text: Substring) throws {
            if text == "wdpend" {
                self = .pending
            } else if text.hasPrefix("memo/"), text.count > 5 {
                self = .memo(String(text.dropFirst(5)))
            } else if text.hasPrefix("wd/") {
                let fields = try StateKeyText.fields(text, tag: "wd", count: 3)
                self = .withdrawn(try StateKeyText.file(fields[1], fields[2]))
            } else if text.hasPrefix("held/") {
                let fields = try StateKeyText.fields(text, tag: "held", count: 2)
                self = .held(offset: try StateKeyText.int64(fields[1], "held record offset"))
            } else if text.hasPrefix("reg/") {
                let fields = try StateKeyText.fields(text, tag: "reg", count: 5)
                guard let period = Int(fields[3]), BillingPeriod(yyyymmnn: period) != nil, let sequence = Int(fields[4]), !fields[2].isEmpty else {
                    throw DecodingFailure("not an accepted file's key")
                }
                self = .registered(FileRegistry.Key(airline: try StateKeyText.int32(fields[1], "airline"), operation: String(fields[2]), period: period, fileSequence: sequence))
            } else {
                let fields = try StateKeyText.fields(text, tag: "closed", count: 3)
                self = .closed(try StateKeyText.period(fields[1], fields[2]))
            }
        }
    }

    public let journal: StateJournal<StateKey>
    let reference: ReferenceData
    let reader: FileReader
    /// The folder, symbolic links resolved, that `fileAt` paths must lie in.
    let spool: String?
    let refusesUnsafeNames: Bool
    /// Where uploaded files' chunks are read (cass.uploads).
    let log: (any Log)?
    /// Where the embedded service stores uploads as files (`FileReference.storedAs`).
    var uploads: URL?
    var registries: [Int32: FileRegistry] = [:]
    var closed: [Int32: Set<PeriodKey>] = [:]
    /// Accepted files by operation and ordinal: their F04 key and name
    /// (what a withdrawal needs).
    var acceptedFiles: [Int32: [FileKey: (key: FileRegistry.Key, name: String)]] = [:]
    var withdrawnFiles: [Int32: Set<FileKey>] = [:]
    /// The withdrawal waiting for validate's votes, per partition: every
    /// other record of the partition waits behind it, in order.
    var pending: [Int32: PendingWithdrawal] = [:]
    var held: [Int32: [LogRecord]] = [:]
    /// Names of the memos billed without a file (InjectedMemo), per partition.
    var memos: [Int32: Set<String>] = [:]
    /// Files read ahead on other threads (embedded run); see ParallelFileReads.
    var readAhead: ParallelFileReads?

    public init(reference: ReferenceData, reader: @escaping FileReader = DefaultReaders.any, spool: URL? = nil, refusesUnsafeNames: Bool = true,
                persistState: Bool = false, log: (any Log)? = nil) {
        self.log = log
        self.reference = reference
        self.reader = reader
        self.refusesUnsafeNames = refusesUnsafeNames
        self.spool = spool.map { SpoolFolder.resolved($0.path) }
        self.journal = StateJournal(enabled: persistState)
    }

    public func restore(partition: Int32, key: StateKey, value: [UInt8]) throws {
        switch key {
        case .registered(let file):
            if value.isEmpty {
                registries[partition, default: FileRegistry()].remove(file)
                acceptedFiles[partition] = acceptedFiles[partition]?.filter { $0.value.key != file }
            } else {
                registries[partition, default: FileRegistry()].insert(file)
                if let accepted = try Self.acceptedFile(value) {
                    acceptedFiles[partition, default: [:]][FileKey(operation: file.operation, ordinal: accepted.ordinal)] = (file, accepted.name)
                }
            }
        case .closed(let period): closed[partition, default: []].insert(period)
        case .withdrawn(let file): withdrawnFiles[partition, default: []].insert(file)
        case .pending: pending[partition] = value.isEmpty ? nil : try StageMessage.unjson(PendingWithdrawal.self, value)
        case .held(let offset):
            held[partition, default: []].removeAll { $0.offset == offset }
            if !value.isEmpty { held[partition, default: []].append(try Self.heldRecord(value, partition: partition, offset: offset)) }
        case .memo(let name): memos[partition, default: []].insert(name)
        }
    }

    public func forget(partition: Int32) {
        registries[partition] = nil
        closed[partition] = nil
        acceptedFiles[partition] = nil
        withdrawnFiles[partition] = nil
        pending[partition] = nil
        held[partition] = nil
        memos[partition] = nil
    }

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        if try handleFileAction(message, from: record, output: &output) { return }
        switch message {
        case .file(let name, let bytes):
            if refusesUnsafeNames { try FileNames.check(name) }
            bytes.withUnsafeBytes { ingest($0, name: name, record: record, output: &output) }
        case .fileAt(let name, let path):
            if refusesUnsafeNames { try FileNames.check(name) }
            // Taken first, so a file refused below does not stay in flight.
            let readEarly = readAhead?.take(path: path)
            // Large files travel as a path in the spool folder, not as bytes;
            // mapping them avoids a copy of a file that may be 100 MB.
            let data = try SpoolFolder.map(path, of: name, spool: spool)
            data.withUnsafeBytes { ingest($0, name: name, record: record, output: &output, read: readEarly) }
        case .fileRef(let reference):
            if refusesUnsafeNames { try FileNames.check(reference.name) }
            guard let log else { throw DecodingFailure("file \(reference.name): this ingest worker has no log to read uploads from") }
            // Set here, not only from the record: a record held behind a
            // withdrawal is handled later, under another record's headers.
            // (Set before reading: a throw leaves it as it was before.)
            let carried = output.carried
            output.carried = [LogHeader(name: FileReference.fileHeader, text: reference.id)]
            do {
                try reference.withContent(from: log, uploads: uploads) { ingest($0, name: reference.name, record: record, output: &output, id: reference.id) }
            } catch {
                output.carried = carried
                throw error
            }
        case .closeMarker(let period, _, _):
            closed[record.partition, default: []].insert(period)
            journal.put(record.partition, .closed(period), [1])
            output.broadcast(Self.records, key: period.description, .closeMarker(period: period, source: record.partition, sourceCount: 1))
        case .memo(let memo):
            try bill(memo, record: record, output: &output)
        default:
            throw DecodingFailure("the ingest stage does not take \(message.kind) messages")
        }
    }

    /// `read`: the file as already read by the read-ahead (nil: read it here).
    func ingest(_ bytes: UnsafeRawBufferPointer, name: String, record: LogRecord, output: inout StageOutput, id: String? = nil,
                read: FileReadResult? = nil) {
        var registry = registries[record.partition] ?? FileRegistry()
        // The file's offset in its operation's partition is its place in
        // the processing order: stable across replays.
        let result: IngestionResult
        if let read {
            result = Ingestion.ingest(read, fileOrdinal: record.offset + 1, reference: reference, closedPeriods: closed[record.partition] ?? [],
                                      registry: &registry)
        } else {
            result = Ingestion.ingest(bytes: bytes, fileName: name, fileOrdinal: record.offset + 1, reference: reference,
                                      closedPeriods: closed[record.partition] ?? [], registry: &registry, reader: reader)
        }
        registries[record.partition] = registry
        if result.fileRejection == nil, let header = result.header {
            let key = FileRegistry.Key(airline: header.airlinePrefix, operation: header.operation, period: header.period.yyyymmnn, fileSequence: header.fileSequence)
            acceptedFiles[record.partition, default: [:]][FileKey(operation: header.operation, ordinal: record.offset + 1)] = (key, name)
            journal.put(record.partition, .registered(key), Self.acceptedValue(ordinal: record.offset + 1, name: name))
        }
        emit(result, output: &output, id: id, ordinal: record.offset + 1, submission: "\(record.partition)/\(record.offset + 1)")
    }

    func emit(_ result: IngestionResult, output: inout StageOutput, id: String? = nil, ordinal: Int64? = nil, submission: String? = nil) {
        if let rejection = result.fileRejection {
            output.emit(Self.rejections, key: result.fileName, .rejections([rejection]))
            var outcome = FileOutcome(
                file: result.fileName, airline: result.identity.airline, country: result.identity.country, period: result.identity.period,
                accepted: false, code: rejection.code.rawValue, message: rejection.problem.message, recordsPassed: 0, recordsRejected: 0)
            outcome.id = id
            outcome.ordinal = ordinal
            outcome.fileSequence = result.header?.fileSequence
            outcome.submission = submission
            output.emit(Self.events, key: result.identity.airline, .fileOutcome(outcome))
            return
        }
        output.emitRejections(result.recordRejections, file: result.fileName, to: Self.rejections)
        guard let header = result.header else { return }
        let count = output.partitions(Self.records)
        // Positions of the file's records per partition; batches encode
        // straight from the file's array.
        var byPartition: [[Int32]] = RoutingKey.partitionBatches(for: result.checked.count, partitions: count)
        let operation = ASCIICode(operationText: header.operation)
        result.checked.withUnsafeBufferPointer { checked in
            for index in checked.indices {
                let route = AWBRoute(operation: operation, prefix: checked[index].record.airlinePrefix, serial: checked[index].record.awbSerial)
                byPartition[Int(Self.records.partition(for: route, count: count))].append(Int32(index))
            }
        }
        // Bounded messages: a 100 MB file becomes many batches of records.
        for (partition, positions) in byPartition.enumerated() where !positions.isEmpty {
            for start in stride(from: 0, to: positions.count, by: StageMessage.recordsPerMessage) {
                var batch = CheckedBatch(fileName: result.fileName, fileOrdinal: result.checked[Int(positions[start])].source.fileOrdinal,
                                         identity: result.identity, country: header.operation, period: header.period, records: result.checked)
                batch.selection = positions[start..<min(positions.count, start + StageMessage.recordsPerMessage)]
                output.emit(Self.records, partition: Int32(partition), key: result.fileName, .checked(batch))
            }
        }
        var outcome = FileOutcome(
            file: result.fileName, airline: result.identity.airline, country: header.operation, period: header.period.text,
            accepted: true, code: "", message: "", recordsPassed: result.checked.count, recordsRejected: result.recordRejections.count)
        outcome.id = id
        outcome.ordinal = ordinal
        outcome.fileSequence = header.fileSequence
        outcome.submission = submission
        output.emit(Self.events, key: result.identity.airline, .fileOutcome(outcome))
    }
}

/// The spool folder: where files too large for a message wait for ingest.
/// A `fileAt` message may name only a regular file inside it (symbolic
/// links resolved first), so a message cannot make a worker read anything
/// else on its machine.
public enum SpoolFolder {
    static func resolved(_ path: String) -> String {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        return resolved.hasSuffix("/") ? String(resolved.dropLast()) : resolved
    }

    /// The file's bytes, mapped; throws naming the file when the path is
    /// outside the spool, not a regular file, or unreadable.
    public static func map(_ path: String, of name: String, spool: String?) throws -> Data {
        guard let spool else {
            throw DecodingFailure("file \(name) travels as a path, and this ingest worker has no spool folder (--spool DIR): paths are refused")
        }
        let target = resolved(path)
        guard target.hasPrefix(spool + "/"), !target.dropFirst(spool.count + 1).isEmpty else {
            throw DecodingFailure("file \(name): \(path) is outside the spool folder \(spool); refused")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: target)
        guard attributes?[.type] as? FileAttributeType == .typeRegular else {
            throw DecodingFailure("file \(name): \(path) is not a regular file in the spool folder; refused")
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: target), options: .alwaysMapped)
        } catch {
            throw DecodingFailure("cannot read submitted file \(name) at \(path): \(error.localizedDescription)")
        }
    }
}

/// Names of submitted files (the rule is CASSDomain's `FileName`): they
/// become report file names and travel in every rejection and invoice
/// line, so ingest refuses any other, whoever sent the message.
enum FileNames {
    static func check(_ name: String) throws {
        guard let problem = FileName.problem(name) else { return }
        var shown = ""
        for scalar in name.unicodeScalars.prefix(80) {
            shown.unicodeScalars.append(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? "?" : scalar)
        }
        throw DecodingFailure("submitted file name refused: \(problem) ('\(shown)')")
    }
}
