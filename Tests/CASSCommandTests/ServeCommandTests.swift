import Foundation
import XCTest

/// `cass serve` as a process: starts on a fresh data folder, answers,
/// survives SIGKILL with every acknowledged request, stops on SIGTERM.
final class ServeCommandTests: XCTestCase {
    func testServeStartsAnswersSurvivesSIGKILLAndStopsOnSIGTERM() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("cass-serve-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let port = try ServeProcess.freePort()
        var server = try ServeProcess.start(data: data, port: port, extra: ["--reference", CommandRunner.repo.appendingPathComponent("samples/reference").path, "--admin", "root"])
        try server.waitHealthy()
        let token = try ServeProcess.login(port: port, "root", ServeProcess.adminPassword)
        let created = try ServeProcess.request(port: port, "POST", "/api/v1/users", token: token, json: """
            {"username":"jp.input","company":"airline-131","role":"input","name":"日本","email":"jp@example.com","language":"ja","password":"a long enough password"}
            """)
        XCTAssertEqual(created.status, 201, created.body)

        // SIGKILL right after the 201: the user and the session are there after a restart.
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        server = try ServeProcess.start(data: data, port: port, extra: [])
        try server.waitHealthy()
        XCTAssertEqual(try ServeProcess.request(port: port, "GET", "/api/v1/users/jp.input", token: token).status, 200)
        XCTAssertNoThrow(try ServeProcess.login(port: port, "jp.input", "a long enough password"))

        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        let log = (try? server.stderr()) ?? ""
        XCTAssertEqual(server.process.terminationStatus, 0, log)
    }

    /// `--metrics-port`: the stages' records, the views' invoices and
    /// closed periods move as a file is billed and its period closed, and
    /// the endpoint's /healthz answers; a host without a port is refused.
    func testServeMetricsFollowAFileThroughTheStagesToItsClosedPeriod() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("cass-serve-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let port = try ServeProcess.freePort(), metricsPort = try ServeProcess.freePort()
        let accessLog = data.appendingPathComponent("access.jsonl")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let server = try ServeProcess.start(data: data, port: port, extra: [
            "--reference", CommandRunner.repo.appendingPathComponent("samples/reference").path, "--admin", "root", "--metrics-port", String(metricsPort),
            "--access-log", accessLog.path])
        defer { ServeKafkaTests.stop(server) }
        try server.waitHealthy()
        func metrics() throws -> [String: Double] {
            let answer = try ServeProcess.request(port: metricsPort, "GET", "/metrics")
            XCTAssertEqual(answer.status, 200)
            var values: [String: Double] = [:]
            for line in answer.body.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
                values[String(line[..<space])] = value
            }
            return values
        }
        let before = try metrics()
        XCTAssertEqual(before["cass_serve_ready"], 1)
        XCTAssertEqual(before["cass_serve_stage_workers{stage=\"number\"}"], 2, "\(before)")
        XCTAssertEqual(before["cass_serve_stage_workers{stage=\"publish\"}"], 1, "\(before)")
        XCTAssertEqual(before["cass_serve_stage_records_in_total{stage=\"ingest\"}"], 0)
        XCTAssertEqual(before["cass_serve_periods_closed"], 0)
        XCTAssertEqual(before["cass_serve_stage_failing{stage=\"settle\"}"], 0)
        let health = try ServeProcess.request(port: metricsPort, "GET", "/healthz")
        XCTAssertEqual(health.status, 200, health.body)

        let root = try ServeProcess.login(port: port, "root", ServeProcess.adminPassword)
        XCTAssertEqual(try ServeProcess.request(port: port, "POST", "/api/v1/users", token: root, json: """
            {"username":"ba.input","company":"airline-125","role":"input","name":"BA","email":"ba@example.com","language":"en","password":"a long enough password"}
            """).status, 201)
        let airline = try ServeProcess.login(port: port, "ba.input", "a long enough password")
        let file = CommandRunner.repo.appendingPathComponent("samples/input/125_GB_20261101_000001.cbf")
        let upload = try ServeProcess.request(port: port, "POST", "/api/v1/files?name=125_GB_20261101_000001.cbf", token: airline,
                                              body: [UInt8](try Data(contentsOf: file)))
        XCTAssertEqual(upload.status, 201, upload.body)
        XCTAssertEqual(try ServeProcess.request(port: port, "POST", "/api/v1/operations/GB/periods/20261101/close", token: root).status, 202)
        let after = try APIScenario.eventually("the close in the metrics") { () -> [String: Double]? in
            let now = try metrics()
            return now["cass_serve_periods_closed"] == 1 ? now : nil
        }
        for stage in ["ingest", "validate", "tax", "settle", "number"] {
            XCTAssertGreaterThan(after["cass_serve_stage_records_in_total{stage=\"\(stage)\"}"] ?? 0, 0, stage)
        }
        XCTAssertGreaterThan(after["cass_serve_invoices_issued"] ?? 0, 0)
        XCTAssertLessThan(after["cass_serve_pipeline_round_age_seconds"] ?? 99, 30)

