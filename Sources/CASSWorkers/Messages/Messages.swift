import CASSDomain
import CASSEngine
import Foundation

/// The first byte of every message: which `StageMessage` it is
/// (Topics/README.md lists the layouts). Numbers are never reused.
public enum MessageKind: UInt8, Sendable, CaseIterable {
    case file = 1
    case closeMarker = 2
    case checked = 3
    case lines = 4
    case rejections = 5
    case drafts = 6
    case invoice = 7
    case periodClosed = 8
    case fileOutcome = 9
    case fileAt = 10
    case draftLines = 11
    case invoiceHeader = 12
    case invoiceLines = 13
    case invoiceIssued = 14
    case issuedLines = 15
    case event = 16
    // File actions of `cass serve` (FileActions.swift).
    case withdraw = 20
    case withdrawCheck = 21
    case withdrawVote = 22
    case withdrawCommit = 23
    case withdrawLines = 24
    case dryRun = 25
    case dryRunChecked = 26
    case reply = 27
    /// A memo the service bills without a file (InjectedMemo.swift).
    case memo = 28
    case fileRef = 17
}

/// Every message that travels between stages. The first byte is the kind,
/// the second the schema version (Topics/README.md).
public enum StageMessage: Sendable {
    /// A billing file as submitted (cass.files).
    case file(name: String, bytes: [UInt8])
    /// A billing file too large for a message: its path in the spool
    /// folder every ingest worker can read.
    case fileAt(name: String, path: String)
    /// Period-close barrier marker: `source` of `sourceCount` upstream
    /// partitions has forwarded everything before it.
    case closeMarker(period: PeriodKey, source: Int32, sourceCount: Int32)
    /// Records of one file that passed the history-free checks (cass.records).
    case checked(CheckedBatch)
    /// Billed lines of one file for one partition (cass.lines, cass.billed).
    case lines(LineBatch)
    case rejections([Rejection])
    /// Invoice drafts of one settlement partition for a closed period (cass.drafts).
    case drafts(period: PeriodKey, source: Int32, sourceCount: Int32, invoices: [Invoice])
    /// An issued invoice (cass.invoices): what downstream systems subscribe to.
    case invoice(Invoice)
    /// A closed period's disbursements (cass.settlements).
    case periodClosed(period: PeriodKey, invoices: Int, total: Int64, disbursements: [Disbursement])
    /// A file's outcome, for notifications (cass.events).
    case fileOutcome(FileOutcome)
    /// Lines of a draft invoice, sent ahead of the drafts (cass.drafts):
    /// lines never travel inside an invoice, so no message outgrows the
    /// broker's limit however many AWBs an agent has.
    case draftLines(period: PeriodKey, agent: Int64, part: LinePart)
    /// An issued invoice whose lines follow in `parts` messages (cass.invoices).
    case invoiceHeader(Invoice, parts: Int)
    /// Lines of an issued invoice (cass.invoices), after its header.
    case invoiceLines(number: String, part: LinePart)
    /// An issued invoice for the public events (cass.events): the header,
    /// its line part count and the line count of each section (in section
    /// order), which the header alone no longer tells.
    case invoiceIssued(Invoice, parts: Int, sectionLines: [Int])
    /// A line part of an issued invoice for the public events (cass.events),
    /// with what its event needs without the header (a worker may restart
    /// between the two).
    case issuedLines(country: String, invoiceDate: CivilDate, number: String, part: LinePart)
    /// A fact that is a public event but for its envelope (cass.events):
    /// the service's disputes, payments, overdue invoices and risk flags.
    case event(EventFact)
    /// Take an accepted file out of its open period (cass.files).
    case withdraw(WithdrawRequest)
    /// Phase one of a withdrawal: may the file go? (cass.records, to every partition)
    case withdrawCheck(WithdrawStep)
    /// A validate partition's answer to a check (cass.files, to the asking partition).
    case withdrawVote(WithdrawVote)
    /// Phase two: every partition agreed, the file goes (cass.records).
    case withdrawCommit(WithdrawStep)
    /// The withdrawn file's lines leave the open invoices (cass.lines, cass.billed).
    case withdrawLines(WithdrawLines)
    /// Check a file against the current state, keep nothing (cass.files).
    case dryRun(DryRunRequest)
    /// A dry run's records for one validate partition (cass.records).
    case dryRunChecked(DryRunBatch)
    /// A part of an answer to a dry run or a withdrawal (cass.replies).
    case reply(StageReply)
    /// A billing file uploaded to the service: its bytes wait on
    /// cass.uploads, in chunks this reference lists (cass.files).
    case fileRef(FileReference)
    /// A memo billed without a file: an accepted dispute's `CCM` (cass.files).
    case memo(InjectedMemo)

