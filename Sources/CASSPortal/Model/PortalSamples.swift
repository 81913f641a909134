import CASSDomain

/// Deterministic example values for every page: what the benchmark, the
/// tests and the static page previews (`scripts/portal-preview`) render.
/// Not used by the service.
public enum PortalSamples {
    public static let today = CivilDate(year: 2026, month: 11, day: 20)!
    public static let now = PortalInstant(secondsSince1970: Int64(today.dayNumber) * 86_400 + 13 * 3600 + 30 * 60)

    public static let operations = [
        PortalOperation(country: "GB", currency: "GBP", name: "United Kingdom"),
        PortalOperation(country: "JP", currency: "JPY", name: "Japan"),
        PortalOperation(country: "KW", currency: "KWD", name: "Kuwait"),
    ]

    public static func viewer(_ kind: PortalCompanyKind, role: PortalRole) -> PortalViewer {
        switch kind {
        case .cassOperator: PortalViewer(username: "ops.admin", name: "Operations", company: "cass", companyName: "CASS", role: role)
        case .airline: PortalViewer(username: "ba.input", name: "Hana Sato", company: "airline-125", companyName: "British Airways", role: role)
        case .agent: PortalViewer(username: "acme.gb", name: "Amira Haddad", company: "agent-GB-12345678901", companyName: "Acme Forwarding London", role: role)
        case .agentGroup: PortalViewer(username: "acme.group", name: "Amira Haddad", company: "agent-group-1234567", companyName: "Acme Forwarding", role: role)
        }
    }

    /// A context for `kind`/`role` in `language`, with a scope that spans
    /// several operations (and companies for a group or the operator).
    public static func context(_ kind: PortalCompanyKind, role: PortalRole, language: PortalLanguage = .en) -> PortalContext {
        var companies: [PortalScopeCompany] = []
        if kind == .agentGroup {
            companies = [PortalScopeCompany(id: "agent-GB-12345678901", name: "Acme London"), PortalScopeCompany(id: "agent-JP-12345670002", name: "Acme Tokyo"),
                         PortalScopeCompany(id: "agent-KW-12345670013", name: "Acme Kuwait")]
        }
        return PortalContext(language: language, viewer: viewer(kind, role: role), scope: PortalScope(companies: companies, operations: operations),
                             csrfToken: "c2FtcGxlLWNzcmYtdG9rZW4tZm9yLXRlc3Rz", today: today)
    }

    static func operation(_ index: Int) -> PortalOperation { operations[index % operations.count] }

    public static func invoices(count: Int) -> [PortalInvoiceSummary] {
        let statuses = ["open", "partly-paid", "paid", "overdue", "default", "credit"]
        return (0..<count).map { index in
            let op = operation(index)
            let total = Int64(1_234_567 + index * 7_919)
            let status = statuses[index % statuses.count]
            let paid: Int64 = status == "paid" ? total : status == "partly-paid" ? total / 3 : 0
            return PortalInvoiceSummary(number: op.country + "2026" + PortalFormat.pad(index + 1, 6), country: op.country,
                                        period: "2026" + PortalFormat.pad(1 + index / 40 % 12, 2) + "0" + String(1 + index % 2),
                                        agent: "1234567" + PortalFormat.pad(index % 10_000, 4), currency: op.currency,
                                        totalMinor: status == "credit" ? -total : total, status: status,
                                        paidMinor: paid, outstandingMinor: status == "credit" ? 0 : total - paid)
        }
    }

    public static func totals(_ invoices: [PortalInvoiceSummary]) -> [PortalCurrencyTotals] {
        var byCurrency: [String: PortalCurrencyTotals] = [:]
        for invoice in invoices {
            var entry = byCurrency[invoice.currency] ?? PortalCurrencyTotals(currency: invoice.currency, count: 0, totalMinor: 0, paidMinor: 0, outstandingMinor: 0)
            entry.count += 1
            entry.totalMinor += invoice.totalMinor
            entry.paidMinor += invoice.paidMinor
            entry.outstandingMinor += invoice.outstandingMinor
            byCurrency[invoice.currency] = entry
        }
        return byCurrency.keys.sorted().compactMap { byCurrency[$0] }
    }

    public static func files(count: Int) -> [PortalFile] {
        let statuses = ["accepted", "received", "rejected", "withdrawn"]
        return (0..<count).map { index in
            let op = operation(index)
            let status = statuses[index % statuses.count]
            return PortalFile(id: "f" + String(1000 + index), name: "125_" + op.country + "_20261102" + PortalFormat.pad(index % 100, 2) + ".cbf",
                              airline: "125", country: op.country, period: "20261102", fileSequence: index + 1, status: status,
                              records: 1200 + index, accepted: status == "rejected" ? 0 : 1180 + index, rejected: status == "rejected" ? 0 : 20,
                              fileCode: status == "rejected" ? "F04" : nil, submittedBy: "ba.input",
                              submittedAt: PortalInstant(secondsSince1970: now.secondsSince1970 - Int64(index) * 600))
        }
    }

