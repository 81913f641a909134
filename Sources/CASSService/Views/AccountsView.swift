import CASSAccounts
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

    public init() {}

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
            _ = try state.apply(decoded)
        } catch AccountsError.duplicateRecord {
            // Already applied (a replay, or two processes noticing one thing).
        } catch {
            refusals[record.offset] = error
            order.append(record.offset)
            if order.count > Self.refusalsKeptMax { refusals[order.removeFirst()] = nil }
        }
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
