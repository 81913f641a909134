import CProcess
import CASSAccounts
import CASSDomain
import CASSEngine
import CASSHTTP
import CASSLog
import CASSWorkers
import Foundation

/// Where the service writes accounts records and learns what the reducer
/// decided (docs/service.md "the reducer decides"), and where the
/// scheduler runs: collections, overdue checks and escalations that are
/// due "once today has reached the date", and risk assessments.
public final class AccountsDesk: @unchecked Sendable {
    // @unchecked: immutable references; `lastRunDay` is behind `writes`.
    let view: AccountsView
    let writer: RecordWriter
    let feed: ViewFeed
    let clock: ServiceClock
    let reference: ReferenceData
    /// Per agent company, the net due of its accepted lines in open
    /// periods (risk's exposure); the pipeline's figure.
    let openNetDue: @Sendable () throws -> [AccountKey: Int64]
    /// One accounts write of this process at a time: each checks the state
    /// its predecessor left (the reducer still decides across processes).
    private let writes = NSLock()
    private var lastRunDay: CivilDate?
    /// Issued invoices, and how many of them this desk has recorded.
    let invoices: InvoicesView?
    private var invoicesRecorded = 0
    /// Where the desk learns which dispute memos are on cass.files already.
    let files: FilesView?
    /// One memo write of this process at a time (the close route, a request
    /// and the scheduler may each look).
    private let memoWrites = NSLock()
    private var thread: Thread?
    /// How often the scheduler looks even when nothing happened.
    static let schedulerIntervalSeconds: TimeInterval = 60

    init(view: AccountsView, writer: RecordWriter, feed: ViewFeed, clock: ServiceClock, reference: ReferenceData,
         openNetDue: @escaping @Sendable () throws -> [AccountKey: Int64], invoices: InvoicesView? = nil, files: FilesView? = nil) {
        self.invoices = invoices
        self.files = files
        self.view = view
        self.writer = writer
        self.feed = feed
        self.clock = clock
        self.reference = reference
        self.openNetDue = openNetDue
    }

    // MARK: - Requests

    /// Checks a record against the view (a refusal is answered at once and
    /// nothing is written), writes it, waits until the view has applied
    /// it, and answers what the reducer decided for it: nothing when it was
    /// applied (or had been: a retried request), its refusal as the API's
    /// problem otherwise.
    func submit(_ record: AccountsRecord) throws {
        try runDueIfNewDay()
        writes.lock()
        defer { writes.unlock() }
        try feed.catchUp([ServiceTopics.accounts])
        let refusal: AccountsError? = view.read { state -> AccountsError? in
            do throws(AccountsError) {
                try state.check(record)
                return nil
            } catch {
                return error
            }
        }
        switch refusal {
        case nil: break
        case .duplicateRecord: return
        case let error?: throw APIError.from(error)
        }
        let bytes = try AccountsRecordCoding.encodeReadingBack(record)
        guard let identity = AccountsView.identity(of: record, bytes: bytes) else {
            preconditionFailure("submit is for records people ask for; \(record.type) is the system's")
        }
        let key = view.read { Self.key(of: record, in: $0) }
        let position = try writer.write([writer.record(ServiceTopics.accounts, key: key, value: bytes)])
        try feed.wait(for: position)
        let outcome = view.outcome(of: identity)
        if case .disputeAccept = record, outcome == .applied || outcome == .alreadyApplied {
            // Billed at once, so that a close asked for after this answer
            // finds the memo ahead of its marker. The acceptance stands
            // whatever happens here; the scheduler writes what is missing.
            do {
                try writeMemos()
            } catch {
                FileHandle.standardError.write(Data("serve: the memo of dispute \(identity) waits for the scheduler: \(error)\n".utf8))
            }
        }
        switch outcome {
        case .applied, .alreadyApplied: return
        case .refused(let error): throw APIError.from(error)
        case nil: throw ServiceError("the accounts view has no decision for \(record.type) \(identity); it was written and will stand as the log decides")
        }
    }

    /// Writes records nobody waits an answer for (scheduled actions, risk
    /// assessments, invoice facts in tests) and waits for the view.
    func writeSystemRecords(_ records: [AccountsRecord]) throws {
        guard !records.isEmpty else { return }
        let outgoing = try view.read { state in
            // Issued invoices come from the pipeline's own (decoded, checked)
            // invoices and are many at a close: encoded once. The rest
            // (period closes, reminders, risk flags) are read back first.
            try records.map { record in
                let bytes = if case .invoiceIssued = record {
                    try AccountsRecordCoding.encode(record)
                } else {
                    try AccountsRecordCoding.encodeReadingBack(record)
                }
                return try writer.record(ServiceTopics.accounts, key: Self.key(of: record, in: state), value: bytes)
            }
        }
        try feed.wait(for: try writer.write(outgoing))
    }

