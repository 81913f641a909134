import CASSDomain

/// The accounts of every operation: invoices issued, their payments and
/// disputes, agents' wallets, credit and direct debit, and the scheduled
/// actions done. A deterministic reducer: `apply` takes records in log
/// order, and replaying the same records from empty rebuilds the same state
/// and the same outputs (events, memos).
///
/// Every handler first plans (checks the rules and computes every amount,
/// throwing on any refusal, changing nothing), then commits (mutates; cannot
/// fail). `check` runs the plan only: the service asks it before writing a
/// record, so that a refusal is answered (409/422) without a record; the
/// reducer checks again when the record comes back from the log, since
/// another request may have come first.
public struct AccountsState: Sendable, Equatable {
    public private(set) var invoices: [String: InvoiceAccount] = [:]
    public private(set) var accounts: [AccountKey: AgentAccount] = [:]
    /// Periods whose close was asked for, per operation.
    public private(set) var closedPeriods: Set<OperationPeriod> = []
    var disputes: [String: DisputeEntry] = [:]
    var invoicesByAccount: [AccountKey: [String]] = [:]
    var unresolvedByLine: [DisputedLine: String] = [:]
    var disputeCountByLine: [DisputedLine: Int] = [:]
    var acceptedByLine: [DisputedLine: Int64] = [:]
    var recordedPayments: [String: RecordPayment] = [:]
    var recordedTopUps: [String: TopUpWallet] = [:]
    var recordedDirectDebits: [String: SetDirectDebit] = [:]
    var doneActions: Set<String> = []
    // What the scheduler still has to look at: shrinks as actions are done,
    // so a daily run costs what is pending, not what was ever issued.
    var pendingCollections: Set<String> = []
    var pendingOverdueChecks: Set<String> = []
    var pendingEscalations: Set<String> = []

    public init() {}

    /// Builds a state from records in log order. Refused records (lost
    /// races, duplicates) change nothing, as they did when first applied.
    public static func replay(_ records: some Sequence<AccountsRecord>) -> AccountsState {
        var state = AccountsState()
        for record in records { _ = try? state.apply(record) }
        return state
    }

    /// Checks a record against the rules and the state, changing nothing.
    public func check(_ record: AccountsRecord) throws(AccountsError) {
        _ = try plan(record)
    }

    /// Applies a record: its events and memos, or a refusal that changed
    /// nothing. `.duplicateRecord` means it had been applied already.
    @discardableResult
    public mutating func apply(_ record: AccountsRecord) throws(AccountsError) -> Applied {
        let plan = try plan(record)
        return commit(plan)
    }

    // MARK: - Plans

    enum Plan {
        case invoice(IssuedInvoice, creditApplied: Int64)
        case periodClosed(OperationPeriod)
        case raise(RaiseDispute, invoice: IssuedInvoice, awb: InvoiceAWB, amount: Int64)
        case answer(AccountsRecord, dispute: String, outcome: DisputeOutcome, materializeEscalation: Bool)
        case payment(RecordPayment, account: AccountKey, applied: Int64, excess: Int64)
        case topUp(TopUpWallet)
        case directDebit(SetDirectDebit)
        case collect(ScheduledAction, invoice: String, wallet: Int64, directDebit: Int64)
        case overdue(ScheduledAction, invoice: String, notify: Bool)
        case escalate(ScheduledAction, dispute: String, escalate: Bool)
        case risk(RiskAssessment)
    }

    enum DisputeOutcome {
        case accepted(amount: Int64, memo: DisputeMemo)
        case rejected(reason: String)
        case withdrawn
    }

