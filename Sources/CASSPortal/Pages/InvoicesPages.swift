import CASSDomain

extension PortalPages {
    /// `/invoices`: totals across the scope per currency, filters, and the
    /// invoices: number (text, linked), operation, period, agent, total,
    /// paid, outstanding, status, the four document downloads and a pay
    /// link while something is outstanding.
    public static func invoices(_ ctx: PortalContext, invoices: PortalList<PortalInvoiceSummary>, totals: [PortalCurrencyTotals],
                                filters: PortalFilters = PortalFilters()) -> [UInt8] {
        var p = PageBuilder(ctx, capacity: 32 * 1024 + invoices.items.count * 1400)
        let abilities = ctx.abilities
        p.begin(title: p.t("invoices.title"), section: .invoices, path: .invoices, live: true)
        p.w.raw("<div id=\"invoices-live\" data-live=\"invoice. payment. period.\">")
        totalsCards(&p, totals)
        p.sectionStart("invoices-list", p.t("invoices.list"))
        p.filterStart(.invoices)
        p.countryFilter(selected: filters.validCountry)
        p.filterText("period", label: p.t("field.period"), value: filters.validPeriod, pattern: "[0-9]{8}")
        p.filterSelect("status", label: p.t("field.status"), options: invoiceStatuses.map { ($0, p.t.label("status.invoice", $0)) },
                       selected: filters.validStatus(invoiceStatuses))
        p.filterEnd()
        let showAgent = ctx.viewer?.kind != .agent
        var headers = [p.t("field.invoice"), p.t("field.country"), p.t("field.period")]
        if showAgent { headers.append(p.t("field.agent")) }
        headers += [p.t("field.total"), p.t("field.paid"), p.t("field.outstanding"), p.t("field.status")]
        let firstAmount = showAgent ? 4 : 3
        if abilities.downloadsDocuments { headers.append(p.t("field.documents")) }
        if abilities.recordsPayments { headers.append(p.t("field.actions")) }
        p.tableStart(caption: p.t("invoices.list"), headers: headers, numeric: [firstAmount, firstAmount + 1, firstAmount + 2], captionHidden: true)
        let documentLabels = documentLabels(p)
        let payLabel = p.t("invoices.pay")
        if invoices.items.isEmpty { p.emptyRow(columns: headers.count, p.t("invoices.none")) }
        for invoice in invoices.items {
            let href = PortalHref.invoice(invoice.number)
            p.w.raw("<tr><td>")
            if let href {
                p.w.raw("<a href=\"")
                p.w.attribute(href.value)
                p.w.raw("\" class=\"invoice-number\">")
                p.w.text(invoice.number)
                p.w.raw("</a>")
            } else {
                p.code(invoice.number)
            }
            p.w.raw("</td>")
            p.tdCode(invoice.country)
            p.tdCode(invoice.period)
            if showAgent { p.tdCode(invoice.agent) }
            p.tdAmount(invoice.totalMinor, invoice.currency)
            p.tdAmount(invoice.paidMinor, invoice.currency)
            p.tdAmount(invoice.outstandingMinor, invoice.currency)
            p.w.raw("<td>")
            p.badge("status.invoice", invoice.status)
            p.w.raw("</td>")
            if abilities.downloadsDocuments {
                p.w.raw("<td class=\"downloads\">")
                documentLinks(&p, invoice.number, labels: documentLabels)
                p.w.raw("</td>")
            }
            if abilities.recordsPayments {
                p.w.raw("<td>")
                if invoice.outstandingMinor > 0, let href {
                    p.w.raw("<a href=\"")
                    p.w.attribute(href.fragment("pay").value)
                    p.w.raw("\">")
                    p.w.text(payLabel)
                    p.w.raw("<span class=\"vh\"> ")
                    p.w.text(invoice.number)
                    p.w.raw("</span></a>")
                }
                p.w.raw("</td>")
            }
            p.w.raw("</tr>")
        }
        p.tableEnd()
        p.nextPageLink(.invoices, invoices.next, extra: filters.query(status: invoiceStatuses))
        p.sectionEnd()
        p.w.raw("</div>")
        return p.end()
    }

