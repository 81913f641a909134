import CASSDomain

/// The invoice JSON document written straight into bytes, member by member,
/// in the text Foundation's `JSONEncoder` with `[.prettyPrinted,
/// .sortedKeys, .withoutEscapingSlashes]` gives for `InvoiceJSON.Document`:
/// two-space indent, `"key" : value`, keys in UTF-8 byte order, empty
/// arrays and objects as `[\n\n<indent>]`, no final newline.
///
/// The generic `PrettyJSON` encoder went through `Encodable`: keyed
/// containers, a box per value, every object's keys sorted per object, and
/// that was 11 % of a settle with documents. Here the keys are written in
/// their sorted order by hand, so a field added to `Invoice` (or a renamed
/// one) must be added here too: `InvoiceJSONTests` compares this text with
/// `JSONEncoder`'s on many invoices and fails on any difference.
struct InvoiceJSONWriter {
    private(set) var out: [UInt8] = []

    init(capacity: Int) {
        out.reserveCapacity(capacity)
    }

    /// A rough size, so the buffer grows seldom: a line is about 650 bytes
    /// of JSON, a tax about 300; too little only costs a regrowth.
    static func capacity(for invoice: Invoice) -> Int {
        var lines = 0, taxes = 0
        for section in invoice.sections {
            lines += section.lines.count
            taxes += section.taxes.count
        }
        return 2_048 + invoice.sections.count * 512 + lines * 650 + taxes * 320
    }

    static func write(_ document: InvoiceJSON.Document) -> [UInt8] {
        var writer = InvoiceJSONWriter(capacity: capacity(for: document.invoice))
        writer.raw("{")
        writer.key("agentAddress", depth: 1, first: true); writer.string(document.agentAddress)
        writer.key("agentName", depth: 1); writer.string(document.agentName)
        writer.key("agentTaxID", depth: 1); writer.string(document.agentTaxID)
        writer.key("airlines", depth: 1); writer.map(document.airlines, depth: 1)
        writer.key("entityName", depth: 1); writer.string(document.entityName)
        writer.key("entityTaxID", depth: 1); writer.string(document.entityTaxID)
        writer.key("invoice", depth: 1); writer.invoice(document.invoice, depth: 1)
        writer.close("}", depth: 0)
        return writer.out
    }

    // MARK: The document's objects, keys in UTF-8 byte order.

    private mutating func invoice(_ invoice: Invoice, depth: Int) {
        let inner = depth + 1
        raw("{")
        key("agentCode", depth: inner, first: true); int(invoice.agentCode)
        key("country", depth: inner); string(invoice.country)
        key("currency", depth: inner); string(invoice.currency)
        key("invoiceDate", depth: inner); date(invoice.invoiceDate)
        key("lineCount", depth: inner); int(Int64(invoice.lineCount))
        key("minorDigits", depth: inner); int(Int64(invoice.minorDigits))
        key("netDue", depth: inner); int(invoice.netDue)
        key("number", depth: inner); string(invoice.number)
        // BillingPeriod encodes as its YYYYMMNN number.
        key("period", depth: inner); int(Int64(invoice.period.yyyymmnn))
        key("remittanceDate", depth: inner); date(invoice.remittanceDate)
        key("sections", depth: inner)
        array(invoice.sections, depth: inner) { writer, section, depth in writer.section(section, depth: depth) }
        key("taxCharged", depth: inner); int(invoice.taxCharged)
        key("taxCredited", depth: inner); int(invoice.taxCredited)
        key("total", depth: inner); int(invoice.total)
        close("}", depth: depth)
    }

    private mutating func section(_ section: InvoiceSection, depth: Int) {
        let inner = depth + 1
        raw("{")
        key("airlinePrefix", depth: inner, first: true); int(Int64(section.airlinePrefix))
        key("lines", depth: inner)
        array(section.lines, depth: inner) { writer, line, depth in writer.line(line, depth: depth) }
        key("netDue", depth: inner); int(section.netDue)
        key("taxCharged", depth: inner); int(section.taxCharged)
        key("taxCredited", depth: inner); int(section.taxCredited)
        key("taxes", depth: inner)
        array(section.taxes, depth: inner) { writer, tax, depth in writer.tax(tax, depth: depth) }
        key("total", depth: inner); int(section.total)
        close("}", depth: depth)
    }

    private mutating func line(_ line: InvoiceLine, depth: Int) {
        let inner = depth + 1
        raw("{")
        key("amount", depth: inner, first: true); int(line.amount)
        key("awb", depth: inner); string(line.awb)
        key("awbSerial", depth: inner); int(Int64(line.awbSerial))
        key("chargeableWeightTenthsKg", depth: inner); int(line.chargeableWeightTenthsKg)
        // Optional: the synthesized Encodable leaves the key out when nil;
        // present, it is "P" or "C" (ChargesIndicator.encode).
        if let indicator = line.chargesIndicator { key("chargesIndicator", depth: inner); string(indicator.code) }
        key("commission", depth: inner); int(line.commission)
        key("destination", depth: inner); string(line.destination)
        key("incentive", depth: inner); int(line.incentive)
        key("issueDate", depth: inner); date(line.issueDate)
        key("origin", depth: inner); string(line.origin)
        key("otherChargesDueCarrier", depth: inner); int(line.otherChargesDueCarrier)
        key("reasonCode", depth: inner); string(line.reasonCode)
        key("sourceFile", depth: inner); string(line.sourceFile)
        key("sourceSequence", depth: inner); int(Int64(line.sourceSequence))
        // TransactionType is a UInt8 raw-value enum: its number, not its code.
        key("transaction", depth: inner); int(Int64(line.transaction.rawValue))
        key("valuationCharge", depth: inner); int(line.valuationCharge)
        key("weightCharge", depth: inner); int(line.weightCharge)
        close("}", depth: depth)
    }

