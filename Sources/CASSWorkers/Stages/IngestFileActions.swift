import CASSDomain
import CASSEngine
import CASSLog

/// Ingest's part of the dry run and of the withdrawal (docs/service.md,
/// "Validate and withdraw").
///
/// A withdrawal is two phases. Ingest checks what it alone knows (the file
/// was accepted, is not withdrawn, its period is open), then asks every
/// validate partition whether a record accepted after the file changed one
/// of its AWBs there (`withdrawCheck`). Until every partition has voted
/// (`withdrawVote`, back on cass.files), every other record of this
/// cass.files partition is held, in order, in state: no file can slip in
/// between the check and the commit, so the votes are still true when the
/// commit (`withdrawCommit`) or the refusal goes out. Then the held records
/// are handled as if they had just arrived (their ordinals are their own
/// offsets, so the processing order is unchanged).
extension IngestStage {
    /// Handles the file actions and holds records behind a pending
    /// withdrawal; false for a message the stage's usual path takes.
    func handleFileAction(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws -> Bool {
        if case .withdrawVote(let vote) = message {
            collect(vote, record: record, output: &output)
            return true
        }
        if pending[record.partition] != nil {
            hold(record)
            return true
        }
        switch message {
        case .withdraw(let request):
            withdraw(request, record: record, output: &output)
            return true
        case .dryRun(let request):
            try dryRun(request, record: record, output: &output)
            return true
        default:
            return false
        }
    }

    // MARK: withdrawal

    func withdraw(_ request: WithdrawRequest, record: LogRecord, output: inout StageOutput) {
        let partition = record.partition
        // The service may not know the operation yet (the file was still
        // being read when it asked): the ordinal alone names a file of
        // this partition.
        var operation = request.operation
        if operation.isEmpty, let known = acceptedFiles[partition]?.keys.first(where: { $0.ordinal == request.ordinal })
            ?? withdrawnFiles[partition]?.first(where: { $0.ordinal == request.ordinal }) {
            operation = known.operation
        }
        let file = FileKey(operation: operation, ordinal: request.ordinal)
        func refuse(_ reason: WithdrawAnswer.Reason, _ message: String, name: String = "") {
            reply(request, WithdrawAnswer(status: .refused, reason: reason, message: message, operation: file.operation, ordinal: file.ordinal,
                                          fileName: name, conflicts: []), output: &output)
        }
        if withdrawnFiles[partition]?.contains(file) == true {
            return refuse(.alreadyWithdrawn, "the file is already withdrawn")
        }
        guard let accepted = acceptedFiles[partition]?[file], let period = BillingPeriod(yyyymmnn: accepted.key.period) else {
            return refuse(.notAccepted, "file \(file.ordinal) of operation \(file.operation) is not an accepted file")
        }
        if closed[partition]?.contains(PeriodKey(country: file.operation, period: period)) == true {
            return refuse(.periodClosed, "billing period \(period) of operation \(file.operation) is closed", name: accepted.name)
        }
        let step = WithdrawStep(requestId: request.requestId, operation: file.operation, ordinal: file.ordinal, period: accepted.key.period,
                                fileName: accepted.name, replyPartition: partition)
        let waiting = PendingWithdrawal(request: request, step: step, registryKey: accepted.key)
        pending[partition] = waiting
        journal.put(partition, .pending, StageMessage.json(waiting))
        output.broadcast(Self.records, key: file.operation, .withdrawCheck(step))
    }

    /// A vote from one validate partition; the last one decides. Votes of
    /// another request (a replay's duplicates, after the decision) change nothing.
    func collect(_ vote: WithdrawVote, record: LogRecord, output: inout StageOutput) {
        let partition = record.partition
        guard var waiting = pending[partition], waiting.request.requestId == vote.requestId,
              waiting.step.operation == vote.operation, waiting.step.ordinal == vote.ordinal else { return }
        waiting.votes[vote.source] = vote.conflicts
        guard waiting.votes.count >= Int(vote.sourceCount) else {
            pending[partition] = waiting
            journal.put(partition, .pending, StageMessage.json(waiting))
            return
        }
        pending[partition] = nil
        journal.put(partition, .pending, [])
        let step = waiting.step
        let conflicts = Set(waiting.votes.values.joined()).sorted()
        if conflicts.isEmpty {
            output.broadcast(Self.records, key: step.operation, .withdrawCommit(step))
            let file = step.file
            registries[partition, default: FileRegistry()].remove(waiting.registryKey)
            journal.put(partition, .registered(waiting.registryKey), [])
            acceptedFiles[partition]?[file] = nil
            withdrawnFiles[partition, default: []].insert(file)
            journal.put(partition, .withdrawn(file), [1])
            var outcome = FileOutcome(file: step.fileName, airline: Padding.zeros(String(waiting.registryKey.airline), to: 3), country: step.operation,
                                      period: String(step.period), accepted: false, code: "", message: "withdrawn", recordsPassed: 0, recordsRejected: 0)
            outcome.withdrawn = true
            // The submission it takes out: its public event's id names it.
            outcome.submission = "\(partition)/\(step.ordinal)"
            outcome.id = waiting.request.fileId
            outcome.ordinal = step.ordinal
            outcome.fileSequence = waiting.registryKey.fileSequence
            output.emit(Self.events, key: outcome.airline, .fileOutcome(outcome))
            reply(waiting.request, WithdrawAnswer(status: .withdrawn, reason: nil, message: "withdrawn", operation: step.operation,
                                                  ordinal: step.ordinal, fileName: step.fileName, conflicts: []), output: &output)
        } else {
            let names = conflicts.map { $0.name.isEmpty ? "#\($0.ordinal)" : $0.name }.joined(separator: ", ")
            reply(waiting.request, WithdrawAnswer(status: .refused, reason: .conflict,
                                                  message: "records accepted after the file refer to its AWBs: \(names)", operation: step.operation,
                                                  ordinal: step.ordinal, fileName: step.fileName, conflicts: conflicts), output: &output)
        }
        release(partition, output: &output)
    }

    func reply(_ request: WithdrawRequest, _ answer: WithdrawAnswer, output: inout StageOutput) {
        output.emit(Self.replies, key: request.requestId, .reply(StageReply(requestId: request.requestId, part: "ingest", parts: 1, withdrawal: answer)))
    }

    /// A record that must wait for the pending withdrawal's decision.
    func hold(_ record: LogRecord) {
        held[record.partition, default: []].append(record)
        journal.put(record.partition, .held(offset: record.offset), Self.heldValue(record))
    }

    /// The held records, in order, until one of them is a withdrawal that
    /// must wait for votes in its turn.
    func release(_ partition: Int32, output: inout StageOutput) {
        while pending[partition] == nil, let next = held[partition]?.first {
            held[partition]?.removeFirst()
            journal.put(partition, .held(offset: next.offset), [])
            // What it emits carries its own headers (its file id), as if
            // the worker had just read it.
            let carried = output.carried
            output.carried = next.headers.filter { StageOutput.carriedNames.contains($0.name) }
            do {
                try handle(try StageMessage.decode(next.value), from: next, output: &output)
            } catch {
                output.deadLetter(key: next.key, value: next.value, reason: "\(error)", source: next)
            }
            output.carried = carried
        }
    }

    // MARK: dry run

    /// The file's checks as they would go now, against a copy of the
    /// registry; the records that pass go on to validate marked as a dry
    /// run, grouped so that all records of an AWB travel together.
    func dryRun(_ request: DryRunRequest, record: LogRecord, output: inout StageOutput) throws {
        if refusesUnsafeNames { try FileNames.check(request.name) }
        var registry = registries[record.partition] ?? FileRegistry()
        let ordinal = record.offset + 1
        let bytes: [UInt8]
        switch request.content {
        case .bytes(let inline): bytes = inline
        case .reference(let upload):
            guard let log else { throw DecodingFailure("dry run of \(request.name): this ingest worker has no log to read uploads from") }
            bytes = try upload.content(from: log, uploads: uploads)
        }
        let result = bytes.withUnsafeBytes { bytes in
            Ingestion.ingest(bytes: bytes, fileName: request.name, fileOrdinal: ordinal, reference: reference,
                             closedPeriods: closed[record.partition] ?? [], registry: &registry, reader: reader)
        }
        func answer(_ part: DryRunPart, parts: Int32) {
            output.emit(Self.replies, key: request.requestId, .reply(StageReply(requestId: request.requestId, part: "ingest", parts: parts, dryRun: part)))
        }
        guard result.fileRejection == nil, let header = result.header else {
            answer(DryRunPart(fileCode: result.fileRejection?.code.rawValue, records: 0, rejections: result.fileRejection.map { [$0] } ?? []), parts: 1)
            return
        }
        let count = output.partitions(Self.records)
        var byPartition: [[Int32]] = Array(repeating: [], count: Int(count))
        let operation = ASCIICode(operationText: header.operation)
        for index in result.checked.indices {
            let route = AWBRoute(operation: operation, prefix: result.checked[index].record.airlinePrefix, serial: result.checked[index].record.awbSerial)
            byPartition[Int(Self.records.partition(for: route, count: count))].append(Int32(index))
        }
        func awb(_ index: Int32) -> (Int32, Int32) {
            (result.checked[Int(index)].record.airlinePrefix, result.checked[Int(index)].record.awbSerial)
        }
        var batches: [(partition: Int32, selection: ArraySlice<Int32>)] = []
        for (partition, positions) in byPartition.enumerated() where !positions.isEmpty {
            // By AWB, in file order within an AWB: a batch never splits an
            // AWB's records, so each is checked on its own.
            let sorted = positions.sorted { (awb($0).0, awb($0).1, $0) < (awb($1).0, awb($1).1, $1) }
            var start = 0
            while start < sorted.count {
                var end = min(sorted.count, start + StageMessage.recordsPerMessage)
                while end < sorted.count, awb(sorted[end - 1]) == awb(sorted[end]) { end += 1 }
                batches.append((Int32(partition), sorted[start..<end]))
                start = end
            }
        }
        let parts = Int32(1 + batches.count)
        answer(DryRunPart(fileCode: nil, records: result.checked.count + result.recordRejections.count, rejections: result.recordRejections), parts: parts)
        for (index, entry) in batches.enumerated() {
            var batch = CheckedBatch(fileName: result.fileName, fileOrdinal: ordinal, identity: result.identity, country: header.operation,
                                     period: header.period, records: result.checked)
            batch.selection = entry.selection
            output.emit(Self.records, partition: entry.partition, key: request.requestId,
                        .dryRunChecked(DryRunBatch(requestId: request.requestId, part: "validate/\(entry.partition)/\(index)", parts: parts, batch: batch)))
        }
    }

    // MARK: state values

    /// An accepted file's entry: a layout byte (2), its ordinal and name.
    /// Layout 1 (the byte 1 alone) did not say which file it was.
    static func acceptedValue(ordinal: Int64, name: String) -> [UInt8] {
        var w = BinaryWriter(capacity: 16 + name.utf8.count)
        w.u8(2); w.i64(ordinal); w.string(name)
        return w.finish()
    }

    static func acceptedFile(_ value: [UInt8]) throws -> (ordinal: Int64, name: String)? {
        if value == [1] { return nil }
        var r = BinaryReader(value)
        guard try r.u8() == 2 else { throw DecodingFailure("an accepted file's entry of an unknown layout") }
        return (try r.i64(), try r.string())
    }

    /// A held record: its key, value and headers (the offset is in the key).
    static func heldValue(_ record: LogRecord) -> [UInt8] {
        var w = BinaryWriter(capacity: 32 + record.key.count + record.value.count)
        w.u8(1); w.data(record.key); w.data(record.value)
        w.i32(Int32(record.headers.count))
        for header in record.headers { w.string(header.name); w.data(header.value) }
        return w.finish()
    }

    static func heldRecord(_ value: [UInt8], partition: Int32, offset: Int64) throws -> LogRecord {
        var r = BinaryReader(value)
        guard try r.u8() == 1 else { throw DecodingFailure("a held record of an unknown layout") }
        let key = try r.data(), bytes = try r.data()
        let count = Int(try r.i32())
        guard count >= 0, count <= 64 else { throw DecodingFailure("\(count) headers on a held record") }
        var headers: [LogHeader] = []
        for _ in 0..<count { headers.append(LogHeader(name: try r.string(), value: try r.data())) }
        guard r.isAtEnd else { throw DecodingFailure("bytes after a held record") }
        return LogRecord(topic: Topic.files.name, partition: partition, offset: offset, key: key, value: bytes, headers: headers)
    }
}
