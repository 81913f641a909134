import CASSAccess
import CASSAccounts
import CASSDomain
import CASSEngine
import CASSHTTP
import Foundation

/// Invoices, disputes, payments, the wallet, risk and settings as the API
/// and the portal both ask for them: one function each, so a page shows
/// exactly what the route answers and refuses exactly what it refuses
/// (another company's object is 404 in both, a role without the right 403).
/// The routes parse JSON, the pages parse forms; both end here.
extension ServiceContext {
    // MARK: - Invoices

    /// The invoices the caller sees, filtered, with where each stands today.
    func invoiceSummaries(by caller: Authenticated, filter: Filters, status: String?) throws -> [InvoiceSummaryShape] {
        try InvoiceRoutes.require(caller.principal, .readInvoice, .collection)
        if let status, !InvoiceRoutes.statuses.contains(status) {
            throw APIError.invalid("status", "one of \(InvoiceRoutes.statuses.sorted().joined(separator: ", "))")
        }
        let today = clock.today()
        let visible = candidateInvoices(caller.principal).filter { invoice in
            filter.matches(country: invoice.country, period: invoice.period)
                && filter.companyMatches(InvoicesView.agentCompany(invoice))
                && authorize(caller.principal, .readInvoice, .invoice(agent: .agent(country: invoice.country, code: invoice.agentCodeText))) == .allow
        }
        return accounts.read { state in
            visible.map { InvoiceShapes.summary($0, PaymentStanding($0, summary: state.paymentSummary(of: $0.number, asOf: today), today: today)) }
        }.filter { status == nil || $0.status == status }
    }

    /// The invoices an agent company or group may own (its own, its
    /// members'), without going through every invoice; all for anyone
    /// else. Authorization still judges each one.
    func candidateInvoices(_ principal: Principal) -> [Invoice] {
        switch principal.company.kind {
        case .agent:
            return invoices.invoices(ofAgents: [principal.company.description])
        case .agentGroup:
            return invoices.invoices(ofAgents: (directory.company(principal.company)?.members ?? []).map(\.description))
        case .airline, .operator:
            return invoices.all()
        }
    }

    /// The invoice `number`, if the caller may take `action` on it (404 for
    /// one of another company, exactly as for one that does not exist).
    func visibleInvoice(_ number: String, by caller: Authenticated, for action: Action) throws -> Invoice {
        guard let invoice = invoices.invoice(number) else { throw APIError.notFound() }
        let owner = CompanyID.agent(country: invoice.country, code: invoice.agentCodeText)
        if authorize(caller.principal, .readInvoice, .invoice(agent: owner)) != .allow { throw APIError.notFound() }
        try InvoiceRoutes.require(caller.principal, action, .invoice(agent: owner))
        return invoice
    }

    /// An invoice in full: its lines, payments and disputes as of today.
    func invoiceInFull(_ invoice: Invoice) -> InvoiceShape {
        let (standing, disputes) = standingAndDisputes(invoice)
        return InvoiceShapes.full(invoice, standing, disputes: disputes, reference: reference)
    }

    /// `invoiceInFull` as JSON bytes, with the sections' JSON kept between
    /// requests (InvoiceJSONCache): what `GET /api/v1/invoices/{number}` answers.
    func invoiceJSON(_ invoice: Invoice) throws -> [UInt8] {
        let (standing, disputes) = standingAndDisputes(invoice)
        let shape = InvoiceShapes.full(invoice, standing, disputes: disputes, reference: reference, sections: [])
        return try invoiceJSONCache.json(shape) { InvoiceShapes.sections(invoice, reference: reference) }
    }

    private func standingAndDisputes(_ invoice: Invoice) -> (PaymentStanding, [Dispute]) {
        let today = clock.today()
        return accounts.read { state in
            (PaymentStanding(invoice, summary: state.paymentSummary(of: invoice.number, asOf: today), today: today),
             state.disputes(asOf: today).filter { $0.invoice == invoice.number })
        }
    }

