import CASSAccess
import CASSAccounts
import CASSDomain
import CASSHTTP
import CASSPortal
import Foundation

/// `/invoices`, `/disputes`, `/payments`, `/risk`, `/settings` and
/// `/statistics` with their forms (docs/portal.md "Pages", "Forms"): each
/// page is built from the same `ServiceContext` functions the API answers
/// from (AccountsActions, Statistics), so it shows what the route shows and
/// refuses what it refuses; another company's object is the 404 page.
enum PortalBillingRoutes {
    static func register(_ router: inout Router, _ site: PortalSite) {
        registerInvoices(&router, site)
        registerDisputes(&router, site)
        registerPayments(&router, site)
        registerRiskSettingsStatistics(&router, site)
    }

    static func filters(_ call: PortalCall) -> PortalFilters {
        let query = call.request.query
        return PortalFilters(country: query["country"], period: query["period"], status: query["status"], grade: query["grade"])
    }

    /// A form value in major units as minor units of `currency`, or the
    /// field's error (the API's rule then judges the amount itself).
    static func amount(_ text: String?, currency: String, field: String = "amount", required: Bool = true) throws -> Int64? {
        let trimmed = (text ?? "").trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
            if required { throw APIError.invalid(field, "is required") }
            return nil
        }
        guard let minor = PortalForms.parseAmount(trimmed, currency: currency) else {
            throw APIError.invalid(field, "must be an amount in \(currency), such as 1234.50, without group separators")
        }
        return minor
    }

    static func required(_ text: String?, _ field: String) throws -> String {
        guard let text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw APIError.invalid(field, "is required") }
        return text
    }

    // MARK: - Invoices

    static func registerInvoices(_ router: inout Router, _ site: PortalSite) {
        site.page(&router, "/invoices") { call in
            call.html(try invoicesPage(call, call.context()))
        }

        site.page(&router, "/invoices/{number}") { call in
            call.html(try invoicePage(call, call.request.parameter("number") ?? "", call.context()))
        }
    }

    static func invoicesPage(_ call: PortalCall, _ ctx: PortalContext) throws -> [UInt8] {
        let filter = try Filters(call.request, service: call.service, caller: call.principal)
        let rows = try call.service.invoiceSummaries(by: call.caller, filter: filter, status: call.request.query["status"])
        let page = try Paging(call.request).page(rows) { $0.number }
        return PortalPages.invoices(ctx, invoices: PortalList(items: page.items.map(PortalShapes.summary), next: page.next),
                                    totals: PortalShapes.totals(rows), filters: filters(call))
    }

    static func invoicePage(_ call: PortalCall, _ number: String, _ ctx: PortalContext) throws -> [UInt8] {
        let invoice = try call.service.visibleInvoice(number, by: call.caller, for: .readInvoice)
        let deadline = call.service.accounts.view.read { $0.invoice(number)?.invoice.lastDisputeDay }
        let awb = call.request.query["awb"].flatMap { PortalID.isAWB($0) ? $0 : nil }
        return PortalPages.invoice(ctx, invoice: PortalShapes.invoice(call.service.invoiceInFull(invoice), disputeDeadline: deadline), selectedAWB: awb)
    }

    /// The currency of an invoice the caller may see (404 otherwise).
    static func invoiceCurrency(_ call: PortalCall, _ number: String) throws -> String {
        if let invoice = call.service.invoices.invoice(number) { return invoice.currency }
        guard let currency = call.service.accounts.view.read({ $0.invoice(number)?.invoice.currency }) else { throw APIError.notFound() }
        return currency
    }

    // MARK: - Disputes

    static let disputeFields = ["invoice", "awb", "amount", "reason"]

    static func registerDisputes(_ router: inout Router, _ site: PortalSite) {
        site.page(&router, "/disputes") { call in
            call.html(try disputesPage(call, call.context()))
        }

        site.form(&router, "/disputes") { call, fields in
            do {
                let number = try required(fields["invoice"], "invoice").trimmingCharacters(in: .whitespaces)
                let awbText = try required(fields["awb"], "awb").trimmingCharacters(in: .whitespaces)
                guard let awb = AWBText.parse(awbText) else { throw APIError.invalid("awb", "must be an air waybill PPP-SSSSSSSS") }
                let reason = try required(fields["reason"], "reason")
                guard reason.unicodeScalars.count <= AccountsLimits.reasonMaxCharacters else {
                    throw APIError.invalid("reason", "at most \(AccountsLimits.reasonMaxCharacters) characters")
                }
                let currency = try invoiceCurrency(call, number)
                let amount = try amount(fields["amount"], currency: currency, required: false)
                let dispute = try call.service.raiseDispute(invoice: number, awb: awb, amountMinor: amount, reason: reason, idempotencyID: nil,
                                                            by: call.caller, request: call.request)
                return call.redirect(to: PortalHref.dispute(dispute.id)?.value ?? "/disputes", .disputeRaised)
            } catch {
                // Back on the invoice's page (its dispute form) when the form came from one the caller sees.
                let number = (fields["invoice"] ?? "").trimmingCharacters(in: .whitespaces)
                return try call.refusal(error, form: .dispute, values: fields.echo(disputeFields), fieldNames: ["amountMinor": "amount"]) { ctx in
                    let fromInvoice = call.request.headers["Referer"].map { $0.contains("/invoices/") } ?? false
                    if fromInvoice, (try? call.service.visibleInvoice(number, by: call.caller, for: .readInvoice)) != nil {
                        return try invoicePage(call, number, ctx)
                    }
                    return try disputesPage(call, ctx)
                }
            }
        }

        site.page(&router, "/disputes/{id}") { call in
            call.html(try disputePage(call, call.request.parameter("id") ?? "", call.context()))
        }

        site.form(&router, "/disputes/{id}/accept") { call, fields in
            let id = call.request.parameter("id") ?? ""
            do {
                let dispute = try call.service.visibleDispute(id, by: call.caller)
                let amount = try amount(fields["amount"], currency: try invoiceCurrency(call, dispute.invoice), required: false)
                _ = try call.service.answerDispute(id, .accept(amountMinor: amount), by: call.caller, request: call.request)
                return call.redirect(to: PortalHref.dispute(id)?.value ?? "/disputes", .disputeAccepted)
            } catch {
                return try call.refusal(error, form: .disputeAccept, values: fields.echo(["amount"]), fieldNames: ["amountMinor": "amount"]) {
                    try disputePage(call, id, $0)
                }
            }
        }

        site.form(&router, "/disputes/{id}/reject") { call, fields in
            let id = call.request.parameter("id") ?? ""
            do {
                let reason = try required(fields["reason"], "reason")
                guard reason.unicodeScalars.count <= AccountsLimits.reasonMaxCharacters else {
                    throw APIError.invalid("reason", "at most \(AccountsLimits.reasonMaxCharacters) characters")
                }
                _ = try call.service.answerDispute(id, .reject(reason: reason), by: call.caller, request: call.request)
                return call.redirect(to: PortalHref.dispute(id)?.value ?? "/disputes", .disputeRejected)
            } catch {
                return try call.refusal(error, form: .disputeReject, values: fields.echo(["reason"])) { try disputePage(call, id, $0) }
            }
        }

        site.form(&router, "/disputes/{id}/withdraw") { call, _ in
            let id = call.request.parameter("id") ?? ""
            do {
                _ = try call.service.answerDispute(id, .withdraw, by: call.caller, request: call.request)
                return call.redirect(to: PortalHref.dispute(id)?.value ?? "/disputes", .disputeWithdrawn)
            } catch {
                return try call.refusal(error, form: .disputeReject, values: [:]) { try disputePage(call, id, $0) }
            }
        }
    }

    static func currency(_ call: PortalCall, _ dispute: Dispute) -> String {
        call.service.invoices.invoice(dispute.invoice)?.currency
            ?? call.service.accounts.view.read { $0.invoice(dispute.invoice)?.invoice.currency }
            ?? call.service.reference.operation(dispute.country)?.currency ?? ""
    }

    static func disputesPage(_ call: PortalCall, _ ctx: PortalContext) throws -> [UInt8] {
        var status: DisputeStatus?
        if let text = call.request.query["status"], !text.isEmpty {
            guard let value = DisputeStatus(rawValue: text) else {
                throw APIError.invalid("status", "must be one of \(DisputeStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = value
        }
        let country = try AccountsAPI.country(call.request, caller: call.caller, reference: call.service.reference)
        let disputes = try call.service.disputes(by: call.caller, status: status, country: country)
        let page = try Paging(call.request).page(disputes) { "\($0.raisedOn) \($0.id)" }
        let items = page.items.map { PortalShapes.dispute($0, currency: currency(call, $0)) }
        return PortalPages.disputes(ctx, disputes: PortalList(items: items, next: page.next), filters: filters(call))
    }

    static func disputePage(_ call: PortalCall, _ id: String, _ ctx: PortalContext) throws -> [UInt8] {
        let dispute = try call.service.visibleDispute(id, by: call.caller)
        return PortalPages.dispute(ctx, dispute: PortalShapes.dispute(dispute, currency: currency(call, dispute)))
    }

    // MARK: - Payments and the wallet

    static let paymentFields = ["invoice", "amount", "method", "date", "reference"]

    static func registerPayments(_ router: inout Router, _ site: PortalSite) {
        site.page(&router, "/payments") { call in
            call.html(try paymentsPage(call, call.context()))
        }

        site.form(&router, "/payments") { call, fields in
            let number = (fields["invoice"] ?? "").trimmingCharacters(in: .whitespaces)
            do {
                _ = try required(fields["invoice"], "invoice")
                let currency = try invoiceCurrency(call, number)
                let methodText = fields["method"] ?? ""
                guard let method = PaymentMethod.recordable.first(where: { $0.rawValue == methodText }) else {
                    throw APIError.invalid("method", "must be one of \(PaymentMethod.recordable.map(\.rawValue).joined(separator: ", "))")
                }
                let amount = try amount(fields["amount"], currency: currency) ?? 0
                let dateText = (fields["date"] ?? "").trimmingCharacters(in: .whitespaces)
                let date: CivilDate
                if dateText.isEmpty {
                    date = call.today
                } else {
                    guard let parsed = CivilDate(iso: Substring(dateText)) else { throw APIError.invalid("date", "must be a date YYYY-MM-DD") }
                    date = parsed
                }
                let reference = fields["reference"] ?? ""
                guard reference.unicodeScalars.count <= AccountsLimits.referenceMaxCharacters else {
                    throw APIError.invalid("reference", "at most \(AccountsLimits.referenceMaxCharacters) characters")
                }
                _ = try call.service.recordPayment(invoice: number, amountMinor: amount, method: method, date: date, reference: reference,
                                                   by: call.caller, request: call.request)
                return call.redirect(to: PortalHref.invoice(number)?.value ?? "/payments", .paymentRecorded)
            } catch {
                return try call.refusal(error, form: .payment, values: fields.echo(paymentFields), fieldNames: ["amountMinor": "amount"]) { ctx in
                    // Back on the invoice's page when it is one the caller sees, else the payments page.
                    if (try? call.service.visibleInvoice(number, by: call.caller, for: .readInvoice)) != nil {
                        return try invoicePage(call, number, ctx)
                    }
                    return try paymentsPage(call, ctx)
                }
            }
        }

        site.form(&router, "/wallet/topups") { call, fields in
            do {
                let country = try required(fields["country"], "country").trimmingCharacters(in: .whitespaces)
                guard let currency = call.service.reference.operation(country)?.currency else {
                    throw APIError.invalid("country", "must be an operation's country code (two capital letters)")
                }
                let amount = try amount(fields["amount"], currency: currency) ?? 0
                let reference = fields["reference"] ?? ""
                guard reference.unicodeScalars.count <= AccountsLimits.referenceMaxCharacters else {
                    throw APIError.invalid("reference", "at most \(AccountsLimits.referenceMaxCharacters) characters")
                }
                let company = fields["company"].flatMap { $0.isEmpty ? nil : $0 }
                _ = try call.service.topUpWallet(country: country, amountMinor: amount, reference: reference, company: company,
                                                 by: call.caller, request: call.request)
                return call.redirect(to: "/payments", .walletToppedUp)
            } catch {
                return try call.refusal(error, form: .walletTopup, values: fields.echo(["country", "amount", "reference"]),
                                        fieldNames: ["amountMinor": "amount"]) { try paymentsPage(call, $0) }
            }
        }

        site.form(&router, "/settings/direct-debit") { call, fields in
            do {
                let company = call.principal.company
                var settings = try call.service.readSettings(company, by: call.caller)
                guard settings.directDebit != nil else { throw APIError.invalid("directDebit", "only an agent company collects by direct debit") }
                settings.directDebit = PortalForms.parseBool(fields["directDebit"])
                _ = try call.service.saveSettings(settings, of: company, by: call.caller, request: call.request)
                return call.redirect(to: "/payments", .directDebitSaved)
            } catch {
                return try call.refusal(error, form: .directDebit, values: fields.echo(["directDebit"])) { try paymentsPage(call, $0) }
            }
        }
    }

    static func paymentsPage(_ call: PortalCall, _ ctx: PortalContext) throws -> [UInt8] {
        let service = call.service
        let filter = try Filters(call.request, service: service, caller: call.principal)
        let country = try AccountsAPI.country(call.request, caller: call.caller, reference: service.reference)
        let company = try AccountsAPI.company(call.request, caller: call.caller, directory: service.directory)
        let wallets = try service.wallets(by: call.caller, country: country, company: company)
        let rows = try service.invoiceSummaries(by: call.caller, filter: filter, status: nil)
        let today = call.today
        // Every payment on the invoices the caller sees, newest first.
        var payments: [PortalPayment] = service.accounts.read { state in
            rows.flatMap { row in
                (state.paymentSummary(of: row.number, asOf: today)?.payments ?? []).map {
                    PortalPayment(invoice: row.number, currency: row.currency, amountMinor: $0.amountMinor, method: $0.method.rawValue,
                                  date: $0.date, reference: $0.reference)
                }
            }
        }
        payments.sort { ($0.date.dayNumber, $0.invoice) > ($1.date.dayNumber, $1.invoice) }
        let page = try Paging(call.request).page(payments) { "\(Int.max - $0.date.dayNumber) \($0.invoice)" }
        let directDebit = AccountsAPI.account(of: call.principal.company).map { account in service.accounts.view.read { $0.directDebit(account) } }
        return PortalPages.payments(ctx, payments: PortalList(items: page.items, next: page.next),
                                    wallet: wallets.map { PortalWalletBalance(country: $0.country, currency: $0.currency, balanceMinor: $0.balanceMinor,
                                                                              creditMinor: $0.creditMinor) },
                                    directDebit: directDebit, outstanding: rows.filter { $0.outstandingMinor > 0 }.prefix(200).map(PortalShapes.summary))
    }

    // MARK: - Risk, settings, statistics

    static func registerRiskSettingsStatistics(_ router: inout Router, _ site: PortalSite) {
        site.page(&router, "/risk") { call in
            let service = call.service
            let country = try AccountsAPI.country(call.request, caller: call.caller, reference: service.reference)
            var grade: RiskGrade?
            if let text = call.request.query["grade"], !text.isEmpty {
                guard let value = RiskGrade(rawValue: text) else { throw APIError.invalid("grade", "must be one of A, B, C, D") }
                grade = value
            }
            let rows = try service.risk(by: call.caller, country: country, grade: grade)
            let page = try Paging(call.request).page(rows) { "\($0.country)-\(CASSDomain.AgentCodeText.format($0.agent))" }
            let items = page.items.map { row in
                PortalShapes.risk(row, currency: service.reference.operation(row.country)?.currency ?? "",
                                  agentName: service.reference.agent(row.agent, in: row.country)?.name)
            }
            return call.html(PortalPages.risk(call.context(), items: PortalList(items: items, next: page.next), filters: filters(call)))
        }

        site.page(&router, "/settings") { call in
            call.html(try settingsPage(call, call.context()))
        }

        site.form(&router, "/settings") { call, fields in
            let values = fields.echo(["language", "emails"])
            do {
                let company = try settingsCompany(call, fields)
                var object: [String: Any] = [
                    "language": fields["language"] ?? "",
                    "formats": fields.all("formats"),
                    "distribution": fields.all("distribution"),
                    "emails": PortalForms.parseLines(fields["emails"] ?? ""),
                ]
                let urls = fields.all("webhookUrl"), secrets = fields.all("webhookSecret")
                object["webhooks"] = urls.indices.compactMap { index -> [String: String]? in
                    let url = urls[index].trimmingCharacters(in: .whitespaces)
                    guard !url.isEmpty else { return nil }
                    return ["url": url, "secret": index < secrets.count ? secrets[index] : ""]
                }
                if company.kind == .agent {
                    let current = try call.service.readSettings(company, by: call.caller)
                    object["directDebit"] = fields["directDebit"].map { PortalForms.parseBool($0) } ?? current.directDebit ?? false
                }
                let bytes = try JSONSerialization.data(withJSONObject: object).map { $0 }
                // The API's own reader: the same rules, the same field errors.
                try AccountsAPI.enforce(authorize(call.principal, .manageSettings, .company(company)), "settings are the company admin's")
                let wanted = try CompanySettings.decode(bytes, for: company)
                _ = try call.service.saveSettings(wanted, of: company, by: call.caller, request: call.request)
                return call.redirect(to: company == call.principal.company ? "/settings" : "/settings?company=" + PortalHref.percentEncode(company.description),
                                     .settingsSaved)
            } catch {
                return try call.refusal(error, form: .settings, values: values) { try settingsPage(call, $0) }
            }
        }

        site.page(&router, "/statistics") { call in
            let filter = try Filters(call.request, service: call.service, caller: call.principal)
            let items = try call.service.statistics(by: call.caller, filter: filter)
            let statistics = PortalStatistics(
                operations: items.map(portalStatistics), hourly: call.service.hourlyFigures(by: call.caller, filter: filter),
                asOf: PortalInstant(secondsSince1970: call.service.clock.instant().millisecondsSince1970 / 1000))
            return call.html(PortalPages.statistics(call.context(), statistics: statistics, filters: filters(call)))
        }
    }

    /// The company whose settings a form changes: `?company=` or the hidden
    /// `company` field (the `cass` admin), else the caller's own.
    static func settingsCompany(_ call: PortalCall, _ fields: PortalFields) throws -> CompanyID {
        guard let text = call.request.query["company"] ?? fields["company"], !text.isEmpty else { return call.principal.company }
        guard let company = CompanyID(text), call.service.directory.contains(company) else { throw APIError.notFound() }
        return company
    }

    static func settingsPage(_ call: PortalCall, _ ctx: PortalContext) throws -> [UInt8] {
        let company = try SettingsRoutes.target(call.request, call.caller, call.service)
        let settings = try call.service.readSettings(company, by: call.caller)
        return PortalPages.settings(ctx, settings: PortalShapes.settings(settings, company: company.description))
    }

    static func portalStatistics(_ item: OperationStatisticsShape) -> PortalOperationStatistics {
        func counts(_ values: [String: Int]) -> [PortalCount] { values.sorted { $0.key < $1.key }.map { PortalCount($0.key, $0.value) } }
        return PortalOperationStatistics(
            country: item.country, period: item.period, currency: item.currency, filesByStatus: counts(item.files),
            recordsAccepted: item.records.accepted, recordsRejected: item.records.rejected, rejectionsByCode: counts(item.records.rejectedByCode),
            airlines: item.netBilledByAirline.map { PortalAirlineFigures(airline: $0.airline, airlineName: $0.airlineName.isEmpty ? nil : $0.airlineName,
                                                                         billedMinor: $0.netMinor) },
            invoicesIssued: item.invoices, paidMinor: item.paidMinor ?? 0, outstandingMinor: item.outstandingMinor ?? 0,
            disputesByState: counts(item.disputes))
    }
}
