import CASSDomain
import CASSEngine
import Foundation

/// The payloads of the public events (docs/events.md), built from the
/// domain's values. One builder per event type, used by the publish stage
/// (cass.invoice-events, `cass settle --events`) and by the service's
/// Server-Sent Events alike, so both say the same thing with the same id.
/// Keys are written in a fixed order; amounts are integers in minor units
/// named `...Minor`.
public enum PublicEvents {
    /// `org.opencass.invoice.issued`: the row of settlement-agents.csv and
    /// the invoice's sections. `sectionLines`: each section's line count
    /// (the header travels without its lines); `parts`: how many
    /// `invoice.lines` events follow.
    public static func invoiceIssued(_ invoice: Invoice, sectionLines: [Int], parts: Int, reference: ReferenceData) -> PublicEvent {
        var data = JSONObject()
        data.string("number", invoice.number)
        data.string("country", invoice.country)
        data.string("period", invoice.period.description)
        data.string("agent", invoice.agentCodeText)
        data.string("agentName", reference.agent(invoice.agentCode, in: invoice.country)?.name ?? "")
        data.string("currency", invoice.currency)
        data.int("minorDigits", Int64(invoice.minorDigits))
        data.string("invoiceDate", invoice.invoiceDate.description)
        data.string("remittanceDate", invoice.remittanceDate.description)
        data.int("lines", Int64(invoice.lineCount))
        data.int("lineParts", Int64(parts))
        data.int("netDueMinor", invoice.netDue)
        data.int("taxChargedMinor", invoice.taxCharged)
        data.int("taxCreditedMinor", invoice.taxCredited)
        data.int("totalMinor", invoice.total)
        var sections: [String] = []
        for (index, section) in invoice.sections.enumerated() {
            var object = JSONObject()
            object.string("airline", airlineText(section.airlinePrefix))
            object.string("airlineName", reference.airline(section.airlinePrefix)?.name ?? "")
            object.int("lines", Int64(index < sectionLines.count ? sectionLines[index] : section.lines.count))
            object.int("netDueMinor", section.netDue)
            object.raw("taxes", "[" + section.taxes.map { tax in
                var taxObject = JSONObject()
                taxObject.string("code", tax.code)
                taxObject.string("direction", tax.direction.rawValue)
                taxObject.int("baseMinor", tax.baseAmount)
                taxObject.int("amountMinor", tax.amount)
                return taxObject.text
            }.joined(separator: ",") + "]")
            object.int("totalMinor", section.total)
            sections.append(object.text)
        }
        data.raw("sections", "[" + sections.joined(separator: ",") + "]")
        return PublicEvent(type: .invoiceIssued, id: "invoice.issued:\(invoice.number)", country: invoice.country, subject: invoice.number,
                           key: invoice.number, time: PublicEvent.time(invoice.invoiceDate), data: data.text)
    }

    /// `org.opencass.invoice.lines`: one part (at most `LinePart.linesMax`
    /// lines, within one airline's section) of an issued invoice's lines.
    public static func invoiceLines(country: String, invoiceDate: CivilDate, number: String, part: LinePart) -> PublicEvent {
        var data = JSONObject()
        data.string("number", number)
        data.int("part", Int64(part.index + 1))
        data.int("parts", Int64(part.count))
        let airline = airlineText(part.airlinePrefix)
        var lines: [UInt8] = [UInt8(ascii: "[")]
        lines.reserveCapacity(part.lines.count * 420)
        // One object's buffer for every line, emptied between them (its
        // capacity kept): a fresh object per line allocated and grew a
        // string per line, up to 1,000 lines per event.
        var object = JSONObject()
        for (index, line) in part.lines.enumerated() {
            object.removeAll()
            object.string("airline", airline)
            object.string("awb", line.awb)
            object.string("transaction", line.transaction.code)
            object.string("issueDate", line.issueDate.description)
            object.string("origin", line.origin)
            object.string("destination", line.destination)
            object.string("chargesIndicator", chargesIndicator(line))
            object.int("chargeableWeightTenthsKg", line.chargeableWeightTenthsKg)
            object.int("weightChargeMinor", line.weightCharge)
            object.int("valuationChargeMinor", line.valuationCharge)
            object.int("otherChargesDueCarrierMinor", line.otherChargesDueCarrier)
            object.int("commissionMinor", line.commission)
            object.int("incentiveMinor", line.incentive)
            object.int("amountMinor", line.amount)
            object.string("reasonCode", line.reasonCode)
            object.string("file", line.sourceFile)
            object.int("sequence", Int64(line.sourceSequence))
            if index > 0 { lines.append(UInt8(ascii: ",")) }
            object.append(to: &lines)
        }
        lines.append(UInt8(ascii: "]"))
        data.raw("lines", bytes: lines)
        return PublicEvent(type: .invoiceLines, id: "invoice.lines:\(number):\(part.index + 1)", country: country, subject: number,
                           key: number, time: PublicEvent.time(invoiceDate), data: data.text)
    }

