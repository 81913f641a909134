import CASSDomain
import Foundation

/// The public event types (docs/events.md). The internal topics are free
/// to change; these names, their payloads and their schemas are a
/// contract with systems written in any language, so a type is never
/// renamed and a payload only ever gains optional fields.
public enum PublicEventType: String, Sendable, Hashable, CaseIterable, Codable {
    case invoiceIssued = "invoice.issued"
    case invoiceLines = "invoice.lines"
    case periodClosed = "period.closed"
    case fileAccepted = "file.accepted"
    case fileRejected = "file.rejected"
    case fileWithdrawn = "file.withdrawn"
    case disputeRaised = "dispute.raised"
    case disputeAccepted = "dispute.accepted"
    case disputeRejected = "dispute.rejected"
    case disputeWithdrawn = "dispute.withdrawn"
    case disputeEscalated = "dispute.escalated"
    case paymentRecorded = "payment.recorded"
    case invoiceOverdue = "invoice.overdue"
    case riskFlagged = "risk.flagged"

    /// The CloudEvents `type`: `org.opencass.` and the short name (the
    /// short name is the Server-Sent Events `event:` of `/api/v1/events`).
    public var cloudEventType: String { "org.opencass." + rawValue }

    /// The file in `Topics/schemas/` that describes `data`.
    public var schemaFile: String { rawValue + ".schema.json" }

    /// The CloudEvents `dataschema`: the `$id` of that schema.
    public var dataSchema: String { PublicEvent.schemaBase + schemaFile }
}

/// One event of `cass.invoice-events`, before it is written: the
/// CloudEvents attributes and the payload as JSON text. `envelope` is the
/// record's value (CloudEvents 1.0, structured content mode).
public struct PublicEvent: Sendable, Hashable {
    public static let specVersion = "1.0"
    /// The Kafka header `content-type` of every record (structured mode).
    public static let contentType = "application/cloudevents+json; charset=UTF-8"
    public static let schemaBase = "https://opencass.org/schemas/events/"
    /// The largest envelope written, in bytes: under Kafka's default
    /// message.max.bytes (1 MB) with room for the key and headers. An
    /// invoice.lines event of 1,000 lines takes about 450 KB; anything
    /// larger is refused (the stage dead-letters its input), never cut.
    public static let bytesMax = 900_000

    public var type: PublicEventType
    /// Stable for the fact: the same fact replayed, re-derived after a
    /// crash or re-sent by another process has the same id.
    public var id: String
    /// The operation's country (`source` is `urn:opencass:operation:CC`).
    public var country: String
    public var subject: String
    /// The record's key: the invoice number, or the company concerned.
    public var key: String
    /// RFC 3339, UTC.
    public var time: String
    /// The payload: a JSON object.
    public var data: String

    public init(type: PublicEventType, id: String, country: String, subject: String, key: String, time: String, data: String) {
        self.type = type
        self.id = id
        self.country = country
        self.subject = subject
        self.key = key
        self.time = time
        self.data = data
    }

    public var source: String { "urn:opencass:operation:" + country }

    /// The whole event as one JSON object, attributes in a fixed order.
    public var envelope: String { String(decoding: envelopeBytes, as: UTF8.self) }

    /// `envelope` as UTF-8, built as bytes: the record's value (an
    /// invoice.lines event is up to 900 KB; joining strings copied it
    /// several times over).
    public var envelopeBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.utf8.count + 300)
        func attribute(_ name: String, _ value: String) {
            out.append(contentsOf: name.utf8)
            out.append(UInt8(ascii: "\""))
            JSONBytes.quote(value, into: &out)
            out.append(UInt8(ascii: "\""))
        }
        attribute("{\"specversion\":\"1.0\",\"id\":", id)
        attribute(",\"source\":", source)
        attribute(",\"type\":", type.cloudEventType)
        attribute(",\"subject\":", subject)
        attribute(",\"time\":", time)
        out.append(contentsOf: ",\"datacontenttype\":\"application/json\"".utf8)
        attribute(",\"dataschema\":", type.dataSchema)
        out.append(contentsOf: ",\"data\":".utf8)
        out.append(contentsOf: data.utf8)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `date` at midnight UTC, as RFC 3339.
    public static func time(_ date: CivilDate) -> String { date.description + "T00:00:00Z" }

    /// An instant as RFC 3339 UTC with seconds.
    public static func time(_ instant: Date) -> String {
        let seconds = Int64(instant.timeIntervalSince1970.rounded(.down))
        let date = CivilDate(dayNumber: Int(floorDiv(seconds, 86_400)))
        let inDay = seconds - floorDiv(seconds, 86_400) * 86_400
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return date.description + "T" + two(inDay / 3600) + ":" + two(inDay / 60 % 60) + ":" + two(inDay % 60) + "Z"
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
}

/// A fact that is already a public event in all but its envelope, as it
/// travels on the internal cass.events topic (message kind `event`): the
/// service's accounts events (disputes, payments, overdue invoices, risk)
/// and any stage's that has no message of its own. The publish stage
/// checks the type and wraps it.
public struct EventFact: Sendable, Hashable, Codable {
    public var type: PublicEventType
    public var id: String
    public var country: String
    public var subject: String
    public var key: String
    public var time: String
    /// The payload, a JSON object as text.
    public var data: String

    public init(type: PublicEventType, id: String, country: String, subject: String, key: String, time: String, data: String) {
        self.type = type
        self.id = id
        self.country = country
        self.subject = subject
        self.key = key
        self.time = time
        self.data = data
    }

    public init(_ event: PublicEvent) {
        self.init(type: event.type, id: event.id, country: event.country, subject: event.subject, key: event.key, time: event.time, data: event.data)
    }

    public var event: PublicEvent {
        PublicEvent(type: type, id: id, country: country, subject: subject, key: key, time: time, data: data)
    }
}