        // Requests, by route pattern (not path) and status; answers before a
        // head was read whole count too; the views' lag per topic.
        XCTAssertEqual(try ServeProcess.request(port: port, "GET", "/api/v1/no/such/thing", token: root).status, 404)
        XCTAssertEqual(try ServeProcess.request(port: port, "GET", "/api/v1/files", token: root,
                                                headers: ["X-Padding": String(repeating: "p", count: 17 * 1024)]).status, 431)
        let requests = try APIScenario.eventually("the views caught up in the metrics") { () -> [String: Double]? in
            let now = try metrics()
            return now["cass_serve_view_lag_offsets{topic=\"cass.invoices\"}"] == 0 ? now : nil
        }
        XCTAssertEqual(requests["cass_serve_http_requests_total{method=\"POST\",route=\"/api/v1/files\",status=\"201\"}"], 1, "\(requests)")
        XCTAssertEqual(requests["cass_serve_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/files\",status=\"201\"}"], 1)
        XCTAssertEqual(requests["cass_serve_http_requests_total{method=\"POST\",route=\"/api/v1/operations/{country}/periods/{period}/close\",status=\"202\"}"], 1)
        XCTAssertEqual(requests["cass_serve_http_requests_total{method=\"POST\",route=\"/api/v1/sessions\",status=\"201\"}"], 2)
        XCTAssertEqual(requests["cass_serve_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"], 1)
        XCTAssertEqual(requests["cass_serve_http_requests_total{method=\"-\",route=\"-\",status=\"431\"}"], 1)
        XCTAssertNotNil(requests["cass_serve_http_open_connections"])
        XCTAssertEqual(requests["cass_serve_view_lag_offsets{topic=\"cass.invoices\"}"], 0)
        // The embedded log's own counters.
        XCTAssertGreaterThan(requests["cass_serve_log_bytes_total"] ?? 0, 0, "\(requests)")
        XCTAssertGreaterThan(requests["cass_serve_log_records_total"] ?? 0, 0)
        XCTAssertGreaterThan(requests["cass_serve_log_fsyncs_total"] ?? 0, 0)
        XCTAssertNotNil(requests["cass_serve_log_released_bytes_total"])
        XCTAssertEqual(requests["cass_serve_log_background_problems"], 0)

        // The access log has a line for each of those answers.
        let lines = try String(contentsOf: accessLog, encoding: .utf8).split(separator: "\n").map { line in
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
        }
        func logged(_ method: String, _ route: String?, _ status: Int) -> [[String: Any]] {
            lines.filter { $0["method"] as? String == method && $0["route"] as? String == route && $0["status"] as? Int == status }
        }
        XCTAssertEqual(logged("POST", "/api/v1/files", 201).count, 1, "\(lines)")
        XCTAssertEqual(logged("POST", "/api/v1/files", 201).first?["path"] as? String, "/api/v1/files", "the path, not its query")
        // Who asked: the user a token belongs to; nobody before a login,
        // for the readiness checks and for answers before a head was read.
        XCTAssertEqual(logged("POST", "/api/v1/files", 201).first?["user"] as? String, "ba.input")
        XCTAssertEqual(logged("POST", "/api/v1/operations/{country}/periods/{period}/close", 202).first?["user"] as? String, "root")
        XCTAssertTrue(logged("POST", "/api/v1/sessions", 201).allSatisfy { $0["user"] is NSNull }, "\(lines)")
        XCTAssertTrue(logged("-", nil, 431).first?["user"] is NSNull)
        XCTAssertTrue(logged("GET", "/healthz", 200).allSatisfy { $0["user"] is NSNull })
        XCTAssertEqual(logged("POST", "/api/v1/sessions", 201).count, 2)
        XCTAssertEqual(logged("GET", nil, 404).first?["path"] as? String, "/api/v1/no/such/thing")
        XCTAssertEqual(logged("-", nil, 431).count, 1)
        XCTAssertEqual(logged("GET", "/healthz", 200).isEmpty, false, "the readiness checks are answers too")
        XCTAssertTrue(lines.allSatisfy { ($0["remote"] as? String)?.hasPrefix("127.0.0.1") == true && $0["ms"] is Double && $0["bytes"] is Int }, "\(lines)")
        let unwritable = try CommandRunner.run(["serve", "--data", data.path, "--access-log", data.appendingPathComponent("no/such/folder/log").path,
                                                "--listen", "127.0.0.1:\(try ServeProcess.freePort())"], timeoutSeconds: 60)
        XCTAssertEqual(unwritable.status, 1)
        XCTAssertTrue(unwritable.stderr.contains("cannot open the access log"), unwritable.stderr)