    private mutating func tax(_ tax: TaxLine, depth: Int) {
        let inner = depth + 1
        raw("{")
        key("amount", depth: inner, first: true); int(tax.amount)
        key("base", depth: inner); string(tax.base.rawValue)
        key("baseAmount", depth: inner); int(tax.baseAmount)
        key("code", depth: inner); string(tax.code)
        key("description", depth: inner); string(tax.description)
        key("direction", depth: inner); string(tax.direction.rawValue)
        key("rateHundredthsPercent", depth: inner); int(tax.rateHundredthsPercent)
        close("}", depth: depth)
    }

    /// A `[String: String]` as an object, keys in UTF-8 byte order (what
    /// `.sortedKeys` does with a dictionary's keys too).
    private mutating func map(_ map: [String: String], depth: Int) {
        guard !map.isEmpty else {
            emptyContainer("{", "}", depth: depth)
            return
        }
        raw("{")
        var first = true
        for name in map.keys.sorted(by: PrettyJSON.bytesPrecede) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(0x0A)
            indent(depth + 1)
            string(name)
            raw(" : ")
            string(map[name] ?? "")
        }
        close("}", depth: depth)
    }

    private mutating func array<Element>(_ elements: [Element], depth: Int, _ body: (inout InvoiceJSONWriter, Element, Int) -> Void) {
        guard !elements.isEmpty else {
            emptyContainer("[", "]", depth: depth)
            return
        }
        raw("[")
        for (index, element) in elements.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(0x0A)
            indent(depth + 1)
            body(&self, element, depth + 1)
        }
        close("]", depth: depth)
    }

    // MARK: Pieces

    /// JSONEncoder's pretty empty container: open, a blank line, the close
    /// at the container's own indentation.
    private mutating func emptyContainer(_ open: StaticString, _ close: StaticString, depth: Int) {
        raw(open)
        out.append(0x0A)
        out.append(0x0A)
        indent(depth)
        raw(close)
    }

    private mutating func close(_ bracket: StaticString, depth: Int) {
        out.append(0x0A)
        indent(depth)
        raw(bracket)
    }

    /// `"name" : ` on its own line. Names are this file's ASCII
    /// identifiers: nothing in them needs escaping.
    ///
    /// The pieces are laid out in a scratch buffer and appended at once:
    /// six appends to the array (each checks uniqueness and capacity) were
    /// about half of this document's cost. Keys deeper than
    /// `keyScratchDepth` take the piecewise path (same bytes).
    private mutating func key(_ name: StaticString, depth: Int, first: Bool = false) {
        guard depth >= 0, depth <= Self.keyScratchDepth else {
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(0x0A)
            indent(depth)
            out.append(UInt8(ascii: "\""))
            raw(name)
            raw("\" : ")
            return
        }
        name.withUTF8Buffer { nameBytes in
            let length = (first ? 0 : 1) + 1 + depth * 2 + 1 + nameBytes.count + 4
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length) { scratch in
                guard let base = scratch.baseAddress else { return }
                var k = 0
                if !first { base[k] = UInt8(ascii: ","); k += 1 }
                base[k] = 0x0A; k += 1
                (base + k).initialize(repeating: UInt8(ascii: " "), count: depth * 2); k += depth * 2
                base[k] = UInt8(ascii: "\""); k += 1
                if let start = nameBytes.baseAddress { (base + k).initialize(from: start, count: nameBytes.count) }
                k += nameBytes.count
                base[k] = UInt8(ascii: "\""); base[k + 1] = UInt8(ascii: " "); base[k + 2] = UInt8(ascii: ":"); base[k + 3] = UInt8(ascii: " ")
                out.append(contentsOf: UnsafeBufferPointer(start: base, count: length))
            }
        }
    }

    /// The deepest key `key` lays out in its scratch buffer (the document's
    /// deepest is 6: a line's or a tax's members); the scratch stays small.
    static let keyScratchDepth = 32

    private mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    private mutating func indent(_ depth: Int) {
        DecimalBytes.appendSpaces(depth * 2, to: &out)
    }

    private mutating func string(_ text: String) {
        PrettyJSON.appendString(text, to: &out)
    }

    /// A date is encoded as its `YYYY-MM-DD` text (CivilDate.encode):
    /// digits and dashes only, nothing to escape.
    private mutating func date(_ date: CivilDate) {
        out.append(UInt8(ascii: "\""))
        DecimalBytes.appendDate(date, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// Decimal digits of any Int64, `Int64.min` included (through its
    /// magnitude), as `String(value)` writes them.
    private mutating func int(_ value: Int64) {
        DecimalBytes.append(value, to: &out)
    }
}
