import CASSDomain
import CASSEngine
import CASSLog
import CASSOneRecord
import CASSRender
import Dispatch
import Foundation

/// Every document of an issued invoice, written atomically into
/// `invoices/`: the PDF Cargo Sales Report in the agent's language, the
/// XLSX of the same report, the HOT fixed-width file, the ONE Record XML
/// and the JSON. `cass settle` and the render workers both call this, so
/// the files are the same whichever way the invoice was issued.
public struct InvoiceDocuments: Sendable {
    public let reference: ReferenceData
    let renderer: DocumentRenderer

    public init(reference: ReferenceData) throws {
        self.reference = reference
        self.renderer = DocumentRenderer(reference: reference, fonts: try FontSet.locate())
    }

    /// `init` and the renderer's `prepare` for every language of
    /// `reference`, on a thread of their own at the lowest priority
    /// (`BackgroundWork`): `cass settle` starts it before the settlement,
    /// whose single-threaded last steps leave a core idle, and takes it
    /// when the documents start. Reading the fonts alone took 0.04 s of
    /// the run's wall time after the settlement.
    public static func preparing(reference: ReferenceData) -> BackgroundWork<InvoiceDocuments> {
        BackgroundWork(name: "cass-doc-prep") {
            let documents = try InvoiceDocuments(reference: reference)
            documents.renderer.prepare(languages: documents.renderer.languages)
            return documents
        }
    }

    /// The documents of an invoice, by file extension.
    public enum Format: String, CaseIterable, Sendable {
        case pdf, xlsx, hot, xml, json
    }

    /// One document's bytes (cass-bench times each format with this).
    public func render(_ invoice: Invoice, as format: Format) throws -> [UInt8] {
        switch format {
        case .pdf: try renderer.renderPDF(invoice)
        case .xlsx: try renderer.renderXLSX(invoice)
        case .hot: try renderer.renderHOT(invoice)
        case .xml: InvoiceXMLWriter.write(invoice, reference: reference)
        case .json: InvoiceJSON.encode(invoice, reference: reference)
        }
    }

    /// `digests`, when given, records each file's SHA-256 from the bytes
    /// in hand (the output folder's manifest then need not read it back).
    public func write(_ invoice: Invoice, to folder: URL, digests: WrittenDigests? = nil) throws {
        try write(invoice, toFolder: folder.path, digests: digests)
    }

    /// The same into a folder given by its path: the files' paths are
    /// joined as strings, because a URL per document made Foundation stat
    /// the file system several times per file (`AtomicFile.write(_:toPath:)`).
    public func write(_ invoice: Invoice, toFolder folder: String, digests: WrittenDigests? = nil) throws {
        try writeEach(invoice, in: folder, digests: digests) { bytes, path, _ in try AtomicFile.write(bytes, toPath: path, durable: false) }
    }

    /// The same into a folder nobody reads before the run's manifest
    /// (`DirectWriteFolder`): each file written straight under its name.
    public func write(_ invoice: Invoice, into folder: DirectWriteFolder, digests: WrittenDigests? = nil) throws {
        try writeEach(invoice, in: folder.path, digests: digests) { bytes, _, name in try folder.write(bytes, name: name) }
    }

    /// Each format rendered, then each handed to `write` (bytes, the
    /// file's path in `folder`, its name), which returns the written
    /// file's status; `digests` records it, the documents' SHA-256 taken
    /// two at a time once all five are rendered.
    private func writeEach(_ invoice: Invoice, in folder: String, digests: WrittenDigests?,
                           _ write: ([UInt8], String, String) throws -> stat?) throws {
        let formats = Format.allCases
        let documents = try formats.map { try render(invoice, as: $0) }
        let sha256 = digests == nil ? [] : FileDigest.sha256Hex(pairing: documents)
        for (k, format) in formats.enumerated() {
            let name = Self.fileName(invoice, format)
            let path = AtomicFile.join(folder, name)
            let written = try write(documents[k], path, name)
            digests?.record(documents[k], writtenToPath: path, status: written, sha256: k < sha256.count ? sha256[k] : nil)
        }
    }

