import CASSDomain
import CASSEngine
import CASSLog
import CASSRender
import CASSWorkers
import Dispatch
import Foundation

/// Writes a settlement's results to a folder, each file atomically.
enum OutputWriter {
    static func write(_ outcome: SettlementOutcome, reference: ReferenceData, to directory: URL, documents: Bool) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try atomic(Array(SettlementSummary.agentsCSV(outcome.invoices).utf8), directory.appendingPathComponent("settlement-agents.csv"))
        try atomic(Array(SettlementSummary.airlinesCSV(outcome.disbursements).utf8), directory.appendingPathComponent("settlement-airlines.csv"))
        try atomic(Array(SettlementSummary.rejectionsCSV(outcome.rejections).utf8), directory.appendingPathComponent("rejections.csv"))
        try writeRejectionReports(outcome.rejections, to: directory.appendingPathComponent("rejections"))
        if documents {
            let documents = try InvoiceDocuments(reference: reference)
            let count = outcome.invoices.count
            try documents.writeAll(outcome.invoices, to: directory.appendingPathComponent("invoices")) { done in
                Console.progress("documents: \(done) of \(count) invoices rendered")
            }
            try InvoiceDocuments.writeStatistics(invoices: outcome.invoices, rejections: outcome.rejections, reference: reference,
                                                 to: directory.appendingPathComponent("statistics"))
        }
    }

    static func writeDeliveries(_ deliveries: [(json: [UInt8], delivered: Bool)], to directory: URL) throws {
        var bytes: [UInt8] = []
        for delivery in deliveries { bytes += delivery.json + [10] }
        try atomic(bytes, directory.appendingPathComponent("deliveries.jsonl"))
    }

    static func writeRejectionReports(_ rejections: [Rejection], to directory: URL) throws {
        var byFile: [String: [Rejection]] = [:]
        for rejection in rejections { byFile[rejection.file, default: []].append(rejection) }
        guard !byFile.isEmpty else { return }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Many small files: written by both cores at once.
        let reports = Array(byFile)
        let lanes = min(2, reports.count)
        let failure = Locked<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            for index in stride(from: lane, to: reports.count, by: lanes) {
                let (file, list) = reports[index]
                do {
                    // Atomic but not synced, like the documents: bulk output a
                    // rerun rebuilds (the three CSVs are synced).
                    try AtomicFile.write(Array(RejectionReport.text(file: file, rejections: list).utf8),
                                         to: directory.appendingPathComponent(file + ".txt"), durable: false)
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                    return
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Temporary file, fsync, rename: a reader sees the old file or the
    /// new one, never half of one.
    static func atomic(_ bytes: [UInt8], _ url: URL) throws {
        try AtomicFile.write(bytes, to: url)
    }
}

/// The readable rejection report an airline receives for a file.
enum RejectionReport {
    static func text(file: String, rejections: [Rejection]) -> String {
        let sorted = SettlementSummary.sortedRejections(rejections)
        var out = "OpenCASS rejection report\nfile: \(file)\n"
        if let first = sorted.first {
            out += "airline: \(first.airline)  operation: \(first.country)  period: \(first.period)\n"
        }
        if let whole = sorted.first(where: { $0.code.isFileLevel }) {
            out += "\nTHE WHOLE FILE IS REJECTED (\(whole.code.rawValue)): nothing of it is billed.\n"
        } else {
            out += "\n\(sorted.count) record(s) rejected; the rest of the file is billed.\n"
        }
        for r in sorted {
            out += "\n[\(r.code.rawValue)] \(r.code.summary)\n"
            out += "  sequence: \(r.sequence)" + (r.awb.isEmpty ? "" : "   AWB: \(r.awb)") + "\n"
            if !r.problem.field.isEmpty { out += "  field:    \(r.problem.field)" + (r.problem.location.isEmpty ? "" : " (\(r.problem.location))") + "\n" }
            if !r.problem.expected.isEmpty { out += "  expected: \(r.problem.expected)\n" }
            if !r.problem.found.isEmpty { out += "  found:    \(r.problem.found)\n" }
            out += "  message:  \(r.problem.message)\n"
        }
        return out
    }
}
