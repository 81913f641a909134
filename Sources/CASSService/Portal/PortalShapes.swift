import CASSAccounts
import CASSDomain
import CASSPortal
import Foundation

/// The API's answers as the portal's view models: the pages show exactly
/// what the routes answer, with the few things a page adds (a currency
/// next to an amount, a dispute's last day).
enum PortalShapes {
    static func instant(_ date: CivilDate) -> PortalInstant {
        PortalInstant(secondsSince1970: Int64(date.dayNumber) * 86_400)
    }

    static func summary(_ row: InvoiceSummaryShape) -> PortalInvoiceSummary {
        PortalInvoiceSummary(number: row.number, country: row.country, period: row.period, agent: row.agent, currency: row.currency,
                             totalMinor: row.totalMinor, status: row.status, paidMinor: row.paidMinor, outstandingMinor: row.outstandingMinor)
    }

    /// Totals per currency across every row of the scope (not the page).
    static func totals(_ rows: [InvoiceSummaryShape]) -> [PortalCurrencyTotals] {
        var byCurrency: [String: PortalCurrencyTotals] = [:]
        for row in rows {
            var totals = byCurrency[row.currency] ?? PortalCurrencyTotals(currency: row.currency, count: 0, totalMinor: 0, paidMinor: 0, outstandingMinor: 0)
            totals.count += 1
            // Saturating: a page must not trap on figures the ledger accepted.
            totals.totalMinor = add(totals.totalMinor, row.totalMinor)
            totals.paidMinor = add(totals.paidMinor, row.paidMinor)
            totals.outstandingMinor = add(totals.outstandingMinor, row.outstandingMinor)
            byCurrency[row.currency] = totals
        }
        return byCurrency.values.sorted { $0.currency < $1.currency }
    }

    static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }

    static func invoice(_ shape: InvoiceShape, disputeDeadline: CivilDate?) -> PortalInvoice {
        let summary = PortalInvoiceSummary(number: shape.number, country: shape.country, period: shape.period, agent: shape.agent,
                                           currency: shape.currency, totalMinor: shape.totalMinor, status: shape.status,
                                           paidMinor: shape.paidMinor, outstandingMinor: shape.outstandingMinor)
        let sections = shape.sections.map { section in
            PortalInvoiceSection(airline: section.airline, airlineName: section.airlineName.isEmpty ? nil : section.airlineName,
                                 lines: section.lines.map { line in
                                     PortalInvoiceLine(awb: line.awb, amountMinor: line.amountMinor, transaction: line.transaction,
                                                       issueDate: CivilDate(iso: Substring(line.issueDate)), origin: line.origin,
                                                       destination: line.destination)
                                 }, totalMinor: section.totalMinor)
        }
        let payments = shape.payments.compactMap { payment -> PortalPayment? in
            guard let date = CivilDate(iso: Substring(payment.date)) else { return nil }
            return PortalPayment(invoice: shape.number, currency: shape.currency, amountMinor: payment.amountMinor, method: payment.method,
                                 date: date, reference: payment.reference)
        }
        return PortalInvoice(summary: summary, agentName: shape.agentName.isEmpty ? nil : shape.agentName,
                             invoiceDate: CivilDate(iso: Substring(shape.invoiceDate)) ?? CivilDate(dayNumber: 0),
                             remittanceDate: CivilDate(iso: Substring(shape.remittanceDate)) ?? CivilDate(dayNumber: 0),
                             sections: sections, payments: payments,
                             disputes: shape.disputes.map { dispute($0, currency: shape.currency) }, disputeDeadline: disputeDeadline)
    }

    static func dispute(_ dispute: Dispute, currency: String) -> PortalDispute {
        PortalDispute(id: dispute.id, invoice: dispute.invoice, awb: dispute.awb, agent: CASSDomain.AgentCodeText.format(dispute.agent),
                      airline: CASSAccounts.AirlinePrefixText.format(dispute.airline), currency: currency, amountMinor: dispute.amountMinor,
                      acceptedMinor: dispute.status == .accepted ? dispute.acceptedMinor : nil, status: dispute.status.rawValue,
                      reason: dispute.reason,
                      history: dispute.history.map { step in
                          PortalDisputeStep(at: instant(step.at), by: step.by, action: step.action.rawValue, amountMinor: step.amountMinor,
                                            reason: step.reason)
                      })
    }

    static func risk(_ row: RiskRow, currency: String, agentName: String?) -> PortalRiskItem {
        PortalRiskItem(country: row.country, agent: CASSDomain.AgentCodeText.format(row.agent), agentName: agentName, currency: currency,
                       exposureMinor: row.exposureMinor, guaranteeMinor: row.guaranteeMinor, ratioTenthsPercent: row.ratioTenthsPercent,
                       delayDays: row.delayDays, grade: row.grade.rawValue)
    }

    static func settings(_ settings: CompanySettings, company: String) -> PortalSettings {
        PortalSettings(company: company, language: settings.language, formats: settings.formats, distribution: settings.distribution,
                       webhooks: settings.webhooks.map { PortalWebhook(url: $0.url, secret: $0.secret) }, emails: settings.emails,
                       directDebit: settings.directDebit)
    }
}
