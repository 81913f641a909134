import CASSAccess
import CASSDomain
import CASSEngine
import CASSHTTP
import CASSPortal
import CASSWorkers
import Foundation

/// `/files` and `/files/{id}` with the upload form (docs/portal.md): the
/// same functions as `/api/v1/files` (`ServiceContext.billingFiles`,
/// `visibleFile`, `submitFile`), so the page lists what the API lists,
/// another airline's file is the 404 page, and an upload is refused
/// exactly as the API refuses it (403 for a header naming another airline,
/// nothing kept; 413 beyond 256 MiB; 422 for a bad name).
enum PortalFileRoutes {
    static func register(_ router: inout Router, _ site: PortalSite) {
        site.page(&router, "/files") { call in
            call.html(try filesPage(call, call.context()))
        }

        site.page(&router, "/files/{id}") { call in
            call.html(try filePage(call, call.request.parameter("id") ?? "", call.context()))
        }

        // The upload form's second button (formaction): what the file would
        // get now, nothing kept, through the API's dry run.
        site.form(&router, "/files/validate", multipart: true, fileLimit: FileReference.sizeMax,
                  precheck: { call in try InvoiceRoutes.require(call.principal, .validateFile, .collection) }) { call, fields in
            do {
                guard let file = fields.files.first(where: { $0.name == "file" }) else {
                    throw APIError.invalid("file", "choose a billing file to check")
                }
                if let problem = FileName.problem(file.filename) { throw APIError.invalid("file", problem) }
                let answer = try call.service.dryRun(at: file.path, name: file.filename, principal: call.principal, replies: call.site.replies)
                let result = PortalValidation(name: file.filename, fileCode: answer.fileCode, records: answer.records, accepted: answer.accepted,
                                              rejections: answer.rejections.map(portalRejection))
                return call.html(PortalPages.validation(call.context(), result: result))
            } catch {
                return try call.refusal(error, form: .upload, values: [:], fieldNames: ["name": "file"]) { try filesPage(call, $0) }
            }
        }

        site.form(&router, "/files/{id}/withdraw") { call, _ in
            let id = call.request.parameter("id") ?? ""
            do {
                let file = try call.service.visibleFile(id, by: call.principal, for: .withdrawFile)
                _ = try call.service.withdrawFile(file, replies: call.site.replies)
                return call.redirect(to: "/files", .fileWithdrawn)
            } catch let refusal as ServiceContext.WithdrawRefusal {
                // 409 with the names of the later files in the notice.
                return try call.refusal(HTTPError(HTTPStatus(409), detail: refusal.detail), form: .upload, values: [:]) { try filesPage(call, $0) }
            } catch {
                return try call.refusal(error, form: .upload, values: [:]) { try filesPage(call, $0) }
            }
        }

        // The role is checked before a byte of the body is read.
        site.form(&router, "/files", multipart: true, fileLimit: FileReference.sizeMax,
                  precheck: { call in try InvoiceRoutes.require(call.principal, .uploadFile, .collection) }) { call, fields in
            do {
                guard let file = fields.files.first(where: { $0.name == "file" }) else {
                    throw APIError.invalid("file", "choose a billing file to upload")
                }
                // The name as the browser sent it (a basename): the API's rule judges it.
                let name = file.filename
                if let problem = FileName.problem(name) { throw APIError.invalid("file", problem) }
                _ = try call.service.submitFile(at: file.path, name: name, principal: call.principal)
                return call.redirect(to: "/files", .fileUploaded)
            } catch {
                return try call.refusal(error, form: .upload, values: [:], fieldNames: ["name": "file"]) { try filesPage(call, $0) }
            }
        }
    }

