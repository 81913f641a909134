import Foundation
import XCTest

/// The portal in a real browser: `scripts/portal-browser.py` drives headless
/// Chromium (Debian's chromium and chromium-driver) through Selenium
/// against a service this test starts on 127.0.0.1 with known data, and
/// audits every page it visits with axe-core (axe-selenium-python): agents
/// in Arabic and English, a Japanese airline admin who uploads a file on
/// /files, and the operator watching /statistics change as a payment and
/// a file arrive.
///
/// The Python comes from the venv scripts/install-deps makes
/// (`~/.cache/opencass/portal-venv`, or `CASS_PORTAL_PYTHON`). Without it
/// the test is skipped, unless `CASS_REQUIRE_BROWSER_TESTS=1` (scripts/test
/// sets it, so CI cannot skip it silently).
final class PortalBrowserTests: XCTestCase {
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var python: String? {
        let environment = ProcessInfo.processInfo.environment
        let candidates = [environment["CASS_PORTAL_PYTHON"],
                          (environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")) + "/opencass/portal-venv/bin/python"]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func testAgentAirlineAndOperatorInChromium() throws {
        let required = ProcessInfo.processInfo.environment["CASS_REQUIRE_BROWSER_TESTS"] == "1"
        let chromium = FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
        guard let python = Self.python, chromium else {
            if required { XCTFail("the browser test needs chromium, chromium-driver and the venv of scripts/install-deps"); return }
            throw XCTSkip("no chromium/chromedriver or no venv with selenium and axe-selenium-python (scripts/install-deps)")
        }
        let world = try PortalPagesRoutesTests.world()
        let root = try world.client("root")
        for (name, company, role, language) in [("agent.ar", AccountsWorld.companyA, "output", "ar"), ("airline.ja", "airline-125", "admin", "ja")] {
            let created = try root.post("/api/v1/users", json: [
                "username": name, "company": company, "role": role, "name": name, "email": "\(name)@example.com",
                "language": language, "password": AccountsWorld.password,
            ])
            XCTAssertEqual(created.status, 201, "\(created)")
        }
        // Something on every list: a dispute on A's invoice.
        let raised = try world.client("a.output").post("/api/v1/disputes", json: ["invoice": "GB2026000001", "awb": AccountsWorld.awbA125, "reason": "weight"])
        XCTAssertEqual(raised.status, 201, "\(raised)")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("portal-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let screenshots = ProcessInfo.processInfo.environment["CASS_PORTAL_SCREENSHOTS"]
        let config: [String: Any] = [
            "base": "http://127.0.0.1:\(world.harness.port)",
            "screenshots": screenshots ?? "",
            "invoices": ["GB2026000001", "GB2026000004"],
            "payment": ["invoice": "GB2026000001", "amountMinor": 12_345],
            "upload": Self.repository.appendingPathComponent("samples/input/125_GB_20261101_000001.cbf").path,
            "arrival": Self.repository.appendingPathComponent("samples/input/125_GB_20261102_000002.cbf").path,
            "agent": ["username": "agent.ar", "password": AccountsWorld.password, "language": "ar",
                      "pages": ["/invoices", "/payments", "/disputes", "/risk", "/statistics", "/account"]],
            "agent_en": ["username": "a.output", "password": AccountsWorld.password, "language": "en",
                         "pages": ["/invoices", "/payments", "/disputes", "/risk", "/statistics"]],
            "airline": ["username": "airline.ja", "password": AccountsWorld.password, "language": "ja",
                        "pages": ["/disputes", "/statistics", "/users", "/settings", "/account"]],
            "operator": ["username": "root", "password": ServiceHarness.adminPassword, "language": "en",
                         "pages": ["/statistics", "/periods", "/files", "/invoices", "/disputes", "/payments", "/risk", "/users",
                                   "/settings", "/invoices/GB2026000002"]],
        ]
        let configFile = folder.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: config).write(to: configFile)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.repository.appendingPathComponent("scripts/portal-browser.py").path, configFile.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Read while it runs (a full pipe would stall it); the service answers on its own threads.
        let bytes = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: bytes, as: UTF8.self)
        print(text)
        XCTAssertEqual(process.terminationStatus, 0, "scripts/portal-browser.py:\n\(text)")
        XCTAssertTrue(text.contains(" passed, 0 failed"), text)
    }
}
