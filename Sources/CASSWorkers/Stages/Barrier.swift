import CASSDomain
import CASSEngine
import CASSLog

/// Tracks period-close markers per input partition until every upstream
/// source has sent one: then everything before the close has arrived.
public struct BarrierTracker: Sendable {
    var seen: [Int32: [PeriodKey: Set<Int32>]] = [:]
    var completed: [Int32: Set<PeriodKey>] = [:]

    public init() {}

    /// True exactly once per (partition, period): when the last source arrives.
    public mutating func arrive(partition: Int32, period: PeriodKey, source: Int32, sourceCount: Int32) -> Bool {
        if completed[partition]?.contains(period) == true { return false }
        seen[partition, default: [:]][period, default: []].insert(source)
        guard (seen[partition]?[period]?.count ?? 0) >= Int(sourceCount) else { return false }
        seen[partition]?[period] = nil
        completed[partition, default: []].insert(period)
        return true
    }

    mutating func restore(partition: Int32, _ key: BarrierKey) {
        switch key {
        case .arrived(let period, let source):
            guard completed[partition]?.contains(period) != true else { return }
            seen[partition, default: [:]][period, default: []].insert(source)
        case .done(let period):
            completed[partition, default: []].insert(period)
            seen[partition]?[period] = nil
        }
    }

    mutating func forget(partition: Int32) {
        seen[partition] = nil
        completed[partition] = nil
    }

    func isDone(partition: Int32, period: PeriodKey) -> Bool { completed[partition]?.contains(period) == true }
}

/// The state entries of a barrier: a marker's arrival from one source, and
/// the barrier's completion.
public enum BarrierKey: Hashable, Sendable {
    case arrived(PeriodKey, source: Int32)
    case done(PeriodKey)

    public var encoded: String {
        switch self {
        case .arrived(let period, let source): "bar/\(StateKeyText.encode(period))/\(source)"
        case .done(let period): "bardone/\(StateKeyText.encode(period))"
        }
    }

    /// nil when the text is not a barrier key at all; throws when it is one, damaged.
    init?(decoding text: Substring) throws {
        if text.hasPrefix("bar/") {
            let fields = try StateKeyText.fields(text, tag: "bar", count: 4)
            self = .arrived(try StateKeyText.period(fields[1], fields[2]), source: try StateKeyText.int32(fields[3], "source partition"))
        } else if text.hasPrefix("bardone/") {
            let fields = try StateKeyText.fields(text, tag: "bardone", count: 3)
            self = .done(try StateKeyText.period(fields[1], fields[2]))
        } else {
            return nil
        }
    }
}

/// A stage that forwards period-close markers: it keeps a barrier per
/// input partition and journals its progress.
protocol BarrierStage: StatefulStage {
    var barrier: BarrierTracker { get set }
    static func barrierKey(_ key: BarrierKey) -> StateKey
}

extension BarrierStage {
    /// Records a close marker's arrival (and the barrier's completion) in
    /// the tracker and the journal; true when the barrier completes.
    func arrive(_ partition: Int32, _ period: PeriodKey, source: Int32, sourceCount: Int32) -> Bool {
        let complete = barrier.arrive(partition: partition, period: period, source: source, sourceCount: sourceCount)
        journal.put(partition, Self.barrierKey(.arrived(period, source: source)), [1])
        if complete { journal.put(partition, Self.barrierKey(.done(period)), [1]) }
        return complete
    }

    /// A stage between two partitioned topics passes a period's close
    /// marker on, to every partition of `output`, once it has come from
    /// every input partition that feeds this one.
    func forwardMarker<Key>(_ record: LogRecord, _ period: PeriodKey, source: Int32, sourceCount: Int32, input: Topic, to output: Output<Key>,
                            _ out: inout StageOutput) {
        guard arrive(record.partition, period, source: source, sourceCount: sourceCount) else { return }
        out.broadcast(output, key: period.description, .closeMarker(period: period, source: record.partition, sourceCount: out.partitions(of: input)))
    }
}
