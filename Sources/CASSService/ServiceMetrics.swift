import CASSHTTP
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
        /// Per topic, how far the views' feed is behind the log's end
        /// (`ViewFeed.lag`); nil when the log could not say.
        public var viewLag: [String: Int64]?
        /// Connections and event streams the HTTP server holds open.
        public var openConnections: Int
        public var openEventStreams: Int
    }

    public func vitals() -> Vitals {
        Vitals(
            stages: [pipeline, publisher].compactMap { $0 }.flatMap { $0.health() },
            roundAgeMs: roundAgeMs,
            invoicesIssued: context?.invoices.issued(from: Int.max).count ?? 0,
            periodsClosed: context?.invoices.closedPeriods().count ?? 0,
            ready: isReady,
            viewLag: try? context?.feed.lag(),
            openConnections: server?.openConnections ?? 0,
            openEventStreams: server?.openEventStreams ?? 0)
    }

    /// The older of the stage threads' last rounds (the settlement
    /// pipeline's and the publish stage's); nil before they start. What
    /// the metrics port's /healthz reads, with nothing else computed.
    public var roundAgeMs: Int? {
        [pipeline, publisher].compactMap { $0?.lastRoundAgeMs }.max()
    }
}

/// `cass serve`'s Prometheus metrics (docs/service.md, "Metrics"): the
/// service's vitals, read at every scrape once `follow` is given them, and
/// every answered request (`observe`, the HTTP server's access hook).
public final class ServiceMetrics: Sendable {
    public let registry = MetricsRegistry()
    /// The totals of the previous scrape: counters only go up by what
    /// changed since.
    private let seen = Locked([String: (records: Int, restarts: Int)]())
    /// A request's series, by method, route and status: looked up once,
    /// then counted without building labels per request.
    private let requestSeries = Locked([RequestKey: (count: Counter, duration: Histogram)]())
    /// Distinct (method, route, status) series kept: routes and statuses are
    /// a bounded set, the limit is a guard should that ever change.
    static let requestSeriesMax = 2_000

    struct RequestKey: Hashable, Sendable {
        var method: String
        var route: String
        var status: Int
    }

    public init() {}

    /// One answered request: counted by method, route pattern (not path:
    /// "unmatched" for 404 and 405, "-" before a request head was read
    /// whole) and status, and its time from head read to answer written.
    @Sendable public func observe(_ request: CASSHTTP.AccessRecord) {
        let key = RequestKey(method: request.method, route: request.route ?? (request.method == "-" ? "-" : "unmatched"), status: request.status)
        let registry = registry
        let series = requestSeries.withLock { known -> (count: Counter, duration: Histogram)? in
            if let series = known[key] { return series }
            guard known.count < Self.requestSeriesMax else { return nil }
            let labels = ["method": key.method, "route": key.route, "status": String(key.status)]
            let series = (count: registry.counter("cass_serve_http_requests_total", help: "Requests answered, by method, route pattern and status.", labels: labels),
                          duration: registry.histogram("cass_serve_http_request_duration_seconds",
                                                       help: "Seconds from a request's head read to its answer written, by method, route pattern and status.",
                                                       labels: labels))
            known[key] = series
            return series
        }
        guard let series else { return }
        series.count.increment()
        series.duration.observe(Double(request.durationNanoseconds) / 1e9)
    }

    /// The topics whose lag the last scrape showed.
    private let lagTopics = Locked(Set<String>())

    /// Reads `vitals` at every scrape.
    public func follow(_ vitals: @escaping @Sendable () -> Service.Vitals) {
        let registry = registry, seen = seen, lagTopics = lagTopics
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
            // A lag the log could not tell is left out, not left at its
            // last value.
            let lags = now.viewLag ?? [:]
            for topic in lagTopics.withLock({ $0 }) where lags[topic] == nil {
                registry.removeSeries("cass_serve_view_lag_offsets", labels: ["topic": topic])
            }
            lagTopics.withLock { $0 = Set(lags.keys) }
            for (topic, lag) in lags {
                registry.gauge("cass_serve_view_lag_offsets", help: "Offsets between the views' feed and the log's end, per topic (summed over partitions).",
                               labels: ["topic": topic]).set(Double(lag))
            }
            registry.gauge("cass_serve_http_open_connections", help: "HTTP connections open.").set(Double(now.openConnections))
            registry.gauge("cass_serve_http_open_event_streams", help: "Event streams (GET /api/v1/events) open.").set(Double(now.openEventStreams))
        }
    }
}
