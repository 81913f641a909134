import CASSLog
import CASSWorkers
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The worker's /metrics and /healthz: Prometheus text format 0.0.4 and a
/// real HTTP server on a real socket.
final class MetricsTests: XCTestCase {
    func test_countersAndGaugesRenderWithHelpTypeAndSortedLabels() {
        let registry = MetricsRegistry()
        let records = registry.counter("cass_records_in_total", help: "Records read per stage.", labels: ["stage": "validate"])
        records.increment()
        records.increment(by: 4)
        registry.counter("cass_rejections_total", help: "Rejections by code.", labels: ["stage": "validate", "code": "R07"]).increment()
        registry.gauge("cass_consumer_lag", help: "Records behind, per partition.",
                       labels: ["topic": "cass.records", "partition": "3"]).set(Int64(12))
        XCTAssertEqual(registry.render(), """
        # HELP cass_consumer_lag Records behind, per partition.
        # TYPE cass_consumer_lag gauge
        cass_consumer_lag{partition="3",topic="cass.records"} 12
        # HELP cass_records_in_total Records read per stage.
        # TYPE cass_records_in_total counter
        cass_records_in_total{stage="validate"} 5
        # HELP cass_rejections_total Rejections by code.
        # TYPE cass_rejections_total counter
        cass_rejections_total{code="R07",stage="validate"} 1

        """)
    }

    func test_histogramBucketsAreCumulativeWithInfSumAndCount() {
        let registry = MetricsRegistry()
        let latency = registry.histogram("cass_processing_seconds", help: "Seconds per batch.", buckets: [0.01, 0.1, 1],
                                         labels: ["stage": "tax"])
        latency.observe(0.005)
        latency.observe(0.05)
        latency.observe(0.5)
        latency.observe(3)
        XCTAssertEqual(registry.render(), """
        # HELP cass_processing_seconds Seconds per batch.
        # TYPE cass_processing_seconds histogram
        cass_processing_seconds_bucket{stage="tax",le="0.01"} 1
        cass_processing_seconds_bucket{stage="tax",le="0.1"} 2
        cass_processing_seconds_bucket{stage="tax",le="1"} 3
        cass_processing_seconds_bucket{stage="tax",le="+Inf"} 4
        cass_processing_seconds_sum{stage="tax"} 3.555
        cass_processing_seconds_count{stage="tax"} 4

        """)
    }