    func plan(_ record: AccountsRecord) throws(AccountsError) -> Plan {
        switch record {
        case .invoiceIssued(let invoice): return try planInvoice(invoice)
        case .periodClosed(let period):
            guard !closedPeriods.contains(period) else { throw .duplicateRecord("period.closed:\(period.country):\(period.period)") }
            return .periodClosed(period)
        case .disputeRaise(let raise): return try planRaise(raise)
        case .disputeAccept(let accept):
            return try planAnswer(record, dispute: accept.dispute, by: accept.by, party: accept.party, on: accept.on, action: "accept a dispute") { entry throws(AccountsError) in
                let disputed = entry.dispute.amountMinor
                let amount = accept.amountMinor ?? disputed
                guard amount > 0 else { throw .amountNotPositive(field: "amountMinor") }
                guard amount <= disputed else { throw .acceptedAmountTooHigh(disputedMinor: disputed) }
                return .accepted(amount: amount, memo: try memo(for: entry, amount: amount))
            }
        case .disputeReject(let reject):
            return try planAnswer(record, dispute: reject.dispute, by: reject.by, party: reject.party, on: reject.on, action: "reject a dispute") { _ throws(AccountsError) in
                .rejected(reason: try TextRules.reason(reject.reason))
            }
        case .disputeWithdraw(let withdraw):
            return try planAnswer(record, dispute: withdraw.dispute, by: withdraw.by, party: withdraw.party, on: withdraw.on, action: "withdraw a dispute") { _ in
                .withdrawn
            }
        case .paymentRecord(let payment): return try planPayment(payment)
        case .walletTopUp(let topUp): return try planTopUp(topUp)
        case .directDebitSet(let setting):
            try TextRules.id(setting.id)
            if let existing = recordedDirectDebits[setting.id] {
                throw existing == setting ? .duplicateRecord(setting.id) : .idConflict(setting.id)
            }
            return .directDebit(setting)
        case .scheduled(let action): return try planScheduled(action)
        case .riskAssessed(let assessment):
            let account = accounts[assessment.row.account]
            let expected = (account?.gradeChanges ?? 0) + 1
            guard assessment.sequence == expected else {
                if assessment.sequence < expected { throw .duplicateRecord("risk.assessed:\(assessment.row.account):\(assessment.sequence)") }
                throw .outOfSequence("risk assessment \(assessment.sequence) of \(assessment.row.account), expected \(expected)")
            }
            // Not a change: nothing to record (a race between two assessors).
            guard account?.lastGrade != assessment.row.grade else {
                throw .duplicateRecord("risk.assessed:\(assessment.row.account):\(assessment.sequence)")
            }
            return .risk(assessment)
        }
    }

    func planInvoice(_ invoice: IssuedInvoice) throws(AccountsError) -> Plan {
        if let existing = invoices[invoice.number] {
            throw existing.invoice == invoice ? .duplicateRecord(invoice.number) : .idConflict(invoice.number)
        }
        try invoice.validate()
        // Credit existing when an invoice with a positive total is issued
        // pays it at once, as far as it goes; what is left waits for the next.
        let credit = invoice.totalMinor > 0 ? min(accounts[invoice.account]?.creditMinor ?? 0, invoice.totalMinor) : 0
        return .invoice(invoice, creditApplied: credit)
    }

    func planRaise(_ raise: RaiseDispute) throws(AccountsError) -> Plan {
        try TextRules.id(raise.id)
        if let existing = disputes[raise.id] {
            throw existing.raise == raise ? .duplicateRecord(raise.id) : .idConflict(raise.id)
        }
        guard let account = invoices[raise.invoice] else { throw .unknownInvoice(raise.invoice) }
        try TextRules.actor(raise.by)
        _ = try TextRules.reason(raise.reason)
        let invoice = account.invoice
        guard let awb = invoice.awb(raise.awb) else { throw .awbNotOnInvoice(invoice: invoice.number, awb: raise.awb.description) }
        guard raise.on <= invoice.lastDisputeDay else { throw .disputeWindowClosed(lastDay: invoice.lastDisputeDay) }
        let line = DisputedLine(invoice: invoice.number, awb: raise.awb)
        if let open = unresolvedByLine[line] { throw .disputeAlreadyOpen(existing: open) }
        guard disputeCountByLine[line, default: 0] < AccountsLimits.disputesPerLineMax else {
            throw .limitReached(what: "disputes on one invoice and AWB", max: AccountsLimits.disputesPerLineMax)
        }
        let disputable = try CheckedMoney.subtract(awb.amountMinor, acceptedByLine[line, default: 0])
        let amount = raise.amountMinor ?? disputable
        guard amount > 0 else { throw .amountNotPositive(field: "amountMinor") }
        guard amount <= disputable else { throw .disputeAmountTooHigh(maxMinor: max(0, disputable)) }
        return .raise(raise, invoice: invoice, awb: awb, amount: amount)
    }

