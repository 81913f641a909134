import CASSDomain
import CASSEngine
import CASSLog

/// The ledger entries one file replaced in one validate partition: what
/// its withdrawal puts back. An AWB's entry is the one before the file's
/// first record of it (nil: the file billed it first).
struct UndoLog: Sendable {
    var name: String
    var period: BillingPeriod
    /// AWBs the file billed first: most of a file, kept small (a key each).
    var billedFirst: Set<LedgerKey> = []
    /// AWBs it changed, with the entry it replaced.
    var replaced: [LedgerKey: AWBLedger.Entry] = [:]
    /// The input offsets whose `undo/` entries hold it (dropped together).
    var offsets: [Int64] = []

    init(name: String, period: BillingPeriod) {
        self.name = name
        self.period = period
    }

    var count: Int { billedFirst.count + replaced.count }

    func contains(_ key: LedgerKey) -> Bool { billedFirst.contains(key) || replaced[key] != nil }

    /// The entry the file replaced: `.some(nil)` when it billed the AWB
    /// first, nil when it did not touch it.
    func previous(_ key: LedgerKey) -> AWBLedger.Entry?? {
        if let entry = replaced[key] { return .some(entry) }
        return billedFirst.contains(key) ? .some(nil) : nil
    }

    mutating func note(_ key: LedgerKey, _ before: AWBLedger.Entry?) {
        if let before { replaced[key] = before } else { billedFirst.insert(key) }
    }

    /// Notes `key` as `note` does unless the file touched it already (the
    /// first change is the one to undo); whether it did. One lookup for the
    /// usual AWB, billed first by this file, where `contains` and `note`
    /// made three.
    mutating func noteIfNew(_ key: LedgerKey, _ before: AWBLedger.Entry?) -> Bool {
        if let before {
            guard replaced[key] == nil, !billedFirst.contains(key) else { return false }
            replaced[key] = before
            return true
        }
        guard replaced.isEmpty || replaced[key] == nil else { return false }
        return billedFirst.insert(key).inserted
    }

    /// Every AWB it touched with what it replaced, in key order.
    var sorted: [(key: LedgerKey, previous: AWBLedger.Entry?)] {
        (billedFirst.map { ($0, AWBLedger.Entry?.none) } + replaced.map { ($0.key, AWBLedger.Entry?.some($0.value)) }).sorted { $0.0 < $1.0 }
    }
}

/// Collects what one input message's records replaced, for its `undo/` entry.
struct UndoRecorder {
    let enabled: Bool
    var writer: BinaryWriter
    var count: Int32 = 0

    init(enabled: Bool) {
        self.enabled = enabled
        writer = BinaryWriter(capacity: enabled ? 256 : 0)
    }

    mutating func note(_ key: LedgerKey, before: AWBLedger.Entry?, log: inout UndoLog) {
        guard log.noteIfNew(key, before) else { return }
        writer.i32(key.awb.prefix)
        writer.i32(key.awb.serial)
        if let before {
            writer.u8(1)
            before.encode(into: &writer)
        } else {
            writer.u8(0)
        }
        count += 1
    }

    /// Layout 1: the file (operation, ordinal, name, period), a count, then
    /// per AWB its prefix, serial, a flag and the entry it replaced.
    mutating func value(file: FileKey, name: String, period: BillingPeriod) -> [UInt8] {
        var w = BinaryWriter(capacity: writer.count + 64)
        w.u8(1); w.string(file.operation); w.i64(file.ordinal); w.string(name); w.period(period); w.i32(count)
        w.raw(writer.finish())
        return w.finish()
    }
}

/// Validate's part of the withdrawal and the dry run (docs/service.md).
extension ValidateStage {
    /// Phase one: the files accepted after this one that changed one of its
    /// AWBs here. An AWB's entry names the last file that changed it; that
    /// file's undo log names the one before, and so on back to this file.
    func check(_ step: WithdrawStep, record: LogRecord, output: inout StageOutput) {
        let partition = record.partition
        let file = step.file
        var conflicts: Set<FileMention> = []
        if let log = undo[partition]?[file], let ledger = ledgers[partition] {
            for key in Array(log.billedFirst) + Array(log.replaced.keys) {
                guard var ordinal = ledger[key]?.lastOrdinal else { continue }
                while ordinal > step.ordinal {
                    let later = undo[partition]?[FileKey(operation: step.operation, ordinal: ordinal)]
                    conflicts.insert(FileMention(ordinal: ordinal, name: later?.name ?? ""))
                    guard let previous = later?.previous(key) ?? nil else { break }
                    ordinal = previous.lastOrdinal
                }
            }
        }
        output.emit(Self.votes, partition: step.replyPartition, key: step.operation, .withdrawVote(WithdrawVote(
            requestId: step.requestId, operation: step.operation, ordinal: step.ordinal, source: partition,
            sourceCount: output.partitions(of: .records), conflicts: conflicts.sorted())))
    }

