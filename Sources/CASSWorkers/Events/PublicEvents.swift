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
        var lines = "["
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
            if index > 0 { lines += "," }
            object.append(to: &lines)
        }
        lines += "]"
        data.raw("lines", lines)
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

/// A JSON object written key by key, in the order given.
public struct JSONObject: Sendable {
    private var body = ""

    public init() {}

    public mutating func string(_ key: String, _ value: String) {
        add(key, "\"")
        JSONText.quote(value, into: &body)
        body += "\""
    }
    public mutating func int(_ key: String, _ value: Int64) { add(key, String(value)) }
    public mutating func bool(_ key: String, _ value: Bool) { add(key, value ? "true" : "false") }
    /// A value that is JSON already (an array, an object).
    public mutating func raw(_ key: String, _ json: String) { add(key, json) }

    private mutating func add(_ key: String, _ json: String) {
        // Appended piece by piece in place: joining the pieces first built
        // two temporary strings per field.
        if !body.isEmpty { body += "," }
        body += "\""
        JSONText.quote(key, into: &body)
        body += "\":"
        body += json
    }

    public var text: String { "{" + body + "}" }

    /// Appends `text` to `out` without building it first.
    public func append(to out: inout String) {
        out += "{"
        out += body
        out += "}"
    }

    /// Empties the object, keeping its buffer for the next one.
    public mutating func removeAll() { body.removeAll(keepingCapacity: true) }
}
