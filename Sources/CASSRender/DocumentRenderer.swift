import CASSDomain

/// Renders issued invoices for people (PDF, XLSX) and machines (HOT).
/// Holds the parsed fonts and reference data; safe to share between threads:
/// every call builds its own document.
public struct DocumentRenderer: Sendable {
    public let reference: ReferenceData
    public let fonts: FontSet

    public init(reference: ReferenceData, fonts: FontSet) {
        self.reference = reference
        self.fonts = fonts
    }

    /// The Cargo Sales Report as PDF, in the agent's language. `payments`
    /// is where payment stands today; nil renders it as at period close
    /// (nothing paid).
    public func renderPDF(_ invoice: Invoice, payments: DocumentPayments? = nil) throws -> [UInt8] {
        CargoSalesReport(invoice: invoice, reference: reference, payments: payments).render(fonts: fonts)
    }

    /// The same report as an XLSX workbook, amounts as numbers.
    public func renderXLSX(_ invoice: Invoice, payments: DocumentPayments? = nil) throws -> [UInt8] {
        InvoiceSpreadsheet(invoice: invoice, reference: reference, payments: payments).workbook()
    }

    /// The fixed-width HOT file of the invoice (docs/hot.md).
    public func renderHOT(_ invoice: Invoice) throws -> [UInt8] {
        try HOTFile.write(invoice, reference: reference)
    }

    /// The language the invoice is rendered in: the agent's, else the operation's, else English.
    public func language(of invoice: Invoice) -> String {
        CargoSalesReport(invoice: invoice, reference: reference).translations.language
    }
}
