import CASSDomain
import CASSEngine
import CASSNotify
import CASSWorkers
import Foundation

enum SettleCommand {
    static let help = """
    Usage: cass settle --reference DIR --input DIR --output DIR [--no-documents] [--notify FILE] [--quiet]

    Settles every billing file (*.cbf, *.xml) of the input folder on this
    machine, through the same stage workers as the cluster, on an in-process
    log (no broker needed):
      1. loads the reference data (operations, airlines, agents, tax rules);
      2. processes the files in the spec's processing order (billing period,
         airline prefix, file sequence number, file name);
      3. closes every period present, in ascending order per operation.

    Writes to the output folder:
      settlement-agents.csv     one row per invoice (agent, operation, period)
      settlement-airlines.csv   one row per airline disbursement
      rejections.csv            one row per rejected file or record
      rejections/FILE.txt       a readable report per file with rejections
      invoices/NUMBER.pdf       the Cargo Sales Report in the agent's language
      invoices/NUMBER.xlsx      the same report as a spreadsheet
      invoices/NUMBER.hot       fixed-width HOT file for agents' and airlines' systems
      invoices/NUMBER.xml       the invoice as ONE Record XML
      invoices/NUMBER.json      the invoice with sections, lines, taxes and totals
      statistics/               per operation and period: statistics CSV and HTML dashboard
                                (documents and statistics are skipped with --no-documents)

    Options:
      --reference DIR   reference data folder (operations.csv, airlines.csv, agents.csv, tax-rules.csv)
      --input DIR       folder of billing files
      --output DIR      where results go (created if missing)
      --no-documents    write only the three CSVs and the rejection reports (fastest)
      --notify FILE     also notify the recipients of FILE (recipients.json, see
                        docs/notifications.md) and log every delivery in deliveries.jsonl
      --quiet           no progress on stderr

    Exit codes: 0 settled (rejections are results), 1 could not run, 2 bad command line.
    """

    static func run(_ args: [String]) -> ExitCode {
        let parsed: Arguments
        do {
            parsed = try Arguments(args, valueOptions: ["--reference", "--input", "--output", "--notify"], flagOptions: ["--no-documents", "--quiet"])
        } catch {
            Console.error("\(error)\n\n" + help)
            return .usage
        }
        if parsed.has("help") {
            print(help)
            return .ok
        }
        guard let referencePath = parsed.value("--reference"), let inputPath = parsed.value("--input"), let outputPath = parsed.value("--output"), parsed.positionals.isEmpty else {
            Console.error("settle needs --reference DIR, --input DIR and --output DIR\n\n" + help)
            return .usage
        }
        let quiet = parsed.has("--quiet")
        let documents = !parsed.has("--no-documents")
        let started = Date()
        do {
            let reference = try ReferenceLoader.load(directory: URL(fileURLWithPath: referencePath))
            if !quiet { Console.progress("reference data: \(reference.operations.count) operations, \(reference.airlines.count) airlines, \(reference.allAgents.count) agents") }
            let files = try FolderSettlement.inputFiles(in: URL(fileURLWithPath: inputPath))
            let bytes = files.reduce(0) { $0 + $1.size }
            if !quiet { Console.progress("input: \(files.count) billing files, \(bytes / 1_000_000) MB") }
            let report: (@Sendable (String) -> Void)? = quiet ? nil : { @Sendable message in Console.progress("working, messages handled per stage: " + message) }
            let (outcome, pipeline) = try FolderSettlement.run(reference: reference, files: files, keepLines: documents, progress: report)
            if !quiet { Console.progress("settled in \(String(format: "%.2f", Date().timeIntervalSince(started))) s; writing the results") }
            let output = URL(fileURLWithPath: outputPath)
            try OutputWriter.write(outcome, reference: reference, to: output, documents: documents)
            if let recipients = parsed.value("--notify") {
                let notifier = Notifier(configuration: try RecipientsConfiguration.load(path: recipients), templates: try MessageTemplates())
                let worker = try StageWorker(logic: NotifyStage(notifier: notifier, reference: reference, documents: output.appendingPathComponent("invoices")), log: pipeline.log)
                while try worker.step() > 0 {}
                let deliveries = try SettlementExport.deliveries(from: pipeline.log)
                try OutputWriter.writeDeliveries(deliveries, to: output)
                if !quiet { Console.progress("notifications: \(deliveries.count) deliveries, \(deliveries.filter { !$0.delivered }.count) exhausted (see deliveries.jsonl)") }
            }
            if !quiet {
                let seconds = Date().timeIntervalSince(started)
                Console.progress("done in \(String(format: "%.2f", seconds)) s: \(outcome.invoices.count) invoices, \(outcome.disbursements.count) disbursements, \(outcome.rejections.count) rejections; results in \(output.path)")
            }
            // Everything is written: the process ends here. Returning would
            // free the pipeline's state (messages, ledgers) object by object,
            // which took as long as writing the results; the kernel drops the
            // whole address space at once.
            exit(ExitCode.ok.rawValue)
        } catch let error as ReferenceDataError {
            Console.error("bad reference data, nothing loaded: \(error)")
            return .failure
        } catch {
            Console.error("\(error)")
            return .failure
        }
    }
}
