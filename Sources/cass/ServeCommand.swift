import CASSAccess
import CASSDomain
import CASSFileLog
import CASSKafka
import CASSLog
import CASSService
import CASSWorkers
import CProcess
import Foundation

/// `cass serve`: the CASSLink service (docs/service.md).
enum ServeCommand {
    static let spec = CommandSpec(
        name: "serve",
        help: """
        Usage: cass serve --data DIR [--reference DIR] [--listen HOST:PORT] [--admin NAME]
                          [--brokers LIST] [-X key=value]
                          [--metrics-port N [--metrics-host ADDR]]
                          [--sftp-listen HOST:PORT [--sftp-root DIR]] [--drop DIR]
                          [--trusted-proxy LIST] [--access-log FILE]

        Runs the OpenCASS service: the HTTP API and portal for airlines, agents
        and the CASS operator, with the whole settlement pipeline inside.

          --data DIR          everything the service must not lose. Without a broker
                              the pipeline runs on a durable log in DIR/log (fsync'd
                              before a request is answered); with --brokers, DIR holds
                              only caches and the state lives in Kafka.
          --reference DIR     load the reference data folder (operations.csv,
                              airlines.csv, agents.csv, tax-rules.csv) at start;
                              loading the same data again changes nothing
          --listen HOST:PORT  where the API listens (default 127.0.0.1:8080);
                              GET /healthz answers 200 once requests are taken
          --admin NAME        first start on an empty DIR: the administrator of the
                              operator company `cass`, with the password from the
                              environment variable CASS_ADMIN_PASSWORD (at least 12
                              characters); later starts ignore both
          --brokers LIST      Kafka bootstrap servers (default: $CASS_BROKERS);
                              several serve processes can front one cluster
          -X key=value        a librdkafka property (repeatable; also CASS_KAFKA_*)
          --sftp-listen HOST:PORT  also run OpenSSH's sshd (as root) for SFTP only:
                              company trees with inbox/ and outbox/, users by the
                              keys of PUT /api/v1/users/NAME/ssh-keys (docs/sftp.md)
          --sftp-root DIR     the companies' trees (default DIR/sftp of --data)
          --drop DIR          take billing files from DIR/airline-PPP/inbox/ (no SSH;
                              submittedBy "drop"; reports in DIR/airline-PPP/outbox/reports)
          --trusted-proxy LIST  reverse proxies (addresses or CIDR networks, comma-
                              separated, e.g. 172.16.0.0/12) whose X-Forwarded-For
                              names the client in the audit trail and login records
                              (default: none; the peer's own address is recorded)
          --metrics-port N    also serve Prometheus metrics on ADDR:N/metrics (each
                              stage's workers, records, restarts and failures, the
                              views' invoices, closed periods and lag, HTTP requests
                              by route and status with latency) and /healthz there
                              (503 when the stage threads have not gone round for 30 s)
          --metrics-host ADDR  numeric address of the metrics endpoint (default:
                              $CASS_METRICS_HOST, else 127.0.0.1)
          --access-log FILE   append one JSON line per answered request to FILE (- for
                              stderr): time, peer, user, method, path, route, status,
                              bytes, ms (docs/service.md "Access log"); rotate it with
                              copy-and-truncate

        Environment: CASS_TODAY=YYYY-MM-DD sets "today" (tests and demonstrations
        move time with it between restarts); CASS_NAMESPACE prefixes every topic;
        CASS_KEEP_FREED_MEMORY=0 keeps glibc's allocator defaults (by default freed
        memory is reused during a burst of work and given back once the service rests).
        SIGTERM or SIGINT: requests in flight finish, then the service stops (exit 0).
        Exit codes: 1 when the service cannot start (a message says why), 2 bad command line,
        3 when stopping did not finish within 45 s (the message names the part it was
        stuck in; acknowledged requests are kept, as after a crash).
        """,
        values: ["--data", "--reference", "--listen", "--admin", "--brokers", "-X", "--sftp-listen", "--sftp-root", "--drop", "--trusted-proxy",
                 "--metrics-port", "--metrics-host", "--access-log"])

    /// How long stopping may take before the process exits anyway.
    static let stopDeadlineSeconds = 45

