import CASSHTTP
import CASSLog
@testable import CASSService
import CASSWorkers
import XCTest

/// `cass serve`'s metrics from given vitals and requests (the whole
/// service's are in ServeCommandTests and ServeKafkaTests).
final class ServiceMetricsTests: XCTestCase {
    private static func vitals(lag: [String: Int64]?) -> Service.Vitals {
        Service.Vitals(stages: [], roundAgeMs: 5, invoicesIssued: 3, periodsClosed: 1, ready: true, viewLag: lag,
                       openConnections: 2, openEventStreams: 1)
    }

    func testALagTheLogCannotTellIsLeftOutNotLeftAtItsLastValue() {
        let metrics = ServiceMetrics()
        let current = Locked<[String: Int64]?>(["cass.invoices": 7, "cass.users": 0])
        metrics.follow { Self.vitals(lag: current.withLock { $0 }) }
        var text = metrics.registry.render()
        XCTAssertTrue(text.contains("cass_serve_view_lag_offsets{topic=\"cass.invoices\"} 7"), text)
        XCTAssertTrue(text.contains("cass_serve_view_lag_offsets{topic=\"cass.users\"} 0"), text)
        XCTAssertTrue(text.contains("cass_serve_http_open_connections 2"), text)
        current.withLock { $0 = nil }
        text = metrics.registry.render()
        XCTAssertFalse(text.contains("cass_serve_view_lag_offsets{"), text)
        current.withLock { $0 = ["cass.invoices": 0] }
        text = metrics.registry.render()
        XCTAssertTrue(text.contains("cass_serve_view_lag_offsets{topic=\"cass.invoices\"} 0"), text)
        XCTAssertFalse(text.contains("topic=\"cass.users\""), text)
    }

    func testRequestsAreCountedByRoutePatternAndStatusWithinABoundedSetOfSeries() {
        let metrics = ServiceMetrics()
        func answer(_ method: String, _ route: String?, _ status: Int, ms: UInt64 = 3) {
            metrics.observe(AccessRecord(method: method, rawPath: "/x", route: route, status: status, bytesSent: 10,
                                         durationNanoseconds: ms * 1_000_000, remoteAddress: "127.0.0.1"))
        }
        answer("GET", "/api/v1/invoices/{number}", 200)
        answer("GET", "/api/v1/invoices/{number}", 200, ms: 40)
        answer("GET", "/api/v1/invoices/{number}", 404)
        answer("GET", nil, 404)
        answer("-", nil, 431)
        let text = metrics.registry.render()
        XCTAssertTrue(text.contains("cass_serve_http_requests_total{method=\"GET\",route=\"/api/v1/invoices/{number}\",status=\"200\"} 2"), text)
        XCTAssertTrue(text.contains("cass_serve_http_requests_total{method=\"GET\",route=\"/api/v1/invoices/{number}\",status=\"404\"} 1"), text)
        XCTAssertTrue(text.contains("cass_serve_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"), text)
        XCTAssertTrue(text.contains("cass_serve_http_requests_total{method=\"-\",route=\"-\",status=\"431\"} 1"), text)
        XCTAssertTrue(text.contains("cass_serve_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/invoices/{number}\",status=\"200\",le=\"0.005\"} 1"), text)
        XCTAssertTrue(text.contains("cass_serve_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/invoices/{number}\",status=\"200\",le=\"0.05\"} 2"), text)

        // A flood of distinct statuses (which a route set cannot make, but
        // a defect could) stops at the stated number of series.
        for status in 0..<(ServiceMetrics.requestSeriesMax + 50) { answer("GET", "/r", 1000 + status) }
        let series = metrics.registry.render().split(separator: "\n").filter { $0.hasPrefix("cass_serve_http_requests_total{") }
        XCTAssertEqual(series.count, ServiceMetrics.requestSeriesMax)
    }
}