    public static func rejections(count: Int) -> [PortalRejection] {
        let codes = ["R01", "R07", "R10", "R12"]
        return (0..<count).map { index in
            PortalRejection(file: "125_GB_2026110201.cbf", airline: "125", country: "GB", period: "20261102", sequence: index + 2,
                            code: codes[index % codes.count], awb: "125-" + PortalFormat.pad(10_000_000 + index * 7, 8),
                            field: "commission amount", message: "expected +00000000413 from weight charge +00000008260 at 5.00 %, found +00000000400")
        }
    }

    public static func invoice(lines: Int = 12) -> PortalInvoice {
        let summary = PortalInvoiceSummary(number: "KW2026000042", country: "KW", period: "20261101", agent: "12345670013", currency: "KWD",
                                           totalMinor: 1_234_567, status: "partly-paid", paidMinor: 234_567, outstandingMinor: 1_000_000)
        let sectionLines = (0..<lines).map { index in
            PortalInvoiceLine(awb: "125-" + PortalFormat.pad(20_000_000 + index * 11, 8), amountMinor: Int64(100_000 + index * 333),
                              transaction: index % 5 == 4 ? "CCA" : "AWB", issueDate: today.adding(days: -20 - index % 7), origin: "KWI", destination: "LHR")
        }
        return PortalInvoice(summary: summary, agentName: "Acme Kuwait", invoiceDate: today.adding(days: -5), remittanceDate: today.adding(days: 10),
                             sections: [PortalInvoiceSection(airline: "125", airlineName: "British Airways", lines: sectionLines, totalMinor: 1_234_567)],
                             payments: [PortalPayment(invoice: summary.number, currency: "KWD", amountMinor: 234_567, method: "bank-transfer",
                                                      date: today.adding(days: -1), reference: "TRF-0042")],
                             disputes: [dispute()], disputeDeadline: today.adding(days: 25))
    }

    public static func dispute(status: String = "open") -> PortalDispute {
        PortalDispute(id: "d42", invoice: "KW2026000042", awb: "125-20000011", agent: "12345670013", airline: "125", currency: "KWD",
                      amountMinor: 100_333, acceptedMinor: status == "accepted" ? 50_000 : nil, status: status,
                      reason: "Weight charged twice",
                      history: [PortalDisputeStep(at: now, by: "acme.kw", action: "raised", amountMinor: 100_333, reason: "Weight charged twice")])
    }

    public static func risk(count: Int) -> [PortalRiskItem] {
        (0..<count).map { index in
            let op = operation(index)
            let grade = ["A", "B", "C", "D"][index % 4]
            return PortalRiskItem(country: op.country, agent: "1234567" + PortalFormat.pad(index, 4), agentName: "Agent \(index)", currency: op.currency,
                                  exposureMinor: Int64(500_000 + index * 1000), guaranteeMinor: index % 7 == 6 ? 0 : 1_000_000,
                                  ratioTenthsPercent: index % 7 == 6 ? nil : Int64(500 + index), delayDays: index % 5, grade: grade)
        }
    }

    public static func statistics() -> PortalStatistics {
        let ops = operations.enumerated().map { index, op in
            PortalOperationStatistics(
                country: op.country, period: "20261102", currency: op.currency,
                filesByStatus: [PortalCount("received", 1 + index), PortalCount("accepted", 20 + index), PortalCount("rejected", 2), PortalCount("withdrawn", 1)],
                recordsAccepted: 48_000 + index * 1000, recordsRejected: 480 + index,
                rejectionsByCode: [PortalCount("R01", 120), PortalCount("R07", 90 + index), PortalCount("R10", 40), PortalCount("F04", 2)],
                airlines: [PortalAirlineFigures(airline: "125", airlineName: "British Airways", billedMinor: 12_345_678, paidMinor: 10_000_000),
                           PortalAirlineFigures(airline: "176", airlineName: "Emirates", billedMinor: 8_765_432, paidMinor: 8_000_000),
                           PortalAirlineFigures(airline: "229", airlineName: "Kuwait Airways", billedMinor: -12_345, paidMinor: 0)],
                invoicesIssued: 310 + index, paidMinor: 18_000_000, outstandingMinor: 3_098_765,
                disputesByState: [PortalCount("open", 4), PortalCount("escalated", 1), PortalCount("accepted", 7), PortalCount("rejected", 3)])
        }
        let hourly = (0..<24).map { hour in
            PortalHourlyCount(hour: PortalInstant(secondsSince1970: now.secondsSince1970 - Int64(23 - hour) * 3600 - 1800),
                              files: (hour * 7) % 11, records: ((hour * 7) % 11) * 1200)
        }
        return PortalStatistics(operations: ops, hourly: hourly, asOf: now)
    }