    func test_labelValuesAndHelpAreEscaped() {
        let registry = MetricsRegistry()
        registry.counter("cass_dead_lettered_total", help: "Dead letters\\n by \"error\".\nSecond line",
                         labels: ["error": "bad \"quote\" \\ and\nnewline"]).increment()
        let text = registry.render()
        XCTAssertTrue(text.contains(#"# HELP cass_dead_lettered_total Dead letters\\n by "error".\nSecond line"#), text)
        XCTAssertTrue(text.contains(#"cass_dead_lettered_total{error="bad \"quote\" \\ and\nnewline"} 1"#), text)
    }

    func test_updatesFromManyThreadsAreAllCounted() {
        let registry = MetricsRegistry()
        let counter = registry.counter("cass_records_out_total", help: "Records written.")
        let histogram = registry.histogram("cass_latency_seconds", help: "Latency.")
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<1000 {
                counter.increment()
                histogram.observe(0.002)
            }
        }
        XCTAssertEqual(counter.value, 8000)
        XCTAssertEqual(histogram.count, 8000)
    }

    func test_collectorsRunAtScrapeTime() {
        let registry = MetricsRegistry()
        let age = registry.gauge("cass_seconds_since_poll", help: "Seconds since the last poll.")
        let calls = Calls()
        registry.addCollector {
            calls.bump()
            age.set(2.5)
        }
        XCTAssertTrue(registry.render().contains("cass_seconds_since_poll 2.5\n"))
        XCTAssertEqual(calls.count, 1)
    }

    func test_metricsEndpointServesTheExpositionOverHTTP() throws {
        let registry = MetricsRegistry()
        registry.counter("cass_records_in_total", help: "Records read.", labels: ["stage": "settle"]).increment(by: 42)
        let server = try MetricsServer(registry: registry, port: 0, lastPollAgeMs: { 5 })
        server.start()
        defer { server.stop() }
        let response = try httpGet(port: server.port, path: "/metrics")
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 200 OK\r\n"), response)
        XCTAssertTrue(response.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), response)
        XCTAssertTrue(response.hasSuffix("\r\n\r\n" + registry.render()), response)
        XCTAssertTrue(response.contains("cass_records_in_total{stage=\"settle\"} 42\n"))
        XCTAssertTrue(try httpGet(port: server.port, path: "/nope").hasPrefix("HTTP/1.1 404"))
        XCTAssertTrue(try httpGet(port: server.port, path: "/metrics", method: "POST").hasPrefix("HTTP/1.1 405"))
    }

    /// Issue 17: a client sending a byte every 1.9 s used to hold the
    /// one-connection-at-a-time endpoint for hours. Now a trickling client
    /// is served beside /healthz and cut at the request deadline.
    func test_slowClientNeitherBlocksHealthzNorLastsPastTheDeadline() throws {
        let server = try MetricsServer(registry: MetricsRegistry(), port: 0, requestDeadlineMs: 600, lastPollAgeMs: { 5 })
        server.start()
        defer { server.stop() }
        let slow = try connectedSocket(port: server.port)
        defer { close(slow) }
        let began = Date()
        var cutOff = false
        for byte in "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: abcdefghijklmnopqrstuvwxyz".utf8 {
            var value = byte
            if send(slow, &value, 1, noSignal) != 1 { cutOff = true; break }
            let healthz = try httpGet(port: server.port, path: "/healthz")
            XCTAssertTrue(healthz.hasPrefix("HTTP/1.1 200 OK"), healthz)
            XCTAssertLessThan(Date().timeIntervalSince(began), 5, "healthz answered while the slow client trickles")
            usleep(40_000)
            if Date().timeIntervalSince(began) > 1.5 { break }
        }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(slow, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { recv(slow, $0.baseAddress, $0.count, 0) }
        let answer = count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : ""
        XCTAssertTrue(cutOff || answer.hasPrefix("HTTP/1.1 408") || count == 0, "the slow client is cut: \(answer.debugDescription)")
        XCTAssertLessThan(Date().timeIntervalSince(began), 4)
    }

    func test_metricsHostCanBeAnyAddress() throws {
        let server = try MetricsServer(registry: MetricsRegistry(), host: "0.0.0.0", port: 0, lastPollAgeMs: { nil })
        server.start()
        defer { server.stop() }
        XCTAssertTrue(try httpGet(port: server.port, path: "/healthz").hasPrefix("HTTP/1.1 200 OK"))
        XCTAssertThrowsError(try MetricsServer(registry: MetricsRegistry(), host: "not-an-address", port: 0, lastPollAgeMs: { nil }))
    }

    func test_healthzFailsWhenTheWorkerHasNotPolledForTooLong() throws {
        let age = PollAge()
        let server = try MetricsServer(registry: MetricsRegistry(), port: 0, pollAgeLimitMs: 1000, lastPollAgeMs: { age.value })
        server.start()
        defer { server.stop() }
        XCTAssertTrue(try httpGet(port: server.port, path: "/healthz").hasPrefix("HTTP/1.1 200 OK"), "starting is healthy")
        age.value = 200
        XCTAssertTrue(try httpGet(port: server.port, path: "/healthz").hasPrefix("HTTP/1.1 200 OK"))
        age.value = 1500
        let stale = try httpGet(port: server.port, path: "/healthz")
        XCTAssertTrue(stale.hasPrefix("HTTP/1.1 503 Service Unavailable"), stale)
        XCTAssertTrue(stale.contains("last poll 1500 ms ago, limit 1000 ms"), stale)
    }

    func test_aTakenPortIsReportedClearly() throws {
        let first = try MetricsServer(registry: MetricsRegistry(), port: 0, lastPollAgeMs: { nil })
        defer { first.stop() }
        XCTAssertThrowsError(try MetricsServer(registry: MetricsRegistry(), port: first.port, lastPollAgeMs: { nil })) { error in
            XCTAssertTrue("\(error)".contains("--metrics-port"), "\(error)")
        }
    }

    func test_sigtermBecomesAShutdownFlag() throws {
        let shutdown = ShutdownSignal(signals: [SIGTERM], exitOnSecondSignal: false)
        defer { shutdown.cancel() }
        let woken = expectation(description: "handler called")
        shutdown.onSignal { _ in woken.fulfill() }
        XCTAssertFalse(shutdown.isRequested)
        kill(getpid(), SIGTERM)
        wait(for: [woken], timeout: 5)
        XCTAssertTrue(shutdown.isRequested)
        XCTAssertEqual(shutdown.receivedSignal, SIGTERM)
    }

    func test_requestedStopKeepsTheFirstReason() {
        let shutdown = ShutdownSignal(signals: [SIGUSR2], exitOnSecondSignal: false)
        defer { shutdown.cancel() }
        shutdown.request()
        shutdown.request()
        XCTAssertTrue(shutdown.isRequested)
        XCTAssertEqual(shutdown.receivedSignal, 0)
    }
}

/// Retries of transient log errors, and the standard worker metrics.
final class WorkerOpsTests: XCTestCase {
    func test_backoffDoublesUpToTheMaximum() {
        let backoff = Backoff(delayInitialMs: 100, delayMaxMs: 1000, jitter: false)
        XCTAssertEqual((0..<6).map { backoff.delayMs(retry: $0) }, [100, 200, 400, 800, 1000, 1000])
    }

    func test_transientErrorsAreRetriedUntilSuccess() throws {
        var slept: [Int] = []
        var calls = 0
        let result = try Backoff(delayInitialMs: 10, delayMaxMs: 40, jitter: false).run(sleepMs: { slept.append($0) }) { () throws -> String in
            calls += 1
            if calls < 4 { throw LogError("broker down", isTransient: true) }
            return "sent"
        }
        XCTAssertEqual(result, "sent")
        XCTAssertEqual(slept, [10, 20, 40])
    }

    func test_permanentErrorsAndExhaustedAttemptsAreThrown() {
        var calls = 0
        XCTAssertThrowsError(try Backoff(jitter: false).run(sleepMs: { _ in }) { () throws -> Void in
            calls += 1
            throw LogError("unknown partition", isTransient: false)
        })
        XCTAssertEqual(calls, 1)
        calls = 0
        XCTAssertThrowsError(try Backoff(attemptsMax: 3, jitter: false).run(sleepMs: { _ in }) { () throws -> Void in
            calls += 1
            throw LogError("timed out", isTransient: true)
        })
        XCTAssertEqual(calls, 3)
    }

    func test_shutdownStopsRetrying() {
        var calls = 0
        XCTAssertThrowsError(try Backoff(jitter: false).run(shouldStop: { calls >= 2 }, sleepMs: { _ in }) { () throws -> Void in
            calls += 1
            throw LogError("timed out", isTransient: true)
        })
        XCTAssertEqual(calls, 2)
    }

    func test_jitteredDelayStaysWithinHalfAndFull() {
        let backoff = Backoff(delayInitialMs: 100, delayMaxMs: 100, attemptsMax: 50)
        var delays: [Int] = []
        _ = try? backoff.run(onRetry: { _, _, delay in delays.append(delay) }, sleepMs: { _ in }) { () throws -> Void in
            throw LogError("x", isTransient: true)
        }
        XCTAssertEqual(delays.count, 49)
        XCTAssertTrue(delays.allSatisfy { (50...100).contains($0) }, "\(delays)")
    }

    func test_workerMetricsExposeTheStandardSeries() {
        let metrics = WorkerMetrics(stage: "validate")
        XCTAssertNil(metrics.lastPollAgeMs, "not polled yet")
        metrics.polled()
        metrics.recordsIn(10)
        metrics.recordsOut(8)
        metrics.rejected(code: "R07")
        metrics.rejected(code: "R07")
        metrics.deadLettered()
        metrics.batchHandled(seconds: 0.003)
        metrics.consumerLag([TopicPartition(topic: "cass.records", partition: 0): 5, TopicPartition(topic: "cass.records", partition: 1): 7])
        metrics.consumerLag([TopicPartition(topic: "cass.records", partition: 1): 2])
        let text = metrics.registry.render()
        for line in [
            #"cass_records_in_total{stage="validate"} 10"#,
            #"cass_records_out_total{stage="validate"} 8"#,
            #"cass_rejections_total{code="R07",stage="validate"} 2"#,
            #"cass_dead_lettered_total{stage="validate"} 1"#,
            #"cass_batch_seconds_bucket{stage="validate",le="0.005"} 1"#,
            #"cass_batch_seconds_count{stage="validate"} 1"#,
            #"cass_consumer_lag{partition="1",stage="validate",topic="cass.records"} 2"#,
        ] {
            XCTAssertTrue(text.contains(line + "\n"), "missing \(line) in\n\(text)")
        }
        XCTAssertFalse(text.contains(#"partition="0""#), "a partition given away has no lag series")
        XCTAssertTrue(text.contains(#"cass_seconds_since_poll{stage="validate"} "#))
        XCTAssertLessThan(metrics.lastPollAgeMs ?? Int.max, 5000)
    }
}

private final class Calls: @unchecked Sendable {
    private let lock = NSLock()
    private var _count = 0
    func bump() { lock.withLock { _count += 1 } }
    var count: Int { lock.withLock { _count } }
}

private final class PollAge: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: Int?
    var value: Int? {
        get { lock.withLock { _value } }
        set { lock.withLock { _value = newValue } }
    }
}

/// A plain HTTP/1.1 request over a fresh socket; returns the whole response.
#if canImport(Glibc)
private let noSignal = Int32(MSG_NOSIGNAL)
#else
private let noSignal: Int32 = 0
#endif

private func connectedSocket(port: UInt16) throws -> Int32 {
    #if canImport(Glibc)
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else { throw NSError(domain: "socket", code: Int(errno)) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        close(descriptor)
        throw NSError(domain: "connect", code: Int(errno))
    }
    return descriptor
}

private func httpGet(port: UInt16, path: String, method: String = "GET") throws -> String {
    #if canImport(Glibc)
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else { throw NSError(domain: "socket", code: Int(errno)) }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw NSError(domain: "connect", code: Int(errno)) }
    let request = Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { break }
        response += buffer.prefix(count)
    }
    return String(decoding: response, as: UTF8.self)
}