    /// All invoices over both cores, into a folder that counts only once
    /// the caller's manifest lists it (`cass settle`'s output, see
    /// `DirectWriteFolder`); the first error wins. The largest
    /// invoices go first: the sample close of 1,000,000 AWBs has 156
    /// invoices of 3,900 to 11,000 lines, and a large one taken last keeps
    /// one core busy alone at the end.
    ///
    /// `alongside`, when given, runs once as the second item, so one core
    /// takes it while the other takes the largest invoice: the run's other
    /// results, which then cost no wall time of their own.
    public func writeAll(_ invoices: [Invoice], to folder: URL, digests: WrittenDigests? = nil,
                         alongside: (@Sendable () throws -> Void)? = nil, progress: (@Sendable (Int) -> Void)? = nil) throws {
        let target = try DirectWriteFolder(path: folder.path)
        let failure = FirstError()
        let done = ProgressCounter()
        let order = Self.largestFirst(invoices)
        // The second item (the first with no invoices); the ones after it
        // are the invoices one place on.
        let alongsideItem = alongside == nil ? -1 : min(1, order.count)
        DispatchQueue.concurrentPerform(iterations: order.count + (alongside == nil ? 0 : 1)) { item in
            if item == alongsideItem, let alongside {
                do { try alongside() } catch { failure.record(error) }
                return
            }
            let index = order[alongsideItem >= 0 && item > alongsideItem ? item - 1 : item]
            do {
                try write(invoices[index], into: target, digests: digests)
                let count = done.increment()
                if let progress, count % 500 == 0 { progress(count) }
            } catch {
                failure.record(error)
            }
        }
        if let error = failure.error { throw error }
    }

    /// A document's file name: the invoice number and the format.
    static func fileName(_ invoice: Invoice, _ format: Format) -> String {
        invoice.number + "." + format.rawValue
    }

    /// The names of every document `writeAll` writes for `invoices`.
    public static func fileNames(_ invoices: [Invoice]) -> Set<String> {
        var names = Set<String>(minimumCapacity: invoices.count * Format.allCases.count)
        for invoice in invoices {
            for format in Format.allCases { names.insert(fileName(invoice, format)) }
        }
        return names
    }

    /// Indices of `invoices`, the most lines first (ties in input order).
    public static func largestFirst(_ invoices: [Invoice]) -> [Int] {
        invoices.indices.sorted { a, b in
            invoices[a].lineCount != invoices[b].lineCount ? invoices[a].lineCount > invoices[b].lineCount : a < b
        }
    }

    /// Per operation and period: the management statistics CSV and the
    /// HTML dashboard, from the invoices and rejections of that period.
    public static func writeStatistics(invoices: [Invoice], rejections: [Rejection], reference: ReferenceData, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var periods: Set<PeriodKey> = []
        for invoice in invoices { periods.insert(PeriodKey(country: invoice.country, period: invoice.period)) }
        for rejection in rejections {
            if let digits = Int(rejection.period), let period = BillingPeriod(yyyymmnn: digits), reference.operation(rejection.country) != nil {
                periods.insert(PeriodKey(country: rejection.country, period: period))
            }
        }
        for period in periods.sorted() {
            guard let operation = reference.operation(period.country) else { continue }
            let stats = BillingStatistics.accumulate(
                country: period.country, period: period.period.description, currency: operation.currency, minorDigits: operation.minorDigits,
                invoices: invoices, rejections: rejections)
            try StatisticsReport.write(stats, reference: reference, to: folder)
        }
    }
}

/// The JSON invoice document: the invoice with the names a reader needs.
public enum InvoiceJSON {
    struct Document: Encodable {
        var invoice: Invoice
        var agentName: String
        var agentAddress: String
        var agentTaxID: String
        var entityName: String
        var entityTaxID: String
        var airlines: [String: String]
    }

    public static func encode(_ invoice: Invoice, reference: ReferenceData) -> [UInt8] {
        // The text JSONEncoder([.sortedKeys, .withoutEscapingSlashes])
        // writes, without Encodable or a tree.
        InvoiceJSONWriter.write(document(invoice, reference: reference))
    }

    /// The invoice with its names from the reference data; `airlines` maps
    /// each section's prefix text to its airline's name (unknown prefixes
    /// are left out).
    static func document(_ invoice: Invoice, reference: ReferenceData) -> Document {
        let agent = reference.agent(invoice.agentCode, in: invoice.country)
        let operation = reference.operation(invoice.country)
        var names: [String: String] = [:]
        for section in invoice.sections {
            if let airline = reference.airline(section.airlinePrefix) { names[airline.prefixText] = airline.name }
        }
        return Document(
            invoice: invoice, agentName: agent?.name ?? "", agentAddress: agent?.address ?? "", agentTaxID: agent?.taxID ?? "",
            entityName: operation?.entityName ?? "", entityTaxID: operation?.entityTaxID ?? "", airlines: names)
    }

    /// The same document through Foundation's JSONEncoder: what
    /// `encode` must equal (tested).
    static func encodeWithFoundation(_ invoice: Invoice, reference: ReferenceData) -> [UInt8] {
        encodeWithFoundation(document(invoice, reference: reference))
    }

    static func encodeWithFoundation(_ document: Document) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? [UInt8](encoder.encode(document))) ?? []
    }
}

/// The first error of concurrent work.
final class FirstError: Sendable {
    private let stored = Locked<(any Error)?>(nil)
    func record(_ error: any Error) { stored.withLock { $0 = $0 ?? error } }
    var error: (any Error)? { stored.current }
}

final class ProgressCounter: Sendable {
    private let value = Locked(0)
    func increment() -> Int { value.withLock { $0 += 1; return $0 } }
}
