import CASSKafka
import CASSLog
import CASSService
import CASSWorkers
import Foundation

/// `cass distribute`: the SFTP outbox of a Kafka cluster without the HTTP
/// service (docs/sftp.md "Distribution worker").
enum DistributeCommand {
    static let help = """
    Usage: cass distribute --root DIR [--every-ms N] [--metrics-port N] [--metrics-host ADDR] [--brokers LIST] [-X key=value]

    Distribution without the HTTP service, on Kafka: reads the cluster's
    invoices and closes, settings, file outcomes and users, and after each
    close writes, for each company that chose sftp in its settings, its
    documents in its formats under DIR/COMPANY/outbox/COUNTRY/PERIOD/, the
    same documents as `cass serve --sftp-listen` (agents: NUMBER.pdf, .xlsx,
    .hot, .xml; airlines: settlement-airlines.csv, management-statistics.pdf).
    Files are the running user's (folders 0750, documents 0640), for an SFTP
    server or a copy job of your own to serve. A document already there is
    never written again; each is written under a temporary dot-name and
    renamed, so a restart after a crash only adds what is missing.
    One writer per DIR: the process holds DIR/.cass-outbox.lock while it
    runs, and a second `cass distribute` or a `cass serve --sftp-listen` on
    the same DIR is refused at start (exit 1, naming the holder's pid).

    Options:
      --root DIR        the companies' trees (made if missing)
      --every-ms N      how often the outbox is brought up to date (100 to
                        60000, default 1000)
      --metrics-port N  serve Prometheus metrics on ADDR:N/metrics and
                        health on /healthz (503 when no pass has finished
                        for 30 s or 10 passes, whichever is longer)
      --metrics-host ADDR  numeric address of the metrics endpoint (default:
                        CASS_METRICS_HOST, else 127.0.0.1)
    \(ClusterOptions.help)

    The reference data comes from the cluster (`cass reference load` or
    `cass serve --reference` first).
    Metrics: cass_distribute_passes_total, cass_distribute_documents_written_total,
    cass_distribute_failures_total (a period's documents that could not be
    written; retried at the next pass), cass_distribute_closed_periods.
    Exit codes: 0 stopped by SIGTERM or SIGINT, 1 failed (the reason is
    logged: another process holds DIR, no reference data, the log
    unreadable), 2 bad command line.
    """

    static let command = CommandSpec(name: "distribute", help: help, values: ClusterOptions.valueOptions.union(["--root", "--every-ms", "--metrics-port", "--metrics-host"]))

    static func run(_ args: [String]) -> ExitCode {
        command.run(args) { parsed in
            var options = Distributor.Options(root: URL(fileURLWithPath: try parsed.required("--root")))
            if let text = parsed.value("--every-ms") {
                guard let every = Int(text), (100...60_000).contains(every) else {
                    throw UsageError("--every-ms takes 100 to 60000 (milliseconds), not '\(text)'")
                }
                options.everyMs = every
            }
            // Checked before connecting: a bad -X, no brokers or a bad
            // metrics address is a usage error.
            _ = try ClusterOptions.config(parsed)
            let endpoint = try WorkerCommand.metricsOptions(parsed)
            let name = "distribute[\(getpid())]"
            let log = try ClusterOptions.log(parsed)
            let distributor = Distributor(options: options, log: log) { Console.progress("\(name): \($0)") }
            let metrics = DistributeMetrics()
            distributor.onPass = { metrics.record($0) }
            let shutdown = ShutdownSignal()
            shutdown.onSignal { _ in distributor.stop() }
            // Before the start: the catch-up of a big cluster takes a while,
            // and /healthz says "starting" meanwhile.
            var server: MetricsServer?
            if let endpoint {
                // Healthy while passes keep finishing: one pass can take a
                // while when a big close's documents are rendered.
                let limitMs = max(30_000, 10 * options.everyMs)
                let started = try MetricsServer(registry: metrics.registry, host: endpoint.host, port: endpoint.port, pollAgeLimitMs: limitMs) {
                    metrics.lastPassAgeMs
                }
                started.start()
                server = started
                let shown = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
                Console.progress("\(name): metrics on http://\(shown):\(started.port)/metrics")
            }
            defer { server?.stop() }
            try distributor.start()
            let failure = distributor.run()
            distributor.close()
            if let failure {
                Console.error("\(name): \(failure)")
                return .failure
            }
            Console.progress("\(name): stopped on signal \(shutdown.receivedSignal ?? 0)")
            return .ok
        }
    }
}

/// The distribution worker's metrics (the names are in `cass distribute --help`).
final class DistributeMetrics: Sendable {
    let registry = MetricsRegistry()
    private let passes: Counter
    private let documents: Counter
    private let failures: Counter
    private let closedPeriods: Gauge
    /// Totals already counted (the pass reports totals since the start).
    private let counted = Locked((documents: 0, failures: 0))
    private let lastPass = Locked<UInt64?>(nil)

    init() {
        passes = registry.counter("cass_distribute_passes_total", help: "Passes over the closed periods since the start.")
        documents = registry.counter("cass_distribute_documents_written_total", help: "Documents written into the outbox trees since the start.")
        failures = registry.counter("cass_distribute_failures_total",
                                    help: "Periods whose documents for a company could not be written (retried at the next pass).")
        closedPeriods = registry.gauge("cass_distribute_closed_periods", help: "Closed periods the views hold.")
    }

    func record(_ pass: Distributor.Pass) {
        let (newDocuments, newFailures) = counted.withLock { total -> (Int, Int) in
            defer { total = (pass.documentsWritten, pass.failures) }
            return (pass.documentsWritten - total.documents, pass.failures - total.failures)
        }
        passes.increment()
        if newDocuments > 0 { documents.increment(by: Int64(newDocuments)) }
        if newFailures > 0 { failures.increment(by: Int64(newFailures)) }
        closedPeriods.set(Double(pass.closedPeriods))
        lastPass.withLock { $0 = DispatchTime.now().uptimeNanoseconds }
    }

    /// Milliseconds since the last pass finished; nil before the first.
    var lastPassAgeMs: Int? {
        lastPass.withLock { $0 }.map { Int((DispatchTime.now().uptimeNanoseconds &- $0) / 1_000_000) }
    }
}