    // MARK: - Disputes

    func disputes(by caller: Authenticated, status: DisputeStatus?, country: String?) throws -> [Dispute] {
        try AccountsAPI.enforce(authorize(caller.principal, .readDispute, .collection))
        let today = clock.today()
        return accounts.view.read { $0.disputes(asOf: today) }.filter { dispute in
            (status.map { dispute.status == $0 } ?? true) && (country.map { dispute.country == $0 } ?? true)
                && authorize(caller.principal, .readDispute, AccountsAPI.dispute(dispute)) == .allow
        }
    }

    /// The dispute as of today, or 404 when it does not exist or is out of
    /// the caller's reach (the same answer).
    func visibleDispute(_ id: String, by caller: Authenticated) throws -> Dispute {
        let today = clock.today()
        guard let dispute = accounts.view.read({ $0.dispute(id, asOf: today) }),
              authorize(caller.principal, .readDispute, AccountsAPI.dispute(dispute)) == .allow else {
            throw APIError.notFound()
        }
        return dispute
    }

    /// `POST /api/v1/disputes` and the dispute form. `idempotencyID` is the
    /// id derived from an `Idempotency-Key`, if the request had one.
    func raiseDispute(invoice number: String, awb: AWBKey, amountMinor: Int64?, reason: String, idempotencyID: String?,
                      by caller: Authenticated, request: Request) throws -> Dispute {
        let today = clock.today()
        guard let invoice = accounts.view.read({ $0.invoice(number)?.invoice }) else { throw APIError.notFound() }
        let owner = AccountsAPI.agentCompany(invoice.account)
        try AccountsAPI.enforce(authorize(caller.principal, .raiseDispute, .invoice(agent: owner)),
                                "only the invoice's agent (output or admin) raises a dispute")
        // Readable and stable: two requests racing for one line take the
        // same id, and the reducer keeps the first.
        let id = idempotencyID ?? accounts.view.read { $0.suggestedDisputeID(invoice: number, awb: awb) }
        try accounts.submit(.disputeRaise(RaiseDispute(id: id, invoice: number, awb: awb, amountMinor: amountMinor, reason: reason,
                                                       by: caller.principal.username, on: today)))
        guard let dispute = accounts.view.read({ $0.dispute(id, asOf: today) }) else { throw APIError.notFound() }
        try AccountsAPI.audit(self, request, caller, action: "dispute.raised", target: "dispute:\(id)",
                              detail: "invoice \(number), AWB \(dispute.awb), \(AccountsAPI.minor(dispute.amountMinor))")
        return dispute
    }

    enum DisputeAnswer {
        case accept(amountMinor: Int64?)
        case reject(reason: String)
        case withdraw

        var name: String {
            switch self {
            case .accept: "accept"
            case .reject: "reject"
            case .withdraw: "withdraw"
            }
        }
    }

