@testable import CASSHTTP
import Foundation
import XCTest

/// Many clients at once, event streams, and stopping.
final class ServerConcurrencyTests: ServerTestCase {
    func test_manyConcurrentClients_allAnsweredCorrectly() throws {
        let counter = Shared(0)
        let server = try startServer { router in
            router.get("/n/{value}") { request in
                counter.update { $0 += 1 }
                return .text("n=\(request.parameter("value") ?? "")")
            }
        }
        let clients = 40, requestsEach = 25
        let failures = Shared<[String]>([])
        DispatchQueue.concurrentPerform(iterations: clients) { index in
            do {
                let client = try RawClient(port: server.port)
                for request in 0..<requestsEach {
                    let value = index * 1000 + request
                    client.send("GET /n/\(value) HTTP/1.1\r\nHost: t\r\n\r\n")
                    let response = try client.readResponse()
                    if response.text != "n=\(value)" { failures.update { $0.append("\(value): \(response.text)") } }
                }
            } catch {
                failures.update { $0.append("client \(index): \(error)") }
            }
        }
        XCTAssertEqual(failures.value, [])
        XCTAssertEqual(counter.value, clients * requestsEach)
    }

    // MARK: Server-Sent Events

    func test_events_deliveredInOrder_withPings_untilTheProducerCloses() throws {
        let channel = EventChannel(capacity: 100)
        let server = try startServer({ $0.eventPingIntervalMs = 100 }) { router in
            router.get("/api/v1/events") { _ in .eventStream(channel) }
        }
        let client = try RawClient(port: server.port)
        client.send("GET /api/v1/events HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try client.readUntil("\r\n\r\n")
        XCTAssertTrue(head.contains("Content-Type: text/event-stream"), head)
        XCTAssertTrue(head.contains("Transfer-Encoding: chunked"), head)
        XCTAssertTrue(waitUntil { server.openEventStreams == 1 })
        _ = try client.readUntil(": ping")
        for index in 1...3 { XCTAssertTrue(channel.send(ServerSentEvent(id: "\(index)", event: "file.accepted", data: "{\"n\":\(index)}"))) }
        let text = try client.readUntil("data: {\"n\":3}\n\n")
        let order = ["id: 1", "id: 2", "id: 3"].map { text.range(of: $0)?.lowerBound }
        XCTAssertFalse(order.contains(nil), text)
        XCTAssertTrue(order.compactMap { $0 }.sorted() == order.compactMap { $0 }, "in order: \(text)")
        channel.close()
        _ = try client.readUntil("0\r\n\r\n")
        XCTAssertTrue(client.serverClosed())
        XCTAssertTrue(waitUntil { server.openEventStreams == 0 })
    }

    func test_events_clientDisconnect_closesTheChannel() throws {
        let channel = EventChannel()
        let reason = Shared<EventChannel.CloseReason?>(nil)
        channel.onClose { why in reason.value = why }
        let server = try startServer({ $0.eventClientCheckMs = 50 }) { router in
            router.get("/events") { _ in .eventStream(channel) }
        }
        do {
            let client = try RawClient(port: server.port)
            client.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try client.readUntil("\r\n\r\n")
            XCTAssertTrue(channel.send(ServerSentEvent(data: "one")))
            _ = try client.readUntil("data: one")
        }
        XCTAssertTrue(waitUntil { reason.value == .clientGone }, "closed: \(String(describing: reason.value))")
        XCTAssertFalse(channel.send(ServerSentEvent(data: "late")), "the producer learns the client is gone")
        XCTAssertTrue(waitUntil { server.openConnections == 0 })
    }

    func test_events_slowConsumerOverflow_closesTheChannel() {
        let channel = EventChannel(capacity: 2)
        XCTAssertTrue(channel.send(ServerSentEvent(data: "1")))
        XCTAssertTrue(channel.send(ServerSentEvent(data: "2")))
        XCTAssertFalse(channel.send(ServerSentEvent(data: "3")))
        XCTAssertEqual(channel.closeReason, .overflow)
    }

    func test_events_limitOnOpenStreams_503() throws {
        let server = try startServer({ $0.eventStreamsMax = 1 }) { router in
            router.get("/events") { _ in .eventStream(EventChannel()) }
        }
        let first = try RawClient(port: server.port)
        first.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try first.readUntil("\r\n\r\n")
        let second = try RawClient(port: server.port)
        second.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try second.readResponse().status, 503)
    }

    // MARK: stopping

    func test_stop_letsInFlightRequestsFinish_closesIdleOnes_refusesNewOnes() throws {
        let entered = DispatchSemaphore(value: 0)
        let channel = EventChannel()
        let server = try startServer { router in
            router.get("/slow") { _ in
                entered.signal()
                usleep(300_000)
                return .text("finished")
            }
            router.get("/hello") { _ in .text("hello") }
            router.get("/events") { _ in .eventStream(channel) }
        }
        let idle = try RawClient(port: server.port)
        idle.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try idle.readResponse().status, 200)
        let events = try RawClient(port: server.port)
        events.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try events.readUntil("\r\n\r\n")
        let busy = try RawClient(port: server.port)
        busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        entered.wait()

        let stopped = Shared<HTTPServer.StopReport?>(nil)
        let stopper = Thread { stopped.value = server.stop(timeoutMs: 5000) }
        stopper.start()
        XCTAssertTrue(idle.serverClosed(), "an idle keep-alive connection is closed at once")
        XCTAssertTrue(events.serverClosed(), "event streams end")
        XCTAssertEqual(channel.closeReason, .serverStopping)
        let answer = try busy.readResponse()
        XCTAssertEqual(answer.text, "finished", "the request in flight completes")
        XCTAssertEqual(answer.header("Connection"), "close")
        XCTAssertTrue(waitUntil { stopped.value != nil })
        XCTAssertEqual(stopped.value?.cutOff, 0)
        XCTAssertThrowsError(try RawClient(port: server.port), "no longer listening")
        self.server = nil
    }

    /// A request that does not finish by the deadline is cut: here a client
    /// that announced a body and never sends it.
    func test_stop_cutsWhatOutlivesTheDeadline() throws {
        let entered = DispatchSemaphore(value: 0)
        let server = try startServer { router in
            router.post("/upload") { request in
                entered.signal()
                return .text("\(try request.readBody(limit: 1000).count)")
            }
        }
        let client = try RawClient(port: server.port)
        client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 500\r\n\r\nabc")
        entered.wait()
        let began = Date()
        let report = server.stop(timeoutMs: 200)
        XCTAssertEqual(report.cutOff, 1)
        XCTAssertEqual(report.stillRunning, 0)
        XCTAssertLessThan(Date().timeIntervalSince(began), 2)
        self.server = nil
    }
}
