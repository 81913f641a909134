import CASSDomain

/// What the service reads, as of a day.
extension AccountsState {
    public func invoice(_ number: String) -> InvoiceAccount? { invoices[number] }

    /// An agent company's invoices, in the order they were issued.
    public func invoices(of account: AccountKey) -> [InvoiceAccount] {
        (invoicesByAccount[account] ?? []).compactMap { invoices[$0] }
    }

    public func account(_ key: AccountKey) -> AgentAccount? { accounts[key] }

    public func walletMinor(_ key: AccountKey) -> Int64 { accounts[key]?.walletMinor ?? 0 }

    public func creditMinor(_ key: AccountKey) -> Int64 { accounts[key]?.creditMinor ?? 0 }

    public func directDebit(_ key: AccountKey) -> Bool { accounts[key]?.directDebit ?? false }

    /// A dispute as of `date`: an open one whose escalation day has come
    /// reads as escalated, with the escalation step in its history, even
    /// before the scheduler records it.
    public func dispute(_ id: String, asOf date: CivilDate) -> Dispute? {
        guard var dispute = disputes[id]?.dispute else { return nil }
        if DisputeRules.status(stored: dispute.status, escalatesOn: dispute.escalatesOn, asOf: date) != dispute.status {
            dispute.status = .escalated
            dispute.history.append(DisputeStep(at: dispute.escalatesOn, by: DisputeEntry.systemActor, action: .escalated, amountMinor: nil, reason: nil))
        }
        return dispute
    }

    /// Every dispute as of `date`, in the order raised (day, then id).
    public func disputes(asOf date: CivilDate) -> [Dispute] {
        disputes.values.sorted { ($0.dispute.raisedOn, $0.dispute.id) < ($1.dispute.raisedOn, $1.dispute.id) }
            .compactMap { dispute($0.dispute.id, asOf: date) }
    }

    /// The memo an accepted dispute billed.
    public func memo(ofDispute id: String) -> DisputeMemo? { disputes[id]?.memo }

    /// Every memo billed so far, in the order the disputes were raised.
    public var memos: [DisputeMemo] {
        disputes.values.sorted { ($0.dispute.raisedOn, $0.dispute.id) < ($1.dispute.raisedOn, $1.dispute.id) }.compactMap(\.memo)
    }

    /// The id the next dispute on this invoice and AWB should take.
    public func suggestedDisputeID(invoice: String, awb: AWBKey) -> String {
        DisputeRules.suggestedID(invoice: invoice, awb: awb, ordinal: disputeCountByLine[DisputedLine(invoice: invoice, awb: awb), default: 0] + 1)
    }

    /// The payment part of an invoice's answer, as of `date`.
    public func paymentSummary(of number: String, asOf date: CivilDate) -> PaymentSummary? {
        guard let entry = invoices[number] else { return nil }
        return PaymentSummary(entry, asOf: date)
    }

    // MARK: - The scheduler

    /// The actions due by `today` and not yet done, in the order to apply
    /// them (date, collections before overdue checks, subject). The service
    /// writes each as a `.scheduled` record; once applied, an action is done
    /// and never listed again, so running this twice on the same day (a
    /// restart) lists nothing new. Run it before serving a new day's
    /// requests, so that what was due happens first.
    public func dueActions(today: CivilDate) -> [ScheduledAction] {
        var due: [ScheduledAction] = []
        for number in pendingCollections {
            guard let invoice = invoices[number]?.invoice, invoice.remittanceDate <= today else { continue }
            due.append(ScheduledAction(kind: .collect, subject: number, date: invoice.remittanceDate))
        }
        for number in pendingOverdueChecks {
            guard let invoice = invoices[number]?.invoice else { continue }
            let day = invoice.remittanceDate.adding(days: 1)
            if day <= today { due.append(ScheduledAction(kind: .overdue, subject: number, date: day)) }
        }
        for id in pendingEscalations {
            guard let dispute = disputes[id]?.dispute, dispute.status == .open, dispute.escalatesOn <= today else { continue }
            due.append(ScheduledAction(kind: .escalate, subject: id, date: dispute.escalatesOn))
        }
        return due.sorted()
    }

    // MARK: - Risk

