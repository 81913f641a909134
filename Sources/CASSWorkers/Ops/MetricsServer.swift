import CASSHTTP
import Foundation

/// A worker's HTTP endpoint: `GET /metrics` (Prometheus text format 0.0.4)
/// and `GET /healthz` (503 once the worker has not polled for longer than
/// `pollAgeLimitMs`). It runs on CASSHTTP, so connections are served
/// concurrently and each request head has an overall deadline: a client
/// trickling bytes cannot hold `/healthz` (or anything else) hostage.
public final class MetricsServer: Sendable {
    public var host: String { server.host }
    /// The port bound (useful when asked for port 0).
    public var port: UInt16 { server.port }

    private let server: HTTPServer

    /// Requests to a metrics endpoint are tiny: a whole head must arrive
    /// within this, and a scraper idle this long is disconnected.
    public static let requestDeadlineMs = 5_000
    /// Prometheus, a health check and someone with curl: a few connections suffice.
    public static let connectionsMax = 16

    /// - Parameters:
    ///   - host: numeric address to listen on; 0.0.0.0 (or ::) lets
    ///     Prometheus in another container scrape.
    ///   - lastPollAgeMs: milliseconds since the worker last polled its
    ///     input; nil while it is still starting (then /healthz is 200).
    public init(registry: MetricsRegistry, host: String = "127.0.0.1", port: UInt16, pollAgeLimitMs: Int = 30_000,
                requestDeadlineMs: Int = MetricsServer.requestDeadlineMs,
                lastPollAgeMs: @escaping @Sendable () -> Int?) throws {
        var router = Router()
        router.get("/metrics") { _ in
            .bytes(Array(registry.render().utf8), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/healthz") { _ in
            guard let age = lastPollAgeMs() else { return .text("starting\n") }
            if age > pollAgeLimitMs {
                return .text("unhealthy: last poll \(age) ms ago, limit \(pollAgeLimitMs) ms\n", status: .serviceUnavailable)
            }
            return .text("ok: last poll \(age) ms ago\n")
        }
        var configuration = HTTPServerConfiguration(host: host, port: port)
        configuration.headTimeoutMs = requestDeadlineMs
        configuration.idleTimeoutMs = 60_000
        configuration.rateWindowMs = requestDeadlineMs
        configuration.connectionsMax = MetricsServer.connectionsMax
        configuration.eventStreamsMax = 0
        do {
            server = try HTTPServer(configuration: configuration, router: router)
        } catch {
            throw MetricsServerError("metrics endpoint: \(error) (choose another --metrics-port or --metrics-host)")
        }
    }

    deinit { stop() }

    /// Serves on threads of its own until `stop`.
    public func start() { server.start() }

    public func stop() { server.stop(timeoutMs: 1_000, graceMs: 500) }
}

public struct MetricsServerError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
