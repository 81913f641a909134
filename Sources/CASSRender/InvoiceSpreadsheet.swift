import CASSDomain

/// The Cargo Sales Report as an XLSX workbook (Office Open XML
/// SpreadsheetML in our own ZIP): one sheet, a heading block, then one table
/// of every line, tax and total with the airline in column A, so that it
/// sorts and filters well. Amounts are numeric cells in major units with
/// the currency's decimals; dates are date cells. Below the grand total:
/// the payment summary as it stands on `payments.asOf`, then the agent's
/// Additional Adjustments & Charges (credits applied, dispute memos), label
/// in column A and value in column B.
public struct InvoiceSpreadsheet {
    public let invoice: Invoice
    public let reference: ReferenceData
    public let translations: Translations
    /// Where payment stands; nothing paid (period close) unless given.
    public let payments: DocumentPayments

    public init(invoice: Invoice, reference: ReferenceData, payments: DocumentPayments? = nil) {
        self.invoice = invoice
        self.reference = reference
        self.payments = payments ?? .unpaid(invoice)
        let agent = reference.agent(invoice.agentCode, in: invoice.country)
        self.translations = Translations(preferring: [agent?.language, reference.operation(invoice.country)?.language].compactMap { $0 })
    }

    enum Cell {
        case text(String)
        case amount(Int64)
        case weight(Int64)
        case rate(Int64)
        case date(CivilDate)
        case integer(Int64)
        /// `origin-destination`: the two texts and the dash written one
        /// after the other (escaping goes scalar by scalar, so it is the
        /// text of `origin + "-" + destination` without making it).
        case route(String, String)
        case empty
    }

    /// Style indexes in styles.xml (sheetBytes writes them as literals).
    enum Style: Int { case plain = 0, bold = 1, amount = 2, boldAmount = 3, weight = 4, date = 5, rate = 6 }

    /// The header of the table: the column count every row is padded to.
    static let columnKeys = ["airline", "col.awb", "col.type", "col.reason", "col.issue_date", "col.route", "col.weight",
                             "col.weight_charge", "col.valuation", "col.due_carrier", "col.commission", "col.incentive", "col.net",
                             "col.charges"]

    func rows() -> [(cells: [Cell], bold: Bool)] {
        let t = translations
        let operation = reference.operation(invoice.country)
        let agent = reference.agent(invoice.agentCode, in: invoice.country)
        var rows: [([Cell], Bool)] = []
        rows.append(([.text(t["title"]), .text(invoice.number)], true))
        rows.append(([.text(t["cass_operation"]), .text(operation?.entityName ?? invoice.country), .text(t["tax_id"]), .text(operation?.entityTaxID ?? "")], false))
        rows.append(([.text(t["agent"]), .text(agent?.name ?? ""), .text(t["agent_code"]), .text(invoice.agentCodeText), .text(t["tax_id"]), .text(agent?.taxID ?? "")], false))
        rows.append(([.empty, .text(agent?.address ?? "")], false))
        rows.append(([.text(t["invoice_number"]), .text(invoice.number), .text(t["invoice_date"]), .date(invoice.invoiceDate),
                      .text(t["remittance_date"]), .date(invoice.remittanceDate)], false))
        rows.append(([.text(t["billing_period"]), .text(invoice.period.description), .text(t["currency"]), .text(invoice.currency)], false))
        rows.append(([], false))
        rows.append((Self.columnKeys.map { .text(t[$0]) }, true))
        // The translated type and charges texts, looked up once per invoice
        // rather than a key built and looked up per line.
        let transactionTexts = Dictionary(uniqueKeysWithValues: [TransactionType.awb, .cca, .dcm, .ccm].map { ($0, t["transaction." + $0.code]) })
        let prepaidText = t["charges." + ChargesIndicator.prepaid.code], collectText = t["charges." + ChargesIndicator.collect.code]
        rows.reserveCapacity(rows.count + invoice.lineCount + invoice.sections.count * 4 + 32)
        for section in invoice.sections.sorted(by: { $0.airlinePrefix < $1.airlinePrefix }) {
            let prefix = reference.airline(section.airlinePrefix)?.prefixText ?? String(section.airlinePrefix)
            // Read in place (`InPlace`): a copied line retained its file name.
            InPlace.forEach(section.lines) { line in
                let charges = line.pointee.chargesIndicator.map { $0 == .prepaid ? prepaidText : collectText } ?? ""
                let transaction = line.pointee.transaction
                rows.append(([.text(prefix), .text(line.pointee.awb), .text(transactionTexts[transaction] ?? t["transaction." + transaction.code]),
                              .text(line.pointee.reasonCode), .date(line.pointee.issueDate), .route(line.pointee.origin, line.pointee.destination),
                              .weight(line.pointee.chargeableWeightTenthsKg), .amount(line.pointee.weightCharge), .amount(line.pointee.valuationCharge),
                              .amount(line.pointee.otherChargesDueCarrier), .amount(line.pointee.commission), .amount(line.pointee.incentive),
                              .amount(line.pointee.amount), .text(charges)], false))
            }
            for tax in section.taxes {
                rows.append(([.text(prefix), .text(t["col.tax"] + " " + tax.code), .text(t["tax." + tax.direction.rawValue]),
                              .text(tax.description), .text(t["base." + tax.base.rawValue]), .rate(tax.rateHundredthsPercent), .empty,
                              .amount(tax.baseAmount), .empty, .empty, .empty, .empty,
                              .amount(tax.direction == .credited ? -tax.amount : tax.amount)], false))
            }
            rows.append(([.text(prefix), .text(t.text("section_total", ["airline": prefix])), .empty, .empty, .empty, .empty, .empty,
                          .empty, .empty, .empty, .empty, .empty, .amount(section.total)], true))
        }
        rows.append(([.text(t["grand_total"]), .text(invoice.currency), .empty, .empty, .empty, .empty, .empty,
                      .empty, .empty, .empty, .empty, .empty, .amount(invoice.total)], true))
        // Why a collect line's net is negative, as on the PDF.
        if invoice.sections.contains(where: { InPlace.contains($0.lines) { $0.pointee.chargesIndicator == .collect } }) {
            rows.append(([], false))
            rows.append(([.text(t["col.charges"]), .text(t["charges.note"])], false))
        }
        rows.append(([], false))
        rows += summaryRows(operation: operation)
        rows.append(([], false))
        rows += adjustmentRows()
        return rows
    }

