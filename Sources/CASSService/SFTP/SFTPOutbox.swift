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
    // @unchecked: used from one thread only (the SFTP service's, or the
    // distribution worker's).
    let layout: SFTPLayout
    let sources: OutboxSources
    let say: @Sendable (String) -> Void
    /// `company|country|period|formats` already complete.
    private var done: Set<String> = []
    private var failedSaid: Set<String> = []
    /// Since the start: documents written, and writes of a period's
    /// documents that failed (retried at the next pass). For metrics.
    private(set) var documentsWritten = 0
    private(set) var failures = 0

    /// Who owns what the outbox writes.
    enum Owner {
        /// root and the company's readers group (the trees cass's own
        /// sshd serves: the company's users read, nobody writes).
        case group(UInt32)
        /// The running user, modes 0750/0640 (`cass distribute`: the trees
        /// are served or copied by something else).
        case process

        var group: UInt32? {
            switch self {
            case .group(let id): id
            case .process: nil
            }
        }
    }

    init(layout: SFTPLayout, sources: OutboxSources, say: @escaping @Sendable (String) -> Void) {
        self.layout = layout
        self.sources = sources
        self.say = say
    }

    /// Companies with SFTP users (the service keeps this up to date).
    let withUsers = Locked<Set<CompanyID>>([])

    /// Companies whose outbox gets documents now: those whose settings
    /// choose `sftp`, and those that never saved settings but have SFTP
    /// users (someone who registers a key for SFTP expects the documents
    /// there; a company that saved settings without `sftp` gets none).
    func companies() -> [CompanyID] {
        let chosen = sources.settings.companies.filter { $0.kind != .operator && sources.settings.distribution($0).sftp }
        let unsaved = withUsers.withLock { $0 }.filter { $0.kind != .operator && sources.settings.saved($0) == nil }
        return Array(Set(chosen).union(unsaved)).sorted()
    }

    /// One pass: every closed period whose invoices have all reached this
    /// process, for every company that distributes by SFTP.
    func sync(owner: (CompanyID) -> Owner?) {
        let closed = sources.invoices.closedPeriods()
        guard !closed.isEmpty else { return }
        let wanting = companies()
        guard !wanting.isEmpty else { return }
        let all = sources.invoices.all()
        var byPeriod: [PeriodKey: [Invoice]] = [:]
        for invoice in all { byPeriod[PeriodKey(country: invoice.country, period: invoice.period), default: []].append(invoice) }
        for company in wanting {
            guard let owner = owner(company) else { continue }
            let formats = sources.settings.distribution(company).formats
            for period in closed {
                let key = "\(company)|\(period.period.country)|\(period.period.period.text)|\(formats.joined(separator: ","))"
                guard !done.contains(key) else { continue }
                let invoices = byPeriod[period.period] ?? []
                // The close record can reach the view before the last
                // invoices: wait for them all.
                guard invoices.count >= period.invoices else { continue }
                do {
                    documentsWritten += try write(company, period: period, invoices: invoices, formats: formats, owner: owner)
                    done.insert(key)
                } catch {
                    failures += 1
                    if failedSaid.insert(key).inserted { say("outbox of \(company), \(period.period): \(error)") }
                }
            }
        }
    }

    /// Returns how many documents it wrote (those already there are kept).
    private func write(_ company: CompanyID, period: InvoicesView.ClosedPeriod, invoices: [Invoice], formats: [String], owner: Owner) throws -> Int {
        var documents: [(name: String, bytes: () throws -> [UInt8])] = []
        switch company {
        case .agent, .agentGroup:
            let members = Set(sources.directory.companies[company]?.members.map(\.description) ?? [])
            let own = invoices.filter { invoice in
                let agent = InvoicesView.agentCompany(invoice)
                return agent == company.description || members.contains(agent)
            }
            for invoice in own {
                for format in formats {
                    guard let kind = DocumentFormat(rawValue: format) else { continue }
                    documents.append(("\(invoice.number).\(format)", { try self.sources.documents.render(invoice, format: kind) }))
                }
            }
        case .airline(let prefix):
            let rows = period.disbursements.filter { InvoiceRoutes.prefixText($0.airlinePrefix) == prefix }
            let country = period.period.country
            let periodText = period.period.period.text
            let operation = sources.reference.operation(country)
            let statistics = BillingStatistics.accumulate(
                country: country, period: periodText, currency: operation?.currency ?? rows.first?.currency ?? "",
                minorDigits: operation?.minorDigits ?? 2, invoices: invoices, rejections: sources.files.reportedRejections())
            guard !rows.isEmpty || statistics.airlines[prefix] != nil else { return 0 }
            documents.append(("settlement-airlines.csv", { Array(SettlementSummary.airlinesCSV(rows).utf8) }))
            if let fonts = sources.documents.renderer?.fonts {
                let disbursed = rows.isEmpty ? nil : rows.reduce(Int64(0)) { $0 + $1.amount }
                let report = ManagementStatisticsReport(airline: prefix, statistics: statistics, disbursedMinor: disbursed, reference: sources.reference)
                documents.append(("management-statistics.pdf", { report.render(fonts: fonts) }))
            }
        case .cass:
            return 0
        }
        guard !documents.isEmpty else { return 0 }
        let group = owner.group
        let outbox = layout.outbox(company)
        let country = outbox.appendingPathComponent(period.period.country)
        let folder = country.appendingPathComponent(period.period.period.text)
        // The tree and its outbox as SFTPTrees makes them (already there
        // under cass's sshd; made here by `cass distribute`).
        for level in [layout.tree(company), outbox, country, folder] { try SFTPFiles.folder(level, group: group, mode: 0o750) }
        // What a process killed while writing left: its temporary names
        // (`.NAME.RANDOM.tmp`), never listed as documents, removed here so
        // that they do not pile up. One writer per tree (docs/sftp.md).
        let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix(".") && $0.hasSuffix(".tmp") }
        for name in leftovers { try? FileManager.default.removeItem(at: folder.appendingPathComponent(name)) }
        var written = 0
        for document in documents {
            let file = folder.appendingPathComponent(document.name)
            // Never rewritten: what a client fetched stays what it fetched
            // (also after a restart, when `done` is empty again).
            if FileManager.default.fileExists(atPath: file.path) { continue }
            try SFTPFiles.writeAtomically(try document.bytes(), to: file, mode: 0o640, group: group)
            written += 1
        }
        if written > 0 { say("outbox of \(company): \(written) document(s) for \(period.period.country) \(period.period.period.text)") }
        return written
    }
}

/// What the outbox reads: closes and invoices, settings, file outcomes
/// (the statistics' rejections), the documents' renderer and the reference
/// data. `cass serve` gives its own views; `cass distribute` those of its
/// own feed (`Distributor`). One outbox, whoever runs it.
struct OutboxSources: Sendable {
    let invoices: InvoicesView
    let settings: SettingsView
    let files: FilesView
    let documents: DocumentCache
    let directory: CompanyDirectory
    let reference: ReferenceData
}
