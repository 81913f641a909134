import CASSDomain
import CASSEngine
import CASSOneRecord
import CASSWorkers
import Foundation

/// The dataset in each input format: its files converted (CBF, ONE Record
/// RDF/XML, JSON-LD), each format's reader timed on its own (one core, MB/s
/// of that format's bytes) and `cass settle --no-documents` timed on each
/// twin folder (median of three, with its ratio to the CBF run).
enum InputFormatsBenchmark {
    static func run(dataset: URL, work: URL, now: () -> Double) throws {
        let input = dataset.appendingPathComponent("input")
        let reference = try ReferenceLoader.load(directory: dataset.appendingPathComponent("reference"))
        let names = try FileManager.default.contentsOfDirectory(atPath: input.path).filter { $0.hasSuffix(".cbf") }.sorted()
        var folders: [(BillingFileFormat, URL)] = [(.cbf, input)]
        for format in BillingFileFormat.allCases where format != .cbf {
            let folder = work.appendingPathComponent("input-\(format.rawValue)")
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
            folders.append((format, folder))
        }

        print("")
        print("input formats (the same dataset as CBF, ONE Record RDF/XML and JSON-LD twins):")
        var cbfSettle = 0.0
        for (format, folder) in folders {
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { folder.appendingPathComponent($0) }
            let contents = try files.map { try Data(contentsOf: $0, options: .alwaysMapped) }
            let bytes = contents.reduce(0) { $0 + $1.count }
            // The reader alone, one core, best of three.
            var best = Double.infinity
            var records = 0
            for _ in 0..<3 {
                records = 0
                let began = now()
                for (url, data) in zip(files, contents) {
                    let result = data.withUnsafeBytes { BillingFileReader.read(bytes: $0, fileName: url.lastPathComponent, periodsPerMonth: { _ in nil }) }
                    if case .parsed(let file) = result { records += file.records.count }
                }
                best = min(best, now() - began)
            }
            // cass settle --no-documents on the folder, median of three.
            var settles: [Double] = []
            for _ in 0..<3 {
                let began = now()
                let ordered = try FolderSettlement.inputFiles(in: folder)
                let (outcome, _) = try FolderSettlement.run(reference: reference, files: ordered, keepLines: false)
                _ = SettlementSummary.agentsCSV(outcome.invoices)
                settles.append(now() - began)
            }
            let settle = settles.sorted()[1]
            if format == .cbf { cbfSettle = settle }
            print(String(format: "  %-6@ %8.1f MB  reader %7.3f s = %7.1f MB/s (%.0f records/s, one core)   settle %6.3f s (median of 3, %.1fx the CBF run)",
                         format.rawValue, Double(bytes) / 1e6, best, Double(bytes) / 1e6 / best, Double(records) / best, settle, cbfSettle > 0 ? settle / cbfSettle : 1))
        }
    }
}
