import CASSAccess
import CASSAccounts
import CASSDomain
import CASSEngine
import CASSHTTP
import CASSPortal
import Foundation

/// `GET /api/v1/statistics` (portal.md "Real-time reporting, statistics,
/// events") and the portal's dashboard: per operation and period, what the
/// caller's company may see and no more. An agent sees its own invoices
/// (billed per airline on them, paid, outstanding), an airline its own
/// sections of the invoices that carry them (no agent's payments), `cass`
/// everything; disputes are those `authorize` lets the caller read.
struct OperationStatisticsShape: Encodable {
    var country: String
    var period: String
    var currency: String
    /// Billing files by status (`received`, `accepted`, `rejected`, `withdrawn`).
    var files: [String: Int]
    var records: RecordFigures
    /// Net billed per airline (3-digit prefix) on the period's invoices.
    var netBilledByAirline: [AirlineFiguresShape]
    /// Invoices issued for the period.
    var invoices: Int
    /// Paid and outstanding on the period's invoices as of today; absent
    /// for an airline (those are its agents' accounts, not its own).
    var paidMinor: Int64?
    var outstandingMinor: Int64?
    /// Disputes on the period's invoices by state.
    var disputes: [String: Int]

    struct RecordFigures: Encodable {
        var accepted: Int
        var rejected: Int
        var rejectedByCode: [String: Int]
    }
}

struct AirlineFiguresShape: Encodable {
    var airline: String
    var airlineName: String
    var netMinor: Int64
}

/// The file figures of one operation and period, from the billing files
/// view when the service has one (airline input); zero until then.
struct FileFigures {
    var filesByStatus: [String: Int] = [:]
    var recordsAccepted = 0
    var recordsRejected = 0
    var rejectionsByCode: [String: Int] = [:]
}

extension ServiceContext {
    /// The caller's statistics, one item per operation and period, in
    /// country then period order. `filter` is `?country=&period=&company=`.
    func statistics(by caller: Authenticated, filter: Filters) throws -> [OperationStatisticsShape] {
        try InvoiceRoutes.require(caller.principal, .readStatistics, .collection)
        let principal = caller.principal
        let today = clock.today()
        var items: [PeriodKey: OperationStatisticsShape] = [:]
        var airlineTotals: [PeriodKey: [Int32: Int64]] = [:]
        var invoicePeriods: [String: PeriodKey] = [:]

        // An airline's own figures, or the operator narrowing to one airline
        // (`?company=airline-PPP`): that airline's sections, no agent's payments.
        let airlinePrefix: Int32? = {
            if case .airline(let prefix) = principal.company { return Int32(prefix) }
            if let companies = filter.companies, companies.count == 1, let only = companies.first,
               case .airline(let prefix)? = CompanyID(only) { return Int32(prefix) }
            return nil
        }()

        func item(_ key: PeriodKey) -> OperationStatisticsShape {
            items[key] ?? OperationStatisticsShape(
                country: key.country, period: key.period.text, currency: reference.operation(key.country)?.currency ?? "",
                files: [:], records: .init(accepted: 0, rejected: 0, rejectedByCode: [:]), netBilledByAirline: [], invoices: 0,
                paidMinor: airlinePrefix != nil ? nil : 0, outstandingMinor: airlinePrefix != nil ? nil : 0,
                disputes: [:])
        }
        let all = candidateInvoices(principal)
        accounts.read { state in
            for invoice in all where filter.matches(country: invoice.country, period: invoice.period) && principal.reaches(country: invoice.country) {
                let key = PeriodKey(country: invoice.country, period: invoice.period)
                let sections: [InvoiceSection]
                if let airlinePrefix {
                    // An airline: its own section of any invoice, nothing else.
                    sections = invoice.sections.filter { $0.airlinePrefix == airlinePrefix }
                    guard !sections.isEmpty else { continue }
                } else {
                    guard filter.companyMatches(InvoicesView.agentCompany(invoice)),
                          authorize(principal, .readInvoice, .invoice(agent: .agent(country: invoice.country, code: invoice.agentCodeText))) == .allow
                    else { continue }
                    sections = invoice.sections
                }
                // Only invoices counted here count their disputes below (an
                // operator's `?company=` leaves other agents' out of both).
                invoicePeriods[invoice.number] = key
                var entry = item(key)
                entry.invoices += 1
                if airlinePrefix == nil {
                    let standing = PaymentStanding(invoice, summary: state.paymentSummary(of: invoice.number, asOf: today), today: today)
                    entry.paidMinor = PortalShapes.add(entry.paidMinor ?? 0, standing.paidMinor)
                    entry.outstandingMinor = PortalShapes.add(entry.outstandingMinor ?? 0, standing.outstandingMinor)
                }
                for section in sections {
                    airlineTotals[key, default: [:]][section.airlinePrefix] = PortalShapes.add(airlineTotals[key]?[section.airlinePrefix] ?? 0, section.netDue)
                }
                items[key] = entry
            }
        }
        for dispute in accounts.view.read({ $0.disputes(asOf: today) })
        where authorize(principal, .readDispute, AccountsAPI.dispute(dispute)) == .allow {
            guard let key = invoicePeriods[dispute.invoice] else { continue }
            // Read, then write: `items[key, default: item(key)]` would read
            // `items` (in `item`) during its own modification, an access
            // conflict that ends the process.
            var entry = item(key)
            entry.disputes[dispute.status.rawValue, default: 0] += 1
            items[key] = entry
        }
        for (key, figures) in fileFigures(by: caller, filter: filter) {
            var entry = item(key)
            entry.files = figures.filesByStatus
            entry.records = .init(accepted: figures.recordsAccepted, rejected: figures.recordsRejected, rejectedByCode: figures.rejectionsByCode)
            items[key] = entry
        }
        for (key, totals) in airlineTotals {
            items[key]?.netBilledByAirline = totals.sorted { $0.key < $1.key }.map { prefix, amount in
                AirlineFiguresShape(airline: CASSAccounts.AirlinePrefixText.format(prefix), airlineName: reference.airline(prefix)?.name ?? "",
                                    netMinor: amount)
            }
        }
        return items.sorted { ($0.key.country, $0.key.period.yyyymmnn) < ($1.key.country, $1.key.period.yyyymmnn) }.map(\.value)
    }

