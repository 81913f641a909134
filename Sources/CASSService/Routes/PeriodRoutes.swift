import CASSAccess
import CASSAccounts
import CASSDomain
import CASSEngine
import CASSHTTP
import CASSWorkers
import Foundation

/// Operations, their periods, and closing a period (portal.md "Periods
/// and settlement"); the rejections report of closed periods.
enum PeriodRoutes {
    static func register(_ router: inout Router, _ service: ServiceContext) {
        router.get("/api/v1/operations") { request in
            let caller = try service.authenticator.caller(request)
            try InvoiceRoutes.require(caller.principal, .readOperations, .collection)
            let paging = try Paging(request)
            let rows = service.reference.operations.values
                .filter { caller.principal.reaches(country: $0.country) }
                .sorted { $0.country < $1.country }
                .map { OperationShape(country: $0.country, currency: $0.currency, name: $0.entityName) }
            let page = paging.page(rows) { $0.country }
            return try JSONBodies.answer(Page(items: page.items, next: page.next))
        }

        router.get("/api/v1/operations/{country}/periods") { request in
            let caller = try service.authenticator.caller(request)
            let country = try operation(request, caller.principal, .readOperations, service)
            let paging = try Paging(request)
            let rows = periods(of: country, for: caller.principal, service)
            let page = paging.page(rows) { $0.period }
            return try JSONBodies.answer(Page(items: page.items, next: page.next))
        }

        router.post("/api/v1/operations/{country}/periods/{period}/close") { request in
            let caller = try service.authenticator.caller(request)
            let answer = try service.closePeriod(request.parameter("country") ?? "", request.parameter("period") ?? "", by: caller)
            return try JSONBodies.answer(answer, status: answer.status == "closed" ? .ok : HTTPStatus(202))
        }

        router.get("/api/v1/reports/rejections.csv") { request in
            let caller = try service.authenticator.caller(request)
            try InvoiceRoutes.require(caller.principal, .readReports, .collection)
            let filter = try Filters(request, service: service, caller: caller.principal)
            let closed = Set(service.invoices.closedPeriods().map { "\($0.period.country)/\($0.period.period.text)" })
            let rows = service.files.reportedRejectionsWithFiles().filter { entry in
                let rejection = entry.rejection
                guard reported(rejection, closed: closed, reference: service.reference) else { return false }
                if let country = filter.country, rejection.country != country { return false }
                if let period = filter.period, rejection.period != period.text { return false }
                if caller.principal.company == .cass { return caller.principal.isOperatorAdmin || caller.principal.reaches(country: rejection.country) }
                // An airline's rows: those naming it, and those of files it sent (a file too damaged to name its airline).
                if case .airline(let prefix) = caller.principal.company,
                   rejection.airline == prefix || entry.file.map({ $0.company == caller.principal.company.description }) == true {
                    return caller.principal.reaches(country: rejection.country) || rejection.country.isEmpty
                }
                return false
            }.map(\.rejection)
            return InvoiceRoutes.csv(SettlementSummary.rejectionsCSV(rows))
        }
    }

    /// Whether a rejection belongs in the report now: its period is closed,
    /// or it names no period that will ever close (an empty file, an
    /// unknown operation, a malformed period: such rows cannot change, and
    /// `cass settle` lists them too). Rows of open periods wait for the close.
    static func reported(_ rejection: Rejection, closed: Set<String>, reference: ReferenceData) -> Bool {
        if closed.contains("\(rejection.country)/\(rejection.period)") { return true }
        guard let operation = reference.operation(rejection.country), rejection.period.utf8.count == 8, let digits = Int(rejection.period),
              let period = BillingPeriod(yyyymmnn: digits), period.fits(periodsPerMonth: operation.periodsPerMonth) else { return true }
        return false
    }

    /// The operation the path names, if it exists and the caller reaches
    /// it (404 otherwise), then the action's check.
    static func operation(_ request: Request, _ principal: Principal, _ action: Action, _ service: ServiceContext) throws -> String {
        guard let country = request.parameter("country"), service.reference.operation(country) != nil,
              authorize(principal, .readOperations, .operation(country: country)) == .allow else { throw APIError.notFound() }
        try InvoiceRoutes.require(principal, action, .operation(country: country))
        return country
    }

    /// Every period of an operation that has files, a close request or
    /// invoices, with what the caller may see of it.
    static func periods(of country: String, for principal: Principal, _ service: ServiceContext) -> [PeriodShape] {
        var rows: [String: PeriodShape] = [:]
        func row(_ period: String) -> PeriodShape { rows[period] ?? PeriodShape(period: period, status: "open", files: 0, records: 0, invoices: 0) }
        for file in service.files.all() where file.country == country && file.status != .withdrawn && FileRoutes.visible(file, principal) {
            guard !file.period.isEmpty else { continue }
            var entry = row(file.period)
            entry.files += 1
            entry.records += file.accepted + file.rejected
            rows[file.period] = entry
        }
        for key in service.files.closeRequests() where key.country == country {
            rows[key.period.text] = row(key.period.text)
        }
        for invoice in service.invoices.headers() where invoice.country == country
            && authorize(principal, .readInvoice, .invoice(agent: .agent(country: country, code: invoice.agentCodeText))) == .allow {
            var entry = row(invoice.period.text)
            entry.invoices += 1
            rows[entry.period] = entry
        }
        for closed in service.invoices.closedPeriods() where closed.period.country == country {
            rows[closed.period.period.text] = row(closed.period.period.text)
        }
        return rows.values.map { entry in
            var entry = entry
            guard let digits = Int(entry.period), let period = BillingPeriod(yyyymmnn: digits) else { return entry }
            let key = PeriodKey(country: country, period: period)
            entry.status = service.invoices.isClosed(key) ? "closed" : service.files.closeRequested(key) ? "closing" : "open"
            return entry
        }.sorted { $0.period < $1.period }
    }
}

struct OperationShape: Encodable {
    var country: String
    var currency: String
    var name: String
}

struct PeriodShape: Encodable {
    var period: String
    var status: String
    var files: Int
    var records: Int
    var invoices: Int
}

struct PeriodCloseShape: Encodable {
    var country: String
    var period: String
    var status: String
}
