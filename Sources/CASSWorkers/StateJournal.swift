import CASSDomain
import CASSEngine
import CASSLog

/// The changes a stage made to its state while handling one batch, to be
/// written to the compacted state topic (`cass.state`) after the batch's
/// outputs are acknowledged. Keys are `<stage>/<input partition>/<entity>`
/// and land in the state partition with the input partition's number, so a
/// worker that takes over an input partition restores it from one place.
public final class StateJournal {
    public let enabled: Bool
    var changes: [Int32: [String: [UInt8]]] = [:]
    var order: [Int32: [String]] = [:]

    public init(enabled: Bool) { self.enabled = enabled }

    /// Key and value are built only when the journal is on: the embedded
    /// run keeps none, and building them per line cost real time.
    public func put(_ partition: Int32, _ key: @autoclosure () -> String, _ value: @autoclosure () -> [UInt8]) {
        guard enabled else { return }
        let key = key(), value = value()
        if changes[partition]?[key] == nil { order[partition, default: []].append(key) }
        changes[partition, default: [:]][key] = value
    }

    /// The batch's changes in the order first touched, and a fresh journal.
    func take() -> [Int32: [(String, [UInt8])]] {
        var result: [Int32: [(String, [UInt8])]] = [:]
        for (partition, keys) in order {
            result[partition] = keys.compactMap { key in changes[partition]?[key].map { (key, $0) } }
        }
        changes = [:]
        order = [:]
        return result
    }
}

/// A stage whose state must survive its worker: it journals changes and
/// can rebuild itself from what the journal wrote.
public protocol StatefulStage: StageLogic {
    var journal: StateJournal { get }
    /// Rebuilds the state of one input partition from its journal entries
    /// (in write order; a later entry of a key replaces an earlier one).
    func restore(partition: Int32, entries: [(key: String, value: [UInt8])]) throws
    /// Forgets a partition another worker now owns.
    func forget(partition: Int32)
}

enum StateKey {
    static let marker = "@offset"

    static func prefix(_ stage: StageName, _ partition: Int32) -> String { "\(stage.rawValue)/\(partition)/" }
}

// MARK: encodings of state values

extension AWBLedger.Entry {
    func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 80)
        encode(into: &w)
        return w.bytes
    }

    /// Version byte, then the fields: 77 bytes.
    func encode(into w: inout BinaryWriter) {
        w.u8(1)
        w.i64(firstAgent); w.i64(weightCharge); w.i64(valuationCharge); w.i64(otherChargesDueCarrier)
        w.i64(commission); w.i64(incentive); w.i64(netDue); w.date(issueDate); w.i64(lastOrdinal); w.i32(lastSequence)
    }

    init(encoded bytes: [UInt8]) throws {
        var r = BinaryReader(bytes)
        try self.init(from: &r)
    }

    init(from r: inout BinaryReader) throws {
        guard try r.u8() == 1 else { throw DecodingFailure("AWB ledger entry of an unknown version") }
        self.init(firstAgent: try r.i64(), weightCharge: try r.i64(), valuationCharge: try r.i64(), otherChargesDueCarrier: try r.i64(),
                  commission: try r.i64(), incentive: try r.i64(), netDue: try r.i64(), issueDate: try r.date(),
                  lastOrdinal: try r.i64(), lastSequence: try r.i32())
    }
}

extension InvoiceAccumulator {
    /// The sums only; lines are journalled one by one.
    /// Version 2: the sums are exact (128 bits, low then high half).
    func encodedSums() -> [UInt8] {
        var w = BinaryWriter(capacity: 64)
        w.u8(2)
        w.i32(Int32(sections.count))
        func exact(_ value: Int128) {
            w.u64(UInt64(truncatingIfNeeded: value))
            w.i64(Int64(truncatingIfNeeded: value >> 64))
        }
        for (airline, sums) in sections.sorted(by: { $0.key < $1.key }) {
            w.i32(airline); w.i64(Int64(sums.lines)); exact(sums.net); w.u64(sums.ruleSeen)
            w.i32(Int32(sums.ruleBases.count))
            for base in sums.ruleBases { exact(base) }
        }
        return w.bytes
    }

    static func decodeSums(_ bytes: [UInt8]) throws -> [Int32: SectionSums] {
        var r = BinaryReader(bytes)
        let version = try r.u8()
        guard version == 1 || version == 2 else { throw DecodingFailure("accumulator of an unknown version") }
        func exact() throws -> Int128 {
            guard version == 2 else { return Int128(try r.i64()) }
            let low = try r.u64()
            return Int128(try r.i64()) << 64 | Int128(low)
        }
        var sections: [Int32: SectionSums] = [:]
        for _ in 0..<max(0, Int(try r.i32())) {
            let airline = try r.i32()
            let lines = Int(try r.i64()), net = try exact(), seen = try r.u64()
            let count = max(0, Int(try r.i32()))
            var sums = SectionSums(ruleCount: count)
            sums.lines = lines
            sums.net = net
            sums.ruleSeen = seen
            for index in 0..<count { sums.ruleBases[index] = try exact() }
            sections[airline] = sums
        }
        return sections
    }
}

extension BarrierTracker {
    /// Journal entries that record a marker's arrival, and a completion.
    static func arrivalKey(_ period: PeriodKey, source: Int32) -> String { "bar/\(period.country)/\(period.period)/\(source)" }
    static func doneKey(_ period: PeriodKey) -> String { "bardone/\(period.country)/\(period.period)" }

    mutating func restore(partition: Int32, key: String) {
        let parts = key.split(separator: "/")
        if parts.count == 4, parts[0] == "bar", let period = BillingPeriod(yyyymmnn: Int(parts[2]) ?? 0), let source = Int32(parts[3]) {
            seen[partition, default: [:]][PeriodKey(country: String(parts[1]), period: period), default: []].insert(source)
        } else if parts.count == 3, parts[0] == "bardone", let period = BillingPeriod(yyyymmnn: Int(parts[2]) ?? 0) {
            let key = PeriodKey(country: String(parts[1]), period: period)
            completed[partition, default: []].insert(key)
            seen[partition]?[key] = nil
        }
    }

    mutating func forget(partition: Int32) {
        seen[partition] = nil
        completed[partition] = nil
    }

    func isDone(partition: Int32, period: PeriodKey) -> Bool { completed[partition]?.contains(period) == true }
}