    /// Billing files and records per operation and period, for the
    /// caller: the files `GET /api/v1/files` lists for it. A withdrawn
    /// file counts under its status, its records no longer.
    func fileFigures(by caller: Authenticated, filter: Filters) -> [PeriodKey: FileFigures] {
        var figures: [PeriodKey: FileFigures] = [:]
        for file in visibleFiles(caller, filter) {
            guard let digits = Int(file.period), let period = BillingPeriod(yyyymmnn: digits) else { continue }
            let key = PeriodKey(country: file.country, period: period)
            var entry = figures[key] ?? FileFigures()
            entry.filesByStatus[file.status.rawValue, default: 0] += 1
            if file.status != .withdrawn {
                entry.recordsAccepted += file.accepted
                entry.recordsRejected += file.rejected
                for rejection in files.rejections(of: file.id) { entry.rejectionsByCode[rejection.code.rawValue, default: 0] += 1 }
            }
            figures[key] = entry
        }
        return figures
    }

    /// The files `GET /api/v1/files` lists for the caller (none for a
    /// company that has no files view, such as an agent).
    private func visibleFiles(_ caller: Authenticated, _ filter: Filters) -> [BillingFileEntry] {
        ((try? billingFiles(by: caller, filter: filter, status: nil)) ?? []).filter { !$0.country.isEmpty }
    }

    /// Files and records received per hour (UTC), the last 48 hours up to
    /// now, oldest first, for the dashboard's charts.
    func hourlyFigures(by caller: Authenticated, filter: Filters) -> [PortalHourlyCount] {
        let now = clock.instant().millisecondsSince1970 / 1000
        let currentHour = now - now % 3600
        let first = currentHour - 47 * 3600
        var files = [Int](repeating: 0, count: 48), records = [Int](repeating: 0, count: 48)
        for file in (try? billingFiles(by: caller, filter: filter, status: nil)) ?? [] {
            guard let at = PortalInstant(rfc3339: file.submittedAt)?.secondsSince1970, at >= first, at < currentHour + 3600 else { continue }
            let index = Int((at - first) / 3600)
            files[index] += 1
            records[index] += file.accepted + file.rejected
        }
        return (0..<48).map { PortalHourlyCount(hour: PortalInstant(secondsSince1970: first + Int64($0) * 3600), files: files[$0], records: records[$0]) }
    }
}

/// `GET /api/v1/statistics?country=&period=&company=`: a page of
/// `OperationStatisticsShape`, like every list.
enum StatisticsRoutes {
    static func register(_ router: inout Router, _ service: ServiceContext) {
        router.get("/api/v1/statistics") { request in
            let caller = try service.authenticator.caller(request)
            let paging = try Paging(request)
            let filter = try Filters(request, service: service, caller: caller.principal)
            let items = try service.statistics(by: caller, filter: filter)
            let page = paging.page(items) { "\($0.country)-\($0.period)" }
            return try JSONBodies.answer(Page(items: page.items, next: page.next))
        }
    }
}
