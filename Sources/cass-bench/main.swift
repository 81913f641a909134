import CASSDomain
import CASSEngine
import CASSSamples
import CASSWorkers
import Foundation

/// cass-bench: generates a dataset with the sample generator (fixed seed),
/// settles it end to end on the embedded default and prints records/s per
/// stage and end to end, wall time and peak RSS; then, unless told not to,
/// the same dataset through scripts/cluster-run with 1, 2 and 4 workers
/// per stage. A benchmark, not a test: it judges nothing.
let help = """
Usage: cass-bench [--awbs N] [--seed S] [--error-rate R] [--skip-cluster] [--skip-formats] [--workers 1,2,4]
       cass-bench --pbkdf2
       cass-bench --http [--connections N] [--seconds S]
       cass-bench serve [--awbs N] [--seed S] [--settle-runs N] [--checkpoint N] [--skip-wrk] [--connections N] [--seconds S]
                   issue 11: upload + close through cass serve against cass settle, then wrk (serve --help)
       cass-bench formats [--awbs N] [--seed S] [--dataset DIR] [--runs N] [--readers-only]
       cass-bench filelog [--records N] [--value-bytes B] [--concurrency 1,4,16,64] [--dir PATH]
       cass-bench deflate [--seconds S | --rounds N]
                   Deflate on content-stream-like text and worksheet-like XML: MB/s of input and size ratio
       cass-bench close-documents [--awbs N] [--seed S] [--error-rate R] [--agents A] [--runs N] [--keep]
                   a period close with every document: `cass sample`, then `cass settle`
                   without and with documents, each --runs times (median), timed (invoices/s
                   against issue 15's 1,000/s, seconds against its 30 s for 1M AWBs);
                   --agents 200 --awbs 100000 gives the issue's shape (~1,800 invoices)

  --awbs N         AWBs to generate (default 1000000)
  --seed S         generator seed (default 42)
  --error-rate R   fraction of deliberately broken items (default 0.01)
  --skip-cluster   only the embedded default
  --skip-formats   no XML and JSON-LD twins (readers and settlement per input format)
  --workers LIST   workers per stage for the cluster runs (default 1,2,4)
  --document-awbs N  AWBs of the dataset whose invoices' documents are rendered and timed (default 20000)
  --pbkdf2         only time one password check (PBKDF2-HMAC-SHA256, 600,000 iterations) and exit
  --http           only load the HTTP server with wrk (default 64 connections, 10 s) and exit

       cass-bench portal [--invoices N] [--iterations N] [--only PAGE] [--preview DIR]
                   render every portal page for a user with N invoices (default 1000), p50/p99 per page

Build it in release mode for real figures: swift run -c release cass-bench --awbs 1000000
"""

// `cass-bench filelog ...`: the durable embedded log on its own.
// `cass-bench serve ...`: the service over HTTP on its durable log.
// As the `cass` command does (`CASS_KEEP_FREED_MEMORY=0` for glibc's defaults).
ProcessMemory.keepFreedMemoryUnlessDisabled()
if CommandLine.arguments.dropFirst().first == "serve" { exit(runServeBench(Array(CommandLine.arguments.dropFirst(2)))) }
// `cass-bench formats ...`: CBF, RDF/XML and JSON-LD twins of one dataset.
if CommandLine.arguments.dropFirst().first == "formats" { exit(InputFormatsBenchmark.main(Array(CommandLine.arguments.dropFirst(2)))) }
if CommandLine.arguments.dropFirst().first == "close-documents" { exit(CloseDocumentsBench.run(Array(CommandLine.arguments.dropFirst(2)))) }
if CommandLine.arguments.dropFirst().first == "deflate" { exit(DeflateBench.run(Array(CommandLine.arguments.dropFirst(2)))) }
if CommandLine.arguments.dropFirst().first == "filelog" { exit(FileLogBench.run(Array(CommandLine.arguments.dropFirst(2)))) }

