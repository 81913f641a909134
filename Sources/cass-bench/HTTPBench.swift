import CASSHTTP
import Foundation

/// `cass-bench --http`: the HTTP server under wrk (64 keep-alive
/// connections by default) with a cheap handler shaped like an invoice
/// lookup: a path parameter, a bearer token check and a ~400-byte JSON
/// answer. Prints wrk's requests/s and latency percentiles, and the
/// server's resident memory before, during and after the load.
func benchHTTP(connections: Int, seconds: Int) -> Int32 {
    guard let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        FileHandle.standardError.write(Data("cass-bench: wrk not found (scripts/install-deps installs it)\n".utf8))
        return 1
    }
    var router = Router()
    let body = "{\"number\":\"%@\",\"country\":\"GB\",\"period\":\"20261101\",\"agent\":\"12345678901\",\"currency\":\"GBP\","
        + "\"totalMinor\":1234567,\"status\":\"issued\",\"paidMinor\":0,\"outstandingMinor\":1234567,\"remittanceDate\":\"2026-12-10\","
        + "\"invoiceDate\":\"2026-11-15\",\"sections\":[{\"airline\":\"125\",\"lines\":[{\"awb\":\"125-12345675\",\"amountMinor\":1234567}]}],"
        + "\"payments\":[],\"disputes\":[]}"
    router.get("/api/v1/invoices/{number}") { request in
        guard request.bearerToken == "bench-token" else { throw HTTPError(.unauthorized, detail: "log in first") }
        return .json(String(format: body, request.parameter("number") ?? ""))
    }
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
    configuration.connectionsMax = max(512, connections * 2)
    let server: HTTPServer
    do {
        server = try HTTPServer(configuration: configuration, router: router)
    } catch {
        FileHandle.standardError.write(Data("cass-bench: \(error)\n".utf8))
        return 1
    }
    server.start()
    defer { server.stop() }
    let before = residentMegabytes()
    let peak = SharedPeak()
    let sampling = SharedPeak()
    sampling.set(1)
    let sampler = Thread {
        while sampling.value > 0 {
            peak.raise(residentMegabytes())
            usleep(100_000)
        }
    }
    sampler.start()
    let url = "http://127.0.0.1:\(server.port)/api/v1/invoices/GB-2026-000123"
    let output = runWRK(wrk, ["-t2", "-c\(connections)", "-d\(seconds)s", "--latency", "-H", "Authorization: Bearer bench-token", url])
    sampling.set(0)
    let after = residentMegabytes()
    // wrk's own summary lines, then ours.
    for line in output.split(separator: "\n") where line.contains("Requests/sec") || line.contains("%") || line.contains("Latency")
        || line.contains("requests in") || line.contains("Non-2xx") || line.contains("Socket errors") {
        print("  wrk: " + line.trimmingCharacters(in: .whitespaces))
    }
    print(String(format: "HTTP: %d keep-alive connections, %d s: server RSS %.1f MB before, %.1f MB peak, %.1f MB after",
                 connections, seconds, before, peak.value, after))
    return 0
}

func runWRK(_ path: String, _ arguments: [String]) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return "wrk failed: \(error)" }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

func residentMegabytes() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return -1 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Double(fields[1]) else { return -1 }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

final class SharedPeak: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = 0.0
    var value: Double { lock.withLock { stored } }
    func set(_ value: Double) { lock.withLock { stored = value } }
    func raise(_ value: Double) { lock.withLock { stored = max(stored, value) } }
}