    public static func users(count: Int) -> [PortalUser] {
        (0..<count).map { index in
            PortalUser(username: "user" + String(index), company: "airline-125", role: [.viewer, .input, .admin][index % 3], name: "User \(index)",
                       email: "user\(index)@example.com", language: PortalLanguage.allCases[index % 8].rawValue,
                       operations: index % 2 == 0 ? ["*"] : ["GB", "JP"], disabled: index % 5 == 4)
        }
    }

    public static func settings(agent: Bool) -> PortalSettings {
        PortalSettings(company: agent ? "agent-GB-12345678901" : "airline-125", language: "en", formats: ["pdf", "xml"], distribution: ["download"],
                       webhooks: [PortalWebhook(url: "https://erp.example.com/cass", secret: "s3cret-value")], emails: ["billing@example.com"],
                       directDebit: agent ? false : nil)
    }

    public static func periods() -> [PortalOperationPeriods] {
        operations.map { op in
            PortalOperationPeriods(operation: op, periods: [
                PortalPeriod(period: "20261101", status: "closed", files: 40, records: 52_000, invoices: 300),
                PortalPeriod(period: "20261102", status: "open", files: 12, records: 14_000, invoices: 0),
            ])
        }
    }

    public static func wallet() -> [PortalWalletBalance] {
        [PortalWalletBalance(country: "GB", currency: "GBP", balanceMinor: 150_000, creditMinor: 0),
         PortalWalletBalance(country: "KW", currency: "KWD", balanceMinor: 1_234_567, creditMinor: 500)]
    }

    public static func payments(count: Int) -> [PortalPayment] {
        let invoices = invoices(count: count)
        return invoices.enumerated().map { index, invoice in
            PortalPayment(invoice: invoice.number, currency: invoice.currency, amountMinor: invoice.totalMinor / 2,
                          method: ["bank-transfer", "direct-debit", "card", "wallet", "credit"][index % 5], date: today.adding(days: -index % 30), reference: "REF-\(index)")
        }
    }

    /// Every page for one user kind and role, by name: what the preview
    /// script writes and the tests scan.
    public static func allPages(_ kind: PortalCompanyKind, role: PortalRole, language: PortalLanguage, invoices invoiceCount: Int = 25) -> [(name: String, html: [UInt8])] {
        let ctx = context(kind, role: role, language: language)
        let list = invoices(count: invoiceCount)
        var anonymous = ctx
        anonymous.viewer = nil
        anonymous.scope = PortalScope()
        var pages: [(String, [UInt8])] = [
            ("login", PortalPages.login(anonymous, next: "/invoices")),
            ("error-403", PortalPages.error(ctx, status: 403)),
            ("error-404", PortalPages.error(ctx, status: 404)),
            ("error-500", PortalPages.error(anonymous, status: 500)),
            ("statistics", PortalPages.statistics(ctx, statistics: statistics())),
            ("disputes", PortalPages.disputes(ctx, disputes: PortalList(items: [dispute(), dispute(status: "accepted")], next: "Y3Vyc29yLTI"))),
            ("dispute", PortalPages.dispute(ctx, dispute: dispute(status: kind == .cassOperator ? "escalated" : "open"))),
            ("account", PortalPages.account(ctx, user: users(count: 1)[0])),
        ]
        switch kind {
        case .airline, .cassOperator:
            pages.append(("files", PortalPages.files(ctx, files: PortalList(items: files(count: 12), next: "Y3Vyc29yLTE"))))
            pages.append(("file", PortalPages.file(ctx, file: files(count: 1)[0], rejections: PortalList(items: rejections(count: 8)))))
            pages.append(("validation", PortalPages.validation(ctx, result: PortalValidation(name: "125_GB_2026110203.cbf", fileCode: nil, records: 120, accepted: 116, rejections: rejections(count: 4)))))
        case .agent, .agentGroup:
            break
        }
        if kind != .airline {
            pages.append(("invoices", PortalPages.invoices(ctx, invoices: PortalList(items: list, next: nil), totals: totals(list))))
            pages.append(("invoice", PortalPages.invoice(ctx, invoice: invoice(), selectedAWB: "125-20000011")))
            pages.append(("payments", PortalPages.payments(ctx, payments: PortalList(items: payments(count: 6)), wallet: wallet(),
                                                           directDebit: kind == .cassOperator ? nil : false, outstanding: Array(list.prefix(5)))))
            pages.append(("risk", PortalPages.risk(ctx, items: PortalList(items: risk(count: 12)))))
        }
        if kind == .cassOperator { pages.append(("periods", PortalPages.periods(ctx, operations: periods()))) }
        if role == .admin {
            pages.append(("users", PortalPages.users(ctx, users: PortalList(items: users(count: 6)))))
            pages.append(("user", PortalPages.user(ctx, user: users(count: 3)[2])))
            pages.append(("settings", PortalPages.settings(ctx, settings: settings(agent: kind == .agent || kind == .agentGroup))))
        }
        return pages
    }
}
