import CASSDomain

extension PortalPages {
    /// `/disputes`: the raise form (agents), filters, and the disputes
    /// both parties see, each linked to its history and answers.
    public static func disputes(_ ctx: PortalContext, disputes: PortalList<PortalDispute>, filters: PortalFilters = PortalFilters()) -> [UInt8] {
        var p = PageBuilder(ctx, capacity: 32 * 1024 + disputes.items.count * 900)
        let abilities = ctx.abilities
        p.begin(title: p.t("disputes.title"), section: .disputes, path: .disputes, live: true)
        if abilities.raisesDisputes {
            p.w.raw("<details class=\"disclosure\"")
            if ctx.form?.form == .dispute { p.w.raw(" open") }
            p.w.raw("><summary>")
            p.w.text(p.t("dispute.raise"))
            p.w.raw("</summary>")
            p.postForm(.disputes, .dispute)
            p.field(.dispute, "invoice", label: p.t("field.invoice"),
                    options: .init(required: true, autocomplete: "off", extra: " pattern=\"[A-Za-z]{2}[0-9]{10}\" spellcheck=\"false\""))
            p.field(.dispute, "awb", label: p.t("field.awb"),
                    options: .init(required: true, hint: p.t("dispute.awbHint"), extra: " pattern=\"[0-9]{3}-[0-9]{8}\" autocomplete=\"off\" spellcheck=\"false\""))
            p.field(.dispute, "amount", label: p.t("field.disputedAmount"),
                    options: .init(hint: p.t("dispute.amountHint") + " " + p.amountHint(nil), extra: " inputmode=\"decimal\" autocomplete=\"off\""))
            p.textArea(.dispute, "reason", label: p.t("field.reason"), value: "", required: true)
            p.submit(p.t("dispute.raise"))
            p.formEnd()
            p.w.raw("</details>")
        }
        p.sectionStart("disputes-list", p.t("disputes.list"))
        p.filterStart(.disputes)
        p.filterSelect("status", label: p.t("field.status"), options: disputeStatuses.map { ($0, p.t.label("status.dispute", $0)) },
                       selected: filters.validStatus(disputeStatuses))
        p.filterEnd()
        p.w.raw("<div id=\"disputes-live\" data-live=\"dispute.\">")
        disputesTable(&p, disputes.items, showInvoice: true)
        p.nextPageLink(.disputes, disputes.next, extra: filters.query(status: disputeStatuses))
        p.w.raw("</div>")
        p.sectionEnd()
        return p.end()
    }

    static func disputesTable(_ p: inout PageBuilder, _ disputes: [PortalDispute], showInvoice: Bool) {
        var headers = [p.t("field.dispute")]
        if showInvoice { headers.append(p.t("field.invoice")) }
        headers += [p.t("field.awb"), p.t("field.agent"), p.t("field.airline"), p.t("field.disputedAmount"), p.t("field.acceptedAmount"), p.t("field.status")]
        let amountColumn = showInvoice ? 5 : 4
        p.tableStart(caption: p.t("disputes.list"), headers: headers, numeric: [amountColumn, amountColumn + 1], captionHidden: true)
        if disputes.isEmpty { p.emptyRow(columns: headers.count, p.t("disputes.none")) }
        for dispute in disputes {
            p.w.raw("<tr><td>")
            if let href = PortalHref.dispute(dispute.id) {
                p.w.raw("<a href=\"")
                p.w.attribute(href.value)
                p.w.raw("\"><bdi dir=\"ltr\">")
                p.w.text(dispute.id)
                p.w.raw("</bdi></a>")
            } else {
                p.code(dispute.id)
            }
            p.w.raw("</td>")
            if showInvoice {
                p.w.raw("<td>")
                if let href = PortalHref.invoice(dispute.invoice) { p.w.link(href, dispute.invoice) } else { p.code(dispute.invoice) }
                p.w.raw("</td>")
            }
            p.tdCode(dispute.awb)
            p.tdCode(dispute.agent)
            p.tdCode(dispute.airline)
            p.tdAmount(dispute.amountMinor, dispute.currency)
            if let accepted = dispute.acceptedMinor { p.tdAmount(accepted, dispute.currency) } else { p.w.raw("<td class=\"num\">–</td>") }
            p.w.raw("<td>")
            p.badge("status.dispute", dispute.status)
            p.w.raw("</td></tr>")
        }
        p.tableEnd()
    }

