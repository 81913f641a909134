import CASSAccess
import CASSAccounts
import CASSCrypto
import CASSDomain
import CASSLog
import CASSWorkers
import Foundation

/// Disputes, payments, wallets and risk as the accounts topic makes them
/// (CASSAccounts' reducer, the same the accounts stage runs). A record
/// the reducer refuses (a lost race) changes nothing here either; what the
/// reducer decided for each record a request wrote is kept under the
/// record's identity (its type, its own id and a digest of its bytes, see
/// `AccountsView.identity`), so that the request can answer with it. Not
/// by offset: on Kafka a producer learns where its partition ends, not
/// where its own record landed, and another serve process may write in
/// between.
public final class AccountsView: View, @unchecked Sendable {
    // @unchecked: `state`, `outcomes` and `order` are touched only under `lock`.
    private let lock = NSLock()
    private var state = AccountsState()
    private var outcomes: [String: Outcome] = [:]
    private var order: [String] = []
    private var applied: Int64 = 0
    /// Fired after a record that may make something due was applied (an
    /// invoice issued, a request's record): the scheduler looks again.
    let changed = ChangeSignal()
    /// Decisions kept for the requests waiting on them (the oldest go first).
    static let outcomesKeptMax = 10_000

    /// What the reducer decided for one record.
    public enum Outcome: Sendable, Equatable {
        case applied
        /// The same record had been applied before (a retried request).
        case alreadyApplied
        case refused(AccountsError)
    }

    let hub: EventHub?

    public init(hub: EventHub? = nil) { self.hub = hub }

    public var topics: [String] { [ServiceTopics.accounts] }

    public func apply(_ record: LogRecord) throws {
        let decoded: AccountsRecord
        do {
            decoded = try AccountsRecordCoding.decode(record.value)
        } catch {
            throw ServiceError("\(record.topic)[\(record.partition)]@\(record.offset) is not an accounts record: \(error)")
        }
        let identity = Self.identity(of: decoded, bytes: record.value)
        lock.lock()
        let outcome: Outcome
        do {
            let applied = try state.apply(decoded)
            for event in applied.events { publish(event) }
            outcome = .applied
        } catch AccountsError.duplicateRecord {
            // Already applied (a replay, or two processes noticing one thing).
            outcome = .alreadyApplied
        } catch {
            outcome = .refused(error)
        }
        applied += 1
        if let identity {
            if outcomes.updateValue(outcome, forKey: identity) == nil { order.append(identity) }
            if order.count > Self.outcomesKeptMax { outcomes[order.removeFirst()] = nil }
        }
        lock.unlock()
        switch (decoded, outcome) {
        case (.scheduled, _), (.riskAssessed, _), (_, .alreadyApplied), (_, .refused): break
        default: changed.fire()
        }
    }

    /// The key a request's decision is kept under: records people ask for
    /// (disputes, payments, top-ups, direct debit), nil for the records
    /// the pipeline and the scheduler write. Two requests that differ in
    /// anything (an answer with another amount, a payment retried with the
    /// same key and another body) have different identities, so each finds
    /// its own decision even when both were written at once.
    static func identity(of record: AccountsRecord, bytes: [UInt8]) -> String? {
        let id: String
        switch record {
        case .disputeRaise(let raise): id = raise.id
        case .disputeAccept(let step): id = step.dispute
        case .disputeReject(let step): id = step.dispute
        case .disputeWithdraw(let step): id = step.dispute
        case .paymentRecord(let payment): id = payment.id
        case .walletTopUp(let topUp): id = topUp.id
        case .directDebitSet(let setting): id = setting.id
        case .invoiceIssued, .periodClosed, .scheduled, .riskAssessed: return nil
        }
        let digest = Hex.encode(SHA256.hash(bytes).prefix(12))
        return "\(record.type):\(id):\(digest)"
    }

    private func publish(_ event: AccountsEvent) {
        guard let hub else { return }
        var companies: [CompanyID] = [.cass]
        switch event.data {
        case .dispute(let dispute):
            companies.append(.agent(country: event.country, code: CASSDomain.AgentCodeText.format(dispute.agent)))
            companies.append(.airline(prefix: InvoiceRoutes.prefixText(dispute.airline)))
        default:
            if let company = CompanyID(event.subject) { companies.append(company) }
            if let account = state.invoice(event.subject) {
                companies.append(.agent(country: account.invoice.country, code: CASSDomain.AgentCodeText.format(account.invoice.agent)))
            }
        }
        guard let published = Self.publicEvent(event, key: key(of: event)) else { return }
        hub.publish(published, companies: companies)
        // The same event, for cass.invoice-events (the publish stage).
        hub.forwarder?.enqueue(EventFact(published))
    }

    /// The record key of an accounts event on cass.invoice-events: the
    /// invoice it is about, else the agent company.
    private func key(of event: AccountsEvent) -> String {
        switch event.data {
        case .dispute(let dispute): return dispute.invoice
        case .payment(let payment): return payment.invoice
        case .overdue(let overdue): return overdue.invoice
        case .risk(let flag): return CompanyID.agent(country: flag.row.country, code: CASSDomain.AgentCodeText.format(flag.row.agent)).description
        }
    }

    /// An accounts event as a public event (docs/events.md): the same type
    /// names, the reducer's stable id, dated the business day it happened.
    static func publicEvent(_ event: AccountsEvent, key: String) -> PublicEvent? {
        guard let type = PublicEventType(rawValue: event.type.rawValue),
              let data = try? JSONBodies.encode(event.data) else { return nil }
        return PublicEvent(type: type, id: event.id, country: event.country, subject: event.subject, key: key,
                           time: PublicEvent.time(event.on), data: String(decoding: data, as: UTF8.self))
    }

    public func read<T>(_ body: (AccountsState) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(state)
    }

    /// The reducer's decision for the record a request wrote, if the view
    /// has applied it (and still keeps it).
    public func outcome(of identity: String) -> Outcome? {
        lock.lock()
        defer { lock.unlock() }
        return outcomes[identity]
    }

    /// Records applied since start (tests and metrics).
    public var appliedCount: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return applied
    }
}

/// A wake-up call between threads: `fire` sets it, `wait` returns when it
/// was set (clearing it) or after the timeout.
final class ChangeSignal: @unchecked Sendable {
    // @unchecked: the flags are touched only under `condition`.
    private let condition = NSCondition()
    private var fired = false
    private var stopped = false

    func fire() {
        condition.lock()
        fired = true
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// False once stopped.
    func wait(seconds: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !fired && !stopped {
            if !condition.wait(until: deadline) { break }
        }
        fired = false
        return !stopped
    }
}
