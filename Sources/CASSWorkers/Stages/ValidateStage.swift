import CASSDomain
import CASSEngine
import CASSLog

extension StageName {
    public static let validate = StageName(rawValue: "validate")
}

extension Topic {
    public static let lines = Topic(
        base: "cass.lines", partitions: 8, retentionMs: week, keyedBy: "file name",
        holds: "billed lines (CCA as differences), partitioned by invoice (operation, agent)")
}

/// Applies records to the AWB ledger (R10, R11, CCA differences) and
/// routes billed lines to their invoice's partition. Partitioned by
/// (operation, AWB): every version of an AWB in its operation meets the
/// same ledger.
public final class ValidateStage: BarrierStage {
    public static let lines = Output<InvoiceRoute>(.lines, routedBy: "invoice (operation, agent)") { route, count in
        RoutingKey.agentPartition(country: route.country, agent: route.agent, count: count)
    }
    public static let rejections = Output<String>.keyed(.rejections, by: "file name")
    public static let replies = Output<String>.keyed(.replies, by: "request id")
    /// Votes on a withdrawal go back to the cass.files partition that asked.
    public static let votes = Output<Int32>(.files, routedBy: "the asking ingest partition") { partition, _ in partition }

    public static let definition = StageDefinition(
        name: .validate, input: .records, outputs: [lines.declaration, rejections.declaration, replies.declaration, votes.declaration],
        partitionedBy: "operation + AWB (prefix, serial): every version of an AWB in its operation meets the same ledger",
        keeps: "AWB ledger: first agent and latest accepted version per (operation, AWB) (R10, R11, CCA differences); per file of an open period the AWB versions it replaced (withdrawal); withdrawn files; barrier progress",
        make: { context in
            ValidateStage(persistState: context.environment.persistState,
                          expectedAWBsPerPartition: context.environment.expectedAWBs / Int(max(1, context.inputPartitions)))
        })

    /// The state entries: the ledger entries one input message changed
    /// (one entry per message: an entry per AWB would be a million), and
    /// barrier progress.
    public enum StateKey: StageStateKey {
        case ledger(inputOffset: Int64)
        case barrier(BarrierKey)
        /// The entries a withdrawal took out of the ledger (AWBs billed again).
        case removed(inputOffset: Int64)
        /// What one input message's file replaced (empty: dropped).
        case undo(inputOffset: Int64)
        case withdrawn(FileKey)

        public var encoded: String {
            switch self {
            case .ledger(let offset): "awbs/\(offset)"
            case .barrier(let key): key.encoded
            case .removed(let offset): "awbsdel/\(offset)"
            case .undo(let offset): "undo/\(offset)"
            case .withdrawn(let file): "wd/\(file.operation)/\(file.ordinal)"
            }
        }

        public init(decoding text: Substring) throws {
            if let barrier = try BarrierKey(decoding: text) {
                self = .barrier(barrier)
            } else if text.hasPrefix("awbsdel/") {
                self = .removed(inputOffset: try StateKeyText.int64(try StateKeyText.fields(text, tag: "awbsdel", count: 2)[1], "input offset"))
            } else if text.hasPrefix("undo/") {
                self = .undo(inputOffset: try StateKeyText.int64(try StateKeyText.fields(text, tag: "undo", count: 2)[1], "input offset"))
            } else if text.hasPrefix("wd/") {
                let fields = try StateKeyText.fields(text, tag: "wd", count: 3)
                self = .withdrawn(try StateKeyText.file(fields[1], fields[2]))
            } else {
                let fields = try StateKeyText.fields(text, tag: "awbs", count: 2)
                self = .ledger(inputOffset: try StateKeyText.int64(fields[1], "input offset"))
            }
        }
    }


    public let journal: StateJournal<StateKey>
    var ledgers: [Int32: AWBLedger] = [:]
    var barrier = BarrierTracker()
    /// Per file of an open period: the ledger entries it replaced (nil:
    /// the AWB was not billed before it), kept while state is journalled
    /// (the only runs that take withdrawals).
    var undo: [Int32: [FileKey: UndoLog]] = [:]
    /// Which file an undo entry (by input offset) belongs to, while restoring.
    var undoOffsets: [Int32: [Int64: FileKey]] = [:]
    var withdrawnFiles: [Int32: Set<FileKey>] = [:]
    /// AWBs a partition's ledger is sized for up front: growing a ledger of
    /// a million entries rehashes it again and again.
    let expectedAWBsPerPartition: Int

    public init(persistState: Bool = false, expectedAWBsPerPartition: Int = 0) {
        journal = StateJournal(enabled: persistState)
        self.expectedAWBsPerPartition = expectedAWBsPerPartition
    }

    static func barrierKey(_ key: BarrierKey) -> StateKey { .barrier(key) }

    public func restore(partition: Int32, key: StateKey, value: [UInt8]) throws {
        switch key {
        case .barrier(let key):
            barrier.restore(partition: partition, key)
        case .removed, .undo, .withdrawn:
            try restoreFileAction(partition: partition, key: key, value: value)
        case .ledger:
            // Grown as entries come (geometrically): reserving per entry
            // would rehash the whole ledger each time.
            var ledger = ledgers.removeValue(forKey: partition) ?? AWBLedger()
            try ValidateLedgerEntries.decode(value) { key, entry in ledger[key] = entry }
            ledgers[partition] = ledger
        }
    }

