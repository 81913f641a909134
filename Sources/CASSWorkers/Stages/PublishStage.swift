import CASSDomain
import CASSEngine
import CASSLog
import Foundation

extension StageName {
    public static let publish = StageName(rawValue: "publish")
}

extension Topic {
    /// The public contract (docs/events.md): what systems outside OpenCASS
    /// read. Every other topic is internal and may change.
    public static let invoiceEvents = Topic(
        base: "cass.invoice-events", partitions: 4, retentionMs: -1, keyedBy: "invoice number (invoice events), company (others)",
        holds: "the public events: CloudEvents 1.0 JSON (structured mode), schemas in Topics/schemas/", isCritical: true)
}

/// Turns what the pipeline and the service decided (cass.events) into the
/// public events of cass.invoice-events: CloudEvents 1.0 in structured
/// JSON, one record per event, the header `content-type` set, the key the
/// invoice number or the company the event concerns.
///
/// Stateless: each event follows from one input record, and its id from
/// the fact, never from where or when it was published. A worker that
/// crashes after writing and before committing writes the same events
/// again with the same ids and the same bytes (consumers dedupe by id).
public final class PublishStage: StageLogic {
    public static let events = Output<String>.keyed(.invoiceEvents, by: "invoice number or company (the record's key)")

    public static let definition = StageDefinition(
        name: .publish, input: .events, outputs: [events.declaration],
        partitionedBy: "airline (file outcomes), agent (invoices), operation (period closes), company (accounts events)",
        keeps: "nothing: every event follows from one input record",
        make: { context in PublishStage(reference: context.environment.reference) })

    let reference: ReferenceData
    let now: @Sendable () -> Date
    static let contentType = [LogHeader(name: "content-type", value: Array(PublicEvent.contentType.utf8))]

    public init(reference: ReferenceData, now: @escaping @Sendable () -> Date = { Date() }) {
        self.reference = reference
        self.now = now
    }

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        for event in try Self.events(for: message, reference: reference, now: now()) {
            let bytes = event.envelopeBytes
            guard bytes.count <= PublicEvent.bytesMax else {
                throw DecodingFailure("event \(event.id) would be \(bytes.count) bytes, over the \(PublicEvent.bytesMax)-byte limit of a public event")
            }
            output.emit(Self.events, routedBy: event.key, key: event.key, bytes: bytes, headers: Self.contentType)
        }
    }

    /// The public events an internal message makes (none for the messages
    /// that are only for notifications).
    public static func events(for message: StageMessage, reference: ReferenceData, now: Date) throws -> [PublicEvent] {
        switch message {
        case .invoiceIssued(let header, let parts, let sectionLines):
            return [PublicEvents.invoiceIssued(header, sectionLines: sectionLines, parts: parts, reference: reference)]
        case .issuedLines(let country, let invoiceDate, let number, let part):
            guard part.lines.count <= LinePart.linesMax else {
                throw DecodingFailure("invoice \(number) line part \(part.index + 1) has \(part.lines.count) lines, over \(LinePart.linesMax)")
            }
            return [PublicEvents.invoiceLines(country: country, invoiceDate: invoiceDate, number: number, part: part)]
        case .periodClosed(let period, let invoices, let total, let disbursements):
            return [PublicEvents.periodClosed(period, invoices: invoices, totalMinor: total, disbursements: disbursements, reference: reference, now: now)]
        case .fileOutcome(let outcome):
            return [PublicEvents.file(outcome, now: now)]
        case .event(let fact):
            // The data must be one JSON object: a consumer parses it whole.
            guard (try? JSONSerialization.jsonObject(with: Data(fact.data.utf8))) is [String: Any] else {
                throw DecodingFailure("event \(fact.id) (\(fact.type.rawValue)) has data that is not a JSON object")
            }
            return [fact.event]
        case .invoice:
            // Notifications' copy of an invoice (older workers): the public
            // event comes from `invoiceIssued`.
            return []
        default:
            throw DecodingFailure("the publish stage does not take \(message.kind) messages")
        }
    }
}
