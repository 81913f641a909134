import CASSKafka
import CASSService
import CASSWorkers
import Foundation

/// `cass distribute`: the SFTP outbox of a Kafka cluster without the HTTP
/// service (docs/sftp.md "Distribution worker").
enum DistributeCommand {
    static let help = """
    Usage: cass distribute --root DIR [--every-ms N] [--brokers LIST] [-X key=value]

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
    Run one per DIR, and not on a DIR that `cass serve --sftp-listen` fills.

    Options:
      --root DIR        the companies' trees (made if missing)
      --every-ms N      how often the outbox is brought up to date (100 to
                        60000, default 1000)
    \(ClusterOptions.help)

    The reference data comes from the cluster (`cass reference load` or
    `cass serve --reference` first).
    Exit codes: 0 stopped by SIGTERM or SIGINT, 1 failed (the reason is
    logged: no reference data, the log unreadable), 2 bad command line.
    """

    static let command = CommandSpec(name: "distribute", help: help, values: ClusterOptions.valueOptions.union(["--root", "--every-ms"]))

    static func run(_ args: [String]) -> ExitCode {
        command.run(args) { parsed in
            var options = Distributor.Options(root: URL(fileURLWithPath: try parsed.required("--root")))
            if let text = parsed.value("--every-ms") {
                guard let every = Int(text), (100...60_000).contains(every) else {
                    throw UsageError("--every-ms takes 100 to 60000 (milliseconds), not '\(text)'")
                }
                options.everyMs = every
            }
            // Checked before connecting: a bad -X or no brokers is a usage error.
            _ = try ClusterOptions.config(parsed)
            let name = "distribute[\(getpid())]"
            let log = try ClusterOptions.log(parsed)
            let distributor = Distributor(options: options, log: log) { Console.progress("\(name): \($0)") }
            let shutdown = ShutdownSignal()
            shutdown.onSignal { _ in distributor.stop() }
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