    public func forget(partition: Int32) {
        ledgers[partition] = nil
        barrier.forget(partition: partition)
        undo[partition] = nil
        undoOffsets[partition] = nil
        withdrawnFiles[partition] = nil
    }

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        switch message {
        case .checked(let batch):
            try validate(batch, record: record, output: &output)
        case .closeMarker(let period, let source, let sourceCount):
            forwardMarker(record, period, source: source, sourceCount: sourceCount, input: .records, to: Self.lines, &output)
            if barrier.isDone(partition: record.partition, period: period) { dropUndo(record.partition, period) }
        case .withdrawCheck(let step):
            check(step, record: record, output: &output)
        case .withdrawCommit(let step):
            commit(step, record: record, output: &output)
        case .dryRunChecked(let run):
            dryRun(run, record: record, output: &output)
        default:
            throw DecodingFailure("the validate stage does not take \(message.kind) messages")
        }
    }

    func validate(_ batch: CheckedBatch, record: LogRecord, output: inout StageOutput) throws {
        var ledger = ledgers.removeValue(forKey: record.partition) ?? {
            var fresh = AWBLedger()
            fresh.reserve(expectedAWBsPerPartition)
            return fresh
        }()
        // Out of the dictionary while it changes (no copy); back in however
        // this ends. A record that overflows leaves the message unapplied
        // only in part: the worker dead-letters it, and the ledger keeps
        // what the records before it did, which a replay recognises.
        defer { ledgers[record.partition] = ledger }
        var rejections: [Rejection] = []
        let count = output.partitions(Self.lines)
        var byPartition: [[BilledLine]] = RoutingKey.partitionBatches(for: batch.records.count, partitions: count)
        let operation = ASCIICode(operationText: batch.country)
        // The ledger entries this message changed, journalled as one state
        // record.
        var changed = ValidateLedgerEntries.Writer(operation: operation, capacity: journal.enabled ? batch.records.count * 40 : 0)
        let file = FileKey(operation: batch.country, ordinal: batch.fileOrdinal)
        // A file withdrawn here never comes back (a duplicate sent before
        // the withdrawal must not bill it again).
        if withdrawnFiles[record.partition]?.contains(file) == true { return }
        var replaced = UndoRecorder(enabled: journal.enabled)
        // The file's undo log, taken out of the stage's dictionaries for the
        // loop (one lookup per message, not per record; unique, so noting
        // an AWB does not copy it) and put back after it.
        let earlierLog = replaced.enabled ? undo[record.partition]?.removeValue(forKey: file) : nil
        var undoLog = earlierLog ?? UndoLog(name: batch.fileName, period: batch.period)
        // Back in, also when a record throws half-way (as noting in place did).
        defer {
            if replaced.enabled, earlierLog != nil || undoLog.count > 0 {
                undo[record.partition, default: [:]][file] = undoLog
            }
        }
        // By index: iterating the array by value copies every record.
        for index in batch.records.indices {
            var before: AWBLedger.Entry?
            switch try ledger.apply(batch.records[index], operation: operation, replaced: &before) {
            case .billed(let line, let entry):
                if replaced.enabled {
                    replaced.note(LedgerKey(operation: operation, awb: batch.records[index].record.awbKey), before: before, log: &undoLog)
                }
                byPartition[Int(Self.lines.partition(for: InvoiceRoute(country: line.country, agent: line.agentCode), count: count))].append(line)
                if journal.enabled { changed.add(prefix: line.airlinePrefix, serial: line.awbSerial, entry) }
            case .rejected(let problem):
                rejections.append(batch.records[index].source.rejection(problem))
            case .replay:
                break
            }
        }
        if changed.count > 0 {
            journal.put(record.partition, .ledger(inputOffset: record.offset), changed.finish())
        }
        if replaced.count > 0 {
            undoLog.offsets.append(record.offset)
            undoOffsets[record.partition, default: [:]][record.offset] = file
            journal.put(record.partition, .undo(inputOffset: record.offset), replaced.value(file: file, name: batch.fileName, period: batch.period))
        }
        for (partition, lines) in byPartition.enumerated() where !lines.isEmpty {
            output.emit(Self.lines, partition: Int32(partition), key: batch.fileName,
                        .lines(LineBatch(lines: lines, originPartition: record.partition, originOffset: record.offset)))
        }
        output.emitRejections(rejections, file: batch.fileName, to: Self.rejections)
    }
}

// MARK: ledger entries in state

extension AWBLedger.Entry {
    /// Version byte, then the fields: 77 bytes.
    func encode(into w: inout BinaryWriter) {
        w.u8(1)
        w.i64(firstAgent); w.i64(weightCharge); w.i64(valuationCharge); w.i64(otherChargesDueCarrier)
        w.i64(commission); w.i64(incentive); w.i64(netDue); w.date(issueDate); w.i64(lastOrdinal); w.i32(lastSequence)
    }

    init(from r: inout BinaryReader) throws {
        guard try r.u8() == 1 else { throw DecodingFailure("AWB ledger entry of an unknown version") }
        self.init(firstAgent: try r.i64(), weightCharge: try r.i64(), valuationCharge: try r.i64(), otherChargesDueCarrier: try r.i64(),
                  commission: try r.i64(), incentive: try r.i64(), netDue: try r.i64(), issueDate: try r.date(),
                  lastOrdinal: try r.i64(), lastSequence: try r.i32())
    }
}
