import CASSDomain
import CASSKafka
import CASSLog
import CASSNotify
import CASSWorkers
import Dispatch
import Foundation

enum WorkerCommand {
    static let help = """
    Usage: cass worker STAGE [--brokers LIST] [-X key=value] [--metrics-port N] [--metrics-host ADDR] [--documents DIR] [--spool DIR]

    Runs one worker of a stage against Kafka until SIGTERM or SIGINT, when
    it finishes the batch in flight, commits and leaves its group. Start
    as many per stage as the load needs: partitions are shared among the
    workers of a stage (cooperative-sticky), and a worker that dies is
    replaced by the others, which restore its state from cass.state.

    Stages: ingest validate tax settle number render notify publish
      ingest reads files submitted as a path (over 512 KiB) from --spool DIR
      only: a path outside it, or not a regular file, is refused (dead letter).
      render writes every issued invoice's documents into --documents DIR.
      notify delivers file, invoice and period events to the recipients of
      --recipients FILE (webhooks signed with HMAC-SHA256, e-mail to an
      outbox or SMTP), attaching invoice PDFs found in --documents DIR.
      publish writes the public events (CloudEvents JSON) to cass.invoice-events,
      the topic downstream systems subscribe to (docs/events.md).

    Options:
      --metrics-port N  serve Prometheus metrics on ADDR:N/metrics and
                        health on /healthz (503 when the worker has not
                        polled for 30 s)
      --metrics-host ADDR  numeric address of the metrics endpoint (default:
                        $CASS_METRICS_HOST, else 127.0.0.1); 0.0.0.0 lets
                        Prometheus in another container scrape
      --documents DIR   where the render stage writes documents (default: documents)
      --spool DIR       the shared folder of files submitted as a path (ingest; none: paths refused)
      --recipients FILE the notify stage's recipients.json (docs/notifications.md)
      --no-documents    settle: keep no invoice lines (nothing will render documents,
                        and no invoice.lines public events are published: invoice.issued
                        then says lineParts 0; the settlement CSVs are the same, state
                        and messages much smaller)
    \(ClusterOptions.help)

    Exit codes: 0 stopped by a signal, 1 failed (the reason is logged), 2 bad command line.
    """

    static let command = CommandSpec(name: "worker", help: help,
                                     values: ClusterOptions.valueOptions.union(["--metrics-port", "--metrics-host", "--documents", "--recipients", "--spool"]),
                                     flags: ["--no-documents"], positionals: ["STAGE"])

    static func run(_ args: [String]) -> ExitCode {
        command.run(args) { parsed in
            guard let definition = Pipeline.definition(named: parsed.positionals[0]) else {
                throw UsageError("unknown stage '\(parsed.positionals[0])': \(Pipeline.names.joined(separator: ", "))")
            }
            let stage = definition.name
            // Every argument is checked before connecting to Kafka.
            if stage == .notify, parsed.value("--recipients") == nil { throw UsageError("the notify stage needs --recipients FILE") }
            _ = try metricsOptions(parsed)
            _ = try ClusterOptions.config(parsed)
            return runWorker(definition, parsed)
        }
    }