    static func documentLabels(_ p: PageBuilder) -> [String] {
        PortalDocumentFormat.allCases.map { p.t("document." + $0.rawValue) }
    }

    static func documentLinks(_ p: inout PageBuilder, _ number: String, labels: [String]) {
        // The number is checked once (two capitals, ten digits: nothing to
        // escape) and the four links written from literals: this runs for
        // every row of a 1,000-invoice list.
        guard PortalID.isInvoiceNumber(number) else { return }
        let suffixes: [StaticString] = ["/documents/pdf\" download>", "/documents/xlsx\" download>", "/documents/hot\" download>", "/documents/xml\" download>"]
        for index in 0..<4 {
            p.w.raw("<a href=\"/api/v1/invoices/")
            p.w.rawTrusted(number)
            p.w.raw(suffixes[index])
            p.w.text(labels[index])
            p.w.raw("<span class=\"vh\"> ")
            p.w.rawTrusted(number)
            p.w.raw("</span></a> ")
        }
    }

    /// Totals per currency across the whole scope.
    static func totalsCards(_ p: inout PageBuilder, _ totals: [PortalCurrencyTotals]) {
        guard !totals.isEmpty else { return }
        p.sectionStart("invoices-totals", p.t("invoices.totals"))
        p.w.raw("<div class=\"cards\">")
        for total in totals {
            p.w.raw("<dl class=\"card\"><dt>")
            p.w.text(p.t("field.currency"))
            p.w.raw("</dt><dd>")
            p.code(PortalFormat.safeCurrency(total.currency))
            p.w.raw("</dd>")
            p.term(p.t("invoices.count")); p.w.wrap("<dd>", p.f.number(total.count), "</dd>")
            p.term(p.t("field.total")); p.w.wrap("<dd>", p.f.amount(total.totalMinor, currency: total.currency), "</dd>")
            p.term(p.t("field.paid")); p.w.wrap("<dd>", p.f.amount(total.paidMinor, currency: total.currency), "</dd>")
            p.term(p.t("field.outstanding")); p.w.wrap("<dd class=\"strong\">", p.f.amount(total.outstandingMinor, currency: total.currency), "</dd>")
            p.w.raw("</dl>")
        }
        p.w.raw("</div>")
        p.sectionEnd()
    }