var skipFormats = false
var httpConnections = 64, httpSeconds = 10, httpOnly = false
var awbs = 1_000_000, seed: UInt64 = 42, errorRate = 0.01, skipCluster = false, workerCounts = [1, 2, 4], documentAWBs = 20_000
var args = Array(CommandLine.arguments.dropFirst())
if args.first == "portal" {
    runPortalBench(Array(args.dropFirst()))
    exit(0)
}
while !args.isEmpty {
    let arg = args.removeFirst()
    func value() -> String {
        guard !args.isEmpty else { FileHandle.standardError.write(Data("cass-bench: \(arg) needs a value\n".utf8)); exit(2) }
        return args.removeFirst()
    }
    switch arg {
    case "--awbs": awbs = Int(value()) ?? awbs
    case "--seed": seed = UInt64(value()) ?? seed
    case "--error-rate": errorRate = Double(value()) ?? errorRate
    case "--skip-cluster": skipCluster = true
    case "--skip-formats": skipFormats = true
    case "--workers": workerCounts = value().split(separator: ",").compactMap { Int($0) }
    case "--document-awbs": documentAWBs = Int(value()) ?? documentAWBs
    case "--pbkdf2": exit(benchPasswordHashing())
    case "--http": httpOnly = true
    case "--connections": httpConnections = Int(value()) ?? httpConnections
    case "--seconds": httpSeconds = Int(value()) ?? httpSeconds
    case "--help", "-h": print(help); exit(0)
    default: FileHandle.standardError.write(Data("cass-bench: unknown option \(arg)\n\n\(help)\n".utf8)); exit(2)
    }
}

if httpOnly { exit(benchHTTP(connections: httpConnections, seconds: httpSeconds)) }

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func peakRSSMegabytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
    return -1
}

/// CPU seconds (user + system) of the whole process so far: against the
/// wall time of a section it says how many cores the section kept busy.
func cpuSeconds() -> Double {
    var usage = rusage()
    guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func rate(_ count: Int, _ seconds: Double) -> String {
    seconds > 0 ? String(format: "%10.0f /s", Double(count) / seconds) : "         - /s"
}

print("cass-bench: \(awbs) AWBs, seed \(seed), error rate \(errorRate)")
let config = SampleConfig(awbs: awbs, seed: seed, errorRate: errorRate)
let work = FileManager.default.temporaryDirectory.appendingPathComponent("cass-bench-\(getpid())")
defer { try? FileManager.default.removeItem(at: work) }
let generateStart = now()
let summary: SampleSummary
do {
    summary = try SampleGenerator.generate(config, into: work)
} catch {
    FileHandle.standardError.write(Data("cass-bench: \(error)\n".utf8))
    exit(1)
}
print(String(format: "generated %d files, %d billing records, %.1f MB in %.2f s (in %@)", summary.files.count, summary.billingRecords, Double(summary.bytes) / 1e6, now() - generateStart, work.path))

// The embedded default, exactly as `cass settle --no-documents` runs it.
let start = now()
do {
    let reference = try ReferenceLoader.load(directory: work.appendingPathComponent("reference"))
    let files = try FolderSettlement.inputFiles(in: work.appendingPathComponent("input"))
    let (outcome, pipeline) = try FolderSettlement.run(reference: reference, files: files, keepLines: false)
    let agentsCSV = SettlementSummary.agentsCSV(outcome.invoices)
    let airlinesCSV = SettlementSummary.airlinesCSV(outcome.disbursements)
    let rejectionsCSV = SettlementSummary.rejectionsCSV(outcome.rejections)
    let out = work.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    try Data(agentsCSV.utf8).write(to: out.appendingPathComponent("settlement-agents.csv"))
    try Data(airlinesCSV.utf8).write(to: out.appendingPathComponent("settlement-airlines.csv"))
    try Data(rejectionsCSV.utf8).write(to: out.appendingPathComponent("rejections.csv"))
    let wall = now() - start
    print("")
    print("embedded default (cass settle --no-documents: read, settle, write the three CSVs):")
    print(String(format: "  wall %.2f s, %@ billing records end to end, peak RSS %d MB", wall, rate(summary.billingRecords, wall), peakRSSMegabytes()))
    print("  \(outcome.invoices.count) invoices, \(outcome.disbursements.count) disbursements, \(outcome.rejections.count) rejections")
    print("  per stage (busy time of its worker; two threads, each stepping whichever stage is free):")
    for (stage, counters) in pipeline.counters {
        let seconds = Double(counters.busyNanoseconds) / 1e9
        print("    " + stage.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: " %8.3f s  ", seconds) + rate(summary.billingRecords, seconds) + " billing records  (\(counters.recordsIn) messages in)")
    }
} catch {
    FileHandle.standardError.write(Data("cass-bench: embedded run failed: \(error)\n".utf8))
    exit(1)
}

