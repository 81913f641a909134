import CASSAccess
import CASSCrypto
import CASSDomain
import CASSHTTP
import CASSLog
import CASSOneRecord
import CASSWorkers
import Foundation

/// Taking a billing file into the service, whoever sends it (the upload
/// route, the portal's form, the SFTP inbox): its header is read to check
/// the airline, its bytes go to cass.uploads in chunks, and a reference
/// to them goes to cass.files on its operation's partition, which puts it
/// in the processing order. Answered once the log has both (2xx is durable).
extension ServiceContext {
    /// A file accepted for processing.
    public struct SubmittedFile: Sendable, Encodable {
        public var id: String
        public var name: String
        public var status: String
    }

    /// Submits the file at `path` (a spool file the caller owns) as `name`
    /// for `principal`. Throws the API's problems: 422 for a bad name or an
    /// empty file, 413 beyond 256 MiB, 403 when the header names another
    /// airline than the caller's (nothing is kept then).
    ///
    /// With an `id` (derived from an `Idempotency-Key`), a file already
    /// submitted under it is answered as it stands and nothing is written
    /// again: a client that lost the answer may send the file again.
    public func submitFile(at path: String, name: String, principal: Principal, id requestedID: String? = nil) throws -> SubmittedFile {
        if let requestedID, let known = try knownFile(requestedID) { return known }
        if let problem = FileName.problem(name) { throw APIError.invalid("name", problem) }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw ServiceError("cannot read the received file \(path): \(error.localizedDescription)")
        }
        guard Int64(data.count) <= FileReference.sizeMax else {
            throw HTTPErrorShortcut.tooLarge("billing files are at most \(FileReference.sizeMax >> 20) MiB")
        }
        // An empty file is taken: ingest rejects it with F01, like any file.
        let operation = try checkHeader(data, name: name, principal: principal)
        let id = try requestedID ?? Self.newFileID()
        if let uploads, let stored = try store(path, data: data, id: id, in: uploads) {
            let reference = FileReference(id: id, name: name, uploadsPartition: 0, chunkOffsets: [], size: Int64(data.count),
                                          submittedBy: principal.username, company: principal.company.description,
                                          submittedAt: clock.instant().description, storedAs: stored.name, storedCRC32: stored.crc)
            let written = try submitReference(reference, operation: operation, requestedID: requestedID)
            // A retry that lost the race to its original keeps nothing of its own.
            if !written { unlink(uploads.appendingPathComponent(stored.name).path) }
            return SubmittedFile(id: id, name: name, status: FileStatus.received.rawValue)
        }
        // Chunks first, on the upload's partition; then the reference, which
        // only a complete upload gets: a crash in between leaves chunks no
        // reference names, never a reference to missing bytes.
        let uploads = TopicCatalog.namespace + "cass.uploads"
        var offsets: [Int64] = []
        var pending: [OutgoingRecord] = []
        var uploadsPartition: Int32 = 0
        let chunkCount = (data.count + FileReference.chunkBytes - 1) / FileReference.chunkBytes
        for index in 0..<chunkCount {
            let start = index * FileReference.chunkBytes
            let chunk = [UInt8](data[start..<min(data.count, start + FileReference.chunkBytes)])
            let record = try writer.record(uploads, key: id, value: chunk,
                                           headers: [LogHeader(name: FileReference.chunkHeader, text: String(index))])
            uploadsPartition = record.partition
            pending.append(record)
            // A few MiB per send: the producer keeps their order, and memory stays bounded.
            if pending.count == 8 || index == chunkCount - 1 {
                let (position, written) = try writer.writeLocated(pending)
                if let written, written.count == pending.count {
                    offsets += written
                } else {
                    let partition = TopicPartition(topic: uploads, partition: uploadsPartition)
                    guard let end = position.ends[partition] else { throw ServiceError("the log did not say where the upload's chunks went") }
                    // The log did not say (Kafka): the chunks of one send are
                    // consecutive in their partition unless another upload
                    // interleaved, so they are read back by key and index.
                    offsets += try chunkOffsets(id: id, partition: partition, before: end, count: pending.count, firstIndex: index + 1 - pending.count)
                }
                pending = []
            }
        }
        let reference = FileReference(id: id, name: name, uploadsPartition: uploadsPartition, chunkOffsets: offsets, size: Int64(data.count),
                                      submittedBy: principal.username, company: principal.company.description,
                                      submittedAt: clock.instant().description)
        _ = try submitReference(reference, operation: operation, requestedID: requestedID)
        return SubmittedFile(id: id, name: name, status: FileStatus.received.rawValue)
    }

    /// Writes the reference to cass.files and waits until the views have
    /// it; false when a file with the requested id was there already.
    private func submitReference(_ reference: FileReference, operation: String, requestedID: String?) throws -> Bool {
        var record = try Submission.checkedRecord(.fileRef(reference), operation: operation, partitions: try writer.partitions(TopicCatalog.files))
        record.headers = [LogHeader(name: FileReference.fileHeader, text: reference.id)]
        // One reference per id from this process: a retry racing its
        // original finds the first one written.
        return try uploadWrites.withLock {
            if requestedID != nil, try knownFile(reference.id) != nil { return false }
            try feed.wait(for: try writer.write([record]))
            return true
        }
    }

    /// Keeps the received file in `uploads` under a name of its own (a
    /// hard link: the caller's spool file is the server's, never written
    /// again, and goes when the caller removes it), synced with its folder
    /// entry before the reference that names it is written: a reference on
    /// the log always finds its bytes. Nil when the spool and the uploads
    /// folder are not one file system (the bytes go to the log then).
    /// A crash between the two leaves a file no reference names, as chunks
    /// were left before (docs/service.md "The data folder").
    private func store(_ path: String, data: Data, id: String, in uploads: URL) throws -> (name: String, crc: UInt32)? {
        let name: String
        do { name = id + "-" + Hex.encode(try SecureRandom.bytes(8)) } catch { throw ServiceError("no random bytes for an upload's name: \(error)") }
        let target = uploads.appendingPathComponent(name).path
        guard link(path, target) == 0 else {
            if errno == EXDEV { return nil }
            throw ServiceError("cannot keep the upload in \(uploads.path): \(String(cString: strerror(errno)))")
        }
        do {
            try Self.sync(target)
            try Self.sync(uploads.path)
        } catch {
            unlink(target)
            throw error
        }
        let crc = data.withUnsafeBytes { FileReference.checksum($0) }
        return (name, crc)
    }

    /// fsync of a file or a folder (its entries), retried on EINTR.
    static func sync(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ServiceError("cannot open \(path) to sync it: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        while fsync(descriptor) != 0 {
            guard errno == EINTR else { throw ServiceError("cannot sync \(path): \(String(cString: strerror(errno)))") }
        }
    }

    /// The file submitted under `id`, if there is one.
    private func knownFile(_ id: String) throws -> SubmittedFile? {
        try feed.catchUp([TopicCatalog.files])
        return files.file(id).map { SubmittedFile(id: $0.id, name: $0.name, status: $0.status.rawValue) }
    }

    /// The offsets of the `count` chunks of upload `id` just written below `end`.
    private func chunkOffsets(id: String, partition: TopicPartition, before end: Int64, count: Int, firstIndex: Int) throws -> [Int64] {
        var found: [Int: Int64] = [:]
        var from = max(0, end - Int64(count))
        let key = Array(id.utf8)
        // Looks back further while other uploads' chunks sit among ours.
        while found.count < count {
            let records = try log.read(partition, from: from, maxRecords: Int(end - from))
            for record in records where record.offset < end && record.key == key {
                if let text = record.header(FileReference.chunkHeader), let index = Int(String(decoding: text, as: UTF8.self)) {
                    found[index] = record.offset
                }
            }
            guard found.count < count else { break }
            guard from > 0 else { throw ServiceError("the upload's chunks are not on \(partition) below offset \(end)") }
            from = max(0, from - Int64(count) * 4)
        }
        return (firstIndex..<(firstIndex + count)).map { found[$0] ?? -1 }
    }

    /// The operation the file's header names, after checking that the
    /// airline it names is the caller's. A file too damaged to name one is
    /// taken: ingest rejects it with its file code, which the uploader sees.
    func checkHeader(_ data: Data, name: String, principal: Principal) throws -> String {
        let identity: ReportedIdentity = data.withUnsafeBytes { bytes in
            Self.reportedIdentity(bytes, name: name, reference: reference)
        }
        if case .airline(let prefix) = principal.company, !identity.airline.isEmpty, identity.airline != prefix {
            throw APIError.forbidden("the file's header names airline \(identity.airline); you upload for airline \(prefix) only. Nothing was kept.")
        }
        return identity.country.isEmpty ? "??" : identity.country
    }

    /// The identity the ingest stage will report for the file: for CBF,
    /// what the reader gives for every outcome (the first line's positions
    /// 12-14, 15-16, 17-24, or nothing when the file holds a non-ASCII
    /// byte: `CBFReader.reportedIdentity`), without parsing every record in
    /// the request (ingest does that; the whole parse here had cost an
    /// upload as much CPU as ingesting it). XML and JSON-LD name it in an
    /// envelope only their readers find: those are read whole.
    static func reportedIdentity(_ bytes: UnsafeRawBufferPointer, name: String, reference: ReferenceData) -> ReportedIdentity {
        if BillingFileFormat.detect(bytes) == .cbf { return CBFReader.reportedIdentity(of: bytes) }
        switch DefaultReaders.any(bytes, name, { reference.operation($0)?.periodsPerMonth }) {
        case .rejected(_, let identity, _): return identity
        case .parsed(let file): return file.identity
        }
    }

    static func newFileID() throws -> String {
        do {
            return Hex.encode(try SecureRandom.bytes(16))
        } catch {
            throw ServiceError("no random bytes for a file id: \(error)")
        }
    }
}

/// Problems of the HTTP layer the API errors do not name.
enum HTTPErrorShortcut {
    static func tooLarge(_ detail: String) -> HTTPError { HTTPError(HTTPStatus(413), detail: detail) }
}