    /// Version 2: invoices, invoice lines and rejections in binary (version 1 carried them as JSON).
    /// Version 3: a line's transaction byte also says prepaid or collect
    /// (`LineTransactionByte`); versions 1 and 2 are still read.
    public static let version: UInt8 = 3

    /// Message size bounds (Kafka's default limit is 1 MB): about 180
    /// bytes a record, a few hundred a rejection.
    public static let recordsPerMessage = 2000
    public static let rejectionsPerMessage = 1000

    /// The message's kind byte.
    public var kind: MessageKind {
        switch self {
        case .file: .file
        case .fileAt: .fileAt
        case .closeMarker: .closeMarker
        case .checked: .checked
        case .lines: .lines
        case .rejections: .rejections
        case .drafts: .drafts
        case .invoice: .invoice
        case .periodClosed: .periodClosed
        case .fileOutcome: .fileOutcome
        case .draftLines: .draftLines
        case .invoiceHeader: .invoiceHeader
        case .invoiceLines: .invoiceLines
        case .invoiceIssued: .invoiceIssued
        case .issuedLines: .issuedLines
        case .event: .event
        case .withdraw: .withdraw
        case .withdrawCheck: .withdrawCheck
        case .withdrawVote: .withdrawVote
        case .withdrawCommit: .withdrawCommit
        case .withdrawLines: .withdrawLines
        case .dryRun: .dryRun
        case .dryRunChecked: .dryRunChecked
        case .reply: .reply
        case .fileRef: .fileRef
        case .memo: .memo
        }
    }