    /// `org.opencass.period.closed`: the rows of settlement-airlines.csv of
    /// one closed period, dated the period's invoice date.
    public static func periodClosed(_ period: PeriodKey, invoices: Int, totalMinor: Int64, disbursements: [Disbursement],
                                    reference: ReferenceData, now: Date = Date()) -> PublicEvent {
        let operation = reference.operation(period.country)
        var data = JSONObject()
        data.string("country", period.country)
        data.string("period", period.period.description)
        data.string("currency", operation?.currency ?? disbursements.first?.currency ?? "")
        data.int("invoices", Int64(invoices))
        data.int("totalMinor", totalMinor)
        let rows = disbursements.sorted { $0.airlinePrefix < $1.airlinePrefix }.map { disbursement in
            var object = JSONObject()
            object.string("airline", airlineText(disbursement.airlinePrefix))
            object.string("airlineName", reference.airline(disbursement.airlinePrefix)?.name ?? "")
            object.int("agents", Int64(disbursement.agents))
            object.int("disbursementMinor", disbursement.amount)
            return object.text
        }
        data.raw("disbursements", "[" + rows.joined(separator: ",") + "]")
        let time = operation.map { PublicEvent.time(period.period.lastDay(periodsPerMonth: $0.periodsPerMonth)) } ?? PublicEvent.time(now)
        let id = "period.closed:\(period.country):\(period.period)"
        return PublicEvent(type: .periodClosed, id: id, country: period.country, subject: "\(period.country)/\(period.period)",
                           key: period.country, time: time, data: data.text)
    }

    /// `org.opencass.file.accepted`, `.file.rejected` or `.file.withdrawn`.
    /// The id names the file and its submission on cass.files (stable when
    /// ingest handles it again, different when the same name is submitted
    /// again after a withdrawal); a withdrawal names the submission it
    /// takes out. Older outcomes without a submission fall back to the
    /// name (and the rejection's code).
    public static func file(_ outcome: FileOutcome, now: Date = Date()) -> PublicEvent {
        var data = JSONObject()
        data.string("file", outcome.file)
        data.string("airline", outcome.airline)
        data.string("country", outcome.country)
        data.string("period", outcome.period)
        let type: PublicEventType, id: String
        let at = outcome.submission.map { "@" + $0 } ?? ""
        if outcome.withdrawn == true {
            type = .fileWithdrawn
            id = "file.withdrawn:\(outcome.file)" + at
        } else if outcome.accepted {
            type = .fileAccepted
            id = "file.accepted:\(outcome.file)" + at
            data.int("recordsAccepted", Int64(outcome.recordsPassed))
            data.int("recordsRejected", Int64(outcome.recordsRejected))
        } else {
            type = .fileRejected
            id = "file.rejected:\(outcome.file)" + (outcome.submission == nil ? ":\(outcome.code)" : at)
            data.string("code", outcome.code)
            data.string("message", outcome.message)
        }
        // Keyed by the airline's company (`airline-125`): one airline's
        // file events in one partition, in order.
        return PublicEvent(type: type, id: id, country: outcome.country.isEmpty ? "XX" : outcome.country, subject: outcome.file,
                           key: outcome.airline.isEmpty ? outcome.file : "airline-" + outcome.airline, time: PublicEvent.time(now), data: data.text)
    }

