import CASSDomain

/// The invoice JSON document written straight into bytes, member by member,
/// in the text Foundation's `JSONEncoder` with `[.sortedKeys,
/// .withoutEscapingSlashes]` gives for `InvoiceJSON.Document`: one line,
/// no spaces, keys in UTF-8 byte order, no final newline.
///
/// Not pretty-printed: the indentation was 42 % of the file (a line of an
/// invoice sits six levels deep), and at period close every byte written
/// costs its copy into the page cache and its SHA-256 for the manifest
/// (docs/documents.md). `jq .` shows it indented.
///
/// The generic `PrettyJSON` encoder went through `Encodable`: keyed
/// containers, a box per value, every object's keys sorted per object, and
/// that was 11 % of a settle with documents. Here the keys are written in
/// their sorted order by hand, so a field added to `Invoice` (or a renamed
/// one) must be added here too: `InvoiceJSONTests` compares this text with
/// `JSONEncoder`'s on many invoices and fails on any difference.
struct InvoiceJSONWriter {
    /// Written through a pointer (`ByteBuffer`): into an Array, each of a
    /// line's forty-odd keys, numbers and strings was an append of about
    /// 100 instructions of uniqueness and capacity checks.
    private var out: ByteBuffer

    init(capacity: Int) {
        out = ByteBuffer(capacity: capacity)
    }

    /// A rough size, so the buffer grows seldom: a line is about 380 bytes
    /// of JSON, a tax about 200; too little only costs a regrowth, too
    /// much costs fresh pages.
    static func capacity(for invoice: Invoice) -> Int {
        var lines = 0, taxes = 0
        for section in invoice.sections {
            lines += section.lines.count
            taxes += section.taxes.count
        }
        return 1_024 + invoice.sections.count * 256 + lines * 380 + taxes * 200
    }

    static func write(_ document: InvoiceJSON.Document) -> [UInt8] {
        var writer = InvoiceJSONWriter(capacity: capacity(for: document.invoice))
        writer.raw("{")
        writer.key("agentAddress", first: true); writer.string(document.agentAddress)
        writer.key("agentName"); writer.string(document.agentName)
        writer.key("agentTaxID"); writer.string(document.agentTaxID)
        writer.key("airlines"); writer.map(document.airlines)
        writer.key("entityName"); writer.string(document.entityName)
        writer.key("entityTaxID"); writer.string(document.entityTaxID)
        writer.key("invoice"); writer.invoice(document.invoice)
        writer.raw("}")
        return writer.out.array()
    }

    // MARK: The document's objects, keys in UTF-8 byte order.

    private mutating func invoice(_ invoice: Invoice) {
        raw("{")
        key("agentCode", first: true); int(invoice.agentCode)
        key("country"); string(invoice.country)
        key("currency"); string(invoice.currency)
        key("invoiceDate"); date(invoice.invoiceDate)
        key("lineCount"); int(Int64(invoice.lineCount))
        key("minorDigits"); int(Int64(invoice.minorDigits))
        key("netDue"); int(invoice.netDue)
        key("number"); string(invoice.number)
        // BillingPeriod encodes as its YYYYMMNN number.
        key("period"); int(Int64(invoice.period.yyyymmnn))
        key("remittanceDate"); date(invoice.remittanceDate)
        key("sections")
        array(invoice.sections) { writer, section in writer.section(section) }
        key("taxCharged"); int(invoice.taxCharged)
        key("taxCredited"); int(invoice.taxCredited)
        key("total"); int(invoice.total)
        raw("}")
    }

    private mutating func section(_ section: InvoiceSection) {
        raw("{")
        key("airlinePrefix", first: true); int(Int64(section.airlinePrefix))
        key("lines")
        arrayInPlace(section.lines) { writer, line in writer.line(line) }
        key("netDue"); int(section.netDue)
        key("taxCharged"); int(section.taxCharged)
        key("taxCredited"); int(section.taxCredited)
        key("taxes")
        array(section.taxes) { writer, tax in writer.tax(tax) }
        key("total"); int(section.total)
        raw("}")
    }