    /// The checks every answer shares: the dispute, its status as of the
    /// day asked, and which side may take the step in that status.
    func planAnswer(_ record: AccountsRecord, dispute id: String, by: String, party: Party, on: CivilDate, action: String,
                    outcome: (DisputeEntry) throws(AccountsError) -> DisputeOutcome) throws(AccountsError) -> Plan {
        guard let entry = disputes[id] else { throw .unknownDispute(id) }
        if entry.resolvedBy == record { throw .duplicateRecord(id) }
        try TextRules.actor(by)
        let status = DisputeRules.status(stored: entry.dispute.status, escalatesOn: entry.dispute.escalatesOn, asOf: on)
        guard status.isUnresolved else { throw .disputeNotOpen(id: id, status: status) }
        if case .disputeWithdraw = record {
            guard party == .agent else { throw .partyMayNotAct(party: party, action: action) }
        } else {
            switch (status, party) {
            case (.open, .airline), (.escalated, .operator): break
            case (.open, .operator): throw .disputeNotEscalated(id: id)
            case (.escalated, .airline): throw .disputeEscalated(id: id)
            default: throw .partyMayNotAct(party: party, action: action)
            }
        }
        let result = try outcome(entry)
        return .answer(record, dispute: id, outcome: result, materializeEscalation: status == .escalated && entry.dispute.status == .open)
    }

    func memo(for entry: DisputeEntry, amount: Int64) throws(AccountsError) -> DisputeMemo {
        guard let invoice = invoices[entry.dispute.invoice]?.invoice, let awb = invoice.awb(entry.raise.awb) else {
            preconditionFailure("dispute \(entry.dispute.id) refers to an invoice line the state lacks")
        }
        let operationPeriod = OperationPeriod(country: invoice.country, period: invoice.period)
        guard let period = DisputeRules.memoPeriod(after: invoice.period, country: invoice.country, periodsPerMonth: invoice.periodsPerMonth, closed: closedPeriods) else {
            throw .noOpenPeriodAfter(operationPeriod)
        }
        _ = try CheckedMoney.add(acceptedByLine[DisputedLine(invoice: invoice.number, awb: awb.key), default: 0], amount)
        return DisputeMemo(disputeID: entry.dispute.id, invoice: invoice.number, country: invoice.country, period: period, currency: invoice.currency,
                           agent: invoice.agent, airline: awb.airline, awbSerial: awb.serial, amountMinor: try CheckedMoney.negate(amount),
                           issueDate: awb.issueDate, origin: awb.origin, destination: awb.destination)
    }