    public func encoded() -> [UInt8] {
        var w = BinaryWriter()
        func start(_ writer: inout BinaryWriter) {
            writer.u8(kind.rawValue)
            writer.u8(Self.version)
        }
        switch self {
        case .file(let name, let bytes):
            start(&w); w.string(name); w.data(bytes)
        case .closeMarker(let period, let source, let count):
            start(&w); w.string(period.country); w.period(period.period); w.i32(source); w.i32(count)
        case .checked(let batch):
            w = BinaryWriter(capacity: 160 + (batch.selection?.count ?? batch.records.count) * CheckedBatch.fixedRecordBytes)
            start(&w); batch.encode(into: &w)
        case .lines(let batch):
            w = BinaryWriter(capacity: 160 + batch.lines.count * (LineBatch.fixedLineBytes + 1))
            start(&w); batch.encode(into: &w)
        case .rejections(let list):
            start(&w); w.rejections(list)
        case .drafts(let period, let source, let count, let invoices):
            start(&w); w.string(period.country); w.period(period.period); w.i32(source); w.i32(count); w.invoices(invoices)
        case .invoice(let invoice):
            start(&w); w.invoice(invoice)
        case .periodClosed(let period, let invoices, let total, let disbursements):
            start(&w); w.string(period.country); w.period(period.period); w.i64(Int64(invoices)); w.i64(total); w.data(Self.json(disbursements))
        case .fileOutcome(let outcome):
            start(&w); w.data(Self.json(outcome))
        case .fileAt(let name, let path):
            start(&w); w.string(name); w.string(path)
        case .draftLines(let period, let agent, let part):
            start(&w); w.string(period.country); w.period(period.period); w.i64(agent); w.linePart(part)
        case .invoiceHeader(let invoice, let parts):
            start(&w); w.i64(Int64(parts)); w.invoice(invoice)
        case .invoiceLines(let number, let part):
            start(&w); w.string(number); w.linePart(part)
        case .invoiceIssued(let invoice, let parts, let sectionLines):
            start(&w); w.i64(Int64(parts)); w.i32(Int32(clamping: sectionLines.count))
            for count in sectionLines { w.i64(Int64(count)) }
            w.invoice(invoice)
        case .issuedLines(let country, let invoiceDate, let number, let part):
            start(&w); w.string(country); w.date(invoiceDate); w.string(number); w.linePart(part)
        case .event(let fact):
            start(&w); w.data(Self.json(fact))
        case .withdraw(let request): start(&w); w.data(Self.json(request))
        case .withdrawCheck(let step), .withdrawCommit(let step): start(&w); w.data(Self.json(step))
        case .withdrawVote(let vote): start(&w); w.data(Self.json(vote))
        case .withdrawLines(let marker): start(&w); w.data(Self.json(marker))
        case .dryRun(let request): start(&w); request.encode(into: &w)
        case .dryRunChecked(let run):
            w = BinaryWriter(capacity: 200 + (run.batch.selection?.count ?? run.batch.records.count) * CheckedBatch.fixedRecordBytes)
            start(&w); run.encode(into: &w)
        case .reply(let reply): start(&w); w.data(Self.json(reply))
        case .fileRef(let reference):
            start(&w); w.data(Self.json(reference))
        case .memo(let memo):
            start(&w); w.data(Self.json(memo))
        }
        return w.finish()
    }


