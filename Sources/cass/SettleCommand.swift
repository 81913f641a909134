import CASSDomain
import CASSEngine
import CASSLog
import CASSNotify
import CASSWorkers
import Foundation

enum SettleCommand {
    static let help = """
    Usage: cass settle --reference DIR --input DIR --output DIR [--no-documents] [--events FILE]
                       [--notify FILE [--notify-wait S]] [--read-threads N] [--quiet]

    Settles every billing file (*.cbf, *.xml, *.jsonld) of the input folder on this
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
      --output DIR      where results go (created if missing; see "The output folder" below)
      --no-documents    write only the three CSVs and the rejection reports (fastest)
      --events FILE     also write the public events (docs/events.md: invoice.issued,
                        invoice.lines, period.closed, file.accepted, file.rejected) to
                        FILE, one CloudEvents JSON object per line, in the order they
                        were published: the same events a cluster puts on
                        cass.invoice-events (FILE must be outside the output folder,
                        or named events.jsonl inside it)
      --notify FILE     also notify the recipients of FILE (recipients.json, see
                        docs/notifications.md) and log every delivery in deliveries.jsonl;
                        deliveries run in the background, each retried on its own
                        backoff, while progress goes to stderr
      --notify-wait S   how long to wait for deliveries after the results are written
                        (default 30 s, at most 3600): what is still being retried then
                        is listed in notifications-pending.jsonl and reported
      --read-threads N  threads that read (parse) files ahead of the processing
                        (default: one per core, at most 64; 1 reads one file after
                        another). The files are still processed in the processing
                        order and the results are the same byte for byte; at most
                        2 x N files and 256 MiB of input files are read ahead and
                        not yet processed (docs/settle-parallel-reading.md)
      --quiet           no progress on stderr

    The output folder holds exactly this run's results: an earlier run's
    are removed when the run starts (its documents are rewritten in place
    if this run writes them again, and removed if not), a second run into
    the same folder at the same time is refused, and manifest.json, written
    last, lists every file with its size and SHA-256 (a folder without it
    is not a result). cass only ever removes what cass writes: a folder
    holding anything else is refused. Input entries that are not readable
    files (a folder named x.cbf, a FIFO, a broken link) are reported,
    listed in the manifest and skipped.

    Exit codes: 0 settled (rejections are results), 1 could not run (bad
    reference data, an amount beyond the 64-bit range, an unusable output
    folder), 2 bad command line.
    """

    static let command = CommandSpec(name: "settle", help: help, values: ["--reference", "--input", "--output", "--notify", "--notify-wait", "--events",
                                                                                "--read-threads"],
                                     flags: ["--no-documents", "--quiet"])

    static func run(_ args: [String]) -> ExitCode {
        command.run(args) { parsed in
            let referencePath = try parsed.required("--reference"), inputPath = try parsed.required("--input"), outputPath = try parsed.required("--output")
            let quiet = parsed.has("--quiet")
            let documents = !parsed.has("--no-documents")
            let started = Date()
            let eventsFile = try parsed.value("--events").map { try EventsFile.check($0, output: outputPath) }
            let reference: ReferenceData
            do {
                reference = try ReferenceLoader.load(directory: URL(fileURLWithPath: referencePath))
            } catch {
                Console.error("bad reference data, nothing loaded: \(error)")
                return .failure
            }
            if !quiet { Console.progress("reference data: \(reference.operations.count) operations, \(reference.airlines.count) airlines, \(reference.allAgents.count) agents") }
            // Everything that can be refused is checked before the output
            // folder is touched.
            let recipients = try parsed.value("--notify").map { try RecipientsConfiguration.load(path: $0) }
            let notifyWait = try parsed.integer("--notify-wait", default: 30, in: 0...3600)
            let readThreads = try parsed.integer("--read-threads", default: min(64, FolderSettlement.readThreadsDefault), in: 1...64)
            for warning in recipients?.warnings(source: parsed.value("--notify") ?? "") ?? [] { Console.warning(warning) }
            let scan = try FolderSettlement.scan(URL(fileURLWithPath: inputPath))
            for entry in scan.skipped { Console.warning("skipped input \(entry.name): \(entry.reason)") }
            let files = scan.files
            let bytes = files.reduce(0) { $0 + $1.size }
            if !quiet { Console.progress("input: \(files.count) billing files, \(bytes / 1_000_000) MB" + (scan.skipped.isEmpty ? "" : "; \(scan.skipped.count) entries skipped")) }
            // Locked and emptied of an earlier run's results from here on;
            // the manifest, written last, marks the folder a result again.
            // An earlier run's documents are kept to be rewritten in place
            // (docs/documents.md, "Running again into the same folder").
            let output = try OutputFolder(URL(fileURLWithPath: outputPath), reusingDocuments: documents)
            // Fonts and the documents' shared parts, read while the settlement runs.
            let preparedDocuments = documents ? InvoiceDocuments.preparing(reference: reference) : nil
            // A run that stops before its manifest leaves none of them.
            var finished = false
            defer { if !finished { output.dropKeptDocuments() } }
            let report: (@Sendable (String) -> Void)? = quiet ? nil : { @Sendable message in Console.progress("working, messages handled per stage: " + message) }
            let outcome: SettlementOutcome, pipeline: EmbeddedPipeline
            do {
                (outcome, pipeline) = try FolderSettlement.run(reference: reference, files: files, keepLines: documents || eventsFile != nil,
                                                              publishesEvents: eventsFile != nil, readThreads: readThreads, progress: report)
            } catch let overflow as AmountOverflow {
                Console.error("no settlement written: \(overflow)")
                return .failure
            }
            if !quiet { Console.progress("settled in \(String(format: "%.2f", Date().timeIntervalSince(started))) s; writing the results") }
            if documents { try output.keepOnlyDocuments(InvoiceDocuments.fileNames(outcome.invoices)) }
            try OutputWriter.write(outcome, reference: reference, to: output.url, documents: documents, digests: output.written, quiet: quiet,
                                    prepared: preparedDocuments)
            if let eventsFile {
                let events = try pipeline.publicEvents()
                try EventsFile.write(events, to: eventsFile)
                if !quiet { Console.progress("events: \(events.count) public events in \(eventsFile.path)") }
            }
            if let recipients {
                try notify(recipients, reference: reference, log: pipeline.log, output: output.url, waitSeconds: notifyWait, quiet: quiet)
            }
            try output.finish(command: "cass settle", skipped: scan.skipped)
            finished = true
            if !quiet {
                let seconds = Date().timeIntervalSince(started)
                Console.progress("done in \(String(format: "%.2f", seconds)) s: \(outcome.invoices.count) invoices, \(outcome.disbursements.count) disbursements, \(outcome.rejections.count) rejections; results in \(output.url.path)")
            }
            // Everything is written: the process ends here. Returning would
            // free the pipeline's state (messages, ledgers) object by object,
            // which took as long as writing the results; the kernel drops the
            // whole address space at once.
            exit(ExitCode.ok.rawValue)
        }
    }