    func planPayment(_ payment: RecordPayment) throws(AccountsError) -> Plan {
        try TextRules.id(payment.id)
        if let existing = recordedPayments[payment.id] {
            throw existing == payment ? .duplicateRecord(payment.id) : .idConflict(payment.id)
        }
        guard let entry = invoices[payment.invoice] else { throw .unknownInvoice(payment.invoice) }
        try TextRules.actor(payment.by)
        try TextRules.reference(payment.reference)
        guard payment.method != .credit else { throw .methodNotAllowed(payment.method) }
        guard payment.amountMinor > 0 else { throw .amountNotPositive(field: "amountMinor") }
        guard payment.date <= payment.on else { throw .paymentDateAfterToday(date: payment.date, today: payment.on) }
        let invoice = entry.invoice
        guard invoice.totalMinor > 0 else { throw .invoiceNotPayable(invoice: invoice.number, totalMinor: invoice.totalMinor) }
        guard entry.payments.count < AccountsLimits.paymentsPerInvoiceMax else {
            throw .limitReached(what: "payments on one invoice", max: AccountsLimits.paymentsPerInvoiceMax)
        }
        let paid = entry.paidMinor()
        _ = try CheckedMoney.add(paid, payment.amountMinor)
        let account = accounts[invoice.account] ?? AgentAccount(key: invoice.account)
        if payment.method == .wallet, account.walletMinor < payment.amountMinor {
            throw .insufficientWalletBalance(balanceMinor: account.walletMinor)
        }
        let applied = min(payment.amountMinor, max(0, invoice.totalMinor - paid))
        let excess = payment.amountMinor - applied
        _ = try CheckedMoney.add(account.creditMinor, excess)
        _ = try CheckedMoney.add(account.coveredMinor, applied)
        if payment.method.bringsMoneyIn { _ = try CheckedMoney.add(account.receivedMinor, payment.amountMinor) }
        return .payment(payment, account: invoice.account, applied: applied, excess: excess)
    }

    func planTopUp(_ topUp: TopUpWallet) throws(AccountsError) -> Plan {
        try TextRules.id(topUp.id)
        if let existing = recordedTopUps[topUp.id] {
            throw existing == topUp ? .duplicateRecord(topUp.id) : .idConflict(topUp.id)
        }
        try TextRules.actor(topUp.by)
        try TextRules.reference(topUp.reference)
        guard topUp.amountMinor > 0 else { throw .amountNotPositive(field: "amountMinor") }
        let account = accounts[topUp.account] ?? AgentAccount(key: topUp.account)
        guard account.topUps.count < AccountsLimits.topUpsPerWalletMax else {
            throw .limitReached(what: "top-ups of one wallet", max: AccountsLimits.topUpsPerWalletMax)
        }
        _ = try CheckedMoney.add(account.walletMinor, topUp.amountMinor)
        _ = try CheckedMoney.add(account.receivedMinor, topUp.amountMinor)
        return .topUp(topUp)
    }

    func planScheduled(_ action: ScheduledAction) throws(AccountsError) -> Plan {
        guard !doneActions.contains(action.key) else { throw .duplicateRecord(action.key) }
        switch action.kind {
        case .collect, .overdue:
            guard let entry = invoices[action.subject] else { throw .unknownInvoice(action.subject) }
            let invoice = entry.invoice
            guard invoice.totalMinor > 0 else { throw .invalidScheduledAction("invoice \(invoice.number) is a credit: nothing to collect") }
            if action.kind == .overdue {
                let due = invoice.remittanceDate.adding(days: 1)
                guard action.date == due else { throw .invalidScheduledAction("the overdue check of \(invoice.number) is due \(due), not \(action.date)") }
                return .overdue(action, invoice: invoice.number, notify: entry.status(asOf: action.date) == .overdue)
            }
            guard action.date == invoice.remittanceDate else {
                throw .invalidScheduledAction("the collection of \(invoice.number) is due \(invoice.remittanceDate), not \(action.date)")
            }
            let account = accounts[invoice.account] ?? AgentAccount(key: invoice.account)
            let outstanding = entry.outstandingMinor()
            let fromWallet = min(account.walletMinor, outstanding)
            let byDirectDebit = account.directDebit ? outstanding - fromWallet : 0
            _ = try CheckedMoney.add(account.receivedMinor, byDirectDebit)
            _ = try CheckedMoney.add(account.coveredMinor, outstanding)
            return .collect(action, invoice: invoice.number, wallet: fromWallet, directDebit: byDirectDebit)
        case .escalate:
            guard let entry = disputes[action.subject] else { throw .unknownDispute(action.subject) }
            guard action.date == entry.dispute.escalatesOn else {
                throw .invalidScheduledAction("dispute \(action.subject) escalates on \(entry.dispute.escalatesOn), not \(action.date)")
            }
            // Answered meanwhile: the action is done, with nothing to do.
            return .escalate(action, dispute: action.subject, escalate: entry.dispute.status == .open)
        }
    }

