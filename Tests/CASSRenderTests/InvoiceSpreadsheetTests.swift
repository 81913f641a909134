import CASSDomain
@testable import CASSRender
import Foundation
import XCTest

final class InvoiceSpreadsheetTests: XCTestCase {
    /// LibreOffice converts our XLSX to CSV: the grand total and every section
    /// total come back as the numbers we wrote.
    func test_xlsx_libreOfficeCSVGivesSameTotals() throws {
        guard let soffice = Fixtures.toolPath("soffice") ?? Fixtures.toolPath("libreoffice") else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("soffice missing on CI: scripts/install-deps installs libreoffice-calc-nogui"); return }
            print("SKIPPING XLSX LibreOffice test LOUDLY: soffice not installed (apt-get install libreoffice-calc-nogui)")
            throw XCTSkip("soffice missing: run scripts/install-deps")
        }
        let folder = try Fixtures.temporaryDirectory(self)
        var invoices: [Invoice] = []
        for (index, market) in Fixtures.markets.enumerated() where ["en", "ja", "ar"].contains(market.language) {
            let invoice = Fixtures.invoice(market: index, lines: 12)
            invoices.append(invoice)
            let xlsx = InvoiceSpreadsheet(invoice: invoice, reference: Fixtures.reference).workbook()
            try AtomicFile.write(xlsx, to: folder.appendingPathComponent("\(invoice.number).xlsx"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: soffice)
        let profile = folder.appendingPathComponent("profile")
        process.arguments = ["-env:UserInstallation=file://\(profile.path)", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false",
                             "--outdir", folder.path] + invoices.map { folder.appendingPathComponent("\($0.number).xlsx").path }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        for invoice in invoices {
            let csv = try String(contentsOf: folder.appendingPathComponent("\(invoice.number).csv"), encoding: .utf8)
            let rows = csv.split(separator: "\n").map { parseCSVLine(String($0)) }
            let t = InvoiceSpreadsheet(invoice: invoice, reference: Fixtures.reference).translations
            // Formatted as shown: "#,##0.00" gives 1,234.56.
            func number(_ text: String) -> String { text.replacingOccurrences(of: ",", with: "") }
            let grand = try XCTUnwrap(rows.first { $0.first == t["grand_total"] }, "no grand total row in \(invoice.number)")
            XCTAssertEqual(number(grand.count > 12 ? grand[12] : ""), Money.decimalString(invoice.total, digits: invoice.minorDigits))
            XCTAssertTrue(rows.contains { $0.contains(t["charges.note"]) }, "the note on collect lines is missing in \(invoice.number)")
            for section in invoice.sections {
                let prefix = Fixtures.padded(Int(section.airlinePrefix), 3)
                let totalRow = try XCTUnwrap(rows.first { $0.count > 1 && $0[0] == prefix && $0[1] == t.text("section_total", ["airline": prefix]) })
                XCTAssertEqual(number(totalRow.count > 12 ? totalRow[12] : ""), Money.decimalString(section.total, digits: invoice.minorDigits))
                let lineRows = rows.filter { $0.count >= 13 && $0[0] == prefix && $0[1].hasPrefix(prefix + "-") }
                XCTAssertEqual(lineRows.count, section.lines.count)
                // Column N: prepaid or collect, in the sheet's language.
                XCTAssertEqual(lineRows.map { $0.count > 13 ? $0[13] : "" }, section.lines.map { $0.chargesIndicator.map { t["charges." + $0.code] } ?? "" })
                let sum = lineRows.compactMap { Money.parseDecimal(Substring(number($0[12])), digits: invoice.minorDigits) }.reduce(0, +)
                XCTAssertEqual(sum, section.netDue, "line amounts of \(prefix) do not add up to its net due")
            }
        }
    }

    func test_sheetXML_writesAmountsAsNumbersNotText() {
        let invoice = Fixtures.invoice(market: 0, lines: 3)
        let xml = InvoiceSpreadsheet(invoice: invoice, reference: Fixtures.reference).sheetXML()
        let amount = Money.decimalString(invoice.total, digits: 2)
        XCTAssertTrue(xml.contains("<v>\(amount)</v>"))
        XCTAssertFalse(xml.contains("<t>\(amount)</t>"))
    }

    /// A line's route, type and charges cells as the sheet wrote them when
    /// each was a String made per line: `origin-destination` escaped as one
    /// text, the type and charges texts translated by key. Markup, controls
    /// and non-ASCII in the route; every transaction type; both indicators.
    func test_lineCells_sameTextAsOneStringPerCell() {
        for market in [0, 1, 7] {
            var invoice = Fixtures.invoice(market: market, lines: 8)
            let types: [TransactionType] = [.awb, .cca, .dcm, .ccm]
            let indicators: [ChargesIndicator?] = [.prepaid, .collect, nil]
            for index in invoice.sections[0].lines.indices {
                invoice.sections[0].lines[index].transaction = types[index % 4]
                invoice.sections[0].lines[index].chargesIndicator = indicators[index % 3]
            }
            invoice.sections[0].lines[0].origin = "A&<\u{1}"
            invoice.sections[0].lines[0].destination = "é\u{301}>\""
            let sheet = InvoiceSpreadsheet(invoice: invoice, reference: Fixtures.reference)
            let xml = sheet.sheetXML()
            let t = sheet.translations
            for line in invoice.sections[0].lines {
                let route = InvoiceSpreadsheet.escape(line.origin + "-" + line.destination)
                XCTAssertTrue(xml.contains("<is><t>" + route + "</t>"), route)
                let type = InvoiceSpreadsheet.escape(t["transaction." + line.transaction.code])
                XCTAssertTrue(xml.contains("<is><t>" + type + "</t>"), type)
            }
            for indicator in [ChargesIndicator.prepaid, .collect] {
                let text = InvoiceSpreadsheet.escape(t["charges." + indicator.code])
                XCTAssertTrue(xml.contains("<is><t>" + text + "</t>"), text)
            }
        }
    }

    /// Cells carry their reference only after an empty cell, and texts keep
    /// `xml:space="preserve"` only with white space at an end: every row
    /// read back by position gives each cell in its column, with its text.
    func test_cellReferencesOnlyAfterGaps_preserveOnlyAtWhiteEdges() {
        var invoice = Fixtures.invoice(market: 0, lines: 2)
        invoice.sections[0].lines[0].origin = " LHR"
        invoice.sections[0].lines[1].destination = "FRA\t"
        let sheet = InvoiceSpreadsheet(invoice: invoice, reference: Fixtures.reference)
        let xml = sheet.sheetXML()
        XCTAssertTrue(xml.contains(#"<t xml:space="preserve"> LHR-"#))
        XCTAssertTrue(xml.contains("-FRA\t</t>"))
        let rows = sheet.rows()
        // Each <row>: its cells' columns, counting on from the last one
        // unless a reference says otherwise.
        let rowTexts = xml.components(separatedBy: "<row r=\"").dropFirst()
        XCTAssertEqual(rowTexts.count, rows.count)
        for (rowText, row) in zip(rowTexts, rows) {
            var columns: [Int] = []
            var next = 0
            for cellText in rowText.components(separatedBy: "<c").dropFirst() {
                if cellText.hasPrefix(" r=\"") {
                    let letters = cellText.dropFirst(4).prefix { $0.isLetter }
                    let column = letters.unicodeScalars.reduce(0) { $0 * 26 + Int($1.value) - 64 } - 1
                    XCTAssertNotEqual(column, next, "a reference where none is needed: \(cellText.prefix(20))")
                    next = column
                }
                columns.append(next)
                next += 1
            }
            let expected = row.cells.indices.filter { if case .empty = row.cells[$0] { return false } else { return true } }
            XCTAssertEqual(columns, expected)
        }
        XCTAssertEqual(xml.components(separatedBy: "xml:space").count - 1, 2)
    }

    func test_xmlEscape_dropsControlCharactersAndEscapesMarkup() {
        XCTAssertEqual(InvoiceSpreadsheet.escape("A&B <x> \u{1}\"q\""), "A&amp;B &lt;x&gt; &quot;q&quot;")
    }

    /// The byte writer against Money.decimalString, the String form the
    /// sheet wrote before: signs, zero padding, the extremes of Int64.
    func test_appendDecimal_matchesDecimalString() {
        let values: [Int64] = [0, 1, -1, 5, -5, 9, 10, 99, 100, 101, 12345, -12345, 1_000_000, 999_999_999,
                               Int64.max, Int64.min, Int64.min + 1, -100, 7_000_000_000_000_000_001]
        for digits in [0, 1, 2, 3, 4, 18] {
            for value in values {
                var out: [UInt8] = [0x41]
                InvoiceSpreadsheet.appendDecimal(value, digits: digits, to: &out)
                XCTAssertEqual(String(decoding: out, as: UTF8.self), "A" + Money.decimalString(value, digits: digits), "\(value), \(digits) digits")
            }
        }
    }

    /// The byte copy of plain texts and the scalar path for the rest give
    /// what `escape` gives (markup escaped, controls and U+FFFE/U+FFFF
    /// dropped, other non-ASCII kept).
    func test_appendEscaped_matchesEscape() {
        for text in ["", "plain ASCII 123", "A&B <x> \u{1}\"q\"", "日本語 العربية", "\u{FFFE}x\u{FFFF}y\u{FFFD}", "\u{EFFF}ï", "tab\tnew\nline\r", "\u{1F600}&"] {
            var out: [UInt8] = []
            InvoiceSpreadsheet.appendEscaped(text, to: &out)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), InvoiceSpreadsheet.escape(text), text.debugDescription)
        }
    }

    /// The sheet's buffer (a ByteBuffer as `ByteOutput`) against an array
    /// fed the same appends, through many growths from its smallest
    /// capacity (64 bytes).
    func test_byteBuffer_asByteOutput_keepsEveryAppendAcrossGrowth() {
        var sink = ByteBuffer(capacity: 0)
        var expected: [UInt8] = []
        for k in 0..<3000 {
            switch k % 4 {
            case 0: sink.append(UInt8(k & 0xFF)); expected.append(UInt8(k & 0xFF))
            case 1: sink.append("<c r=\"" as StaticString); expected += Array("<c r=\"".utf8)
            case 2: sink.append("é\(k)"); expected += Array("é\(k)".utf8)
            default:
                let chunk = [UInt8](repeating: UInt8(k % 251), count: k % 200)
                sink.append(chunk); expected += chunk
            }
        }
        sink.append(bytes: UnsafeBufferPointer(start: nil, count: 0))
        XCTAssertEqual(sink.array(), expected)
    }

    /// The sheet writer on its own: a reference only after a gap (two
    /// letters past column Z), the row's number in it, bold amounts in the
    /// bold style, an empty row, and every row ended.
    func test_sheetWriter_writesReferencesAfterGapsAndEndsEveryRow() {
        var sheet = SheetWriter(capacity: 0, digits: 2)
        sheet.row(bold: false); sheet.text(" a&b"); sheet.empty(2); sheet.amount(-150); sheet.weight(25)
        sheet.row(bold: true); sheet.empty(27); sheet.amount(7); sheet.rate(500)
        sheet.row(bold: false)
        sheet.row(bold: false); sheet.route("LHR", "FRA\t")
        let xml = String(decoding: sheet.finish(), as: UTF8.self)
        XCTAssertEqual(xml, #"<row r="1"><c t="inlineStr"><is><t xml:space="preserve"> a&amp;b</t></is></c><c r="D1" s="2"><v>-1.50</v></c><c s="4"><v>2.5</v></c></row>"#
            + #"<row r="2"><c r="AB2" s="3"><v>0.07</v></c><c s="6"><v>0.0500</v></c></row><row r="3"></row>"#
            + #"<row r="4"><c t="inlineStr"><is><t xml:space="preserve">LHR-FRA"# + "\t" + #"</t></is></c></row></sheetData></worksheet>"#)
    }

    private func parseCSVLine(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        var iterator = Array(line).makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" { quoted = false } else { current.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(current); current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }
}
