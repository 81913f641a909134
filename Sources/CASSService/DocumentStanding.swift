import CASSAccounts
import CASSDomain
import CASSRender

/// The Cargo Sales Report a download renders shows the payment summary as
/// it stands today (portal.md "Payments"): this maps the accounts' figures
/// to the renderer's, which does not know CASSAccounts.
extension ServiceContext {
    func documentPayments(_ invoice: Invoice) -> DocumentPayments {
        let today = clock.today()
        let summary = accounts.read { $0.paymentSummary(of: invoice.number, asOf: today) }
        return Self.documentPayments(invoice, summary: summary, today: today)
    }

    /// From the accounts' summary when the accounts know the invoice; before
    /// its issue record reaches them, what the rules say of an invoice
    /// nothing was paid on (the same fallback as the invoice's JSON).
    static func documentPayments(_ invoice: Invoice, summary: PaymentSummary?, today: CivilDate) -> DocumentPayments {
        let standing = PaymentStanding(invoice, summary: summary, today: today)
        // The two vocabularies spell statuses and methods alike; a value
        // the renderer lacks would be a programming error caught by
        // DocumentStandingTests, shown here as the nearest honest reading.
        let status = DocumentPayments.Status(rawValue: standing.status) ?? (standing.outstandingMinor > 0 ? .open : .paid)
        let byMethod = (summary?.paidByMethod ?? []).compactMap { total in
            DocumentPayments.Method(rawValue: total.method.rawValue).map { DocumentPayments.MethodTotal(method: $0, amountMinor: total.amountMinor) }
        }
        let credits = (summary?.payments ?? []).filter { $0.method == .credit }.map {
            DocumentPayments.CreditApplied(date: $0.date, amountMinor: $0.amountMinor, reference: $0.reference)
        }
        return DocumentPayments(asOf: today, status: status, paidMinor: standing.paidMinor, outstandingMinor: standing.outstandingMinor,
                                paidByMethod: byMethod, creditsApplied: credits)
    }
}
