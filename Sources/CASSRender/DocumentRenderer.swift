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

    /// The languages the reference data's invoices are rendered in: each
    /// agent's (else its operation's, else English), as `language(of:)`
    /// picks them.
    public var languages: Set<String> {
        var result: Set<String> = []
        for agent in reference.allAgents {
            result.insert(Translations(preferring: [agent.language, reference.operation(agent.country)?.language].compactMap { $0 }).language)
        }
        for operation in reference.operations.values { result.insert(Translations(language: operation.language).language) }
        return result
    }

    /// Makes ready what every PDF in `languages` shares: the label tables
    /// and, per font, the subset of the glyphs every document of the
    /// language embeds (a document that draws nothing else copies it, its
    /// font file compressed once). Otherwise the first documents of a run
    /// build them, both cores at once. Safe from any thread.
    public func prepare(languages: Set<String>) {
        for language in languages.sorted() {
            let base = fonts.prepared.base(language: Translations(language: language).language, fonts: fonts)
            var seen: Set<String> = []
            for font in fonts.regular + fonts.bold where seen.insert(font.postScriptName).inserted {
                if let glyphs = base[font.postScriptName], !glyphs.isEmpty { _ = fonts.prepared.subset(of: font, glyphs: glyphs) }
            }
        }
    }

    /// The language the invoice is rendered in: the agent's, else the operation's, else English.
    public func language(of invoice: Invoice) -> String {
        CargoSalesReport(invoice: invoice, reference: reference).translations.language
    }
}
