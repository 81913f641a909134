import CASSDomain
import CASSEngine
import CASSLog

/// Ingest's part of a memo billed without a file (InjectedMemo): an
/// accepted dispute's `CCM`. It becomes one checked memo record, routed to
/// its AWB's partition like a file's, so validate (R11: the AWB and its
/// agent), tax (a memo's base is its net, its rules those of its AWB's
/// latest accepted version) and settle treat it as any memo.
extension IngestStage {
    func bill(_ memo: InjectedMemo, record: LogRecord, output: inout StageOutput) throws {
        let partition = record.partition
        // Billed once, whoever wrote it how often: the name is the identity.
        if memos[partition]?.contains(memo.name) == true { return }
        if let problem = memo.problem(operation: reference.operation(memo.country)) { throw DecodingFailure(problem) }
        guard let periodsPerMonth = reference.operation(memo.country)?.periodsPerMonth, let asked = BillingPeriod(yyyymmnn: memo.period) else {
            throw DecodingFailure("memo \(memo.name): no period")
        }
        // The period asked for, or the first after it this operation has not
        // closed here: a close marker handled before this message means the
        // period's invoices are being made without it.
        var billed = asked
        let closedHere = closed[partition] ?? []
        while closedHere.contains(PeriodKey(country: memo.country, period: billed)) {
            guard let next = billed.next(periodsPerMonth: periodsPerMonth) else {
                throw DecodingFailure("memo \(memo.name): no open period of \(memo.country) after \(billed)")
            }
            billed = next
        }
        memos[partition, default: []].insert(memo.name)
        journal.put(partition, .memo(memo.name), Array(billed.text.utf8))
        // Its place on cass.files is its place in the processing order, as
        // for a file: stable across replays.
        let checked = memo.checked(ordinal: record.offset + 1, billed: billed)
        let route = AWBRoute(operation: ASCIICode(operationText: memo.country), prefix: memo.airline, serial: memo.serial)
        let batch = CheckedBatch(fileName: memo.name, fileOrdinal: record.offset + 1, identity: checked.source.identity,
                                 country: memo.country, period: billed, records: [checked])
        output.emit(Self.records, partition: Self.records.partition(for: route, count: output.partitions(Self.records)),
                    key: memo.name, .checked(batch))
    }
}