    static func portalFile(_ file: BillingFileEntry, closed: (PeriodKey) -> Bool) -> PortalFile {
        let key = Int(file.period).flatMap { BillingPeriod(yyyymmnn: $0) }.map { PeriodKey(country: file.country, period: $0) }
        let open = key.map { !closed($0) } ?? false
        return PortalFile(id: file.id, name: file.name, airline: file.airline, country: file.country, period: file.period,
                          fileSequence: file.fileSequence, status: file.status.rawValue, records: file.accepted + file.rejected,
                          accepted: file.accepted, rejected: file.rejected, fileCode: file.fileCode, submittedBy: file.submittedBy,
                          submittedAt: PortalInstant(rfc3339: file.submittedAt), withdrawable: file.status == .accepted && open)
    }

    static func portalRejection(_ row: RejectionShape) -> PortalRejection {
        PortalRejection(file: row.file, airline: row.airline, country: row.country, period: row.period, sequence: row.sequence,
                        code: row.code, awb: row.awb, field: row.field, message: row.message)
    }

    static func filesPage(_ call: PortalCall, _ ctx: PortalContext) throws -> [UInt8] {
        let service = call.service
        let filter = try Filters(call.request, service: service, caller: call.principal)
        let rows = try service.billingFiles(by: call.caller, filter: filter, status: call.request.query["status"])
        let page = try Paging(call.request).page(rows) { FileRoutes.key($0) }
        let items = page.items.map { portalFile($0, closed: service.invoices.isClosed) }
        return PortalPages.files(ctx, files: PortalList(items: items, next: page.next), filters: PortalBillingRoutes.filters(call))
    }

    static func filePage(_ call: PortalCall, _ id: String, _ ctx: PortalContext) throws -> [UInt8] {
        let service = call.service
        let file = try service.visibleFile(id, by: call.principal, for: .readFile)
        let rejections = RejectionOrder.sorted(service.files.rejections(of: file.id)).map { rejection in
            PortalRejection(file: rejection.file, airline: rejection.airline, country: rejection.country, period: rejection.period,
                            sequence: rejection.sequence, code: rejection.code.rawValue, awb: rejection.awb,
                            field: rejection.problem.field, message: rejection.problem.message)
        }
        let page = try Paging(call.request).page(Array(rejections.enumerated())) { String(format: "%012d", $0.offset) }
        return PortalPages.file(ctx, file: portalFile(file, closed: service.invoices.isClosed),
                                rejections: PortalList(items: page.items.map(\.element), next: page.next))
    }
}

/// `/periods` (the operator): each operation's periods with a Close button
/// per open one, over the same functions as `/api/v1/operations/...`.
enum PortalPeriodRoutes {
    static func register(_ router: inout Router, _ site: PortalSite) {
        site.page(&router, "/periods") { call in
            call.html(try periodsPage(call, call.context()))
        }

        site.form(&router, "/periods/{country}/{period}/close") { call, _ in
            do {
                _ = try call.service.closePeriod(call.request.parameter("country") ?? "", call.request.parameter("period") ?? "", by: call.caller)
                return call.redirect(to: "/periods", .periodClosing)
            } catch {
                return try call.refusal(error, form: .settings, values: [:]) { try periodsPage(call, $0) }
            }
        }
    }

    static func periodsPage(_ call: PortalCall, _ ctx: PortalContext) throws -> [UInt8] {
        let service = call.service
        try InvoiceRoutes.require(call.principal, .readOperations, .collection)
        let countries = service.reference.operations.keys.sorted().filter { call.principal.reaches(country: $0) }
            .filter { call.request.query["country"] == nil || call.request.query["country"] == $0 }
        let operations = try countries.map { country in
            let operation = try service.visibleOperation(country, by: call.caller, for: .readOperations)
            let reference = service.reference.operation(operation)
            return PortalOperationPeriods(
                operation: PortalOperation(country: operation, currency: reference?.currency ?? "", name: reference?.entityName ?? ""),
                periods: PeriodRoutes.periods(of: operation, for: call.principal, service).map {
                    PortalPeriod(period: $0.period, status: $0.status, files: $0.files, records: $0.records, invoices: $0.invoices)
                })
        }
        return PortalPages.periods(ctx, operations: operations)
    }
}