    /// The airline prefix as the CSVs write it: three digits.
    public static func airlineText(_ prefix: Int32) -> String { Padding.zeros(String(prefix), to: 3) }

    /// `P` or `C`: the line's own indicator. Lines stored before invoice
    /// lines kept it (schema version 2) have none; for those it is inferred:
    /// a collect record's net due is minus its commission and incentive
    /// (billing-file.md), which a prepaid record's is only when it has no
    /// charges, and then both read the same.
    static func chargesIndicator(_ line: InvoiceLine) -> String {
        if let known = line.chargesIndicator { return known.code }
        let charges = line.weightCharge &+ line.valuationCharge &+ line.otherChargesDueCarrier
        let collectAmount = 0 &- line.commission &- line.incentive
        return charges != 0 && line.amount == collectAmount ? "C" : "P"
    }
}

/// A JSON object written key by key, in the order given, as UTF-8 bytes:
/// the public events' per-line objects are most of what the publish stage
/// does, and appending to a String cost a uniqueness, capacity and ASCII
/// check per piece (about 60 % of the stage's time after a close, before).
public struct JSONObject: Sendable {
    private var body: [UInt8] = []

    public init() {}

    public mutating func string(_ key: String, _ value: String) {
        begin(key)
        body.append(UInt8(ascii: "\""))
        JSONBytes.quote(value, into: &body)
        body.append(UInt8(ascii: "\""))
    }
    public mutating func int(_ key: String, _ value: Int64) {
        begin(key)
        JSONBytes.decimal(value, into: &body)
    }
    public mutating func bool(_ key: String, _ value: Bool) {
        begin(key)
        body.append(contentsOf: value ? "true".utf8 : "false".utf8)
    }
    /// A value that is JSON already (an array, an object).
    public mutating func raw(_ key: String, _ json: String) {
        begin(key)
        body.append(contentsOf: json.utf8)
    }
    /// A value that is JSON already, as UTF-8 bytes.
    public mutating func raw(_ key: String, bytes json: [UInt8]) {
        begin(key)
        body.append(contentsOf: json)
    }

    private mutating func begin(_ key: String) {
        body.append(body.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
        body.append(UInt8(ascii: "\""))
        JSONBytes.quote(key, into: &body)
        body.append(UInt8(ascii: "\""))
        body.append(UInt8(ascii: ":"))
    }

    public var text: String {
        var bytes: [UInt8] = []
        append(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text` to `out` without building it first.
    public func append(to out: inout String) { out += text }

    /// Appends `text`'s bytes to `out` (the body starts with its `{` once
    /// it has a key).
    public func append(to out: inout [UInt8]) {
        if body.isEmpty {
            out.append(UInt8(ascii: "{"))
        } else {
            out.append(contentsOf: body)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Empties the object, keeping its buffer for the next one.
    public mutating func removeAll() { body.removeAll(keepingCapacity: true) }
}

/// JSON pieces as UTF-8 bytes, the same text `JSONText` writes.
enum JSONBytes {
    /// Appends `text`'s escaped body (without the quotes). Printable ASCII
    /// with nothing to escape (most text here: codes, dates, AWB numbers,
    /// file names) is appended as it is; anything else takes `JSONText`'s
    /// scalar loop, so the output is the same either way.
    static func quote(_ text: String, into out: inout [UInt8]) {
        var text = text
        let plain = text.withUTF8 { bytes in
            bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        }
        if plain {
            text.withUTF8 { out.append(contentsOf: $0) }
        } else {
            var escaped = ""
            JSONText.quoteByScalars(text, into: &escaped)
            out.append(contentsOf: escaped.utf8)
        }
    }

    /// Appends `value` in decimal (as `String(value)` writes it).
    static func decimal(_ value: Int64, into out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // 20 digits hold UInt64.max; written from the end.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var at = 20
            repeat {
                at -= 1
                digits[at] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[at..<20]))
        }
    }
}
