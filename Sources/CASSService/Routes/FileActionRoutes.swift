import CASSAccess
import CASSDomain
import CASSEngine
import CASSHTTP
import CASSLog
import CASSWorkers
import Foundation

/// The two billing-file operations that need the pipeline's stages
/// (portal.md "Billing files"): the dry-run validate and the withdrawal.
/// Both are written to cass.files on the file's operation's partition, so
/// they take their place in the processing order; the stages answer in
/// parts on cass.replies, which `RepliesView` collects (docs/service.md,
/// "Validate and withdraw").
enum FileActionRoutes {
    /// How long a request waits for the stages: a dry run of a large file
    /// reads and checks all of it.
    static let answerTimeoutMs = 120_000

    static func register(_ router: inout Router, _ service: ServiceContext, replies: RepliesView) {
        router.post("/api/v1/files/validate") { request in
            let caller = try service.authenticator.caller(request)
            try InvoiceRoutes.require(caller.principal, .validateFile, .collection)
            let name = try FileRoutes.fileName(request)
            let received = try request.saveBody(in: service.spool, limit: FileReference.sizeMax)
            let answer = try service.dryRun(at: received.path, name: name, principal: caller.principal, replies: replies)
            return try JSONBodies.answer(answer)
        }

        router.post("/api/v1/files/{id}/withdraw") { request in
            let caller = try service.authenticator.caller(request)
            let file = try FileRoutes.visibleFile(request, caller.principal, .withdrawFile, service)
            return try service.withdraw(file, replies: replies)
        }
    }
}

/// `POST /files/validate`'s answer.
struct DryRunShape: Encodable {
    var fileCode: String?
    var records: Int
    var accepted: Int
    var rejections: [RejectionShape]

    enum CodingKeys: String, CodingKey { case fileCode, records, accepted, rejections }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fileCode, forKey: .fileCode) // null when the file passes its file-level checks
        try c.encode(records, forKey: .records)
        try c.encode(accepted, forKey: .accepted)
        try c.encode(rejections, forKey: .rejections)
    }
}