    /// Tells the recipients what the run produced. Deliveries go through a
    /// background queue: a receiver that does not answer is retried on its
    /// own backoff and holds nobody; after `waitSeconds` the run ends with
    /// what is still pending listed in notifications-pending.jsonl.
    static func notify(_ recipients: RecipientsConfiguration, reference: ReferenceData, log: InProcessLog, output: URL, waitSeconds: Int, quiet: Bool) throws {
        let notifier = Notifier(configuration: recipients, templates: try MessageTemplates())
        let queue = DeliveryQueue(notifier: notifier)
        let documents = output.appendingPathComponent("invoices")
        var events = 0
        for partition in 0..<(try log.partitionCount(of: TopicCatalog.events)) {
            for record in try log.readToEnd(TopicPartition(topic: TopicCatalog.events, partition: partition)) {
                guard let message = try? StageMessage.decode(record.value),
                      let (event, attachments) = try NotifyStage.notification(for: message, reference: reference, documents: documents) else { continue }
                try queue.enqueue(event, attachments: attachments)
                events += 1
            }
        }
        func line(_ counts: DeliveryQueue.Counts) -> String {
            "notifications: \(counts.delivered) delivered, \(counts.exhausted) failed, \(counts.pending) pending"
                + (counts.nextRetryInSeconds.map { String(format: " (next retry in %.0f s)", $0) } ?? "")
        }
        if !quiet { Console.progress("notifications: \(events) events to tell, \(queue.currentCounts.pending) deliveries under way") }
        let allDone = queue.wait(until: Date().addingTimeInterval(Double(waitSeconds)), progressSeconds: 2) { counts in
            if !quiet { Console.progress(line(counts)) }
        }
        queue.stop()
        let counts = queue.currentCounts
        let finished = queue.takeFinished().sorted { $0.deliveryID < $1.deliveryID }
        let pending = allDone ? [] : queue.pendingOutcomes().sorted { $0.deliveryID < $1.deliveryID }
        try OutputWriter.writeDeliveries(try finished.map { (try $0.jsonBytes(), $0.isDelivered) }, to: output)
        if !pending.isEmpty {
            try OutputWriter.writeDeliveries(try pending.map { (try $0.jsonBytes(), false) }, to: output, name: "notifications-pending.jsonl")
            Console.warning("\(pending.count) notification(s) still pending after \(waitSeconds) s (their receivers did not answer); "
                            + "they are listed in notifications-pending.jsonl and were not delivered by this run")
        }
        if !quiet { Console.progress(line(counts) + "; see deliveries.jsonl") }
    }
}

/// `cass settle --events FILE`: the public events as JSON Lines.
enum EventsFile {
    struct WriteError: Error, CustomStringConvertible {
        var description: String
    }

    /// Refused before anything runs: a path inside the output folder
    /// (other than events.jsonl at its top, which the folder's manifest
    /// then lists) would be removed by the next run, or refuse it.
    static func check(_ path: String, output: String) throws -> URL {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let folder = URL(fileURLWithPath: output).standardizedFileURL
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw UsageError("--events \(path) is a folder; give the file to write the events to")
        }
        if url.path.hasPrefix(folder.path + "/") {
            guard url.deletingLastPathComponent().path == folder.path, url.lastPathComponent == "events.jsonl" else {
                throw UsageError("--events \(path) is inside the output folder \(output); put it elsewhere, or name it \(output)/events.jsonl")
            }
            // The run makes (and checks) the output folder itself.
            return url
        }
        let parent = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw UsageError("--events \(path): the folder \(parent.path) does not exist")
        }
        // Writable? Found out now, not after the whole run.
        let probe = temporary(for: url)
        guard FileManager.default.createFile(atPath: probe.path, contents: nil) else {
            throw UsageError("--events \(path): cannot create a file in \(parent.path)")
        }
        try? FileManager.default.removeItem(at: probe)
        return url
    }

    static func temporary(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
    }

    /// Written to a temporary file beside it, then renamed: a reader never
    /// sees half the events.
    static func write(_ events: [[UInt8]], to url: URL) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(events.reduce(0) { $0 + $1.count + 1 })
        for event in events {
            bytes += event
            bytes.append(0x0A)
        }
        let temporary = temporary(for: url)
        do {
            try Data(bytes).write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw WriteError(description: "cannot write the events to \(url.path): \(ErrorText.reason(error))")
        }
    }
}