    static func runWorker(_ definition: StageDefinition, _ parsed: Arguments) -> ExitCode {
        let stage = definition.name
        let name = "worker \(stage.rawValue)[\(getpid())]"
        do {
            // Checked in `run` already: this cannot fail here.
            let metricsEndpoint = try metricsOptions(parsed)
            // Metrics first: the log's statistics feed the consumer-lag gauges.
            let workerMetrics = WorkerMetrics(stage: stage.rawValue)
            var config = try KafkaConfig.fromEnvironment(brokers: parsed.value("--brokers"), overrides: parsed.options["-X"] ?? [])
            config.statisticsHandler = { statistics in
                workerMetrics.consumerLag(statistics.partitions.compactMapValues(\.consumerLag))
            }
            let log = try KafkaLog(config: config)
            let reference = try loadReference(log, name: name)
            var environment = StageEnvironment(reference: reference, persistState: true, keepLines: !parsed.has("--no-documents"),
                                               spool: parsed.value("--spool").map { URL(fileURLWithPath: $0) })
            if stage == .render {
                environment.documents = URL(fileURLWithPath: parsed.value("--documents") ?? "documents")
            } else {
                environment.documents = parsed.value("--documents").map { URL(fileURLWithPath: $0) }
            }
            if stage == .notify {
                guard let recipients = parsed.value("--recipients") else { throw UsageError("the notify stage needs --recipients FILE") }
                let configuration = try RecipientsConfiguration.load(path: recipients)
                for warning in configuration.warnings(source: recipients) { Console.warning(warning) }
                environment.notifier = Notifier(configuration: configuration, templates: try MessageTemplates())
            }
            // The notify stage's factory resumes the deliveries a previous
            // worker left pending (killed while retrying).
            let worker = try StageWorker(definition, environment: environment, log: log)
            worker.maxBatch = 2048
            worker.onRebalance = { assigned, revoked in
                if !assigned.isEmpty { Console.progress("\(name): assigned \(assigned.map(\.description).joined(separator: ", "))") }
                if !revoked.isEmpty { Console.progress("\(name): revoked \(revoked.map(\.description).joined(separator: ", "))") }
            }
            let metrics = workerMetrics
            var server: MetricsServer?
            if let endpoint = metricsEndpoint {
                let started = try MetricsServer(registry: metrics.registry, host: endpoint.host, port: endpoint.port) { metrics.lastPollAgeMs }
                started.start()
                server = started
                let shown = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
                Console.progress("\(name): metrics on http://\(shown):\(started.port)/metrics")
            }
            let shutdown = ShutdownSignal()
            Console.progress("\(name): started, group \(stage.group), reading \(definition.input.name)")
            var handled = 0
            var lastReport = DispatchTime.now()
            var retry = 0
            let backoff = Backoff()
            while !shutdown.isRequested {
                let before = worker.counters
                let started = DispatchTime.now()
                do {
                    let count = try worker.step(timeoutMs: 200)
                    retry = 0
                    metrics.polled()
                    if count > 0 {
                        handled += count
                        metrics.recordsIn(count)
                        metrics.recordsOut(worker.counters.recordsOut - before.recordsOut)
                        for (code, total) in worker.counters.rejectionsByCode where total > before.rejectionsByCode[code, default: 0] {
                            metrics.rejected(code: code, count: total - before.rejectionsByCode[code, default: 0])
                        }
                        if worker.counters.deadLettered > before.deadLettered { metrics.deadLettered(worker.counters.deadLettered - before.deadLettered) }
                        metrics.batchHandled(seconds: Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
                    }
                } catch where Backoff.isTransient(error) && !worker.isBroken {
                    // Failed while polling, before any state changed: try again.
                    retry += 1
                    let delay = backoff.delayMs(retry: retry)
                    Console.progress("\(name): transient error, retry \(retry) in \(delay) ms: \(error)")
                    Thread.sleep(forTimeInterval: Double(delay) / 1000)
                }
                if DispatchTime.now().uptimeNanoseconds - lastReport.uptimeNanoseconds > 10_000_000_000 {
                    Console.progress("\(name): \(handled) records handled, \(worker.counters.deadLettered) dead-lettered")
                    lastReport = DispatchTime.now()
                }
            }
            Console.progress("\(name): stopping on signal \(shutdown.receivedSignal ?? 0) after \(handled) records (busy \(String(format: "%.2f", Double(worker.counters.busyNanoseconds) / 1e9)) s); committing and leaving the group")
            worker.close()
            server?.stop()
            return .ok
        } catch {
            Console.error("\(name): \(ErrorText.sentence(error))")
            return .failure
        }
    }

    /// Reference data may be published just after the workers start: wait
    /// for it a while rather than die.
    static func loadReference(_ log: KafkaLog, name: String) throws -> ReferenceData {
        let deadline = Date().addingTimeInterval(60)
        var reported = false
        while true {
            do {
                return try ReferenceTopic.load(from: log)
            } catch {
                guard Date() < deadline else { throw error }
                if !reported { Console.progress("\(name): waiting for reference data: \(error)") }
                reported = true
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    /// `--metrics-port` and `--metrics-host` (or CASS_METRICS_HOST), checked
    /// before anything connects; nil when no metrics endpoint is asked for.
    static func metricsOptions(_ parsed: Arguments, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (host: String, port: UInt16)? {
        let host = parsed.value("--metrics-host") ?? environment["CASS_METRICS_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        guard let text = parsed.value("--metrics-port") else {
            if parsed.value("--metrics-host") != nil { throw UsageError("--metrics-host needs --metrics-port") }
            return nil
        }
        guard let port = UInt16(text) else { throw UsageError("--metrics-port must be a port number from 0 to 65535, not \(text)") }
        var plain = host
        if plain.hasPrefix("["), plain.hasSuffix("]") { plain = String(plain.dropFirst().dropLast()) }
        let isAddress = plain == "localhost" || plain.split(separator: ".").count == 4 && plain.split(separator: ".").allSatisfy { UInt8($0) != nil }
            || (plain.contains(":") && plain.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." })
        guard isAddress else { throw UsageError("--metrics-host must be a numeric IPv4 or IPv6 address (e.g. 0.0.0.0 or ::), not \(host)") }
        return (plain, port)
    }
}
