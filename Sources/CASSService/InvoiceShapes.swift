import CASSAccounts
import CASSDomain

/// An invoice in the API's shape (portal.md "Shapes every answer shares"):
/// camelCase, amounts in minor units with the `Minor` suffix, dates
/// `YYYY-MM-DD`, periods `YYYYMMNN` strings, agent codes 11-digit strings,
/// airline prefixes 3-digit strings.
struct InvoiceSummaryShape: Encodable {
    var number: String
    var country: String
    var period: String
    var agent: String
    var currency: String
    var totalMinor: Int64
    var status: String
    var paidMinor: Int64
    var outstandingMinor: Int64
}

struct InvoiceLineShape: Encodable {
    var awb: String
    var transaction: String
    var issueDate: String
    var origin: String
    var destination: String
    var chargeableWeightTenthsKg: Int64
    var weightChargeMinor: Int64
    var valuationChargeMinor: Int64
    var otherChargesDueCarrierMinor: Int64
    var commissionMinor: Int64
    var incentiveMinor: Int64
    var amountMinor: Int64
    var reasonCode: String
}

struct TaxShape: Encodable {
    var code: String
    var description: String
    var direction: String
    var rateHundredthsPercent: Int64
    var baseMinor: Int64
    var amountMinor: Int64
}

struct SectionShape: Encodable {
    var airline: String
    var airlineName: String
    var lines: [InvoiceLineShape]
    var taxes: [TaxShape]
    var netDueMinor: Int64
    var taxChargedMinor: Int64
    var taxCreditedMinor: Int64
    var totalMinor: Int64
}

/// A payment as `Payment` of docs/openapi.json: with its id, the one
/// `POST /invoices/{number}/payments` answered.
struct PaymentShape: Encodable {
    var id: String
    var amountMinor: Int64
    var method: String
    var date: String
    var reference: String
}

struct InvoiceShape: Encodable {
    var number: String
    var country: String
    var period: String
    var agent: String
    var agentName: String
    var currency: String
    var minorDigits: Int
    var invoiceDate: String
    var remittanceDate: String
    var lines: Int
    var netDueMinor: Int64
    var taxChargedMinor: Int64
    var taxCreditedMinor: Int64
    var totalMinor: Int64
    var status: String
    var paidMinor: Int64
    var outstandingMinor: Int64
    var sections: [SectionShape]
    var payments: [PaymentShape]
    var disputes: [Dispute]
}

/// Where an invoice stands with its payments, as of a day.
struct PaymentStanding {
    var status: String
    var paidMinor: Int64
    var outstandingMinor: Int64
    var payments: [PaymentShape]

    /// From the accounts view when it knows the invoice; before the
    /// invoice's issue record reaches it, what the rules say of an invoice
    /// nothing was paid on.
    init(_ invoice: Invoice, summary: PaymentSummary?, today: CivilDate) {
        if let summary {
            status = summary.status.rawValue
            paidMinor = summary.paidMinor
            outstandingMinor = summary.outstandingMinor
            payments = summary.payments.map { PaymentShape(id: $0.id, amountMinor: $0.amountMinor, method: $0.method.rawValue, date: $0.date.description, reference: $0.reference) }
            return
        }
        paidMinor = 0
        payments = []
        if invoice.total <= 0 {
            status = "credit"
            outstandingMinor = 0
        } else {
            outstandingMinor = invoice.total
            let late = today.dayNumber - invoice.remittanceDate.dayNumber
            status = late > 10 ? "default" : late > 0 ? "overdue" : "open"
        }
    }
}

enum InvoiceShapes {
    static func summary(_ invoice: Invoice, _ standing: PaymentStanding) -> InvoiceSummaryShape {
        InvoiceSummaryShape(number: invoice.number, country: invoice.country, period: invoice.period.text,
                            agent: invoice.agentCodeText, currency: invoice.currency, totalMinor: invoice.total, status: standing.status,
                            paidMinor: standing.paidMinor, outstandingMinor: standing.outstandingMinor)
    }

    static func full(_ invoice: Invoice, _ standing: PaymentStanding, disputes: [Dispute], reference: ReferenceData) -> InvoiceShape {
        full(invoice, standing, disputes: disputes, reference: reference, sections: sections(invoice, reference: reference))
    }

    /// The shape with the given sections (`[]` when the caller joins the
    /// sections' JSON itself, InvoiceJSONCache).
    static func full(_ invoice: Invoice, _ standing: PaymentStanding, disputes: [Dispute], reference: ReferenceData,
                     sections: [SectionShape]) -> InvoiceShape {
        InvoiceShape(
            number: invoice.number, country: invoice.country, period: invoice.period.text, agent: invoice.agentCodeText,
            agentName: reference.agent(invoice.agentCode, in: invoice.country)?.name ?? "", currency: invoice.currency,
            minorDigits: invoice.minorDigits, invoiceDate: invoice.invoiceDate.description, remittanceDate: invoice.remittanceDate.description,
            lines: invoice.lineCount, netDueMinor: invoice.netDue, taxChargedMinor: invoice.taxCharged, taxCreditedMinor: invoice.taxCredited,
            totalMinor: invoice.total, status: standing.status, paidMinor: standing.paidMinor, outstandingMinor: standing.outstandingMinor,
            sections: sections, payments: standing.payments, disputes: disputes)
    }

    static func sections(_ invoice: Invoice, reference: ReferenceData) -> [SectionShape] {
        invoice.sections.map { section in
            let prefix = String(repeating: "0", count: max(0, 3 - String(section.airlinePrefix).count)) + String(section.airlinePrefix)
            return SectionShape(
                airline: prefix, airlineName: reference.airline(section.airlinePrefix)?.name ?? "",
                lines: section.lines.map { line in
                    InvoiceLineShape(awb: line.awb, transaction: line.transaction.code, issueDate: line.issueDate.description,
                                     origin: line.origin, destination: line.destination, chargeableWeightTenthsKg: line.chargeableWeightTenthsKg,
                                     weightChargeMinor: line.weightCharge, valuationChargeMinor: line.valuationCharge,
                                     otherChargesDueCarrierMinor: line.otherChargesDueCarrier, commissionMinor: line.commission,
                                     incentiveMinor: line.incentive, amountMinor: line.amount, reasonCode: line.reasonCode)
                },
                taxes: section.taxes.map { tax in
                    TaxShape(code: tax.code, description: tax.description, direction: tax.direction.rawValue,
                             rateHundredthsPercent: tax.rateHundredthsPercent, baseMinor: tax.baseAmount, amountMinor: tax.amount)
                },
                netDueMinor: section.netDue, taxChargedMinor: section.taxCharged, taxCreditedMinor: section.taxCredited, totalMinor: section.total)
        }
    }
}