    /// Phase two: the file's versions leave the ledger (each AWB back to
    /// the entry it replaced, or unbilled), and its lines are told to
    /// leave the open invoices once everything before has reached them.
    func commit(_ step: WithdrawStep, record: LogRecord, output: inout StageOutput) {
        let partition = record.partition
        let file = step.file
        guard withdrawnFiles[partition]?.contains(file) != true else { return }
        withdrawnFiles[partition, default: []].insert(file)
        journal.put(partition, .withdrawn(file), [1])
        if let log = undo[partition]?.removeValue(forKey: file) {
            var ledger = ledgers.removeValue(forKey: partition) ?? AWBLedger()
            // Ledger entries of layout 2 (fixed width): withdrawals are rare,
            // and restore reads both layouts.
            var restored = BinaryWriter(capacity: journal.enabled ? log.count * 90 : 0)
            var removed = BinaryWriter(capacity: journal.enabled ? log.count * 20 : 0)
            var restoredCount: Int32 = 0, removedCount: Int32 = 0
            for (key, previous) in log.sorted {
                // The check found no later file here, and nothing came in
                // between (ingest held it): the entry is still this file's.
                guard ledger[key]?.lastOrdinal == step.ordinal else { continue }
                ledger[key] = previous
                if let previous {
                    restored.code(key.operation); restored.i32(key.awb.prefix); restored.i32(key.awb.serial)
                    previous.encode(into: &restored)
                    restoredCount += 1
                } else {
                    removed.code(key.operation); removed.i32(key.awb.prefix); removed.i32(key.awb.serial)
                    removedCount += 1
                }
            }
            ledgers[partition] = ledger
            if restoredCount > 0 {
                var value = BinaryWriter(capacity: restored.count + 5)
                value.u8(ValidateLedgerEntries.fixedLayout); value.i32(restoredCount); value.raw(restored.finish())
                journal.put(partition, .ledger(inputOffset: record.offset), value.finish())
            }
            if removedCount > 0 {
                var value = BinaryWriter(capacity: removed.count + 5)
                value.u8(1); value.i32(removedCount); value.raw(removed.finish())
                journal.put(partition, .removed(inputOffset: record.offset), value.finish())
            }
            for offset in log.offsets {
                journal.put(partition, .undo(inputOffset: offset), [])
                undoOffsets[partition]?[offset] = nil
            }
        }
        output.broadcast(Self.lines, key: step.operation, .withdrawLines(WithdrawLines(
            operation: step.operation, period: step.period, ordinal: step.ordinal, source: partition, sourceCount: output.partitions(of: .records))))
    }

    /// A closed period's files can no longer be withdrawn: their undo logs go.
    func dropUndo(_ partition: Int32, _ period: PeriodKey) {
        guard let logs = undo[partition] else { return }
        for (file, log) in logs where file.operation == period.country && log.period == period.period {
            undo[partition]?[file] = nil
            for offset in log.offsets {
                journal.put(partition, .undo(inputOffset: offset), [])
                undoOffsets[partition]?[offset] = nil
            }
        }
    }

    /// A dry run's batch against a small overlay: the touched AWBs' current
    /// entries, copied. The ledger itself is only read.
    func dryRun(_ run: DryRunBatch, record: LogRecord, output: inout StageOutput) {
        let ledger = ledgers[record.partition]
        var overlay = AWBLedger()
        let operation = ASCIICode(operationText: run.batch.country)
        var part = DryRunPart(fileCode: nil, records: 0, rejections: [])
        for index in run.batch.records.indices {
            let key = LedgerKey(operation: operation, awb: run.batch.records[index].record.awbKey)
            if overlay[key] == nil, let entry = ledger?[key] { overlay[key] = entry }
            do {
                if case .rejected(let problem) = try overlay.apply(run.batch.records[index], operation: operation) {
                    part.rejections.append(run.batch.records[index].source.rejection(problem))
                }
            } catch {
                part.failure = "\(error)"
                break
            }
        }
        output.emit(Self.replies, key: run.requestId, .reply(StageReply(requestId: run.requestId, part: run.part, parts: run.parts, dryRun: part)))
    }

    func restoreFileAction(partition: Int32, key: StateKey, value: [UInt8]) throws {
        switch key {
        case .withdrawn(let file):
            withdrawnFiles[partition, default: []].insert(file)
        case .removed:
            var r = BinaryReader(value)
            guard try r.u8() == 1 else { throw DecodingFailure("removed ledger entries of an unknown layout") }
            let count = Int(try r.i32())
            guard count >= 0 else { throw DecodingFailure("negative entry count") }
            var ledger = ledgers.removeValue(forKey: partition) ?? AWBLedger()
            for _ in 0..<count {
                let operation = try r.code(), prefix = try r.i32(), serial = try r.i32()
                ledger[LedgerKey(operation: operation, awb: AWBKey(prefix: prefix, serial: serial))] = nil
            }
            ledgers[partition] = ledger
            guard r.isAtEnd else { throw DecodingFailure("bytes after the last removed entry") }
        case .undo(let offset):
            guard !value.isEmpty else {
                // Dropped (withdrawn, or its period closed): the whole file's log goes.
                if let file = undoOffsets[partition]?[offset] {
                    for other in undo[partition]?[file]?.offsets ?? [] { undoOffsets[partition]?[other] = nil }
                    undo[partition]?[file] = nil
                }
                return
            }
            var r = BinaryReader(value)
            guard try r.u8() == 1 else { throw DecodingFailure("an undo entry of an unknown layout") }
            let file = FileKey(operation: try r.string(), ordinal: try r.i64())
            let name = try r.string(), period = try r.period()
            let count = Int(try r.i32())
            guard count >= 0 else { throw DecodingFailure("negative entry count") }
            let operation = ASCIICode(operationText: file.operation)
            var log = undo[partition]?[file] ?? UndoLog(name: name, period: period)
            for _ in 0..<count {
                let key = LedgerKey(operation: operation, awb: AWBKey(prefix: try r.i32(), serial: try r.i32()))
                let previous: AWBLedger.Entry? = try r.u8() == 1 ? try AWBLedger.Entry(from: &r) : nil
                if !log.contains(key) { log.note(key, previous) }
            }
            guard r.isAtEnd else { throw DecodingFailure("bytes after the last undo entry") }
            log.offsets.append(offset)
            undo[partition, default: [:]][file] = log
            undoOffsets[partition, default: [:]][offset] = file
        default:
            break
        }
    }
}