    // MARK: - Commits (no refusal from here on)

    mutating func commit(_ plan: Plan) -> Applied {
        var applied = Applied()
        switch plan {
        case .invoice(let invoice, let credit):
            invoices[invoice.number] = InvoiceAccount(invoice: invoice)
            invoicesByAccount[invoice.account, default: []].append(invoice.number)
            closedPeriods.insert(OperationPeriod(country: invoice.country, period: invoice.period))
            if invoice.totalMinor > 0 {
                pendingCollections.insert(invoice.number)
                pendingOverdueChecks.insert(invoice.number)
            }
            if credit > 0 {
                let payment = Payment(id: "cass:credit:\(invoice.number)", amountMinor: credit, method: .credit, date: invoice.invoiceDate, reference: "credit")
                applied.events.append(addPayment(payment, to: invoice.number, walletSpent: 0, creditSpent: credit, received: 0, applied: credit, excess: 0, on: invoice.invoiceDate))
            }
        case .periodClosed(let period):
            closedPeriods.insert(period)
        case .raise(let raise, let invoice, let awb, let amount):
            applied.events.append(commitRaise(raise, invoice: invoice, awb: awb, amount: amount))
        case .answer(let record, let id, let outcome, let materialize):
            applied = commitAnswer(record, dispute: id, outcome: outcome, materializeEscalation: materialize)
        case .payment(let record, _, let appliedAmount, let excess):
            let payment = Payment(id: record.id, amountMinor: record.amountMinor, method: record.method, date: record.date, reference: record.reference)
            recordedPayments[record.id] = record
            let bringsIn = record.method.bringsMoneyIn ? record.amountMinor : 0
            applied.events.append(addPayment(payment, to: record.invoice, walletSpent: record.method == .wallet ? record.amountMinor : 0, creditSpent: 0,
                                             received: bringsIn, applied: appliedAmount, excess: excess, on: record.on))
        case .topUp(let topUp):
            recordedTopUps[topUp.id] = topUp
            var account = accounts[topUp.account] ?? AgentAccount(key: topUp.account)
            account.walletMinor += topUp.amountMinor
            account.receivedMinor += topUp.amountMinor
            account.topUps.append(WalletTopUp(id: topUp.id, amountMinor: topUp.amountMinor, date: topUp.on, reference: topUp.reference))
            account.assertConserved()
            accounts[topUp.account] = account
        case .directDebit(let setting):
            recordedDirectDebits[setting.id] = setting
            var account = accounts[setting.account] ?? AgentAccount(key: setting.account)
            account.directDebit = setting.enabled
            accounts[setting.account] = account
        case .collect(let action, let number, let fromWallet, let byDirectDebit):
            doneActions.insert(action.key)
            pendingCollections.remove(number)
            invoices[number]?.collected = true
            if fromWallet > 0 {
                let payment = Payment(id: "cass:wallet:\(number)", amountMinor: fromWallet, method: .wallet, date: action.date, reference: "wallet")
                applied.events.append(addPayment(payment, to: number, walletSpent: fromWallet, creditSpent: 0, received: 0, applied: fromWallet, excess: 0, on: action.date))
            }
            if byDirectDebit > 0 {
                let payment = Payment(id: "cass:direct-debit:\(number)", amountMinor: byDirectDebit, method: .directDebit, date: action.date, reference: "direct-debit")
                applied.events.append(addPayment(payment, to: number, walletSpent: 0, creditSpent: 0, received: byDirectDebit, applied: byDirectDebit, excess: 0, on: action.date))
            }
        case .overdue(let action, let number, let notify):
            doneActions.insert(action.key)
            pendingOverdueChecks.remove(number)
            invoices[number]?.overdueChecked = true
            if notify, let entry = invoices[number] {
                let invoice = entry.invoice
                let paid = entry.paidMinor(asOf: action.date)
                let notice = OverdueNotice(invoice: number, country: invoice.country, agent: invoice.agent, remittanceDate: invoice.remittanceDate,
                                           totalMinor: invoice.totalMinor, paidMinor: paid, outstandingMinor: entry.outstandingMinor(asOf: action.date))
                applied.events.append(AccountsEvent(type: .invoiceOverdue, id: "invoice.overdue:\(number)", country: invoice.country, subject: number,
                                                    on: action.date, data: .overdue(notice)))
            }
        case .escalate(let action, let id, let escalate):
            doneActions.insert(action.key)
            pendingEscalations.remove(id)
            if escalate { applied.events.append(recordEscalation(of: id)) }
        case .risk(let assessment):
            let key = assessment.row.account
            var account = accounts[key] ?? AgentAccount(key: key)
            let previous = account.lastGrade
            account.lastGrade = assessment.row.grade
            account.gradeChanges += 1
            accounts[key] = account
            if assessment.row.grade.isFlagged {
                applied.events.append(AccountsEvent(type: .riskFlagged, id: "risk.flagged:\(key):\(account.gradeChanges)", country: key.country,
                                                    subject: key.description, on: assessment.on,
                                                    data: .risk(RiskFlag(row: assessment.row, previousGrade: previous))))
            }
        }
        return applied
    }

