import CASSDomain
import CASSEngine
import CASSLog
import CASSNotify
import Foundation

/// Tells everyone what happened: file accepted or rejected (the airline),
/// invoice issued (the agent, with its PDF when the documents folder has
/// it), period closed (operators), each in the recipient's language,
/// through the channels of recipients.json. Every delivery, with all its
/// attempts, is written to cass.deliveries; a delivery that exhausted its
/// retries also goes to the dead-letter topic: nothing is dropped.
public final class NotifyStage: StageLogic {
    public let stage = StageName.notify
    let notifier: Notifier
    let reference: ReferenceData
    let documents: URL?

    public init(notifier: Notifier, reference: ReferenceData, documents: URL?) {
        self.notifier = notifier
        self.reference = reference
        self.documents = documents
    }

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        var attachments: [EmailAttachment] = []
        let event: NotificationEvent
        switch message {
        case .fileOutcome(let outcome):
            if outcome.accepted {
                guard let period = BillingPeriod(yyyymmnn: Int(outcome.period) ?? 0) else { return }
                event = .fileAccepted(.init(file: outcome.file, airline: outcome.airline, country: outcome.country, period: period,
                                            acceptedRecords: outcome.recordsPassed, rejectedRecords: outcome.recordsRejected))
            } else {
                event = .fileRejected(.init(file: outcome.file, airline: outcome.airline, code: outcome.code, message: outcome.message))
            }
        case .invoice(let invoice):
            event = .invoiceIssued(.init(invoice: invoice))
            if let documents, let pdf = FileManager.default.contents(atPath: documents.appendingPathComponent(invoice.number + ".pdf").path) {
                attachments.append(EmailAttachment(filename: invoice.number + ".pdf", bytes: [UInt8](pdf)))
            }
        case .periodClosed(let period, let invoices, let total, _):
            guard let operation = reference.operation(period.country) else { return }
            event = .periodClosed(.init(country: period.country, period: period.period, invoices: invoices, totalMinor: total,
                                        currency: operation.currency, minorDigits: operation.minorDigits))
        default:
            throw DecodingFailure("the notify stage does not take this message")
        }
        for outcome in notifier.deliver(event, attachments: attachments) {
            let bytes = try outcome.jsonBytes()
            output.records.append(OutgoingRecord(topic: TopicCatalog.deliveries, partition: Partitioner.partition(for: outcome.recipientID, count: output.partitions(TopicCatalog.deliveries)),
                                                 key: Array(outcome.deliveryID.utf8), value: bytes))
            if outcome.status == .exhausted {
                output.records.append(OutgoingRecord(topic: stage.deadLetterTopic, partition: 0, key: Array(outcome.deliveryID.utf8), value: bytes, headers: [
                    LogHeader(name: "cass.error", text: "delivery exhausted after \(outcome.attempts.count) attempts"),
                    LogHeader(name: "cass.source.topic", text: record.topic),
                    LogHeader(name: "cass.source.partition", text: String(record.partition)),
                    LogHeader(name: "cass.source.offset", text: String(record.offset)),
                ]))
            }
        }
    }
}