    /// The payment summary: the same facts as the PDF's, amounts as numbers.
    func summaryRows(operation: CASSDomain.Operation?) -> [(cells: [Cell], bold: Bool)] {
        let t = translations
        var rows: [([Cell], Bool)] = []
        rows.append(([.text(t["summary"]), .text(t.text("as_of", ["date": t.date(payments.asOf)])), .date(payments.asOf)], true))
        if invoice.total > 0 {
            rows.append(([.text(t["invoice_total"]), .amount(invoice.total), .text(invoice.currency)], false))
            rows.append(([.text(t["paid"]), .amount(payments.paidMinor), .text(invoice.currency)], false))
            for paid in payments.paidByMethod {
                rows.append(([.text(t["paid"] + " · " + t["method." + paid.method.rawValue]), .amount(paid.amountMinor), .text(invoice.currency)], false))
            }
            rows.append(([.text(t["outstanding"]), .amount(payments.outstandingMinor), .text(invoice.currency)], false))
        } else {
            rows.append(([.text(t["amount_credit"]), .amount(Int64(clamping: invoice.total.magnitude)), .text(invoice.currency)], false))
        }
        rows.append(([.text(t["remittance_date"]), .date(invoice.remittanceDate)], false))
        rows.append(([.text(t["status"]), .text(t["status." + payments.status.rawValue])], false))
        let entity = operation?.entityName ?? "CASS"
        if invoice.total <= 0 {
            rows.append(([.text(t["how_to_pay"]), .text(t.text("credit.text", ["entity": entity]))], false))
        } else if payments.outstandingMinor == 0 {
            rows.append(([.text(t["how_to_pay"]), .text(t["paid.text"])], false))
        } else {
            rows.append(([.text(t["how_to_pay"]), .text(t.text("how_to_pay.text", ["entity": entity, "number": invoice.number]))], false))
            if let operation, operation.bankName != nil || operation.iban != nil || operation.bic != nil {
                rows.append(([.text(t["bank"]), .text(operation.bankName ?? ""), .text("IBAN"), .text(operation.iban ?? ""),
                              .text("BIC"), .text(operation.bic ?? "")], false))
            }
        }
        return rows
    }

