import CASSDomain
import CASSEngine
import CASSOneRecord
import CASSSamples
import CASSWorkers
import Foundation

/// The dataset in each input format: its files converted (CBF, ONE Record
/// RDF/XML, JSON-LD), each format's reader timed on its own (one core, MB/s
/// of that format's bytes) and `cass settle --no-documents` timed on each
/// twin folder (median of three, with its ratio to the CBF run).
enum InputFormatsBenchmark {
    static let usage = """
    Usage: cass-bench formats [--awbs N] [--seed S] [--error-rate R] [--dataset DIR] [--runs N] [--readers-only]
                             [--read-threads N]

    The same dataset as CBF, ONE Record RDF/XML and JSON-LD: each format's
    reader alone on one core (MB/s of that format's bytes, median of the
    runs), where its time goes (the scanner alone, then the element events,
    then the whole reader), and `cass settle --no-documents` on each twin
    folder (median of the runs, with its ratio to the CBF run).

      --awbs N        AWBs to generate (default 100000)
      --seed S        generator seed (default 42)
      --error-rate R  fraction of deliberately broken items (default 0.01)
      --dataset DIR   use DIR/input/*.cbf and DIR/reference (from `cass sample`)
                      instead of generating; the twins go to DIR/twins and are
                      reused by the next run
      --runs N        timed runs per figure (default 3)
      --readers-only  no settlement runs
      --read-threads N  threads reading files ahead of ingest in the settle
                      runs (default: one per core; 1: the sequential reading)
    """

    /// `cass-bench formats ...`
    static func main(_ arguments: [String]) -> Int32 {
        var awbs = 100_000, seed: UInt64 = 42, errorRate = 0.01, dataset: String?, runs = 3, readersOnly = false
        var readThreads = FolderSettlement.readThreadsDefault
        var args = arguments
        while !args.isEmpty {
            let arg = args.removeFirst()
            if arg == "--help" || arg == "-h" { print(usage); return 0 }
            if arg == "--readers-only" { readersOnly = true; continue }
            guard !args.isEmpty else { FileHandle.standardError.write(Data("cass-bench formats: \(arg) needs a value\n\n\(usage)\n".utf8)); return 2 }
            let value = args.removeFirst()
            switch arg {
            case "--awbs": awbs = Int(value) ?? awbs
            case "--seed": seed = UInt64(value) ?? seed
            case "--error-rate": errorRate = Double(value) ?? errorRate
            case "--dataset": dataset = value
            case "--runs": runs = max(1, Int(value) ?? runs)
            case "--read-threads": readThreads = min(64, max(1, Int(value) ?? readThreads))
            default: FileHandle.standardError.write(Data("cass-bench formats: unknown option \(arg)\n\n\(usage)\n".utf8)); return 2
            }
        }
        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
        do {
            let root: URL
            var temporary: URL?
            if let dataset {
                root = URL(fileURLWithPath: dataset)
            } else {
                root = FileManager.default.temporaryDirectory.appendingPathComponent("cass-bench-formats-\(getpid())")
                temporary = root
                let began = now()
                let summary = try SampleGenerator.generate(SampleConfig(awbs: awbs, seed: seed, errorRate: errorRate), into: root)
                print(String(format: "cass-bench formats: generated %d AWBs (seed %d, error rate %.2f): %d files, %d billing records, %.1f MB of CBF in %.2f s",
                             awbs, seed, errorRate, summary.files.count, summary.billingRecords, Double(summary.bytes) / 1e6, now() - began))
            }
            defer { if let temporary { try? FileManager.default.removeItem(at: temporary) } }
            try run(dataset: root, work: root.appendingPathComponent("twins"), runs: runs, settles: !readersOnly, readThreads: readThreads, now: now)
            return 0
        } catch {
            FileHandle.standardError.write(Data("cass-bench formats: \(error)\n".utf8))
            return 1
        }
    }

