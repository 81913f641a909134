import CASSDomain
@testable import CASSRender
import Foundation
import XCTest

/// The Cargo Sales Report's payment summary, the agent's Additional
/// Adjustments & Charges (credits applied, dispute memos) and "how to pay"
/// with the operation's bank account, read back with pdftotext from the
/// PDF and from the XLSX sheet's XML, in every supported language.
final class PaymentSummaryTests: XCTestCase {
    /// The fixtures' reference data with a bank account on every operation.
    static let bankedReference: ReferenceData = {
        let base = Fixtures.reference
        let operations = base.operations.values.map { operation -> CASSDomain.Operation in
            var banked = operation
            banked.bankName = "Settlement Bank \(operation.country)"
            banked.iban = "GB33BUKB20201555555555"
            banked.bic = "BUKBGB22"
            return banked
        }
        return ReferenceData(operations: operations, airlines: Array(base.airlines.values), agents: base.allAgents)
    }()

    /// The fixture invoice with one of its lines replaced by the memo of an
    /// accepted dispute, as the pipeline bills it (CCM, reason DSP, source
    /// `DSP-<dispute id>`).
    static func invoiceWithDisputeMemo(market: Int) throws -> (Invoice, InvoiceLine) {
        var invoice = Fixtures.invoice(market: market, lines: 14)
        var memo = invoice.sections[0].lines[1]
        let scale: Int64 = invoice.minorDigits == 0 ? 1 : 100
        memo.transaction = .ccm
        memo.reasonCode = "DSP"
        memo.sourceFile = "DSP-D-\(invoice.number)-7"
        memo.weightCharge = 0; memo.valuationCharge = 0; memo.otherChargesDueCarrier = 0; memo.commission = 0; memo.incentive = 0
        // The total must stay the sum of the sections: move the difference.
        let change = -33 * scale - invoice.sections[0].lines[1].amount
        memo.amount = -33 * scale
        invoice.sections[0].lines[1] = memo
        invoice.sections[0].netDue += change
        invoice.sections[0].total += change
        invoice.netDue += change
        invoice.total += change
        XCTAssertGreaterThan(invoice.total, 1000 * scale, "the fixture must leave something to pay")
        return (invoice, memo)
    }

    /// Paid in part by every method, one part from an earlier overpayment.
    static func partlyPaid(_ invoice: Invoice) -> DocumentPayments {
        let scale: Int64 = invoice.minorDigits == 0 ? 1 : 100
        let byMethod: [DocumentPayments.MethodTotal] = [
            .init(method: .bankTransfer, amountMinor: 101 * scale), .init(method: .directDebit, amountMinor: 102 * scale),
            .init(method: .card, amountMinor: 103 * scale), .init(method: .wallet, amountMinor: 104 * scale),
            .init(method: .credit, amountMinor: 105 * scale),
        ]
        let paid = byMethod.reduce(Int64(0)) { $0 + $1.amountMinor }
        return DocumentPayments(asOf: invoice.remittanceDate.adding(days: 3), status: .overdue, paidMinor: paid, outstandingMinor: invoice.total - paid,
                                paidByMethod: byMethod,
                                creditsApplied: [.init(date: invoice.invoiceDate, amountMinor: 105 * scale, reference: "credit-from-earlier")])
    }

    func pdfText(_ bytes: [UInt8], name: String) throws -> String {
        let keep = ProcessInfo.processInfo.environment["RENDER_SAMPLES_DIR"].map { URL(fileURLWithPath: $0) }
        let url = try (keep ?? Fixtures.temporaryDirectory(self)).appendingPathComponent(name + ".pdf")
        try AtomicFile.write(bytes, to: url)
        // A no-break space shares the space glyph, so it comes back as a space.
        return try XCTUnwrap(Fixtures.run("pdftotext", ["-layout", url.path, "-"])).replacingOccurrences(of: "\u{00A0}", with: " ")
    }

    /// The labels to look for: pdftotext may break a long label over
    /// layout columns, so each word must be there.
    func assertWords(_ label: String, in text: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        // Punctuation at a word's end may come out on the other side in a
        // right-to-left line: look for the word without it.
        for word in label.split(separator: " ").map({ $0.trimmingCharacters(in: .punctuationCharacters) }) where !word.isEmpty && !text.contains(word) {
            XCTFail("\(message): '\(word)' of '\(label)' missing", file: file, line: line)
        }
    }