    /// Credits applied and dispute memos, each under its own heading row.
    func adjustmentRows() -> [(cells: [Cell], bold: Bool)] {
        let t = translations
        var rows: [([Cell], Bool)] = [([.text(t["adjustments"])], true)]
        let memos = DisputeMemoLine.all(in: invoice)
        if payments.creditsApplied.isEmpty && memos.isEmpty {
            rows.append(([.text(t["bta.none"])], false))
            return rows
        }
        if !payments.creditsApplied.isEmpty {
            rows.append(([.text(t["bta.credits"]), .text(t["bta.credits.note"])], true))
            rows.append(([.text(t["col.date"]), .text(t["col.reference"]), .text(t["col.amount"])], true))
            for credit in payments.creditsApplied {
                rows.append(([.date(credit.date), .text(credit.reference), .amount(credit.amountMinor)], false))
            }
        }
        if !memos.isEmpty {
            rows.append(([.text(t["bta.memos"]), .text(t["bta.memos.note"])], true))
            rows.append(([.text(t["col.dispute"]), .text(t["airline"]), .text(t["col.awb"]), .text(t["col.type"]),
                          .text(t["col.issue_date"]), .text(t["col.amount"])], true))
            for memo in memos {
                let prefix = reference.airline(memo.airlinePrefix)?.prefixText ?? String(memo.airlinePrefix)
                rows.append(([.text(memo.disputeID ?? ""), .text(prefix), .text(memo.line.awb), .text(t["transaction." + memo.line.transaction.code]),
                              .date(memo.line.issueDate), .amount(memo.line.amount)], false))
            }
        }
        return rows
    }