    /// A step on a dispute: found (404 when out of reach), authorized (403
    /// for a side or role that may not take it), decided by the reducer,
    /// answered with the dispute as it then stands.
    func answerDispute(_ id: String, _ answer: DisputeAnswer, by caller: Authenticated, request: Request) throws -> Dispute {
        let today = clock.today()
        try accounts.runDueIfNewDay()
        let dispute = try visibleDispute(id, by: caller)
        let isWithdraw: Bool
        if case .withdraw = answer { isWithdraw = true } else { isWithdraw = false }
        try AccountsAPI.enforce(authorize(caller.principal, isWithdraw ? .withdrawDispute : .answerDispute, AccountsAPI.dispute(dispute)),
                                isWithdraw ? "only the dispute's agent (output or admin) withdraws it"
                                    : dispute.status == .escalated ? "an escalated dispute is answered by the cass admin"
                                    : "the AWB's airline (input or admin) answers an open dispute")
        let by = caller.principal.username
        let party = AccountsAPI.party(of: caller.principal)
        let record: AccountsRecord
        switch answer {
        case .accept(let amount): record = .disputeAccept(AcceptDispute(dispute: id, amountMinor: amount, by: by, party: party, on: today))
        case .reject(let reason): record = .disputeReject(RejectDispute(dispute: id, reason: reason, by: by, party: party, on: today))
        case .withdraw: record = .disputeWithdraw(WithdrawDispute(dispute: id, by: by, party: party, on: today))
        }
        try accounts.submit(record)
        guard let now = accounts.view.read({ $0.dispute(id, asOf: today) }) else { throw APIError.notFound() }
        let past = ["accept": "accepted", "reject": "rejected", "withdraw": "withdrawn"][answer.name] ?? answer.name
        var detail = ""
        if case .accept = answer { detail = "accepted \(AccountsAPI.minor(now.acceptedMinor))" }
        try AccountsAPI.audit(self, request, caller, action: "dispute.\(past)", target: "dispute:\(id)", detail: detail)
        return now
    }

    // MARK: - Payments and the wallet

    /// `POST /api/v1/invoices/{number}/payments` and the payment form.
    func recordPayment(invoice number: String, amountMinor amount: Int64, method: PaymentMethod, date: CivilDate, reference: String,
                       by caller: Authenticated, request: Request) throws -> PaymentRoutes.PaymentAnswer {
        let today = clock.today()
        guard let invoice = accounts.view.read({ $0.invoice(number)?.invoice }) else { throw APIError.notFound() }
        let owner = AccountsAPI.agentCompany(invoice.account)
        try AccountsAPI.enforce(authorize(caller.principal, .recordPayment, .invoice(agent: owner)),
                                "payments are recorded by the invoice's agent (output or admin) or the cass admin")
        let id = try AccountsAPI.recordID(request, caller: caller, scope: "payment \(number)", prefix: "p-")
        try accounts.submit(.paymentRecord(RecordPayment(id: id, invoice: number, amountMinor: amount, method: method, date: date,
                                                         reference: reference, by: caller.principal.username, on: today)))
        let answer = accounts.view.read { state -> PaymentRoutes.PaymentAnswer? in
            guard let entry = state.invoice(number), let payment = entry.payments.first(where: { $0.id == id }) else { return nil }
            return PaymentRoutes.PaymentAnswer(id: id, invoice: number, amountMinor: payment.amountMinor, method: payment.method, date: payment.date,
                                               reference: payment.reference, status: entry.status(asOf: today), paidMinor: entry.paidMinor(asOf: today),
                                               outstandingMinor: entry.outstandingMinor(asOf: today))
        }
        guard let answer else { throw ServiceError("payment \(id) was applied but the accounts view does not show it") }
        try AccountsAPI.audit(self, request, caller, action: "payment.recorded", target: "invoice:\(number)",
                              detail: "payment \(id): \(AccountsAPI.minor(amount)) by \(method.rawValue), dated \(date)")
        return answer
    }

    /// The wallets the caller sees (`?country=`, `?company=` already read).
    func wallets(by caller: Authenticated, country: String?, company: CompanyID?) throws -> [PaymentRoutes.WalletAnswer] {
        try AccountsAPI.enforce(authorize(caller.principal, .readWallet, .collection))
        try accounts.runDueIfNewDay()
        return PaymentRoutes.agentCompanies(self).filter { key, id in
            (country.map { key.country == $0 } ?? true) && (company.map { PaymentRoutes.covers($0, id) } ?? true)
                && authorize(caller.principal, .readWallet, .wallet(agent: id)) == .allow
        }.map { PaymentRoutes.wallet($0.key, self) }
    }