    public static func decode(_ bytes: [UInt8]) throws -> StageMessage {
        var r = BinaryReader(bytes)
        let kindByte = try r.u8()
        let version = try r.u8()
        guard let kind = MessageKind(rawValue: kindByte) else { throw DecodingFailure("unknown message kind \(kindByte)") }
        guard (1...Self.version).contains(version) else {
            throw DecodingFailure("message kind \(kind) has schema version \(version); this worker reads 1 to \(Self.version)")
        }
        // Version 1 differs only in carrying these as JSON: records still in
        // a topic when workers are upgraded stay readable.
        let json = version == 1
        switch kind {
        case .file: return .file(name: try r.string(), bytes: try r.data())
        case .closeMarker:
            let period = PeriodKey(country: try r.string(), period: try r.period())
            return .closeMarker(period: period, source: try r.i32(), sourceCount: try r.i32())
        case .checked: return .checked(try CheckedBatch(from: &r))
        case .lines: return .lines(try LineBatch(from: &r))
        case .rejections: return .rejections(json ? try unjson([Rejection].self, r.data()) : try r.rejections())
        case .drafts:
            let period = PeriodKey(country: try r.string(), period: try r.period())
            let source = try r.i32(), count = try r.i32()
            return .drafts(period: period, source: source, sourceCount: count, invoices: json ? try unjson([Invoice].self, r.data()) : try r.invoices())
        case .invoice: return .invoice(json ? try unjson(Invoice.self, r.data()) : try r.invoice())
        case .periodClosed:
            let period = PeriodKey(country: try r.string(), period: try r.period())
            let invoices = Int(try r.i64()), total = try r.i64()
            return .periodClosed(period: period, invoices: invoices, total: total, disbursements: try unjson([Disbursement].self, r.data()))
        case .fileOutcome: return .fileOutcome(try unjson(FileOutcome.self, r.data()))
        case .fileAt: return .fileAt(name: try r.string(), path: try r.string())
        case .draftLines:
            let period = PeriodKey(country: try r.string(), period: try r.period())
            let agent = try r.i64()
            return .draftLines(period: period, agent: agent, part: json ? try unjson(LinePart.self, r.data()) : try r.linePart())
        case .invoiceHeader:
            let parts = Int(try r.i64())
            return .invoiceHeader(json ? try unjson(Invoice.self, r.data()) : try r.invoice(), parts: parts)
        case .invoiceLines:
            let number = try r.string()
            return .invoiceLines(number: number, part: json ? try unjson(LinePart.self, r.data()) : try r.linePart())
        case .invoiceIssued:
            let parts = Int(try r.i64())
            let sections = Int(try r.i32())
            // Bounded by the message: a section count beyond what the
            // bytes can hold is a broken message, not an allocation.
            guard sections >= 0, sections <= 100_000 else { throw DecodingFailure("invoiceIssued with \(sections) sections") }
            var sectionLines: [Int] = []
            for _ in 0..<sections { sectionLines.append(Int(try r.i64())) }
            return .invoiceIssued(try r.invoice(), parts: parts, sectionLines: sectionLines)
        case .issuedLines:
            let country = try r.string()
            let date = try r.date()
            let number = try r.string()
            return .issuedLines(country: country, invoiceDate: date, number: number, part: try r.linePart())
        case .event: return .event(try unjson(EventFact.self, r.data()))
        case .withdraw: return .withdraw(try unjson(WithdrawRequest.self, r.data()))
        case .withdrawCheck: return .withdrawCheck(try unjson(WithdrawStep.self, r.data()))
        case .withdrawVote: return .withdrawVote(try unjson(WithdrawVote.self, r.data()))
        case .withdrawCommit: return .withdrawCommit(try unjson(WithdrawStep.self, r.data()))
        case .withdrawLines: return .withdrawLines(try unjson(WithdrawLines.self, r.data()))
        case .dryRun: return .dryRun(try DryRunRequest(from: &r))
        case .dryRunChecked: return .dryRunChecked(try DryRunBatch(from: &r))
        case .reply: return .reply(try unjson(StageReply.self, r.data()))
        case .fileRef: return .fileRef(try FileReference.checked(unjson(FileReference.self, r.data())))
        case .memo: return .memo(try unjson(InjectedMemo.self, r.data()))
        }
    }

    static func json<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding our own value types cannot fail.
        return (try? [UInt8](encoder.encode(value))) ?? []
    }

    static func unjson<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}

/// What became of one submitted file.
public struct FileOutcome: Sendable, Codable, Hashable {
    /// The service's file id (files uploaded through `cass serve`; nil for
    /// files submitted by path or bytes).
    public var id: String?
    /// The file's place in its operation's processing order (its cass.files
    /// offset + 1) and its header's sequence number, when it has a header.
    public var ordinal: Int64?
    public var fileSequence: Int?
    public var file: String
    public var airline: String
    public var country: String
    public var period: String
    public var accepted: Bool
    public var code: String
    public var message: String
    public var recordsPassed: Int
    public var recordsRejected: Int
    /// Set when the file was withdrawn (portal.md): the outcome that takes
    /// an accepted file out again.
    public var withdrawn: Bool?
    /// Where the file was submitted: `PARTITION/ORDINAL` on cass.files
    /// (ordinal = offset + 1), the same when ingest handles it again after
    /// a crash and different for every submission: what makes a file
    /// event's public id name one fact even when a name comes back (a file
    /// withdrawn, then submitted again). Nil in older messages.
    public var submission: String?

    public init(file: String, airline: String, country: String, period: String, accepted: Bool, code: String, message: String,
                recordsPassed: Int, recordsRejected: Int) {
        self.file = file
        self.airline = airline
        self.country = country
        self.period = period
        self.accepted = accepted
        self.code = code
        self.message = message
        self.recordsPassed = recordsPassed
        self.recordsRejected = recordsRejected
    }
}