    static func columnName(_ index: Int) -> String {
        var n = index + 1
        var name = ""
        while n > 0 {
            let r = (n - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + r))) + name
            n = (n - 1) / 26
        }
        return name
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                // XML 1.0 forbids other control characters outright.
                if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    func sheetXML() -> String { String(decoding: sheetBytes(), as: UTF8.self) }

    /// Cell references' column letters, A to Z (the sheet has 14 columns).
    static let columnNames: [[UInt8]] = (0..<26).map { Array(columnName($0).utf8) }

    /// The worksheet written straight into bytes (string concatenation per
    /// cell was most of the workbook's cost).
    ///
    /// A cell carries its reference (`r="B12"`) only after an empty cell,
    /// and a text `xml:space="preserve"` only when it starts or ends with
    /// white space: both are optional in SpreadsheetML (a cell without `r`
    /// is the one after the previous), and together they were a third of
    /// the sheet's bytes, all of them compressed for every invoice.
    func sheetBytes() -> [UInt8] {
        var out = ByteSink(capacity: 4096 + invoice.lineCount * 700)
        func add(_ text: String) { out.append(text) }
        func add(_ ascii: StaticString) { out.append(ascii) }
        add(#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# as StaticString)
        add("\n" as StaticString)
        add(#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"# as StaticString)
        if translations.isRightToLeft { add(#"<sheetViews><sheetView workbookViewId="0" rightToLeft="1"/></sheetViews>"# as StaticString) }
        out.append(Self.columnsXML)
        add("<sheetData>" as StaticString)
        let digits = invoice.minorDigits
        // The row number, written once per row and copied into each cell reference.
        var number: [UInt8] = []
        number.reserveCapacity(20)
        for (r, row) in rows().enumerated() {
            number.removeAll(keepingCapacity: true)
            Self.appendDecimal(Int64(r + 1), digits: 0, to: &number)
            add(#"<row r=""# as StaticString); out.append(number); add(#"">"# as StaticString)
            // The column the next cell takes when it has no reference.
            var next = 0
            for (c, cell) in row.cells.enumerated() {
                if case .empty = cell { continue }
                if c == next {
                    add("<c" as StaticString)
                } else {
                    add(#"<c r=""# as StaticString)
                    if c < Self.columnNames.count { out.append(Self.columnNames[c]) } else { add(Self.columnName(c)) }
                    out.append(number)
                    add("\"" as StaticString)
                }
                next = c + 1
                switch cell {
                case .empty: continue
                case .text(let text):
                    add(Self.textOpening(bold: row.bold, preserve: Self.edgesAreWhiteSpace(first: text, last: text)))
                    Self.appendEscaped(text, to: &out)
                    add("</t></is></c>" as StaticString)
                case .route(let origin, let destination):
                    add(Self.textOpening(bold: row.bold, preserve: Self.edgesAreWhiteSpace(first: origin, last: destination)))
                    Self.appendEscaped(origin, to: &out)
                    out.append(UInt8(ascii: "-"))
                    Self.appendEscaped(destination, to: &out)
                    add("</t></is></c>" as StaticString)
                case .amount(let minor):
                    add(row.bold ? #" s="3"><v>"# as StaticString : #" s="2"><v>"# as StaticString)
                    Self.appendDecimal(minor, digits: digits, to: &out)
                    add("</v></c>" as StaticString)
                case .weight(let tenths):
                    add(#" s="4"><v>"# as StaticString); Self.appendDecimal(tenths, digits: 1, to: &out); add("</v></c>" as StaticString)
                case .rate(let hundredths):
                    // A percentage cell holds the fraction: 5.00 % is 0.05.
                    add(#" s="6"><v>"# as StaticString); Self.appendDecimal(hundredths, digits: 4, to: &out); add("</v></c>" as StaticString)
                case .date(let date):
                    // Spreadsheet dates count days from 1899-12-30.
                    add(#" s="5"><v>"# as StaticString); Self.appendDecimal(Int64(date.dayNumber) + 25569, digits: 0, to: &out); add("</v></c>" as StaticString)
                case .integer(let value):
                    add("><v>" as StaticString); Self.appendDecimal(value, digits: 0, to: &out); add("</v></c>" as StaticString)
                }
            }
            add("</row>" as StaticString)
        }
        add("</sheetData></worksheet>" as StaticString)
        return out.finish()
    }

    /// A text cell's attributes up to its text, after `<c` (and its reference).
    static func textOpening(bold: Bool, preserve: Bool) -> StaticString {
        switch (bold, preserve) {
        case (true, true): #" t="inlineStr" s="1"><is><t xml:space="preserve">"#
        case (false, true): #" t="inlineStr"><is><t xml:space="preserve">"#
        case (true, false): #" t="inlineStr" s="1"><is><t>"#
        case (false, false): #" t="inlineStr"><is><t>"#
        }
    }

    /// True when the text that starts with `first` and ends with `last` (one
    /// text, or a route written as `first-last`) begins or ends with what XML
    /// would trim without `xml:space="preserve"` (space, tab, line feed,
    /// carriage return).
    static func edgesAreWhiteSpace(first: String, last: String) -> Bool {
        func white(_ byte: UInt8?) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        // The bytes in place: `utf8.last` walked the view generically, about
        // 200 instructions a cell.
        return white(first.withUTF8InPlace { $0.first }) || white(last.withUTF8InPlace { $0.last })
    }

    /// The column widths, the same in every sheet.
    static let columnsXML: [UInt8] = {
        let widths = [16, 16, 10, 10, 12, 10, 12, 14, 14, 14, 14, 14, 16, 10]
        var xml = "<cols>"
        for (i, w) in widths.enumerated() { xml += #"<col min="\#(i + 1)" max="\#(i + 1)" width="\#(w)" customWidth="1"/>"# }
        return Array((xml + "</cols>").utf8)
    }()

    /// `Money.decimalString(value, digits: digits)` appended as ASCII
    /// without making a String (it was a String per numeric cell).
    /// Limit: `digits` at most 18 here (more goes through decimalString).
    static func appendDecimal(_ value: Int64, digits: Int, to out: inout some ByteOutput) {
        guard digits >= 0, digits <= 18 else { out.append(Money.decimalString(value, digits: digits)); return }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // Least significant digit first: `digits` fraction digits (zero
        // padded), the point, then the whole part (at least "0"); at most
        // 18 + 1 + 20 bytes.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { scratch in
            var k = 0
            for _ in 0..<digits {
                scratch[k] = 48 + UInt8(magnitude % 10)
                magnitude /= 10
                k += 1
            }
            if digits > 0 { scratch[k] = UInt8(ascii: "."); k += 1 }
            repeat {
                scratch[k] = 48 + UInt8(magnitude % 10)
                magnitude /= 10
                k += 1
            } while magnitude > 0
            // Reversed in place, then appended at once.
            var low = 0, high = k - 1
            while low < high { scratch.swapAt(low, high); low += 1; high -= 1 }
            out.append(bytes: UnsafeBufferPointer(rebasing: scratch[0..<k]))
        }
    }

    /// `escape` appended as UTF-8. Most texts need nothing escaped or
    /// dropped: their bytes are copied at once.
    static func appendEscaped(_ text: String, to out: inout some ByteOutput) {
        let copied = text.withUTF8InPlace { bytes -> Bool in
            // Below 0x20 (controls), the four markup characters, and 0xEF
            // (the lead byte of U+FFFE and U+FFFF, which XML forbids) need
            // the slow path; everything else stands as it is.
            for byte in bytes where byte < 0x20 || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
                || byte == UInt8(ascii: "\"") || byte == 0xEF {
                return false
            }
            out.append(bytes: bytes)
            return true
        }
        if copied { return }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append("&amp;" as StaticString)
            case "<": out.append("&lt;" as StaticString)
            case ">": out.append("&gt;" as StaticString)
            case "\"": out.append("&quot;" as StaticString)
            case "\t", "\n", "\r": out.append(UInt8(scalar.value))
            default:
                // XML 1.0 forbids other control characters outright.
                if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF { UTF8.encode(scalar).map { for byte in $0 { out.append(byte) } } }
            }
        }
    }

    func stylesXML() -> String { Self.stylesXML(digits: invoice.minorDigits) }

    static func stylesXML(digits: Int) -> String {
        let amountFormat = digits > 0 ? "#,##0." + String(repeating: "0", count: digits) : "#,##0"
        return #"""
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="4"><numFmt numFmtId="164" formatCode="\#(amountFormat)"/><numFmt numFmtId="165" formatCode="#,##0.0"/><numFmt numFmtId="166" formatCode="yyyy\-mm\-dd"/><numFmt numFmtId="167" formatCode="0.00%"/></numFmts><fonts count="2"><font><sz val="10"/><name val="Arial"/></font><font><b/><sz val="10"/><name val="Arial"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="7"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>
"""#
    }

    /// The parts every workbook holds unchanged, compressed once.
    static let fixedParts: [ZipWriter.PreparedEntry] = [
        ZipWriter.PreparedEntry("[Content_Types].xml", Array(#"""
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>
"""#.utf8)),
        ZipWriter.PreparedEntry("_rels/.rels", Array(#"""
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
"""#.utf8)),
    ]
    static let workbookRelationships = ZipWriter.PreparedEntry("xl/_rels/workbook.xml.rels", Array(#"""
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>
"""#.utf8))
    /// styles.xml by the currency's minor digits (0 to 4 cover ISO 4217).
    static let stylesByDigits: [ZipWriter.PreparedEntry] = (0...4).map { digits in
        ZipWriter.PreparedEntry("xl/styles.xml", Array(stylesXML(digits: digits).utf8))
    }

    public func workbook() -> [UInt8] {
        let sheetName = Self.escape(String((translations["sheet.report"] + " " + invoice.number).prefix(31)))
        var zip = ZipWriter()
        for part in Self.fixedParts { zip.add(part) }
        zip.add("xl/workbook.xml", text: #"""
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="\#(sheetName)" sheetId="1" r:id="rId1"/></sheets></workbook>
"""#)
        zip.add(Self.workbookRelationships)
        if Self.stylesByDigits.indices.contains(invoice.minorDigits) {
            zip.add(Self.stylesByDigits[invoice.minorDigits])
        } else {
            zip.add("xl/styles.xml", text: stylesXML())
        }
        zip.add("xl/worksheets/sheet1.xml", sheetBytes())
        return zip.finish()
    }
}

/// Where the worksheet's bytes go: the sheet's own sink, or an array (tests).
protocol ByteOutput {
    mutating func append(_ byte: UInt8)
    mutating func append(bytes: UnsafeBufferPointer<UInt8>)
}

extension ByteOutput {
    mutating func append(_ ascii: StaticString) { append(bytes: UnsafeBufferPointer(start: ascii.utf8Start, count: ascii.utf8CodeUnitCount)) }
    mutating func append(_ text: String) {
        text.withUTF8InPlace { append(bytes: $0) }
    }
    mutating func append(_ bytes: [UInt8]) { bytes.withUnsafeBufferPointer { append(bytes: $0) } }
}

extension Array: ByteOutput where Element == UInt8 {
    mutating func append(bytes: UnsafeBufferPointer<UInt8>) { append(contentsOf: bytes) }
}

/// Bytes copied through a pointer into spare capacity: Array's
/// append(contentsOf:) of a short buffer cost about 100 instructions a
/// call (uniqueness, capacity, the generic copy), and a worksheet makes
/// about eight per cell. Not an Array, so `finish` must be called once: it
/// returns the bytes and frees the buffer (sheetBytes cannot throw, so it
/// always is).
struct ByteSink: ByteOutput {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    @inline(__always) mutating func append(_ byte: UInt8) {
        if count == capacity { grow(1) }
        base[count] = byte
        count += 1
    }

    @inline(__always) mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
        guard let start = bytes.baseAddress else { return }
        if capacity - count < bytes.count { grow(bytes.count) }
        (base + count).initialize(from: start, count: bytes.count)
        count += bytes.count
    }

    /// At least doubles, so appending stays linear overall.
    private mutating func grow(_ needed: Int) {
        let newCapacity = max(capacity * 2, count + needed)
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.initialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = newCapacity
    }

    /// The bytes appended; frees the buffer, so it is the sink's last use.
    mutating func finish() -> [UInt8] {
        let result = [UInt8](UnsafeBufferPointer(start: base, count: count))
        base.deallocate()
        capacity = 0
        count = 0
        return result
    }
}
