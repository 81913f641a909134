import CASSDomain

extension PortalPages {
    /// `/payments`: wallet balances and the top-up form, the direct debit
    /// setting, invoices still to pay, the form to record a payment, and
    /// the payments made.
    public static func payments(_ ctx: PortalContext, payments: PortalList<PortalPayment>, wallet: [PortalWalletBalance],
                                directDebit: Bool?, outstanding: [PortalInvoiceSummary]) -> [UInt8] {
        var p = PageBuilder(ctx, capacity: 32 * 1024 + (payments.items.count + outstanding.count) * 700)
        let abilities = ctx.abilities
        p.begin(title: p.t("payments.title"), section: .payments, path: .payments, live: true)
        p.w.raw("<div id=\"payments-live\" data-live=\"payment. invoice.\">")

        p.sectionStart("wallet", p.t("payments.wallet"))
        let walletHeaders = [p.t("field.country"), p.t("field.currency"), p.t("field.balance"), p.t("field.credit")]
        p.tableStart(caption: p.t("payments.wallet"), headers: walletHeaders, numeric: [2, 3], captionHidden: true)
        if wallet.isEmpty { p.emptyRow(columns: walletHeaders.count, p.t("payments.noWallet")) }
        for balance in wallet {
            p.w.raw("<tr>")
            p.tdCode(balance.country)
            p.tdCode(PortalFormat.safeCurrency(balance.currency))
            p.tdAmount(balance.balanceMinor, balance.currency)
            if let credit = balance.creditMinor { p.tdAmount(credit, balance.currency) } else { p.w.raw("<td class=\"num\">–</td>") }
            p.w.raw("</tr>")
        }
        p.tableEnd()
        p.sectionEnd()

        p.sectionStart("to-pay", p.t("payments.toPay"))
        let headers = [p.t("field.invoice"), p.t("field.country"), p.t("field.period"), p.t("field.outstanding"), p.t("field.status")]
        p.tableStart(caption: p.t("payments.toPay"), headers: headers, numeric: [3], captionHidden: true)
        if outstanding.isEmpty { p.emptyRow(columns: headers.count, p.t("payments.nothingToPay")) }
        for invoice in outstanding {
            p.w.raw("<tr><td>")
            if let href = PortalHref.invoice(invoice.number) {
                p.w.link(abilities.recordsPayments ? href.fragment("pay") : href, invoice.number)
            } else {
                p.code(invoice.number)
            }
            p.w.raw("</td>")
            p.tdCode(invoice.country)
            p.tdCode(invoice.period)
            p.tdAmount(invoice.outstandingMinor, invoice.currency)
            p.w.raw("<td>")
            p.badge("status.invoice", invoice.status)
            p.w.raw("</td></tr>")
        }
        p.tableEnd()
        p.sectionEnd()

        p.sectionStart("payments-list", p.t("payments.list"))
        paymentsTable(&p, payments.items, showInvoice: true)
        p.nextPageLink(.payments, payments.next)
        p.sectionEnd()
        p.w.raw("</div>")

        if abilities.recordsPayments {
            p.sectionStart("record-payment", p.t("payments.record"))
            paymentForm(&p, invoice: nil, currency: nil, outstandingMinor: nil)
            p.sectionEnd()
        }
        if abilities.topsUpWallet {
            p.sectionStart("topup", p.t("payments.topup"))
            p.postForm(.walletTopups, .walletTopup)
            let operations = ctx.scope.operations
            if operations.isEmpty {
                p.field(.walletTopup, "country", label: p.t("field.country"), value: wallet.first?.country ?? "",
                        options: .init(required: true, extra: " pattern=\"[A-Z]{2}\" autocomplete=\"off\""))
            } else {
                p.select(.walletTopup, "country", label: p.t("field.country"),
                         options: operations.map { ($0.country, $0.country + " · " + $0.currency) }, selected: ctx.scope.country ?? operations[0].country, required: true)
            }
            p.field(.walletTopup, "amount", label: p.t("field.amount"),
                    options: .init(required: true, hint: p.amountHint(operations.count == 1 ? operations[0].currency : nil), extra: " inputmode=\"decimal\" autocomplete=\"off\""))
            p.field(.walletTopup, "reference", label: p.t("field.reference"), options: .init(autocomplete: "off", extra: " maxlength=\"200\""))
            p.submit(p.t("payments.topupSubmit"))
            p.formEnd()
            p.sectionEnd()
        }
        if let directDebit {
            p.sectionStart("direct-debit", p.t("payments.directDebit"))
            p.w.raw("<p>")
            p.w.text(p.t(directDebit ? "payments.directDebitOn" : "payments.directDebitOff"))
            p.w.raw("</p>")
            if abilities.editsSettings {
                p.postForm(.directDebit, .directDebit)
                p.choices(.directDebit, "directDebit", legend: p.t("payments.directDebit"),
                          options: [("true", p.t("payments.directDebitChoiceOn")), ("false", p.t("payments.directDebitChoiceOff"))],
                          checked: [directDebit ? "true" : "false"], radio: true)
                p.submit(p.t("form.save"))
                p.formEnd()
            }
            p.sectionEnd()
        }
        return p.end()
    }

