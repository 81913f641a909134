import CASSWorkers
import Foundation

let usage = """
cass: OpenCASS, an open settlement core for air cargo.

Usage: cass <command> [options]

Commands:
  settle           settle a folder of billing files on this machine (embedded log, no broker)
  sample           write a generated dataset (reference data and billing files)
  convert          convert a billing file between CBF and ONE Record XML
  topics describe  print the pipeline: stages, topics, partitioning and state

Service:
  serve            the CASSLink service: HTTP API and portal for airlines, agents and
                   the operator, with the pipeline inside (durable log in --data, or Kafka)
  users import     migrate the legacy system's users into a service's data (activation tokens)

Cluster (Kafka; brokers from --brokers or CASS_BROKERS):
  topics apply       create or verify every topic
  topics delete      delete every topic of the namespace (--yes; tests and benchmarks)
  reference load     publish the reference data folder
  worker STAGE       run one worker of a stage (ingest validate tax settle number render notify publish)
  submit             submit billing files
  close-period       close a period (or every period present in files)
  export-settlement  write the three settlement CSVs from the cluster's topics
  status             lag per stage and partition, periods closed
  distribute         write the SFTP outbox trees after each close (no HTTP service)

Run `cass help <command>` or `cass <command> --help` for a command's options;
`cass --version` prints the version.
Exit codes: 0 done (rejected records and files are results, not failures),
1 the job could not run (missing folder, bad reference data, I/O error), 2 bad command line.
"""

var arguments = Array(CommandLine.arguments.dropFirst())
guard var command = arguments.first else {
    print(usage)
    exit(ExitCode.usage.rawValue)
}
arguments.removeFirst()
// `cass help CMD [SUB]` is `cass CMD [SUB] --help`.
if command == "help", let topic = arguments.first {
    command = topic
    arguments = Array(arguments.dropFirst()) + ["--help"]
}

// Before any thread starts: a close's freed memory stays for the next
// burst (`ProcessMemory`; `cass serve` gives it back when it rests).
ProcessMemory.keepFreedMemoryUnlessDisabled()

let code: ExitCode
switch command {
case "settle": code = SettleCommand.run(arguments)
case "sample": code = SampleCommand.run(arguments)
case "convert": code = ConvertCommand.run(arguments)
case "worker": code = WorkerCommand.run(arguments)
case "reference": code = ReferenceCommand.run(arguments)
case "submit": code = SubmitCommand.run(arguments)
case "close-period": code = ClosePeriodCommand.run(arguments)
case "export-settlement": code = ExportCommand.run(arguments)
case "status": code = StatusCommand.run(arguments)
case "topics": code = TopicsCommand.run(arguments)
case "serve": code = ServeCommand.run(arguments)
case "distribute": code = DistributeCommand.run(arguments)
case "users": code = UsersCommand.run(arguments)
case "--help", "-h", "help":
    print(usage)
    code = .ok
case "--version", "-V", "version":
    print("cass (OpenCASS) \(OpenCASSVersion.text)")
    code = .ok
default:
    Console.error("unknown command '\(command)'\n\n" + usage)
    code = .usage
}
exit(code.rawValue)
