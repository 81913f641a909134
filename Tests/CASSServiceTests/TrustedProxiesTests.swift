@testable import CASSService
import Foundation
import XCTest

/// `--trusted-proxy`: X-Forwarded-For is believed from listed proxies
/// only, read from the right, and names the client in the audit trail.
final class TrustedProxiesTests: XCTestCase {
    func testParsing() throws {
        XCTAssertEqual(try TrustedProxies(parsing: "10.0.0.0/8, 172.16.0.0/12,::1").networks.count, 3)
        XCTAssertEqual(try TrustedProxies(parsing: "192.0.2.1").networks.first?.prefix, 32)
        XCTAssertEqual(try TrustedProxies(parsing: "2001:db8::/32").networks.first?.bytes.count, 16)
        for bad in ["", ",", "proxy.example", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/x", "10.0.0", "1.2.3.4:80", "fe80::1%eth0"] {
            XCTAssertThrowsError(try TrustedProxies(parsing: bad), bad)
        }
        let many = (0...TrustedProxies.networksMax).map { "10.0.\($0 / 256).\($0 % 256)" }.joined(separator: ",")
        XCTAssertThrowsError(try TrustedProxies(parsing: many), "over the stated limit of networks")
    }

    func testTheClientIsTheNearestUntrustedAddress() throws {
        let proxies = try TrustedProxies(parsing: "10.0.0.0/8,::1")
        // An untrusted peer: its header is ignored, whatever it says.
        XCTAssertEqual(proxies.client(peer: "192.0.2.7:5000", forwardedFor: ["203.0.113.9"]), "192.0.2.7:5000")
        // The proxy's peer: the address it appended.
        XCTAssertEqual(proxies.client(peer: "10.1.2.3:443", forwardedFor: ["203.0.113.9"]), "203.0.113.9")
        // A client's own X-Forwarded-For is to the left of what the proxy appended.
        XCTAssertEqual(proxies.client(peer: "10.1.2.3:443", forwardedFor: ["198.51.100.1", "203.0.113.9"]), "203.0.113.9")
        // Two trusted proxies in a row: the one before them.
        XCTAssertEqual(proxies.client(peer: "10.1.2.3:443", forwardedFor: ["203.0.113.9", "10.9.9.9"]), "203.0.113.9")
        // Only proxies: the farthest of them.
        XCTAssertEqual(proxies.client(peer: "10.1.2.3:443", forwardedFor: ["10.2.2.2", "10.9.9.9"]), "10.2.2.2")
        // No header: the peer.
        XCTAssertEqual(proxies.client(peer: "10.1.2.3:443", forwardedFor: []), "10.1.2.3:443")
        // Garbage stops the walk at the last address believed.
        XCTAssertEqual(proxies.client(peer: "10.1.2.3:443", forwardedFor: ["203.0.113.9", "unknown"]), "10.1.2.3:443")
        XCTAssertEqual(proxies.client(peer: "10.1.2.3:443", forwardedFor: ["<script>", "10.9.9.9"]), "10.9.9.9")
        // IPv6 peers and elements, with and without brackets and ports.
        XCTAssertEqual(proxies.client(peer: "[::1]:8080", forwardedFor: ["[2001:db8::5]:1234"]), "2001:db8::5")
        XCTAssertEqual(proxies.client(peer: "[::1]:8080", forwardedFor: ["2001:db8::5"]), "2001:db8::5")
        XCTAssertEqual(proxies.client(peer: "[::2]:8080", forwardedFor: ["2001:db8::5"]), "[::2]:8080")
        // IPv4 with a port in the header.
        XCTAssertEqual(proxies.client(peer: "10.1.2.3:443", forwardedFor: ["203.0.113.9:61000"]), "203.0.113.9")
        // A long chain of proxies is walked at most hopsMax elements.
        let chain = ["203.0.113.9"] + Array(repeating: "10.0.0.1", count: TrustedProxies.hopsMax + 5)
        XCTAssertEqual(proxies.client(peer: "10.1.2.3:443", forwardedFor: chain), "10.0.0.1")
        // None configured: the peer, always.
        XCTAssertEqual(TrustedProxies.none.client(peer: "10.1.2.3:443", forwardedFor: ["203.0.113.9"]), "10.1.2.3:443")
    }

    func testPrefixesCutInsideAByte() throws {
        let proxies = try TrustedProxies(parsing: "172.16.0.0/12")
        XCTAssertEqual(proxies.client(peer: "172.31.255.254:1", forwardedFor: ["203.0.113.9"]), "203.0.113.9")
        XCTAssertEqual(proxies.client(peer: "172.32.0.1:1", forwardedFor: ["203.0.113.9"]), "172.32.0.1:1")
        XCTAssertEqual(proxies.client(peer: "172.15.255.255:1", forwardedFor: ["203.0.113.9"]), "172.15.255.255:1")
    }

    /// Through the service: the audit trail names the forwarded client
    /// behind a trusted proxy, and the peer otherwise.
    func testTheAuditTrailNamesTheForwardedClient() throws {
        let loopback = try TrustedProxies(parsing: "127.0.0.1/32")
        for (trusted, expected) in [(true, "203.0.113.9"), (false, "127.0.0.1:")] {
            let harness = try ServiceHarness { options in
                if trusted { options.trustedProxies = loopback }
            }
            defer { harness.stop() }
            let admin = try harness.login("root", ServiceHarness.adminPassword)
            let body = try JSONSerialization.data(withJSONObject: [
                "username": "proxied", "company": "airline-125", "role": "input", "name": "Proxied", "email": "p@example.com",
                "language": "en", "password": "a long enough password"])
            let created = try admin.request("POST", "/api/v1/users", body: Array(body), contentType: "application/json",
                                            headers: [("X-Forwarded-For", "198.51.100.1, 203.0.113.9")])
            XCTAssertEqual(created.status, 201, created.description)
            let audit = try admin.get("/api/v1/audit?limit=1000")
            let items = try XCTUnwrap(audit.json["items"] as? [[String: Any]])
            let entry = try XCTUnwrap(items.first { ($0["object"] as? String) == "user:proxied" }, "\(items)")
            let from = try XCTUnwrap(entry["from"] as? String)
            XCTAssertTrue(from.hasPrefix(expected), "trusted \(trusted): \(from)")
        }
    }
}