    /// The record's key on the accounts topic: the agent company it is
    /// about (the topic has one partition; the key says whose it is).
    static func key(of record: AccountsRecord, in state: AccountsState) -> String {
        func ofInvoice(_ number: String) -> String { state.invoice(number)?.invoice.account.description ?? number }
        func ofDispute(_ id: String) -> String { state.dispute(id, asOf: CivilDate(dayNumber: 0)).map { ofInvoice($0.invoice) } ?? id }
        switch record {
        case .invoiceIssued(let invoice): return invoice.account.description
        case .periodClosed(let period): return period.country
        case .disputeRaise(let raise): return ofInvoice(raise.invoice)
        case .disputeAccept(let step): return ofDispute(step.dispute)
        case .disputeReject(let step): return ofDispute(step.dispute)
        case .disputeWithdraw(let step): return ofDispute(step.dispute)
        case .paymentRecord(let payment): return ofInvoice(payment.invoice)
        case .walletTopUp(let topUp): return topUp.account.description
        case .directDebitSet(let setting): return setting.account.description
        case .scheduled(let action): return action.kind == .escalate ? ofDispute(action.subject) : ofInvoice(action.subject)
        case .riskAssessed(let assessment): return assessment.row.account.description
        }
    }

    // MARK: - The scheduler

    /// Writes what is due by `today` and not yet done (collections on
    /// remittance dates, overdue checks, escalations), then the risk
    /// assessments whose grade changed. Every record names what it acts on,
    /// so a second run on the same day, in this process or another, does
    /// nothing twice (the reducer recognises the copies).
    public func runDue(today: CivilDate) throws {
        writes.lock()
        defer { writes.unlock() }
        try feed.catchUp([ServiceTopics.accounts])
        try recordIssuedInvoices()
        let due = view.read { $0.dueActions(today: today) }
        try writeSystemRecords(due.map { .scheduled($0) })
        // Assessed after the collections: a grade counts what they paid.
        let rows = try riskRows(asOf: today)
        try writeSystemRecords(view.read { $0.riskRecords(for: rows, on: today) })
        try writeMemos()
        lastRunDay = today
    }

    // MARK: - Dispute memos

    /// Writes the memo of every accepted dispute that is not on cass.files
    /// yet, each on its operation's partition (docs/accounts.md "The
    /// memo"). Ingest bills a memo once by its name (`DSP-<dispute id>`),
    /// so a copy written by another serve process, or again after a crash
    /// before this process saw its own, bills nothing. Waits until the
    /// files view has them. Call after the accounts view caught up.
    func writeMemos() throws {
        guard let files else { return }
        memoWrites.lock()
        defer { memoWrites.unlock() }
        // A memo whose period's close marker is on cass.files (or whose
        // period is closed) is there already: the close route writes the
        // memos of every acceptance before it, ahead of the marker. So only
        // open periods' memos are looked at, and a files view that lost old
        // messages to retention writes nothing again at each start.
        let missing = view.read { $0.memos }.filter { memo in
            let period = PeriodKey(country: memo.country, period: memo.period)
            return !files.closeRequested(period) && invoices?.isClosed(period) != true
        }.map(Self.injected).filter { !files.hasMemo($0.name) }
        guard !missing.isEmpty else { return }
        let partitions = try writer.partitions(TopicCatalog.files)
        for start in stride(from: 0, to: missing.count, by: 500) {
            let records = try missing[start..<min(missing.count, start + 500)].map {
                try Submission.checkedRecord(.memo($0), operation: $0.country, partitions: partitions)
            }
            try feed.wait(for: try writer.write(records))
        }
    }

    /// A dispute's memo as the pipeline takes it.
    static func injected(_ memo: DisputeMemo) -> InjectedMemo {
        InjectedMemo(name: InjectedMemo.disputeName(memo.disputeID), country: memo.country, period: memo.period.yyyymmnn, transaction: "CCM",
                     agent: memo.agent, airline: memo.airline, serial: memo.awbSerial, amountMinor: memo.amountMinor, currency: memo.currency,
                     issueDate: memo.issueDate.yyyymmdd, origin: memo.origin, destination: memo.destination, reasonCode: memo.reasonCode)
    }

