import CASSDomain
import CASSEngine
import CASSLog
import CASSNotify
import Foundation

extension StageName {
    public static let notify = StageName(rawValue: "notify")
}

extension Topic {
    public static let deliveries = Topic(
        base: "cass.deliveries", partitions: 2, retentionMs: -1, keyedBy: "delivery id",
        holds: "every notification delivery: pending with its event, then its outcome with all its attempts (JSON)")
}

/// Tells everyone what happened: file accepted or rejected (the airline),
/// invoice issued (the agent, with its PDF when the documents folder has
/// it), period closed (operators), each in the recipient's language,
/// through the channels of recipients.json.
///
/// Deliveries never hold the worker: each event's deliveries go to a
/// background queue (`DeliveryQueue`), where a receiver that does not answer
/// is retried on its own backoff while the worker goes on with the next
/// events. Every delivery is written to cass.deliveries twice at most:
/// `pending` with the event that caused it (committed with that event), then
/// its final outcome (delivered, or exhausted: also to the dead-letter
/// topic). A worker that starts again re-queues every delivery whose last
/// record is `pending` (`resume`): a crash loses no notification; a
/// receiver may get one twice and dedupes by its `webhook-id`.
public final class NotifyStage: IdleStageLogic {
    public static let deliveries = Output<String>.keyed(.deliveries, by: "recipient")

    public static let definition = StageDefinition(
        name: .notify, input: .events, outputs: [deliveries.declaration],
        partitionedBy: "recipient of the event (airline, agent, operation)",
        keeps: "nothing in cass.state: deliveries pending and their outcomes are on cass.deliveries (exhausted ones also in its dead-letter topic)",
        make: { context in
            guard let notifier = context.environment.notifier else {
                throw StageConfigurationError("the notify stage needs recipients (--recipients FILE)")
            }
            let stage = NotifyStage(notifier: notifier, reference: context.environment.reference, documents: context.environment.documents)
            // Deliveries a previous worker left pending (killed while retrying).
            try stage.resume(try NotifyStage.pendingDeliveries(in: context.log))
            return stage
        })

    let notifier: Notifier
    let reference: ReferenceData
    let documents: URL?
    let queue: DeliveryQueue

    public init(notifier: Notifier, reference: ReferenceData, documents: URL?) {
        self.notifier = notifier
        self.reference = reference
        self.documents = documents
        self.queue = DeliveryQueue(notifier: notifier)
    }

    deinit { queue.stop() }

    public func handle(_ message: StageMessage, from record: LogRecord, output: inout StageOutput) throws {
        if let (event, attachments) = try Self.notification(for: message, reference: reference, documents: documents) {
            let prepared = notifier.prepare(event, attachments: attachments)
            // A full queue (the receivers far behind) refuses the event: it
            // goes to the dead-letter topic for a person, never lost.
            try queue.enqueue(prepared)
            // Pending, in the batch that commits the event: from here a
            // restarted worker finds them.
            for delivery in prepared {
                emit(notifier.outcome(of: delivery, status: .pending, attempts: []), output: &output, source: record)
            }
        }
        emitFinished(output: &output, source: record)
    }

    public func idle(output: inout StageOutput) {
        emitFinished(output: &output, source: nil)
    }

    /// Re-queues deliveries a previous worker left pending (their last
    /// record on cass.deliveries says `pending`).
    public func resume(_ pending: [DeliveryOutcome]) throws {
        try queue.enqueue(pending.compactMap { outcome in
            notifier.prepare(again: outcome, attachments: Self.attachments(for: outcome.event, documents: documents))
        })
    }

    /// Deliveries not yet final, for `cass status` and tests.
    public var counts: DeliveryQueue.Counts { queue.currentCounts }

    func emitFinished(output: inout StageOutput, source: LogRecord?) {
        for outcome in queue.takeFinished() { emit(outcome, output: &output, source: source) }
    }

    func emit(_ outcome: DeliveryOutcome, output: inout StageOutput, source: LogRecord?) {
        guard let bytes = try? outcome.jsonBytes() else { return }
        // Routed by recipient, keyed by delivery: one recipient's deliveries stay in order.
        output.emit(Self.deliveries, routedBy: outcome.recipientID, key: outcome.deliveryID, bytes: bytes)
        if outcome.status == .exhausted {
            output.deadLetter(key: Array(outcome.deliveryID.utf8), value: bytes,
                              reason: "delivery exhausted after \(outcome.attempts.count) attempts: \(outcome.lastError ?? "")", source: source)
        }
    }

    static func attachments(for event: NotificationEvent, documents: URL?) -> [EmailAttachment] {
        guard case .invoiceIssued(let issued) = event, let documents,
              let pdf = FileManager.default.contents(atPath: documents.appendingPathComponent(issued.number + ".pdf").path) else { return [] }
        return [EmailAttachment(filename: issued.number + ".pdf", bytes: [UInt8](pdf))]
    }

    /// The deliveries whose last record on cass.deliveries is `pending`.
    public static func pendingDeliveries(in log: any Log) throws -> [DeliveryOutcome] {
        var latest: [String: DeliveryOutcome] = [:]
        var order: [String] = []
        for partition in 0..<(try log.partitionCount(of: Topic.deliveries.name)) {
            for record in try log.readToEnd(TopicPartition(topic: Topic.deliveries.name, partition: partition)) {
                guard let outcome = try? DeliveryOutcome.decode(json: record.value) else { continue }
                if latest[outcome.deliveryID] == nil { order.append(outcome.deliveryID) }
                latest[outcome.deliveryID] = outcome
            }
        }
        return order.compactMap { latest[$0] }.filter { $0.status == .pending }
    }

    /// The notification an event message stands for (nil: nothing to tell),
    /// with the invoice PDF when the documents folder has it.
    public static func notification(for message: StageMessage, reference: ReferenceData, documents: URL?) throws -> (NotificationEvent, [EmailAttachment])? {
        var attachments: [EmailAttachment] = []
        let event: NotificationEvent
        switch message {
        case .fileOutcome(let outcome):
            // A withdrawal is the airline's own doing, answered to it at once.
            if outcome.withdrawn == true { return nil }
            if outcome.accepted {
                guard let period = BillingPeriod(yyyymmnn: Int(outcome.period) ?? 0) else { return nil }
                event = .fileAccepted(.init(file: outcome.file, airline: outcome.airline, country: outcome.country, period: period,
                                            acceptedRecords: outcome.recordsPassed, rejectedRecords: outcome.recordsRejected))
            } else {
                event = .fileRejected(.init(file: outcome.file, airline: outcome.airline, code: outcome.code, message: outcome.message))
            }
        case .invoice(let invoice), .invoiceIssued(let invoice, _, _):
            event = .invoiceIssued(.init(invoice: invoice))
            if let documents, let pdf = FileManager.default.contents(atPath: documents.appendingPathComponent(invoice.number + ".pdf").path) {
                attachments.append(EmailAttachment(filename: invoice.number + ".pdf", bytes: [UInt8](pdf)))
            }
        case .periodClosed(let period, let invoices, let total, _):
            guard let operation = reference.operation(period.country) else { return nil }
            event = .periodClosed(.init(country: period.country, period: period.period, invoices: invoices, totalMinor: total,
                                        currency: operation.currency, minorDigits: operation.minorDigits))
        case .issuedLines, .event:
            // For the public events only (the publish stage): no one is
            // notified of an invoice's lines, and the service tells of its
            // own events itself.
            return nil
        default:
            throw DecodingFailure("the notify stage does not take \(message.kind) messages")
        }
        return (event, attachments)
    }
}
