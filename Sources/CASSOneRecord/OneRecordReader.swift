import CASSDomain

/// Reads a ONE Record XML billing file (onerecord-xml.md) into the same
/// `BillingFile` the CBF reader produces, with the same file-level checks
/// in the same precedence: F06 > F01 > F05 > F02 > F03. F07, F08, F04 and
/// every record-level code but R12 are the engine's, from the parsed values.
public enum OneRecordReader {
    public static let supportedFormatVersion = "01"

    public static func read(bytes: UnsafeRawBufferPointer, fileName: String, periodsPerMonth: (String) -> Int?, limits: XMLLimits = .standard, maxCBFLines: Int? = nil) -> FileReadResult {
        var builder = BillingDocumentBuilder(limits: limits, identityOnly: false)
        builder.maxCBFLines = maxCBFLines
        XMLDocumentReader.read(bytes, into: &builder)
        // The transactions' texts are ranges of `bytes`: parsed while they are here.
        return result(of: builder, document: bytes, fileName: fileName, periodsPerMonth: periodsPerMonth)
    }

    /// The JSON-LD serialisation of the same graph, with the same checks and codes.
    public static func readJSONLD(bytes: UnsafeRawBufferPointer, fileName: String, periodsPerMonth: (String) -> Int?, limits: XMLLimits = .standard, maxCBFLines: Int? = nil) -> FileReadResult {
        var builder = BillingDocumentBuilder(limits: limits, identityOnly: false)
        builder.maxCBFLines = maxCBFLines
        JSONLDDocumentReader.read(bytes, into: &builder)
        return result(of: builder, document: bytes, fileName: fileName, periodsPerMonth: periodsPerMonth)
    }

    public static func read(bytes: [UInt8], fileName: String, periodsPerMonth: (String) -> Int?, limits: XMLLimits = .standard) -> FileReadResult {
        bytes.withUnsafeBytes { read(bytes: $0, fileName: fileName, periodsPerMonth: periodsPerMonth, limits: limits) }
    }

    /// The file-level checks and the records, from what either
    /// serialisation's reader found.
    /// `document`: the bytes the builder read (transaction texts may be
    /// ranges of it).
    static func result(of scan: BillingDocumentBuilder, document: UnsafeRawBufferPointer, fileName: String, periodsPerMonth: (String) -> Int?) -> FileReadResult {
        let envelope = Envelope(scan.envelope)
        let identity = envelope.identity
        func reject(_ problem: Problem) -> FileReadResult { .rejected(name: fileName, identity: identity, problem: problem) }

        if let problem = scan.layoutProblem { return reject(problem) }
        let header: FileHeader
        switch envelope.header(periodsPerMonth: periodsPerMonth) {
        case .rejected(let problem): return reject(problem)
        case .ok(let parsed): header = parsed
        }
        if envelope.formatVersionText != supportedFormatVersion {
            return reject(Problem(code: .F05, field: "format version", location: "cass:BillingFile/cass:formatVersion",
                                  expected: supportedFormatVersion, found: envelope.formatVersionText))
        }
        let trailer: FileTrailer
        switch envelope.trailer(minorDigits: header.minorDigits) {
        case .rejected(let problem): return reject(problem)
        case .ok(let parsed): trailer = parsed
        }

        var records: [BillingRecord] = []
        var otherCharges: [OtherCharge] = []
        let transactions = scan.transactions
        records.reserveCapacity(transactions.count)
        otherCharges.reserveCapacity(transactions.otherCharges.count)
        var netTotal: Int128 = 0
        var weightTotal: Int128 = 0
        transactions.bytes.withUnsafeBufferPointer { bytes in
            for index in 0..<transactions.count {
                let record = TransactionParser.parse(transactions, index, bytes: bytes, document: document, header: header, otherCharges: &otherCharges)
                netTotal += Int128(record.netDue)
                weightTotal += Int128(record.weightCharge)
                records.append(record)
            }
        }

        let digits = header.minorDigits
        if trailer.recordCount != records.count {
            return reject(Problem(code: .F03, field: "transaction count", location: "cass:BillingFile/cass:transactionCount",
                                  expected: String(records.count), found: String(trailer.recordCount)))
        }
        if Int128(trailer.netDueTotal) != netTotal {
            return reject(Problem(code: .F03, field: "net due total", location: "cass:BillingFile/cass:netDueTotal",
                                  expected: Money.decimalString(Int64(clamping: netTotal), digits: digits), found: Money.decimalString(trailer.netDueTotal, digits: digits)))
        }
        if Int128(trailer.weightChargeTotal) != weightTotal {
            return reject(Problem(code: .F03, field: "weight charge total", location: "cass:BillingFile/cass:weightChargeTotal",
                                  expected: Money.decimalString(Int64(clamping: weightTotal), digits: digits), found: Money.decimalString(trailer.weightChargeTotal, digits: digits)))
        }
        return .parsed(BillingFile(name: fileName, identity: identity, header: header, trailer: trailer, records: records, otherCharges: otherCharges))
    }
}

extension OneRecordReader {
    /// The envelope's operation, billing period and processing-order key,
    /// read as far as they can be without looking into any transaction
    /// (the scan stops once they are known). Numbers that do not parse are 0.
    public static func envelopeSummary(bytes: UnsafeRawBufferPointer, fileName: String, limits: XMLLimits = .standard, jsonld: Bool = false) -> BillingFileSummary {
        var builder = BillingDocumentBuilder(limits: limits, identityOnly: true)
        if jsonld { JSONLDDocumentReader.read(bytes, into: &builder) } else { XMLDocumentReader.read(bytes, into: &builder) }
        return summary(of: builder, fileName: fileName)
    }

    static func summary(of builder: BillingDocumentBuilder, fileName: String) -> BillingFileSummary {
        let envelope = Envelope(builder.envelope)
        let identity = envelope.identity
        let period = OneRecordValues.digits(identity.period, count: 8).map(Int.init) ?? 0
        let airline = OneRecordValues.digits(identity.airline, count: 3).map(Int.init) ?? 0
        let sequence = OneRecordValues.digits(envelope.fileSequenceText, maxCount: 6).map(Int.init) ?? 0
        return BillingFileSummary(
            key: ProcessingOrderKey(period: period, airline: airline, fileSequence: sequence, fileName: fileName),
            operation: identity.country, period: BillingPeriod(yyyymmnn: period))
    }
}

/// What the job needs to know of a file before reading it: where it goes in
/// the processing order and which operation and period it names.
public struct BillingFileSummary: Sendable, Equatable {
    public var key: ProcessingOrderKey
    public var operation: String
    public var period: BillingPeriod?

    public init(key: ProcessingOrderKey, operation: String, period: BillingPeriod?) {
        self.key = key
        self.operation = operation
        self.period = period
    }
}