    func test_pdf_atPeriodClose_showsOpenAndNothingPaid_inEveryLanguage() throws {
        let fonts = try Fixtures.requireFonts()
        guard Fixtures.toolPath("pdftotext") != nil else { throw XCTSkip("poppler-utils missing: run scripts/install-deps") }
        let renderer = DocumentRenderer(reference: Fixtures.reference, fonts: fonts)
        for (index, market) in Fixtures.markets.enumerated() {
            let invoice = Fixtures.invoice(market: index, lines: 14)
            let text = try pdfText(try renderer.renderPDF(invoice), name: market.language)
            let t = Translations(language: market.language)
            for key in ["summary", "invoice_total", "paid", "outstanding", "status", "status.open", "remittance_date", "adjustments", "bta.none"] {
                XCTAssertTrue(t.has(key), "\(market.language) lacks \(key)")
                assertWords(t[key], in: text, "\(market.language) at close")
            }
            XCTAssertFalse(text.contains(t["status.paid"] + "\n"), "\(market.language): paid at close")
            // No bank account on file: no bank line.
            XCTAssertFalse(text.contains("IBAN"), "\(market.language): a bank line without a bank")
        }
    }

    func test_pdf_withPayments_showsMethodsOutstandingStatusCreditsMemosAndBank_inEveryLanguage() throws {
        let fonts = try Fixtures.requireFonts()
        guard Fixtures.toolPath("pdftotext") != nil else { throw XCTSkip("poppler-utils missing: run scripts/install-deps") }
        let renderer = DocumentRenderer(reference: Self.bankedReference, fonts: fonts)
        for (index, market) in Fixtures.markets.enumerated() {
            let (invoice, memo) = try Self.invoiceWithDisputeMemo(market: index)
            let payments = Self.partlyPaid(invoice)
            let text = try pdfText(try renderer.renderPDF(invoice, payments: payments), name: market.language + "-paid")
            let t = Translations(language: market.language)
            let lang = market.language
            for method in DocumentPayments.Method.allCases {
                XCTAssertTrue(t.has("method." + method.rawValue), "\(lang) lacks method.\(method.rawValue)")
                assertWords(t["method." + method.rawValue], in: text, lang)
            }
            for amount in payments.paidByMethod.map(\.amountMinor) + [payments.paidMinor, payments.outstandingMinor, memo.amount] {
                let shown = t.amount(amount, digits: invoice.minorDigits).replacingOccurrences(of: "\u{00A0}", with: " ")
                XCTAssertTrue(text.contains(shown), "\(lang): amount \(shown) missing")
            }
            for key in ["status.overdue", "bta.credits", "bta.memos", "col.dispute", "bank"] {
                XCTAssertTrue(t.has(key), "\(lang) lacks \(key)")
                assertWords(t[key], in: text, lang)
            }
            XCTAssertFalse(text.contains(t["bta.none"]), "\(lang): 'none' beside credits and memos")
            XCTAssertTrue(text.contains("credit-from-earlier"), "\(lang): the credit's reference missing")
            XCTAssertTrue(text.contains("D-\(invoice.number)-7"), "\(lang): the dispute id missing")
            XCTAssertTrue(text.contains(t.text("as_of", ["date": t.date(payments.asOf)])) || text.contains(t.date(payments.asOf)), "\(lang): as-of date missing")
            XCTAssertTrue(text.contains("GB33 BUKB 2020 1555 5555 55"), "\(lang): IBAN missing")
            XCTAssertTrue(text.contains("BUKBGB22"), "\(lang): BIC missing")
            XCTAssertTrue(text.contains("Settlement Bank \(invoice.country)"), "\(lang): bank name missing")
        }
    }

    func test_pdf_paidInFull_saysNothingToPay_andNoBankLine() throws {
        let fonts = try Fixtures.requireFonts()
        guard Fixtures.toolPath("pdftotext") != nil else { throw XCTSkip("poppler-utils missing: run scripts/install-deps") }
        let invoice = Fixtures.invoice(market: 0, lines: 8)
        let payments = DocumentPayments(asOf: invoice.remittanceDate, status: .paid, paidMinor: invoice.total, outstandingMinor: 0,
                                        paidByMethod: [.init(method: .card, amountMinor: invoice.total)], creditsApplied: [])
        let text = try pdfText(try DocumentRenderer(reference: Self.bankedReference, fonts: fonts).renderPDF(invoice, payments: payments), name: "paid")
        let t = Translations(language: "en")
        XCTAssertTrue(text.contains(t["paid.text"]))
        XCTAssertTrue(text.contains(t["status.paid"]))
        XCTAssertFalse(text.contains("IBAN"), "a paid invoice asks for no transfer")
        XCTAssertFalse(text.contains(t["status.open"]))
    }

