import CASSAccess
import CASSAccounts
import CASSDomain
import CASSEngine
import CASSHTTP
import Foundation

/// Invoices, their documents, settlements and the report CSVs
/// (portal.md "Invoices", "Periods and settlement").
enum InvoiceRoutes {
    static let statuses: Set<String> = ["open", "partly-paid", "paid", "overdue", "default", "credit"]

    static func register(_ router: inout Router, _ service: ServiceContext) {
        router.get("/api/v1/invoices") { request in
            let caller = try service.authenticator.caller(request)
            try require(caller.principal, .readInvoice, .collection)
            let paging = try Paging(request)
            let filter = try Filters(request, service: service, caller: caller.principal)
            let rows = try service.invoiceSummaries(by: caller, filter: filter, status: request.query["status"])
            let page = paging.page(rows) { $0.number }
            return try JSONBodies.answer(Page(items: page.items, next: page.next))
        }

        router.get("/api/v1/invoices/{number}") { request in
            let caller = try service.authenticator.caller(request)
            let invoice = try visibleInvoice(request, caller.principal, .readInvoice, service)
            return .json(try service.invoiceJSON(invoice))
        }

        router.get("/api/v1/invoices/{number}/documents/{format}") { request in
            let caller = try service.authenticator.caller(request)
            let invoice = try visibleInvoice(request, caller.principal, .downloadInvoiceDocument, service)
            guard let format = DocumentFormat(rawValue: request.parameter("format") ?? "") else {
                throw APIError.notFound()
            }
            // The PDF and XLSX show the payment summary as it stands today.
            let payments = format == .pdf || format == .xlsx ? service.documentPayments(invoice) : nil
            let bytes = try service.documents.render(invoice, format: format, payments: payments)
            var response = Response.bytes(bytes, contentType: format.contentType)
            response.headers.add("Content-Disposition", "attachment; filename=\"\(invoice.number).\(format.rawValue)\"")
            return response
        }

        router.get("/api/v1/settlements") { request in
            let caller = try service.authenticator.caller(request)
            try require(caller.principal, .readSettlement, .collection)
            let paging = try Paging(request)
            let filter = try Filters(request, service: service, caller: caller.principal)
            let rows = service.invoices.closedPeriods().flatMap(\.disbursements).filter { row in
                filter.matches(country: row.country, period: row.period)
                    && authorize(caller.principal, .readSettlement, .settlement(airline: .airline(prefix: prefixText(row.airlinePrefix)), country: row.country)) == .allow
            }.map { SettlementShape($0) }
            let page = paging.page(rows) { "\($0.country)/\($0.period)/\($0.airline)" }
            return try JSONBodies.answer(Page(items: page.items, next: page.next))
        }

        router.get("/api/v1/reports/settlement-agents.csv") { request in
            let caller = try service.authenticator.caller(request)
            try require(caller.principal, .readReports, .collection)
            let filter = try Filters(request, service: service, caller: caller.principal)
            let closed = Set(service.invoices.closedPeriods().map(\.period))
            // Totals only: no invoice's lines are decoded for the CSV.
            let invoices = service.invoices.headers().filter { invoice in
                closed.contains(PeriodKey(country: invoice.country, period: invoice.period)) && filter.matches(country: invoice.country, period: invoice.period)
                    && authorize(caller.principal, .readInvoice, .invoice(agent: .agent(country: invoice.country, code: invoice.agentCodeText))) == .allow
            }
            return csv(SettlementSummary.agentsCSV(invoices))
        }

        router.get("/api/v1/reports/settlement-airlines.csv") { request in
            let caller = try service.authenticator.caller(request)
            try require(caller.principal, .readReports, .collection)
            let filter = try Filters(request, service: service, caller: caller.principal)
            let rows = service.invoices.closedPeriods().flatMap(\.disbursements).filter { row in
                filter.matches(country: row.country, period: row.period)
                    && authorize(caller.principal, .readSettlement, .settlement(airline: .airline(prefix: prefixText(row.airlinePrefix)), country: row.country)) == .allow
            }
            return csv(SettlementSummary.airlinesCSV(rows))
        }
    }

    static func csv(_ text: String) -> Response {
        Response.bytes(Array(text.utf8), contentType: "text/csv; charset=utf-8")
    }

    static func prefixText(_ prefix: Int32) -> String {
        let digits = String(prefix)
        return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }

    static func require(_ principal: Principal, _ action: Action, _ resource: Resource) throws {
        switch authorize(principal, action, resource) {
        case .allow: return
        case .forbidden: throw APIError.forbidden()
        case .notFound: throw APIError.notFound()
        }
    }

    /// The invoice the path names, if the caller may see it (404 for one of
    /// another company, exactly as for one that does not exist).
    static func visibleInvoice(_ request: Request, _ principal: Principal, _ action: Action, _ service: ServiceContext) throws -> Invoice {
        guard let number = request.parameter("number"), let invoice = service.invoices.invoice(number) else { throw APIError.notFound() }
        let owner = CompanyID.agent(country: invoice.country, code: invoice.agentCodeText)
        if authorize(principal, .readInvoice, .invoice(agent: owner)) != .allow { throw APIError.notFound() }
        try require(principal, action, .invoice(agent: owner))
        return invoice   // ServiceContext.visibleInvoice is the same rule by caller
    }
}

struct SettlementShape: Encodable {
    var country: String
    var period: String
    var airline: String
    var currency: String
    var agents: Int
    var disbursementMinor: Int64

    init(_ row: Disbursement) {
        country = row.country
        period = row.period.text
        airline = InvoiceRoutes.prefixText(row.airlinePrefix)
        currency = row.currency
        agents = row.agents
        disbursementMinor = row.amount
    }
}

/// `?country=&period=&company=` as every list takes them: a value outside
/// the caller's reach answers 404, a malformed one 422.
struct Filters {
    var country: String?
    var period: BillingPeriod?
    var companies: Set<String>?

    init(_ request: Request, service: ServiceContext, caller: Principal) throws {
        if let text = request.query["country"] {
            guard text.count == 2, text.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else { throw APIError.invalid("country", "two capital letters") }
            guard caller.reaches(country: text) else { throw APIError.notFound() }
            country = text
        }
        if let text = request.query["period"] {
            guard text.utf8.count == 8, let digits = Int(text), let value = BillingPeriod(yyyymmnn: digits) else {
                throw APIError.invalid("period", "YYYYMMNN")
            }
            period = value
        }
        if let text = request.query["company"] {
            guard let company = CompanyID(text), caller.reaches(company: company) else { throw APIError.notFound() }
            var members: Set<String> = [company.description]
            for member in service.directory.company(company)?.members ?? [] { members.insert(member.description) }
            companies = members
        }
    }

    func matches(country: String, period: BillingPeriod) -> Bool {
        (self.country == nil || self.country == country) && (self.period == nil || self.period == period)
    }

    func companyMatches(_ company: String) -> Bool { companies?.contains(company) ?? true }
}

/// `GET /api/v1/events`: the caller's events as Server-Sent Events.
enum EventRoutes {
    static func register(_ router: inout Router, _ service: ServiceContext) {
        router.get("/api/v1/events") { request in
            let caller = try service.authenticator.caller(request)
            try InvoiceRoutes.require(caller.principal, .readEvents, .collection)
            return .eventStream(try service.hub.subscribe(caller.principal))
        }
    }
}
