import CProcess
import CASSLog
import CASSWorkers
import Foundation

/// Takes the service's own public events (disputes, payments, overdue
/// invoices, risk flags: what the accounts reducer decides) to cass.events,
/// where the publish stage puts them on cass.invoice-events beside the
/// pipeline's.
///
/// It is also a view of cass.events: it knows which facts are there
/// already, so that the views replaying history at start send only what
/// never got there (a process killed between applying a record and
/// forwarding its event sends it at its next start). Two serve processes
/// may both send a new event before either sees the other's; the copies
/// have the same id, and consumers dedupe by id (docs/events.md).
public final class EventForwarder: View, @unchecked Sendable {
    // @unchecked: every mutable field is touched under `condition`.
    private let condition = NSCondition()
    private var forwarded: Set<String> = []
    private var queue: [EventFact] = []
    private var queued: Set<String> = []
    private var live = false
    private var stopped = false
    private var thread: Thread?
    let writer: RecordWriter
    /// Events waiting at most: the accounts events of a long history
    /// replayed at start fit many times over; beyond it the oldest are
    /// dropped with a warning (they are the likeliest to be on the topic).
    static let queueMax = 200_000
    /// Events per write.
    static let batchMax = 500

    init(writer: RecordWriter) { self.writer = writer }

    public var topics: [String] { [TopicCatalog.events] }

    public func apply(_ record: LogRecord) throws {
        // Only `event` facts matter; the rest (invoices, their lines) are
        // not decoded.
        guard record.value.first == MessageKind.event.rawValue,
              case .event(let fact) = try StageMessage.decode(record.value) else { return }
        condition.lock()
        forwarded.insert(fact.id)
        condition.unlock()
    }

    /// Called on the view feed's thread as the accounts view applies a
    /// record: never blocks on the log.
    func enqueue(_ fact: EventFact) {
        condition.lock()
        defer { condition.unlock() }
        guard !forwarded.contains(fact.id), queued.insert(fact.id).inserted else { return }
        if queue.count >= Self.queueMax {
            let dropped = queue.removeFirst()
            queued.remove(dropped.id)
            FileHandle.standardError.write(Data("serve: more than \(Self.queueMax) events waiting for cass.events; \(dropped.id) dropped\n".utf8))
        }
        queue.append(fact)
        condition.signal()
    }

    /// From here on (the views have caught up, so `forwarded` knows what
    /// the topic holds), events are written.
    func start() {
        condition.lock()
        live = true
        condition.unlock()
        let thread = Thread { [self] in
            cass_thread_set_name("cass-forwarder")
            run()
        }
        thread.name = "event-forwarder"
        self.thread = thread
        thread.start()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Events not yet written (tests, status).
    var pendingCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    private func run() {
        var failures = 0
        while true {
            condition.lock()
            while !stopped && (queue.isEmpty || !live) { condition.wait() }
            if stopped { condition.unlock(); return }
            let batch = queue.prefix(Self.batchMax).filter { !forwarded.contains($0.id) }
            let taken = min(queue.count, Self.batchMax)
            condition.unlock()
            do {
                let records = try batch.map { fact in
                    try writer.record(TopicCatalog.events, key: fact.key, value: StageMessage.event(fact).encoded())
                }
                try writer.write(records)
                failures = 0
                condition.lock()
                for fact in batch { forwarded.insert(fact.id) }
                for fact in queue.prefix(taken) { queued.remove(fact.id) }
                queue.removeFirst(taken)
                condition.unlock()
            } catch {
                // The log refused (a broker down): the events stay queued
                // and are tried again, a little later each time.
                failures += 1
                FileHandle.standardError.write(Data("serve: cannot write events to \(TopicCatalog.events): \(error); retrying\n".utf8))
                Thread.sleep(forTimeInterval: min(10, 0.1 * Double(1 << min(failures, 7))))
            }
        }
    }
}
