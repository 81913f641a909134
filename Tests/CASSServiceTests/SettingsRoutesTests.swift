import CASSAccess
import CASSAccounts
import CASSDomain
@testable import CASSService
import Foundation
import XCTest

/// Self-service settings over real HTTP: the whole object in and out, on
/// the compacted settings topic; direct debit also on the accounts topic.
final class SettingsRoutesTests: XCTestCase {
    typealias W = AccountsWorld

    func testAdminsReadAndReplaceTheirSettingsWhichSurviveARestart() throws {
        let world = try W(today: "2026-11-10")
        let admin = try world.client("a.admin")
        let defaults = try admin.get("/api/v1/settings")
        XCTAssertEqual(defaults.status, 200, defaults.description)
        XCTAssertEqual(defaults.string("language"), "en")
        XCTAssertEqual(defaults.json["formats"] as? [String], ["pdf"])
        XCTAssertEqual(defaults.json["distribution"] as? [String], ["download"])
        XCTAssertEqual((defaults.json["webhooks"] as? [Any])?.count, 0)
        XCTAssertEqual((defaults.json["emails"] as? [Any])?.count, 0)
        XCTAssertEqual(defaults.json["directDebit"] as? Bool, false)
        XCTAssertEqual(try world.client("c.admin").get("/api/v1/settings").string("language"), "es", "an agent's language from agents.csv")

        let wanted: [String: Any] = [
            "language": "fr", "formats": ["xlsx", "pdf"], "distribution": ["download", "sftp"],
            "webhooks": [["url": "https://erp.example.com/cass", "secret": "s3cret-s3cret"]], "emails": ["billing@example.com"],
            "directDebit": true,
        ]
        let saved = try admin.put("/api/v1/settings", json: wanted)
        XCTAssertEqual(saved.status, 200, saved.description)
        XCTAssertEqual(saved.json["formats"] as? [String], ["pdf", "xlsx"], "kept in the documented order")
        XCTAssertEqual(saved.json["directDebit"] as? Bool, true)
        XCTAssertEqual(try world.desk.view.read { $0.directDebit(AccountKey(country: "GB", agent: 91_200_040_002)) }, true)
        XCTAssertEqual(try world.count("direct-debit.set"), 1)
        XCTAssertEqual(try admin.put("/api/v1/settings", json: saved.json).status, 200, "GET's object goes back as it is")
        XCTAssertEqual(try world.count("direct-debit.set"), 1, "an unchanged setting writes nothing")
        let distribution = try XCTUnwrap(world.harness.service.context?.settings.distribution(.agent(country: "GB", code: W.agentA)))
        XCTAssertEqual(distribution.formats, ["pdf", "xlsx"])
        XCTAssertTrue(distribution.sftp)

        try world.restart(today: "2026-11-11")
        let again = try world.client("a.admin").get("/api/v1/settings")
        XCTAssertEqual(again.string("language"), "fr")
        XCTAssertEqual((again.json["webhooks"] as? [[String: Any]])?.first?["url"] as? String, "https://erp.example.com/cass")
        XCTAssertEqual(again.json["directDebit"] as? Bool, true)
        XCTAssertTrue(try world.client("root").get("/api/v1/audit").items.contains { $0["action"] as? String == "settings.updated" })
    }