/// Checked records of one file bound for one partition.
public struct CheckedBatch: Sendable {
    /// Bytes of a record: every field is fixed width.
    static let fixedRecordBytes = 148
    public var fileName: String
    public var fileOrdinal: Int64
    public var identity: ReportedIdentity
    public var country: String
    public var period: BillingPeriod
    public var records: [CheckedRecord]
    /// When set, only these positions of `records` belong to the batch: the
    /// ingest stage routes a file's records to partitions without copying
    /// them into per-partition arrays first.
    var selection: ArraySlice<Int32>?

    func encode(into w: inout BinaryWriter) {
        w.string(fileName); w.i64(fileOrdinal)
        w.string(identity.airline); w.string(identity.country); w.string(identity.period)
        w.string(country); w.period(period)
        // Fields are read in place through a pointer to each record: a
        // record passed by value (even `borrowing`) was copied whole and
        // its strings retained and released, per record (the copy was the
        // largest part of the ingest stage's encoding).
        records.withUnsafeBufferPointer { records in
            guard let base = records.baseAddress else {
                w.i32(0)
                return
            }
            if let selection {
                w.i32(Int32(selection.count))
                for index in selection { Self.encode(base + Int(index), into: &w) }
            } else {
                w.i32(Int32(records.count))
                for index in records.indices { Self.encode(base + index, into: &w) }
            }
        }
    }

    @inline(__always) private static func encode(_ checked: UnsafePointer<CheckedRecord>, into w: inout BinaryWriter) {
        w.fixed(fixedRecordBytes) { f in
            f.i32(checked.pointee.record.sequence); f.code(checked.pointee.record.awbPrefixText); f.code(checked.pointee.record.awbSerialText)
            f.i32(checked.pointee.record.airlinePrefix); f.i32(checked.pointee.record.awbSerial); f.u8(checked.pointee.record.transaction.rawValue)
            f.i64(checked.pointee.record.agentCode); f.date(checked.pointee.issueDate); f.code(checked.pointee.record.origin); f.code(checked.pointee.record.destination)
            f.u8(checked.pointee.record.indicator.rawValue); f.code(checked.pointee.record.currency); f.i64(checked.pointee.record.chargeableWeightTenthsKg)
            f.i64(checked.pointee.record.weightCharge); f.i64(checked.pointee.record.valuationCharge); f.i64(checked.pointee.record.otherChargesDueCarrier)
            f.i64(checked.pointee.record.otherChargesDueAgent); f.i32(checked.pointee.record.commissionRate); f.i64(checked.pointee.record.commission)
            f.i64(checked.pointee.record.incentive); f.i64(checked.pointee.record.netDue); f.code(checked.pointee.record.reasonCode)
        }
    }

    init(fileName: String, fileOrdinal: Int64, identity: ReportedIdentity, country: String, period: BillingPeriod, records: [CheckedRecord]) {
        self.fileName = fileName
        self.fileOrdinal = fileOrdinal
        self.identity = identity
        self.country = country
        self.period = period
        self.records = records
    }