    static func run(_ args: [String]) -> ExitCode {
        spec.run(args) { parsed in
            let data = URL(fileURLWithPath: try parsed.required("--data"))
            var options = ServiceOptions(dataDirectory: data)
            if let reference = parsed.value("--reference") { options.referenceDirectory = URL(fileURLWithPath: reference) }
            if let listen = parsed.value("--listen") {
                let (host, port) = try parseListen(listen)
                options.host = host
                options.port = port
            }
            if let listen = parsed.value("--sftp-listen") {
                let (host, port) = try parseListen(listen)
                options.sftp = SFTPOptions(host: host, port: port, root: parsed.value("--sftp-root").map { URL(fileURLWithPath: $0) })
            } else if parsed.value("--sftp-root") != nil {
                throw UsageError("--sftp-root goes with --sftp-listen HOST:PORT")
            }
            options.drop = parsed.value("--drop").map { URL(fileURLWithPath: $0) }
            if let text = parsed.value("--trusted-proxy") {
                do {
                    options.trustedProxies = try TrustedProxies(parsing: text)
                } catch {
                    throw UsageError("\(error)")
                }
            }
            options.admin = parsed.value("--admin")
            let metricsEndpoint = try WorkerCommand.metricsOptions(parsed)
            options.adminPassword = ProcessInfo.processInfo.environment["CASS_ADMIN_PASSWORD"]
            if let text = ProcessInfo.processInfo.environment["CASS_TEST_PASSWORD_ITERATIONS"], !text.isEmpty {
                // Tests of the binary only: a debug build takes ~10 s per
                // 600,000-iteration hash. Stored hashes keep their own count.
                guard let iterations = Int(text), (1_000...PBKDF2Passwords.productionIterations).contains(iterations) else {
                    throw UsageError("CASS_TEST_PASSWORD_ITERATIONS takes 1000 to \(PBKDF2Passwords.productionIterations), not '\(text)'")
                }
                options.passwordIterations = iterations
                Console.warning("new passwords are hashed with \(iterations) PBKDF2 iterations (CASS_TEST_PASSWORD_ITERATIONS): for tests only, never in production")
            }
            let clock = try ServiceClock.fromEnvironment()
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)

            // Opened before the data folder is locked: a path that cannot be written ends the start at once.
            let accessLog = try parsed.value("--access-log").map { try AccessLogFile(path: $0) }
            let log = try ServiceLog.open(data: data, parsed: parsed, name: "serve")
            let signal = ShutdownSignal()
            let metrics = metricsEndpoint.map { _ in ServiceMetrics() }
            if metrics != nil || accessLog != nil {
                options.requestObserver = { record in
                    metrics?.observe(record)
                    accessLog?.write(record)
                }
            }
            let service = Service(options: options, log: log, clock: clock)
            try service.start { Console.progress("serve: \($0)") }
            var metricsServer: MetricsServer?
            if let endpoint = metricsEndpoint, let metrics {
                metrics.follow { service.vitals() }
                if let fileLog = log as? FileLog { FileLogMetrics.follow(fileLog, in: metrics.registry) }
                let server = try MetricsServer(registry: metrics.registry, host: endpoint.host, port: endpoint.port) { service.roundAgeMs }
                server.start()
                metricsServer = server
                let shown = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
                Console.progress("serve: metrics on http://\(shown):\(server.port)/metrics")
            }
            let stopped = DispatchSemaphore(value: 0)
            signal.onSignal { _ in stopped.signal() }
            stopped.wait()
            Console.progress("serve: stopping (requests in flight finish)")
            metricsServer?.stop()
            // A stop that never ends would keep the port and the data
            // folder's lock: after a deadline the process exits on its own,
            // naming the part it was stuck in. That is as safe as a crash
            // (what was acknowledged is on the log; the rest is replayed).
            let part = Locked("the service")
            let done = DispatchSemaphore(value: 0)
            let watchdog = Thread {
                cass_thread_set_name("serve-watchdog")
                if done.wait(timeout: .now() + .seconds(Self.stopDeadlineSeconds)) == .timedOut {
                    Console.error("serve: stopping did not finish within \(Self.stopDeadlineSeconds) s, stuck stopping \(part.withLock { $0 }); exiting (exit code \(ExitCode.stopTimedOut.rawValue))")
                    exit(ExitCode.stopTimedOut.rawValue)
                }
            }
            watchdog.start()
            service.stop { name in
                part.withLock { $0 = name }
                Console.progress("serve: stopping \(name)")
            }
            part.withLock { $0 = "the log" }
            try ServiceLog.close(log)
            done.signal()
            Console.progress("serve: stopped")
            return .ok
        }
    }

    static func parseListen(_ text: String) throws(UsageError) -> (String, UInt16) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw UsageError("--listen takes HOST:PORT (for example 127.0.0.1:8080), not '\(text)'")
        }
        let host = String(text[..<colon])
        guard !host.isEmpty else { throw UsageError("--listen needs a host before the port: '\(text)'") }
        return (host, port)
    }
}
