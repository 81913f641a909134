import CASSLog
import Dispatch
import Foundation

/// The metrics every stage worker exports, named once here so dashboards
/// and alerts work for every stage:
///
/// - `cass_records_in_total{stage}`, `cass_records_out_total{stage}`
/// - `cass_rejections_total{stage,code}`: rejections by CASS code (R07 …)
/// - `cass_dead_lettered_total{stage}`: records sent to the stage's DLQ
/// - `cass_batch_seconds{stage}`: processing latency of one polled batch
/// - `cass_consumer_lag{stage,topic,partition}`: from librdkafka statistics
/// - `cass_seconds_since_poll{stage}`: what /healthz judges
public final class WorkerMetrics: @unchecked Sendable {
    public let registry: MetricsRegistry
    public let stage: String
    private let recordsInCounter: Counter
    private let recordsOutCounter: Counter
    private let deadLetteredCounter: Counter
    private let batchSeconds: Histogram
    private let lastPoll = Locked<UInt64?>(nil)
    private let lagPartitions = Locked<Set<TopicPartition>>([])

    public init(stage: String, registry: MetricsRegistry = MetricsRegistry()) {
        self.registry = registry
        self.stage = stage
        let labels = ["stage": stage]
        recordsInCounter = registry.counter("cass_records_in_total", help: "Records read from the stage's input topic.", labels: labels)
        recordsOutCounter = registry.counter("cass_records_out_total", help: "Records written by the stage (acknowledged).", labels: labels)
        deadLetteredCounter = registry.counter("cass_dead_lettered_total", help: "Records sent to the stage's dead-letter topic.",
                                               labels: labels)
        batchSeconds = registry.histogram("cass_batch_seconds", help: "Seconds to handle one polled batch, outputs acknowledged.",
                                          labels: labels)
        let sincePoll = registry.gauge("cass_seconds_since_poll", help: "Seconds since the worker last polled its input.", labels: labels)
        registry.addCollector { [lastPoll] in
            guard let last = lastPoll.current else { return }
            sincePoll.set(Double(DispatchTime.now().uptimeNanoseconds &- last) / 1e9)
        }
    }

    public func polled() { lastPoll.withLock { $0 = DispatchTime.now().uptimeNanoseconds } }

    /// For `MetricsServer`: nil until the first poll.
    public var lastPollAgeMs: Int? {
        guard let last = lastPoll.current else { return nil }
        return Int((DispatchTime.now().uptimeNanoseconds &- last) / 1_000_000)
    }

    public func recordsIn(_ count: Int) { recordsInCounter.increment(by: Int64(count)) }
    public func recordsOut(_ count: Int) { recordsOutCounter.increment(by: Int64(count)) }
    public func deadLettered(_ count: Int = 1) { deadLetteredCounter.increment(by: Int64(count)) }
    public func batchHandled(seconds: Double) { batchSeconds.observe(seconds) }

    public func rejected(code: String, count: Int = 1) {
        registry.counter("cass_rejections_total", help: "Rejections by CASS code.", labels: ["stage": stage, "code": code])
            .increment(by: Int64(count))
    }

    /// Replaces the lag gauges with the partitions this worker now fetches;
    /// partitions it gave away disappear instead of showing a stale lag.
    public func consumerLag(_ lag: [TopicPartition: Int64]) {
        let gone = lagPartitions.withLock { known -> Set<TopicPartition> in
            let gone = known.subtracting(lag.keys)
            known = Set(lag.keys)
            return gone
        }
        for partition in gone {
            registry.removeSeries("cass_consumer_lag", labels: lagLabels(partition))
        }
        for (partition, value) in lag {
            registry.gauge("cass_consumer_lag", help: "Records between the committed offset and the end, per partition.",
                           labels: lagLabels(partition)).set(value)
        }
    }

    private func lagLabels(_ partition: TopicPartition) -> [String: String] {
        ["stage": stage, "topic": partition.topic, "partition": String(partition.partition)]
    }
}