    /// `/risk`: per agent, grade, exposure, guarantee, ratio and delay; a
    /// count per grade across the scope.
    public static func risk(_ ctx: PortalContext, items: PortalList<PortalRiskItem>, filters: PortalFilters = PortalFilters()) -> [UInt8] {
        var p = PageBuilder(ctx, capacity: 16 * 1024 + items.items.count * 700)
        p.begin(title: p.t("risk.title"), section: .risk, path: .risk, live: true)
        p.w.raw("<p class=\"lead\">")
        p.w.text(p.t("risk.intro"))
        p.w.raw("</p>")
        p.filterStart(.risk)
        p.countryFilter(selected: filters.validCountry)
        p.filterSelect("grade", label: p.t("field.grade"), options: ["A", "B", "C", "D"].map { ($0, p.t("grade." + $0)) },
                       selected: filters.grade.flatMap { ["A", "B", "C", "D"].contains($0) ? $0 : nil })
        p.filterEnd()
        p.w.raw("<div id=\"risk-live\" data-live=\"risk. payment. invoice.\">")
        var grades: [String: Int] = [:]
        for item in items.items { grades[item.grade, default: 0] += 1 }
        p.w.raw("<ul class=\"grade-summary\">")
        for grade in ["A", "B", "C", "D"] {
            p.w.raw("<li><span class=\"badge badge-grade-")
            p.w.rawTrusted(grade.lowercased())
            p.w.raw("\">")
            p.w.text(p.t("grade." + grade))
            p.w.raw("</span> ")
            p.w.text(p.f.number(grades[grade] ?? 0))
            p.w.raw("</li>")
        }
        p.w.raw("</ul>")
        let headers = [p.t("field.agent"), p.t("field.country"), p.t("field.grade"), p.t("field.exposure"), p.t("field.guarantee"),
                       p.t("field.ratio"), p.t("field.delayDays")]
        p.tableStart(caption: p.t("risk.title"), headers: headers, numeric: [3, 4, 5, 6], captionHidden: true)
        if items.items.isEmpty { p.emptyRow(columns: headers.count, p.t("risk.none")) }
        for item in items.items {
            p.w.raw("<tr><td>")
            p.code(item.agent)
            if let name = item.agentName, !name.isEmpty { p.w.raw(" "); p.isolated(name, limit: 120) }
            p.w.raw("</td>")
            p.tdCode(item.country)
            p.w.raw("<td>")
            if ["A", "B", "C", "D"].contains(item.grade) {
                p.w.raw("<span class=\"badge badge-grade-")
                p.w.rawTrusted(item.grade.lowercased())
                p.w.raw("\">")
                p.w.text(p.t("grade." + item.grade))
                p.w.raw("</span>")
            } else {
                p.code(item.grade)
            }
            p.w.raw("</td>")
            p.tdAmount(item.exposureMinor, item.currency)
            p.tdAmount(item.guaranteeMinor, item.currency)
            p.w.wrap("<td class=\"num\">", item.ratioTenthsPercent.map { p.f.percent(tenths: $0) } ?? p.t("risk.infinite"), "</td>")
            p.tdNumber(item.delayDays)
            p.w.raw("</tr>")
        }
        p.tableEnd()
        p.nextPageLink(.risk, items.next, extra: filters.query(grades: true))
        p.w.raw("</div>")
        return p.end()
    }

    /// `/periods` (the operator): each operation's periods with status and
    /// counts, and a close button per open period.
    public static func periods(_ ctx: PortalContext, operations: [PortalOperationPeriods]) -> [UInt8] {
        var p = PageBuilder(ctx, capacity: 16 * 1024 + operations.count * 2000)
        p.begin(title: p.t("periods.title"), section: .periods, path: .periods, live: true)
        p.w.raw("<div id=\"periods-live\" data-live=\"period. file. invoice.\">")
        if operations.isEmpty { p.w.wrap("<p class=\"empty\">", p.t("periods.none"), "</p>") }
        let closes = ctx.abilities.closesPeriods
        for entry in operations {
            let op = entry.operation
            var caption = op.country + " · " + PortalFormat.safeCurrency(op.currency)
            if !op.name.isEmpty { caption += " · " + PageBuilder.clip(op.name, 120) }
            var headers = [p.t("field.period"), p.t("field.status"), p.t("field.files"), p.t("field.records"), p.t("field.invoices")]
            if closes { headers.append(p.t("field.actions")) }
            p.tableStart(caption: caption, headers: headers, numeric: [2, 3, 4])
            if entry.periods.isEmpty { p.emptyRow(columns: headers.count, p.t("periods.none")) }
            for period in entry.periods {
                p.w.raw("<tr>")
                p.tdCode(period.period)
                p.w.raw("<td>")
                p.badge("status.period", period.status)
                p.w.raw("</td>")
                p.tdNumber(period.files)
                p.tdNumber(period.records)
                p.tdNumber(period.invoices)
                if closes {
                    p.w.raw("<td>")
                    if period.status == "open", let action = PortalHref.periodClose(country: op.country, period: period.period) {
                        p.buttonForm(action, p.t("periods.close"), object: op.country + " " + period.period)
                    }
                    p.w.raw("</td>")
                }
                p.w.raw("</tr>")
            }
            p.tableEnd()
        }
        p.w.raw("</div>")
        return p.end()
    }
}