    /// The load average (1 minute), for the record: the machine is shared.
    static func load() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "?" }
        return String(text.split(separator: " ").first ?? "?")
    }

    /// This thread's CPU time: on a shared machine the reader's own
    /// seconds, whatever else runs (wall time counts the others' too).
    static func cpuSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    static func run(dataset: URL, work: URL, runs: Int = 3, settles: Bool = true, readThreads: Int = FolderSettlement.readThreadsDefault,
                    now: () -> Double) throws {
        let input = dataset.appendingPathComponent("input")
        let reference = try ReferenceLoader.load(directory: dataset.appendingPathComponent("reference"))
        let names = try FileManager.default.contentsOfDirectory(atPath: input.path).filter { $0.hasSuffix(".cbf") }.sorted()
        var folders: [(BillingFileFormat, URL)] = [(.cbf, input)]
        for format in BillingFileFormat.allCases where format != .cbf {
            let folder = work.appendingPathComponent("input-\(format.rawValue)")
            folders.append((format, folder))
            // Twins already written by an earlier run (--dataset) are reused.
            let done = folder.appendingPathComponent(".complete")
            if FileManager.default.fileExists(atPath: done.path) { continue }
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for name in names {
                let bytes = try [UInt8](Data(contentsOf: input.appendingPathComponent(name)))
                let stem = String(name.dropLast(4))
                // A file that does not convert (rejected at file level) stays a CBF in the twin folder.
                if let converted = try? FileConverter.convert(bytes: bytes, fileName: name, to: format) {
                    try Data(converted).write(to: folder.appendingPathComponent(stem + "." + format.fileExtension))
                } else {
                    try Data(bytes).write(to: folder.appendingPathComponent(name))
                }
            }
            _ = FileManager.default.createFile(atPath: done.path, contents: Data())
        }

        print("")
        print("input formats (the same dataset as CBF, ONE Record RDF/XML and JSON-LD twins; load average \(load()) at the start, 2 cores):")
        print("  readers alone, one core, median of \(runs) (CPU time of the reading thread; wall time in brackets); files mapped, page cache warm:")
        var cbfSettle = 0.0
        var settleLines: [String] = []
        for (format, folder) in folders {
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0) }
            let contents = try files.map { try Data(contentsOf: $0, options: .alwaysMapped) }
            let bytes = contents.reduce(0) { $0 + $1.count }
            let megabytes = Double(bytes) / 1e6
            // Fault the pages in once, untimed.
            var touched = 0
            for data in contents { data.withUnsafeBytes { raw in var k = 0; while k < raw.count { touched &+= Int(raw[k]); k += 4096 } } }
            func timed(_ body: () -> Int) -> (seconds: Double, wall: Double, count: Int) {
                var times: [Double] = []
                var walls: [Double] = []
                var count = 0
                for _ in 0..<runs {
                    let began = now(), cpu = cpuSeconds()
                    count = body()
                    times.append(cpuSeconds() - cpu)
                    walls.append(now() - began)
                }
                return (median(times), median(walls), count)
            }
            let reader = timed {
                var records = 0
                for (url, data) in zip(files, contents) {
                    let result = data.withUnsafeBytes { BillingFileReader.read(bytes: $0, fileName: url.lastPathComponent, periodsPerMonth: { _ in nil }) }
                    if case .parsed(let file) = result { records += file.records.count }
                }
                return records
            }
            print(String(format: "  %-6@ %8.1f MB  reader %7.3f s = %7.1f MB/s, %8.0f records/s  [wall %.3f s = %.1f MB/s]",
                         format.rawValue, megabytes, reader.seconds, megabytes / reader.seconds, Double(reader.count) / reader.seconds,
                         reader.wall, megabytes / reader.wall))
            if format != .cbf {
                // Where the reader's time goes: each stage includes the ones before.
                for stage in ReaderProfile.Stage.allCases where stage != .whole {
                    let part = timed {
                        var elements = 0
                        for data in contents { elements += data.withUnsafeBytes { ReaderProfile.run(stage, $0) } }
                        return elements
                    }
                    print(String(format: "           %-34@ %7.3f s = %7.1f MB/s (%3.0f%% of the reader's time)",
                                 stage.description, part.seconds, megabytes / part.seconds, 100 * part.seconds / reader.seconds))
                }
            }
            guard settles else { continue }
            // cass settle --no-documents on the folder.
            var times: [Double] = []
            var cpus: [Double] = []
            for _ in 0..<runs {
                let began = now(), cpu = ProcessMemory.cpuSeconds()
                let ordered = try FolderSettlement.inputFiles(in: folder)
                let (outcome, _) = try FolderSettlement.run(reference: reference, files: ordered, keepLines: false, readThreads: readThreads)
                _ = SettlementSummary.agentsCSV(outcome.invoices)
                times.append(now() - began)
                cpus.append(ProcessMemory.cpuSeconds() - cpu)
            }
            let settle = median(times)
            if format == .cbf { cbfSettle = settle }
            settleLines.append(String(format: "  %-6@ %8.1f MB  settle %6.3f s wall (median of %d: %@), %.1fx the CBF run; CPU %.3f s (all threads of the process)",
                                      format.rawValue, megabytes, settle, runs, times.map { String(format: "%.3f", $0) }.joined(separator: " "),
                                      cbfSettle > 0 ? settle / cbfSettle : 1, median(cpus)))
        }
        if settles {
            print("  cass settle --no-documents on each twin folder (read, settle, write; both cores; \(readThreads) read thread(s)):")
            for line in settleLines { print(line) }
        }
        print("  load average \(load()) at the end")
    }
}