    /// Adds a payment to an invoice and moves the account's balances; the
    /// one place money lands on an invoice, where conservation is asserted.
    private mutating func addPayment(_ payment: Payment, to number: String, walletSpent: Int64, creditSpent: Int64, received: Int64,
                                     applied: Int64, excess: Int64, on day: CivilDate) -> AccountsEvent {
        guard var entry = invoices[number] else { preconditionFailure("a payment for invoice \(number), which the state lacks") }
        precondition(applied + excess == payment.amountMinor && applied >= 0 && excess >= 0, "payment \(payment.id) splits into \(applied) + \(excess)")
        let key = entry.invoice.account
        var account = accounts[key] ?? AgentAccount(key: key)
        account.walletMinor -= walletSpent
        account.creditMinor -= creditSpent
        account.creditMinor += excess
        account.receivedMinor += received
        account.coveredMinor += applied
        account.assertConserved()
        entry.payments.append(payment)
        invoices[number] = entry
        accounts[key] = account
        let paid = entry.paidMinor()
        let notice = PaymentNotice(invoice: number, country: key.country, agent: key.agent, id: payment.id, amountMinor: payment.amountMinor, method: payment.method,
                                   date: payment.date, reference: payment.reference, totalMinor: entry.invoice.totalMinor, paidMinor: paid,
                                   outstandingMinor: entry.outstandingMinor(), status: entry.status(asOf: max(day, payment.date)))
        return AccountsEvent(type: .paymentRecorded, id: "payment.recorded:\(payment.id)", country: key.country, subject: number, on: day, data: .payment(notice))
    }

    private mutating func commitRaise(_ raise: RaiseDispute, invoice: IssuedInvoice, awb: InvoiceAWB, amount: Int64) -> AccountsEvent {
        let line = DisputedLine(invoice: invoice.number, awb: awb.key)
        let reason = raise.reason.trimmingWhitespace
        let dispute = Dispute(id: raise.id, country: invoice.country, invoice: invoice.number, awb: awb.awbText, agent: invoice.agent, airline: awb.airline,
                              amountMinor: amount, acceptedMinor: 0, status: .open, reason: reason, raisedOn: raise.on,
                              escalatesOn: DisputeRules.escalatesOn(raisedOn: raise.on, disputeDays: invoice.disputeDays), memoPeriod: nil,
                              history: [DisputeStep(at: raise.on, by: raise.by, action: .raised, amountMinor: amount, reason: reason)])
        disputes[raise.id] = DisputeEntry(dispute: dispute, raise: raise)
        invoices[invoice.number]?.disputeIDs.append(raise.id)
        unresolvedByLine[line] = raise.id
        disputeCountByLine[line, default: 0] += 1
        pendingEscalations.insert(raise.id)
        return disputeEvent(.disputeRaised, dispute, on: raise.on)
    }

