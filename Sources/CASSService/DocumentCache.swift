import CASSDomain
import CASSOneRecord
import CASSRender
import Foundation

/// The Cargo Sales Report in the formats agents download, rendered when
/// asked so that the PDF and XLSX show the payments as they stand
/// (`payments`; nil: as at period close, nothing paid).
final class DocumentCache: @unchecked Sendable {
    // @unchecked: the renderer is immutable; the cache folder is written
    // with atomic renames only.
    let renderer: DocumentRenderer?
    let rendererProblem: String?
    let reference: ReferenceData

    init(reference: ReferenceData) {
        self.reference = reference
        do {
            renderer = DocumentRenderer(reference: reference, fonts: try FontSet.locate())
            rendererProblem = nil
        } catch {
            renderer = nil
            rendererProblem = "documents cannot be rendered on this machine: \(error)"
        }
    }

    func render(_ invoice: Invoice, format: DocumentFormat, payments: DocumentPayments? = nil) throws -> [UInt8] {
        if format == .xml { return InvoiceXMLWriter.write(invoice, reference: reference) }
        guard let renderer else { throw ServiceError(rendererProblem ?? "no renderer") }
        switch format {
        case .pdf: return try renderer.renderPDF(invoice, payments: payments)
        case .xlsx: return try renderer.renderXLSX(invoice, payments: payments)
        case .hot: return try renderer.renderHOT(invoice)
        case .xml: return InvoiceXMLWriter.write(invoice, reference: reference)
        }
    }
}

enum DocumentFormat: String, Sendable, CaseIterable {
    case pdf, xlsx, hot, xml

    var contentType: String {
        switch self {
        case .pdf: "application/pdf"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .hot: "text/plain; charset=us-ascii"
        case .xml: "application/rdf+xml"
        }
    }
}