    /// `/disputes/{id}`: the dispute, its history (every step: who, when,
    /// what, amount), and the answers this user may give: accept (with an
    /// optional amount) or reject (with a reason) for the airline, or the
    /// `cass` admin once escalated; withdraw for the agent while open.
    public static func dispute(_ ctx: PortalContext, dispute: PortalDispute) -> [UInt8] {
        var p = PageBuilder(ctx, capacity: 16 * 1024 + dispute.history.count * 400)
        let abilities = ctx.abilities
        let path = PortalHref.dispute(dispute.id) ?? .disputes
        p.begin(title: p.t("dispute.title", ["id": dispute.id]), section: .disputes, path: path, live: true)
        p.w.raw("<div id=\"dispute-live\" data-live=\"dispute.\">")
        p.w.raw("<dl class=\"facts\">")
        p.term(p.t("field.status")); p.w.raw("<dd>"); p.badge("status.dispute", dispute.status); p.w.raw("</dd>")
        p.term(p.t("field.invoice")); p.w.raw("<dd>")
        if let href = PortalHref.invoice(dispute.invoice) { p.w.link(href, dispute.invoice) } else { p.code(dispute.invoice) }
        p.w.raw("</dd>")
        p.term(p.t("field.awb")); p.w.raw("<dd>"); p.code(dispute.awb); p.w.raw("</dd>")
        p.term(p.t("field.agent")); p.w.raw("<dd>"); p.code(dispute.agent); p.w.raw("</dd>")
        p.term(p.t("field.airline")); p.w.raw("<dd>"); p.code(dispute.airline); p.w.raw("</dd>")
        p.term(p.t("field.disputedAmount")); p.w.wrap("<dd>", p.f.amount(dispute.amountMinor, currency: dispute.currency), "</dd>")
        if let accepted = dispute.acceptedMinor {
            p.term(p.t("field.acceptedAmount")); p.w.wrap("<dd>", p.f.amount(accepted, currency: dispute.currency), "</dd>")
        }
        p.term(p.t("field.reason")); p.w.raw("<dd class=\"prose\">"); p.isolated(dispute.reason, limit: 4000); p.w.raw("</dd>")
        p.w.raw("</dl>")

        p.sectionStart("history", p.t("dispute.history"))
        let headers = [p.t("field.when"), p.t("field.by"), p.t("field.action"), p.t("field.amount"), p.t("field.reason")]
        p.tableStart(caption: p.t("dispute.history"), headers: headers, numeric: [3], captionHidden: true)
        if dispute.history.isEmpty { p.emptyRow(columns: headers.count, p.t("dispute.noHistory")) }
        for step in dispute.history {
            p.w.raw("<tr><td>")
            p.dateTime(step.at)
            p.w.raw("</td>")
            p.tdIsolated(step.by, limit: 64)
            p.td(p.t.label("action", step.action))
            if let amount = step.amountMinor { p.tdAmount(amount, dispute.currency) } else { p.w.raw("<td class=\"num\">–</td>") }
            p.tdIsolated(step.reason ?? "", limit: 4000)
            p.w.raw("</tr>")
        }
        p.tableEnd()
        p.sectionEnd()
        p.w.raw("</div>")

        if abilities.answersDispute(status: dispute.status) {
            p.sectionStart("answer", p.t("dispute.answer"))
            p.w.raw("<div class=\"two-forms\">")
            if let action = PortalHref.disputeAction(dispute.id, .accept) {
                p.postForm(action, .disputeAccept)
                p.field(.disputeAccept, "amount", label: p.t("field.acceptedAmount"),
                        options: .init(hint: p.t("dispute.acceptHint", ["amount": p.f.amount(dispute.amountMinor, currency: dispute.currency)]) + " " + p.amountHint(dispute.currency),
                                       extra: " inputmode=\"decimal\" autocomplete=\"off\""))
                p.submit(p.t("dispute.accept"))
                p.formEnd()
            }
            if let action = PortalHref.disputeAction(dispute.id, .reject) {
                p.postForm(action, .disputeReject)
                p.textArea(.disputeReject, "reason", label: p.t("field.rejectReason"), value: "", required: true)
                p.submit(p.t("dispute.reject"), primary: false)
                p.formEnd()
            }
            p.w.raw("</div>")
            p.sectionEnd()
        }
        if abilities.withdrawsDispute(status: dispute.status), let action = PortalHref.disputeAction(dispute.id, .withdraw) {
            p.w.raw("<div class=\"actions\">")
            p.buttonForm(action, p.t("dispute.withdraw"), object: dispute.id, danger: true)
            p.w.raw("</div>")
        }
        return p.end()
    }
}
