import CASSAccess
import CASSDomain
import CASSHTTP
import CASSWorkers
import Foundation

/// Billing files: upload, list, one file, its rejections and its content
/// (portal.md "Billing files"). Validate and withdraw, which need the
/// stages, are in FileActionRoutes.
enum FileRoutes {
    static func register(_ router: inout Router, _ service: ServiceContext) {
        router.post("/api/v1/files") { request in
            let caller = try service.authenticator.caller(request)
            try InvoiceRoutes.require(caller.principal, .uploadFile, .collection)
            let name = try fileName(request)
            let id = request.headers[AccountsAPI.idempotencyHeader] == nil ? nil
                : try AccountsAPI.recordID(request, caller: caller, scope: "file", prefix: "")
            let received = try request.saveBody(in: service.spool, limit: FileReference.sizeMax)
            let submitted = try service.submitFile(at: received.path, name: name, principal: caller.principal, id: id)
            return try JSONBodies.answer(submitted, status: .created)
        }

        router.get("/api/v1/files") { request in
            let caller = try service.authenticator.caller(request)
            try InvoiceRoutes.require(caller.principal, .readFile, .collection)
            let paging = try Paging(request)
            let filter = try Filters(request, service: service, caller: caller.principal)
            let rows = try service.billingFiles(by: caller, filter: filter, status: request.query["status"])
            let page = paging.page(rows) { key($0) }
            return try JSONBodies.answer(Page(items: page.items.map(FileShape.init), next: page.next))
        }

        router.get("/api/v1/files/{id}") { request in
            let caller = try service.authenticator.caller(request)
            let file = try visibleFile(request, caller.principal, .readFile, service)
            return try JSONBodies.answer(FileShape(file))
        }

        router.get("/api/v1/files/{id}/rejections") { request in
            let caller = try service.authenticator.caller(request)
            let file = try visibleFile(request, caller.principal, .readFile, service)
            let paging = try Paging(request)
            let rows = RejectionOrder.sorted(service.files.rejections(of: file.id)).enumerated().map { RejectionShape($1, index: $0) }
            let page = paging.page(rows) { $0.sortKey }
            return try JSONBodies.answer(Page(items: page.items, next: page.next))
        }

        router.get("/api/v1/files/{id}/content") { request in
            let caller = try service.authenticator.caller(request)
            let file = try visibleFile(request, caller.principal, .downloadFileContent, service)
            guard let reference = file.reference else {
                // Files submitted by path or inline bytes (cass submit) are not kept by the service.
                throw HTTPError(HTTPStatus(404), detail: "the content of \(file.name) was not uploaded through the service")
            }
            let log = service.log, uploads = service.uploads
            var response = Response.stream(contentType: "application/octet-stream") { stream in
                try reference.forEachChunk(from: log, uploads: uploads) { try stream.write($0) }
            }
            response.headers.add("Content-Disposition", "attachment; filename=\"\(file.name)\"")
            return response
        }
    }

    /// Files sort by arrival; the cursor is the arrival number.
    static func key(_ file: BillingFileEntry) -> String {
        let digits = String(file.arrival)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    static func fileName(_ request: Request) throws -> String {
        guard let name = request.query["name"], !name.isEmpty else { throw APIError.invalid("name", "the file's name is required: ?name=NAME") }
        if let problem = FileName.problem(name) { throw APIError.invalid("name", problem) }
        return name
    }

    static func resource(_ file: BillingFileEntry) -> Resource? {
        guard let owner = file.owner, case .airline = owner else { return nil }
        return .billingFile(airline: owner, country: file.country.isEmpty ? "" : file.country)
    }

    static func visible(_ file: BillingFileEntry, _ principal: Principal) -> Bool {
        if principal.company == .cass { return principal.isOperatorAdmin || principal.reaches(country: file.country) }
        guard let resource = resource(file) else { return false }
        if file.country.isEmpty {
            // Not yet read (or unreadable): its uploader's company sees it.
            return principal.actsFor(file.owner ?? .cass)
        }
        return authorize(principal, .readFile, resource) == .allow
    }

    /// The file the path names if the caller may see it (another company's
    /// file answers 404 exactly like a missing one), then the action's check.
    static func visibleFile(_ request: Request, _ principal: Principal, _ action: Action, _ service: ServiceContext) throws -> BillingFileEntry {
        try service.visibleFile(request.parameter("id") ?? "", by: principal, for: action)
    }
}

/// A file as the API answers it.
struct FileShape: Encodable {
    var id: String
    var name: String
    var airline: String
    var country: String
    var period: String
    var fileSequence: Int?
    var status: String
    var records: Int
    var accepted: Int
    var rejected: Int
    var fileCode: String?
    var message: String?
    var submittedBy: String
    var submittedAt: String
    var size: Int64

    init(_ file: BillingFileEntry) {
        id = file.id
        name = file.name
        airline = file.airline
        country = file.country
        period = file.period
        fileSequence = file.fileSequence
        status = file.status.rawValue
        records = file.accepted + file.rejected
        accepted = file.accepted
        rejected = file.rejected
        fileCode = file.fileCode
        message = file.message.isEmpty ? nil : file.message
        submittedBy = file.submittedBy
        submittedAt = file.submittedAt
        size = file.size
    }

    enum CodingKeys: String, CodingKey {
        case id, name, airline, country, period, fileSequence, status, records, accepted, rejected, fileCode, message, submittedBy, submittedAt, size
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(airline, forKey: .airline)
        try c.encode(country, forKey: .country)
        try c.encode(period, forKey: .period)
        try c.encode(fileSequence, forKey: .fileSequence)   // null until read
        try c.encode(status, forKey: .status)
        try c.encode(records, forKey: .records)
        try c.encode(accepted, forKey: .accepted)
        try c.encode(rejected, forKey: .rejected)
        try c.encode(fileCode, forKey: .fileCode)           // null unless the file was rejected
        try c.encodeIfPresent(message, forKey: .message)
        try c.encode(submittedBy, forKey: .submittedBy)
        try c.encode(submittedAt, forKey: .submittedAt)
        try c.encode(size, forKey: .size)
    }
}

/// A rejection row: rejections.csv's columns plus field and message (and
/// where in the file, what was expected and found).
struct RejectionShape: Encodable {
    var file: String
    var airline: String
    var country: String
    var period: String
    var sequence: Int
    var code: String
    var awb: String
    var field: String
    var message: String
    var location: String
    var expected: String
    var found: String
    let sortKey: String

    init(_ rejection: Rejection, index: Int) {
        file = rejection.file
        airline = rejection.airline
        country = rejection.country
        period = rejection.period
        sequence = rejection.sequence
        code = rejection.code.rawValue
        awb = rejection.awb
        field = rejection.problem.field
        message = rejection.problem.message
        location = rejection.problem.location
        expected = rejection.problem.expected
        found = rejection.problem.found
        let digits = String(index)
        sortKey = String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    enum CodingKeys: String, CodingKey { case file, airline, country, period, sequence, code, awb, field, message, location, expected, found }
}

/// Rejections in the report's order (by file, then sequence).
enum RejectionOrder {
    static func sorted(_ rejections: [Rejection]) -> [Rejection] {
        rejections.sorted { $0.sequence < $1.sequence }
    }
}
