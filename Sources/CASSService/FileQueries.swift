import CASSAccess
import CASSAccounts
import CASSDomain
import CASSEngine
import CASSHTTP
import CASSWorkers
import Foundation

/// Billing files and periods as the API and the portal both ask for them:
/// one function each, so `/files` lists what `GET /api/v1/files` lists,
/// another airline's file is 404 in both, and a period is closed by one
/// rule (FileRoutes, PeriodRoutes and PortalFileRoutes call these).
extension ServiceContext {
    /// The files the caller sees, in arrival order, filtered by
    /// `?country=&period=&company=` and `status` (422 when not a status).
    func billingFiles(by caller: Authenticated, filter: Filters, status text: String?) throws -> [BillingFileEntry] {
        try InvoiceRoutes.require(caller.principal, .readFile, .collection)
        var status: FileStatus?
        if let text {
            guard let value = FileStatus(rawValue: text) else {
                throw APIError.invalid("status", "one of \(FileStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = value
        }
        return files.all().filter { file in
            (status == nil || file.status == status)
                && (filter.country == nil || file.country == filter.country)
                && (filter.period == nil || file.period == filter.period.map { $0.text })
                && filter.companyMatches(file.owner?.description ?? "")
                && FileRoutes.visible(file, caller.principal)
        }
    }

    /// The file `id` if the caller may see it (another company's file is
    /// 404 exactly like a missing one), then the action's check.
    func visibleFile(_ id: String, by principal: Principal, for action: Action) throws -> BillingFileEntry {
        guard let file = files.file(id), FileRoutes.visible(file, principal) else { throw APIError.notFound() }
        if principal.company == .cass {
            if action != .readFile && !principal.isOperatorAdmin { throw APIError.forbidden() }
            return file
        }
        guard let owner = file.owner else { throw APIError.notFound() }
        try InvoiceRoutes.require(principal, action, .billingFile(airline: owner, country: file.country))
        return file
    }

    /// The operation `country` if it exists and the caller reaches it (404
    /// otherwise), then the action's check.
    func visibleOperation(_ country: String, by caller: Authenticated, for action: Action) throws -> String {
        guard reference.operation(country) != nil,
              authorize(caller.principal, .readOperations, .operation(country: country)) == .allow else { throw APIError.notFound() }
        try InvoiceRoutes.require(caller.principal, action, .operation(country: country))
        return country
    }

    /// Closes a period (`cass` admin): `closed` when it already is,
    /// else `closing` once the close marker is on cass.files.
    func closePeriod(_ country: String, _ text: String, by caller: Authenticated) throws -> PeriodCloseShape {
        let country = try visibleOperation(country, by: caller, for: .closePeriod)
        guard text.utf8.count == 8, let digits = Int(text), let period = BillingPeriod(yyyymmnn: digits),
              let periodsPerMonth = reference.operation(country)?.periodsPerMonth, period.number <= periodsPerMonth else {
            throw APIError.invalid("period", "a period YYYYMMNN of operation \(country)")
        }
        let key = PeriodKey(country: country, period: period)
        if invoices.isClosed(key) {
            return PeriodCloseShape(country: country, period: text, status: "closed")
        }
        try closeWrites.withLock {
            try feed.catchUp([TopicCatalog.files])
            guard !files.closeRequested(key) else { return }
            // The accounts learn first: a dispute accepted from now on
            // bills its memo into a later period.
            try accounts.writeSystemRecords([.periodClosed(OperationPeriod(country: country, period: period))])
            // Then the memos of the disputes accepted before: ahead of the
            // marker, so that each is billed in the period it was given.
            try accounts.writeMemos()
            let marker = try Submission.checkedRecord(.closeMarker(period: key, source: 0, sourceCount: 1), operation: country,
                                           partitions: try writer.partitions(TopicCatalog.files))
            try feed.wait(for: try writer.write([marker]))
        }
        return PeriodCloseShape(country: country, period: text, status: "closing")
    }
}
