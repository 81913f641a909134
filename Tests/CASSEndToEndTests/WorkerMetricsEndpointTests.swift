import Foundation
import XCTest

/// `cass worker ... --metrics-port/--metrics-host` as an operator runs it.
final class WorkerMetricsEndpointTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private var cassBinary: URL {
        get throws {
            for candidate in [".build/debug/cass", ".build/release/cass"] {
                let url = Self.repo.appendingPathComponent(candidate)
                if FileManager.default.isExecutableFile(atPath: url.path) { return url }
            }
            throw XCTSkip("no built cass binary; run `swift build` first")
        }
    }

    private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = try cassBinary
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged["CASS_BROKERS"] = "127.0.0.1:1"
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Checked before anything connects: the broker given does not exist,
    /// and the command still ends at once with exit 2 naming the option.
    func test_badMetricsOptions_exit2_beforeConnecting() throws {
        let badHost = try run(["worker", "validate", "--metrics-port", "9100", "--metrics-host", "prometheus.local"])
        XCTAssertEqual(badHost.status, 2)
        XCTAssertTrue(badHost.stderr.contains("--metrics-host must be a numeric IPv4 or IPv6 address"), badHost.stderr)
        let badEnvironment = try run(["worker", "validate", "--metrics-port", "9100"], environment: ["CASS_METRICS_HOST": "example"])
        XCTAssertEqual(badEnvironment.status, 2)
        XCTAssertTrue(badEnvironment.stderr.contains("not example"), badEnvironment.stderr)
        let badPort = try run(["worker", "validate", "--metrics-port", "99999"])
        XCTAssertEqual(badPort.status, 2)
        XCTAssertTrue(badPort.stderr.contains("--metrics-port must be a port number"), badPort.stderr)
        let hostAlone = try run(["worker", "validate", "--metrics-host", "0.0.0.0"])
        XCTAssertEqual(hostAlone.status, 2)
        XCTAssertTrue(hostAlone.stderr.contains("--metrics-host needs --metrics-port"), hostAlone.stderr)
    }

    func test_helpNamesTheMetricsHost() throws {
        let help = Process()
        help.executableURL = try cassBinary
        help.arguments = ["worker", "--help"]
        let output = Pipe()
        help.standardOutput = output
        try help.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        help.waitUntilExit()
        XCTAssertTrue(text.contains("--metrics-host ADDR"), text)
        XCTAssertTrue(text.contains("CASS_METRICS_HOST"), text)
    }
}
