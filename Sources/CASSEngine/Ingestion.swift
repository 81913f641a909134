import CASSDomain

/// What a billing file becomes once read and checked at file level and
/// record by record (all but R10/R11).
public struct IngestionResult: Sendable {
    public var fileName: String
    public var identity: ReportedIdentity
    /// Set when the whole file is rejected.
    public var fileRejection: Rejection?
    public var header: FileHeader?
    public var recordRejections: [Rejection] = []
    public var checked: [CheckedRecord] = []
}

/// Reads a file in whichever format a reader recognises, admits it (F07,
/// F08, F04) and runs the history-free record checks.
public enum Ingestion {
    public typealias Reader = @Sendable (_ bytes: UnsafeRawBufferPointer, _ fileName: String, _ periodsPerMonth: (String) -> Int?) -> FileReadResult

    public static func ingest(
        bytes: UnsafeRawBufferPointer, fileName: String, fileOrdinal: Int64, reference: ReferenceData,
        closedPeriods: Set<PeriodKey>, registry: inout FileRegistry, reader: Reader
    ) -> IngestionResult {
        let read = reader(bytes, fileName) { reference.operation($0)?.periodsPerMonth }
        return ingest(read, fileOrdinal: fileOrdinal, reference: reference, closedPeriods: closedPeriods, registry: &registry)
    }

    /// The same, for a file a reader has already read (`cass settle` reads
    /// files ahead on other threads: reading depends only on the bytes, the
    /// name and the reference; admission depends on the order).
    public static func ingest(
        _ read: FileReadResult, fileOrdinal: Int64, reference: ReferenceData, closedPeriods: Set<PeriodKey>, registry: inout FileRegistry
    ) -> IngestionResult {
        switch read {
        case .rejected(let name, let identity, let problem):
            return IngestionResult(fileName: name, identity: identity, fileRejection: fileRejection(name, identity, problem))
        case .parsed(let file):
            return ingest(file, fileOrdinal: fileOrdinal, reference: reference, closedPeriods: closedPeriods, registry: &registry)
        }
    }

    public static func ingest(
        _ file: BillingFile, fileOrdinal: Int64, reference: ReferenceData, closedPeriods: Set<PeriodKey>, registry: inout FileRegistry
    ) -> IngestionResult {
        var result = IngestionResult(fileName: file.name, identity: file.identity, header: file.header)
        let admitted: AdmittedFile
        switch FileAdmission.admit(file, reference: reference, closedPeriods: closedPeriods, registry: registry) {
        case .failure(let problem):
            result.fileRejection = fileRejection(file.name, file.identity, problem)
            return result
        case .success(let value):
            admitted = value
        }
        registry.insert(admitted.registryKey)
        let header = file.header
        result.checked.reserveCapacity(file.records.count)
        let context = RecordChecks.Context(header: header, reference: reference)
        for record in file.records {
            let source = RecordSource(fileName: file.name, fileOrdinal: fileOrdinal, sequence: record.sequence, identity: file.identity, awbPrefixText: record.awbPrefixText, awbSerialText: record.awbSerialText)
            if let problem = RecordChecks.check(record, otherCharges: file.otherCharges(of: record), context: context) {
                result.recordRejections.append(source.rejection(problem))
                continue
            }
            // RecordChecks proved the date real, and a record it passed has
            // no malformed field.
            guard let issueDate = CivilDate(yyyymmdd: Int(record.issueDateDigits)) else { continue }
            result.checked.append(CheckedRecord(source: source, country: header.operation, period: header.period, record: record, issueDate: issueDate))
        }
        return result
    }

    static func fileRejection(_ name: String, _ identity: ReportedIdentity, _ problem: Problem) -> Rejection {
        Rejection(file: name, airline: identity.airline, country: identity.country, period: identity.period, sequence: 0, awb: "", problem: problem)
    }
}