    private mutating func commitAnswer(_ record: AccountsRecord, dispute id: String, outcome: DisputeOutcome, materializeEscalation: Bool) -> Applied {
        var applied = Applied()
        guard let stored = disputes[id] else { preconditionFailure("an answer to dispute \(id), which the state lacks") }
        if materializeEscalation {
            // The answer came on or after the escalation day, before the
            // scheduler recorded it: the history shows the escalation first.
            applied.events.append(recordEscalation(of: id))
            doneActions.insert(ScheduledAction(kind: .escalate, subject: id, date: stored.dispute.escalatesOn).key)
        }
        guard var entry = disputes[id] else { preconditionFailure("an answer to dispute \(id), which the state lacks") }
        let line = DisputedLine(invoice: entry.dispute.invoice, awb: entry.raise.awb)
        let (by, on): (String, CivilDate)
        switch record {
        case .disputeAccept(let step): (by, on) = (step.by, step.on)
        case .disputeReject(let step): (by, on) = (step.by, step.on)
        case .disputeWithdraw(let step): (by, on) = (step.by, step.on)
        default: preconditionFailure("not an answer: \(record.type)")
        }
        let type: AccountsEventType
        switch outcome {
        case .accepted(let amount, let memo):
            entry.dispute.status = .accepted
            entry.dispute.acceptedMinor = amount
            entry.dispute.memoPeriod = memo.period.text
            entry.dispute.history.append(DisputeStep(at: on, by: by, action: .accepted, amountMinor: amount, reason: nil))
            entry.memo = memo
            acceptedByLine[line, default: 0] += amount
            precondition(memo.amountMinor == -amount, "the memo of dispute \(id) must move exactly the accepted amount")
            applied.memos.append(memo)
            type = .disputeAccepted
        case .rejected(let reason):
            entry.dispute.status = .rejected
            entry.dispute.history.append(DisputeStep(at: on, by: by, action: .rejected, amountMinor: nil, reason: reason))
            type = .disputeRejected
        case .withdrawn:
            entry.dispute.status = .withdrawn
            entry.dispute.history.append(DisputeStep(at: on, by: by, action: .withdrawn, amountMinor: nil, reason: nil))
            type = .disputeWithdrawn
        }
        entry.resolvedBy = record
        disputes[id] = entry
        unresolvedByLine[line] = nil
        pendingEscalations.remove(id)
        applied.events.append(disputeEvent(type, entry.dispute, on: on))
        return applied
    }

    private mutating func recordEscalation(of id: String) -> AccountsEvent {
        guard var entry = disputes[id] else { preconditionFailure("escalating dispute \(id), which the state lacks") }
        let day = entry.dispute.escalatesOn
        entry.dispute.status = .escalated
        entry.dispute.history.append(DisputeStep(at: day, by: DisputeEntry.systemActor, action: .escalated, amountMinor: nil, reason: nil))
        disputes[id] = entry
        pendingEscalations.remove(id)
        return disputeEvent(.disputeEscalated, entry.dispute, on: day)
    }

    private func disputeEvent(_ type: AccountsEventType, _ dispute: Dispute, on day: CivilDate) -> AccountsEvent {
        AccountsEvent(type: type, id: "\(type.rawValue):\(dispute.id)", country: dispute.country, subject: dispute.id, on: day, data: .dispute(dispute))
    }
}

/// A dispute with what the reducer needs beyond its public view.
struct DisputeEntry: Sendable, Hashable {
    static let systemActor = "system"

    /// The stored view: its status changes only through records.
    var dispute: Dispute
    var raise: RaiseDispute
    /// The record that resolved it, to recognise its replay.
    var resolvedBy: AccountsRecord?
    var memo: DisputeMemo?

    init(dispute: Dispute, raise: RaiseDispute) {
        self.dispute = dispute
        self.raise = raise
    }
}
