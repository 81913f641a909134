import CASSLog
import CASSWorkers
import Foundation

extension Service {
    /// What the process is doing, for `cass serve --metrics-port`: every
    /// stage's workers (the settlement pipeline's and the publish
    /// stage's), how long ago their threads last went round, and what the
    /// views hold.
    public struct Vitals: Sendable {
        public var stages: [PipelineRunner.StageHealth]
        /// `Service.roundAgeMs` when read.
        public var roundAgeMs: Int?
        public var invoicesIssued: Int
        public var periodsClosed: Int
        /// Requests are taken and the views' feed has not failed.
        public var ready: Bool
    }

    public func vitals() -> Vitals {
        Vitals(
            stages: [pipeline, publisher].compactMap { $0 }.flatMap { $0.health() },
            roundAgeMs: roundAgeMs,
            invoicesIssued: context?.invoices.issued(from: Int.max).count ?? 0,
            periodsClosed: context?.invoices.closedPeriods().count ?? 0,
            ready: isReady)
    }

    /// The older of the stage threads' last rounds (the settlement
    /// pipeline's and the publish stage's); nil before they start. What
    /// the metrics port's /healthz reads, with nothing else computed.
    public var roundAgeMs: Int? {
        [pipeline, publisher].compactMap { $0?.lastRoundAgeMs }.max()
    }
}

/// `cass serve`'s Prometheus metrics (docs/service.md, "Metrics"), read
/// from `Service.vitals()` at every scrape.
public final class ServiceMetrics: Sendable {
    public let registry = MetricsRegistry()
    /// The totals of the previous scrape: counters only go up by what
    /// changed since.
    private let seen = Locked([String: (records: Int, restarts: Int)]())

    public init(vitals: @escaping @Sendable () -> Service.Vitals) {
        let registry = registry, seen = seen
        registry.addCollector {
            let now = vitals()
            seen.withLock { seen in
                for stage in now.stages {
                    let labels = ["stage": stage.stage.rawValue]
                    registry.gauge("cass_serve_stage_workers", help: "Workers of the stage running in this process.", labels: labels)
                        .set(Double(stage.workers))
                    registry.gauge("cass_serve_stage_failing", help: "1 while the stage's last step failed (the log says why), else 0.", labels: labels)
                        .set(stage.failing == nil ? 0.0 : 1.0)
                    let before = seen[stage.stage.rawValue] ?? (0, 0)
                    registry.counter("cass_serve_stage_records_in_total", help: "Input records the stage's workers in this process handled.", labels: labels)
                        .increment(by: Int64(max(0, stage.recordsIn - before.records)))
                    registry.counter("cass_serve_stage_restarts_total", help: "Workers of the stage replaced after a failure.", labels: labels)
                        .increment(by: Int64(max(0, stage.restarts - before.restarts)))
                    seen[stage.stage.rawValue] = (max(before.records, stage.recordsIn), max(before.restarts, stage.restarts))
                }
            }
            registry.gauge("cass_serve_pipeline_round_age_seconds", help: "Seconds since the stage threads last began a round (large: stuck).")
                .set(Double(now.roundAgeMs ?? 0) / 1000)
            registry.gauge("cass_serve_invoices_issued", help: "Invoices in this process's views.").set(Double(now.invoicesIssued))
            registry.gauge("cass_serve_periods_closed", help: "Periods closed with every invoice in this process's views.").set(Double(now.periodsClosed))
            registry.gauge("cass_serve_ready", help: "1 while requests are taken and the views' feed has not failed.").set(now.ready ? 1.0 : 0.0)
        }
    }
}
