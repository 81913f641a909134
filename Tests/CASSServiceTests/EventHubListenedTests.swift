import CASSAccess
import CASSDomain
import CASSEngine
@testable import CASSHTTP
import CASSLog
@testable import CASSService
import CASSWorkers
import Foundation
import XCTest

/// Events only the stream `/api/v1/events` gets are built only when a
/// stream is open on a live hub: the invoices view spent most of its work
/// on the issued invoices' payloads with nobody listening. What a listener
/// gets is unchanged.
final class EventHubListenedTests: XCTestCase {
    typealias W = AccountsWorld

    static let operatorPrincipal = Principal(username: "op", company: .cass, role: .admin)

    /// Everything queued on `channel` within a short wait.
    static func drain(_ channel: EventChannel) -> [ServerSentEvent] {
        switch channel.next(deadline: Monotonic.now() &+ 200_000_000) {
        case .events(let events): return events
        case .timeout, .closed: return []
        }
    }

    func testAnEventIsBuiltOnlyWhenALiveHubHasAStreamOpen() throws {
        let hub = EventHub()
        var built = 0
        func publish(_ id: String) {
            hub.publish(companies: [.cass]) {
                built += 1
                return PublicEvent(type: .periodClosed, id: id, country: "GB", subject: "GB/20261101", key: "GB", time: "2026-11-07T00:00:00Z", data: "{}")
            }
        }
        // Replaying history: not live, even with a stream open.
        let channel = try hub.subscribe(Self.operatorPrincipal)
        publish("replayed")
        XCTAssertEqual(built, 0)
        XCTAssertFalse(hub.isListened)
        hub.goLive()
        XCTAssertTrue(hub.isListened)
        publish("live")
        XCTAssertEqual(built, 1)
        XCTAssertEqual(Self.drain(channel).map(\.id), ["live"])
        // The stream closes: nobody listens, nothing is built.
        channel.close()
        XCTAssertFalse(hub.isListened)
        publish("unheard")
        XCTAssertEqual(built, 1)
        var made = 0
        hub.publishEvent {
            made += 1
            return ServiceEvent(type: "file.received", id: "file.received:x", country: "", companies: [.cass], data: "{}")
        }
        XCTAssertEqual(made, 0)
    }

    /// Through the invoices view: with nobody listening an invoice and a
    /// close are applied all the same; with a stream open the stream gets
    /// the same payloads `PublicEvents` gives the topic.
    func testTheInvoicesViewPublishesTheSameEventsToAListener() throws {
        let first = PortalPagesRoutesTests.invoice(W.invoiceA), second = PortalPagesRoutesTests.invoice(W.invoiceB)
        let period = PeriodKey(country: first.country, period: first.period)
        let closed = StageMessage.periodClosed(period: period, invoices: 2, total: first.total + second.total, disbursements: [])
        func apply(_ view: InvoicesView, _ messages: [(String, StageMessage)]) throws {
            for (offset, (topic, message)) in messages.enumerated() {
                try view.apply(LogRecord(topic: topic, partition: 0, offset: Int64(offset), key: [], value: message.encoded()))
            }
        }
        let messages: [(String, StageMessage)] = [(TopicCatalog.invoices, .invoiceHeader(first, parts: 0)),
                                                  (TopicCatalog.invoices, .invoice(second)), (TopicCatalog.settlements, closed)]

        let quietHub = EventHub()
        quietHub.goLive()
        let quiet = InvoicesView(hub: quietHub)
        try apply(quiet, messages)
        XCTAssertEqual(quiet.all().map(\.number), [first.number, second.number])
        XCTAssertTrue(quiet.isClosed(period))

        let hub = EventHub()
        hub.goLive()
        let channel = try hub.subscribe(Self.operatorPrincipal)
        let listened = InvoicesView(hub: hub)
        try apply(listened, messages)
        let events = Self.drain(channel)
        let reference = ReferenceData()
        let expected = [
            PublicEvents.invoiceIssued(first, sectionLines: first.sections.map(\.lines.count), parts: 0, reference: reference),
            PublicEvents.invoiceIssued(second, sectionLines: second.sections.map(\.lines.count), parts: LinePart.split(second).1.count, reference: reference),
            PublicEvents.periodClosed(period, invoices: 2, totalMinor: first.total + second.total, disbursements: [], reference: reference),
        ]
        XCTAssertEqual(events.map(\.id), expected.map(\.id))
        XCTAssertEqual(events.map(\.event), expected.map(\.type.rawValue))
        XCTAssertEqual(events.map(\.data), expected.map(\.data))
        XCTAssertEqual(listened.all().map(\.number), quiet.all().map(\.number))
    }
}