// The input formats: readers alone and settlement per twin folder.
if !skipFormats {
    do {
        try InputFormatsBenchmark.run(dataset: work, work: work.appendingPathComponent("formats"), now: now)
    } catch {
        FileHandle.standardError.write(Data("cass-bench: input formats run failed: \(error)\n".utf8))
        exit(1)
    }
}

// Documents, measured on their own: every invoice of a smaller run rendered
// as PDF, XLSX, HOT, XML and JSON (what `cass settle` adds without --no-documents).
do {
    let docConfig = SampleConfig(awbs: documentAWBs, seed: seed, errorRate: errorRate)
    let docWork = work.appendingPathComponent("documents-run")
    _ = try SampleGenerator.generate(docConfig, into: docWork)
    let reference = try ReferenceLoader.load(directory: docWork.appendingPathComponent("reference"))
    let (outcome, _) = try FolderSettlement.run(reference: reference, files: try FolderSettlement.inputFiles(in: docWork.appendingPathComponent("input")), keepLines: true)
    let documents = try InvoiceDocuments(reference: reference)
    let began = now(), cpuBegan = cpuSeconds()
    try documents.writeAll(outcome.invoices, to: docWork.appendingPathComponent("invoices"))
    let seconds = now() - began, cpu = cpuSeconds() - cpuBegan
    let lines = outcome.invoices.reduce(0) { $0 + $1.lineCount }
    print("")
    print(String(format: "documents (%d AWBs: %d invoices, %d lines; PDF+XLSX+HOT+XML+JSON each, both cores): %.2f s, %.1f invoices/s, %.0f lines/s",
                 documentAWBs, outcome.invoices.count, lines, seconds, Double(outcome.invoices.count) / seconds, Double(lines) / seconds))
    print(String(format: "  first run (fonts prepared on the way, as in cass settle): CPU (user+sys) %.2f s, %.2f cores busy on average", cpu, cpu / max(seconds, 1e-9)))
    // The same again into a new folder, everything prepared: what the
    // per-format figures below are comparable with (they run warm too).
    let warmBegan = now(), warmCPUBegan = cpuSeconds()
    try documents.writeAll(outcome.invoices, to: docWork.appendingPathComponent("invoices-again"))
    let warmSeconds = now() - warmBegan, warmCPU = cpuSeconds() - warmCPUBegan
    print(String(format: "  second run (warm, files written): %.2f s, %.1f invoices/s; CPU %.2f s, %.2f cores busy",
                 warmSeconds, Double(outcome.invoices.count) / warmSeconds, warmCPU, warmCPU / max(warmSeconds, 1e-9)))
    // Both cores, in memory (no files): the file writing's share is the difference.
    let memoryBegan = now(), memoryCPUBegan = cpuSeconds()
    let order = InvoiceDocuments.largestFirst(outcome.invoices)
    DispatchQueue.concurrentPerform(iterations: order.count) { position in
        for format in InvoiceDocuments.Format.allCases { _ = try? documents.render(outcome.invoices[order[position]], as: format) }
    }
    let memorySeconds = now() - memoryBegan, memoryCPU = cpuSeconds() - memoryCPUBegan
    print(String(format: "  in memory, both cores (no files): %.2f s, %.1f invoices/s; CPU %.2f s, %.2f cores busy",
                 memorySeconds, Double(outcome.invoices.count) / memorySeconds, memoryCPU, memoryCPU / max(memorySeconds, 1e-9)))
    var oneCoreSum = 0.0
    // Each format alone, rendered in memory on one core (no files): where
    // the time of the run above goes. The first invoice of each language
    // prepares its font subsets; that is inside these figures.
    print("  per format, one core, in memory (invoices/s, lines/s, MB written):")
    for format in InvoiceDocuments.Format.allCases {
        let began = now()
        var bytes = 0
        for invoice in outcome.invoices { bytes += try documents.render(invoice, as: format).count }
        let seconds = now() - began
        oneCoreSum += seconds
        print("    " + format.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)
              + String(format: " %8.1f invoices/s  %9.0f lines/s  %7.1f MB", Double(outcome.invoices.count) / seconds, Double(lines) / seconds, Double(bytes) / 1e6))
    }
    let oneCoreRate = Double(outcome.invoices.count) / max(oneCoreSum, 1e-9)
    print(String(format: "  one core, all five (sum of the above): %.1f invoices/s; both cores over it: first run %.2fx, second run %.2fx, in memory %.2fx",
                 oneCoreRate, oneCoreSum / seconds, oneCoreSum / warmSeconds, oneCoreSum / memorySeconds))
} catch {
    FileHandle.standardError.write(Data("cass-bench: documents run failed: \(error)\n".utf8))
    exit(1)
}

