import CASSAccess
import CASSAccounts
import CASSDomain
import CASSLog
import Foundation

/// Disputes, payments, wallets and risk as the accounts topic makes them
/// (CASSAccounts' reducer, the same the accounts stage runs). A record
/// the reducer refuses (a lost race) changes nothing here either; the
/// refusal is kept by the record's request id so the request that wrote it
/// can answer with it.
public final class AccountsView: View, @unchecked Sendable {
    // @unchecked: `state` and `refusals` are touched only under `lock`.
    private let lock = NSLock()
    private var state = AccountsState()
    private var refusals: [Int64: AccountsError] = [:]
    private var order: [Int64] = []
    /// Refusals kept for the requests waiting on them.
    static let refusalsKeptMax = 10_000

    let hub: EventHub?

    public init(hub: EventHub? = nil) { self.hub = hub }

    public var topics: [String] { [ServiceTopics.accounts] }

    public func apply(_ record: LogRecord) throws {
        let decoded: AccountsRecord
        do {
            decoded = try JSONDecoder().decode(AccountsRecord.self, from: Data(record.value))
        } catch {
            throw ServiceError("\(record.topic)[\(record.partition)]@\(record.offset) is not an accounts record: \(error)")
        }
        lock.lock()
        defer { lock.unlock() }
        do {
            let applied = try state.apply(decoded)
            for event in applied.events { publish(event) }
        } catch AccountsError.duplicateRecord {
            // Already applied (a replay, or two processes noticing one thing).
        } catch {
            refusals[record.offset] = error
            order.append(record.offset)
            if order.count > Self.refusalsKeptMax { refusals[order.removeFirst()] = nil }
        }
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
        let data = (try? JSONBodies.encode(event.data)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        hub.publish(ServiceEvent(type: event.type.rawValue, id: event.id, country: event.country, companies: companies, data: data))
    }

    public func read<T>(_ body: (AccountsState) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(state)
    }

    /// The reducer's refusal of the record written at `offset`, if any.
    public func refusal(at offset: Int64) -> AccountsError? {
        lock.lock()
        defer { lock.unlock() }
        return refusals[offset]
    }
}