    /// Every agent company's risk figures as of `today`: the agents of the
    /// reference data (their guarantees), and any other that has invoices
    /// or accepted lines (with a guarantee of 0). `openNetDue` is, per agent
    /// company, the net due of its accepted lines in periods still open (the
    /// pipeline's figure). Sorted by country, then agent code.
    public func risk(asOf today: CivilDate, agents: [Agent], openNetDue: [AccountKey: Int64]) throws(AccountsError) -> [RiskRow] {
        var guarantees: [AccountKey: Int64] = [:]
        for agent in agents { guarantees[AccountKey(country: agent.country, agent: agent.code)] = max(0, agent.guaranteeMinor) }
        var keys = Set(guarantees.keys)
        keys.formUnion(invoicesByAccount.keys)
        keys.formUnion(openNetDue.keys)
        var rows: [RiskRow] = []
        rows.reserveCapacity(keys.count)
        for key in keys.sorted() {
            rows.append(try riskRow(key, asOf: today, guaranteeMinor: guarantees[key] ?? 0, openNetDueMinor: openNetDue[key] ?? 0))
        }
        return rows
    }

    /// One agent company's risk figures as of `today`.
    public func riskRow(_ key: AccountKey, asOf today: CivilDate, guaranteeMinor: Int64, openNetDueMinor: Int64) throws(AccountsError) -> RiskRow {
        var exposure = max(0, openNetDueMinor)
        var delay = 0
        var hasDefault = false
        let windowStart = today.adding(days: -RiskRules.delayWindowDays)
        for entry in invoices(of: key) where entry.isPayable {
            exposure = try CheckedMoney.add(exposure, entry.outstandingMinor(asOf: today))
            if entry.status(asOf: today) == .default { hasDefault = true }
            let date = entry.invoice.invoiceDate
            if date >= windowStart, date <= today {
                delay = max(delay, RiskRules.delayDays(remittanceDate: entry.invoice.remittanceDate, completedOn: entry.completedOn(asOf: today), today: today))
            }
        }
        let ratio = RiskRules.ratioTenthsPercent(exposureMinor: exposure, guaranteeMinor: guaranteeMinor)
        return RiskRow(country: key.country, agent: key.agent, exposureMinor: exposure, guaranteeMinor: guaranteeMinor, ratioTenthsPercent: ratio,
                       delayDays: delay, grade: RiskRules.grade(ratioTenthsPercent: ratio, delayDays: delay, hasDefault: hasDefault))
    }

    /// The `.riskAssessed` records to write after assessing `rows`: one per
    /// agent whose grade differs from the grade last recorded (the first
    /// assessment of an agent included). Applying them raises `risk.flagged`
    /// for each agent that reached C or D, once per change.
    public func riskRecords(for rows: [RiskRow], on today: CivilDate) -> [AccountsRecord] {
        rows.compactMap { row in
            let account = accounts[row.account]
            guard account?.lastGrade != row.grade else { return nil }
            return .riskAssessed(RiskAssessment(row: row, on: today, sequence: (account?.gradeChanges ?? 0) + 1))
        }
    }
}

/// An invoice's payments as of a day: the figures of `GET
/// /api/v1/invoices/{number}` and of the Cargo Sales Report's Payment Summary.
public struct PaymentSummary: Sendable, Hashable, Codable {
    public var invoice: String
    public var totalMinor: Int64
    public var status: InvoiceStatus
    public var paidMinor: Int64
    public var outstandingMinor: Int64
    public var remittanceDate: CivilDate
    /// Paid per method, in the order of `PaymentMethod.allCases`, methods
    /// with no payment left out.
    public var paidByMethod: [MethodTotal]
    /// Payments dated on or before the day, in the order recorded.
    public var payments: [Payment]

    public struct MethodTotal: Sendable, Hashable, Codable {
        public var method: PaymentMethod
        public var amountMinor: Int64
    }

    init(_ entry: InvoiceAccount, asOf date: CivilDate) {
        invoice = entry.number
        totalMinor = entry.invoice.totalMinor
        status = entry.status(asOf: date)
        paidMinor = entry.paidMinor(asOf: date)
        outstandingMinor = entry.outstandingMinor(asOf: date)
        remittanceDate = entry.invoice.remittanceDate
        let made = entry.payments.filter { $0.date <= date }
        payments = made
        paidByMethod = PaymentMethod.allCases.compactMap { method in
            let amount = made.filter { $0.method == method }.reduce(Int64(0)) { $0 + $1.amountMinor }
            return amount > 0 ? MethodTotal(method: method, amountMinor: amount) : nil
        }
    }
}