extension ServiceContext {
    /// A dry run of the file at `path`: checked now as it would be if sent,
    /// against the current registry and ledger; nothing is kept or billed.
    func dryRun(at path: String, name: String, principal: Principal, replies: RepliesView) throws -> DryRunShape {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw ServiceError("cannot read the received file \(path): \(error.localizedDescription)")
        }
        guard Int64(data.count) <= FileReference.sizeMax else {
            throw HTTPError(HTTPStatus(413), detail: "billing files are at most \(FileReference.sizeMax >> 20) MiB")
        }
        let operation = try checkHeader(data, name: name, principal: principal)
        let requestId = try Self.newFileID()
        let content: DryRunRequest.Content
        if data.count <= Submission.inlineBytesMax {
            content = .bytes([UInt8](data))
        } else {
            // Too large for one message: the bytes go to cass.uploads in
            // chunks like an upload's (nothing refers to them afterwards).
            content = .reference(try uploadChunks(data, id: requestId, name: name, principal: principal))
        }
        let message = StageMessage.dryRun(DryRunRequest(requestId: requestId, name: name, content: content))
        let parts = try ask(requestId, message, operation: operation, fileID: nil, replies: replies)
        let dry = parts.compactMap(\.dryRun)
        if let failure = dry.compactMap(\.failure).first {
            throw HTTPError(HTTPStatus(422), detail: "the file cannot be checked: \(failure)")
        }
        let fileCode = dry.compactMap(\.fileCode).first
        let rejections = RejectionOrder.sorted(dry.flatMap(\.rejections))
        let records = dry.map(\.records).reduce(0, +)
        return DryRunShape(fileCode: fileCode, records: records, accepted: fileCode == nil ? max(0, records - rejections.count) : 0,
                           rejections: rejections.enumerated().map { RejectionShape($1, index: $0) })
    }

    /// A withdrawal the stages (or the view) refused: 409 in the API, the
    /// files page with this detail in the portal.
    struct WithdrawRefusal: Error {
        var detail: String
        var reason: String
        var files: [(id: String, name: String)]
    }

    /// Withdraws an accepted file: 200 with the file (now `withdrawn`), or
    /// 409 naming why (closed period, already withdrawn, not accepted, or
    /// the later files whose records refer to its AWBs).
    func withdraw(_ file: BillingFileEntry, replies: RepliesView) throws -> Response {
        do {
            return try JSONBodies.answer(FileShape(try withdrawFile(file, replies: replies)))
        } catch let refusal as WithdrawRefusal {
            return Self.conflict(refusal.detail, reason: refusal.reason, files: refusal.files)
        }
    }

    /// The withdrawal itself, for the API and the portal: the file as it
    /// now stands, or a `WithdrawRefusal`.
    func withdrawFile(_ file: BillingFileEntry, replies: RepliesView) throws -> BillingFileEntry {
        // What the view already knows is answered without asking the stages
        // (which would answer the same). A file still `received` is asked
        // about: the request follows it on cass.files, so ingest has decided
        // the file by the time it reads the withdrawal.
        switch file.status {
        case .withdrawn:
            throw WithdrawRefusal(detail: "\(file.name) is already withdrawn", reason: WithdrawAnswer.Reason.alreadyWithdrawn.rawValue, files: [])
        case .rejected:
            throw WithdrawRefusal(detail: "\(file.name) was rejected (\(file.fileCode ?? "")); only an accepted file can be withdrawn",
                                  reason: WithdrawAnswer.Reason.notAccepted.rawValue, files: [])
        case .received, .accepted:
            break
        }
        let requestId = try Self.newFileID()
        // To the file's own cass.files partition (its operation may not be
        // known yet; the ordinal names it there).
        let message = StageMessage.withdraw(WithdrawRequest(requestId: requestId, operation: file.country, ordinal: file.ordinal, fileId: file.id))
        let parts = try ask(requestId, message, operation: file.country, partition: file.filesPartition, fileID: file.id, replies: replies)
        guard let answer = parts.compactMap(\.withdrawal).first else { throw ServiceError("the withdrawal of \(file.id) was answered without its outcome") }
        switch answer.status {
        case .withdrawn:
            // The outcome went to cass.events with the answer: the view shows
            // it before this answer does (read-your-writes).
            try feed.catchUp([TopicCatalog.events], timeoutMs: 30_000)
            files.markWithdrawn(file.id)
            return files.file(file.id) ?? file
        case .refused:
            var detail = answer.message
            var named: [(id: String, name: String)] = []
            if answer.reason == .conflict {
                named = answer.conflicts.map { mention in
                    let other = files.file(country: answer.operation, ordinal: mention.ordinal)
                    return (other?.id ?? "", other?.name ?? mention.name)
                }
                detail = "records accepted after \(file.name) refer to its AWBs (a CCA or a memo): "
                    + named.map { $0.id.isEmpty ? $0.name : "\($0.name) (\($0.id))" }.joined(separator: ", ")
                    + "; withdraw those first"
            } else if answer.reason == .alreadyWithdrawn {
                detail = "\(file.name) is already withdrawn"
            } else if answer.reason == .periodClosed {
                detail = "the billing period of \(file.name) is closed: \(answer.message)"
            }
            throw WithdrawRefusal(detail: detail, reason: answer.reason?.rawValue ?? "refused", files: named)
        }
    }

    /// 409 as problem+json with the reason and, for a conflict, the files.
    static func conflict(_ detail: String, reason: String, files: [(id: String, name: String)]) -> Response {
        var problem = HTTPError(HTTPStatus(409), detail: detail).problemJSON
        problem.removeLast()
        problem += ",\"reason\":" + CASSHTTP.JSONText.string(reason)
        problem += ",\"files\":[" + files.map { "{\"id\":" + CASSHTTP.JSONText.string($0.id) + ",\"name\":" + CASSHTTP.JSONText.string($0.name) + "}" }
            .joined(separator: ",") + "]}"
        var headers = HTTPHeaders()
        headers.set("Content-Type", "application/problem+json")
        return Response(status: HTTPStatus(409), headers: headers, body: .bytes(Array(problem.utf8)))
    }

    /// Writes a request to cass.files (durably) and waits for every part of
    /// its answer.
    func ask(_ requestId: String, _ message: StageMessage, operation: String, partition: Int32? = nil, fileID: String?,
             replies: RepliesView) throws -> [StageReply] {
        var record = try Submission.checkedRecord(message, operation: operation, partitions: try writer.partitions(TopicCatalog.files))
        if let partition { record.partition = partition }
        if let fileID { record.headers = [LogHeader(name: FileReference.fileHeader, text: fileID)] }
        replies.expect(requestId)
        do {
            _ = try writer.write([record])
        } catch {
            replies.forget(requestId)
            throw error
        }
        guard let parts = replies.wait(requestId, timeoutMs: FileActionRoutes.answerTimeoutMs) else {
            var headers = HTTPHeaders()
            headers.set("Retry-After", "5")
            throw HTTPError(HTTPStatus(503), detail: "the pipeline has not answered within \(FileActionRoutes.answerTimeoutMs / 1000) s; "
                            + "the request stands and will be carried out (see GET /api/v1/files)", headers: headers)
        }
        return parts
    }

    /// A dry run's bytes on cass.uploads in chunks: the reference ingest reads them by.
    func uploadChunks(_ data: Data, id: String, name: String, principal: Principal) throws -> FileReference {
        let uploads = Topic.uploads.name
        let partition = TopicPartition(topic: uploads, partition: Partitioner.partition(for: Array(id.utf8), count: try writer.partitions(uploads)))
        let start = try log.endOffset(partition)
        let count = (data.count + FileReference.chunkBytes - 1) / FileReference.chunkBytes
        var batch: [OutgoingRecord] = []
        var told: [Int64]? = []
        for index in 0..<count {
            let from = index * FileReference.chunkBytes
            batch.append(try writer.record(uploads, key: id, value: [UInt8](data[from..<min(data.count, from + FileReference.chunkBytes)]),
                                           headers: [LogHeader(name: FileReference.chunkHeader, text: String(index))]))
            if batch.count == 8 || index == count - 1 {
                let written = try writer.writeLocated(batch).offsets
                if let written, written.count == batch.count { told? += written } else { told = nil }
                batch = []
            }
        }
        if let told, told.count == count {
            return FileReference(id: id, name: name, uploadsPartition: partition.partition, chunkOffsets: told,
                                 size: Int64(data.count), submittedBy: principal.username, company: principal.company.description,
                                 submittedAt: clock.instant().description)
        }
        // The log did not say where they went (Kafka), and other uploads may
        // have interleaved: the chunks are found by key and index.
        var offsets: [Int: Int64] = [:]
        var from = start
        let key = Array(id.utf8)
        while offsets.count < count {
            let records = try log.read(partition, from: from, maxRecords: 256)
            guard let last = records.last else { throw ServiceError("the dry run's chunks are not on \(partition) after offset \(start)") }
            for record in records where record.key == key {
                if let text = record.header(FileReference.chunkHeader), let index = Int(String(decoding: text, as: UTF8.self)) { offsets[index] = record.offset }
            }
            from = last.offset + 1
        }
        return FileReference(id: id, name: name, uploadsPartition: partition.partition, chunkOffsets: (0..<count).map { offsets[$0] ?? -1 },
                             size: Int64(data.count), submittedBy: principal.username, company: principal.company.description,
                             submittedAt: clock.instant().description)
    }
}