    func test_xlsx_atCloseAndWithPayments_inEveryLanguage() throws {
        for (index, market) in Fixtures.markets.enumerated() {
            let t = Translations(language: market.language)
            let lang = market.language
            let plain = Fixtures.invoice(market: index, lines: 14)
            let atClose = InvoiceSpreadsheet(invoice: plain, reference: Fixtures.reference).sheetXML()
            for key in ["summary", "outstanding", "status.open", "bta.none"] {
                XCTAssertTrue(atClose.contains(InvoiceSpreadsheet.escape(t[key])), "\(lang) at close: \(key) missing")
            }
            XCTAssertTrue(atClose.contains("<v>\(Money.decimalString(plain.total, digits: plain.minorDigits))</v>"))
            XCTAssertFalse(atClose.contains(">IBAN<"))

            let (invoice, memo) = try Self.invoiceWithDisputeMemo(market: index)
            let payments = Self.partlyPaid(invoice)
            let xml = InvoiceSpreadsheet(invoice: invoice, reference: Self.bankedReference, payments: payments).sheetXML()
            for method in DocumentPayments.Method.allCases {
                XCTAssertTrue(xml.contains(InvoiceSpreadsheet.escape(t["paid"] + " · " + t["method." + method.rawValue])), "\(lang): \(method) missing")
            }
            for amount in payments.paidByMethod.map(\.amountMinor) + [payments.paidMinor, payments.outstandingMinor, memo.amount] {
                XCTAssertTrue(xml.contains("<v>\(Money.decimalString(amount, digits: invoice.minorDigits))</v>"), "\(lang): \(amount) not a number cell")
            }
            for key in ["status.overdue", "bta.credits", "bta.memos"] {
                XCTAssertTrue(xml.contains(InvoiceSpreadsheet.escape(t[key])), "\(lang): \(key) missing")
            }
            XCTAssertFalse(xml.contains(InvoiceSpreadsheet.escape(t["status.open"]) + "<"), "\(lang): still open")
            XCTAssertTrue(xml.contains(">D-\(invoice.number)-7<"))
            XCTAssertTrue(xml.contains(">credit-from-earlier<"))
            XCTAssertTrue(xml.contains(">GB33BUKB20201555555555<"))
            XCTAssertTrue(xml.contains(">BUKBGB22<"))
            // The remittance date and the as-of day are date cells.
            XCTAssertTrue(xml.contains("<v>\(payments.asOf.dayNumber + 25569)</v>"))
        }
    }

    func test_disputeMemoLines_areTheDSPMemosOnly() throws {
        let (invoice, memo) = try Self.invoiceWithDisputeMemo(market: 0)
        let found = DisputeMemoLine.all(in: invoice)
        XCTAssertEqual(found.map(\.line), [memo])
        XCTAssertEqual(found.first?.disputeID, "D-\(invoice.number)-7")
        XCTAssertTrue(DisputeMemoLine.all(in: Fixtures.invoice(market: 0, lines: 14)).isEmpty, "memos of other reasons are not dispute memos")
    }

    func test_unpaid_isOpenWithEverythingOutstanding_orCreditWhenNothingIsOwed() {
        var invoice = Fixtures.invoice(market: 0, lines: 4)
        let open = DocumentPayments.unpaid(invoice)
        XCTAssertEqual(open.status, .open)
        XCTAssertEqual(open.outstandingMinor, invoice.total)
        XCTAssertEqual(open.asOf, invoice.invoiceDate)
        invoice.total = -5
        XCTAssertEqual(DocumentPayments.unpaid(invoice).status, .credit)
        XCTAssertEqual(DocumentPayments.unpaid(invoice).outstandingMinor, 0)
    }

    func test_groupedIBAN_inFours() {
        XCTAssertEqual(CargoSalesReport.groupedIBAN("GB33BUKB20201555555555"), "GB33 BUKB 2020 1555 5555 55")
        XCTAssertEqual(CargoSalesReport.groupedIBAN("GB33 BUKB 2020 1555 5555 55"), "GB33 BUKB 2020 1555 5555 55")
    }
}
