import CASSDomain

/// One line part of an issued invoice (`StageMessage.invoiceLines`) that
/// waits for the rest of its invoice, kept as the message it came in.
///
/// Decoding each part into an array of its own and then copying the parts
/// into the invoice's sections (`LinePart.join`) wrote every line twice,
/// retains included: most of what the service's invoices view spent on a
/// period close, on the thread the close waits for. Kept encoded, the
/// parts are decoded once, when the last one arrives, straight into
/// section arrays sized for all of them.
public struct ArrivingLinePart: Sendable {
    public let index: Int
    public let count: Int
    public let airlinePrefix: Int32
    /// The number of lines the part holds.
    public let lineCount: Int
    private let content: Content

    private enum Content: Sendable {
        /// The whole message and where its `BinaryWriter.invoiceLines` begin.
        case encoded(message: [UInt8], linesAt: Int)
        /// A part that came decoded (JSON messages of older folders).
        case decoded([InvoiceLine])
    }

    /// The invoice number and the part of a binary `invoiceLines` message,
    /// read only as far as the line count; nil for any other message (the
    /// caller decodes those as usual). The lines themselves are checked
    /// when they are decoded (`join`).
    public static func encoded(_ message: [UInt8]) -> (number: String, part: ArrivingLinePart)? {
        guard message.count > 2, message[0] == MessageKind.invoiceLines.rawValue, message[1] == StageMessage.version else { return nil }
        var r = BinaryReader(message)
        r.position = 2
        do {
            let number = try r.string()
            let index = Int(try r.i64()), count = Int(try r.i64()), airline = try r.i32()
            let linesAt = r.position
            let lineCount = try r.count(atLeast: 86)
            guard index >= 0, count > index else { return nil }
            return (number, ArrivingLinePart(index: index, count: count, airlinePrefix: airline, lineCount: lineCount,
                                             content: .encoded(message: message, linesAt: linesAt)))
        } catch {
            return nil
        }
    }

    public init(_ part: LinePart) {
        self.init(index: part.index, count: part.count, airlinePrefix: part.airlinePrefix, lineCount: part.lines.count,
                  content: .decoded(part.lines))
    }

    private init(index: Int, count: Int, airlinePrefix: Int32, lineCount: Int, content: Content) {
        self.index = index
        self.count = count
        self.airlinePrefix = airlinePrefix
        self.lineCount = lineCount
        self.content = content
    }

    /// Whether the parts are all of the header's (each index once, every
    /// part's airline a section of the header): what `join` checks before
    /// decoding anything. The lines themselves are checked by `join`.
    public static func fit(_ header: Invoice, _ parts: [ArrivingLinePart]) -> Bool {
        guard let count = parts.first?.count else { return true }
        return parts.count == count && parts.allSatisfy({ $0.count == count && $0.index < count }) && Set(parts.map(\.index)).count == count
            && parts.allSatisfy { part in header.sections.contains { $0.airlinePrefix == part.airlinePrefix } }
    }

    /// The line count of each of the header's sections that the parts give.
    public static func sectionLines(_ header: Invoice, _ parts: [ArrivingLinePart]) -> [Int] {
        header.sections.map { section in
            section.lines.count + parts.reduce(0) { $0 + ($1.airlinePrefix == section.airlinePrefix ? $1.lineCount : 0) }
        }
    }

    /// The invoice with its lines (what `LinePart.join` gives for the same
    /// parts decoded); nil until every part is there, or when a part names
    /// no section of the header. A part whose lines do not decode throws.
    public static func join(_ header: Invoice, _ parts: [ArrivingLinePart]) throws(DecodingFailure) -> Invoice? {
        guard fit(header, parts) else { return nil }
        guard !parts.isEmpty else { return header }
        var invoice = header
        let sorted = parts.sorted { $0.index < $1.index }
        var sectionOfPart: [Int] = []
        sectionOfPart.reserveCapacity(sorted.count)
        var arriving = [Int](repeating: 0, count: invoice.sections.count)
        for part in sorted {
            guard let section = invoice.sections.firstIndex(where: { $0.airlinePrefix == part.airlinePrefix }) else { return nil }
            sectionOfPart.append(section)
            arriving[section] += part.lineCount
        }
        for section in invoice.sections.indices where arriving[section] > 0 {
            invoice.sections[section].lines.reserveCapacity(invoice.sections[section].lines.count + arriving[section])
        }
        for (position, part) in sorted.enumerated() {
            let section = sectionOfPart[position]
            switch part.content {
            case .encoded(let message, let linesAt):
                var r = BinaryReader(message)
                r.position = linesAt
                try r.appendInvoiceLines(to: &invoice.sections[section].lines)
            case .decoded(let lines):
                invoice.sections[section].lines.append(contentsOf: lines)
            }
        }
        return invoice
    }
}