    private mutating func line(_ line: UnsafePointer<InvoiceLine>) {
        raw("{")
        key("amount", first: true); int(line.pointee.amount)
        key("awb"); string(line.pointee.awb)
        key("awbSerial"); int(Int64(line.pointee.awbSerial))
        key("chargeableWeightTenthsKg"); int(line.pointee.chargeableWeightTenthsKg)
        // Optional: the synthesized Encodable leaves the key out when nil;
        // present, it is "P" or "C" (ChargesIndicator.encode).
        if let indicator = line.pointee.chargesIndicator { key("chargesIndicator"); string(indicator.code) }
        key("commission"); int(line.pointee.commission)
        key("destination"); string(line.pointee.destination)
        key("incentive"); int(line.pointee.incentive)
        key("issueDate"); date(line.pointee.issueDate)
        key("origin"); string(line.pointee.origin)
        key("otherChargesDueCarrier"); int(line.pointee.otherChargesDueCarrier)
        key("reasonCode"); string(line.pointee.reasonCode)
        key("sourceFile"); string(line.pointee.sourceFile)
        key("sourceSequence"); int(Int64(line.pointee.sourceSequence))
        // TransactionType is a UInt8 raw-value enum: its number, not its code.
        key("transaction"); int(Int64(line.pointee.transaction.rawValue))
        key("valuationCharge"); int(line.pointee.valuationCharge)
        key("weightCharge"); int(line.pointee.weightCharge)
        raw("}")
    }

    private mutating func tax(_ tax: TaxLine) {
        raw("{")
        key("amount", first: true); int(tax.amount)
        key("base"); string(tax.base.rawValue)
        key("baseAmount"); int(tax.baseAmount)
        key("code"); string(tax.code)
        key("description"); string(tax.description)
        key("direction"); string(tax.direction.rawValue)
        key("rateHundredthsPercent"); int(tax.rateHundredthsPercent)
        raw("}")
    }

    /// A `[String: String]` as an object, keys in UTF-8 byte order (what
    /// `.sortedKeys` does with a dictionary's keys too).
    private mutating func map(_ map: [String: String]) {
        raw("{")
        var first = true
        for name in map.keys.sorted(by: PrettyJSON.bytesPrecede) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            string(name)
            out.append(UInt8(ascii: ":"))
            string(map[name] ?? "")
        }
        raw("}")
    }

    private mutating func array<Element>(_ elements: [Element], _ body: (inout InvoiceJSONWriter, Element) -> Void) {
        raw("[")
        for (index, element) in elements.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            body(&self, element)
        }
        raw("]")
    }

    /// The same, each element read in place (`InPlace`): for the lines,
    /// whose copies retained and released their file names.
    private mutating func arrayInPlace<Element>(_ elements: [Element], _ body: (inout InvoiceJSONWriter, UnsafePointer<Element>) -> Void) {
        raw("[")
        var first = true
        InPlace.forEach(elements) { element in
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            body(&self, element)
        }
        raw("]")
    }

    // MARK: Pieces

    /// `"name":`, after a comma unless it is an object's first. Names are
    /// this file's ASCII identifiers: nothing in them needs escaping. Laid
    /// out in room made for the whole key at once.
    private mutating func key(_ name: StaticString, first: Bool = false) {
        precondition(name.hasPointerRepresentation, "a key is an ASCII constant")
        let count = name.utf8CodeUnitCount
        let comma = first ? 0 : 1
        let base = out.room(comma + count + 3)
        if !first { base[0] = UInt8(ascii: ",") }
        base[comma] = UInt8(ascii: "\"")
        (base + comma + 1).initialize(from: name.utf8Start, count: count)
        base[comma + 1 + count] = UInt8(ascii: "\"")
        base[comma + 2 + count] = UInt8(ascii: ":")
    }

    private mutating func raw(_ text: StaticString) {
        out.append(text)
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
