import CASSDomain
import CASSEngine
import CASSLog
import CASSRender
import CASSWorkers
import Dispatch
import Foundation

/// Writes a settlement's results to a folder, each file atomically.
enum OutputWriter {
    /// `digests`: the output folder's, so that the manifest takes the
    /// documents' SHA-256 from when they were written.
    /// `quiet`: no progress lines (`cass settle --quiet`). `prepared`: the
    /// documents' renderer, made in the background (`InvoiceDocuments.preparing`).
    static func write(_ outcome: SettlementOutcome, reference: ReferenceData, to directory: URL, documents: Bool, digests: WrittenDigests? = nil,
                      quiet: Bool = false, prepared: BackgroundWork<InvoiceDocuments>? = nil) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        guard documents else {
            try writeSummaries(outcome, to: directory)
            return
        }
        let renderer = try prepared?.value() ?? InvoiceDocuments(reference: reference)
        let count = outcome.invoices.count
        var progress: (@Sendable (Int) -> Void)?
        if !quiet {
            progress = { done in Console.progress("documents: \(done) of \(count) invoices rendered") }
        }
        // The summaries, rejection reports and statistics are written on one
        // core while the other renders the largest invoice: after the
        // documents they kept one core alone for about 0.1 s.
        try renderer.writeAll(outcome.invoices, to: directory.appendingPathComponent("invoices"), digests: digests, alongside: {
            try writeSummaries(outcome, to: directory)
            try InvoiceDocuments.writeStatistics(invoices: outcome.invoices, rejections: outcome.rejections, reference: reference,
                                                 to: directory.appendingPathComponent("statistics"))
        }, progress: progress)
    }

    /// The three settlement CSVs (synced) and the rejection reports.
    static func writeSummaries(_ outcome: SettlementOutcome, to directory: URL) throws {
        try atomic(Array(SettlementSummary.agentsCSV(outcome.invoices).utf8), directory.appendingPathComponent("settlement-agents.csv"))
        try atomic(Array(SettlementSummary.airlinesCSV(outcome.disbursements).utf8), directory.appendingPathComponent("settlement-airlines.csv"))
        try atomic(Array(SettlementSummary.rejectionsCSV(outcome.rejections).utf8), directory.appendingPathComponent("rejections.csv"))
        try writeRejectionReports(outcome.rejections, to: directory.appendingPathComponent("rejections"))
    }

    static func writeDeliveries(_ deliveries: [(json: [UInt8], delivered: Bool)], to directory: URL, name: String = "deliveries.jsonl") throws {
        var bytes: [UInt8] = []
        for delivery in deliveries { bytes += delivery.json + [10] }
        try atomic(bytes, directory.appendingPathComponent(name))
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
                                         to: directory.appendingPathComponent(RejectionReport.fileName(for: file)), durable: false)
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
    /// The report's name in `rejections/`: the file's name and `.txt`, when
    /// that is a plain name a file system takes (at most 255 bytes, no
    /// path separator or control character, not hidden). Otherwise the
    /// name's first bytes made safe, `~`, a hash of the whole name (so two
    /// names never share a report) and `.txt`.
    static func fileName(for file: String) -> String {
        let plain = file + ".txt"
        let unsafe = file.isEmpty || file.hasPrefix(".") || file.contains("/") || Text.hasControlCharacter(file)
        if !unsafe && plain.utf8.count <= FileName.bytesMax { return plain }
        var kept = ""
        var bytes = 0
        for character in file {
            let safe: Character = character == "/" || character.unicodeScalars.contains { $0.value < 0x20 || ($0.value >= 0x7F && $0.value <= 0x9F) } ? "_" : character
            let width = String(safe).utf8.count
            guard bytes + width <= 200 else { break }
            kept.append(safe)
            bytes += width
        }
        if kept.hasPrefix(".") { kept = "_" + kept.dropFirst() }
        return kept + "~" + fnv1a64Hex(file) + ".txt"
    }

    static func fnv1a64Hex(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

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
