import CASSDomain
import CASSEngine
import CASSLog

/// The key of one entry of a stage's state, as a typed value. In the state
/// topic an entry's key is `<stage>/<input partition>/<encoded>`; each
/// stage's key type writes and reads `encoded` side by side, and a key
/// that does not read back is an error that stops the worker (state is
/// never skipped).
public protocol StageStateKey: Hashable, Sendable {
    /// The entity part of the key (after `<stage>/<partition>/`).
    var encoded: String { get }
    /// Reads what `encoded` wrote; throws `DecodingFailure` otherwise.
    init(decoding text: Substring) throws
}

/// Helpers for the key types' readers.
enum StateKeyText {
    /// The `/`-separated fields of a key, exactly `count` of them, the first `tag`.
    static func fields(_ text: Substring, tag: String, count: Int) throws -> [Substring] {
        let fields = text.split(separator: "/", omittingEmptySubsequences: false)
        guard fields.count == count, fields[0] == tag else {
            throw DecodingFailure("expected \(count) fields starting with '\(tag)'")
        }
        return fields
    }

    static func int64(_ text: Substring, _ what: String) throws -> Int64 {
        guard let value = Int64(text) else { throw DecodingFailure("\(what) '\(text)' is not a number") }
        return value
    }

    static func int32(_ text: Substring, _ what: String) throws -> Int32 {
        guard let value = Int32(text) else { throw DecodingFailure("\(what) '\(text)' is not a number") }
        return value
    }

    static func period(_ country: Substring, _ digits: Substring) throws -> PeriodKey {
        guard !country.isEmpty, let value = Int(digits), let period = BillingPeriod(yyyymmnn: value) else {
            throw DecodingFailure("'\(country)/\(digits)' is not an operation and a period")
        }
        return PeriodKey(country: String(country), period: period)
    }

    static func encode(_ period: PeriodKey) -> String { "\(period.country)/\(period.period.text)" }
}

/// The changes a stage made to its state while handling one batch, to be
/// written to the compacted state topic after the batch's outputs are
/// acknowledged. Entries land in the state partition numbered like the
/// input partition, so a worker that takes over an input partition
/// restores it from one place.
public final class StateJournal<Key: StageStateKey> {
    public let enabled: Bool
    var changes: [Int32: [Key: [UInt8]]] = [:]
    var order: [Int32: [Key]] = [:]

    public init(enabled: Bool) { self.enabled = enabled }

    /// Key and value are built only when the journal is on: the embedded
    /// run keeps none, and building them per line cost real time.
    public func put(_ partition: Int32, _ key: @autoclosure () -> Key, _ value: @autoclosure () -> [UInt8]) {
        guard enabled else { return }
        let key = key(), value = value()
        if changes[partition]?[key] == nil { order[partition, default: []].append(key) }
        changes[partition, default: [:]][key] = value
    }

    /// Takes back the pending (not yet checkpointed) changes of the keys
    /// `moot` picks: for entries that a change in the same checkpoint makes
    /// restore drop anyway, so writing them would only cost log bytes.
    /// Entries of earlier checkpoints are written already and stay.
    public func discard(_ partition: Int32, where moot: (Key) -> Bool) {
        guard var pending = changes[partition] else { return }
        for key in pending.keys.filter(moot) { pending[key] = nil }
        changes[partition] = pending
    }

    /// Forgets the changes of a partition another worker now owns.
    func drop(_ partition: Int32) {
        changes[partition] = nil
        order[partition] = nil
    }

    /// The batch's changes in the order first touched, keys encoded, and a
    /// fresh journal.
    func take() -> [Int32: [(String, [UInt8])]] {
        var result: [Int32: [(String, [UInt8])]] = [:]
        for (partition, keys) in order {
            result[partition] = keys.compactMap { key in changes[partition]?[key].map { (key.encoded, $0) } }
        }
        changes = [:]
        order = [:]
        return result
    }
}

/// A stage whose state must survive its worker: it journals changes and
/// rebuilds itself from what the journal wrote.
public protocol StatefulStage: StageLogic {
    associatedtype StateKey: StageStateKey
    var journal: StateJournal<StateKey> { get }
    /// Applies one journalled entry while restoring a partition, in write
    /// order (a later entry of a key replaces an earlier one). A value that
    /// does not decode throws.
    func restore(partition: Int32, key: StateKey, value: [UInt8]) throws
    /// Every committed entry of the partition has been applied.
    func restored(partition: Int32) throws
    /// Forgets a partition another worker now owns.
    func forget(partition: Int32)
}

extension StatefulStage {
    public func restored(partition: Int32) throws {}
}

/// A state entry that cannot be read back: the worker stops rather than
/// run on state it silently lost.
public struct StateRestoreFailure: Error, Sendable, CustomStringConvertible {
    public var stage: StageName
    public var key: String
    public var partition: Int32
    public var offset: Int64
    public var reason: String

    public var description: String {
        "the \(stage.rawValue) worker cannot restore its state: entry '\(key)' at \(TopicCatalog.state)[\(partition)] offset \(offset) "
            + "does not decode (\(reason)); stopping rather than running without it"
    }
}

/// A stateful stage's journal and restore, reached without knowing its key type.
struct StateAccess {
    let enabled: Bool
    let take: () -> [Int32: [(String, [UInt8])]]
    /// Decodes an entry's key text and applies the entry.
    let apply: (_ partition: Int32, _ key: Substring, _ value: [UInt8]) throws -> Void
    let finish: (_ partition: Int32) throws -> Void
    let forget: (_ partition: Int32) -> Void
    /// Drops the journal's unwritten changes of a partition.
    let drop: (_ partition: Int32) -> Void

    init<Stage: StatefulStage>(_ stage: Stage) {
        enabled = stage.journal.enabled
        take = { stage.journal.take() }
        apply = { partition, text, value in
            try stage.restore(partition: partition, key: try Stage.StateKey(decoding: text), value: value)
        }
        finish = { try stage.restored(partition: $0) }
        forget = { stage.forget(partition: $0) }
        drop = { stage.journal.drop($0) }
    }

    static func of(_ logic: any StageLogic) -> StateAccess? {
        guard let stateful = logic as? any StatefulStage else { return nil }
        return open(stateful)
    }

    private static func open<Stage: StatefulStage>(_ stage: Stage) -> StateAccess { StateAccess(stage) }
}