    /// `/invoices/{number}`: the invoice's figures and downloads, its
    /// sections and lines (each line's AWB links to the dispute form with
    /// that AWB chosen), its payments and the pay form, its disputes and
    /// the dispute form. `selectedAWB` is the `?awb=` of the page's URL.
    public static func invoice(_ ctx: PortalContext, invoice: PortalInvoice, selectedAWB: String? = nil) -> [UInt8] {
        let lineCount = invoice.sections.reduce(0) { $0 + $1.lines.count }
        var p = PageBuilder(ctx, capacity: 32 * 1024 + lineCount * 300)
        let abilities = ctx.abilities
        let summary = invoice.summary
        let currency = summary.currency
        let path = PortalHref.invoice(summary.number) ?? .invoices
        p.begin(title: p.t("invoice.title", ["number": summary.number]), section: .invoices, path: path, live: true)
        p.w.raw("<div id=\"invoice-live\" data-live=\"payment. dispute. invoice.\">")
        p.w.raw("<dl class=\"facts\">")
        p.term(p.t("field.invoice")); p.w.raw("<dd>"); p.code(summary.number); p.w.raw("</dd>")
        p.term(p.t("field.agent")); p.w.raw("<dd>"); p.code(summary.agent)
        if let name = invoice.agentName, !name.isEmpty { p.w.raw(" "); p.isolated(name) }
        p.w.raw("</dd>")
        p.term(p.t("field.country")); p.w.raw("<dd>"); p.code(summary.country); p.w.raw("</dd>")
        p.term(p.t("field.period")); p.w.raw("<dd>"); p.code(summary.period); p.w.raw("</dd>")
        p.term(p.t("field.invoiceDate")); p.w.raw("<dd>"); p.date(invoice.invoiceDate); p.w.raw("</dd>")
        p.term(p.t("field.remittanceDate")); p.w.raw("<dd>"); p.date(invoice.remittanceDate); p.w.raw("</dd>")
        p.term(p.t("field.total")); p.w.wrap("<dd>", p.f.amount(summary.totalMinor, currency: currency), "</dd>")
        p.term(p.t("field.paid")); p.w.wrap("<dd>", p.f.amount(summary.paidMinor, currency: currency), "</dd>")
        p.term(p.t("field.outstanding")); p.w.wrap("<dd class=\"strong\">", p.f.amount(summary.outstandingMinor, currency: currency), "</dd>")
        p.term(p.t("field.status")); p.w.raw("<dd>"); p.badge("status.invoice", summary.status); p.w.raw("</dd>")
        p.w.raw("</dl>")
        if abilities.downloadsDocuments {
            p.w.raw("<p class=\"downloads\"><span>")
            p.w.text(p.t("field.documents"))
            p.w.raw(":</span> ")
            documentLinks(&p, summary.number, labels: documentLabels(p))
            p.w.raw("</p>")
        }

        let canDispute = abilities.raisesDisputes && (invoice.disputeDeadline.map { ctx.today <= $0 } ?? true)
        p.sectionStart("lines", p.t("invoice.lines"))
        for section in invoice.sections {
            var caption = p.t("invoice.section", ["airline": section.airline])
            if let name = section.airlineName, !name.isEmpty { caption += " · " + PageBuilder.clip(name, 120) }
            var headers = [p.t("field.awb"), p.t("field.transaction"), p.t("field.issueDate"), p.t("field.route"), p.t("field.amount")]
            if canDispute { headers.append(p.t("field.actions")) }
            p.tableStart(caption: caption, headers: headers, numeric: [4])
            for line in section.lines {
                p.w.raw("<tr>")
                p.tdCode(line.awb)
                p.tdCode(line.transaction ?? "")
                p.w.raw("<td>")
                if let date = line.issueDate { p.date(date) }
                p.w.raw("</td>")
                p.tdCode([line.origin, line.destination].compactMap { $0 }.joined(separator: "–"))
                p.tdAmount(line.amountMinor, currency)
                if canDispute {
                    p.w.raw("<td>")
                    if PortalID.isAWB(line.awb) {
                        p.w.raw("<a href=\"")
                        p.w.attribute(path.query([("awb", line.awb)]).fragment("dispute").value)
                        p.w.raw("\">")
                        p.w.text(p.t("invoice.disputeLine"))
                        p.w.raw("<span class=\"vh\"> ")
                        p.w.text(line.awb)
                        p.w.raw("</span></a>")
                    }
                    p.w.raw("</td>")
                }
                p.w.raw("</tr>")
            }
            if let total = section.totalMinor {
                p.w.raw("</tbody><tfoot><tr><th scope=\"row\" colspan=\"4\">")
                p.w.text(p.t("field.total"))
                p.w.raw("</th>")
                p.tdAmount(total, currency)
                if canDispute { p.w.raw("<td></td>") }
                p.w.raw("</tr></tfoot><tbody>")
            }
            p.tableEnd()
        }
        if invoice.sections.isEmpty { p.w.wrap("<p class=\"empty\">", p.t("invoice.noLines"), "</p>") }
        p.sectionEnd()

        p.sectionStart("payments", p.t("invoice.payments"))
        paymentsTable(&p, invoice.payments, showInvoice: false)
        p.sectionEnd()
        p.sectionStart("disputes", p.t("invoice.disputes"))
        disputesTable(&p, invoice.disputes, showInvoice: false)
        p.sectionEnd()
        p.w.raw("</div>")

        if abilities.recordsPayments && summary.outstandingMinor > 0 {
            p.w.raw("<section aria-labelledby=\"pay-heading\" id=\"pay\" tabindex=\"-1\"><h2 id=\"pay-heading\">")
            p.w.text(p.t("invoice.pay"))
            p.w.raw("</h2>")
            paymentForm(&p, invoice: summary.number, currency: currency, outstandingMinor: summary.outstandingMinor)
            p.w.raw("</section>")
        }
        if canDispute {
            var awbs: [(String, Int64)] = []
            var seen: [String: Int] = [:]
            for section in invoice.sections {
                for line in section.lines where PortalID.isAWB(line.awb) {
                    if let at = seen[line.awb] {
                        awbs[at].1 = awbs[at].1 &+ line.amountMinor
                    } else {
                        seen[line.awb] = awbs.count
                        awbs.append((line.awb, line.amountMinor))
                    }
                }
            }
            p.w.raw("<section aria-labelledby=\"dispute-heading\" id=\"dispute\" tabindex=\"-1\"><h2 id=\"dispute-heading\">")
            p.w.text(p.t("invoice.dispute"))
            p.w.raw("</h2>")
            if let deadline = invoice.disputeDeadline {
                p.w.raw("<p class=\"hint\">")
                p.w.text(p.t("invoice.disputeUntil", ["date": p.f.date(deadline)]))
                p.w.raw("</p>")
            }
            p.postForm(.disputes, .dispute)
            p.w.hidden("invoice", summary.number)
            let selected = selectedAWB.flatMap { PortalID.isAWB($0) ? $0 : nil } ?? ""
            p.select(.dispute, "awb", label: p.t("field.awb"),
                     options: [("", p.t("form.choose"))] + awbs.map { ($0.0, $0.0 + " · " + p.f.amount($0.1, currency: currency)) },
                     selected: selected, required: true)
            p.field(.dispute, "amount", label: p.t("field.disputedAmount"),
                    options: .init(hint: p.t("dispute.amountHint") + " " + p.amountHint(currency), extra: " inputmode=\"decimal\" autocomplete=\"off\""))
            p.textArea(.dispute, "reason", label: p.t("field.reason"), value: "", required: true)
            p.submit(p.t("dispute.raise"))
            p.formEnd()
            p.w.raw("</section>")
        }
        return p.end()
    }