    /// `POST /api/v1/wallet/topups` and the top-up form.
    func topUpWallet(country: String, amountMinor amount: Int64, reference: String, company named: String?,
                     by caller: Authenticated, request: Request) throws -> PaymentRoutes.WalletAnswer {
        let target = try PaymentRoutes.topUpTarget(caller, country: country, named: named, self)
        try AccountsAPI.enforce(authorize(caller.principal, .topUpWallet, .wallet(agent: AccountsAPI.agentCompany(target))),
                                "the wallet is funded by its agent (output or admin) or the cass admin")
        let id = try AccountsAPI.recordID(request, caller: caller, scope: "topup \(target)", prefix: "t-")
        try accounts.submit(.walletTopUp(TopUpWallet(id: id, account: target, amountMinor: amount, reference: reference,
                                                     by: caller.principal.username, on: clock.today())))
        try AccountsAPI.audit(self, request, caller, action: "wallet.toppedUp", target: "wallet:\(target)",
                              detail: "top-up \(id): \(AccountsAPI.minor(amount))")
        return PaymentRoutes.wallet(target, self)
    }

    // MARK: - Risk

    func risk(by caller: Authenticated, country: String?, grade: RiskGrade?) throws -> [RiskRow] {
        try AccountsAPI.enforce(authorize(caller.principal, .readRisk, .collection), "airlines have no risk view")
        try accounts.runDueIfNewDay()
        return try accounts.riskRows(asOf: clock.today()).filter { row in
            (country.map { row.country == $0 } ?? true) && (grade.map { row.grade == $0 } ?? true)
                && authorize(caller.principal, .readRisk, .risk(agent: AccountsAPI.agentCompany(row.account))) == .allow
        }
    }

    // MARK: - Settings

    /// The company asked about (`?company=`, else the caller's own) and
    /// its settings, if the caller may read them.
    func readSettings(_ company: CompanyID, by caller: Authenticated) throws -> CompanySettings {
        try AccountsAPI.enforce(authorize(caller.principal, .readSettings, .company(company)), "settings are the company admin's")
        return SettingsRoutes.current(company, self)
    }

    /// `PUT /api/v1/settings` and the settings form: the whole object.
    func saveSettings(_ wanted: CompanySettings, of company: CompanyID, by caller: Authenticated, request: Request) throws -> CompanySettings {
        try AccountsAPI.enforce(authorize(caller.principal, .manageSettings, .company(company)), "settings are the company admin's")
        let before = SettingsRoutes.current(company, self)
        settingsWrites.lock()
        defer { settingsWrites.unlock() }
        // Direct debit first: it governs collections on the accounts
        // topic, in one order with them; a retried PUT finds it done.
        if let account = AccountsAPI.account(of: company), let enabled = wanted.directDebit,
           accounts.view.read({ $0.directDebit(account) }) != enabled {
            let id = try AccountsAPI.recordID(request, caller: caller, scope: "direct-debit \(account) \(enabled)", prefix: "dd-")
            try accounts.submit(.directDebitSet(SetDirectDebit(id: id, account: account, enabled: enabled, on: clock.today())))
        }
        if settings.saved(company) != wanted {
            let value = try JSONBodies.encode(wanted)
            // Read back as the settings view will: a record it could not
            // read would stop the views at every start.
            guard (try? JSONDecoder().decode(CompanySettings.self, from: Data(value))) == wanted else {
                throw ServiceError("the settings of \(company) would not read back; not written")
            }
            let record = try writer.record(ServiceTopics.settings, key: company.description, value: value)
            try feed.wait(for: try writer.write([record]))
        }
        let after = SettingsRoutes.current(company, self)
        if after != before {
            try AccountsAPI.audit(self, request, caller, action: "settings.updated", target: "company:\(company)",
                                  detail: SettingsRoutes.changes(before, after))
            for warning in after.warnings where !before.warnings.contains(warning) {
                FileHandle.standardError.write(Data("serve: settings of \(company) saved by \(caller.principal.username): \(warning)\n".utf8))
            }
        }
        return after
    }
}