        let hostAlone = try CommandRunner.run(["serve", "--data", data.path, "--metrics-host", "0.0.0.0"])
        XCTAssertEqual(hostAlone.status, 2)
        XCTAssertTrue(hostAlone.stderr.contains("--metrics-host needs --metrics-port"), hostAlone.stderr)
    }

    func testFirstStartWithoutAdminIsRefusedWithASentence() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("cass-serve-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let finished = try CommandRunner.run(["serve", "--data", data.path, "--reference", CommandRunner.repo.appendingPathComponent("samples/reference").path,
                                              "--listen", "127.0.0.1:\(try ServeProcess.freePort())"], timeoutSeconds: 60)
        XCTAssertEqual(finished.status, 1)
        XCTAssertTrue(finished.stderr.contains("--admin NAME"), finished.stderr)
        XCTAssertEqual(try CommandRunner.run(["serve", "--listen", "nonsense", "--data", data.path]).status, 2)
    }
}

/// A `cass serve` process for tests.
struct ServeProcess {
    static let adminPassword = "the operator's long password"
    let process: Process
    let port: UInt16
    let errURL: URL

    static func start(data: URL, port: UInt16, extra: [String], environment: [String: String] = [:]) throws -> ServeProcess {
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("cass-serve-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        var env = CommandRunner.inheritedEnvironment
        env["CASS_ADMIN_PASSWORD"] = adminPassword
        env["CASS_TEST_PASSWORD_ITERATIONS"] = "1000"
        for (key, value) in environment { env[key] = value }
        let process = Process()
        process.executableURL = try CommandRunner.cass
        process.arguments = ["serve", "--data", data.path, "--listen", "127.0.0.1:\(port)"] + extra
        process.environment = env
        let err = logs.appendingPathComponent("err")
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return ServeProcess(process: process, port: port, errURL: err)
    }

    func stderr() throws -> String { try String(contentsOf: errURL, encoding: .utf8) }

    func waitHealthy(seconds: Double = 120) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if !process.isRunning {
                let log = (try? stderr()) ?? ""
                throw NSError(domain: "serve", code: 5, userInfo: [NSLocalizedDescriptionKey: "cass serve exited: \(log)"])
            }
            if let answer = try? Self.request(port: port, "GET", "/healthz"), answer.status == 200 { return }
            usleep(100_000)
        }
        let log = (try? stderr()) ?? ""
        throw NSError(domain: "serve", code: 1, userInfo: [NSLocalizedDescriptionKey: "not healthy in time: \(log)"])
    }

    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return UInt16(bigEndian: address.sin_port)
    }

    struct Answer { var status: Int; var body: String }

    static func login(port: UInt16, _ username: String, _ password: String) throws -> String {
        let answer = try request(port: port, "POST", "/api/v1/sessions", json: "{\"username\":\"\(username)\",\"password\":\"\(password)\"}")
        guard answer.status == 201, let data = answer.body.data(using: .utf8),
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any], let token = object["token"] as? String else {
            throw NSError(domain: "serve", code: 2, userInfo: [NSLocalizedDescriptionKey: "login failed: \(answer.status) \(answer.body)"])
        }
        return token
    }

    /// One request over its own connection (curl-free: a raw socket).
    static func request(port: UInt16, _ method: String, _ path: String, token: String? = nil, json: String? = nil,
                        body raw: [UInt8]? = nil, headers extra: [String: String] = [:]) throws -> Answer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else { throw NSError(domain: "serve", code: 3, userInfo: [NSLocalizedDescriptionKey: "connect failed"]) }
        let body = raw ?? Array((json ?? "").utf8)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in extra { head += "\(name): \(value)\r\n" }
        if json != nil { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        if raw != nil { head += "Content-Type: application/octet-stream\r\nContent-Length: \(body.count)\r\n" }
        if json == nil && raw == nil && method == "POST" { head += "Content-Length: 0\r\n" }
        let bytes = Array((head + "\r\n").utf8) + body
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received.append(contentsOf: buffer[0..<n])
        }
        let text = String(decoding: received, as: UTF8.self)
        guard text.count >= 12, let status = Int(text.dropFirst(9).prefix(3)) else {
            throw NSError(domain: "serve", code: 4, userInfo: [NSLocalizedDescriptionKey: "no answer"])
        }
        let bodyText = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return Answer(status: status, body: bodyText)
    }
}
