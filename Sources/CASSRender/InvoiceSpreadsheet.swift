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

    /// A cell as `rows()` records it (tests read the rows back).
    enum Cell {
        case text(String)
        case amount(Int64)
        case weight(Int64)
        case rate(Int64)
        case date(CivilDate)
        /// `origin-destination`: the two texts and the dash written one
        /// after the other (escaping goes scalar by scalar, so it is the
        /// text of `origin + "-" + destination` without making it).
        case route(String, String)
        case empty
    }

    /// Style indexes in styles.xml (the sheet writer writes them as literals).
    enum Style: Int { case plain = 0, bold = 1, amount = 2, boldAmount = 3, weight = 4, date = 5, rate = 6 }

    /// The header of the table: the column count every row is padded to.
    static let columnKeys = ["airline", "col.awb", "col.type", "col.reason", "col.issue_date", "col.route", "col.weight",
                             "col.weight_charge", "col.valuation", "col.due_carrier", "col.commission", "col.incentive", "col.net",
                             "col.charges"]

    /// The sheet's rows as a list (what `sheetBytes` writes, row by row).
    func rows() -> [(cells: [Cell], bold: Bool)] {
        var recorder = SheetRecorder()
        writeRows(into: &recorder)
        return recorder.finish()
    }

    /// Every row of the sheet, cell by cell, into `sheet`: the worksheet's
    /// bytes are written straight from the invoice as its rows are walked
    /// (a list of rows of cells per invoice, then written, was a sixth of
    /// the workbook's instructions and an allocation per line).
    func writeRows(into sheet: inout some SheetRows) {
        let t = translations
        let operation = reference.operation(invoice.country)
        let agent = reference.agent(invoice.agentCode, in: invoice.country)
        sheet.row(bold: true); sheet.text(t["title"]); sheet.text(invoice.number)
        sheet.row(bold: false); sheet.text(t["cass_operation"]); sheet.text(operation?.entityName ?? invoice.country)
        sheet.text(t["tax_id"]); sheet.text(operation?.entityTaxID ?? "")
        sheet.row(bold: false); sheet.text(t["agent"]); sheet.text(agent?.name ?? ""); sheet.text(t["agent_code"]); sheet.text(invoice.agentCodeText)
        sheet.text(t["tax_id"]); sheet.text(agent?.taxID ?? "")
        sheet.row(bold: false); sheet.empty(); sheet.text(agent?.address ?? "")
        sheet.row(bold: false); sheet.text(t["invoice_number"]); sheet.text(invoice.number); sheet.text(t["invoice_date"]); sheet.date(invoice.invoiceDate)
        sheet.text(t["remittance_date"]); sheet.date(invoice.remittanceDate)
        sheet.row(bold: false); sheet.text(t["billing_period"]); sheet.text(invoice.period.description); sheet.text(t["currency"]); sheet.text(invoice.currency)
        sheet.row(bold: false)
        sheet.row(bold: true)
        for key in Self.columnKeys { sheet.text(t[key]) }
        // The translated type and charges texts, looked up once per invoice
        // rather than a key built and looked up per line.
        let transactionTexts = Dictionary(uniqueKeysWithValues: [TransactionType.awb, .cca, .dcm, .ccm].map { ($0, t["transaction." + $0.code]) })
        let prepaidText = t["charges." + ChargesIndicator.prepaid.code], collectText = t["charges." + ChargesIndicator.collect.code]
        for section in invoice.sections.sorted(by: { $0.airlinePrefix < $1.airlinePrefix }) {
            let prefix = reference.airline(section.airlinePrefix)?.prefixText ?? String(section.airlinePrefix)
            // Read in place (`InPlace`): a copied line retained its file name.
            InPlace.forEach(section.lines) { line in
                sheet.row(bold: false)
                sheet.text(prefix); sheet.text(line.pointee.awb)
                let transaction = line.pointee.transaction
                if let text = transactionTexts[transaction] { sheet.text(text) } else { sheet.text(t["transaction." + transaction.code]) }
                sheet.text(line.pointee.reasonCode); sheet.date(line.pointee.issueDate); sheet.route(line.pointee.origin, line.pointee.destination)
                sheet.weight(line.pointee.chargeableWeightTenthsKg); sheet.amount(line.pointee.weightCharge); sheet.amount(line.pointee.valuationCharge)
                sheet.amount(line.pointee.otherChargesDueCarrier); sheet.amount(line.pointee.commission); sheet.amount(line.pointee.incentive)
                sheet.amount(line.pointee.amount)
                switch line.pointee.chargesIndicator {
                case .prepaid?: sheet.text(prepaidText)
                case .collect?: sheet.text(collectText)
                case nil: sheet.text("")
                }
            }
            for tax in section.taxes {
                sheet.row(bold: false)
                sheet.text(prefix); sheet.text(t["col.tax"] + " " + tax.code); sheet.text(t["tax." + tax.direction.rawValue])
                sheet.text(tax.description); sheet.text(t["base." + tax.base.rawValue]); sheet.rate(tax.rateHundredthsPercent); sheet.empty()
                sheet.amount(tax.baseAmount); sheet.empty(4)
                sheet.amount(tax.direction == .credited ? -tax.amount : tax.amount)
            }
            sheet.row(bold: true); sheet.text(prefix); sheet.text(t.text("section_total", ["airline": prefix])); sheet.empty(10)
            sheet.amount(section.total)
        }
        sheet.row(bold: true); sheet.text(t["grand_total"]); sheet.text(invoice.currency); sheet.empty(10); sheet.amount(invoice.total)
        // Why a collect line's net is negative, as on the PDF.
        if invoice.sections.contains(where: { InPlace.contains($0.lines) { $0.pointee.chargesIndicator == .collect } }) {
            sheet.row(bold: false)
            sheet.row(bold: false); sheet.text(t["col.charges"]); sheet.text(t["charges.note"])
        }
        sheet.row(bold: false)
        writeSummary(operation: operation, into: &sheet)
        sheet.row(bold: false)
        writeAdjustments(into: &sheet)
    }

    /// The payment summary: the same facts as the PDF's, amounts as numbers.
    func writeSummary(operation: CASSDomain.Operation?, into sheet: inout some SheetRows) {
        let t = translations
        sheet.row(bold: true); sheet.text(t["summary"]); sheet.text(t.text("as_of", ["date": t.date(payments.asOf)])); sheet.date(payments.asOf)
        if invoice.total > 0 {
            sheet.row(bold: false); sheet.text(t["invoice_total"]); sheet.amount(invoice.total); sheet.text(invoice.currency)
            sheet.row(bold: false); sheet.text(t["paid"]); sheet.amount(payments.paidMinor); sheet.text(invoice.currency)
            for paid in payments.paidByMethod {
                sheet.row(bold: false); sheet.text(t["paid"] + " · " + t["method." + paid.method.rawValue]); sheet.amount(paid.amountMinor)
                sheet.text(invoice.currency)
            }
            sheet.row(bold: false); sheet.text(t["outstanding"]); sheet.amount(payments.outstandingMinor); sheet.text(invoice.currency)
        } else {
            sheet.row(bold: false); sheet.text(t["amount_credit"]); sheet.amount(Int64(clamping: invoice.total.magnitude)); sheet.text(invoice.currency)
        }
        sheet.row(bold: false); sheet.text(t["remittance_date"]); sheet.date(invoice.remittanceDate)
        sheet.row(bold: false); sheet.text(t["status"]); sheet.text(t["status." + payments.status.rawValue])
        let entity = operation?.entityName ?? "CASS"
        if invoice.total <= 0 {
            sheet.row(bold: false); sheet.text(t["how_to_pay"]); sheet.text(t.text("credit.text", ["entity": entity]))
        } else if payments.outstandingMinor == 0 {
            sheet.row(bold: false); sheet.text(t["how_to_pay"]); sheet.text(t["paid.text"])
        } else {
            sheet.row(bold: false); sheet.text(t["how_to_pay"]); sheet.text(t.text("how_to_pay.text", ["entity": entity, "number": invoice.number]))
            if let operation, operation.bankName != nil || operation.iban != nil || operation.bic != nil {
                sheet.row(bold: false); sheet.text(t["bank"]); sheet.text(operation.bankName ?? ""); sheet.text("IBAN"); sheet.text(operation.iban ?? "")
                sheet.text("BIC"); sheet.text(operation.bic ?? "")
            }
        }
    }

    /// Credits applied and dispute memos, each under its own heading row.
    func writeAdjustments(into sheet: inout some SheetRows) {
        let t = translations
        sheet.row(bold: true); sheet.text(t["adjustments"])
        let memos = DisputeMemoLine.all(in: invoice)
        if payments.creditsApplied.isEmpty && memos.isEmpty {
            sheet.row(bold: false); sheet.text(t["bta.none"])
            return
        }
        if !payments.creditsApplied.isEmpty {
            sheet.row(bold: true); sheet.text(t["bta.credits"]); sheet.text(t["bta.credits.note"])
            sheet.row(bold: true); sheet.text(t["col.date"]); sheet.text(t["col.reference"]); sheet.text(t["col.amount"])
            for credit in payments.creditsApplied {
                sheet.row(bold: false); sheet.date(credit.date); sheet.text(credit.reference); sheet.amount(credit.amountMinor)
            }
        }
        if !memos.isEmpty {
            sheet.row(bold: true); sheet.text(t["bta.memos"]); sheet.text(t["bta.memos.note"])
            sheet.row(bold: true); sheet.text(t["col.dispute"]); sheet.text(t["airline"]); sheet.text(t["col.awb"]); sheet.text(t["col.type"])
            sheet.text(t["col.issue_date"]); sheet.text(t["col.amount"])
            for memo in memos {
                let prefix = reference.airline(memo.airlinePrefix)?.prefixText ?? String(memo.airlinePrefix)
                sheet.row(bold: false); sheet.text(memo.disputeID ?? ""); sheet.text(prefix); sheet.text(memo.line.awb)
                sheet.text(t["transaction." + memo.line.transaction.code]); sheet.date(memo.line.issueDate); sheet.amount(memo.line.amount)
            }
        }
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
    /// cell was most of the workbook's cost), row by row as `writeRows`
    /// walks the invoice.
    func sheetBytes() -> [UInt8] {
        var sheet = SheetWriter(capacity: 4096 + invoice.lineCount * 700, digits: invoice.minorDigits)
        sheet.out.append(#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# as StaticString)
        sheet.out.append("\n" as StaticString)
        sheet.out.append(#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"# as StaticString)
        if translations.isRightToLeft { sheet.out.append(#"<sheetViews><sheetView workbookViewId="0" rightToLeft="1"/></sheetViews>"# as StaticString) }
        sheet.out.append(Self.columnsXML)
        sheet.out.append("<sheetData>" as StaticString)
        writeRows(into: &sheet)
        return sheet.finish()
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

/// The document writers' buffer (CASSDomain) as the worksheet's output.
extension ByteBuffer: ByteOutput {
    func append(bytes: UnsafeBufferPointer<UInt8>) { append(bytes) }
}
