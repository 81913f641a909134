import CASSAccess
import CASSDomain
import CASSHTTP
import CASSLog
import Foundation

/// What every route reads and writes through: the log, the views, the
/// clock and the reference data. One per serve process.
public final class ServiceContext: @unchecked Sendable {
    // @unchecked: every field is immutable or guards itself.
    let log: any Log
    let writer: RecordWriter
    let feed: ViewFeed
    let identity: IdentityView
    let invoices: InvoicesView
    let documents: DocumentCache
    let hub: EventHub
    let clock: ServiceClock
    let reference: ReferenceData
    let directory: CompanyDirectory
    let hasher: PBKDF2Passwords
    let authenticator: Authenticator
    /// Disputes, payments, wallets, risk and the scheduler.
    let accounts: AccountsDesk
    let settings: SettingsView
    /// Billing files, their outcomes and rejections, close requests.
    let files: FilesView
    /// Where uploads are received before they go to the log (removed after).
    let spool: String
    /// On the embedded log: where uploads are kept as files (`data/uploads`,
    /// docs/service.md "The data folder"); nil on Kafka, where they are chunks on cass.uploads.
    let uploads: URL?
    /// Period closes of this process, one at a time (each sees the last).
    let closeWrites = NSLock()
    /// File references of this process, one at a time (idempotent uploads).
    let uploadWrites = NSLock()
    /// User changes of this process, one at a time: each decides on the
    /// state its predecessor left (the last-admin rule, a username taken).
    let identityWrites = NSLock()
    /// Called after each access change is in the views (the SFTP side
    /// brings accounts and keys in line at once).
    let identityCommitted = Locked<(@Sendable () -> Void)?>(nil)
    /// Settings changes of this process, one at a time.
    let settingsWrites = NSLock()
    /// Whose X-Forwarded-For names the client (`--trusted-proxy`).
    let trustedProxies: TrustedProxies
    /// The JSON of issued invoices' sections (64 MiB at most).
    let invoiceJSONCache = InvoiceJSONCache()

    init(log: any Log, writer: RecordWriter, feed: ViewFeed, identity: IdentityView, invoices: InvoicesView, accounts: AccountsDesk,
         settings: SettingsView, files: FilesView, spool: String, uploads: URL? = nil, hub: EventHub, clock: ServiceClock, reference: ReferenceData,
         hasher: PBKDF2Passwords, trustedProxies: TrustedProxies = .none) {
        self.trustedProxies = trustedProxies
        self.files = files
        self.spool = spool
        self.uploads = uploads
        self.log = log
        self.writer = writer
        self.feed = feed
        self.identity = identity
        self.invoices = invoices
        self.hub = hub
        self.documents = DocumentCache(reference: reference)
        self.clock = clock
        self.reference = reference
        self.directory = CompanyDirectory(reference: reference)
        self.hasher = hasher
        self.authenticator = Authenticator(identity: identity, feed: feed, writer: writer, clock: clock)
        self.accounts = accounts
        self.settings = settings
    }

    /// The views the SFTP outbox distributes from.
    var outboxSources: OutboxSources {
        OutboxSources(invoices: invoices, settings: settings, files: files, documents: documents, directory: directory, reference: reference)
    }

    func context(_ request: Request) -> RequestContext {
        RequestContext(now: clock.instant(), from: clientAddress(request))
    }

    /// The client's address as records keep it: the peer's, or behind a
    /// trusted proxy the one its X-Forwarded-For gives.
    func clientAddress(_ request: Request) -> String {
        trustedProxies.isEmpty ? request.remoteAddress
            : trustedProxies.client(peer: request.remoteAddress, forwardedFor: request.headers.listElements("X-Forwarded-For"))
    }

    /// Writes access records and waits until this process's views show them.
    /// Each is read back first, as the identity view will read it: a record
    /// that would not decode to itself would stop the views at every start
    /// (as a period's six-digit text once did to the accounts view), so it
    /// fails its request instead and nothing is written.
    func commit(_ records: [CASSAccess.AccessRecord]) throws {
        let outgoing = try records.map { record in
            let value = record.value
            let back: CASSAccess.AccessRecord
            do {
                back = try CASSAccess.AccessRecord.decode(topic: record.topic, key: record.key, value: value)
            } catch {
                throw ServiceError("a \(record.topic.rawValue) record for \(record.key) would not read back (\(error)); not written")
            }
            guard back == record else { throw ServiceError("a \(record.topic.rawValue) record for \(record.key) would read back changed; not written") }
            return try writer.record(ServiceTopics.name(record.topic), key: record.key, value: value)
        }
        let position = try writer.write(outgoing)
        try feed.wait(for: position)
        // SFTP: a key registered or removed, a user disabled, applies
        // before the request is answered.
        identityCommitted.withLock { $0 }?()
    }

    /// An access command's outcome: its records written, or its refusal
    /// as the API's problem.
    func run(_ command: () throws(AccessError) -> AccessChange) throws -> AccessChange {
        let change: AccessChange
        do {
            change = try command()
        } catch {
            throw APIError.from(error)
        }
        try commit(change.records)
        return change
    }
}
