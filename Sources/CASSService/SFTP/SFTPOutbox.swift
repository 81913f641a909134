import CASSAccess
import CASSDomain
import CASSEngine
import CASSRender
import CASSLog
import Foundation

/// After each close, the documents of every company that chose `sftp` in
/// its settings, in the formats it chose, under `outbox/COUNTRY/PERIOD/`:
/// agents (and agent groups, for their members) their Cargo Sales Reports
/// `NUMBER.pdf|xlsx|hot|xml`; airlines their settlement
/// (`settlement-airlines.csv`, settlement.md's columns, their rows) and
/// the Management Statistics report (`management-statistics.pdf`).
/// A document already there is never written again: what an SFTP client
/// fetched stays what it fetched.
final class SFTPOutbox: @unchecked Sendable {
    // @unchecked: used from the SFTP service's one thread only.
    let layout: SFTPLayout
    let context: ServiceContext
    let say: @Sendable (String) -> Void
    /// `company|country|period|formats` already complete.
    private var done: Set<String> = []
    private var failedSaid: Set<String> = []

    init(layout: SFTPLayout, context: ServiceContext, say: @escaping @Sendable (String) -> Void) {
        self.layout = layout
        self.context = context
        self.say = say
    }

    /// Companies with SFTP users (the service keeps this up to date).
    let withUsers = Locked<Set<CompanyID>>([])

    /// Companies whose outbox gets documents now: those whose settings
    /// choose `sftp`, and those that never saved settings but have SFTP
    /// users (someone who registers a key for SFTP expects the documents
    /// there; a company that saved settings without `sftp` gets none).
    func companies() -> [CompanyID] {
        let chosen = context.settings.companies.filter { $0.kind != .operator && context.settings.distribution($0).sftp }
        let unsaved = withUsers.withLock { $0 }.filter { $0.kind != .operator && context.settings.saved($0) == nil }
        return Array(Set(chosen).union(unsaved)).sorted()
    }

    /// One pass: every closed period whose invoices have all reached this
    /// process, for every company that distributes by SFTP.
    func sync(groups: (CompanyID) -> UInt32?) {
        let closed = context.invoices.closedPeriods()
        guard !closed.isEmpty else { return }
        let wanting = companies()
        guard !wanting.isEmpty else { return }
        let all = context.invoices.all()
        var byPeriod: [PeriodKey: [Invoice]] = [:]
        for invoice in all { byPeriod[PeriodKey(country: invoice.country, period: invoice.period), default: []].append(invoice) }
        for company in wanting {
            guard let group = groups(company) else { continue }
            let formats = context.settings.distribution(company).formats
            for period in closed {
                let key = "\(company)|\(period.period.country)|\(period.period.period.yyyymmnn)|\(formats.joined(separator: ","))"
                guard !done.contains(key) else { continue }
                let invoices = byPeriod[period.period] ?? []
                // The close record can reach the view before the last
                // invoices: wait for them all.
                guard invoices.count >= period.invoices else { continue }
                do {
                    try write(company, period: period, invoices: invoices, formats: formats, group: group)
                    done.insert(key)
                } catch {
                    if failedSaid.insert(key).inserted { say("outbox of \(company), \(period.period): \(error)") }
                }
            }
        }
    }

    private func write(_ company: CompanyID, period: InvoicesView.ClosedPeriod, invoices: [Invoice], formats: [String], group: UInt32) throws {
        var documents: [(name: String, bytes: () throws -> [UInt8])] = []
        switch company {
        case .agent, .agentGroup:
            let members = Set(context.directory.companies[company]?.members.map(\.description) ?? [])
            let own = invoices.filter { invoice in
                let agent = InvoicesView.agentCompany(invoice)
                return agent == company.description || members.contains(agent)
            }
            for invoice in own {
                for format in formats {
                    guard let kind = DocumentFormat(rawValue: format) else { continue }
                    documents.append(("\(invoice.number).\(format)", { try self.context.documents.render(invoice, format: kind) }))
                }
            }
        case .airline(let prefix):
            let rows = period.disbursements.filter { InvoiceRoutes.prefixText($0.airlinePrefix) == prefix }
            let country = period.period.country
            let periodText = String(period.period.period.yyyymmnn)
            let operation = context.reference.operation(country)
            let statistics = BillingStatistics.accumulate(
                country: country, period: periodText, currency: operation?.currency ?? rows.first?.currency ?? "",
                minorDigits: operation?.minorDigits ?? 2, invoices: invoices, rejections: context.files.reportedRejections())
            guard !rows.isEmpty || statistics.airlines[prefix] != nil else { return }
            documents.append(("settlement-airlines.csv", { Array(SettlementSummary.airlinesCSV(rows).utf8) }))
            if let fonts = context.documents.renderer?.fonts {
                let disbursed = rows.isEmpty ? nil : rows.reduce(Int64(0)) { $0 + $1.amount }
                let report = ManagementStatisticsReport(airline: prefix, statistics: statistics, disbursedMinor: disbursed, reference: context.reference)
                documents.append(("management-statistics.pdf", { report.render(fonts: fonts) }))
            }
        case .cass:
            return
        }
        guard !documents.isEmpty else { return }
        let country = layout.outbox(company).appendingPathComponent(period.period.country)
        let folder = country.appendingPathComponent(String(period.period.period.yyyymmnn))
        try SFTPFiles.folder(country, group: group, mode: 0o750)
        try SFTPFiles.folder(folder, group: group, mode: 0o750)
        var written = 0
        for document in documents {
            let file = folder.appendingPathComponent(document.name)
            if FileManager.default.fileExists(atPath: file.path) { continue }
            try SFTPFiles.writeAtomically(try document.bytes(), to: file, mode: 0o640, group: group)
            written += 1
        }
        if written > 0 { say("outbox of \(company): \(written) document(s) for \(period.period.country) \(period.period.period.yyyymmnn)") }
    }
}
