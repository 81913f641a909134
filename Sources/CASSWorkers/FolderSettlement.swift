import CASSDomain
import CASSEngine
import CASSOneRecord
import Foundation

/// The embedded job over a folder: the billing files (*.cbf, *.xml) in the
/// spec's processing order, every period present closed in ascending
/// order per operation, the results read back from the output topics.
/// `cass settle` and `cass-bench` both run exactly this.
public enum FolderSettlement {
    public struct InputFile: Sendable {
        public var name: String
        public var path: String
        public var size: Int
        public var summary: BillingFileSummary
    }

    public struct InputError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Lists and orders the folder's billing files, reading only what the
    /// processing order needs (files are mapped, not loaded).
    public static func inputFiles(in directory: URL) throws -> [InputFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError(description: "input folder \(directory.path) does not exist or is not a folder")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            let lower = $0.lowercased()
            return lower.hasSuffix(".cbf") || lower.hasSuffix(".xml")
        }
        return try inputFiles(named: names.map { directory.appendingPathComponent($0) })
    }

    /// The given files, in processing order.
    public static func inputFiles(named urls: [URL]) throws -> [InputFile] {
        var files: [InputFile] = []
        for url in urls {
            let name = url.lastPathComponent
            let data: Data
            do {
                data = try Data(contentsOf: url, options: .alwaysMapped)
            } catch {
                throw InputError(description: "cannot read \(url.path): \(error.localizedDescription)")
            }
            let summary = data.withUnsafeBytes { BillingFileReader.summary(of: $0, fileName: name) }
            files.append(InputFile(name: name, path: url.path, size: data.count, summary: summary))
        }
        return files.sorted { $0.summary.key < $1.summary.key }
    }

    /// The (operation, period) pairs the files name, for a known operation.
    public static func periodsPresent(_ files: [InputFile], reference: ReferenceData) -> [PeriodKey] {
        var periods: Set<PeriodKey> = []
        for file in files {
            guard let period = file.summary.period, reference.operation(file.summary.operation) != nil else { continue }
            periods.insert(PeriodKey(country: file.summary.operation, period: period))
        }
        return periods.sorted()
    }

    public static func run(reference: ReferenceData, files: [InputFile], keepLines: Bool, parallel: Bool = true,
                           progress: (@Sendable (String) -> Void)? = nil) throws -> (SettlementOutcome, EmbeddedPipeline) {
        // A CBF line is 161 bytes and most lines are AWB records: enough to
        // size the ledgers without reading the files twice. XML files are
        // left out (their size says less); the ledgers grow for them.
        let cbfBytes = files.filter { $0.name.lowercased().hasSuffix(".cbf") }.reduce(0) { $0 + $1.size }
        let expectedAWBs = cbfBytes / 161 * 3 / 4
        let pipeline = try EmbeddedPipeline(reference: reference, keepLines: keepLines, expectedAWBs: expectedAWBs)
        try pipeline.submit(files.map { SubmittedFile(name: $0.name, operation: $0.summary.operation, content: .path($0.path)) })
        try pipeline.close(periodsPresent(files, reference: reference))
        if parallel {
            try pipeline.drainInParallel(progress: progress)
        } else {
            try pipeline.drain(progress: progress)
        }
        return (try pipeline.collect(), pipeline)
    }
}