if skipCluster {
    print("\ncluster runs skipped (--skip-cluster)")
    try? FileManager.default.removeItem(at: work)
    exit(0)
}

// The cluster: scripts/cluster-run against the test broker.
let repo = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
let clusterRun = repo.appendingPathComponent("scripts/cluster-run")
guard FileManager.default.isExecutableFile(atPath: clusterRun.path) else {
    print("\ncluster runs skipped: \(clusterRun.path) not found (run from the repository root)")
    try? FileManager.default.removeItem(at: work)
    exit(0)
}
print("\ncluster (scripts/cluster-run on the test broker, loopback):")
// A cluster run that fails or disagrees with the embedded run makes the
// benchmark exit 1: CI's smoke run relies on it.
var clusterProblems = 0
for workers in workerCounts {
    let output = work.appendingPathComponent("out-\(workers)")
    let process = Process()
    process.executableURL = clusterRun
    process.arguments = [work.appendingPathComponent("reference").path, work.appendingPathComponent("input").path, output.path, String(workers)]
    var environment = ProcessInfo.processInfo.environment
    // The settlement CSVs only, as the embedded figure; the cass binary
    // built beside this benchmark.
    environment["CASS_NO_DOCUMENTS"] = "1"
    let sibling = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("cass")
    if environment["CASS_BIN"] == nil, FileManager.default.isExecutableFile(atPath: sibling.path) { environment["CASS_BIN"] = sibling.path }
    process.environment = environment
    // The workers' logs stay in OUTDIR/logs: their busy times give the per-stage figures.
    environment["CASS_KEEP_LOGS"] = "1"
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let began = now()
    do {
        try process.run()
    } catch {
        print("  \(workers) worker(s)/stage: could not start: \(error)")
        clusterProblems += 1
        continue
    }
    let log = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let seconds = now() - began
    let text = String(decoding: log, as: UTF8.self)
    // "cluster-run: [7.5 s] settlement exported ...": the CSVs are written
    // then; what follows is stopping the workers.
    let exportedAt = text.split(separator: "\n").first { $0.contains("settlement exported") }
        .flatMap { line -> Double? in
            guard let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]") else { return nil }
            return Double(line[line.index(after: open)..<close].replacingOccurrences(of: " s", with: ""))
        }
    if process.terminationStatus == 0 {
        let names = ["settlement-agents.csv", "settlement-airlines.csv", "rejections.csv"]
        let identical = names.allSatisfy {
            FileManager.default.contents(atPath: output.appendingPathComponent($0).path) == FileManager.default.contents(atPath: work.appendingPathComponent("out").appendingPathComponent($0).path)
        }
        if !identical { clusterProblems += 1 }
        let toCSVs = exportedAt ?? seconds
        print(String(format: "  %d worker(s)/stage: %.2f s to the CSVs, %@ billing records end to end (%.2f s with stopping the workers); CSVs %@ the embedded run's",
                     workers, toCSVs, rate(summary.billingRecords, toCSVs), seconds, identical ? "identical to" : "DIFFERENT from"))
        // Per stage: the busy time every worker of the stage reported when it stopped.
        var busy: [String: Double] = [:]
        let logs = output.appendingPathComponent("logs")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: logs.path)) ?? [] where name.hasSuffix(".log") {
            let stage = String(name.prefix { $0 != "-" })
            let content = (try? String(contentsOfFile: logs.appendingPathComponent(name).path, encoding: .utf8)) ?? ""
            for line in content.split(separator: "\n") where line.contains("(busy ") {
                if let range = line.range(of: "(busy "), let value = Double(line[range.upperBound...].prefix { $0 != " " }) {
                    busy[stage, default: 0] += value
                }
            }
        }
        for stage in ["ingest", "validate", "tax", "settle", "number"] {
            guard let seconds = busy[stage] else { continue }
            print("      " + stage.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: " busy %7.3f s (all its workers)  ", seconds)
                  + rate(summary.billingRecords, seconds) + " billing records")
        }
    } else {
        print(text.split(separator: "\n").suffix(20).joined(separator: "\n"))
        print("  \(workers) worker(s)/stage: failed with exit code \(process.terminationStatus)")
        clusterProblems += 1
    }
}
try? FileManager.default.removeItem(at: work)
exit(clusterProblems == 0 ? 0 : 1)