    /// Records the invoices the pipeline issued that the accounts do not
    /// know yet (in invoice-date, then number order): payments, disputes
    /// and risk work on them from then on. Every serve process may do it;
    /// the reducer recognises a copy another process wrote.
    private func recordIssuedInvoices() throws {
        guard let invoices else { return }
        let (fresh, count) = invoices.issued(from: invoicesRecorded)
        guard !fresh.isEmpty else { return }
        var records: [AccountsRecord] = []
        for invoice in fresh.sorted(by: { ($0.invoiceDate, $0.number) < ($1.invoiceDate, $1.number) }) {
            guard view.read({ $0.invoice(invoice.number) }) == nil, let operation = reference.operation(invoice.country) else { continue }
            do {
                records.append(.invoiceIssued(try IssuedInvoice(invoice, operation: operation)))
            } catch {
                FileHandle.standardError.write(Data("serve: invoice \(invoice.number) cannot be recorded in the accounts: \(error)\n".utf8))
            }
        }
        for start in stride(from: 0, to: records.count, by: 500) {
            try writeSystemRecords(Array(records[start..<min(records.count, start + 500)]))
        }
        invoicesRecorded = count
    }

    /// Runs the scheduler first when the day changed since it last ran, so
    /// that what was due happens before a new day's request is decided.
    func runDueIfNewDay() throws {
        let today = clock.today()
        writes.lock()
        let current = lastRunDay == today
        writes.unlock()
        if !current { try runDue(today: today) }
    }

    /// The scheduler's thread: runs when the view applied something that
    /// may make an action due, and once a minute.
    func start() {
        let thread = Thread { [self] in
            cass_thread_set_name("cass-accounts")
            // The desk records each newly issued invoice (records per line):
            // after a close that is much work that no client waits for,
            // so the stages and the requests get the cores first.
            ThreadPriority.lowerCurrent()
            while view.changed.wait(seconds: Self.schedulerIntervalSeconds) {
                do {
                    try runDue(today: clock.today())
                } catch {
                    FileHandle.standardError.write(Data("serve: the accounts scheduler: \(error)\n".utf8))
                }
            }
        }
        thread.name = "accounts-scheduler"
        self.thread = thread
        thread.start()
    }

    func stop() { view.changed.stop() }

    // MARK: - What the invoice routes need

    /// The accounts state as the view holds it (under its lock).
    public func read<T>(_ body: (AccountsState) throws -> T) rethrows -> T { try view.read(body) }

    /// An invoice's payments and disputes as of `today`, in the API's
    /// shapes (portal.md "Invoices"): nil when the accounts view does not
    /// know the invoice yet (its `invoice.issued` fact is still on its way).
    public func standing(ofInvoice number: String, asOf today: CivilDate) -> InvoiceStanding? {
        view.read { state in
            guard let entry = state.invoice(number), let summary = state.paymentSummary(of: number, asOf: today) else { return nil }
            let disputes = entry.disputeIDs.compactMap { state.dispute($0, asOf: today) }
            return InvoiceStanding(summary: summary, disputes: disputes)
        }
    }
}

/// What `GET /api/v1/invoices/{number}` adds to an issued invoice: its
/// payment status, paid and outstanding amounts and payments as of today,
/// and its disputes (each as `GET /api/v1/disputes/{id}` shows it).
public struct InvoiceStanding: Sendable, Hashable, Encodable {
    public var status: InvoiceStatus
    public var paidMinor: Int64
    public var outstandingMinor: Int64
    /// `{"id", "amountMinor", "method", "date", "reference"}`, dated up to today.
    public var payments: [Payment]
    public var disputes: [Dispute]
    /// Paid per method and the remittance date: the Cargo Sales Report's
    /// Payment Summary.
    public var summary: PaymentSummary

    init(summary: PaymentSummary, disputes: [Dispute]) {
        status = summary.status
        paidMinor = summary.paidMinor
        outstandingMinor = summary.outstandingMinor
        payments = summary.payments
        self.disputes = disputes
        self.summary = summary
    }

    enum CodingKeys: String, CodingKey { case status, paidMinor, outstandingMinor, payments, disputes }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(paidMinor, forKey: .paidMinor)
        try container.encode(outstandingMinor, forKey: .outstandingMinor)
        try container.encode(payments, forKey: .payments)
        try container.encode(disputes, forKey: .disputes)
    }
}