    /// The payment form (`POST /payments`).
    static func paymentForm(_ p: inout PageBuilder, invoice: String?, currency: String?, outstandingMinor: Int64?) {
        p.postForm(.payments, .payment)
        if let invoice {
            p.w.hidden("invoice", invoice)
        } else {
            p.field(.payment, "invoice", label: p.t("field.invoice"),
                    options: .init(required: true, autocomplete: "off", extra: " pattern=\"[A-Za-z]{2}[0-9]{10}\" spellcheck=\"false\""))
        }
        let prefill = outstandingMinor.flatMap { amount in currency.flatMap { ISO4217.minorDigits(of: $0) }.map { Money.decimalString(amount, digits: $0) } } ?? ""
        p.field(.payment, "amount", label: p.t("field.amount"), value: prefill,
                options: .init(required: true, hint: p.amountHint(currency), extra: " inputmode=\"decimal\" autocomplete=\"off\""))
        p.select(.payment, "method", label: p.t("field.method"), options: paymentMethods.map { ($0, p.t.label("method", $0)) }, selected: "bank-transfer")
        p.field(.payment, "date", label: p.t("field.paymentDate"), value: p.ctx.today.description,
                options: .init(type: "date", required: true, extra: ""))
        p.field(.payment, "reference", label: p.t("field.reference"), options: .init(autocomplete: "off", extra: " maxlength=\"200\""))
        p.submit(p.t("payment.submit"))
        p.formEnd()
    }

    static func paymentsTable(_ p: inout PageBuilder, _ payments: [PortalPayment], showInvoice: Bool) {
        var headers = [p.t("field.date"), p.t("field.method"), p.t("field.amount"), p.t("field.reference")]
        if showInvoice { headers.insert(p.t("field.invoice"), at: 0) }
        p.tableStart(caption: p.t("invoice.payments"), headers: headers, numeric: [showInvoice ? 3 : 2], captionHidden: true)
        if payments.isEmpty { p.emptyRow(columns: headers.count, p.t("payments.none")) }
        for payment in payments {
            p.w.raw("<tr>")
            if showInvoice {
                p.w.raw("<td>")
                if let href = PortalHref.invoice(payment.invoice) { p.w.link(href, payment.invoice) } else { p.code(payment.invoice) }
                p.w.raw("</td>")
            }
            p.w.raw("<td>")
            p.date(payment.date)
            p.w.raw("</td>")
            p.td(p.t.label("method", payment.method))
            p.tdAmount(payment.amountMinor, payment.currency)
            p.tdIsolated(payment.reference, limit: 200)
            p.w.raw("</tr>")
        }
        p.tableEnd()
    }
}