    init(from r: inout BinaryReader) throws {
        fileName = try r.string(); fileOrdinal = try r.i64()
        identity = ReportedIdentity(airline: try r.string(), country: try r.string(), period: try r.string())
        country = try r.string(); period = try r.period()
        let count = Int(try r.i32())
        guard count >= 0 else { throw DecodingFailure("negative record count") }
        records = []
        records.reserveCapacity(count)
        for _ in 0..<count {
            // The record is built inside the closure and returned: a record
            // captured from outside was boxed on the heap per record.
            let raw = try r.fixed(Self.fixedRecordBytes) { f in
                var b = BillingRecord()
                b.sequence = f.i32(); b.awbPrefixText = f.code(); b.awbSerialText = f.code()
                b.airlinePrefix = f.i32(); b.awbSerial = f.i32()
                let transaction = f.u8()
                b.agentCode = f.i64()
                let issueDate = f.i32()
                b.origin = f.code(); b.destination = f.code()
                let indicator = f.u8()
                b.currency = f.code()
                b.chargeableWeightTenthsKg = f.i64(); b.weightCharge = f.i64(); b.valuationCharge = f.i64()
                b.otherChargesDueCarrier = f.i64(); b.otherChargesDueAgent = f.i64(); b.commissionRate = f.i32()
                b.commission = f.i64(); b.incentive = f.i64(); b.netDue = f.i64(); b.reasonCode = f.code()
                b.issueDateDigits = issueDate
                return (record: b, transaction: transaction, issueDate: issueDate, indicator: indicator)
            }
            var b = raw.record
            guard let transaction = TransactionType(rawValue: raw.transaction) else { throw DecodingFailure("bad transaction") }
            guard let indicator = ChargesIndicator(rawValue: raw.indicator) else { throw DecodingFailure("bad indicator") }
            _ = try BinaryReader.checked(b.awbPrefixText); _ = try BinaryReader.checked(b.awbSerialText)
            _ = try BinaryReader.checked(b.origin); _ = try BinaryReader.checked(b.destination)
            _ = try BinaryReader.checked(b.currency); _ = try BinaryReader.checked(b.reasonCode)
            b.transaction = transaction
            b.indicator = indicator
            let issueDate = try BinaryReader.checkedDate(raw.issueDate)
            let source = RecordSource(fileName: fileName, fileOrdinal: fileOrdinal, sequence: b.sequence, identity: identity, awbPrefixText: b.awbPrefixText, awbSerialText: b.awbSerialText)
            records.append(CheckedRecord(source: source, country: country, period: period, record: b, issueDate: issueDate))
        }
    }
}

/// Billed lines of one file bound for one partition.
public struct LineBatch: Sendable {
    /// Bytes of a line after its flag and names: every field is fixed width.
    static let fixedLineBytes = 132

    /// Where `encode` puts the fields that byte-level readers need, within
    /// a line's fixed-width run.
    enum FixedLineOffset {
        static let period = 0, transaction = 20, issueDate = 33, taxDate = 37
        static let origin = 41, destination = 50, reason = 115, taxRuleMask = 124
    }

