import CASSDomain
import CASSEngine
import CASSLog
import Foundation

extension StageName {
    public static let render = StageName(rawValue: "render")
}

/// Writes every issued invoice's documents (PDF, XLSX, HOT, XML, JSON)
/// into a folder: I/O at the edge of the pipeline. Rewriting a document is
/// harmless (atomic rename of the same bytes); its state is the invoices
/// whose line parts are still arriving.
public final class RenderStage: StatefulStage {
    public static let definition = StageDefinition(
        name: .render, input: .invoices, outputs: [],
        partitionedBy: "invoice number",
        keeps: "invoices whose line parts are still arriving, and which are rendered",
        make: { context in
            guard let documents = context.environment.documents else {
                throw StageConfigurationError("the render stage needs a documents folder (--documents DIR)")
            }
            return try RenderStage(reference: context.environment.reference, folder: documents, persistState: context.environment.persistState)
        })

    /// The state entries: an invoice header with its part count, one line
    /// part, a rendered invoice.
    public enum StateKey: StageStateKey {
        case header(number: String)
        case part(number: String, index: Int)
        case done(number: String)

        public var encoded: String {
            switch self {
            case .header(let number): "hdr/\(number)"
            case .part(let number, let index): "part/\(number)/\(index)"
            case .done(let number): "done/\(number)"
            }
        }

        public init(decoding text: Substring) throws {
            let tag = text.prefix { $0 != "/" }
            switch tag {
            case "hdr":
                let fields = try StateKeyText.fields(text, tag: "hdr", count: 2)
                guard !fields[1].isEmpty else { throw DecodingFailure("empty invoice number") }
                self = .header(number: String(fields[1]))
            case "part":
                let fields = try StateKeyText.fields(text, tag: "part", count: 3)
                guard !fields[1].isEmpty else { throw DecodingFailure("empty invoice number") }
                self = .part(number: String(fields[1]), index: Int(try StateKeyText.int64(fields[2], "part index")))
            case "done":
                let fields = try StateKeyText.fields(text, tag: "done", count: 2)
                guard !fields[1].isEmpty else { throw DecodingFailure("empty invoice number") }
                self = .done(number: String(fields[1]))
            default:
                throw DecodingFailure("unknown entry '\(tag)'")
            }
        }
    }

    public let journal: StateJournal<StateKey>
    let documents: InvoiceDocuments
    let folder: URL
    /// Invoices whose lines are still arriving, by number.
    var pending: [String: (header: Invoice, parts: Int, received: [Int: LinePart])] = [:]
    var restoredDone: Set<String> = []

    public init(reference: ReferenceData, folder: URL, persistState: Bool = true) throws {
        self.documents = try InvoiceDocuments(reference: reference)
        self.folder = folder
        self.journal = StateJournal(enabled: persistState)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    public func restore(partition: Int32, key: StateKey, value: [UInt8]) throws {
        switch key {
        case .header(let number):
            var reader = BinaryReader(value)
            let count = Int(try reader.i64())
            pending[number] = (try StateValue.invoice(try reader.data()), count, pending[number]?.received ?? [:])
        case .part(let number, _):
            let part = try StateValue.linePart(value)
            pending[number]?.received[part.index] = part
        case .done(let number):
            restoredDone.insert(number)
        }
    }

    public func restored(partition: Int32) throws {
        for number in restoredDone { pending[number] = nil }
        restoredDone = []
    }

    public func forget(partition: Int32) {}

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        switch message {
        case .invoice(let invoice):
            try documents.write(invoice, to: folder)
        case .invoiceHeader(let header, let parts):
            pending[header.number] = (header, parts, [:])
            if journal.enabled {
                var w = BinaryWriter()
                w.i64(Int64(parts))
                w.data(StateValue.encode(header))
                journal.put(record.partition, .header(number: header.number), w.finish())
            }
            try renderIfComplete(header.number, partition: record.partition)
        case .invoiceLines(let number, let part):
            guard pending[number] != nil else { return } // already rendered: a replay
            pending[number]?.received[part.index] = part
            journal.put(record.partition, .part(number: number, index: part.index), StateValue.encode(part))
            try renderIfComplete(number, partition: record.partition)
        default:
            throw DecodingFailure("the render stage takes issued invoices only, not \(message.kind) messages")
        }
    }

    func renderIfComplete(_ number: String, partition: Int32) throws {
        guard let entry = pending[number], entry.received.count >= entry.parts,
              let invoice = LinePart.join(entry.header, entry.received.values.sorted { $0.index < $1.index }) else { return }
        try documents.write(invoice, to: folder)
        pending[number] = nil
        journal.put(partition, .done(number: number), [1])
    }
}
