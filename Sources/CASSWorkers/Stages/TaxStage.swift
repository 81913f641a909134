import CASSDomain
import CASSEngine
import CASSLog

extension StageName {
    public static let tax = StageName(rawValue: "tax")
}

extension Topic {
    public static let billed = Topic(
        base: "cass.billed", partitions: 8, retentionMs: week, keyedBy: "file name",
        holds: "lines with the tax rules that apply to them, partitioned like cass.lines")
}

/// Marks which of the operation's tax rules apply to each line (by its tax
/// date). Its only state is barrier progress; it reads reference data.
public final class TaxStage: BarrierStage, WithdrawalBarrierStage, RawStageLogic {
    public static let billed = Output<InvoiceRoute>(.billed, routedBy: "invoice (operation, agent)") { route, count in
        RoutingKey.agentPartition(country: route.country, agent: route.agent, count: count)
    }

    public static let definition = StageDefinition(
        name: .tax, input: .lines, outputs: [billed.declaration],
        partitionedBy: "invoice (operation + agent)",
        keeps: "barrier progress only, period closes and withdrawals (tax rules come from the reference data)",
        make: { context in TaxStage(reference: context.environment.reference, persistState: context.environment.persistState) })

    public enum StateKey: StageStateKey {
        case barrier(BarrierKey)
        case withdrawal(WithdrawalBarrierKey)

        public var encoded: String {
            switch self {
            case .barrier(let key): key.encoded
            case .withdrawal(let key): key.encoded
            }
        }

        public init(decoding text: Substring) throws {
            if let key = try WithdrawalBarrierKey(decoding: text) {
                self = .withdrawal(key)
                return
            }
            guard let key = try BarrierKey(decoding: text) else { throw DecodingFailure("not a barrier key") }
            self = .barrier(key)
        }
    }

    public let journal: StateJournal<StateKey>
    let reference: ReferenceData
    var barrier = BarrierTracker()
    var withdrawals = WithdrawalBarrier()

    public init(reference: ReferenceData, persistState: Bool = false) {
        self.reference = reference
        self.journal = StateJournal(enabled: persistState)
    }

    static func barrierKey(_ key: BarrierKey) -> StateKey { .barrier(key) }
    static func withdrawalKey(_ key: WithdrawalBarrierKey) -> StateKey { .withdrawal(key) }

    public func restore(partition: Int32, key: StateKey, value: [UInt8]) throws {
        switch key {
        case .barrier(let key): barrier.restore(partition: partition, key)
        case .withdrawal(let key): withdrawals.restore(partition: partition, key)
        }
    }

    public func forget(partition: Int32) {
        barrier.forget(partition: partition)
        withdrawals.forget(partition: partition)
    }

    /// Lines bound for the same partition of cass.billed (the default
    /// layout) are not decoded: each line's mask is written into a copy of
    /// the message's bytes, which is what decoding, setting the masks and
    /// encoding again gives (tested), at a fraction of the cost.
    public func handleRaw(_ record: LogRecord, output: inout StageOutput) throws -> Bool {
        guard record.value.count >= 2, record.value[0] == MessageKind.lines.rawValue, record.value[1] == StageMessage.version,
              output.partitions(Self.billed) == output.partitions(of: .lines) else { return false }
        let value = try LineBatch.settingTaxMasks(record.value) { reference.taxRules(for: $0) }
        output.emit(Self.billed, partition: record.partition, key: record.key, encoded: value)
        return true
    }

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        switch message {
        case .lines(var batch):
            var country = ""
            var rules: [TaxRule] = []
            for index in batch.lines.indices {
                let line = batch.lines[index]
                if line.country != country {
                    country = line.country
                    rules = reference.taxRules(for: country)
                }
                batch.lines[index].taxRuleMask = TaxCalculator.ruleMask(for: line.taxDate, rules: rules)
            }
            // cass.billed is partitioned like cass.lines, by invoice.
            let count = output.partitions(Self.billed)
            let key = String(decoding: record.key, as: UTF8.self)
            if count == output.partitions(of: .lines) {
                output.emit(Self.billed, partition: record.partition, key: key, .lines(batch))
            } else {
                var byPartition: [[BilledLine]] = Array(repeating: [], count: Int(count))
                for line in batch.lines {
                    byPartition[Int(Self.billed.partition(for: InvoiceRoute(country: line.country, agent: line.agentCode), count: count))].append(line)
                }
                for (partition, lines) in byPartition.enumerated() where !lines.isEmpty {
                    output.emit(Self.billed, partition: Int32(partition), key: key,
                                .lines(LineBatch(lines: lines, originPartition: batch.originPartition, originOffset: batch.originOffset)))
                }
            }
        case .closeMarker(let period, let source, let sourceCount):
            forwardMarker(record, period, source: source, sourceCount: sourceCount, input: .lines, to: Self.billed, &output)
        case .withdrawLines(var marker):
            // Like a close marker: on once every validate partition has sent
            // it, so every line of the file has passed here before it.
            guard arrive(record.partition, marker) else { return }
            marker.source = record.partition
            marker.sourceCount = output.partitions(of: .lines)
            output.broadcast(Self.billed, key: marker.operation, .withdrawLines(marker))
        default:
            throw DecodingFailure("the tax stage does not take \(message.kind) messages")
        }
    }
}