    /// An encoded `.lines` message with every line's tax rule mask set from
    /// its tax date and its operation's rules, edited in a copy of the bytes.
    /// Checks what decoding would check and throws where decoding would.
    public static func settingTaxMasks(_ message: [UInt8], rules: (String) -> [TaxRule]) throws -> [UInt8] {
        var bytes = message
        try bytes.withUnsafeMutableBytes { buffer in
            let end = buffer.count
            var at = 2
            func need(_ count: Int) throws {
                guard count >= 0, at + count <= end else { throw DecodingFailure("truncated message: need \(count) bytes at \(at) of \(end)") }
            }
            func i32(_ offset: Int) -> Int32 { Int32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: Int32.self)) }
            try need(16)
            let count = Int(i32(at + 12))
            guard count >= 0 else { throw DecodingFailure("negative line count") }
            at += 16
            var operationRules: [TaxRule] = []
            for _ in 0..<count {
                try need(1)
                let flags = buffer[at]
                at += 1
                if flags & 1 != 0 { // the file name: skipped
                    try need(4)
                    let length = Int(i32(at))
                    at += 4
                    try need(length)
                    at += length
                }
                if flags & 2 != 0 {
                    try need(4)
                    let length = Int(i32(at))
                    at += 4
                    try need(length)
                    let country = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[at..<(at + length)]), as: UTF8.self)
                    operationRules = rules(country)
                    at += length
                }
                try need(fixedLineBytes)
                typealias Offset = FixedLineOffset
                _ = try BinaryReader.checkedPeriod(i32(at + Offset.period))
                _ = try LineTransactionByte.decode(buffer[at + Offset.transaction])
                _ = try BinaryReader.checkedDate(i32(at + Offset.issueDate))
                let taxDate = try BinaryReader.checkedDate(i32(at + Offset.taxDate))
                // Origin, destination and reason codes: a length over 8 is damage.
                guard buffer[at + Offset.origin] <= 8, buffer[at + Offset.destination] <= 8, buffer[at + Offset.reason] <= 8 else {
                    throw DecodingFailure("code length over 8")
                }
                let mask = TaxCalculator.ruleMask(for: taxDate, rules: operationRules)
                buffer.storeBytes(of: mask.littleEndian, toByteOffset: at + Offset.taxRuleMask, as: UInt64.self)
                at += fixedLineBytes
            }
        }
        return bytes
    }

    public var lines: [BilledLine]
    /// The validate input (partition, offset) that produced this batch:
    /// settlement skips a batch it has already applied when a crash makes
    /// an upstream worker send it again.
    public var originPartition: Int32 = -1
    public var originOffset: Int64 = -1

    func encode(into w: inout BinaryWriter) {
        w.i32(originPartition)
        w.i64(originOffset)
        w.i32(Int32(lines.count))
        var lastFile = "", lastCountry = ""
        // Through a pointer to each line, not a copy of it (see
        // `CheckedBatch.encode`).
        lines.withUnsafeBufferPointer { lines in
            guard let base = lines.baseAddress else { return }
            for index in lines.indices {
                let l = base + index
                // Lines of a batch nearly always share their file and operation:
                // write those names only when they change.
                var flags: UInt8 = 0
                if l.pointee.fileName != lastFile { flags |= 1 }
                if l.pointee.country != lastCountry { flags |= 2 }
                w.u8(flags)
                if flags & 1 != 0 { w.string(l.pointee.fileName); lastFile = l.pointee.fileName }
                if flags & 2 != 0 { w.string(l.pointee.country); lastCountry = l.pointee.country }
                w.fixed(Self.fixedLineBytes) { f in
                    f.period(l.pointee.period); f.i64(l.pointee.agentCode); f.i32(l.pointee.airlinePrefix); f.i32(l.pointee.awbSerial)
                    f.u8(LineTransactionByte.encode(l.pointee.transaction, l.pointee.chargesIndicator)); f.i64(l.pointee.fileOrdinal)
                    f.i32(l.pointee.sequence); f.date(l.pointee.issueDate); f.date(l.pointee.taxDate)
                    f.code(l.pointee.origin); f.code(l.pointee.destination); f.i64(l.pointee.chargeableWeightTenthsKg); f.i64(l.pointee.weightCharge)
                    f.i64(l.pointee.valuationCharge); f.i64(l.pointee.otherChargesDueCarrier); f.i64(l.pointee.commission); f.i64(l.pointee.incentive)
                    f.i64(l.pointee.amount); f.code(l.pointee.reasonCode); f.u64(l.pointee.taxRuleMask)
                }
            }
        }
    }

    public init(lines: [BilledLine], originPartition: Int32 = -1, originOffset: Int64 = -1) {
        self.lines = lines
        self.originPartition = originPartition
        self.originOffset = originOffset
    }

    init(from r: inout BinaryReader) throws {
        originPartition = try r.i32()
        originOffset = try r.i64()
        let count = Int(try r.i32())
        guard count >= 0 else { throw DecodingFailure("negative line count") }
        lines = []
        lines.reserveCapacity(count)
        var file = "", country = ""
        for _ in 0..<count {
            let flags = try r.u8()
            if flags & 1 != 0 { file = try r.string() }
            if flags & 2 != 0 { country = try r.string() }
            let raw = try r.fixed(Self.fixedLineBytes) { f in
                (period: f.i32(), agent: f.i64(), airline: f.i32(), serial: f.i32(), transaction: f.u8(), ordinal: f.i64(),
                 sequence: f.i32(), issueDate: f.i32(), taxDate: f.i32(), origin: f.code(), destination: f.code(), weight: f.i64(),
                 wc: f.i64(), vc: f.i64(), ocdc: f.i64(), commission: f.i64(), incentive: f.i64(), amount: f.i64(),
                 reason: f.code(), mask: f.u64())
            }
            let (transaction, indicator) = try LineTransactionByte.decode(raw.transaction)
            lines.append(BilledLine(
                country: country, period: try BinaryReader.checkedPeriod(raw.period), agentCode: raw.agent, airlinePrefix: raw.airline,
                awbSerial: raw.serial, transaction: transaction, fileName: file, fileOrdinal: raw.ordinal, sequence: raw.sequence,
                issueDate: try BinaryReader.checkedDate(raw.issueDate), taxDate: try BinaryReader.checkedDate(raw.taxDate),
                origin: try BinaryReader.checked(raw.origin), destination: try BinaryReader.checked(raw.destination),
                chargeableWeightTenthsKg: raw.weight, weightCharge: raw.wc, valuationCharge: raw.vc, otherChargesDueCarrier: raw.ocdc,
                commission: raw.commission, incentive: raw.incentive, amount: raw.amount, reasonCode: try BinaryReader.checked(raw.reason),
                taxRuleMask: raw.mask, chargesIndicator: indicator))
        }
    }
}