    func testBadSettingsAreRefusedNamingEveryField() throws {
        let world = try W(today: "2026-11-10")
        let admin = try world.client("a.admin")
        let good: [String: Any] = ["language": "en", "formats": ["pdf"], "distribution": ["download"], "webhooks": [], "emails": [], "directDebit": false]
        func with(_ key: String, _ value: Any?) -> [String: Any] { var body = good; body[key] = value; return body }
        XCTAssertEqual(try admin.put("/api/v1/settings", json: with("language", nil)).fieldErrors, ["language"], "the whole object is required")
        XCTAssertEqual(try admin.put("/api/v1/settings", json: with("language", "xx")).fieldErrors, ["language"])
        XCTAssertEqual(try admin.put("/api/v1/settings", json: with("formats", ["pdf", "docx"])).fieldErrors, ["formats[1]"])
        XCTAssertEqual(try admin.put("/api/v1/settings", json: with("distribution", ["fax"])).fieldErrors, ["distribution[0]"])
        XCTAssertEqual(try admin.put("/api/v1/settings", json: with("emails", ["not-an-address"])).fieldErrors, ["emails[0]"])
        XCTAssertEqual(try admin.put("/api/v1/settings", json: with("webhooks", [["url": "ftp://x", "secret": "s"]])).fieldErrors, ["webhooks[0].url"])
        XCTAssertEqual(try admin.put("/api/v1/settings", json: with("webhooks", [["url": "https://x.example", "secret": ""]])).fieldErrors, ["webhooks[0].secret"])
        XCTAssertEqual(try admin.put("/api/v1/settings", json: with("webhooks", [["url": "https://x.example"]])).fieldErrors, ["webhooks[0].secret"])
        XCTAssertEqual(try admin.put("/api/v1/settings", json: with("directDebit", "yes")).fieldErrors, ["directDebit"])
        XCTAssertEqual(try admin.put("/api/v1/settings", json: with("colour", "blue")).fieldErrors, ["colour"])
        let many = (0..<11).map { ["url": "https://h\($0).example", "secret": "s"] }
        XCTAssertEqual(try admin.put("/api/v1/settings", json: with("webhooks", many)).status, 422)
        let two = try admin.put("/api/v1/settings", json: ["language": "zz", "formats": "pdf"])
        XCTAssertEqual(Set(two.fieldErrors), ["language", "formats", "distribution", "webhooks", "emails", "directDebit"])
        XCTAssertEqual(try admin.request("PUT", "/api/v1/settings", body: Array("[1]".utf8), contentType: "application/json").status, 400)
        // directDebit is an agent company's only.
        var airline = good
        airline["directDebit"] = nil
        XCTAssertEqual(try world.client("ba.admin").put("/api/v1/settings", json: airline).status, 200)
        XCTAssertEqual(try world.client("ba.admin").put("/api/v1/settings", json: good).fieldErrors, ["directDebit"])
        XCTAssertNil(try world.client("ba.admin").get("/api/v1/settings").json["directDebit"])
        XCTAssertEqual(try world.count("direct-debit.set"), 0, "nothing was changed by a refused request")
    }

    /// Plain http webhooks are allowed (an intranet receiver) but said:
    /// the answer carries a read-only warning, which PUT takes back.
    func testAPlainHttpWebhookIsSavedWithAWarningThatGoesBackUnchanged() throws {
        let world = try W(today: "2026-11-10")
        let admin = try world.client("a.admin")
        let body: [String: Any] = ["language": "en", "formats": ["pdf"], "distribution": ["download"], "emails": [], "directDebit": false,
                                   "webhooks": [["url": "https://erp.example.com/cass", "secret": "s1"], ["url": "HTTP://intranet.example/cass", "secret": "s2"]]]
        let saved = try admin.put("/api/v1/settings", json: body)
        XCTAssertEqual(saved.status, 200, saved.description)
        let warnings = try XCTUnwrap(saved.json["warnings"] as? [String], saved.description)
        XCTAssertEqual(warnings.count, 1, "only the http one: \(warnings)")
        XCTAssertTrue(warnings[0].hasPrefix("webhooks[1].url:") && warnings[0].contains("plain http"), warnings[0])
        let read = try admin.get("/api/v1/settings")
        XCTAssertEqual(read.json["warnings"] as? [String], warnings)
        XCTAssertEqual(try admin.put("/api/v1/settings", json: read.json).status, 200, "GET's object, warnings included, goes back")
        var https = body
        https["webhooks"] = [["url": "https://erp.example.com/cass", "secret": "s1"]]
        XCTAssertNil(try admin.put("/api/v1/settings", json: https).json["warnings"], "nothing to say, no field")
    }

    func testWhoReadsAndChangesWhichSettings() throws {
        let world = try W(today: "2026-11-10")
        let body: [String: Any] = ["language": "de", "formats": ["pdf"], "distribution": ["download"], "webhooks": [], "emails": [], "directDebit": false]
        let own = "/api/v1/settings?company=\(W.companyA)"
        let cases: [(String, String, Int)] = [
            ("a.admin", "/api/v1/settings", 200), ("a.admin", own, 200), ("a.output", "/api/v1/settings", 403), ("a.viewer", own, 403),
            ("b.admin", own, 404), ("ba.admin", own, 404), ("root", own, 200), ("cass.viewer", own, 403),
            ("root", "/api/v1/settings?company=agent-GB-00000000000", 404), ("root", "/api/v1/settings?company=nonsense", 404),
            ("ga.output", own, 403), ("ba.admin", "/api/v1/settings", 200), ("ba.input", "/api/v1/settings", 403),
        ]
        for (user, path, status) in cases {
            XCTAssertEqual(try world.client(user).get(path).status, status, "GET \(path) as \(user)")
            let put = try world.client(user).put(path, json: path.contains(W.companyA) || user.hasPrefix("a.") ? body : body.filter { $0.key != "directDebit" })
            XCTAssertEqual(put.status, status, "PUT \(path) as \(user): \(put)")
        }
    }
}