/// Up to `LinePart.linesMax` lines of one section of one invoice.
public struct LinePart: Sendable, Codable, Hashable {
    public static let linesMax = 1000

    public var index: Int
    public var count: Int
    public var airlinePrefix: Int32
    public var lines: [InvoiceLine]

    public init(index: Int, count: Int, airlinePrefix: Int32, lines: [InvoiceLine]) {
        self.index = index
        self.count = count
        self.airlinePrefix = airlinePrefix
        self.lines = lines
    }

    /// An invoice without its lines, and the lines in parts (section order,
    /// then line order; each part within one section).
    public static func split(_ invoice: Invoice) -> (Invoice, [LinePart]) {
        var header = invoice
        var parts: [LinePart] = []
        for index in header.sections.indices {
            let lines = header.sections[index].lines
            header.sections[index].lines = []
            var start = 0
            while start < lines.count {
                let end = min(lines.count, start + linesMax)
                parts.append(LinePart(index: 0, count: 0, airlinePrefix: invoice.sections[index].airlinePrefix, lines: Array(lines[start..<end])))
                start = end
            }
        }
        for index in parts.indices {
            parts[index].index = index
            parts[index].count = parts.count
        }
        return (header, parts)
    }

    /// Puts the lines back; nil until every part is there.
    public static func join(_ header: Invoice, _ parts: [LinePart]) -> Invoice? {
        guard let count = parts.first?.count, parts.count == count, Set(parts.map(\.index)).count == count else {
            return parts.isEmpty ? header : nil
        }
        var invoice = header
        let sorted = parts.sorted(by: { $0.index < $1.index })
        // Each section's lines sized once, and a section of one part takes
        // that part's array as it is (no copy): appending part after part
        // grew and copied every line, retains included, several times (half
        // of what the service's invoices view spent on a close).
        var sectionOfPart: [Int] = []
        sectionOfPart.reserveCapacity(sorted.count)
        var arriving = [Int](repeating: 0, count: invoice.sections.count)
        for part in sorted {
            guard let section = invoice.sections.firstIndex(where: { $0.airlinePrefix == part.airlinePrefix }) else { return nil }
            sectionOfPart.append(section)
            arriving[section] += part.lines.count
        }
        for (position, part) in sorted.enumerated() {
            let section = sectionOfPart[position]
            if invoice.sections[section].lines.isEmpty {
                if arriving[section] == part.lines.count {
                    invoice.sections[section].lines = part.lines
                    continue
                }
                invoice.sections[section].lines.reserveCapacity(arriving[section])
            }
            invoice.sections[section].lines.append(contentsOf: part.lines)
        }
        return invoice
    }
}
